"""What the host remembers of earlier checks, so ``list`` can say ``ok``.

``plughost list`` never imports plugin code, so on its own it cannot know
whether a plugin works. ``check`` and ``run`` record each plugin's outcome
(state, reason, manifest) together with a fingerprint of its distribution's
files; ``list`` trusts a record only while the fingerprint still matches.
The file is a cache: when it is missing, unreadable, damaged or of the wrong
shape it is ignored (a ``--debug`` line says why) and rewritten by the next
check. Many plughost processes may record at once; none loses another's.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .._plain import frozen
from .cachefile import locked, read_json, write_json
from .lean import RECORDS_FORMAT, RECORDS_LIMIT, cache_dir, manifest_digest

__all__ = ["CheckRecord", "CheckRecords", "default_cache_dir"]

log = logging.getLogger(__name__)

_FORMAT = RECORDS_FORMAT
_LIMIT = RECORDS_LIMIT


def default_cache_dir() -> Path:
    """``PLUGHOST_CACHE_DIR``, else the platform's user cache directory."""
    return Path(cache_dir())


@frozen
class CheckRecord:
    """The outcome of one check of one plugin."""

    fingerprint: str
    state: str
    reason: str
    manifest: dict[str, Any] | None


class CheckRecords:
    """The records file, ``checks.json`` in the cache directory."""

    def __init__(self, cache_dir: Path, host_version: str) -> None:
        self.path = cache_dir / "checks.json"
        self._host_version = host_version
        self._data: dict[str, Any] | None = None

    def _read(self) -> dict[str, Any]:
        """The records in the file now (empty when it is missing, damaged or of another host)."""
        parsed = read_json(self.path, _LIMIT, "check records")
        if not (
            isinstance(parsed, dict)
            and parsed.get("format") == _FORMAT
            and isinstance(parsed.get("plugins"), dict)
        ):
            if parsed is not None:
                log.debug("ignoring check records %s: not of the expected shape", self.path)
            return {}
        if parsed.get("host") != self._host_version:
            return {}
        plugins: dict[str, Any] = parsed["plugins"]
        return plugins

    def _load(self) -> dict[str, Any]:
        if self._data is None:
            self._data = self._read()
            log.debug("check records %s: %d read", self.path, len(self._data))
        return self._data

    def known(self, key: str) -> bool:
        """Whether there is a record for ``key`` at all (before a fingerprint is worth taking)."""
        return key in self._load()

    def get(self, key: str, fingerprint: str) -> CheckRecord | None:
        """The record for ``key`` if it was made for this exact fingerprint."""
        entry = self._load().get(key)
        if not isinstance(entry, dict) or entry.get("fingerprint") != fingerprint:
            return None
        state, reason, manifest = entry.get("state"), entry.get("reason"), entry.get("manifest")
        if not isinstance(state, str) or not isinstance(reason, str):
            return None
        if manifest is not None and not isinstance(manifest, dict):
            return None
        return CheckRecord(fingerprint, state, reason, manifest)

    def put(self, key: str, record: CheckRecord) -> None:
        """Store ``record``; failures only log.

        Other plughost processes may be writing records at the same time:
        under a lock, the file is read afresh, this record merged in and the
        whole written back atomically, so no one's record is lost. A record
        that is already there as it is costs neither the lock nor a write.
        """
        entry = {
            "fingerprint": record.fingerprint,
            "state": record.state,
            "reason": record.reason,
            "manifest": record.manifest,
        }
        if record.manifest is not None:
            # What the fast path of `list` holds the manifest to, instead of parsing it.
            entry["manifest_sha256"] = manifest_digest(record.manifest)
        known = self._load()
        if known.get(key) == entry:
            return  # read from the file as it is: no lock, no write
        known[key] = entry
        with locked(self.path.with_name(self.path.name + ".lock")):
            current = self._read()
            if current.get(key) == entry:
                return
            current[key] = entry
            data = {"format": _FORMAT, "host": self._host_version, "plugins": current}
            write_json(self.path, data, by_line=("plugins",))
            plugin = key.partition("=")[0]
            log.debug("check records %s: recorded %s as %s", self.path, plugin, record.state)
