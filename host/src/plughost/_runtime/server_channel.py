"""The worker's end of the channel: taken off fds 0 and 1, read by line, written under a lock.

Before any plugin code runs, :func:`take_channel` moves the channel to
private copies of fd 0 and fd 1, points fd 1 at stderr and fd 0 at
/dev/null. A :class:`ServerChannel` reads it line by line, bounded, and
writes whole lines under a lock, gathering the answers of requests that
arrived together into one write. When the channel cannot be written any more the
worker leaves (:func:`leave`), ending everything it started first.
"""

from __future__ import annotations

import _thread
import contextlib
import os
import signal
import sys

from . import protocol as p
from .framing import LineBuffer
from .reaper import end_descendants

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["ServerChannel", "leave", "note", "take_channel"]

# The most bytes of answers gathered before they are written anyway.
_GATHER_LIMIT = 64 * 1024


class ServerChannel:
    """The private protocol channel: a bounded line reader and a locked writer.

    Answers may be *gathered* (:meth:`gather`) while more requests wait,
    and are written together before the reader next blocks (:meth:`flush`).
    When the channel cannot be written any more (the host is gone, or the
    plugin closed its file descriptors) the worker leaves: nobody could
    hear it.
    """

    def __init__(self, reader_fd: int, writer_fd: int, max_line: int) -> None:
        self._lines = LineBuffer(max_line)
        self._reader = reader_fd
        self.max_line = max_line
        self._fd = writer_fd
        self._lock = _thread.allocate_lock()
        self._gathered: list[bytes] = []
        self._size = 0

    def next_line(self) -> bytes | None:
        """The next request line, waiting for it; None at the end of input.

        Raises ProtocolViolation for a line past the limit or cut by the end.
        """
        lines = self._lines
        while True:
            line = lines.next_line()
            if line is not None:
                return line
            if self._gathered:
                self.flush()
            if not lines.read_from(self._reader):
                if lines.partial:
                    raise p.ProtocolViolation("the stream ended in the middle of a message")
                return None

    def more_waiting(self) -> bool:
        """Whether another whole request has arrived already."""
        return self._lines.pending

    def send(self, message: dict[str, Any]) -> None:
        """Send one message (one the worker built itself, not a call's answer)."""
        try:
            data = p.encode(message)
        except (TypeError, ValueError, RecursionError) as exc:
            data = p.encode(
                p.error(message.get("id"), p.INTERNAL_ERROR, f"cannot encode the response: {exc}")
            )
        self.send_line(data)

    def gather(self, data: bytes) -> None:
        """Keep one encoded line, to be written with the next ones (soon: see :meth:`flush`)."""
        with self._lock:
            self._gathered.append(data)
            self._size += len(data)
            full = self._size >= _GATHER_LIMIT
        if full:
            self.flush()

    def flush(self) -> None:
        """Write the gathered lines now."""
        self.send_line(b"")

    def send_line(self, data: bytes) -> None:
        """Write one encoded line, after whatever was gathered."""
        try:
            with self._lock:
                if self._gathered:
                    self._gathered.append(data)
                    data = b"".join(self._gathered)
                    self._gathered.clear()
                    self._size = 0
                view = memoryview(data)
                while view:
                    written = os.write(self._fd, view)
                    view = view[written:]
        except OSError as exc:
            note(f"cannot write to the host ({exc.strerror or exc}); exiting")
            leave(1)


def take_channel() -> tuple[int, int]:
    """Move the channel off fds 0 and 1 before any plugin code runs."""
    read_fd = os.dup(0)
    write_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout.flush()
    os.dup2(2, 1)
    for fd in (read_fd, write_fd):
        os.set_inheritable(fd, False)
    return read_fd, write_fd


_LEAVING = _thread.allocate_lock()


def note(text: str) -> None:
    """A line on stderr, for the host's error message."""
    with contextlib.suppress(Exception):
        sys.stderr.write(f"plughost worker: {text}\n")
        sys.stderr.flush()


def leave(code: int) -> None:
    """End everything this worker started, then the worker: ``code``, or ``-signal``.

    Plugin threads still running (a cancelled or hung call) must not keep the
    process alive once the host has let go, so this is ``os._exit``. Only the
    first caller gets through; the others return while it ends the process.
    """
    if not _LEAVING.acquire(blocking=False):
        return
    with contextlib.suppress(BaseException):
        end_descendants()
    with contextlib.suppress(BaseException):
        sys.stderr.flush()
    if code < 0:
        # Die of the signal, so that the host reports it as such.
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code)
