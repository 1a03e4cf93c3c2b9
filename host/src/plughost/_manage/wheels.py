"""Which files installing a wheel writes, known before pip runs.

A wheel's zip listing is mapped to the target's install scheme the way pip
maps it: the root to ``purelib`` (``Root-Is-Purelib``) or ``platlib``,
``NAME.data/KEY/...`` to the scheme's ``KEY`` folder (headers under
``include/NAME``), entry-point wrappers shipped in ``.data/scripts`` dropped.
To that come the files pip writes itself: the console and GUI scripts (with
pip's ``pip3``/``pip3.X`` names), ``INSTALLER``, ``REQUESTED``, ``RECORD``,
``direct_url.json`` for a direct reference, and a ``__pycache__`` file for
every ``.py``. Destinations are real paths (:func:`plughost._manage.installed.norm`).
"""

from __future__ import annotations

import configparser
import hashlib
import os
import re
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.parser import HeaderParser
from typing import IO, Any
from urllib.parse import urlparse
from urllib.request import url2pathname

from .._discovery.entrypoints import canonical_name
from .children import InstallError, Probe
from .installed import inside, norm

__all__ = [
    "PTH_LIMIT",
    "STARTUP_MODULES",
    "WheelPlan",
    "artifact",
    "executable_lines",
    "read_wheel",
]

#: The largest ``.pth`` file plughost reads to see what it runs; a larger one is refused.
PTH_LIMIT = 1 << 20
_SCHEME_KEYS = ("purelib", "platlib", "headers", "scripts", "data")
#: Modules that site.py imports at every start when they are on ``sys.path``.
STARTUP_MODULES = ("sitecustomize.py", "usercustomize.py")


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


def artifact(info: Mapping[str, Any]) -> str:
    """What to give ``pip wheel`` to get exactly what pip resolved (from a PEP 610 record).

    An archive's URL carries the sha256 pip resolved as a fragment, which
    pip checks: an sdist swapped between the resolution and the fetch is
    refused before it is built.
    """
    url = str(info["url"])
    sub = info.get("subdirectory")
    fragments = [f"subdirectory={sub}"] if sub else []
    if "vcs_info" in info:
        vcs = info["vcs_info"]
        url = f"{vcs['vcs']}+{url}@{vcs['commit_id']}"
    elif "dir_info" in info:
        path = url2pathname(urlparse(url).path)
        return os.path.join(path, sub) if sub else path
    else:
        digest = (info.get("archive_info") or {}).get("hashes", {}).get("sha256")
        if isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest):
            fragments.insert(0, f"sha256={digest}")
    return f"{url}#{'&'.join(fragments)}" if fragments else url
