"""What is installed: who owns a file, what pip's uninstall removes, metadata put right.

Ownership comes from the RECORD (or an egg-info's ``installed-files.txt``)
of every distribution in the site folders, read directly, so it works even
when the environment's interpreter no longer starts. What pip's uninstall of
a release removes follows pip: each RECORD entry, its ``.pyc``/``.pyo``
neighbours and cached bytecode, and the metadata folder.

Paths are compared as real paths (the folder resolved, the name kept), so a
``lib64`` link or a symlinked site folder cannot hide an overwrite.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import io
import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.parser import HeaderParser

from .._discovery.entrypoints import canonical_name
from .children import InstallError

__all__ = [
    "Owner",
    "find_dist_infos",
    "fix_metadata",
    "inside",
    "installed_owners",
    "key",
    "norm",
    "owners_of",
    "record_entries",
    "removal_paths",
]

_FOLD = sys.platform in ("darwin", "win32")  # case-insensitive file systems, as a rule


def norm(path: str, cache: dict[str, str] | None = None) -> str:
    """``path`` made absolute, its folder resolved through symlinks, its name kept.

    ``cache`` remembers resolved folders for one pass over many paths.
    """
    folder, name = os.path.split(os.path.abspath(path))
    if cache is None:
        return os.path.join(os.path.realpath(folder), name)
    real = cache.get(folder)
    if real is None:
        real = cache[folder] = os.path.realpath(folder)
    return os.path.join(real, name)


def key(path: str) -> str:
    """What two paths are compared by: equal keys name the same file."""
    return path.casefold() if _FOLD else path


def inside(path: str, roots: Iterable[str]) -> bool:
    """Whether ``path`` lies in (or is) one of ``roots`` (all absolute, real)."""
    return any(os.path.commonpath([path, r]) == r for r in roots if os.path.isabs(path))


@dataclass(frozen=True)
class Owner:
    """An installed distribution that lists a file in its RECORD."""

    key: str
    label: str
    path: str


def _name_version(info: str) -> tuple[str, str]:
    try:
        with open(os.path.join(info, "METADATA"), encoding="utf-8", errors="replace") as f:
            head = HeaderParser().parsestr(f.read(1 << 16), headersonly=True)
        if head.get("Name"):
            return str(head["Name"]), str(head.get("Version") or "")
    except OSError:
        pass
    stem = os.path.basename(info).rsplit(".", 1)[0]
    name, _, version = stem.rpartition("-")
    return (name, version) if name else (stem, "")


def record_entries(info: str, cache: dict[str, str] | None = None) -> list[str] | None:
    """The real paths a ``.dist-info`` folder's RECORD lists, or ``None`` without a RECORD."""
    try:
        with open(os.path.join(info, "RECORD"), encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    base = os.path.dirname(info)
    cache = {} if cache is None else cache
    return [norm(os.path.join(base, row[0]), cache) for row in rows if row and row[0]]


def installed_owners(folders: Iterable[str]) -> dict[str, list[Owner]]:
    """Every file the distributions in ``folders`` list (RECORD, egg-info's file list)."""
    owners: dict[str, list[Owner]] = {}
    cache: dict[str, str] = {}
    for folder in dict.fromkeys(folders):
        try:
            entries = sorted(e.name for e in os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            info = os.path.join(folder, entry)
            if entry.endswith(".dist-info"):
                paths = record_entries(info, cache) or []
            elif entry.endswith(".egg-info") and os.path.isdir(info):
                paths = _egg_files(info, cache)
            else:
                continue
            name, version = _name_version(info)
            owner = Owner(canonical_name(name), f"{name} {version}".strip(), info)
            for path in paths:
                owners.setdefault(key(path), []).append(owner)
    return owners


def _egg_files(info: str, cache: dict[str, str]) -> list[str]:
    try:
        with open(os.path.join(info, "installed-files.txt"), encoding="utf-8") as f:
            return [norm(os.path.join(info, line.strip()), cache) for line in f if line.strip()]
    except (OSError, UnicodeDecodeError):
        return []


def removal_paths(info: str, label: str, cache_tag: str | None) -> list[str]:
    """What pip's uninstall of the distribution at ``info`` removes (files that exist)."""
    entries = record_entries(info) if os.path.isabs(info) else None  # never the current folder's
    if entries is None:
        raise InstallError(
            f"{label} has no RECORD (it was not installed by a wheel installer), so plughost"
            " could not put it back if something failed; nothing was changed: reinstall or"
            " remove it with pip first"
        )
    found = set(entries)
    for path in entries:
        if path.endswith(".py"):
            found |= {path[:-3] + ".pyc", path[:-3] + ".pyo"}
            if cache_tag:
                folder, base = os.path.split(path)
                found.add(os.path.join(folder, "__pycache__", f"{base[:-3]}.{cache_tag}.pyc"))
    for folder, _, files in os.walk(info):
        found |= {norm(os.path.join(folder, f)) for f in files}
    return sorted(p for p in found if os.path.lexists(p) and not os.path.isdir(p))


def owners_of(path: str, owners: Mapping[str, list[Owner]]) -> list[Owner]:
    """The distributions whose RECORD lists ``path``."""
    return owners.get(key(path), [])


def find_dist_infos(folders: Iterable[str], keys: set[str]) -> dict[str, tuple[str, str]]:
    """The ``.dist-info`` folder (and ``name version``) of each of ``keys`` in ``folders``."""
    found: dict[str, tuple[str, str]] = {}
    for folder in dict.fromkeys(folders):
        try:
            entries = sorted(e.name for e in os.scandir(folder) if e.name.endswith(".dist-info"))
        except OSError:
            continue
        for entry in entries:
            info = os.path.join(folder, entry)
            name, version = _name_version(info)
            if canonical_name(name) in keys:
                found.setdefault(canonical_name(name), (f"{name} {version}", info))
    return found


def fix_metadata(info: str, direct_url: Mapping[str, object] | None, requested: bool) -> None:
    """Make the metadata of a wheel installed from plughost's private copy what pip's own has.

    pip recorded the copy's ``file:`` URL for a direct reference, and marked
    every wheel ``REQUESTED`` (all were named on its command line): the
    original URL from pip's report goes back in ``direct_url.json``, and a
    dependency loses ``REQUESTED``. RECORD is updated to match, so
    ``plughost verify`` still finds every file intact.
    """
    record = os.path.join(info, "RECORD")
    with open(record, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    base = os.path.dirname(info)
    changes: list[tuple[str, bytes | None]] = []
    if direct_url is not None:
        changes.append(("direct_url.json", json.dumps(direct_url, sort_keys=True).encode()))
    if not requested:
        changes.append(("REQUESTED", None))
    for name, data in changes:
        path = os.path.join(info, name)
        rows = [r for r in rows if not r or norm(os.path.join(base, r[0])) != path]
        if data is None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            continue
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.insert(-1, [os.path.relpath(path, base), f"sha256={digest}", str(len(data))])
        _replace(path, data)
    if changes:
        text = io.StringIO(newline="")
        csv.writer(text).writerows(rows)
        _replace(record, text.getvalue().encode("utf-8"))


def _replace(path: str, data: bytes) -> None:
    with open(f"{path}.tmp", "wb") as f:
        f.write(data)
    os.replace(f"{path}.tmp", path)
