"""The discovery index as plain data: its file name, its key, the shape of its entries.

``_index`` builds discovery's objects from these checks, and the readers
that must not import ``dataclasses``, ``logging`` or ``pathlib`` (shell
completion, the console script's fast path) use them directly, so that
each trusts an index exactly when ``_index`` would.
"""

from __future__ import annotations

import os
import sys

from .. import __version__
from .lean import read_bounded, read_json, sha256_hex

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

__all__ = [
    "INDEX_FORMAT",
    "INDEX_LIMIT",
    "META_FILES",
    "check_candidate",
    "check_dist",
    "current_index",
    "dist_key",
    "index_entries",
    "index_file",
    "path_current",
    "path_key",
    "section_entries",
    "stat_key",
    "undeclared",
]

#: The version of the index file's shape.
INDEX_FORMAT = 4
#: The largest index file read (thousands of plugins with their file lists).
INDEX_LIMIT = 256 << 20
#: The metadata files of a plugin distribution whose stat is part of the index key.
META_FILES = ("METADATA", "PKG-INFO", "entry_points.txt", "RECORD")

# -- the index's file name and key --------------------------------------------------


def index_file(cache: str, group: str) -> str:
    """The index of this interpreter and search path, in the cache folder ``cache``."""
    ident = "\0".join([sys.executable, sys.prefix, group, *sys.path])
    digest = sha256_hex(ident.encode("utf-8", "surrogateescape"))[:32]
    return os.path.join(cache, "index", f"{digest}.json")


def stat_key(path: str) -> list[int]:
    """Modification time, size, change time and inode of ``path`` (``-1`` each if gone).

    The change time and inode too: a file rewritten with its size and
    modification time put back still moves its ctime.
    """
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
    """Each ``sys.path`` entry: its modification time, and whether it holds metadata.

    A folder without any (the current directory, a source tree, the
    standard library) is only checked to still hold none, so that files
    coming and going there do not throw the index away
    (:func:`path_current`).
    """
    return [
        [entry, *stat_key(entry or ".")]
        if _holds_metadata(entry or ".")
        else [entry, "no metadata", *stat_key(entry or ".")]
        for entry in sys.path
    ]


def path_current(stored: Any) -> bool:
    """Whether the ``path_key`` an index was written with still describes ``sys.path``.

    A folder that held metadata must be as it was. One that held none is
    looked into only when it changed since (so the standard library is one
    ``stat``, not a listing, on every run), and must still hold none.
    """
    if not isinstance(stored, list) or len(stored) != len(sys.path):
        return False
    for entry, key in zip(sys.path, stored, strict=True):
        if not (isinstance(key, list) and key and key[0] == entry):
            return False
        folder = entry or "."
        if key[1:2] == ["no metadata"]:
            if key[2:] != stat_key(folder) and _holds_metadata(folder):
                return False
        elif key[1:] != stat_key(folder):
            return False
    return True


def dist_key(folder: str) -> list[list[Any]]:
    """A plugin distribution's metadata folder and files, stat'ed."""
    return [[folder, *stat_key(folder)]] + [
        [name, *stat_key(os.path.join(folder, name))] for name in META_FILES
    ]


# -- the shape of an index entry ------------------------------------------------------


def check_dist(data: Any) -> None:
    """Raise ValueError unless ``data`` is a distribution as the index writes one."""
    if not isinstance(data, dict):
        raise ValueError("a distribution is not an object")
    if not all(isinstance(data.get(k), str) for k in ("name", "version", "summary")):
        raise ValueError("a distribution lacks its name, version or summary")
    if not isinstance(data.get("path"), str):
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


def check_candidate(data: Any) -> None:
    """Raise ValueError unless ``data`` is an entry as the index writes one."""
    if not isinstance(data, dict):
        raise ValueError("an entry is not an object")
    if not isinstance(data.get("name"), str) or not isinstance(data.get("value"), str):
        raise ValueError("an entry lacks its name or value")
    check_dist(data.get("dist"))
    shadowed = data.get("shadowed")
    if not isinstance(shadowed, list):
        raise ValueError("an entry's shadowed copies are not a list")
    for dist in shadowed:
        check_dist(dist)
    compat = data.get("compat")
    if not (
        isinstance(compat, dict)
        and isinstance(compat.get("ok"), bool)
        and isinstance(compat.get("reason"), str)
        and (compat.get("requirement") is None or isinstance(compat.get("requirement"), str))
    ):
        raise ValueError("an entry's compatibility is not of the right shape")


def section_entries(text: str, group: str) -> list[tuple[str, str]]:
    """The ``name = value`` lines of ``[group]`` in an entry_points.txt."""
    entries: list[tuple[str, str]] = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            inside = line[1:-1].strip() == group
            continue
        if inside and "=" in line:
            name, _, value = line.partition("=")
            entries.append((name.strip(), value.strip()))
    return entries


