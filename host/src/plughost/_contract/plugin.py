"""What a plugin author writes against: ``Plugin``, ``@command`` and ``Settings``."""

from __future__ import annotations

import abc
from types import MappingProxyType

# Every plugin imports this module, so it imports nothing a bare interpreter
# has not loaded already: not typing, not collections (annotations are
# strings, and these names are for type checkers alone).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any, TypeVar, overload

    _F = TypeVar("_F", bound=Callable[..., Any])

__all__ = ["COMMAND_MARK", "SETTINGS_CLASS", "Plugin", "command", "command_functions"]

#: The attribute ``@command`` sets on a function; its value is the command name.
COMMAND_MARK = "__plughost_command__"
#: The name of the nested class in which a plugin declares its settings.
SETTINGS_CLASS = "Settings"

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class Plugin(abc.ABC):  # noqa: B024 - commands, not abstract methods, make a plugin
    """The base class of every plughost plugin.

    Subclass it, give the class a docstring (its first line is the plugin's
    summary) and mark each command method with :func:`command`. The host
    creates one instance with no arguments and then calls its commands with
    keyword arguments checked against the manifest.

    A plugin declares the settings it takes in a nested class ``Settings``,
    one annotated attribute with a default for each (the types are those of
    parameters; the string right after an attribute, or an ``Attributes:``
    section of the class docstring, is its help)::

        class Settings:
            default_language: Literal["en", "fr"] = "en"
            \"""The language used when a call does not name one.\"""

    ``settings`` holds the plugin's settings from the user's configuration,
    a read-only mapping (empty until the host has set it, so read it in
    commands rather than in ``__init__``). For a declared setting it always
    holds a value of the declared type: the user's, or else the default;
    the host refuses to load the plugin with a key it does not declare. A
    plugin without a ``Settings`` class gets every key, unchecked.
    """

    settings: Mapping[str, Any] = _EMPTY


if TYPE_CHECKING:

    @overload
    def command(func: _F, /) -> _F: ...

    @overload
    def command(*, name: str | None = None) -> Callable[[_F], _F]: ...


def command(func: _F | None = None, /, *, name: str | None = None) -> _F | Callable[[_F], _F]:
    """Mark a plugin method as a command.

    Use it bare (``@command``) or with a name other than the method's
    (``@command(name="to-upper")``). The method must annotate every parameter
    and its return with supported types; the first line of its docstring is
    the command's help.
    """

    def mark(f: _F) -> _F:
        setattr(f, COMMAND_MARK, f.__name__ if name is None else name)
        return f

    if func is not None:
        return mark(func)
    return mark


def command_functions(cls: type) -> list[tuple[str, Callable[..., Any]]]:
    """The marked methods of ``cls`` and its bases, in definition order."""
    found: dict[str, Callable[..., Any]] = {}
    for klass in reversed(cls.__mro__):
        for attr_name, value in vars(klass).items():
            func = value.__func__ if isinstance(value, staticmethod | classmethod) else value
            if callable(func) and hasattr(func, COMMAND_MARK):
                found[attr_name] = func
            elif attr_name in found:
                # A subclass replaced the command with something unmarked.
                del found[attr_name]
    return list(found.items())
