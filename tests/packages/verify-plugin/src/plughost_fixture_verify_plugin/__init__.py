"""A valid plugin whose installed files the integrity tests modify."""

from plughost import Plugin, command
from plughost_fixture_verify_plugin._words import words


class VerifyPlugin(Plugin):
    """Answers with the words it was installed with."""

    @command
    def words(self) -> list[str]:
        """Return the words of the installed data file."""
        return words()
