"""Finding an install or uninstall that was interrupted, cheaply enough for every ``plughost list``.

An install or uninstall keeps :data:`FOLDER` at the top of the site folder it
changes, and in it :data:`JOURNAL` from just before the first change until the
environment is consistent again. So a journal there, while no plughost holds
the environment's lock, means one was killed half-way. The fast path (nothing
interrupted) is one ``stat`` per site folder.
"""

from __future__ import annotations

import os
import stat

from .._discovery.lean import TRANSACTION_FOLDER, TRANSACTION_JOURNAL, site_folders

# Not from typing: the console script's fast path imports this module.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["FOLDER", "JOURNAL", "interrupted_install_warning", "is_locked", "read_small"]

# Kept with discovery's warm path, which asks whether there is a journal at all.
FOLDER = TRANSACTION_FOLDER
JOURNAL = TRANSACTION_JOURNAL


def read_small(path: str, limit: int) -> bytes | None:
    """The bytes of the regular file ``path`` if it holds at most ``limit``; else ``None``.

    Opened without blocking, so a FIFO put in its place cannot hang plughost.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
        os.close(fd)  # before fdopen, which refuses a folder
        return None
    with os.fdopen(fd, "rb") as f:
        return f.read(limit + 1)[:limit]


def is_locked(site_dir: str) -> bool:
    """Whether a plughost install or uninstall holds the lock on ``site_dir`` right now."""
    import fcntl

    try:
        fd = os.open(site_dir, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # also drops the shared lock just taken
    return False


def interrupted_install_warning(site_dirs: Iterable[str] | None = None) -> str | None:
    """One line saying an install or uninstall was interrupted, with the fix; else ``None``.

    ``site_dirs`` default to the running interpreter's site folders. An
    install still running (its lock held) is not reported.
    """
    for folder in site_folders() if site_dirs is None else site_dirs:
        journal = os.path.join(folder, FOLDER, JOURNAL)
        try:
            os.stat(journal)
        except OSError:
            continue
        if is_locked(folder):
            continue
        import json

        what = "an install or uninstall"
        try:
            data = json.loads(read_small(journal, 1 << 26) or b"")
            action, pid = str(data["action"]), int(data["pid"])
            if action in ("install", "uninstall"):
                what = f"a plughost {action} (pid {pid})"
        except (ValueError, KeyError, TypeError):
            pass
        return (
            f"{what} in {folder} was interrupted and left it half-done;"
            " run `plughost install --repair` to undo it"
        )
    return None
