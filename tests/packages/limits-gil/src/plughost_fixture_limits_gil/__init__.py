"""A plugin whose commands hold the GIL: single C calls that run for hours.

While one runs, no other thread of the worker gets to run Python code: the
worker cannot read the channel, answer a ping or run a signal handler. Only
the host can end it. With ``LIMITS_FIXTURE_AT_START=hold`` it holds the GIL
while it starts, so the handshake never comes.
"""

import os
import re
import sys

from plughost import Plugin, command


def _say(text: str) -> None:
    print(f"limits-gil: {text} in process {os.getpid()}", file=sys.stderr, flush=True)


def _hold() -> int:
    # sum() over a range is one C loop that never returns to the interpreter,
    # so it never lets go of the GIL.
    return sum(range(10**12))


class HoldsTheGil(Plugin):
    """Holds the GIL for hours."""

    def __init__(self) -> None:
        if os.environ.get("LIMITS_FIXTURE_AT_START") == "hold":
            _say("holding the GIL while starting")
            _hold()

    @command
    def hold(self) -> int:
        """Sum a trillion numbers in one C call."""
        _say("holding the GIL")
        return _hold()

    @command
    def backtrack(self) -> bool:
        """Match a regular expression that backtracks for hours, in one C call."""
        _say("backtracking")
        return re.match(r"(a+)+$", "a" * 64 + "b") is not None

    @command
    def ping(self) -> str:
        """Answer at once."""
        return "pong"
