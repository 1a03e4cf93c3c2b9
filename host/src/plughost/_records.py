"""What the host remembers of earlier checks, so ``list`` can say ``ok``.

``plughost list`` never imports plugin code, so on its own it cannot know
whether a plugin works. ``check`` and ``run`` record each plugin's outcome
(state, reason, manifest) together with a fingerprint of its distribution's
files; ``list`` trusts a record only while the fingerprint still matches.
The file is a cache: when it is missing, unreadable or of the wrong shape it
is ignored (with a warning for a damaged one) and rewritten on the next check.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["CheckRecord", "CheckRecords", "default_cache_dir", "write_json"]

log = logging.getLogger(__name__)

_FORMAT = 1


def default_cache_dir() -> Path:
    """``PLUGHOST_CACHE_DIR``, else the platform's user cache directory."""
    explicit = os.environ.get("PLUGHOST_CACHE_DIR")
    if explicit:
        return Path(explicit)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "plughost"
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "plughost" / "Cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "plughost"


def write_json(path: Path, data: object) -> None:
    """Write ``data`` to ``path`` atomically, so readers never see half a file.

    A cache is only a cache: failing to write it (no permission, no space)
    is logged at debug level and otherwise ignored.
    """
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.debug("cannot write %s: %s", path, exc)


@dataclass(frozen=True)
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

    def _load(self) -> dict[str, Any]:
        if self._data is not None:
            return self._data
        data: dict[str, Any] = {}
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raw = None
        except OSError as exc:
            log.debug("cannot read %s: %s", self.path, exc)
            raw = None
        if raw is not None:
            try:
                parsed = json.loads(raw)
                if not (
                    isinstance(parsed, dict)
                    and parsed.get("format") == _FORMAT
                    and isinstance(parsed.get("plugins"), dict)
                ):
                    raise ValueError("not a plughost check record file")
                if parsed.get("host") == self._host_version:
                    data = parsed["plugins"]
            except (ValueError, RecursionError) as exc:
                log.warning(
                    "ignoring the damaged check records %s (%s); they are rebuilt"
                    " by the next `plughost check`",
                    self.path,
                    exc,
                )
        self._data = data
        return data

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
        """Store ``record`` and write the file atomically; failures only log."""
        data = self._load()
        data[key] = {
            "fingerprint": record.fingerprint,
            "state": record.state,
            "reason": record.reason,
            "manifest": record.manifest,
        }
        write_json(self.path, {"format": _FORMAT, "host": self._host_version, "plugins": data})
