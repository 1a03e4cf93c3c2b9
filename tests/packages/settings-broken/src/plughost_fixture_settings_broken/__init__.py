"""A plugin whose ``Settings`` declaration is wrong in every documented way at once."""

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