def undeclared(
    entries: Iterable[tuple[str, str, str | None]], group: str, covered: set[str]
) -> tuple[int, bool] | None:
    """The first entry its distribution does not vouch for, else None.

    Each entry is (name, value, metadata folder); the folder must be one the
    index key covers, and its own entry_points.txt must declare the entry
    point in ``group``. The answer is the entry's position, and whether the
    file was read and does not declare it (rather than missing or unreadable).
    """
    declared: dict[str, set[tuple[str, str]]] = {}
    for i, (name, value, folder) in enumerate(entries):
        if folder is None or folder not in covered:
            return i, False
        if folder not in declared:
            try:
                with open(os.path.join(folder, "entry_points.txt"), encoding="utf-8") as f:
                    declared[folder] = set(section_entries(f.read(), group))
            except (OSError, UnicodeDecodeError):
                return i, False
        if (name, value) not in declared[folder]:
            return i, True
    return None


def current_index(
    data: Any, group: str, only: str | None = None
) -> tuple[list[Any], set[str]] | None:
    """The raw entries of an index and the folders its key covers, if its key is current.

    The index must be of this format, host, interpreter and group; its
    ``sys.path`` key and each plugin distribution's metadata key must match
    what is there now. The entries' own shape is left to :func:`check_candidate`.
    With ``only`` (a plugin name), only the distributions of the entries of
    that name are stat'ed, so that one plugin's run costs the same whatever
    else is installed: a distribution added or removed still moves its
    ``sys.path`` folder, and only an edit in place of another distribution's
    metadata goes unseen until a command that reads every plugin.
    """
    if not (isinstance(data, dict) and _current_head(data, group)):
        return None
    dists, raw = data.get("dists"), data.get("candidates")
    if not isinstance(dists, list) or not isinstance(raw, list):
        return None
    wanted = None if only is None else _folders_of(raw, only)
    covered: set[str] = set()
    for key in dists:
        if not (isinstance(key, list) and key and isinstance(key[0], list) and key[0]):
            return None
        folder = key[0][0]
        if not isinstance(folder, str):
            return None
        if wanted is not None and folder not in wanted:
            continue
        if key != dist_key(folder):
            return None
        covered.add(folder)
    return raw, covered


def _current_head(data: dict[str, Any], group: str) -> bool:
    """Whether an index's own members say it is this host's, for this interpreter and path."""
    return (
        data.get("format") == INDEX_FORMAT
        and data.get("host") == __version__
        and data.get("executable") == sys.executable
        and data.get("group") == group
        and path_current(data.get("path"))
    )


def _folders_of(raw: list[Any], name: str) -> set[str]:
    """The metadata folders of the entries called ``name`` and of their shadowed copies."""
    folders: set[str] = set()
    for cand in raw:
        if isinstance(cand, dict) and cand.get("name") == name:
            for dist in [cand.get("dist"), *(cand.get("shadowed") or [])]:
                if isinstance(dist, dict) and isinstance(dist.get("path"), str):
                    folders.add(dist["path"])
    return folders


def index_entries(cache: str, group: str, only: str | None = None) -> list[dict[str, Any]] | None:
    """The entries of the discovery index in ``cache`` if its key is current.

    Each entry has the shape the index writes (:func:`check_candidate`) and
    a distribution the key covers; None when the file is missing, damaged,
    stale or of another host. With ``only`` (a plugin name), only the
    entries of that name, checked as :func:`current_index` checks them for
    one plugin. Whether each distribution still declares its entry point
    is :func:`undeclared`'s question.
    """
    path = index_file(cache, group)
    if only is not None:
        mine = _one_plugin(path, group, only)
        if mine is not _NOT_BY_LINE:
            result: list[dict[str, Any]] | None = mine
            return result
    current = current_index(read_json(path, INDEX_LIMIT), group, only)
    if current is None:
        return None
    raw, covered = current
    if only is not None:
        raw = [c for c in raw if isinstance(c, dict) and c.get("name") == only]
    try:
        for cand in raw:
            check_candidate(cand)
    except ValueError:
        return None
    if any(c["dist"]["path"] not in covered for c in raw):
        return None
    return raw


_NOT_BY_LINE = object()


def _one_plugin(path: str, group: str, name: str) -> Any:
    """:func:`index_entries` for ``name`` from an index laid out by line, parsing only its lines.

    ``_NOT_BY_LINE`` when the file is not laid out so (the caller parses it
    whole); else what :func:`index_entries` returns.
    """
    try:
        text = read_bounded(path, INDEX_LIMIT).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    from .by_line import lines_with, sections

    split = sections(text, ("dists", "candidates"))
    if split is None:
        return _NOT_BY_LINE
    import json

    head, parts = split
    if not _current_head(head, group):
        return None
    needle = json.dumps(name)  # the writer's own encoding of the name
    try:
        found = [json.loads(line) for line in lines_with(parts["candidates"], needle)]
        mine = [c for c in found if isinstance(c, dict) and c.get("name") == name]
        for cand in mine:
            check_candidate(cand)
        wanted = _folders_of(mine, name)
        encoded = [json.dumps(folder) for folder in wanted]
        covered: set[str] = set()
        lines = {line for folder in encoded for line in lines_with(parts["dists"], folder)}
        for line in sorted(lines):
            key = json.loads(line)
            folder = (
                key[0][0] if isinstance(key, list) and key and isinstance(key[0], list) else None
            )
            if folder in wanted:
                if key != dist_key(folder):
                    return None
                covered.add(folder)
    except (ValueError, RecursionError, IndexError, TypeError):
        return None
    if any(c["dist"]["path"] not in covered for c in mine):
        return None
    return mine
