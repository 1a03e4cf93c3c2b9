"""The installed plugins as shell completion sees them, read without discovery.

Completion runs at every TAB, so it reads the discovery index and the check
records directly, with nothing but ``os`` and ``json``: the functions here
compute the same cache folder, index file name and index key as
``_records`` and ``_index`` do (a test holds each to its original), so an
index that ``list`` and ``run`` would rebuild is never used here either.
When it is missing or stale, ``_index.discover`` rebuilds it, as ``list``
would, and the next TAB is fast again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
from typing import Any

from .. import ENTRY_POINT_GROUP, __version__
from .._discovery.names import is_plugin_name

__all__ = [
    "INDEX_FORMAT",
    "RECORDS_FORMAT",
    "InstalledPlugins",
    "cache_dir",
    "dist_key",
    "index_file",
    "path_key",
    "read_json",
]

#: An entry of the index: plugin name, entry point value, distribution name and folder.
Entry = tuple[str, str, str | None, str | None]

#: The shapes of the index and of the check records read here (a test holds
#: them to ``_index.FORMAT`` and ``_records._FORMAT``).
INDEX_FORMAT = 3
RECORDS_FORMAT = 1
_INDEX_LIMIT = 256 << 20
_RECORDS_LIMIT = 32 << 20
_META_FILES = ("METADATA", "PKG-INFO", "entry_points.txt", "RECORD")
_CANONICAL = re.compile(r"[-_.]+")


def cache_dir() -> str:
    """``_records.default_cache_dir()``, without pathlib."""
    explicit = os.environ.get("PLUGHOST_CACHE_DIR")
    if explicit:
        return explicit
    home = os.path.expanduser("~")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches", "plughost")
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
        return os.path.join(base, "plughost", "Cache")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache")
    return os.path.join(base, "plughost")


def index_file(cache: str, group: str) -> str:
    """``_index._index_file``: the index of this interpreter and search path."""
    ident = "\0".join([sys.executable, sys.prefix, group, *sys.path])
    digest = hashlib.sha256(ident.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return os.path.join(cache, "index", f"{digest}.json")


def _stat_key(path: str) -> list[int]:
    try:
        st = os.stat(path)
    except OSError:
        return [-1, -1, -1, -1]
    return [st.st_mtime_ns, st.st_size, st.st_ctime_ns, st.st_ino]


def _holds_metadata(folder: str) -> bool:
    try:
        with os.scandir(folder) as it:
            return any(e.name.endswith((".dist-info", ".egg-info")) for e in it)
    except OSError:
        return False


def path_key() -> list[list[Any]]:
    """``_index._path_key``: each ``sys.path`` entry, stat'ed when it holds metadata."""
    return [
        [entry, *_stat_key(entry or ".")]
        if _holds_metadata(entry or ".")
        else [entry, "no metadata"]
        for entry in sys.path
    ]


def dist_key(folder: str) -> list[list[Any]]:
    """``_index._dist_key``: a plugin distribution's metadata folder and files, stat'ed."""
    return [[folder, *_stat_key(folder)]] + [
        [name, *_stat_key(os.path.join(folder, name))] for name in _META_FILES
    ]


