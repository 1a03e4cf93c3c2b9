"""Nothing this process started outlives it: a subreaper that ends its descendants.

An orphan (a process whose parent exited, for instance the second half of a
double fork) is normally adopted by init, and nobody can tell any more
where it came from. A *child subreaper* (Linux's
``prctl(PR_SET_CHILD_SUBREAPER)``) adopts the orphans of its own
descendants instead, so every process it ever started stays in its tree,
whatever its process group or session. The ``plughost`` console script and
the Python worker both become one at start, and end every descendant that
is left when they exit: first SIGTERM (with SIGCONT, so a stopped process
can act on it), then, after a short grace, freeze and SIGKILL.

Elsewhere (macOS, or a kernel without the feature) :func:`become_subreaper`
returns False and orphans go to init as before; :func:`end_descendants`
still ends the descendants it can find through /proc, and without /proc it
does nothing.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import time

__all__ = [
    "DESCENDANT_GRACE",
    "become_subreaper",
    "end_descendants",
    "end_descendants_at_exit",
]

#: Seconds descendants have between SIGTERM and SIGKILL when this process exits.
DESCENDANT_GRACE = 0.2

_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make this process adopt the orphans of its descendants; whether it worked."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        # ctypes costs more to import than a plugin's whole run is allowed
        # (~2 ms here); its C module alone can call prctl. Where that
        # module lacks the functions (another build), ctypes itself does.
        import _ctypes

        program = _ctypes.dlopen(None, os.RTLD_NOW)  # type: ignore[arg-type]  # as CDLL(None)
        prctl = _ctypes.dlsym(program, "prctl")
        return int(_ctypes.call_function(prctl, (_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))) == 0
    except (OSError, AttributeError, ImportError, TypeError):
        return _become_subreaper_with_ctypes()


def _become_subreaper_with_ctypes() -> bool:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
        prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong]
        prctl.restype = ctypes.c_int
        return int(prctl(_PR_SET_CHILD_SUBREAPER, 1, 0)) == 0
    except (OSError, AttributeError, ImportError):
        return False


def _has_children() -> bool:
    """Whether this process has a child at all, exited or not, without reaping it."""
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    except (OSError, AttributeError):
        return True
    return True


def end_descendants(grace: float = DESCENDANT_GRACE) -> int:
    """End every process this one started and that is still running; how many there were.

    Cheap when there are none (one system call): a subreaper without
    children has no descendants. Meant for the end of a process: the exit
    statuses of the processes it ends are left to whoever reaps them.
    """
    if not _has_children():
        return 0
    from .proctree import HAVE_PROC, ProcessTree

    if not HAVE_PROC:
        return 0
    tree = ProcessTree(os.getpid(), include_root=False, group=False)
    try:
        count = tree.collect()
        if count == 0:
            return 0
        tree.signal(signal.SIGTERM)
        tree.signal(signal.SIGCONT)
        deadline = time.monotonic() + grace
        while tree.alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        tree.kill()
        return count
    finally:
        tree.close()


def end_descendants_at_exit() -> None:
    """Arrange for :func:`end_descendants` to run when this process exits normally.

    Calling it again changes nothing. A process killed by a signal runs no
    exit handlers: then its workers, which see their input end, clean up
    after themselves.
    """
    atexit.unregister(end_descendants)
    atexit.register(end_descendants)
