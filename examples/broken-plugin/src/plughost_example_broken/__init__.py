"""A plugin whose author forgot a dependency: importing it fails."""

import a_library_nobody_installed  # noqa: F401

from plughost import Plugin, command


class Broken(Plugin):
    """Never gets this far."""

    @command
    def hello(self) -> str:
        """Say hello."""
        return "hello"
