"""What the host knows of each plugin, and the check records that carry it across runs.

:class:`PluginInfo` is one plugin as ``list``, ``info`` and ``check`` show
it: its state decided from metadata and policy, or from an import and
validation now or earlier. :class:`Remembered` keeps those outcomes in the
check records, each keyed on the plugin's entry point and distribution and
valid only while the distribution's files and the user's settings stay the
same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .._discovery.records import CheckRecord, CheckRecords
from .._discovery.states import PluginState
from .._errors import PluginUnavailable, WorkerError
from .._plain import frozen
from .config import settings_digest

if TYPE_CHECKING:
    from .._contract.manifest import Manifest
    from .._discovery.entrypoints import DistInfo
    from .decide import Entry

__all__ = ["PluginInfo", "Remembered", "state_named", "summary_of"]


class _Started(Protocol):
    @property
    def manifest(self) -> Manifest: ...


_S = TypeVar("_S", bound=_Started)


class _Closable(_Started, Protocol):
    def close(self) -> None: ...


@frozen
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


def summary_of(dist: DistInfo | None, manifest: Manifest | None) -> str:
    """What ``list`` shows of a plugin, the same before and after it is checked.

    The distribution's Summary, read from metadata, is known without an
    import; only a plugin whose distribution has none (or that has no
    distribution) is summed up by its class docstring, once checked.
    """
    if dist is not None and dist.summary:
        return dist.summary
    return manifest.summary if manifest is not None else ""


class Remembered:
    """The check records of one host: read by ``list``, written by ``check`` and ``run``.

    ``records`` is None when the host neither reads nor writes them.
    """

    def __init__(self, records: CheckRecords | None) -> None:
        self._records = records

    def _name(self, entry: Entry) -> str | None:
        cand = entry.candidate
        if self._records is None or cand is None or cand.dist is None or entry.python:
            return None
        # The path keeps apart the records of environments that share a cache.
        return f"{entry.name}={cand.value}@{cand.dist.key}@{cand.dist.path}"

    @staticmethod
    def _fingerprint(entry: Entry) -> str:
        cand = entry.candidate
        assert cand is not None and cand.dist is not None
        # Settings that do not fit the plugin make it invalid: the outcome
        # holds for these settings as much as for these files.
        return cand.dist.fingerprint(cand.value) + settings_digest(entry.settings)

    def info(self, entry: Entry, **fresh: Any) -> PluginInfo:
        """``entry`` as ``list`` shows it: ``fresh`` fields from a start now, else its record."""
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
            "summary": summary_of(dist, None),
            "urls": dist.urls if dist else (),
        }
        if fresh:
            base.update(fresh)
        elif entry.state is PluginState.UNCHECKED:
            recorded = self.fields(entry)
            if recorded is not None:
                base.update(recorded)
                base["summary"] = summary_of(dist, base.get("manifest"))
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

    def fields(self, entry: Entry) -> dict[str, Any] | None:
        """The :class:`PluginInfo` fields of the record that still holds for ``entry``.

        A plugin with no record at all costs no fingerprint of its files.
        """
        key = self._name(entry)
        if key is None or self._records is None or not self._records.known(key):
            return None
        record = self._records.get(key, self._fingerprint(entry))
        return None if record is None else _fields(record)

    def check(self, entry: Entry, start: Callable[[], _Closable]) -> PluginInfo:
        """Start ``entry`` with ``start``, close it, and say what that showed.

        A worker that fails to start makes the plugin ``broken``; that is
        recorded too, unless the plugin runs under another interpreter or as
        an executable.
        """
        dist = entry.candidate.dist if entry.candidate else None
        try:
            running = start()
        except PluginUnavailable as exc:
            return self.info(
                entry,
                state=state_named(exc.state),
                reason=exc.message,
                problems=getattr(exc, "problems", ()),
                manifest=getattr(exc, "manifest", None),
                summary=summary_of(dist, getattr(exc, "manifest", None)),
                checked=True,
            )
        except WorkerError as exc:
            if entry.python is None and entry.command is None:
                self.put(entry, PluginState.BROKEN, exc.message)
            return self.info(entry, state=PluginState.BROKEN, reason=exc.message, checked=True)
        manifest = running.manifest
        running.close()
        return self.info(
            entry,
            state=PluginState.OK,
            reason="",
            manifest=manifest,
            summary=summary_of(dist, manifest),
            distribution=manifest.distribution or (dist.name if dist else None),
            version=manifest.version or (dist.version if dist else None),
            checked=True,
        )

    def started(self, entry: Entry, start: Callable[[], _S], *, python: str | None) -> _S:
        """Start ``entry`` with ``start`` and record what the start showed.

        Only an outcome that follows from the files this host fingerprints is
        recorded: not one of a plugin under another interpreter (``python``)
        or of an executable. A failure carries its state and reason, and,
        from the runtime, every problem and the manifest when known.
        """
        recordable = python is None and entry.python is None and entry.command is None
        try:
            running = start()
        except PluginUnavailable as exc:
            if recordable:
                problems: tuple[str, ...] = getattr(exc, "problems", ())
                manifest: Manifest | None = getattr(exc, "manifest", None)
                self.put(entry, state_named(exc.state), exc.message, problems, manifest)
            raise
        if recordable:
            self.put(entry, PluginState.OK, "", (), running.manifest)
        return running

    def put(
        self,
        entry: Entry,
        state: PluginState,
        reason: str,
        problems: tuple[str, ...] = (),
        manifest: Manifest | None = None,
    ) -> None:
        """Record the outcome of importing and validating ``entry`` now."""
        key = self._name(entry)
        if key is not None and self._records is not None:
            stored = "\n".join(problems) if problems else reason
            data = manifest.to_dict() if manifest else None
            self._records.put(key, CheckRecord(self._fingerprint(entry), state.value, stored, data))


def _fields(record: CheckRecord) -> dict[str, Any]:
    from .._contract.manifest import Manifest

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


def state_named(value: str) -> PluginState:
    """The state a failure names; ``broken`` for one plughost does not know."""
    known = value in {s.value for s in PluginState}
    return PluginState(value) if known else PluginState.BROKEN
