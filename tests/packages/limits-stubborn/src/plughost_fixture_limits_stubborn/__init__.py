"""A plugin that ignores SIGTERM, and stops its own process with SIGSTOP.

SIGTERM is ignored from the start (``__init__`` runs on the worker's main
thread, the only one that may set a signal handler). With
``LIMITS_FIXTURE_AT_START=stop`` it stops itself while it starts.
"""

import os
import signal
import sys
import time

from plughost import Plugin, command


def _say(text: str) -> None:
    print(f"limits-stubborn: {text} in process {os.getpid()}", file=sys.stderr, flush=True)


def _stop() -> None:
    os.kill(os.getpid(), signal.SIGSTOP)
    # The stop lands when this thread next enters the kernel: make sure it
    # does before anything else is done (such as answering the call).
    time.sleep(0.5)


class Stubborn(Plugin):
    """Ignores SIGTERM; stops itself."""

    def __init__(self) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if os.environ.get("LIMITS_FIXTURE_AT_START") == "stop":
            _say("stopping while starting")
            _stop()

    @command
    def stop(self) -> str:
        """Stop this process with SIGSTOP; say so if it is ever continued."""
        _say("stopping")
        _stop()
        return "continued"

    @command
    def wait(self, seconds: float) -> str:
        """Sleep SECONDS."""
        _say("waiting")
        time.sleep(seconds)
        return "done"

    @command
    def ping(self) -> str:
        """Answer at once."""
        return "pong"
