"""Plugins whose ``Settings`` class runs hostile code when it is used.

Each plugin is otherwise valid, with one command; the only thing wrong with
it is the trap its settings set.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from plughost import Plugin, command

#: The traps spring only once the module is imported: creating the classes
#: needs the very attributes they refuse.
ARMED = False


class Trap(Exception):
    """Raised by the traps; its own str() raises too."""

    def __str__(self) -> str:
        raise RuntimeError("str() of the trap")


def _sprung(name: str) -> None:
    """Leave a mark that plughost ran what it should only have read."""
    folder = os.environ.get("PLUGHOST_TEST_MARKER_DIR")
    if folder:
        Path(folder, name).write_text("sprung")


class _DocMeta(type):
    def __getattribute__(cls, name: str) -> Any:
        if ARMED and name == "__doc__":
            raise Trap
        return super().__getattribute__(name)


class Trapped(Plugin):
    """Settings whose docstring raises when it is read."""

    class Settings(metaclass=_DocMeta):
        """Never read."""

        level: int = 1

    @command
    def echo(self, text: str) -> str:
        """Echo TEXT."""
        return text


class _HostileStr(str):
    def __eq__(self, other: object) -> bool:
        _sprung("compared")
        raise Trap

    def __repr__(self) -> str:
        raise Trap

    def __hash__(self) -> int:
        raise Trap


class _NoCallMeta(type):
    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        _sprung("settings-created")
        raise Trap


class ReadPast(Plugin):
    """Settings that would fight being used, and are only read."""

    class Settings(metaclass=_NoCallMeta):
        """Defaults that are str subclasses whose methods raise."""

        mode: Literal["plain", "fancy"] = _HostileStr("plain")
        """How to echo."""

        label: str = _HostileStr("label")

        def __init_subclass__(cls) -> None:
            _sprung("settings-subclassed")
            raise Trap

    @command
    def echo(self, text: str) -> str:
        """Echo TEXT."""
        return f"{text} ({self.settings['mode']})"


ARMED = True
