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

import logging
import os
import sys
from pathlib import Path
from typing import Any

from .. import API_VERSION, __version__
from .cachefile import read_json, write_json
from .compat import Compatibility
from .entrypoints import Candidate, DistInfo, find_candidates
from .index_data import (
    INDEX_FORMAT,
    INDEX_LIMIT,
    check_candidate,
    check_dist,
    current_index,
    dist_key,
    index_file,
    path_key,
    undeclared,
)
from .lean import canonical_name

__all__ = ["FORMAT", "OnePlugin", "discover", "discover_one"]

log = logging.getLogger(__name__)

#: The version of the index file's shape.
FORMAT = INDEX_FORMAT
_LIMIT = INDEX_LIMIT
# The key of the index: the sys.path folders, and each plugin distribution's metadata.
_path_key = path_key
_dist_key = dist_key


def _index_file(cache_dir: Path, group: str) -> Path:
    return Path(index_file(str(cache_dir), group))


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
    check_dist(data)
    urls = data["urls"]
    return DistInfo(
        data["name"],
        data["version"],
        tuple(data["requires"]),
        data["path"],
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
    check_candidate(data)
    name, value, compat = data["name"], data["value"], data["compat"]
    dist = _dist_from_dict(data["dist"])
    shadowed = data["shadowed"]
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


def _trusted(data: Any, group: str, only: str | None = None) -> list[Candidate] | None:
    """The candidates of an index (those called ``only``), or None when anything is off."""
    current = current_index(data, group, only)
    if current is None:
        return None
    raw, covered = current
    if only is not None:
        raw = [c for c in raw if isinstance(c, dict) and c.get("name") == only]
    try:
        candidates = [_candidate_from_dict(c, group) for c in raw]
    except ValueError as exc:
        log.debug("discovery index rejected: %s", exc)
        return None
    if not _declared_by_their_distributions(candidates, group, covered):
        return None
    return candidates


def _declared_by_their_distributions(
    candidates: list[Candidate], group: str, covered: set[str]
) -> bool:
    """Each entry point is declared by its distribution's own entry_points.txt."""
    wrong = undeclared(
        [(c.name, c.value, c.dist.path if c.dist else None) for c in candidates], group, covered
    )
    if wrong is None:
        return True
    cand = candidates[wrong[0]]
    if wrong[1] and cand.dist is not None:
        log.warning(
            "the discovery index names entry point %s = %s, which %s does not declare;"
            " rebuilding it",
            cand.name,
            cand.value,
            cand.dist.label(),
        )
    return False


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
    write_json(path, data, by_line=("dists", "candidates"))
    return candidates


class OnePlugin:
    """What the index says of one plugin name: its candidates, and what else is installed.

    ``names`` and ``dist_keys`` are every plugin name and plugin distribution
    the index lists, as it lists them (not checked against the files), for
    the policy's warnings about names and distributions nothing provides.
    """

    __slots__ = ("candidates", "dist_keys", "names")

    def __init__(self, candidates: list[Candidate], names: set[str], dist_keys: set[str]) -> None:
        self.candidates = candidates
        self.names = names
        self.dist_keys = dist_keys


def discover_one(group: str, name: str, *, cache_dir: Path) -> OnePlugin | None:
    """The candidates called ``name``, from the index, checking only their distributions.

    None when the index is missing, stale or damaged, or lists no such name:
    then the caller discovers everything (and rebuilds the index).
    """
    if os.environ.get("PLUGHOST_NO_INDEX"):
        return None
    path = _index_file(cache_dir, group)
    data = read_json(path, _LIMIT, "the discovery index")
    if data is None:
        return None
    candidates = _trusted(data, group, name)
    if not candidates:
        return None
    names: set[str] = set()
    dist_keys: set[str] = set()
    for raw in data["candidates"]:
        dist = raw.get("dist") if isinstance(raw, dict) else None
        if not (isinstance(dist, dict) and isinstance(raw.get("name"), str)):
            return None
        if not isinstance(dist.get("name"), str):
            return None
        names.add(raw["name"])
        dist_keys.add(canonical_name(dist["name"]))
    log.debug("discovery index %s is current for plugin %r", path, name)
    return OnePlugin(candidates, names, dist_keys)
