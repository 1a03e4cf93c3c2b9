"""Plugins whose ``Settings`` declaration is wrong, each problem a documented one."""

from __future__ import annotations

from pathlib import Path

from plughost import Plugin, command


class Broken(Plugin):
    """Declare settings in every wrong way."""

    class Settings:
        """Every mistake once."""

        missing: str
        wrong_default: int = "three"  # type: ignore[assignment]
        path: Path = Path("/tmp")
        timeout: float = 5.0
        colour = "blue"
        mapping: list[str] = {"a": "b"}  # type: ignore[assignment]  # noqa: RUF012
        fine: str = "ok"

    @command
    def echo(self, text) -> str:  # type: ignore[no-untyped-def]
        """Echo TEXT."""
        return str(text)


class NotAClass(Plugin):
    """Declare settings as a dictionary."""

    Settings = {"greeting": "Hello"}  # noqa: RUF012

    @command
    def echo(self, text: str) -> str:
        """Echo TEXT."""
        return text


class Unresolved(Plugin):
    """Annotate a setting with a name that is not there."""

    class Settings:
        """A setting of an unknown type."""

        when: Moment = None  # type: ignore[name-defined]  # noqa: F821

    @command
    def echo(self, text: str) -> str:
        """Echo TEXT."""
        return text
