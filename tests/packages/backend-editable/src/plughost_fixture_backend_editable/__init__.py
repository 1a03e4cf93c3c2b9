"""Test fixture for plughost: a valid plugin built with setuptools, installed editable."""

from plughost import Plugin, command


class Backend(Plugin):
    """Say which build backend made this plugin.

    Used by plughost's own tests.
    """

    @command
    def whoami(self) -> str:
        """Return the name of the backend that built this plugin."""
        return "setuptools"

    @command
    def add(self, a: int, b: int) -> int:
        """Add A and B."""
        return a + b
