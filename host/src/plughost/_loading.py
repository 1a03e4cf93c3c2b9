"""Import, validate and instantiate one plugin; the same in the host and in a worker.

Everything a plugin can do wrong while loading (raise anything at import,
``SystemExit`` and ``AssertionError`` included; fail the contract; raise in
``__init__``) ends in a :class:`LoadFailure` with a one-line reason. Only
``KeyboardInterrupt`` passes through: the user asked to stop.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ._manifest import Manifest
from ._states import PluginState
from ._validation import validate_plugin_class

__all__ = ["LoadFailure", "Loaded", "describe_exception", "import_target", "load_plugin"]


@dataclass(frozen=True)
class Loaded:
    """A plugin instance ready to be called, with its manifest."""

    instance: Any
    manifest: Manifest
    methods: Mapping[str, str]


@dataclass(frozen=True)
class LoadFailure:
    """Why a plugin cannot be used: ``broken`` or ``invalid``, and every problem."""

    state: PluginState
    reason: str
    problems: tuple[str, ...] = field(default=())
    manifest: Manifest | None = None


def describe_exception(exc: BaseException) -> str:
    """``Type: message`` on one line, shortened, for reasons and errors."""
    text = " ".join(str(exc).split())
    if isinstance(exc, SystemExit):
        text = f"exit status {exc.code!r}" if exc.code is not None else "no status"
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def import_target(target: str) -> Any:
    """Import what an entry point value (``module:attr.attr [extras]``) names."""
    module_name, _, attrs = target.partition(":")
    obj: Any = importlib.import_module(module_name.strip())
    for attr in attrs.split("[")[0].strip().split("."):
        if attr:
            obj = getattr(obj, attr)
    return obj


_NOTHING = object()


def load_plugin(
    *,
    name: str,
    target: str | None = None,
    obj: object = _NOTHING,
    distribution: str | None = None,
    version: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Loaded | LoadFailure:
    """Load plugin ``name`` from ``target`` (an entry point value) or ``obj``."""
    label = " ".join(x for x in (distribution, version) if x)
    origin = f"plugin {name!r}" + (f" ({label})" if label else "")
    fix = f"fix or reinstall {distribution or 'it'}, or uninstall it"
    if obj is _NOTHING:
        assert target is not None
        try:
            obj = import_target(target)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            return LoadFailure(
                PluginState.BROKEN,
                f"{origin} failed to import {target}: {describe_exception(exc)}; {fix}",
            )
    validation = validate_plugin_class(obj, name=name, distribution=distribution, version=version)
    if validation.manifest is None:
        problems = validation.problems
        reason = problems[0]
        if len(problems) > 1:
            reason += f" (and {len(problems) - 1} more problem(s))"
        return LoadFailure(PluginState.INVALID, reason, problems)
    try:
        instance = obj()  # type: ignore[operator]
        instance.settings = MappingProxyType(dict(settings or {}))
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        where = f"{getattr(obj, '__qualname__', '?')}.__init__"
        return LoadFailure(
            PluginState.BROKEN,
            f"{origin} failed to start: {describe_exception(exc)} raised in {where}; {fix}",
            manifest=validation.manifest,
        )
    return Loaded(instance, validation.manifest, validation.methods)
