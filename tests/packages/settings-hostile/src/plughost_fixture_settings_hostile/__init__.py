"""Plugins whose ``Settings`` class runs hostile code whenever it is looked at.

Each plugin is otherwise valid, with one command; the only thing wrong with
it is the trap its settings set. The annotations here are real objects (no
``from __future__ import annotations``), so that a class claiming to live in
a module that does not exist still has types that resolve.
"""

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


def _echo(self: Any, text: str) -> str:
    """Echo TEXT."""
    return text


def _plugin(name: str, settings: object) -> type:
    body = {"__doc__": f"The {name} trap.", "echo": command(name="echo")(_echo)}
    return type(name, (Plugin,), {**body, "Settings": settings})


class _MroMeta(type):
    def __getattribute__(cls, name: str) -> Any:
        if ARMED and name == "__mro__":
            raise Trap
        return super().__getattribute__(name)


class _DocMeta(type):
    def __getattribute__(cls, name: str) -> Any:
        if ARMED and name == "__doc__":
            raise Trap
        return super().__getattribute__(name)


class _InterruptMeta(type):
    def __getattribute__(cls, name: str) -> Any:
        if ARMED and name == "__mro__":
            raise KeyboardInterrupt  # no one pressed Ctrl-C
        return super().__getattribute__(name)


MetaMro = _plugin("MetaMro", _MroMeta("Settings", (), {"__annotations__": {"a": int}, "a": 1}))
HostileDoc = _plugin(
    "HostileDoc", _DocMeta("Settings", (), {"__annotations__": {"a": int}, "a": 1})
)
Interrupt = _plugin(
    "Interrupt", _InterruptMeta("Settings", (), {"__annotations__": {"a": int}, "a": 1})
)


class _ExitSettings:
    """Resolving this annotation exits the interpreter."""

    level: "__import__('sys').exit(3)" = 1  # type: ignore[name-defined]


ExitInAnnotation = _plugin("ExitInAnnotation", _ExitSettings)


class _Trapdoor:
    """A descriptor: reading the attribute through the class would run it."""

    def __get__(self, obj: object, owner: object = None) -> str:
        _sprung("descriptor")
        raise Trap


class _DescriptorSettings:
    """A setting whose default is a descriptor."""

    level: str = _Trapdoor()  # type: ignore[assignment]


Descriptor = _plugin("Descriptor", _DescriptorSettings)


class _HostileStr(str):
    def __eq__(self, other: object) -> bool:
        raise Trap

    def __repr__(self) -> str:
        raise Trap

    def __hash__(self) -> int:
        raise Trap


class _HostileDefaultSettings:
    """Defaults that are str subclasses with methods that raise."""

    mode: Literal["plain", "fancy"] = _HostileStr("plain")
    """How to echo."""

    label: str = _HostileStr("label")


HostileDefault = _plugin("HostileDefault", _HostileDefaultSettings)


class _NoCallMeta(type):
    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        _sprung("settings-created")
        raise Trap


class _NeverCreatedSettings(metaclass=_NoCallMeta):
    """Settings that must never be instantiated, or subclassed."""

    level: int = 1
    """A level."""

    def __init_subclass__(cls) -> None:
        _sprung("settings-subclassed")
        raise Trap


NeverCreated = _plugin("NeverCreated", _NeverCreatedSettings)


class _NoSourceSettings:
    """Settings that claim to come from a module that does not exist."""

    level: int = 2
    """Help that cannot be read without the source."""


_NoSourceSettings.__module__ = "plughost_fixture_settings_hostile.nowhere"
NoSource = _plugin("NoSource", _NoSourceSettings)

ARMED = True
