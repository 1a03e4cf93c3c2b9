"""A worker's stderr: drained, forwarded to the plugin's logger, its tail kept.

A worker that writes megabytes to stderr must never block on a full pipe,
so a thread reads it all the time. Each line goes to the logger
``plughost.plugin.NAME``: a JSON log record (``{"level": ..., "message":
...}``) at its level, any other line as it is at INFO. The last lines are
kept for error messages.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
from typing import IO

__all__ = ["StderrDrain"]

_TAIL_LINES = 20
_TAIL_WIDTH = 500
_LINE_LIMIT = 64 * 1024
_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}


class StderrDrain:
    """Reads one worker's stderr until it ends (run :meth:`drain` in a thread)."""

    def __init__(self, name: str) -> None:
        self.tail: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
        self._logger = logging.getLogger(f"plughost.plugin.{name}")

    def drain(self, stream: IO[bytes]) -> None:
        """Read ``stream`` to its end, then close it."""
        try:
            while True:
                raw = stream.readline(_LINE_LIMIT)
                if not raw:
                    return
                text = raw.decode("utf-8", "replace").rstrip("\r\n")
                self.tail.append(text[:_TAIL_WIDTH])
                self._forward(text)
        except (OSError, ValueError):
            return
        finally:
            with contextlib.suppress(OSError, ValueError):
                stream.close()

    def last_lines(self, count: int = 5) -> list[str]:
        """The last ``count`` non-blank lines, each on one line."""
        return [" ".join(line.split()) for line in self.tail if line.strip()][-count:]

    def _forward(self, text: str) -> None:
        if text.startswith("{"):
            try:
                record = json.loads(text)
            except (ValueError, RecursionError):
                record = None
            if (
                isinstance(record, dict)
                and isinstance(record.get("message"), str)
                and str(record.get("level")).lower() in _LEVELS
            ):
                level = _LEVELS[str(record["level"]).lower()]
                self._logger.log(level, "%s", record["message"])
                return
        self._logger.info("%s", text, extra={"plughost_raw": True})
