"""Writes a marker file when imported, to prove whether it was."""

import os
import pathlib

from plughost import Plugin, command

_marker_dir = os.environ.get("PLUGHOST_TEST_MARKER_DIR")
if _marker_dir:
    pathlib.Path(_marker_dir, "marker-imported").write_text("imported\n")


class FixturePlugin(Plugin):
    """Leaves a trace."""

    @command
    def hello(self) -> str:
        """Say hello."""
        return "hello"
