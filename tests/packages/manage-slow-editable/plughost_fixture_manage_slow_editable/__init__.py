"""A valid plugin, installed editable, whose build the test can hold up."""

import plughost_fixture_manage_lib

from plughost import Plugin, command


class FixturePlugin(Plugin):
    """Report the version of the library it depends on."""

    @command
    def lib_version(self) -> str:
        """Return the version of plughost-fixture-manage-lib in use."""
        return plughost_fixture_manage_lib.VERSION
