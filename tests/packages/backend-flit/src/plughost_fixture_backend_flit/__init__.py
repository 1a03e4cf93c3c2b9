"""Test fixture for plughost: a valid plugin built with flit-core."""

from plughost import Plugin, command

__version__ = "1.2.0"


class Backend(Plugin):
    """Say which build backend made this plugin.

    Used by plughost's own tests.
    """

    @command
    def whoami(self) -> str:
        """Return the name of the backend that built this plugin."""
        return "flit"

    @command
    def add(self, a: int, b: int) -> int:
        """Add A and B."""
        return a + b
