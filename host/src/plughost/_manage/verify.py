"""Check installed distributions against their RECORD.

RECORD lists every file the installer wrote, with its hash and size.
``verify_distribution`` reads each file and reports what no longer matches
(``changed``, ``missing``) or cannot be checked (``unverifiable``: RECORD
missing, malformed or without hashes). It also warns, without failing the
distribution, of what it installs beyond its own package: ``.pth`` files
with lines that site.py executes at every start (``executable-pth``) and
files that another installed distribution lists too (``shared``). Files are
only read, wherever RECORD points; no plugin code is imported.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from email.parser import HeaderParser
from typing import Any

from .digest_cache import ACCEPTED, VerifyCache, decode_digest, normal_path, stat_key

__all__ = [
    "MISMATCH_KINDS",
    "WARNING_KINDS",
    "DistVerification",
    "FileProblem",
    "VerifyCache",
    "first_mismatch",
    "installed_dist_infos",
    "verify_distribution",
]

#: Kinds of problem that make a distribution fail verification.
MISMATCH_KINDS = frozenset({"changed", "missing", "unverifiable"})
#: Kinds of problem that are reported but do not make it fail.
WARNING_KINDS = frozenset({"executable-pth", "shared"})

_SELF = ("RECORD", "RECORD.jws", "RECORD.p7s")  # RECORD cannot hold their hashes
_LIMIT = 64 << 20


def _one_line(text: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass(frozen=True)
class FileProblem:
    """One file that does not match RECORD, or that deserves a warning.

    ``path`` is as RECORD lists it, or absolute for a file outside the
    distribution's site directory; ``kind`` is in ``MISMATCH_KINDS`` or
    ``WARNING_KINDS``; ``detail`` is one line.
    """

    path: str
    kind: str
    detail: str

    @property
    def mismatch(self) -> bool:
        """Whether this problem makes the distribution fail verification."""
        return self.kind in MISMATCH_KINDS

    def describe(self) -> str:
        """``path (kind: detail)`` on one line, control characters escaped."""
        return _one_line(f"{self.path} ({self.kind}: {self.detail})")

    def to_dict(self) -> dict[str, str]:
        """The problem as JSON data."""
        return {"path": self.path, "kind": self.kind, "detail": self.detail}


@dataclass(frozen=True)
class DistVerification:
    """The outcome of verifying one distribution.

    ``path`` is its ``*.dist-info`` directory; ``files_checked`` counts the
    RECORD entries with a hash that were compared with the disk.
    """

    distribution: str
    version: str
    path: str
    files_checked: int
    problems: tuple[FileProblem, ...] = ()

    @property
    def ok(self) -> bool:
        """No file changed, missing or unverifiable; warnings do not count."""
        return not any(p.mismatch for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        """The JSON data printed by ``plughost verify --json``."""
        problems = [p.to_dict() for p in self.problems]
        return {**asdict(self), "ok": self.ok, "problems": problems}


@dataclass(frozen=True)
class _Entry:
    """One usable RECORD line."""

    shown: str
    full: str
    inside: bool
    algorithm: str | None = None
    digest: bytes | None = None
    size: int | None = None
    exempt: bool = False  # may lack a hash: RECORD itself, its signatures, .pyc files


def _open(path: str) -> io.BufferedReader:
    """Open for reading without blocking on a FIFO or taking a terminal."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    return open(os.open(path, flags | getattr(os, "O_CLOEXEC", 0)), "rb")


def _is_file(f: io.BufferedReader) -> bool:
    return stat.S_ISREG(os.fstat(f.fileno()).st_mode)


def _read_text(path: str) -> str:
    with _open(path) as f:
        if not _is_file(f):
            raise ValueError("not a regular file")
        data = f.read(_LIMIT + 1)
    if len(data) > _LIMIT:
        raise ValueError(f"larger than {_LIMIT >> 20} MiB")
    return data.decode("utf-8")


