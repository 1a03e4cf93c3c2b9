"""A plugin whose constructor raises."""

from plughost import Plugin, command


class FixturePlugin(Plugin):
    """Cannot start."""

    def __init__(self) -> None:
        raise RuntimeError("cannot open the frobnicator")

    @command
    def hello(self) -> str:
        """Say hello."""
        return "hello"
