"""The host's end of a worker's stdin: whole lines, written by a deadline.

The pipe is non-blocking, so a worker that stops reading cannot hold a
writer past its deadline; one writer at a time, so lines never interleave.
A write that fails (EPIPE: nobody reads the pipe any more) fails at once.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
from typing import IO

__all__ = ["ChannelGone", "RequestWriter", "WriteTimeout"]

# How often a writer that waits for room looks up to see whether the channel is closing.
_POLL = 0.05


class WriteTimeout(Exception):
    """The deadline passed; ``partial`` when part of the line is already on the channel."""

    def __init__(self, *, started: bool, partial: bool) -> None:
        super().__init__("the deadline passed")
        self.started = started
        self.partial = partial


class ChannelGone(Exception):
    """The channel cannot be written: ``closing`` when the host is closing it."""

    def __init__(self, *, closing: bool) -> None:
        super().__init__("the channel is closed")
        self.closing = closing


class RequestWriter:
    """Writes lines to ``stream`` (a pipe), each by a deadline."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._fd = stream.fileno()
        os.set_blocking(self._fd, False)
        self._lock = threading.Lock()
        self._closing = False

    def write(self, line: bytes, deadline: float | None) -> None:
        """Write all of ``line`` by ``deadline`` (a ``time.monotonic()``; None: no limit)."""
        data = memoryview(line)
        wait = -1.0 if deadline is None else max(0.0, deadline - time.monotonic())
        if not self._lock.acquire(timeout=wait):
            raise WriteTimeout(started=False, partial=False)
        try:
            while data:
                if self._closing:
                    raise ChannelGone(closing=True)
                try:
                    data = data[os.write(self._fd, data) :]
                    continue
                except BlockingIOError:
                    pass
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise WriteTimeout(started=True, partial=len(data) < len(line))
                select.select(
                    [], [self._fd], [], _POLL if remaining is None else min(remaining, _POLL)
                )
        except (OSError, ValueError):
            raise ChannelGone(closing=self._closing) from None
        finally:
            self._lock.release()

    def close(self) -> None:
        """End the worker's input, once no thread is writing to it."""
        # Writers look at _closing while they wait, so the lock is soon free;
        # closing the fd under a writer could let its number be reused under it.
        self._closing = True
        if self._lock.acquire(timeout=_POLL * 10):
            try:
                with contextlib.suppress(OSError):
                    self._stream.close()
            finally:
                self._lock.release()
