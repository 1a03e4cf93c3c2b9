"""A plugin that would be fine under plughost 2."""

from plughost import Plugin, command


class FixturePlugin(Plugin):
    """Say hello under plughost 2."""

    @command
    def hello(self) -> str:
        """Say hello."""
        return "hello"
