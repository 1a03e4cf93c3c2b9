"""A plugin whose base class refuses to be subclassed: importing it raises."""

from __future__ import annotations

from typing import Any

from plughost import Plugin, command


class Picky(Plugin):
    """A base class that refuses every subclass."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        raise TypeError(f"{cls.__name__} may not subclass Picky")


class Subclassed(Picky):
    """Never created."""

    @command
    def echo(self, text: str) -> str:
        """Echo TEXT."""
        return text
