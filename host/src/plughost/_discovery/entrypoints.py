"""Find the plugins' entry points and the distributions behind them.

stevedore lists the entry points of the group (through its own cache). What
stevedore does not give, the host adds here: the distribution behind each
entry point (stevedore's cached entry points have lost ``.dist``), the
distribution's version and its requirement on plughost, and a cross-check:
an entry point that no installed distribution declares (a stale or poisoned
cache) is never trusted. Nothing here imports plugin code.
"""

from __future__ import annotations

import logging
import os
import pathlib
import re
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .._plain import field, frozen
from .index_data import section_entries
from .lean import canonical_name, editable_project, fingerprint

if TYPE_CHECKING:
    import importlib.metadata

    from .compat import Compatibility
    from .observed import Seen

__all__ = ["Candidate", "DistInfo", "canonical_name", "find_candidates", "section_entries"]

log = logging.getLogger(__name__)


@frozen
class DistInfo:
    """A distribution that provides plugins, read from its metadata.

    ``requires`` holds its ``Requires-Dist`` entries, ``path`` the folder of
    its metadata (``*.dist-info``) when there is one, ``files`` its RECORD
    entries resolved to absolute paths, ``urls`` its ``Project-URL`` entries
    (and ``Home-page``) as (label, URL) pairs.
    """

    name: str
    version: str
    requires: tuple[str, ...] = ()
    path: str | None = None
    summary: str = ""
    files: tuple[str, ...] = field(default=(), repr=False, compare=False)
    urls: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """The canonical name, for comparisons."""
        return canonical_name(self.name)

    def label(self) -> str:
        """``name version``, as messages show a distribution."""
        return f"{self.name} {self.version}"

    def fingerprint(self, target: str | None = None) -> str:
        """A digest that changes whenever the distribution's files change.

        It covers the metadata folder and every file named in RECORD by
        path, size, modification and change time and inode, so an upgrade, a
        reinstall or an edit in place is noticed without reading file
        contents, even one that puts the size and modification time back
        (``touch -r``): that moves the change time, which no one can set. RECORD of an
        editable install lists no source file, so for one the files of the
        package that ``target`` (an entry point value) lives in count too.
        """
        return fingerprint(self.name, self.version, self.path, self.files, target)

    def editable_project(self) -> str | None:
        """The project folder of an editable install (PEP 660), else None."""
        return editable_project(self.path)


@frozen
class Candidate:
    """One entry point of the group with the distribution that declares it.

    ``value`` is the entry point's target (``module:attr``). ``shadowed``
    lists further copies of the same distribution later on ``sys.path``,
    which are not used. ``compat`` is the distribution's compatibility with
    this host when it is already known (the discovery index keeps it).
    """

    name: str
    value: str
    group: str
    dist: DistInfo | None
    shadowed: tuple[DistInfo, ...] = ()
    compat: Compatibility | None = None

    def entry_point(self) -> importlib.metadata.EntryPoint:
        """An importlib EntryPoint for loading the target."""
        import importlib.metadata

        return importlib.metadata.EntryPoint(self.name, self.value, self.group)


def _declares_group(text: str, group: str) -> bool:
    # Most entry_points.txt name other groups only: a substring rules them out.
    return (
        group in text
        and re.search(rf"^\s*\[\s*{re.escape(group)}\s*\]", text, re.MULTILINE) is not None
    )


class _Headers:
    """A metadata file's headers, read by hand: the part of ``email.message.Message`` used here."""

    def __init__(self, values: dict[str, list[str]]) -> None:
        self._values = values

    def __getitem__(self, name: str) -> str | None:
        found = self._values.get(name.lower())
        return found[0] if found else None

    def get(self, name: str) -> str | None:
        """The first value of header ``name``, or None."""
        return self[name]

    def get_all(self, name: str) -> list[str] | None:
        """Every value of header ``name``, or None."""
        return self._values.get(name.lower())


# The characters of a header's name, as the email parser takes them.
_HEADER_NAME = frozenset(chr(c) for c in range(0x21, 0x7F) if c != ord(":"))


