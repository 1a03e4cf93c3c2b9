"""Lines out of a pipe's bytes, bounded: what both ends of the channel read with.

Both sides read their end of the channel with ``os.read`` in large chunks
and split them here, so that many messages that arrived together cost one
system call, and so that a reader can tell whether another whole message is
already waiting (``pending``) before it blocks or flushes. A line longer
than the limit, including endless bytes with no newline, raises
:class:`~plughost._runtime.protocol.ProtocolViolation` once more than the
limit is held: memory stays bounded whatever the other side writes.
"""

from __future__ import annotations

import os

from .protocol import ProtocolViolation

__all__ = ["CHUNK", "LineBuffer"]

#: The most bytes one read takes from the pipe: a pipe's default capacity,
#: and below the size at which the C allocator maps memory for every read.
CHUNK = 64 * 1024


class LineBuffer:
    """The bytes read so far, handed out line by line (without the newline)."""

    __slots__ = ("_data", "_start", "max_line")

    def __init__(self, max_line: int) -> None:
        self.max_line = max_line
        self._data = b""
        self._start = 0

    def next_line(self) -> bytes | None:
        """The next whole line, or None when no whole line is held."""
        data, start = self._data, self._start
        end = data.find(b"\n", start)
        if end < 0:
            return None
        if end - start > self.max_line:
            raise self._too_long()
        self._start = end + 1
        return data[start:end]

    @property
    def pending(self) -> bool:
        """Whether a whole line is held already."""
        return self._data.find(b"\n", self._start) >= 0

    @property
    def partial(self) -> bool:
        """Whether part of a line is held (so an end of stream now cuts a message)."""
        return self._start < len(self._data)

    def feed(self, chunk: bytes) -> None:
        """Add ``chunk`` (once :meth:`next_line` returned None); refuse a line past the limit."""
        # Called once no whole line is held, so only the new bytes can end one.
        rest = self._data[self._start :] if self._start < len(self._data) else b""
        self._data = rest + chunk if rest else chunk
        self._start = 0
        if len(self._data) > self.max_line and b"\n" not in chunk:
            raise self._too_long()

    def read_from(self, fd: int) -> bool:
        """Read one chunk from ``fd`` (which must be readable); False at end of stream."""
        # Never more than the limit allows to be held: a line with no end is
        # refused once it is one byte longer than the limit.
        chunk = os.read(fd, CHUNK)
        if not chunk:
            return False
        self.feed(chunk)
        return True

    def _too_long(self) -> ProtocolViolation:
        return ProtocolViolation(f"a message is longer than the limit of {self.max_line} bytes")
