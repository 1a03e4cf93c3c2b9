"""A plugin that starts processes meant to outlive it.

One is a grandchild in a session of its own (``setsid``), the other a
daemon that double-forked and was orphaned at once. Both ignore SIGTERM, so
only SIGKILL ends them, and both are out of the worker's process group.
"""

import os
import subprocess
import sys
import time

from plughost import Plugin, command

_STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(3600)"

_DAEMON = """
import os, signal, time
os.setsid()
if os.fork():
    os._exit(0)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print(os.getpid(), flush=True)
devnull = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(devnull, fd)
time.sleep(3600)
"""

# Kept, so that the Popen objects are not collected (and do not complain).
_STARTED: list[subprocess.Popen[bytes]] = []


def _spawn() -> list[int]:
    quiet = subprocess.DEVNULL
    child = subprocess.Popen(
        [sys.executable, "-c", _STUBBORN],
        start_new_session=True,
        stdin=quiet,
        stdout=quiet,
        stderr=quiet,
    )
    _STARTED.append(child)
    daemon = subprocess.run(
        [sys.executable, "-c", _DAEMON], stdin=quiet, capture_output=True, text=True, check=True
    )
    pids = [child.pid, int(daemon.stdout)]
    print(
        f"limits-grandchild: started {pids[0]} {pids[1]} in process {os.getpid()}",
        file=sys.stderr,
        flush=True,
    )
    return pids


class Escapes(Plugin):
    """Starts processes that try to outlive plughost."""

    @command
    def spawn(self) -> list[int]:
        """Start a grandchild in a session of its own and a double-forked daemon; their pids."""
        return _spawn()

    @command(name="spawn-and-wait")
    def spawn_and_wait(self, seconds: float) -> list[int]:
        """Start both, then sleep SECONDS."""
        pids = _spawn()
        time.sleep(seconds)
        return pids
