"""Managing plugins: install, uninstall, freeze, verify, scaffold."""
