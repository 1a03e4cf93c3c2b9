"""A valid plugin whose distribution also installs .pth files."""

import os

from plughost import Plugin, command


class FixturePlugin(Plugin):
    """Says whether its .pth file was executed at start-up."""

    @command
    def ran(self) -> bool:
        """Whether site.py ran the import line of the .pth file."""
        return os.environ.get("PLUGHOST_FIXTURE_VERIFY_PTH") == "ran"
