"""A worker's life as a process: started apart, marked, ended within one budget.

The worker starts in a session (and process group) of its own, with a
random token in its environment that everything it starts inherits, and a
:class:`ProcessTree` that finds all of those processes again.

Ending it: the first half of the budget is polite (the worker is asked to
shut down and its input ends); if it, or anything it started, is still
there, the whole tree gets SIGTERM, with SIGCONT so that a stopped process
can act on it; at the end of the budget the tree is frozen and SIGKILLed.
A worker that holds the GIL, ignores SIGTERM, stopped itself or stopped
reading takes the budget and not a moment more.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence

from .proctree import TOKEN_VARIABLE, ProcessTree

__all__ = ["describe_status", "shut_down", "spawn"]

log = logging.getLogger(__name__)

_POLL = 0.02
# After SIGKILL a process is reaped at once; only one stuck in the kernel lingers.
_REAP_WAIT = 1.0


def spawn(
    command: Sequence[str], env: Mapping[str, str]
) -> tuple[subprocess.Popen[bytes], ProcessTree]:
    """Start ``command`` with pipes for its stdin, stdout and stderr; it and its tree.

    Raises OSError when it cannot be started.
    """
    token = secrets.token_hex(16)
    proc = subprocess.Popen(
        list(command),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**env, TOKEN_VARIABLE: token},
        start_new_session=True,
        close_fds=True,
    )
    return proc, ProcessTree(proc.pid, token=token)


def describe_status(status: int | None) -> str:
    """How a process ended, from its ``returncode``, for messages."""
    if status is None:
        return "is still running"
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = f"signal {-status}"
        return f"was killed by {name}"
    return f"exited with status {status}"


def shut_down(
    proc: subprocess.Popen[bytes],
    tree: ProcessTree,
    budget: float,
    *,
    ask: Callable[[float], None] | None,
    end_input: Callable[[], None],
) -> None:
    """End ``proc`` and ``tree`` within ``budget`` seconds, and reap ``proc``.

    ``ask(seconds)`` asks the worker to shut down and waits at most that
    long for its answer (None: a worker that never completed the handshake
    is not asked); ``end_input`` closes its stdin.
    """
    started = time.monotonic()
    deadline = started + budget
    polite_until = started + budget / 2
    # Pin the worker's descendants while they are still its descendants.
    tree.collect()
    if ask is not None and proc.poll() is None:
        log.debug("worker %d: asked to shut down", proc.pid)
        ask(max(0.0, polite_until - time.monotonic()))
    log.debug("worker %d: its input closed", proc.pid)
    end_input()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(max(0.0, polite_until - time.monotonic()))

    def running() -> bool:
        return proc.poll() is None or tree.alive()

    if running():
        log.debug("worker %d: still running after %.2f s, SIGTERM", proc.pid, budget / 2)
        tree.signal(signal.SIGTERM)
        tree.signal(signal.SIGCONT)
        while running() and time.monotonic() < deadline:
            time.sleep(_POLL)
        if running():
            log.debug("worker %d: still running after %.2f s, SIGKILL", proc.pid, budget)
            tree.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(_REAP_WAIT)
    log.debug(
        "worker %d: %s after %.2f s",
        proc.pid,
        describe_status(proc.poll()),
        time.monotonic() - started,
    )
