"""What install, upgrade and uninstall say while they work: one line per step, on stderr.

A step (resolving, fetching wheels, checking them, installing, checking the
plugins, rolling back) is one line ``plughost: ...``. On a terminal the step
is instead shown on one status line that a spinner keeps alive and each step
rewrites, cleared when the work is done, so what stays on the screen is the
outcome; it is plain text (carriage returns and spaces, no escape sequence,
no colour), and it is never drawn when stderr is not a terminal, when
``TERM=dumb``, or when other output is interleaved (``--verbose``, ``--debug``).
Notes (waiting for the lock, a file kept) are lines of their own either way.

``verbosity`` is ``-1`` for ``--quiet`` (no steps, no notes), ``0`` by default,
``1`` to show pip's own output too (``-v``), ``2`` and more to make pip itself
verbose. Every line is escaped (:func:`plughost._terminal.one_line`): pip's
output carries names and messages a package index chose.

With ``--debug`` each step's duration is logged, and the pip commands are
(by :mod:`plughost._manage.children`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from types import TracebackType
from typing import IO, Any

from .._terminal import SafeStream, cut, one_line

__all__ = ["Progress"]

log = logging.getLogger(__name__)

#: Seconds between two frames of the spinner.
_FRAME = 0.12
_SPINNER = "|/-\\"


class Progress:
    """Steps and notes of one install, upgrade or uninstall, written to ``stream``.

    Use it as a context manager: leaving it clears the status line and stops
    the spinner, whatever happened.
    """

    def __init__(self, stream: IO[str] | SafeStream | None, verbosity: int = 0) -> None:
        # Control characters of our own (the carriage return) go to the
        # stream underneath an escaping one; every text is escaped here.
        raw = stream.stream if isinstance(stream, SafeStream) else stream
        self._raw: Any = raw
        self.verbosity = verbosity
        self.live = verbosity == 0 and _is_terminal(raw) and not log.isEnabledFor(logging.DEBUG)
        self._lock = threading.Lock()
        self._step = ""
        self._started = 0.0
        self._began = time.monotonic()
        self._shown = 0  # characters on the status line now
        self._frame = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def quiet(self) -> bool:
        """``--quiet``: nothing but warnings and errors."""
        return self.verbosity < 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.done()

    def step(self, text: str) -> None:
        """A new step begins: ``text`` says what it does."""
        self._finish_step()
        with self._lock:
            self._step, self._started = text, time.monotonic()
            if self.live:
                self._draw()
            elif not self.quiet:
                self._line(f"plughost: {text}")
        if self.live and self._thread is None:
            self._thread = threading.Thread(target=self._spin, name="plughost-progress")
            self._thread.daemon = True  # never keeps plughost alive; done() ends it anyway
            self._thread.start()

    def note(self, text: str) -> None:
        """A line that stays (waiting for the lock, a file kept, an undo)."""
        if self.quiet:
            return
        with self._lock:
            self._clear()
            self._line(f"plughost: {text}")
            if self.live and self._step:
                self._draw()

    def pip_line(self, line: str) -> None:
        """One line of pip's own output: shown with ``--verbose`` only."""
        if self.verbosity < 1:
            return
        with self._lock:
            self._line(line.rstrip("\r\n"))

    def pip_verbosity(self) -> list[str]:
        """The options that make pip itself verbose (``-vv`` and more)."""
        return ["-v"] * max(self.verbosity - 1, 0)

    def done(self) -> None:
        """The work is over: the status line goes, the spinner stops."""
        self._finish_step()
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(2.0)
        with self._lock:
            self._clear()
            self._step = ""
        log.debug("done in %.2f s", time.monotonic() - self._began)

    def _finish_step(self) -> None:
        if self._step:
            log.debug("%s: %.2f s", self._step, time.monotonic() - self._started)

    def _spin(self) -> None:
        while not self._stop.wait(_FRAME):
            with self._lock:
                if self._step:
                    self._frame += 1
                    self._draw()

    def _draw(self) -> None:
        # Kept within the terminal's width: a line that wrapped could not be
        # rewritten by a carriage return.
        spinner = _SPINNER[self._frame % len(_SPINNER)]
        text = cut(f"plughost: {self._step}", max(_width(self._raw) - 3, 10)) + f" {spinner}"
        pad = " " * max(self._shown - len(text), 0)
        self._write(f"\r{text}{pad}")
        self._shown = len(text) + len(pad)

    def _clear(self) -> None:
        if self._shown:
            self._write("\r" + " " * self._shown + "\r")
            self._shown = 0

    def _line(self, text: str) -> None:
        self._write(one_line(text) + "\n")

    def _write(self, text: str) -> None:
        # A terminal that went away (SIGHUP) must not stop an install or its undo.
        if self._raw is None:
            return
        with contextlib.suppress(OSError, ValueError):
            self._raw.write(text)
            self._raw.flush()


def _width(stream: Any) -> int:
    """The terminal's width; 80 when it does not say (a pseudo-terminal of size 0)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (AttributeError, OSError, ValueError):
        return 80


def _is_terminal(stream: Any) -> bool:
    if stream is None or os.environ.get("TERM", "") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, OSError, ValueError):
        return False
