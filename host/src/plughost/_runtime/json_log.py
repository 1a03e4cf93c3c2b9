"""The worker's log handler: each record one JSON line on stderr, for the host to re-emit.

Imported only when something in the worker imports ``logging``
(``_runtime.server_logs``), so a plugin that never logs costs the worker no
``logging``.
"""

from __future__ import annotations

import json
import logging
import sys

__all__ = ["JsonLogHandler", "configure"]


class JsonLogHandler(logging.Handler):
    """Log records as JSON lines on stderr; the host re-emits them at their level."""

    def emit(self, record: logging.LogRecord) -> None:
        """Write ``record`` to stderr as one JSON line."""
        try:
            line = json.dumps(
                {
                    "level": record.levelname.lower(),
                    "logger": record.name,
                    "message": record.getMessage(),
                }
            )
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


def configure() -> None:
    """The worker's logging: records of level INFO and up, as JSON lines on stderr."""
    logging.basicConfig(level=logging.INFO, handlers=[JsonLogHandler()], force=True)
