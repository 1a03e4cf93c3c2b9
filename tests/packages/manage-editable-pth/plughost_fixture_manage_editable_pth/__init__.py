"""A valid plugin whose editable install also brings a .pth file that runs code."""

from plughost import Plugin, command


class FixturePlugin(Plugin):
    """Say hello."""

    @command
    def hello(self) -> str:
        """Return a greeting."""
        return "hello"
