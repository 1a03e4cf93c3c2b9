"""The Host: discovery results, states, loading and calling.

A ``Host`` holds everything the CLI knows; a library user builds one and does
what the CLI does. There is no global state: tests build their own hosts,
either over the real installed distributions or straight from plugin
classes (``Host.from_classes``), which skips discovery.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from . import API_VERSION, ENTRY_POINT_GROUP, __version__
from ._discovery.index import discover
from ._discovery.records import CheckRecord, CheckRecords, default_cache_dir
from ._discovery.states import PluginState
from ._errors import (
    PluginNotFound,
    PluginUnavailable,
    WorkerError,
)
from ._policy.config import DEFAULT_CALL_TIMEOUT, DEFAULT_START_TIMEOUT, Policy, settings_digest
from ._policy.decide import Entry, decide

if TYPE_CHECKING:
    # Loading and isolation are imported when a plugin is loaded, not to list.
    from ._contract.manifest import Manifest
    from ._discovery.entrypoints import DistInfo
    from ._runtime.client import WorkerProcess
    from ._runtime.handles import IsolatedPlugin, LoadedPlugin
    from ._runtime.loading import Loaded

__all__ = ["Host", "LoadedPlugin", "PluginInfo"]

log = logging.getLogger(__name__)

_METADATA_STATES = (PluginState.DISABLED, PluginState.CONFLICT, PluginState.INCOMPATIBLE)


@dataclass(frozen=True)
class PluginInfo:
    """What the host knows of one plugin.

    ``state`` is decided from metadata for ``disabled``, ``conflict`` and
    ``incompatible``; otherwise it comes from importing and validating the
    plugin, now or in an earlier check whose record still matches the
    distribution's files (``checked`` says which). ``unchecked`` means it has
    not been imported and validated since it was installed or changed.
    ``reason`` is one line with the fix when the state is not ``ok``;
    ``problems`` lists every validation problem of an ``invalid`` plugin.
    """

    name: str
    state: PluginState
    reason: str = ""
    target: str | None = None
    distribution: str | None = None
    version: str | None = None
    requires: str | None = None
    summary: str = ""
    urls: tuple[tuple[str, str], ...] = ()
    manifest: Manifest | None = None
    problems: tuple[str, ...] = ()
    checked: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The JSON data printed by ``plughost list --json`` and friends."""
        return {
            "name": self.name,
            "state": self.state.value,
            "reason": self.reason,
            "problems": list(self.problems),
            "entry_point": self.target,
            "distribution": self.distribution,
            "version": self.version,
            "requires": self.requires,
            "summary": self.summary,
            "urls": dict(self.urls),
            "checked": self.checked,
            "manifest": None if self.manifest is None else self.manifest.to_dict(),
        }