def _read_record(dist_path: str) -> tuple[list[_Entry], list[FileProblem]]:
    """RECORD's usable entries, and a problem for each line (or file) that is not."""
    shown = f"{os.path.basename(dist_path)}/RECORD"
    try:
        text = _read_text(os.path.join(dist_path, "RECORD"))
    except (FileNotFoundError, NotADirectoryError):
        return [], [FileProblem(shown, "unverifiable", "RECORD is missing; nothing can be checked")]
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return [], [FileProblem(shown, "unverifiable", f"cannot read RECORD: {reason}")]
    site = os.path.dirname(dist_path)
    own = {os.path.join(dist_path, n) for n in _SELF}
    entries: dict[str, _Entry] = {}
    problems: list[FileProblem] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            parsed = _parse_row(row, reader.line_num, site, own)
            if isinstance(parsed, FileProblem):
                problems.append(parsed)
            elif parsed is not None:
                entries.setdefault(parsed.full, parsed)
    except csv.Error as exc:
        detail = f"RECORD is malformed at line {reader.line_num}: {exc}"
        problems.append(FileProblem(shown, "unverifiable", detail))
    if not entries and not problems:
        problems.append(FileProblem(shown, "unverifiable", "RECORD lists no files"))
    elif entries and not any(e.algorithm for e in entries.values()):
        problems.append(FileProblem(shown, "unverifiable", "RECORD lists no hashes"))
    else:
        no_hash = [e for e in entries.values() if e.algorithm is None and not e.exempt]
        problems += [FileProblem(e.shown, "unverifiable", "RECORD gives no hash") for e in no_hash]
    return list(entries.values()), problems


def _parse_row(row: list[str], n: int, site: str, own: set[str]) -> _Entry | FileProblem | None:
    if not any(row):
        return None
    if len(row) != 3 or not row[0]:
        path = row[0] or f"RECORD line {n}"
        return FileProblem(path, "unverifiable", f"RECORD line {n} is not path,hash,size")
    raw, hash_field, size_field = row
    if "\0" in raw:
        return FileProblem(raw, "unverifiable", f"RECORD line {n}: the path holds a NUL character")
    full = os.path.normpath(os.path.join(site, raw))
    inside = full.startswith(site.rstrip(os.sep) + os.sep)
    shown = raw if inside else full
    if full in own or (not hash_field and full.endswith(".pyc")):
        return _Entry(shown, full, inside, exempt=True)

    def bad(what: str) -> FileProblem:
        return FileProblem(shown, "unverifiable", f"RECORD line {n}: {what}")

    algorithm: str | None = None
    digest: bytes | None = None
    size: int | None = None
    if hash_field:
        algorithm, sep, value = hash_field.partition("=")
        algorithm = algorithm.lower()
        if not sep or not algorithm or not value:
            return bad("the hash is not algorithm=digest")
        if algorithm not in ACCEPTED:
            return bad(f"{algorithm!r} hashes are not accepted (sha256 or stronger)")
        digest = decode_digest(algorithm, value)
        if digest is None:
            return bad(f"{value!r} is not a {algorithm} digest")
    if size_field:
        if not (size_field.isascii() and size_field.isdecimal() and len(size_field) < 20):
            return bad(f"size {size_field!r} is not a number")
        size = int(size_field)
    return _Entry(shown, full, inside, algorithm, digest, size)


def _hash_file(path: str, algorithm: str) -> tuple[bytes, os.stat_result | None] | None:
    """The digest, and fstat if the file did not change while read; None if not a file."""
    with _open(path) as f:
        before = os.fstat(f.fileno())
        if not stat.S_ISREG(before.st_mode):
            return None
        h = hashlib.new(algorithm)
        while chunk := f.read(1 << 20):
            h.update(chunk)
        after = os.fstat(f.fileno())
    return h.digest(), (after if stat_key(before) == stat_key(after) else None)


def _examine(entry: _Entry, dist: str, cache: VerifyCache | None) -> FileProblem | None:
    """A changed, missing or unverifiable problem for a hashed entry, else None."""
    if entry.algorithm is None or entry.digest is None:
        return None
    try:
        st = os.stat(entry.full)
        if not stat.S_ISREG(st.st_mode):
            return FileProblem(entry.shown, "changed", "no longer a regular file")
        if entry.size not in (None, st.st_size):
            detail = f"size {st.st_size}, RECORD says {entry.size}"
            return FileProblem(entry.shown, "changed", detail)
        digest = cache.lookup(dist, entry.full, st, entry.algorithm) if cache else None
        if digest is None:
            hashed = _hash_file(entry.full, entry.algorithm)
            if hashed is None:
                return FileProblem(entry.shown, "changed", "no longer a regular file")
            digest, stable = hashed
            if cache is not None:
                cache.reads += 1
                if stable is not None:
                    cache.store(dist, entry.full, stable, entry.algorithm, digest)
    except (FileNotFoundError, NotADirectoryError):
        return FileProblem(entry.shown, "missing", "listed in RECORD, not on disk")
    except OSError as exc:
        return FileProblem(entry.shown, "unverifiable", f"cannot read it: {exc.strerror or exc}")
    if not hmac.compare_digest(digest, entry.digest):
        return FileProblem(entry.shown, "changed", f"{entry.algorithm} differs from RECORD")
    return None


def _mismatches(dist_path: str, cache: VerifyCache | None) -> Iterator[FileProblem]:
    entries, problems = _read_record(dist_path)
    yield from problems
    for entry in entries:
        problem = _examine(entry, dist_path, cache)
        if problem is not None:
            yield problem


