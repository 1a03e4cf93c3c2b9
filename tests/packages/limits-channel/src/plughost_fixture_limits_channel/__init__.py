"""A plugin that closes its stdin, its stdout, or the worker's protocol channel.

The Python worker keeps the channel on private file descriptors, so closing
fd 0 or fd 1 changes nothing for it; closing every descriptor above stderr
takes the channel with it. With ``LIMITS_FIXTURE_AT_START=close-channel``
it does that while it starts.
"""

import os
import sys

from plughost import Plugin, command


def _say(text: str) -> None:
    print(f"limits-channel: {text} in process {os.getpid()}", file=sys.stderr, flush=True)


def _close_channel() -> None:
    _say("closing every file descriptor above stderr")
    os.closerange(3, 65536)


class ClosesChannel(Plugin):
    """Closes what it should not."""

    def __init__(self) -> None:
        if os.environ.get("LIMITS_FIXTURE_AT_START") == "close-channel":
            _close_channel()

    @command(name="close-stdin")
    def close_stdin(self) -> str:
        """Close fd 0."""
        _say("closing stdin")
        sys.stdin.close()
        os.close(0)
        return "stdin closed"

    @command(name="close-stdout")
    def close_stdout(self) -> str:
        """Close fd 1."""
        _say("closing stdout")
        sys.stdout.flush()
        os.close(1)
        return "stdout closed"

    @command(name="close-channel")
    def close_channel(self) -> str:
        """Close every file descriptor above stderr."""
        _close_channel()
        return "channel closed"

    @command
    def ping(self) -> str:
        """Answer at once."""
        return "pong"
