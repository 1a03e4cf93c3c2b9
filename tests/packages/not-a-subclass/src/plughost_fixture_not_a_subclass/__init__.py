"""A class that does not derive from plughost.Plugin."""

from plughost import command


class FixturePlugin:
    """Looks like a plugin, but is not one."""

    @command
    def hello(self) -> str:
        """Say hello."""
        return "hello"