def _summary(dist: DistInfo | None, manifest: Manifest | None) -> str:
    """What ``list`` shows of a plugin, the same before and after it is checked.

    The distribution's Summary, read from metadata, is known without an
    import; only a plugin whose distribution has none (or that has no
    distribution) is summed up by its class docstring, once checked.
    """
    if dist is not None and dist.summary:
        return dist.summary
    return manifest.summary if manifest is not None else ""


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
        self._group = group
        self._disable = frozenset(disable)
        self._isolate = frozenset(isolate) | self.policy.isolate
        self._interpreters = dict(interpreters or {})
        self._executables = {k: tuple(v) for k, v in (executables or {}).items()}
        self.call_timeout = self.policy.timeout or call_timeout
        self.start_timeout = self.policy.start_timeout or start_timeout
        self._classes: dict[str, object] | None = None
        self._entries: dict[str, Entry] | None = None
        self._passed_over: list[Entry] = []
        self._cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self._use_index = use_index
        self._refresh = refresh
        self._records = CheckRecords(self._cache_dir, __version__) if remember else None
        self._verify: Any = None

    @classmethod
    def from_classes(cls, classes: Mapping[str, object], *, disable: Iterable[str] = ()) -> Host:
        """A host over the given plugin classes, without discovery.

        Keys are plugin names; values are what an entry point would load
        (normally a ``Plugin`` subclass). Meant for tests and embedding.
        """
        host = cls(disable=disable, remember=False)
        host._classes = dict(classes)
        return host

    # -- metadata ---------------------------------------------------------

    def _discover(self) -> dict[str, Entry]:
        if self._entries is not None:
            return self._entries
        decision = decide(
            None
            if self._classes is not None
            else discover(
                self._group,
                cache_dir=self._cache_dir,
                use_index=self._use_index,
                refresh=self._refresh,
            ),
            policy=self.policy,
            host_version=__version__,
            api_version=API_VERSION,
            classes=self._classes,
            disable=self._disable,
            interpreters=self._interpreters,
            executables=self._executables,
        )
        self._entries = decision.entries
        self._passed_over = decision.passed_over
        if log.isEnabledFor(logging.DEBUG):
            for entry in [*self._entries.values(), *self._passed_over]:
                dist = entry.candidate.dist if entry.candidate else None
                log.debug(
                    "plugin %r (%s): %s%s",
                    entry.name,
                    dist.label() if dist else "no distribution",
                    entry.state.value,
                    f": {entry.reason}" if entry.reason else "",
                )
        return self._entries

    def names(self) -> list[str]:
        """The names of all discovered plugins, whatever their state."""
        return list(self._discover())

    def plugins(self) -> list[PluginInfo]:
        """Every plugin with its state, from metadata and check records only.

        Imports no plugin code. A name that a pin resolved appears once more
        for each distribution the pin passed over, as ``conflict``.
        """
        entries = list(self._discover().values()) + self._passed_over
        entries.sort(key=lambda e: (e.name, not e.loadable))
        return [self._info(e) for e in entries]

    def info(self, name: str) -> PluginInfo:
        """What is known of plugin ``name`` without importing it."""
        return self._info(self._entry(name))

    def _entry(self, name: str) -> Entry:
        entries = self._discover()
        entry = entries.get(name)
        if entry is None:
            import difflib

            raise PluginNotFound(name, difflib.get_close_matches(name, list(entries), n=2))
        return entry

    def _info(self, entry: Entry, **fresh: Any) -> PluginInfo:
        cand = entry.candidate
        dist = cand.dist if cand else None
        base: dict[str, Any] = {
            "name": entry.name,
            "state": entry.state,
            "reason": entry.reason,
            "target": cand.value if cand else None,
            "distribution": dist.name if dist else None,
            "version": dist.version if dist else None,
            "requires": entry.requires,
            "summary": _summary(dist, None),
            "urls": dist.urls if dist else (),
        }
        if fresh:
            base.update(fresh)
        elif entry.state is PluginState.UNCHECKED:
            record = self._record(entry)
            if record is not None:
                base.update(self._from_record(record))
                base["summary"] = _summary(dist, base.get("manifest"))
            elif entry.python is not None or entry.command is not None:
                runner = entry.python or " ".join(entry.command or ())
                base["reason"] = (
                    f"plugin {entry.name!r} runs in its own process ({runner}); run"
                    f" `plughost check {entry.name}` to start it and check it"
                )
            else:
                base["reason"] = (
                    f"plugin {entry.name!r} has not been checked since it was installed"
                    f" or changed; run `plughost check {entry.name}`"
                )
        return PluginInfo(**base)

    def _record_key(self, entry: Entry) -> tuple[str, str] | None:
        cand = entry.candidate
        if self._records is None or cand is None or cand.dist is None or entry.python:
            return None
        # The path keeps apart the records of environments that share a cache.
        key = f"{entry.name}={cand.value}@{cand.dist.key}@{cand.dist.path}"
        # Settings that do not fit the plugin make it invalid: the outcome
        # holds for these settings as much as for these files.
        return key, cand.dist.fingerprint(cand.value) + settings_digest(entry.settings)

    def _record(self, entry: Entry) -> CheckRecord | None:
        key = self._record_key(entry)
        if key is None or self._records is None:
            return None
        return self._records.get(*key)

    @staticmethod
    def _from_record(record: CheckRecord) -> dict[str, Any]:
        from ._contract.manifest import Manifest

        manifest = None
        if record.manifest is not None:
            try:
                manifest = Manifest.from_dict(record.manifest)
            except Exception:
                return {}
        try:
            state = PluginState(record.state)
        except ValueError:
            return {}
        fields: dict[str, Any] = {"state": state, "reason": record.reason, "checked": True}
        if manifest is not None:
            fields["manifest"] = manifest
        if state is PluginState.INVALID:
            fields["problems"] = tuple(record.reason.split("\n"))
            fields["reason"] = record.reason.split("\n")[0]
        return fields

    # -- import and validation --------------------------------------------

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
        entries = self._discover()
        chosen = list(entries.values()) if names is None else [self._entry(n) for n in names]
        result = []
        for entry in chosen:
            if entry.state in _METADATA_STATES:
                result.append(self._info(entry))
            elif isolated or start_timeout is not None or self._isolated(entry):
                result.append(self._examine_elsewhere(entry, start_timeout))
            else:
                result.append(self._examine(entry)[0])
        return result

    def _isolated(self, entry: Entry) -> bool:
        """Whether the settings run ``entry`` in a worker of its own."""
        return (
            entry.command is not None
            or entry.python is not None
            or bool({entry.name, "*"} & self._isolate)
            or self.policy.plugin(entry.name).isolate
        )

    def _examine_elsewhere(self, entry: Entry, start_timeout: float | None = None) -> PluginInfo:
        """Check a plugin in a worker: its own process, perhaps another interpreter."""
        modified = self._modified(entry)
        if modified is not None:
            self._remember(entry, PluginState.BROKEN, modified, (), None)
            return self._info(entry, state=PluginState.BROKEN, reason=modified, checked=True)
        try:
            with self._load_isolated(entry, None, entry.python, start_timeout) as handle:
                return self._info(
                    entry,
                    state=PluginState.OK,
                    reason="",
                    manifest=handle.manifest,
                    summary=_summary(
                        entry.candidate.dist if entry.candidate else None, handle.manifest
                    ),
                    distribution=handle.manifest.distribution,
                    version=handle.manifest.version,
                    checked=True,
                )
        except PluginUnavailable as exc:
            known = exc.state in {s.value for s in PluginState}
            state = PluginState(exc.state) if known else PluginState.BROKEN
            return self._info(entry, state=state, reason=exc.message, checked=True)
        except WorkerError as exc:
            if entry.python is None and entry.command is None:
                self._remember(entry, PluginState.BROKEN, exc.message, (), None)
            return self._info(entry, state=PluginState.BROKEN, reason=exc.message, checked=True)

    def _examine(self, entry: Entry) -> tuple[PluginInfo, Loaded | None]:
        """Import, validate and instantiate; record and return the outcome."""
        from ._runtime.loading import Loaded, LoadFailure, load_plugin

        cand = entry.candidate
        dist = cand.dist if cand else None
        modified = self._modified(entry)
        if modified is not None:
            outcome: Loaded | LoadFailure = LoadFailure(PluginState.BROKEN, modified)
        elif cand is not None:
            started = time.monotonic()
            outcome = load_plugin(
                name=entry.name,
                target=cand.value,
                distribution=dist.name if dist else None,
                version=dist.version if dist else None,
                settings=entry.settings,
                config=self._config_name(),
            )
        else:
            started = time.monotonic()
            outcome = load_plugin(
                name=entry.name, obj=entry.cls, settings=entry.settings, config=self._config_name()
            )
        problems: tuple[str, ...] = ()
        if modified is None:
            log.debug(
                "plugin %r imported, validated and started in this process in %.1f ms: %s",
                entry.name,
                (time.monotonic() - started) * 1000,
                "ok" if isinstance(outcome, Loaded) else outcome.state.value,
            )
        if isinstance(outcome, Loaded):
            state, reason = PluginState.OK, ""
            manifest: Manifest | None = outcome.manifest
        else:
            state, reason, problems = outcome.state, outcome.reason, outcome.problems
            manifest = outcome.manifest
        self._remember(entry, state, reason, problems, manifest)
        info = self._info(
            entry,
            state=state,
            reason=reason,
            problems=problems,
            manifest=manifest,
            summary=_summary(dist, manifest),
            checked=True,
        )
        return info, outcome if isinstance(outcome, Loaded) else None

    def _config_name(self) -> str | None:
        """The config file the settings come from, to name in messages."""
        return None if self.policy.path is None else str(self.policy.path)

    def _modified(self, entry: Entry) -> str | None:
        """With ``verify = true``: why the plugin's files no longer match RECORD."""
        cand = entry.candidate
        dist = cand.dist if cand else None
        if not self.policy.verify or dist is None or dist.path is None:
            return None
        from ._manage.verify import first_mismatch

        problem = first_mismatch(dist.path, self._verify_cache())
        if problem is None:
            return None
        what = (
            "cannot be verified" if problem.kind == "unverifiable" else "was modified since install"
        )
        from ._manage.direct_url import reinstall_command

        again = reinstall_command(dist.name, dist.version, dist.path)
        return (
            f"plugin {entry.name!r} ({dist.label()}) {what}: {problem.describe()}; reinstall it"
            f" ({again}) or see `plughost verify {entry.name}`"
        )

    def _verify_cache(self) -> Any:
        from ._manage.verify import VerifyCache

        if self._verify is None:
            self._verify = VerifyCache(self._cache_dir / "verify" if self._records else None)
        return self._verify

    def verify(self, names: Iterable[str] | None = None) -> list[tuple[list[str], Any]]:
        """Check the files of the plugins' distributions against their RECORD.

        Returns, per distribution, the names of its plugins and its
        ``DistVerification`` (changed, missing and unverifiable files, and
        warnings about executable ``.pth`` files and files shared with
        another distribution). Imports no plugin code.
        """
        from ._manage.verify import installed_dist_infos, verify_distribution

        entries = self._discover()
        chosen = list(entries.values()) if names is None else [self._entry(n) for n in names]
        by_dist: dict[str, list[str]] = {}
        for entry in chosen:
            dist = entry.candidate.dist if entry.candidate else None
            if dist is not None and dist.path is not None:
                by_dist.setdefault(dist.path, []).append(entry.name)
        others = installed_dist_infos()
        cache = self._verify_cache()
        return [
            (plugins, verify_distribution(path, others=others, cache=cache))
            for path, plugins in by_dist.items()
        ]

    def _remember(
        self,
        entry: Entry,
        state: PluginState,
        reason: str,
        problems: tuple[str, ...],
        manifest: Manifest | None,
    ) -> None:
        key = self._record_key(entry)
        if key is not None and self._records is not None:
            stored = "\n".join(problems) if problems else reason
            self._records.put(
                key[0],
                CheckRecord(key[1], state.value, stored, manifest.to_dict() if manifest else None),
            )

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
        handle is a context manager with the same ``call``.

        Raises :class:`plughost.PluginNotFound` for an unknown name and
        :class:`plughost.PluginUnavailable` (with the state and the reason)
        when the plugin is not usable.
        """
        entry = self._entry(name)
        if entry.state in _METADATA_STATES or entry.state is PluginState.INVALID:
            info = self._info(entry)
            raise PluginUnavailable(
                info.reason, plugin=name, distribution=info.distribution, state=info.state.value
            )
        python = python or entry.python
        if entry.command is not None:
            isolated = True
        elif isolated is None:
            isolated = python is not None or self._isolated(entry)
        if isolated:
            modified = self._modified(entry)
            if modified is not None:
                self._remember(entry, PluginState.BROKEN, modified, (), None)
                raise PluginUnavailable(modified, plugin=name, state=PluginState.BROKEN.value)
            return self._load_isolated(entry, timeout, python)
        info, live = self._examine(entry)
        if live is None:
            raise PluginUnavailable(
                info.reason, plugin=name, distribution=info.distribution, state=info.state.value
            )
        from ._runtime.handles import LoadedPlugin

        return LoadedPlugin(live.manifest, live.instance, live.methods)

    def _load_isolated(
        self,
        entry: Entry,
        timeout: float | None,
        python: str | None,
        start_timeout: float | None = None,
    ) -> IsolatedPlugin:
        from ._policy.settings import require_fitting_settings
        from ._runtime.client import WorkerProcess, python_worker_command
        from ._runtime.handles import IsolatedPlugin

        cand = entry.candidate
        plugin: dict[str, Any] = {"name": entry.name}
        if cand is not None and python is None:
            dist = cand.dist
            plugin.update(
                entry_point=cand.value,
                distribution=dist.name if dist else None,
                version=dist.version if dist else None,
            )
        elif cand is None and entry.cls is not None:
            module = getattr(entry.cls, "__module__", "")
            plugin["entry_point"] = f"{module}:{getattr(entry.cls, '__qualname__', '')}"
        if self.policy.path is not None:
            plugin["config"] = str(self.policy.path)  # named if the settings do not fit
        command = list(entry.command) if entry.command else python_worker_command(python)
        own = self.policy.plugin(entry.name)
        start_timeout = start_timeout or own.start_timeout or self.start_timeout
        call_timeout = timeout or own.timeout or self.call_timeout
        settings = entry.settings
        env = None
        if python is not None:
            # This interpreter's search path is not the other one's.
            env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}

        def start() -> WorkerProcess:
            return WorkerProcess(
                entry.name,
                command,
                plugin=plugin,
                settings=settings,
                env=env,
                start_timeout=start_timeout,
            )

        try:
            handle = IsolatedPlugin(start, call_timeout=call_timeout)
            try:
                # plughost's worker refuses unfit settings itself; another may not.
                require_fitting_settings(handle.manifest, settings, config=self._config_name())
            except PluginUnavailable:
                handle.close()
                raise
        except PluginUnavailable as exc:
            if python is None and entry.command is None:
                known = exc.state in {s.value for s in PluginState}
                state = PluginState(exc.state) if known else PluginState.BROKEN
                self._remember(entry, state, exc.message, (), None)
            raise
        if python is None and entry.command is None:
            self._remember(entry, PluginState.OK, "", (), handle.manifest)
        return handle

    def call(self, name: str, command: str, /, **arguments: Any) -> Any:
        """Load plugin ``name``, call ``command`` with ``arguments``, close it."""
        with self.load(name) as plugin:
            return plugin.call(command, **arguments)
