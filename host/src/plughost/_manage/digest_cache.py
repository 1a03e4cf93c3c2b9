"""Digests as RECORD writes them, and a cache of the files already read.

``verify`` reads every file a distribution installed; the cache keeps each
file's digest under its size, times and inode, so that an unchanged file is
not read again on the next run.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import time
from pathlib import Path

from .._discovery.cachefile import read_json, write_json

__all__ = ["ACCEPTED", "VerifyCache", "b64", "decode_digest", "normal_path", "stat_key"]

log = logging.getLogger(__name__)

# sha256 or stronger, as the wheel specification asks (md5 and sha1 are refused).
_STRONG = ("sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512", "blake2b", "blake2s")
#: The algorithms RECORD may use, with their digest sizes.
ACCEPTED = {a: hashlib.new(a).digest_size for a in _STRONG if a in hashlib.algorithms_available}
#: The largest verify cache file read for one distribution.
_CACHE_LIMIT = 256 << 20
_DIGEST = re.compile(r"[A-Za-z0-9_-]+")
StatKey = tuple[int, int, int, int]


def normal_path(path: str | os.PathLike[str]) -> str:
    """``path`` made absolute and normal, as distributions are keyed."""
    return os.path.normpath(os.path.abspath(os.fspath(path)))


def stat_key(st: os.stat_result) -> StatKey:
    """What identifies a file's content without reading it."""
    # ctime and inode too: an edit whose mtime is put back (touch -r) moves the ctime.
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


class VerifyCache:
    """Digests of files already read, so that unchanged files are not read again.

    Kept in ``directory`` (in memory only when it is None) as one JSON file
    per distribution (``path_for``), so that verifying a small distribution
    never loads the digests of a large one. Entries are keyed on a file's
    absolute path, size, mtime, ctime and inode. A file changed less than
    ``settle`` seconds ago is not remembered: a write within the same
    timestamp tick would go unseen. A damaged file is ignored, an entry of
    the wrong shape never trusted, and writes are atomic. ``hits`` counts
    digests taken from the cache, ``reads`` the files read.
    """

    def __init__(self, directory: str | os.PathLike[str] | None, *, settle: float = 1.0) -> None:
        self.directory = None if directory is None else Path(directory)
        self.settle_ns = int(settle * 1e9)
        self.hits = self.reads = 0
        self._shards: dict[str, dict[str, tuple[StatKey, str, bytes]]] = {}
        self._dirty: set[str] = set()

    def path_for(self, dist_path: str | os.PathLike[str]) -> Path | None:
        """The file that holds the digests of the distribution at ``dist_path``."""
        if self.directory is None:
            return None
        name = hashlib.sha256(normal_path(dist_path).encode("utf-8", "surrogateescape")).hexdigest()
        return self.directory / f"verify-{name[:32]}.json"

    def _shard(self, dist: str) -> dict[str, tuple[StatKey, str, bytes]]:
        if dist not in self._shards:
            path = self.path_for(dist)
            self._shards[dist] = {} if path is None else _read_cache(path, dist)
        return self._shards[dist]

    def lookup(self, dist: str, path: str, st: os.stat_result, algorithm: str) -> bytes | None:
        """The digest remembered for the file at ``path``, if it is unchanged."""
        entry = self._shard(dist).get(path)
        if entry is None or entry[:2] != (stat_key(st), algorithm):
            return None
        self.hits += 1
        return entry[2]

    def store(self, dist: str, path: str, st: os.stat_result, algo: str, digest: bytes) -> None:
        """Remember ``digest`` for the file at ``path``, once it has settled."""
        if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) >= self.settle_ns:
            self._shard(dist)[path] = (stat_key(st), algo, digest)
            self._dirty.add(dist)

    def save(self) -> None:
        """Write what was learnt, atomically; failures only log."""
        for dist in sorted(self._dirty):
            path = self.path_for(dist)
            if path is None:
                continue
            files = {p: [*k, a, b64(d)] for p, (k, a, d) in self._shards[dist].items()}
            write_json(path, {"format": 1, "distribution": dist, "files": files})
        self._dirty.clear()


def _read_cache(path: Path, dist: str) -> dict[str, tuple[StatKey, str, bytes]]:
    data = read_json(path, _CACHE_LIMIT, "the verify cache")
    ours = isinstance(data, dict) and data.get("format") == 1
    files = data.get("files") if ours and data.get("distribution") == dist else None
    if not isinstance(files, dict):
        if data is not None:
            log.debug("ignoring the verify cache %s: not of this distribution's shape", path)
        return {}
    entries = ((p, _cache_entry(item)) for p, item in files.items())
    return {p: entry for p, entry in entries if entry is not None}


def b64(digest: bytes) -> str:
    """A digest as RECORD writes it: urlsafe base64 without padding."""
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _cache_entry(item: object) -> tuple[StatKey, str, bytes] | None:
    if not isinstance(item, list) or len(item) != 6:
        return None
    size, mtime, ctime, ino, algorithm, text = item
    if not all(type(n) is int and n >= 0 for n in (size, mtime, ctime, ino)):
        return None
    if not isinstance(algorithm, str) or algorithm not in ACCEPTED or not isinstance(text, str):
        return None
    digest = decode_digest(algorithm, text)
    return None if digest is None else ((size, mtime, ctime, ino), algorithm, digest)


def decode_digest(algorithm: str, text: str) -> bytes | None:
    """A digest as RECORD writes it, decoded; None if it is not one of ``algorithm``."""
    if not _DIGEST.fullmatch(text) or len(text) % 4 == 1:
        return None
    digest = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return digest if len(digest) == ACCEPTED[algorithm] else None
