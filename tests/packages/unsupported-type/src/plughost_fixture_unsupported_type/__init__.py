"""A command with types the manifest cannot describe."""

from pathlib import Path

from plughost import Plugin, command


class FixturePlugin(Plugin):
    """Uses Path and a set."""

    @command
    def read(self, path: Path, tags: set[str]) -> bytes:
        """Read PATH."""
        return path.read_bytes()
