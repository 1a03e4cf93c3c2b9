"""The discovery index: what discovery found, kept until anything changes.

Discovery through stevedore reads the metadata of every installed
distribution. The index keeps its outcome (the group's entry points, their
distributions, their compatibility with this host) in the user cache
directory, under a key made of the interpreter, the ``sys.path`` entries with
their modification times, and the metadata files of the plugin distributions
themselves. While the key matches, ``plughost list`` and ``run`` read one
small file and stat a few more, instead of importing stevedore and
importlib.metadata and reading thousands of files.

The index is never trusted beyond what it can show: a file of the wrong
shape or version, truncated, or naming an entry point that its distribution
does not declare (read from the distribution's own entry_points.txt, not from
the index) is thrown away and rebuilt. Without a writable cache directory
discovery still works, just every time from scratch. ``PLUGHOST_NO_INDEX=1``
(or ``plughost list --refresh``, which also rewrites it) bypasses it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .. import API_VERSION, __version__
from .cachefile import read_json, write_json
from .compat import Compatibility
from .entrypoints import Candidate, DistInfo, find_candidates, section_entries

__all__ = ["FORMAT", "discover"]

log = logging.getLogger(__name__)

#: The version of the index file's shape.
FORMAT = 3
#: The largest index file read (thousands of plugins with their file lists).
_LIMIT = 256 << 20
_META_FILES = ("METADATA", "PKG-INFO", "entry_points.txt", "RECORD")


def _stat_key(path: str) -> list[int]:
    # The change time and inode too: a file rewritten with its size and
    # modification time put back still moves its ctime.
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


def _path_key() -> list[list[Any]]:
    """Each ``sys.path`` entry: its modification time when it holds metadata.

    A folder without any (the current directory, a source tree) is only
    checked to still hold none, so that files coming and going there do not
    throw the index away.
    """
    key: list[list[Any]] = []
    for entry in sys.path:
        folder = entry or "."
        if _holds_metadata(folder):
            key.append([entry, *_stat_key(folder)])
        else:
            key.append([entry, "no metadata"])
    return key


def _dist_key(folder: str) -> list[list[Any]]:
    key: list[list[Any]] = [[folder, *_stat_key(folder)]]
    for name in _META_FILES:
        key.append([name, *_stat_key(os.path.join(folder, name))])
    return key


def _index_file(cache_dir: Path, group: str) -> Path:
    ident = "\0".join([sys.executable, sys.prefix, group, *sys.path])
    digest = hashlib.sha256(ident.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return cache_dir / "index" / f"{digest}.json"


def _dist_to_dict(dist: DistInfo) -> dict[str, Any]:
    return {
        "name": dist.name,
        "version": dist.version,
        "requires": list(dist.requires),
        "path": dist.path,
        "summary": dist.summary,
        "files": list(dist.files),
        "urls": [list(u) for u in dist.urls],
    }


def _dist_from_dict(data: Any) -> DistInfo:
    if not isinstance(data, dict):
        raise ValueError("a distribution is not an object")
    strings = ("name", "version", "summary")
    if not all(isinstance(data.get(k), str) for k in strings):
        raise ValueError("a distribution lacks its name, version or summary")
    path = data.get("path")
    if not isinstance(path, str):
        raise ValueError("a distribution lacks its path")
    lists = [data.get("requires"), data.get("files")]
    if not all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in lists):
        raise ValueError("a distribution's requires or files are not lists of strings")
    urls = data.get("urls")
    if not (
        isinstance(urls, list)
        and all(
            isinstance(u, list) and len(u) == 2 and all(isinstance(x, str) for x in u) for u in urls
        )
    ):
        raise ValueError("a distribution's urls are not a list of label and URL pairs")
    return DistInfo(
        data["name"],
        data["version"],
        tuple(data["requires"]),
        path,
        data["summary"],
        tuple(data["files"]),
        tuple((label, url) for label, url in urls),
    )


def _candidate_to_dict(cand: Candidate, compat: Compatibility | None) -> dict[str, Any]:
    return {
        "name": cand.name,
        "value": cand.value,
        "dist": None if cand.dist is None else _dist_to_dict(cand.dist),
        "shadowed": [_dist_to_dict(d) for d in cand.shadowed],
        "compat": None
        if compat is None
        else {"ok": compat.ok, "requirement": compat.requirement, "reason": compat.reason},
    }


def _candidate_from_dict(data: Any, group: str) -> Candidate:
    if not isinstance(data, dict):
        raise ValueError("an entry is not an object")
    name, value = data.get("name"), data.get("value")
    if not isinstance(name, str) or not isinstance(value, str):
        raise ValueError("an entry lacks its name or value")
    dist = _dist_from_dict(data.get("dist"))
    shadowed = data.get("shadowed")
    if not isinstance(shadowed, list):
        raise ValueError("an entry's shadowed copies are not a list")
    compat = data.get("compat")
    if not (
        isinstance(compat, dict)
        and isinstance(compat.get("ok"), bool)
        and isinstance(compat.get("reason"), str)
        and (compat.get("requirement") is None or isinstance(compat.get("requirement"), str))
    ):
        raise ValueError("an entry's compatibility is not of the right shape")
    return Candidate(
        name,
        value,
        group,
        dist,
        tuple(_dist_from_dict(d) for d in shadowed),
        Compatibility(compat["ok"], compat["requirement"], compat["reason"]),
    )


def _compat_of(cand: Candidate) -> Compatibility | None:
    from .compat import check_compatibility

    if cand.dist is None:
        return None
    return check_compatibility(cand.name, cand.dist, __version__, API_VERSION)


def _build(group: str) -> tuple[list[Candidate], dict[str, Any]]:
    found = find_candidates(group)
    candidates = [
        Candidate(c.name, c.value, c.group, c.dist, c.shadowed, _compat_of(c)) for c in found
    ]
    folders = sorted(
        {d.path for c in candidates for d in (c.dist, *c.shadowed) if d is not None and d.path}
    )
    data = {
        "format": FORMAT,
        "host": __version__,
        "executable": sys.executable,
        "group": group,
        "path": _path_key(),
        "dists": [_dist_key(f) for f in folders],
        "candidates": [_candidate_to_dict(c, c.compat) for c in candidates],
    }
    return candidates, data


def _trusted(data: Any, group: str) -> list[Candidate] | None:
    """The candidates of an index, or None when anything about it is off."""
    if not isinstance(data, dict):
        return None
    if (
        data.get("format") != FORMAT
        or data.get("host") != __version__
        or data.get("executable") != sys.executable
        or data.get("group") != group
    ):
        return None
    if data.get("path") != _path_key():
        return None
    dists = data.get("dists")
    if not isinstance(dists, list):
        return None
    for key in dists:
        if not (isinstance(key, list) and key and isinstance(key[0], list)):
            return None
        folder = key[0][0]
        if not isinstance(folder, str) or key != _dist_key(folder):
            return None
    raw = data.get("candidates")
    if not isinstance(raw, list):
        return None
    try:
        candidates = [_candidate_from_dict(c, group) for c in raw]
    except ValueError as exc:
        log.debug("discovery index rejected: %s", exc)
        return None
    covered = {k[0][0] for k in dists}
    if not _declared_by_their_distributions(candidates, group, covered):
        return None
    return candidates


def _declared_by_their_distributions(
    candidates: Iterable[Candidate], group: str, covered: set[str]
) -> bool:
    """Each entry point is declared by its distribution's own entry_points.txt."""
    declared: dict[str, set[tuple[str, str]]] = {}
    for cand in candidates:
        dist = cand.dist
        if dist is None or dist.path is None or dist.path not in covered:
            return False
        if dist.path not in declared:
            try:
                with open(os.path.join(dist.path, "entry_points.txt"), encoding="utf-8") as f:
                    declared[dist.path] = set(section_entries(f.read(), group))
            except (OSError, UnicodeDecodeError):
                return False
        if (cand.name, cand.value) not in declared[dist.path]:
            log.warning(
                "the discovery index names entry point %s = %s, which %s does not declare;"
                " rebuilding it",
                cand.name,
                cand.value,
                dist.label(),
            )
            return False
    return True


def discover(
    group: str, *, cache_dir: Path | None, use_index: bool = True, refresh: bool = False
) -> list[Candidate]:
    """The group's candidates, from the index when it is current, else rebuilt."""
    if cache_dir is None or not use_index or os.environ.get("PLUGHOST_NO_INDEX"):
        return _build(group)[0]
    path = _index_file(cache_dir, group)
    if refresh:
        log.debug("rebuilding the discovery index %s, as asked", path)
    else:
        data = read_json(path, _LIMIT, "the discovery index")
        if data is not None:
            candidates = _trusted(data, group)
            if candidates is not None:
                log.debug("discovery index %s is current", path)
                return candidates
            log.debug("discovery index %s is stale or damaged; rebuilding it", path)
        else:
            log.debug("no usable discovery index at %s; building it", path)
    candidates, data = _build(group)
    write_json(path, data)
    return candidates
