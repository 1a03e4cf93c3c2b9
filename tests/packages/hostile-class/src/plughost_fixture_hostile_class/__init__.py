"""Plugin classes that run hostile code whenever they are looked at.

Each class is otherwise a valid plugin with one command, so the only thing
wrong with it is the trap it sets.
"""

from __future__ import annotations

from typing import Any

from plughost import Plugin, command

#: The traps spring only once the module is imported: creating the classes
#: needs the very attributes they refuse.
ARMED = False


class Trap(Exception):
    """Raised by the traps; its own str() raises too."""

    def __str__(self) -> str:
        raise RuntimeError("str() of the trap")


def _command(self: Any, text: str) -> str:
    """Echo TEXT."""
    return text


def _plugin(name: str, meta: type = type, **namespace: Any) -> type:
    body: dict[str, Any] = {"__doc__": f"The {name} trap.", "echo": command(name="echo")(_command)}
    body.update(namespace)
    return meta(name, (Plugin,), body)


class _DocMeta(type(Plugin)):  # type: ignore[misc]
    @property
    def __doc__(cls) -> str:  # type: ignore[override]
        raise Trap


class _AbstractMeta(type(Plugin)):  # type: ignore[misc]
    def __getattribute__(cls, name: str) -> Any:
        if ARMED and name == "__abstractmethods__":
            raise Trap
        return super().__getattribute__(name)


class _GetattributeMeta(type(Plugin)):  # type: ignore[misc]
    def __getattribute__(cls, name: str) -> Any:
        if ARMED and name.startswith("__") and name not in ("__dict__", "__module__"):
            raise ValueError(f"no {name} for you")
        return super().__getattribute__(name)


class _MroMeta(type(Plugin)):  # type: ignore[misc]
    def __getattribute__(cls, name: str) -> Any:
        if ARMED and name == "__mro__":
            raise Trap
        return super().__getattribute__(name)


class _InterruptMeta(type(Plugin)):  # type: ignore[misc]
    def __getattribute__(cls, name: str) -> Any:
        if ARMED and name == "__doc__":
            raise KeyboardInterrupt  # no one pressed Ctrl-C
        return super().__getattribute__(name)


class _ExitMeta(type(Plugin)):  # type: ignore[misc]
    def __getattribute__(cls, name: str) -> Any:
        if ARMED and name == "__doc__":
            raise SystemExit(3)
        return super().__getattribute__(name)


class _LyingNameMeta(type(Plugin)):  # type: ignore[misc]
    @property
    def __name__(cls) -> str:  # type: ignore[override]
        raise Trap


MetaDoc = _plugin("MetaDoc", _DocMeta)
MetaAbstract = _plugin("MetaAbstract", _AbstractMeta)
MetaGetattribute = _plugin("MetaGetattribute", _GetattributeMeta)
MetaMro = _plugin("MetaMro", _MroMeta)
MetaInterrupt = _plugin("MetaInterrupt", _InterruptMeta)
MetaExit = _plugin("MetaExit", _ExitMeta)
LyingName = _plugin("LyingName", _LyingNameMeta)


class _RaisingAnnotations:
    def __get__(self, obj: object, owner: object = None) -> Any:
        raise Trap


def _annotated(self: Any, text: str) -> str:
    """Echo TEXT."""
    return text


class _HostileFunction:
    """A callable that looks like a command, whose annotations raise."""

    __plughost_command__ = "echo"
    __doc__ = "Echo TEXT."
    __annotations__ = _RaisingAnnotations()  # type: ignore[assignment]

    def __call__(self, text: str) -> str:
        return text


AnnotationsRaise = _plugin("AnnotationsRaise", echo=_HostileFunction())


def _unhashable(self: Any, text: Any) -> str:
    """Echo TEXT."""
    return str(text)


_unhashable.__annotations__ = {"text": {"not": "hashable"}, "return": str}


UnhashableAnnotation = _plugin("UnhashableAnnotation", echo=command(name="echo")(_unhashable))


class _Recursive:
    """An annotation whose origin is itself, all the way down."""

    @property
    def __origin__(self) -> Any:
        return self

    @property
    def __args__(self) -> tuple[Any, ...]:
        return (self,)


def _recursive(self: Any, text: str) -> str:
    """Echo TEXT."""
    return text


_recursive.__annotations__ = {"text": _Recursive(), "return": str}
RecursiveAnnotation = _plugin("RecursiveAnnotation", echo=command(name="echo")(_recursive))


class _HostileStr(str):
    def __eq__(self, other: object) -> bool:
        raise Trap

    def __hash__(self) -> int:
        raise Trap

    def __str__(self) -> str:
        raise Trap


def _marked(self: Any, text: str) -> str:
    """Echo TEXT."""
    return text


_marked.__plughost_command__ = _HostileStr("echo")  # type: ignore[attr-defined]
HostileMark = _plugin("HostileMark", echo=_marked)


class _HostileDefault(str):
    def __repr__(self) -> str:
        raise Trap

    def __eq__(self, other: object) -> bool:
        raise Trap

    __hash__ = str.__hash__


def _defaulted(self: Any, text: str, style: str = _HostileDefault("plain")) -> str:
    """Echo TEXT."""
    return text


HostileDefault = _plugin("HostileDefault", echo=command(name="echo")(_defaulted))


class _HostileDoc(str):
    def expandtabs(self, tabsize: int = 8) -> str:
        raise Trap

    def split(self, *args: Any, **kwargs: Any) -> list[str]:
        raise Trap

    def strip(self, *args: Any) -> str:
        raise Trap


HostileDocstring = _plugin("HostileDocstring", __doc__=_HostileDoc("A docstring that fights."))


class _NotAClass:
    @property
    def __class__(self) -> type:  # type: ignore[override]
        raise Trap

    def __repr__(self) -> str:
        raise Trap


NOT_A_CLASS = _NotAClass()


class InstanceSetattr(Plugin):
    """Instances refuse every attribute."""

    def __setattr__(self, name: str, value: object) -> None:
        raise Trap

    @command
    def echo(self, text: str) -> str:
        """Echo TEXT."""
        return text


class InstanceGetattribute(Plugin):
    """Instances raise on every attribute looked up (after starting)."""

    @command
    def echo(self, text: str) -> str:
        """Echo TEXT."""
        return text

    def __getattribute__(self, name: str) -> Any:
        if name == "settings":
            return super().__getattribute__(name)
        raise Trap


ARMED = True