def _plain_headers(dist: importlib.metadata.Distribution) -> _Headers | None:
    """The headers of ``dist``'s metadata when they are plain, else None: the email parser's job.

    Plain: every line up to the first blank one is ``Name: value`` on one
    line (no folded values, no carriage returns); then each value is what
    the email parser makes of it (the text after the colon, spaces and tabs
    before it dropped). Parsing 200 plugins' metadata by hand instead of
    through ``email`` saves about 15 ms of a cold ``plughost list``.
    """
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO")
    if not text:
        return None
    head, blank, _ = text.partition("\n\n")
    if not blank and head.endswith("\n"):
        head = head[:-1]
    if not head or "\r" in head or head.startswith(("From ", ">From ")):
        return None
    values: dict[str, list[str]] = {}
    for line in head.split("\n"):
        name, colon, value = line.partition(":")
        if not colon or not name or not _HEADER_NAME.issuperset(name):
            return None  # folded, or not a header: the email parser decides
        values.setdefault(name.lower(), []).append(value.lstrip(" \t"))
    return _Headers(values)


def _record_files(dist: importlib.metadata.Distribution) -> list[str] | None:
    """The files in ``dist``'s RECORD, as ``dist.files`` resolves them, when RECORD is plain.

    Plain: no quotes or NUL, each line ``path,hash,size`` with a whole number
    or nothing for the size, and paths that ``pathlib`` would not rewrite.
    Else None, and ``importlib.metadata`` reads it (it raises on what it
    cannot read). By hand it costs a tenth of going through ``csv`` and
    ``pathlib``, for every plugin of a cold ``plughost list``.
    """
    folder = getattr(dist, "_path", None)
    text = dist.read_text("RECORD")
    if not isinstance(folder, pathlib.Path) or os.sep != "/":
        return None
    if not text or '"' in text or "\0" in text:
        return None
    parent = str(folder.parent)
    files: list[str] = []
    for line in text.splitlines():
        fields = line.split(",")
        if len(fields) > 3 or not fields[0] or (len(fields) == 3 and not _size(fields[2])):
            return None
        name = fields[0]
        odd = name.startswith(("/", "./")) or name.endswith(("/", "/.")) or name == "."
        if odd or "//" in name or "/./" in name:
            return None
        files.append(f"{parent}/{name}" if parent != "/" else f"/{name}")
    return files


def _size(text: str) -> bool:
    """Whether ``text`` is what ``make_file`` takes for a size: nothing, or an integer."""
    if not text:
        return True
    try:
        int(text)
    except ValueError:
        return False
    return True


def _dist_info(dist: importlib.metadata.Distribution) -> DistInfo:
    meta: Any = _plain_headers(dist) or dist.metadata
    files = _record_files(dist)
    if files is None:
        files = []
        for f in dist.files or ():
            try:
                files.append(str(dist.locate_file(f)))
            except Exception:
                continue
    path = getattr(dist, "_path", None)
    return DistInfo(
        name=meta["Name"] or "UNKNOWN",
        version=meta["Version"] or "0",
        # dist.requires would parse METADATA again; it reads the same headers
        # first (an egg-info's requires.txt only when there are none).
        requires=tuple(meta.get_all("Requires-Dist") or dist.requires or ()),
        path=os.fspath(path) if path is not None else None,
        summary=(meta["Summary"] or "").strip(),
        files=tuple(files),
        urls=_project_urls(meta),
    )


def _project_urls(meta: Any) -> tuple[tuple[str, str], ...]:
    """``Project-URL: Label, URL`` entries (and a ``Home-page``), as (label, URL) pairs."""
    urls: list[tuple[str, str]] = []
    home = meta.get("Home-page")
    if home and home.strip() and home.strip() != "UNKNOWN":
        urls.append(("Home-page", home.strip()))
    for entry in meta.get_all("Project-URL") or ():
        label, sep, url = str(entry).partition(",")
        if sep and label.strip() and url.strip():
            urls.append((label.strip(), url.strip()))
    return tuple(urls)


def _metadata_folders(group: str, seen: Seen | None = None) -> list[str]:
    """The metadata folders on ``sys.path`` whose entry points name ``group``.

    Reads only each distribution's small entry_points.txt, in ``sys.path``
    order (sorted within a folder, so the outcome does not depend on the
    order the file system lists them in). With ``seen``, a complete scan
    noted while stevedore made it, only the files that scan did not read.
    """
    if seen is not None:
        listed = seen.folders()
    else:
        listed = []
        for entry in sys.path:
            base = entry or "."
            try:
                names = os.listdir(base)
            except OSError:
                continue
            listed.extend(
                (os.path.join(base, name), False, None)
                for name in sorted(n for n in names if n.endswith((".dist-info", ".egg-info")))
            )
    found: list[str] = []
    for folder, read, text in listed:
        if not read:
            text = _entry_points_text(folder)
        if text is not None and _declares_group(text, group):
            found.append(folder)
    return found


