"""The Host: discovery results, states, the choice of runtime, and calling.

A ``Host`` holds everything the CLI knows; a library user builds one and does
what the CLI does. There is no global state: tests build their own hosts,
either over the real installed distributions or straight from plugin
classes (``Host.from_classes``), which skips discovery. How a plugin runs
(in this process, in a worker, as an executable) is a runtime's business
(``_runtime.interface``); the host chooses one from the entry and the policy
and records what the start showed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from . import ENTRY_POINT_GROUP, __version__
from ._discovery.records import CheckRecords, default_cache_dir
from ._discovery.states import PluginState
from ._errors import PluginUnavailable
from ._policy.catalogue import Catalogue
from ._policy.config import DEFAULT_CALL_TIMEOUT, DEFAULT_START_TIMEOUT, Policy
from ._policy.info import PluginInfo, Remembered

if TYPE_CHECKING:
    # Runtimes are imported when a plugin is started, not to list.
    from ._manage.tampering import Tampering
    from ._manage.verify import DistVerification
    from ._policy.decide import Entry
    from ._runtime.handles import IsolatedPlugin
    from ._runtime.loaded import LoadedPlugin

__all__ = ["Host", "PluginInfo"]

log = logging.getLogger(__name__)

_METADATA_STATES = (PluginState.DISABLED, PluginState.CONFLICT, PluginState.INCOMPATIBLE)


class Host:
    """Discovers, checks, loads and calls plugins.

    ``Host()`` discovers the plugins installed in this environment (the
    ``plughost.plugins`` entry points) the first time it is asked.
    ``disable`` names plugins that must not load (shown as ``disabled``, never
    imported); ``isolate`` names plugins that always run in a worker process
    (``"*"``: all of them), with ``call_timeout`` and ``start_timeout`` in
    seconds. ``interpreters`` maps plugin names to the Python that runs them
    (a plugin installed in its own virtual environment, with plughost): such
    a plugin always runs isolated, found by name in that environment.
    ``executables`` maps plugin names to the command (argv) of a worker that
    speaks protocol v1 itself: a plugin written in another language.
    ``cache_dir`` is where check records are kept (default: the user cache
    directory, or ``PLUGHOST_CACHE_DIR``); ``remember=False`` neither reads
    nor writes them. Discovery keeps an index in the same directory
    (``use_index=False`` goes through stevedore every time, ``refresh=True``
    rebuilds it). ``policy`` is the user's configuration, as the console
    script reads it: ``Host(policy=plughost.load_policy())`` (the config file,
    then ``PLUGHOST_*`` variables). What it says adds to the arguments, and
    it carries each plugin's settings; without it the host reads no file.
    """

    def __init__(
        self,
        *,
        disable: Iterable[str] = (),
        cache_dir: str | Path | None = None,
        remember: bool = True,
        group: str = ENTRY_POINT_GROUP,
        isolate: Iterable[str] = (),
        interpreters: Mapping[str, str] | None = None,
        executables: Mapping[str, Sequence[str]] | None = None,
        call_timeout: float | None = DEFAULT_CALL_TIMEOUT,
        start_timeout: float = DEFAULT_START_TIMEOUT,
        policy: Policy | None = None,
        use_index: bool = True,
        refresh: bool = False,
    ) -> None:
        self.policy = policy or Policy()
        self._isolate = frozenset(isolate) | self.policy.isolate
        self.call_timeout = self.policy.timeout or call_timeout
        self.start_timeout = self.policy.start_timeout or start_timeout
        self._cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self._catalogue = Catalogue(
            group=group,
            cache_dir=self._cache_dir,
            use_index=use_index,
            refresh=refresh,
            policy=self.policy,
            disable=frozenset(disable),
            interpreters=dict(interpreters or {}),
            executables={k: tuple(v) for k, v in (executables or {}).items()},
        )
        self._remember = remember
        self._records = Remembered(CheckRecords(self._cache_dir, __version__) if remember else None)
        self._tampering: Tampering | None = None

    @classmethod
    def from_classes(cls, classes: Mapping[str, object], *, disable: Iterable[str] = ()) -> Host:
        """A host over the given plugin classes, without discovery.

        Keys are plugin names; values are what an entry point would load
        (normally a ``Plugin`` subclass). Meant for tests and embedding.
        """
        host = cls(disable=disable, remember=False)
        host._catalogue.classes = dict(classes)
        return host

    # -- metadata ---------------------------------------------------------

    def names(self) -> list[str]:
        """The names of all discovered plugins, whatever their state."""
        return list(self._catalogue.entries())

    def plugins(self) -> list[PluginInfo]:
        """Every plugin with its state, from metadata and check records only.

        Imports no plugin code. A name that a pin resolved appears once more
        for each distribution the pin passed over, as ``conflict``.
        """
        return [self._records.info(e) for e in self._catalogue.every()]

    def info(self, name: str) -> PluginInfo:
        """What is known of plugin ``name`` without importing it."""
        return self._records.info(self._catalogue.entry(name))

    # -- starting plugins ---------------------------------------------------

    def check(
        self,
        names: Iterable[str] | None = None,
        *,
        isolated: bool = False,
        start_timeout: float | None = None,
    ) -> list[PluginInfo]:
        """Import and validate plugins (all, or those named); return their states.

        A plugin that fails never stops the others. Outcomes are recorded so
        that ``plugins()`` can report them while the files stay unchanged.
        A plugin that runs isolated (by the host's settings, or
        ``isolated=True`` for all) is checked in a worker, never imported
        here, and then ``start_timeout`` bounds its import and validation.
        """
        elsewhere = isolated or start_timeout is not None or None
        result = []
        for entry in self._catalogue.chosen(None if names is None else list(names)):
            if entry.state in _METADATA_STATES:
                result.append(self._records.info(entry))
            else:
                start = partial(self._start, entry, isolated=elsewhere, start_timeout=start_timeout)
                result.append(self._records.check(entry, start))
        return result

    @overload
    def load(
        self,
        name: str,
        *,
        isolated: Literal[False],
        timeout: float | None = None,
        python: None = None,
    ) -> LoadedPlugin: ...

    @overload
    def load(
        self,
        name: str,
        *,
        isolated: Literal[True],
        timeout: float | None = None,
        python: str | None = None,
    ) -> IsolatedPlugin: ...

    @overload
    def load(
        self,
        name: str,
        *,
        isolated: bool | None = None,
        timeout: float | None = None,
        python: str | None = None,
    ) -> LoadedPlugin | IsolatedPlugin: ...

    def load(
        self,
        name: str,
        *,
        isolated: bool | None = None,
        timeout: float | None = None,
        python: str | None = None,
    ) -> LoadedPlugin | IsolatedPlugin:
        """Load plugin ``name`` (only that plugin), ready to call.

        In this process by default; in a worker process with
        ``isolated=True`` (or when the host was told to isolate the plugin),
        optionally under another interpreter (``python``: a plugin installed
        in its own virtual environment, with plughost). ``timeout`` bounds
        each isolated call (default: the host's ``call_timeout``). Either
        handle is a context manager with the same ``call``. A plugin whose
        config section names a ``runtime``, or that has a ``command``, runs
        there whatever ``isolated`` says, since the user chose where it may
        run; only ``runtime = "in-process"`` gives way to ``isolated=True``.

        Raises :class:`plughost.PluginNotFound` for an unknown name and
        :class:`plughost.PluginUnavailable` (with the state and the reason)
        when the plugin is not usable.
        """
        entry = self._catalogue.entry(name)
        if entry.state in _METADATA_STATES or entry.state is PluginState.INVALID:
            info = self._records.info(entry)
            raise PluginUnavailable(
                info.reason, plugin=name, distribution=info.distribution, state=info.state.value
            )
        return self._start(entry, isolated=isolated, timeout=timeout, python=python)

    def _start(
        self,
        entry: Entry,
        *,
        isolated: bool | None,
        timeout: float | None = None,
        python: str | None = None,
        start_timeout: float | None = None,
    ) -> LoadedPlugin | IsolatedPlugin:
        """Start ``entry`` in the runtime chosen for it; record what the start showed."""
        modified = self._modified(entry)
        if modified is not None:
            self._records.put(entry, PluginState.BROKEN, modified)
            dist = entry.candidate.dist if entry.candidate else None
            raise PluginUnavailable(
                modified, plugin=entry.name, distribution=dist.name if dist else None
            )
        from ._runtime.choice import plan

        runtime, start = plan(
            entry,
            self.policy,
            isolated=isolated,
            python=python,
            timeout=timeout,
            start_timeout=start_timeout,
            isolate=self._isolate,
            defaults=(self.call_timeout, self.start_timeout),
        )
        log.debug("plugin %r: starting it in runtime %r", entry.name, runtime.name)
        return self._records.started(entry, lambda: runtime.start(entry, start), python=python)

    def _modified(self, entry: Entry) -> str | None:
        """With ``verify = true``: why the plugin's files no longer match RECORD."""
        if not self.policy.verify:
            return None
        return self._tamper().modified(entry)

    def _tamper(self) -> Tampering:
        from ._manage.tampering import Tampering

        if self._tampering is None:
            self._tampering = Tampering(self._cache_dir if self._remember else None)
        return self._tampering

    def verify(
        self, names: Iterable[str] | None = None
    ) -> list[tuple[list[str], DistVerification]]:
        """Check the files of the plugins' distributions against their RECORD.

        Returns, per distribution, the names of its plugins and its
        ``DistVerification`` (changed, missing and unverifiable files, and
        warnings about executable ``.pth`` files and files shared with
        another distribution). Imports no plugin code.
        """
        return self._tamper().verify(self._catalogue.chosen(None if names is None else list(names)))

    def call(self, name: str, command: str, /, **arguments: Any) -> Any:
        """Load plugin ``name``, call ``command`` with ``arguments``, close it."""
        with self.load(name) as plugin:
            return plugin.call(command, **arguments)
