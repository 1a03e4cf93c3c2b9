"""The console script's log lines: ``warning: message`` on its stderr.

Kept apart from ``_cli.output`` so that a run which logs nothing never
imports ``logging``: the fast path (``_cli.fast_run``) configures it only
once something has imported it (``_cli.fast_run``'s import hook).
"""

from __future__ import annotations

import logging

from .._terminal import SafeStream, one_line

__all__ = ["configure_logging", "retarget"]


class _CliFormatter(logging.Formatter):
    """``warning: message``; a worker's plain stderr lines as they were written."""

    def __init__(self, debug: bool) -> None:
        super().__init__(
            "%(levelname)s %(name)s: %(message)s" if debug else "%(levelname)s: %(message)s"
        )

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "plughost_raw", False):
            return one_line(record.getMessage())
        if record.name.startswith("plughost.plugin."):
            plugin = record.name.removeprefix("plughost.plugin.")
            return one_line(f"{record.levelname}: [{plugin}] {record.getMessage()}")
        text = super().format(record)
        # A traceback (with --debug) keeps its lines; a message is one line.
        return text if record.exc_info else one_line(text)


class _PluginFilter(logging.Filter):
    """A worker's plain stderr lines always pass, as an in-process plugin's would."""

    def __init__(self, threshold: int) -> None:
        super().__init__()
        self.threshold = threshold

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("plughost.plugin."):
            return True
        return getattr(record, "plughost_raw", False) or record.levelno >= self.threshold


def configure_logging(debug: bool, stream: SafeStream) -> None:
    """Log ``plughost`` records to ``stream``: warnings, or everything with ``debug``."""
    root = logging.getLogger("plughost")
    for h in list(root.handlers):
        if getattr(h, "_plughost_cli", False):
            root.removeHandler(h)
    handler = logging.StreamHandler(stream)
    handler._plughost_cli = True  # type: ignore[attr-defined]
    handler.setFormatter(_CliFormatter(debug))
    threshold = logging.DEBUG if debug else logging.WARNING
    handler.addFilter(_PluginFilter(threshold))
    root.addHandler(handler)
    root.setLevel(threshold)
    # Plugin output is filtered by the handler, not by the level.
    logging.getLogger("plughost.plugin").setLevel(logging.DEBUG)
    logging.addLevelName(logging.DEBUG, "debug")
    logging.addLevelName(logging.INFO, "info")
    logging.addLevelName(logging.WARNING, "warning")
    logging.addLevelName(logging.ERROR, "error")


def retarget(stream: SafeStream) -> None:
    """Point the console script's log handler at ``stream`` (after ``Output.shield``)."""
    for handler in logging.getLogger("plughost").handlers:
        if getattr(handler, "_plughost_cli", False) and isinstance(handler, logging.StreamHandler):
            handler.setStream(stream)
