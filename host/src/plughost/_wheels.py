"""Which files an install writes and removes, and who owns them, known before pip runs.

A wheel's zip listing is mapped to the target's install scheme the way pip
maps it: the root to ``purelib`` (``Root-Is-Purelib``) or ``platlib``,
``NAME.data/KEY/...`` to the scheme's ``KEY`` folder (headers under
``include/NAME``), entry-point wrappers shipped in ``.data/scripts`` dropped.
To that come the files pip writes itself: the console and GUI scripts (with
pip's ``pip3``/``pip3.X`` names), ``INSTALLER``, ``REQUESTED``, ``RECORD``,
``direct_url.json`` for a direct reference, and a ``__pycache__`` file for
every ``.py``. What pip's uninstall of a replaced release removes follows
pip too: each RECORD entry, its ``.pyc``/``.pyo`` neighbours and cached
bytecode, and the metadata folder.

Paths are compared as real paths (the folder resolved, the name kept), so a
``lib64`` link or a symlinked site folder cannot hide an overwrite.
"""

from __future__ import annotations

import base64
import configparser
import contextlib
import csv
import hashlib
import io
import json
import os
import re
import sys
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.parser import HeaderParser
from typing import IO

from ._discovery import canonical_name
from ._pip import InstallError, Probe

__all__ = [
    "PTH_LIMIT",
    "STARTUP_MODULES",
    "Owner",
    "WheelPlan",
    "executable_lines",
    "find_dist_infos",
    "fix_metadata",
    "inside",
    "installed_owners",
    "key",
    "norm",
    "owners_of",
    "read_wheel",
    "record_entries",
    "removal_paths",
]

#: The largest ``.pth`` file plughost reads to see what it runs; a larger one is refused.
PTH_LIMIT = 1 << 20
_SCHEME_KEYS = ("purelib", "platlib", "headers", "scripts", "data")
#: Modules that site.py imports at every start when they are on ``sys.path``.
STARTUP_MODULES = ("sitecustomize.py", "usercustomize.py")
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


def executable_lines(data: bytes) -> list[str]:
    """The lines of a ``.pth`` file that site.py executes at every start (``import ...``).

    Read as UTF-8 and as Latin-1, split as ``str.splitlines`` does, so that
    nothing site.py would run is missed.
    """
    found: list[str] = []
    for text in (data.decode("utf-8", "replace").removeprefix("\ufeff"), data.decode("latin-1")):
        found += [s for s in text.splitlines() if s.startswith(("import ", "import\t"))]
    return list(dict.fromkeys(found))


