"""A valid plugin whose distribution installs modules that another one installs too."""

from plughost_fixture_verify_shared import shared_word
from plughost_fixture_verify_shared_owner import OWNER

from plughost import Plugin, command


class FixturePlugin(Plugin):
    """Tells which distribution's copy of the shared module won."""

    @command
    def owner(self) -> str:
        """The distribution whose copy of the owner module is installed."""
        return f"{shared_word()} by {OWNER}"
