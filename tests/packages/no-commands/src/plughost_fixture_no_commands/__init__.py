"""A plugin with no commands."""

from plughost import Plugin


class FixturePlugin(Plugin):
    """Has nothing to offer."""

    def helper(self) -> str:
        """Not marked as a command."""
        return "hello"