@dataclass
class WheelPlan:
    """One wheel and every file installing it writes, by real path.

    ``files`` maps each destination to the zip member it comes from (``None``
    for a file pip generates); ``startup`` lists destinations whose code runs
    at every interpreter start (an executable ``.pth``, ``sitecustomize``),
    each with the first line that runs.
    """

    key: str
    name: str
    version: str
    wheel: str
    direct: bool
    info: str = ""
    files: dict[str, str | None] = field(default_factory=dict)
    startup: list[tuple[str, str]] = field(default_factory=list)

    def label(self) -> str:
        """``name version``, for messages."""
        return f"{self.name} {self.version}"

    def digest(self, dest: str) -> str | None:
        """The sha256 of the bytes ``dest`` gets from the wheel (``None``: pip writes it)."""
        member = self.files.get(dest)
        if member is None:
            return None
        with zipfile.ZipFile(self.wheel) as whl:
            return _sha256(whl.open(member))

    def same_bytes(self, dest: str, path: str) -> bool:
        """Whether ``dest`` would get exactly the bytes the file at ``path`` holds now."""
        if os.path.islink(path) or not os.path.isfile(path) or self.files.get(dest) is None:
            return False
        return self.digest(dest) == _sha256(open(path, "rb"))


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    with stream:
        for block in iter(lambda: stream.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def read_wheel(wheel: str, name: str, version: str, direct: bool, target: Probe) -> WheelPlan:
    """Map every file of ``wheel`` (made for ``name`` ``version``) into ``target``'s scheme."""
    label = f"{name} {version} ({os.path.basename(wheel)})"
    try:
        with zipfile.ZipFile(wheel) as whl:
            return _read(whl, wheel, name, version, direct, target, label)
    except (zipfile.BadZipFile, OSError, KeyError, UnicodeDecodeError) as exc:
        raise InstallError(
            f"cannot read the wheel of {label}: {exc}; nothing was changed: report it to"
            f" the authors of {name}, or install another release"
        ) from exc


def _read(
    whl: zipfile.ZipFile,
    wheel: str,
    name: str,
    version: str,
    direct: bool,
    target: Probe,
    label: str,
) -> WheelPlan:
    names = [n for n in whl.namelist() if not n.endswith("/")]
    infos = {n.split("/", 1)[0] for n in names if n.split("/", 1)[0].endswith(".dist-info")}
    if len(infos) != 1:
        raise InstallError(
            f"the wheel of {label} has {len(infos)} .dist-info folders instead of one;"
            f" nothing was changed: report it to the authors of {name}"
        )
    info = infos.pop()
    if canonical_name(info.removesuffix(".dist-info").rsplit("-", 1)[0]) != canonical_name(name):
        raise InstallError(
            f"the wheel of {label} holds the metadata of {info!r}; nothing was changed:"
            f" report it to the authors of {name}"
        )
    meta = HeaderParser().parsestr(whl.read(f"{info}/WHEEL").decode("utf-8"))
    purelib = str(meta.get("Root-Is-Purelib", "")).strip().lower() == "true"
    scheme = dict(target.scheme)
    dirs = {
        "purelib": scheme["purelib"],
        "platlib": scheme["platlib"],
        "scripts": scheme["scripts"],
        "data": scheme["data"],
        "headers": os.path.join(scheme["include"], name),
    }
    lib = dirs["purelib" if purelib else "platlib"]
    console, gui = _entry_points(whl, f"{info}/entry_points.txt")
    plan = WheelPlan(canonical_name(name), name, version, wheel, direct)

    def place(base: str, rel: str, member: str | None) -> None:
        dest = norm(os.path.join(base, rel))
        if os.path.isabs(rel) or not inside(dest, [norm(base)]):
            raise InstallError(
                f"the wheel of {label} has a file {member or rel!r} that would land outside"
                f" {base}; nothing was changed: report it to the authors of {name}"
            )
        plan.files[dest] = member

    for member in names:
        parts = os.path.normpath(member).split(os.sep, 2)
        if not member.split("/", 1)[0].endswith(".data"):  # pip's test, on the raw name
            place(lib, os.path.normpath(member), member)
            continue
        if len(parts) < 3 or parts[1] not in _SCHEME_KEYS:
            raise InstallError(
                f"the wheel of {label} has a file {member!r} outside the install scheme's"
                f" folders ({', '.join(_SCHEME_KEYS)}); nothing was changed: report it to"
                f" the authors of {name}"
            )
        if parts[1] == "scripts" and _wrapper_name(parts[2]) in console | gui:
            continue  # pip writes its own wrapper for an entry point
        place(dirs[parts[1]], parts[2], member)
    for script in sorted(_script_names(console) | gui):
        place(scheme["scripts"], script, None)
    for generated in ("INSTALLER", "REQUESTED", "RECORD", *(["direct_url.json"] * direct)):
        place(lib, f"{info}/{generated}", None)
    plan.info = norm(os.path.join(lib, info))
    for dest in [d for d in plan.files if d.endswith(".py") and target.cache_tag]:
        folder, base = os.path.split(dest)
        pyc = f"{base[:-3]}.{target.cache_tag}.pyc"
        plan.files.setdefault(os.path.join(folder, "__pycache__", pyc), None)
    sites = set(target.sites) | {scheme["purelib"], scheme["platlib"]}
    for dest, source in plan.files.items():
        if source is None or os.path.dirname(dest) not in sites:
            continue
        base = os.path.basename(dest)
        if base.endswith(".pth"):
            size = whl.getinfo(source).file_size
            lines = executable_lines(whl.read(source)) if size <= PTH_LIMIT else []
            if size > PTH_LIMIT:
                lines = [f"(a file of {size} bytes, too large to read)"]
            if lines:
                plan.startup.append((dest, lines[0]))
        elif base in STARTUP_MODULES:
            plan.startup.append((dest, f"(the module {base[:-3]}, imported at every start)"))
    return plan


def _entry_points(whl: zipfile.ZipFile, member: str) -> tuple[set[str], set[str]]:
    try:
        text = whl.read(member).decode("utf-8")
    except KeyError:
        return set(), set()
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise InstallError(
            f"{member} in {whl.filename} cannot be read ({exc}); nothing was changed"
        ) from exc
    console, gui = (
        set(parser[s]) if parser.has_section(s) else set()
        for s in ("console_scripts", "gui_scripts")
    )
    return console, gui


def _wrapper_name(name: str) -> str:
    lower = name.lower()
    for suffix in (".exe", "-script.py", ".pya"):
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _script_names(console: set[str]) -> set[str]:
    """The console scripts pip writes, with its versioned names for pip and easy_install."""
    names = set(console)
    v = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if "pip" in names:
        names = {n for n in names if not re.fullmatch(r"pip(\d+(\.\d+)?)?", n)}
        names |= {"pip", f"pip{sys.version_info[0]}", f"pip{v}"}
    if "easy_install" in names:
        names = {n for n in names if not re.fullmatch(r"easy_install(-\d+\.\d+)?", n)}
        names |= {"easy_install", f"easy_install-{v}"}
    return names


# -- what is installed ------------------------------------------------------------


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