def _pth_problem(entry: _Entry, site: str) -> FileProblem | None:
    """A warning when site.py would execute lines of this .pth file.

    site.py reads the .pth files at the top of a site directory (one outside
    this one may be in another). Lines are split with ``str.splitlines`` (as
    Python 3.13 does) in both UTF-8 and Latin-1, to miss nothing it runs.
    """
    if not entry.full.endswith(".pth") or (entry.inside and os.path.dirname(entry.full) != site):
        return None
    try:
        with _open(entry.full) as f:
            data = f.read(_LIMIT) if _is_file(f) else b""
    except OSError:
        return None
    for text in (data.decode("utf-8", "replace").removeprefix("\ufeff"), data.decode("latin-1")):
        lines = [
            (n, line)
            for n, line in enumerate(text.splitlines(), 1)
            if line.startswith(("import ", "import\t"))
        ]
        if lines:
            more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
            n, first = lines[0]
            detail = f"site.py runs line {n} at every interpreter start: {first[:80]!r}{more}"
            return FileProblem(entry.shown, "executable-pth", detail)
    return None


def _name_version(dist_path: str) -> tuple[str, str]:
    try:
        meta = HeaderParser().parsestr(_read_text(os.path.join(dist_path, "METADATA")))
        if meta.get("Name"):
            return _one_line(str(meta["Name"])), _one_line(str(meta.get("Version") or ""))
    except (OSError, ValueError):
        pass
    stem = os.path.basename(dist_path).removesuffix(".dist-info")
    name, _, version = stem.rpartition("-")
    return (name, version) if name else (stem, "")


def _record_paths(dist_path: str, names: set[str]) -> list[str]:
    """The absolute paths in another RECORD whose file name is in ``names`` (no .pyc)."""
    site = os.path.dirname(dist_path)
    try:
        text = _read_text(os.path.join(dist_path, "RECORD"))
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except (OSError, ValueError, csv.Error):
        return []
    return [
        os.path.normpath(os.path.join(site, row[0]))
        for row in rows
        if row and row[0].rpartition("/")[2] in names and not row[0].endswith(".pyc")
    ]


def verify_distribution(
    dist_path: str | os.PathLike[str],
    *,
    others: Iterable[str | os.PathLike[str]] | None = None,
    cache: VerifyCache | None = None,
) -> DistVerification:
    """Check every file of the distribution whose ``*.dist-info`` is ``dist_path``.

    ``others`` are the dist-info directories of the other installed
    distributions; a file that their RECORD lists too is ``shared`` (only
    their RECORD is read). Never raises for what it finds on disk.
    """
    dist_path = normal_path(dist_path)
    site = os.path.dirname(dist_path)
    entries, problems = _read_record(dist_path)
    base_names = {os.path.basename(e.full) for e in entries}
    owners: dict[str, list[str]] = {}
    for other in sorted({normal_path(o) for o in others or ()} - {dist_path}):
        for path in _record_paths(other, base_names):
            owners.setdefault(path, []).append(other)
    labels: dict[str, str] = {}
    for entry in entries:
        found = (_examine(entry, dist_path, cache), _pth_problem(entry, site))
        problems += [p for p in found if p is not None]
        if entry.full in owners and not entry.exempt:
            for other in set(owners[entry.full]) - labels.keys():
                labels[other] = " ".join(_name_version(other)).strip()
            names = ", ".join(sorted(labels[o] for o in owners[entry.full]))
            problems.append(FileProblem(entry.shown, "shared", f"also installed by {names}"))
    if cache is not None:
        cache.save()
    checked = sum(1 for e in entries if e.algorithm is not None)
    return DistVerification(*_name_version(dist_path), dist_path, checked, tuple(problems))


def first_mismatch(
    dist_path: str | os.PathLike[str], cache: VerifyCache | None = None
) -> FileProblem | None:
    """The first changed, missing or unverifiable file, or None when all match.

    The fast path for verifying a plugin before it is imported: it stops at
    the first mismatch, and None means exactly that
    ``verify_distribution(dist_path).ok`` holds.
    """
    try:
        return next(_mismatches(normal_path(dist_path), cache), None)
    finally:
        if cache is not None:
            cache.save()


def installed_dist_infos(paths: Iterable[str] | None = None) -> list[str]:
    """The ``*.dist-info`` directories in ``paths`` (default: ``sys.path``), in order."""
    found: dict[str, None] = {}
    for entry in sys.path if paths is None else paths:
        directory = normal_path(entry or ".")
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        found.update((os.path.join(directory, n), None) for n in names if n.endswith(".dist-info"))
    return list(found)
