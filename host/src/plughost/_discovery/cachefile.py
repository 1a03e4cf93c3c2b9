"""The files plughost keeps in its cache directory: read as untrusted, written atomically.

The discovery index, the check records and the verify cache are only
caches, and anything may have happened to them: a disk filled up halfway
through a write (by an older release), another program put a FIFO, a
directory or a symlink to ``/dev/zero`` in their place, someone wrote a
megabyte of brackets into one. :func:`read_json` never blocks, never reads
more than its limit and never raises: whatever is wrong, the caller gets
None (and a ``--debug`` line says why) and rebuilds the cache.
:func:`write_json` replaces a file in one step, so a reader sees the old
content or the new, never half of either; :func:`locked` serialises the
writers that read, merge and write back.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .by_line import dumps
from .lean import NotARegularFile, read_bounded

__all__ = ["NotARegularFile", "locked", "read_bounded", "read_json", "write_json"]

log = logging.getLogger(__name__)


def read_json(path: Path, limit: int, what: str) -> Any:
    """The JSON data in the cache file ``path``, or None when it is missing or damaged."""
    try:
        raw = read_bounded(path, limit)
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.debug("ignoring %s %s: it %s", what, path, exc.strerror or exc)
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        log.debug("ignoring %s %s: not UTF-8 (byte %d)", what, path, exc.start)
    except RecursionError:
        log.debug("ignoring %s %s: nested too deeply", what, path)
    except ValueError as exc:
        log.debug("ignoring %s %s: not JSON (%s)", what, path, exc)
    return None


def write_json(path: Path, data: object, by_line: tuple[str, ...] = ()) -> None:
    """Write ``data`` to ``path`` atomically, so readers never see half a file.

    With ``by_line``, the members of ``data`` so named are written one item
    a line (``_discovery.by_line``). A cache is only a cache: failing to
    write it (no permission, no space, a directory in its place) is logged
    at debug level and otherwise ignored.
    """
    text = dumps(data, by_line) if by_line and isinstance(data, dict) else json.dumps(data)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.debug("cannot write %s: %s", path, exc)


@contextlib.contextmanager
def locked(path: Path, *, wait: float = 5.0) -> Iterator[bool]:
    """Hold an exclusive lock on the file ``path`` (created if need be) while inside.

    Yields whether the lock was taken: after ``wait`` seconds, or when the
    lock file cannot be made, it goes ahead unlocked, for a cache is never
    worth hanging for. The kernel releases the lock if the process dies.
    """
    try:
        import fcntl
    except ImportError:  # no flock here (Windows)
        yield False
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as exc:
        log.debug("cannot lock %s: %s", path, exc)
        yield False
        return
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    log.debug("%s stays locked; going ahead without the lock", path)
                    yield False
                    return
                time.sleep(0.005)
        yield True
    finally:
        os.close(fd)
