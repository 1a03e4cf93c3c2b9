"""The installed plugins as shell completion sees them, read without discovery.

Completion runs at every TAB, so it reads the discovery index and the check
records directly, with nothing but ``os`` and ``json``: through the
functions of ``_discovery.lean``, which ``_records`` and ``_index`` build
on too, it computes the same cache folder, index file name and index key,
so an index that ``list`` and ``run`` would rebuild is never used here either.
When it is missing or stale, ``_index.discover`` rebuilds it, as ``list``
would, and the next TAB is fast again.
"""

from __future__ import annotations

import os

from .. import ENTRY_POINT_GROUP
from .._discovery.index_data import INDEX_FORMAT, dist_key, index_entries, index_file, path_key
from .._discovery.lean import RECORDS_FORMAT, cache_dir, read_json, read_records, record_key
from .._discovery.names import is_plugin_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "INDEX_FORMAT",
    "RECORDS_FORMAT",
    "InstalledPlugins",
    "cache_dir",
    "dist_key",
    "index_entries",
    "index_file",
    "path_key",
    "read_json",
    "read_records",
    "record_key",
]

#: An entry of the index: plugin name, entry point value, distribution name and folder.
Entry = tuple[str, str, str | None, str | None]


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
        raw = index_entries(self._cache, ENTRY_POINT_GROUP)
        if raw is None:
            return None
        return [(c["name"], c["value"], c["dist"]["name"], c["dist"]["path"]) for c in raw]

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
        found_records = read_records(self._cache)
        if found_records is None:
            return None
        record = found_records.get(record_key(name, value, dist_name, dist_path or ""))
        if not isinstance(record, dict) or record.get("state") != "ok":
            return None
        manifest = record.get("manifest")
        return manifest if isinstance(manifest, dict) else None
