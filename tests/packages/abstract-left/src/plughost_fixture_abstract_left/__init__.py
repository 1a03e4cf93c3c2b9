"""A plugin that leaves an abstract method unimplemented."""

import abc

from plughost import Plugin, command


class Base(Plugin):
    """A base with an abstract hook."""

    @abc.abstractmethod
    def prepare(self) -> None:
        """Implement me."""


class FixturePlugin(Base):
    """Forgets to implement prepare."""

    @command
    def hello(self) -> str:
        """Say hello."""
        return "hello"
