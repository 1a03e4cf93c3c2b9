"""A plugin that needs a version of a library the host's environment cannot have."""

import sys

import plughost_fixture_dep

from plughost import Plugin, command


class VenvOnly(Plugin):
    """Lives in its own virtual environment."""

    @command
    def where(self) -> dict[str, str]:
        """Report the interpreter and the library version this plugin runs with."""
        return {"prefix": sys.prefix, "dep": plughost_fixture_dep.VERSION}