def read_json(path: str, limit: int) -> Any:
    """The JSON in the regular file ``path`` of at most ``limit`` bytes, else None.

    Like ``_cachefile.read_json``: it never blocks (a FIFO in the cache) and
    never raises.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(limit + 1 - size, 1 << 20))
            if not chunk:
                return json.loads(b"".join(chunks).decode("utf-8"))
            chunks.append(chunk)
            size += len(chunk)
        return None
    except (OSError, ValueError, RecursionError):
        return None
    finally:
        os.close(fd)


class InstalledPlugins:
    """The installed plugins as the discovery index and the check records show them.

    Nothing here raises for a missing, stale or damaged file: the index is
    then rebuilt by discovery proper, and a plugin without a usable record
    completes its name only. A manifest is taken from the record of the
    plugin's entry point and distribution folder (whose name carries the
    version), not held to the fingerprint of its files as ``list`` does: for
    completion a plugin edited in place offers the commands of its last
    check or run, and ``run`` itself checks again.
    """

    def __init__(self, cache: str | None = None) -> None:
        self._cache = cache or cache_dir()
        self._entries: list[Entry] | None = None

    def _load(self) -> list[Entry]:
        if self._entries is None:
            warm = None if os.environ.get("PLUGHOST_NO_INDEX") else self._from_index()
            self._entries = warm if warm is not None else self._discover()
        return self._entries

    def _from_index(self) -> list[Entry] | None:
        """The index's entries if ``_index`` would find it current, else None.

        The same key as ``_index._trusted``: this host, interpreter and
        group, the ``sys.path`` folders and each plugin distribution's
        metadata files, stat'ed. Its cross-check of each entry point against
        its distribution's entry_points.txt is left to ``list`` and ``run``:
        completion imports nothing, and offers a name only as a safe word.
        """
        data = read_json(index_file(self._cache, ENTRY_POINT_GROUP), _INDEX_LIMIT)
        if not (
            isinstance(data, dict)
            and data.get("format") == INDEX_FORMAT
            and data.get("host") == __version__
            and data.get("executable") == sys.executable
            and data.get("group") == ENTRY_POINT_GROUP
            and data.get("path") == path_key()
        ):
            return None
        dists, raw = data.get("dists"), data.get("candidates")
        if not isinstance(dists, list) or not isinstance(raw, list):
            return None
        covered = set()
        for key in dists:
            if not (isinstance(key, list) and key and isinstance(key[0], list) and key[0]):
                return None
            folder = key[0][0]
            if not isinstance(folder, str) or key != dist_key(folder):
                return None
            covered.add(folder)
        entries: list[Entry] = []
        for cand in raw:
            dist = cand.get("dist") if isinstance(cand, dict) else None
            if not isinstance(dist, dict) or dist.get("path") not in covered:
                return None
            name, value, dist_name = cand.get("name"), cand.get("value"), dist.get("name")
            if not all(isinstance(x, str) for x in (name, value, dist_name)):
                return None
            entries.append((name, value, dist_name, dist["path"]))
        return entries

    def _discover(self) -> list[Entry]:
        # Cold or stale: discovery proper, which writes the index for the next TAB.
        from pathlib import Path

        from .._discovery.index import discover

        return [
            (c.name, c.value, c.dist.name if c.dist else None, c.dist.path if c.dist else None)
            for c in discover(ENTRY_POINT_GROUP, cache_dir=Path(self._cache))
        ]

    def names(self) -> list[str]:
        """The installed plugins' names that fit the name rule, sorted."""
        return sorted({e[0] for e in self._load() if is_plugin_name(e[0])})

    def manifest(self, name: str) -> dict[str, Any] | None:
        """The manifest of ``name``'s latest check if it was ``ok``, else None.

        None too when two distributions provide the name: neither loads.
        """
        found = [e for e in self._load() if e[0] == name]
        if len(found) != 1:
            return None
        _, value, dist_name, dist_path = found[0]
        if dist_name is None:
            return None
        data = read_json(os.path.join(self._cache, "checks.json"), _RECORDS_LIMIT)
        if not (
            isinstance(data, dict)
            and data.get("format") == RECORDS_FORMAT
            and data.get("host") == __version__
            and isinstance(data.get("plugins"), dict)
        ):
            return None
        # The key of Host._record_key.
        key = f"{name}={value}@{_CANONICAL.sub('-', dist_name).lower()}@{dist_path}"
        record = data["plugins"].get(key)
        if not isinstance(record, dict) or record.get("state") != "ok":
            return None
        manifest = record.get("manifest")
        return manifest if isinstance(manifest, dict) else None
