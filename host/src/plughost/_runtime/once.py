"""A plugin's import and creation, run at most once in the console script's process.

The console script's fast path for ``run`` (``_cli.fast_run``) imports and
creates a plugin before it knows whether the full path must take over: when
the class no longer has the commands its check record lists, or when the
import or ``__init__`` fails (the full path words and records the failure).
The full path then loads the same plugin through ``_runtime.loading``. Once
:func:`remember` was called, these functions give it what the first attempt
did, the object or the exception, instead of running the plugin's module or
its ``__init__`` a second time: the plugin sees one import and one creation
whichever path answers. A library's ``Host.load`` (which never calls
:func:`remember`) imports afresh, as Python's ``import`` would.

The user's Ctrl-C is never remembered: it passes through.
"""

from __future__ import annotations

import importlib
from types import MappingProxyType

from .._contract.untrusted import class_name, is_user_interrupt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = ["create", "import_target", "remember"]

_remembering = False
#: Entry point value -> (True, object) or (False, the exception its import raised).
_imports: dict[str, tuple[bool, Any]] = {}
#: id(class) -> (the class, the instance or None, the exception or None, where it was raised).
_created: dict[int, tuple[Any, Any, BaseException | None, str]] = {}


def remember() -> None:
    """From now on, an import or creation that already ran gives its outcome again."""
    global _remembering
    _remembering = True


def _import(target: str) -> Any:
    module_name, _, attrs = target.partition(":")
    obj: Any = importlib.import_module(module_name.strip())
    for attr in attrs.split("[")[0].strip().split("."):
        if attr:
            obj = getattr(obj, attr)
    return obj


def import_target(target: str) -> Any:
    """Import what an entry point value (``module:attr.attr [extras]``) names."""
    if not _remembering:
        return _import(target)
    done = _imports.get(target)
    if done is not None:
        ok, value = done
        if ok:
            return value
        raise value
    try:
        obj = _import(target)
    except BaseException as exc:
        if not is_user_interrupt(exc):
            _imports[target] = (False, exc)
        raise
    _imports[target] = (True, obj)
    return obj


def create(cls: Any, settings: Mapping[str, Any]) -> tuple[Any, BaseException | None, str]:
    """Create the plugin ``cls`` and give it ``settings``: (instance, None, "") or the failure.

    A failure is (None, the exception, where it was raised: in ``__init__``
    or when the settings were set), for the caller's message.
    """
    done = _created.get(id(cls)) if _remembering else None
    if done is not None and done[0] is cls:
        return done[1], done[2], done[3]
    where = f"in {class_name(cls) if isinstance(cls, type) else '?'}.__init__"
    try:
        instance = cls()
        where = "when plughost set its settings"
        instance.settings = MappingProxyType(dict(settings))
    except BaseException as exc:
        if is_user_interrupt(exc):
            raise
        outcome: tuple[Any, BaseException | None, str] = (None, exc, where)
    else:
        outcome = (instance, None, "")
    if _remembering:
        _created[id(cls)] = (cls, *outcome)
    return outcome
