"""Discovery's warm path with nothing but ``os``, ``sys`` and (when read) ``json``.

The discovery index, the check records and their keys are read on every
``plughost list``, at every TAB of shell completion and by the console
script's fast path, where importing ``logging``, ``dataclasses``,
``pathlib`` or ``hashlib`` would cost more than the work itself. So what
those readers share lives here and in ``index_data``, once, on plain data:
the user's folders, cache files read bounded, the check records and their
keys, a distribution's fingerprint and the digest of a recorded manifest.
``_records``, ``_cachefile``, ``_entrypoints`` and ``_policy.config`` build
on these functions.

sha256 comes from the C module behind ``hashlib`` (``_sha2``, ``_sha256``
before Python 3.12), without importing ``hashlib`` itself; where that module
is missing, from ``hashlib``.
"""

from __future__ import annotations

import os
import stat
import sys

from .. import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

__all__ = [
    "RECORDS_FORMAT",
    "RECORDS_LIMIT",
    "TRANSACTION_FOLDER",
    "TRANSACTION_JOURNAL",
    "NotARegularFile",
    "cache_dir",
    "canonical_name",
    "config_path",
    "editable_project",
    "fingerprint",
    "journal_present",
    "manifest_digest",
    "own_metadata",
    "read_bounded",
    "read_json",
    "read_record",
    "read_records",
    "record_key",
    "sha256_hex",
    "site_folders",
    "source_files",
]

#: The version of the check records file's shape.
RECORDS_FORMAT = 1
#: The largest check records file read (a manifest is a few kilobytes).
RECORDS_LIMIT = 32 << 20
_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}
_sha256: Any = None


def sha256_hex(data: bytes) -> str:
    """The sha256 of ``data`` as hex digits (see :func:`_new_sha256`)."""
    h = _new_sha256()
    h.update(data)
    return str(h.hexdigest())


def _new_sha256() -> Any:
    """A sha256 object from the C module behind ``hashlib``, without ``hashlib``."""
    global _sha256
    if _sha256 is None:
        # _sha2 since Python 3.12, _sha256 before.
        order = ("_sha2", "_sha256") if sys.version_info >= (3, 12) else ("_sha256", "_sha2")
        for module in order:
            try:
                _sha256 = __import__(module).sha256
                break
            except (ImportError, AttributeError):
                continue
        else:
            import hashlib

            _sha256 = hashlib.sha256
    return _sha256()


def canonical_name(name: str) -> str:
    """The normalised form of a distribution name (PEP 503)."""
    # As re.sub(r"[-_.]+", "-", name), without compiling a pattern on the warm path.
    out: list[str] = []
    run = False
    for char in name:
        if char in "-_.":
            if not run:
                out.append("-")
            run = True
        else:
            out.append(char)
            run = False
    return "".join(out).lower()


# -- the user's folders ----------------------------------------------------------


def _user_base(darwin: str, nt_variable: str, nt_default: str, xdg: str, xdg_default: str) -> str:
    home = os.path.expanduser("~")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", darwin)
    if os.name == "nt":
        return os.environ.get(nt_variable) or os.path.join(home, "AppData", nt_default)
    return os.environ.get(xdg) or os.path.join(home, xdg_default)


def cache_dir() -> str:
    """``PLUGHOST_CACHE_DIR``, else the platform's user cache directory."""
    explicit = os.environ.get("PLUGHOST_CACHE_DIR")
    if explicit:
        return explicit
    base = _user_base("Caches", "LOCALAPPDATA", "Local", "XDG_CACHE_HOME", ".cache")
    if os.name == "nt" and sys.platform != "darwin":
        return os.path.join(base, "plughost", "Cache")
    return os.path.join(base, "plughost")


def config_path() -> str:
    """``PLUGHOST_CONFIG``, else ``config.toml`` in the platform's user config directory."""
    explicit = os.environ.get("PLUGHOST_CONFIG")
    if explicit:
        return explicit
    base = _user_base("Application Support", "APPDATA", "Roaming", "XDG_CONFIG_HOME", ".config")
    return os.path.join(base, "plughost", "config.toml")


# -- interrupted installs -----------------------------------------------------------

#: The folder, at the top of a site folder, where an install keeps its journal and copies.
TRANSACTION_FOLDER = ".plughost-transaction"
#: The journal's name inside :data:`TRANSACTION_FOLDER` (``_manage.interrupted``).
TRANSACTION_JOURNAL = "journal.json"


