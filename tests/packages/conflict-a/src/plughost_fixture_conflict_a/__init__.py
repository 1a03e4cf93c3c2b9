from plughost import Plugin, command


class FixturePlugin(Plugin):
    """A plugin that would be fine if not for its failure mode."""

    @command
    def hello(self) -> str:
        """Say hello."""
        return "hello"
