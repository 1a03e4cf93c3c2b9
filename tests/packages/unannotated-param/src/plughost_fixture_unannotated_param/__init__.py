"""A command whose parameter has no annotation."""

from plughost import Plugin, command


class FixturePlugin(Plugin):
    """Forgets an annotation."""

    @command
    def greet(self, name, polite: bool = True) -> str:  # type: ignore[no-untyped-def]
        """Greet NAME."""
        return f"hello {name}"