def site_folders() -> list[str]:
    """The running interpreter's site folders, where ``plughost install`` works."""
    import site

    dirs = list(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    return dirs


def journal_present() -> bool:
    """Whether any site folder holds an install's journal: one ``stat`` each.

    Only then can an install have been interrupted (``_manage.interrupted``).
    """
    for folder in site_folders():
        try:
            os.stat(os.path.join(folder, TRANSACTION_FOLDER, TRANSACTION_JOURNAL))
        except OSError:
            continue
        return True
    return False


# -- cache files ------------------------------------------------------------------


class NotARegularFile(OSError):
    """The path holds something other than a regular file, or one too large."""


def read_bounded(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file at ``path``, of at most ``limit`` bytes.

    Raises FileNotFoundError when there is nothing there, NotARegularFile
    (with a message naming what is there instead) for a directory, a FIFO,
    a device or a file over the limit, and OSError for anything else. It
    opens without blocking, so a FIFO with no writer cannot hang it.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = _KINDS.get(stat.S_IFMT(st.st_mode), "not a regular file")
            raise NotARegularFile(f"is {kind}, not a regular file")
        if st.st_size > limit:
            raise NotARegularFile(f"is {st.st_size} bytes, larger than the {limit} read")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(limit + 1 - size, 1 << 20))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise NotARegularFile(f"grew past the {limit} bytes allowed")
    finally:
        os.close(fd)


def read_json(path: str, limit: int) -> Any:
    """The JSON in the regular file ``path`` of at most ``limit`` bytes, else None.

    ``_cachefile.read_json`` without its ``--debug`` lines: it never blocks
    (a FIFO in the cache) and never raises.
    """
    try:
        raw = read_bounded(path, limit)
    except OSError:
        return None
    import json

    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None


# -- check records -----------------------------------------------------------------


def read_records(cache: str) -> dict[str, Any] | None:
    """The check records in the cache folder ``cache`` by key, if the file is this host's."""
    data = read_json(os.path.join(cache, "checks.json"), RECORDS_LIMIT)
    if not (
        isinstance(data, dict) and _hosts_records(data) and isinstance(data.get("plugins"), dict)
    ):
        return None
    plugins: dict[str, Any] = data["plugins"]
    return plugins


def _hosts_records(data: dict[str, Any]) -> bool:
    """Whether a check records file's own members say it is of this shape and host."""
    return data.get("format") == RECORDS_FORMAT and data.get("host") == __version__


def read_record(cache: str, key: str) -> Any:
    """The check record ``key`` in the cache folder ``cache``, parsing only its own line.

    As ``read_records(cache).get(key)``; a file not laid out by line
    (``_discovery.by_line``) is parsed whole.
    """
    path = os.path.join(cache, "checks.json")
    try:
        text = read_bounded(path, RECORDS_LIMIT).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    from .by_line import lines_with, sections

    split = sections(text, ("plugins",))
    if split is None:
        return (read_records(cache) or {}).get(key)
    import json

    head, parts = split
    if not _hosts_records(head):
        return None
    needle = json.dumps(key) + ": "
    mine = [line for line in lines_with(parts["plugins"], needle) if line.startswith(needle)]
    if not mine:
        return None
    try:
        # A key given twice: the last one counts, as when the file is parsed whole.
        return json.loads("{" + mine[-1] + "}").get(key)
    except (ValueError, RecursionError):
        return None


def record_key(name: str, value: str, dist_name: str, dist_path: str) -> str:
    """The key of a plugin's check record (``_policy.info.Remembered``).

    The path keeps apart the records of environments that share a cache.
    """
    return f"{name}={value}@{canonical_name(dist_name)}@{dist_path}"


# -- fingerprints and digests ---------------------------------------------------------


def editable_project(path: str | None) -> str | None:
    """The project folder of the editable install (PEP 660) whose metadata is at ``path``."""
    if not path:
        return None
    try:
        with open(os.path.join(path, "direct_url.json"), encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError):
        return None
    if '"editable"' not in text:
        return None
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return None
    url = data.get("url") if isinstance(data, dict) else None
    info = data.get("dir_info") if isinstance(data, dict) else None
    if not (isinstance(info, dict) and info.get("editable") and isinstance(url, str)):
        return None
    if not url.startswith("file://"):
        return None
    from urllib.parse import unquote, urlparse

    return os.path.normpath(unquote(urlparse(url).path))


def own_metadata(
    project: str | None, version: str, copy_version: str, copy_path: str | None
) -> bool:
    """Whether a copy further on ``sys.path`` is an editable project's own metadata.

    setuptools leaves the project's metadata next to the source of an
    editable install (PEP 660): the same installation, not a stale copy, so
    discovery says nothing about it. ``project`` is :func:`editable_project`
    of the copy in use, ``version`` its version.
    """
    return (
        project is not None
        and copy_version == version
        and (copy_path or "").startswith(project + os.sep)
    )


def source_files(target: str) -> list[str]:
    """The files of the top-level package an entry point value names (no import)."""
    import importlib.util

    top = target.partition(":")[0].strip().split(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    if spec.submodule_search_locations:
        found: list[str] = []
        for root in spec.submodule_search_locations:
            for folder, dirs, files in os.walk(root):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__")
                found.extend(
                    os.path.join(folder, f) for f in sorted(files) if not f.endswith(".pyc")
                )
        return found
    return [spec.origin] if spec.origin else []


def fingerprint(
    name: str, version: str, path: str | None, files: Iterable[str], target: str | None
) -> str:
    """``DistInfo.fingerprint``: a digest that changes whenever the distribution's files do."""
    h = _new_sha256()
    h.update(f"{name}\0{version}\0{path}\0".encode())
    paths = list(files)
    if path:
        try:
            listed = sorted(os.listdir(path))
        except OSError:
            listed = []
        paths.extend(os.path.join(path, n) for n in listed)
        if target and editable_project(path) is not None:
            paths.extend(source_files(target))
    for p in paths:
        try:
            st = os.stat(p)
            key = f"{p}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\n"
            h.update(key.encode())
        except OSError:
            h.update(f"{p}\0missing\n".encode())
    return str(h.hexdigest())


def manifest_digest(manifest: Any) -> str:
    """The digest a check record keeps of its manifest's JSON data.

    A record whose manifest no longer matches it was changed by someone
    other than plughost; the fast path of ``list`` then leaves the record
    to the full path, which parses the manifest.
    """
    import json

    text = json.dumps(manifest, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return sha256_hex(text.encode("ascii"))