def _declared_entry_points(
    group: str, seen: Seen | None = None, unreadable: set[tuple[str, str]] | None = None
) -> list[tuple[str, str, DistInfo, list[DistInfo]]]:
    """Every entry point of ``group`` declared by an installed distribution.

    Distributions are visited in ``sys.path`` order; when the same
    distribution is installed twice (a user site and a venv, a stale copy),
    the first copy is used and the others are returned as shadowed. The
    entry points of a distribution whose metadata cannot be read (it is
    skipped, with a warning) are added to ``unreadable``.
    """
    import importlib.metadata
    from pathlib import Path

    first: dict[str, DistInfo] = {}
    shadowed: dict[str, list[DistInfo]] = {}
    declared: list[tuple[str, str, str]] = []
    for folder in _metadata_folders(group, seen):
        dist = importlib.metadata.PathDistribution(Path(folder))
        try:
            info = _dist_info(dist)
            points = list(dist.entry_points.select(group=group))
        except Exception as exc:
            # Whatever is wrong with one distribution's metadata (importlib's
            # parsers raise TypeError on a RECORD line with too many fields),
            # the others are still discovered.
            log.warning(
                "cannot read the metadata in %s (%s: %s); reinstall that distribution",
                folder,
                type(exc).__name__,
                exc,
            )
            if unreadable is not None:
                unreadable.update(_named_in(folder, group))
            continue
        if info.key in first:
            shadowed.setdefault(info.key, []).append(info)
            continue
        first[info.key] = info
        for ep in points:
            declared.append((ep.name, ep.value, info.key))
    return [(n, v, first[k], shadowed.get(k, [])) for n, v, k in declared]


def _entry_points_text(folder: str) -> str | None:
    """The entry_points.txt in the metadata folder ``folder``; None if missing or unreadable."""
    try:
        with open(os.path.join(folder, "entry_points.txt"), encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return None


def _named_in(folder: str, group: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of ``group`` in the entry_points.txt in ``folder``, if readable."""
    text = _entry_points_text(folder)
    return [] if text is None else section_entries(text, group)


def _stevedore_entry_points(group: str) -> list[tuple[str, str]]:
    from stevedore import ExtensionManager
    from stevedore.named import NamedExtensionManager

    # stevedore keeps a per-class copy of each group's entry points; drop it so
    # that a Host made after an install sees the new state of the metadata.
    ExtensionManager.ENTRY_POINT_CACHE.pop(group, None)
    manager: NamedExtensionManager[object] = NamedExtensionManager(
        group, names=[], on_missing_entrypoints_callback=None
    )
    return [(ep.name, ep.value) for ep in manager.list_entry_points()]


def find_candidates(group: str) -> list[Candidate]:
    """List the group's entry points through stevedore, each with its distribution.

    An entry point that stevedore reports but that no installed distribution
    declares is dropped with a warning: it can only come from a stale or
    tampered cache, and loading it would run code nobody installed.
    """
    from .observed import observing

    with observing() as scan:
        listed = _stevedore_entry_points(group)
    unreadable: set[tuple[str, str]] = set()
    declared = _declared_entry_points(group, scan if scan.complete else None, unreadable)
    by_target: dict[tuple[str, str], list[tuple[DistInfo, list[DistInfo]]]] = {}
    for name, value, dist, shadowed in declared:
        by_target.setdefault((name, value), []).append((dist, shadowed))
    result: list[Candidate] = []
    seen: set[tuple[str, str]] = set()
    for name, value in _unique(listed):
        owners = by_target.get((name, value))
        if owners is None and (name, value) in unreadable:
            continue  # its distribution's metadata is unreadable: said already
        if owners is None:
            log.warning(
                "ignoring entry point %s = %s in %s: no installed distribution"
                " declares it (a stale entry-point cache?); clear"
                " ~/.cache/python-entrypoints if this persists",
                name,
                value,
                group,
            )
            continue
        seen.add((name, value))
        for dist, shadowed in owners:
            result.append(Candidate(name, value, group, dist, tuple(shadowed)))
    for (name, value), owners in by_target.items():
        if (name, value) not in seen:
            # Declared in metadata but not (yet) in stevedore's view: its
            # cache is older than the install. The metadata is the truth.
            log.debug("entry point %s = %s missing from stevedore's cache", name, value)
            for dist, shadowed in owners:
                result.append(Candidate(name, value, group, dist, tuple(shadowed)))
    return result


def _unique(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys(items))
