"""The one face of every way a plugin runs, and the registry of runtimes by name.

A runtime starts a plugin from its entry (what discovery and the policy say
of it) and its :class:`StartSettings`, and hands back a running plugin: a
:class:`~plughost.LoadedPlugin` (in this process) or an
:class:`~plughost.IsolatedPlugin` (in a process of its own), both with the
manifest, ``call`` and ``close``. A plugin that cannot run raises
:class:`StartFailure` (its state, its reason and, when known, every problem
and the manifest, which the host records); a worker that fails raises
:class:`plughost.WorkerError`.

The host asks the registry for a runtime by name. The built-in runtimes are
named here with the module that defines each, so that a runtime's code
(``subprocess`` and threads for a worker) is imported only when a plugin runs
there; :func:`register` adds others, for example a test's.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from .._errors import PluginUnavailable

if TYPE_CHECKING:
    from .._contract.manifest import Manifest
    from .._policy.decide import Entry
    from .handles import IsolatedPlugin
    from .loaded import LoadedPlugin

__all__ = [
    "BUILTIN",
    "Runtime",
    "StartFailure",
    "StartSettings",
    "register",
    "registered",
    "runtime_named",
    "unregister",
]

#: The built-in runtimes: name, then ``module:attribute`` of the runtime object.
BUILTIN: Mapping[str, str] = {
    "in-process": "plughost._runtime.in_process:RUNTIME",
    "worker": "plughost._runtime.workers:WORKER",
    "executable": "plughost._runtime.workers:EXECUTABLE",
}


class StartSettings:
    """What a runtime is given, beyond the entry, to start a plugin."""

    __slots__ = ("call_timeout", "config", "python", "settings", "start_timeout")

    def __init__(
        self,
        *,
        settings: Mapping[str, Any],
        start_timeout: float,
        call_timeout: float | None,
        config: str | None = None,
        python: str | None = None,
    ) -> None:
        #: The plugin's settings, from the policy.
        self.settings = settings
        #: Seconds the plugin has to start and give its manifest (a worker).
        self.start_timeout = start_timeout
        #: Seconds each call may take, where the runtime can bound it.
        self.call_timeout = call_timeout
        #: The configuration file to name when the settings do not fit.
        self.config = config
        #: Another interpreter to run the plugin under, if any.
        self.python = python


class StartFailure(PluginUnavailable):
    """The plugin cannot run: its state, the reason, every problem, its manifest if known."""

    def __init__(
        self,
        message: str,
        *,
        plugin: str | None = None,
        distribution: str | None = None,
        state: str = "broken",
        problems: tuple[str, ...] = (),
        manifest: Manifest | None = None,
    ) -> None:
        super().__init__(message, plugin=plugin, distribution=distribution, state=state)
        self.problems = problems
        self.manifest = manifest


class Runtime(Protocol):
    """One way a plugin runs; registered once under :attr:`name`."""

    @property
    def name(self) -> str:
        """The name the registry, the host and the config file know this runtime by."""
        ...

    def start(self, entry: Entry, start: StartSettings, /) -> LoadedPlugin | IsolatedPlugin:
        """Start the plugin ``entry`` names; :class:`StartFailure` if it cannot run."""
        ...


_REGISTRY: dict[str, Runtime] = {}


def register(runtime: Runtime) -> Runtime:
    """Register ``runtime`` under its name (once) and return it.

    Raises :class:`ValueError` when another runtime has that name already,
    a built-in one included.
    """
    known = _REGISTRY.get(runtime.name)
    if (known is not None and known is not runtime) or (known is None and runtime.name in BUILTIN):
        raise ValueError(f"a runtime named {runtime.name!r} is registered already")
    _REGISTRY[runtime.name] = runtime
    return runtime


def runtime_named(name: str) -> Runtime:
    """The runtime registered as ``name``; :class:`KeyError` if there is none."""
    runtime = _REGISTRY.get(name)
    if runtime is not None:
        return runtime
    where = BUILTIN.get(name)
    if where is None:
        raise KeyError(f"no runtime named {name!r}; there are: {', '.join(registered())}")
    module, _, attribute = where.partition(":")
    found: Runtime = getattr(importlib.import_module(module), attribute)
    _REGISTRY[name] = found
    return found


def registered() -> list[str]:
    """The names of every runtime, built-in and registered, sorted."""
    return sorted({*BUILTIN, *_REGISTRY})


def unregister(name: str) -> None:
    """Forget the runtime registered as ``name``; a built-in one comes back when asked."""
    _REGISTRY.pop(name, None)
