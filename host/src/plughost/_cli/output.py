"""What the console script shows: its stdout and stderr, log lines and errors.

Human output goes to stdout, diagnostics to stderr; both pass through
:class:`plughost._terminal.SafeStream`, so no control character a plugin
supplied reaches the terminal raw. Errors are one line (``error: ...``) that
says what to do; a traceback only with ``--debug``. Exit codes: 0 ok, 1 the
plugin failed (or ``check`` found a plugin that is not ok), 2 usage error,
3 plugin not found or not usable, 130 interrupted.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys

from .._terminal import SafeStream, dumps, escape, one_line, show_value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_UNAVAILABLE",
    "EXIT_USAGE",
    "Output",
    "UsageError",
    "claim_standard_fds",
    "fail",
    "format_result",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A command line that cannot be run; the message says how to fix it."""


def claim_standard_fds() -> bool:
    """Put /dev/null on any of fds 0, 1 and 2 that is closed; whether fd 1 was open.

    A closed standard descriptor would be handed to the next file plughost
    opens (an index, a lock), and then output meant for the terminal would
    land in that file.
    """
    stdout_open = True
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            stdout_open = stdout_open and fd != 1
            with contextlib.suppress(OSError):
                os.open(os.devnull, os.O_RDWR)  # takes the lowest free descriptor: this one
    return stdout_open and sys.stdout is not None


def _devnull() -> IO[str]:
    return open(os.devnull, "w", encoding="utf-8")


def _text_stream(fd: int, like: Any, *, line_buffering: bool = False) -> io.TextIOWrapper:
    encoding = getattr(like, "encoding", None) or "utf-8"
    stream = io.TextIOWrapper(
        io.FileIO(fd, "w"),
        encoding=encoding,
        errors="backslashreplace",
        line_buffering=line_buffering,
    )
    return stream


class Output:
    """The console script's own stdout and stderr, kept apart from what plugin code does.

    Before plugin code runs (:meth:`shield`), fd 1 is pointed at stderr, so
    that a plugin's ``print`` or a C extension's write cannot corrupt
    ``--json`` output, and the CLI writes to private duplicates of the
    original stdout and stderr: a plugin that closes fd 1 or fd 2, or
    replaces ``sys.stdout`` or ``sys.stderr``, cannot take away the result or
    the error line.
    """

    def __init__(self) -> None:
        # Python sets sys.stdout to None when fd 1 was closed at its start.
        self.stream = SafeStream(sys.stdout if sys.stdout is not None else _devnull())
        self.err = SafeStream(sys.stderr if sys.stderr is not None else _devnull())
        self.as_json = False
        self.debug = False
        self.shielded = False
        self.reaping = False
        self._saved: tuple[Any, Any, int, int] | None = None

    def shield(self) -> None:
        """From now on plugin output goes to stderr, ours to private copies of fds 1 and 2."""
        if self.shielded:
            return
        self.shielded = True
        stdout, stderr = self.stream.stream, self.err.stream
        try:
            stdout.flush()
            stderr.flush()
            out_fd, err_fd = os.dup(stdout.fileno()), os.dup(stderr.fileno())
            os.dup2(stderr.fileno(), stdout.fileno())
        except (OSError, ValueError, AttributeError):
            # No real file descriptors (an embedding): Python-level only.
            sys.stdout = self.err
            return
        self._saved = (sys.stdout, sys.stderr, out_fd, stdout.fileno())
        self.stream = SafeStream(_text_stream(os.dup(out_fd), stdout))
        self.err = SafeStream(_text_stream(err_fd, stderr, line_buffering=True))
        if "logging" in sys.modules:  # else nothing logs yet: see _cli.logs
            from .logs import retarget

            retarget(self.err)
        # Python-level writes of plugin code go to stderr, escaped too.
        sys.stdout = sys.stderr = SafeStream(stderr)

    def restore(self) -> None:
        """Undo :meth:`shield` (for callers of ``main`` that go on running)."""
        if self._saved is None:
            return
        stdout, stderr, out_fd, fileno = self._saved
        self._saved = None
        with contextlib.suppress(OSError, ValueError):
            self.flush()
        try:
            os.dup2(out_fd, fileno)
            os.close(out_fd)
        except OSError:
            pass
        sys.stdout, sys.stderr = stdout, stderr

    def write(self, text: str) -> None:
        """Write ``text`` and a newline to stdout (control characters escaped)."""
        self.stream.write(text + "\n")

    def json(self, data: Any, *, indent: int | None = 2) -> None:
        """Write ``data`` as JSON (control characters escaped by JSON itself)."""
        self.write(dumps(data, indent=indent))

    def note(self, text: str) -> None:
        """Write one line to stderr: a note, a warning or an error."""
        self.err.write(one_line(text) + "\n")
        self.err.flush()

    def flush(self) -> None:
        """Flush our stdout and stderr."""
        self.stream.flush()
        self.err.flush()


def format_result(value: object) -> str:
    """A command's result as a person reads it: text as it is, a list one item a line."""

    def item(v: object) -> str:
        return v if isinstance(v, str) else show_value(v)

    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(item(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(f"{k}: {item(v)}" for k, v in value.items())
    return item(value)


def fail(
    out: Output,
    code: int,
    kind: str,
    message: str,
    exc: BaseException | None = None,
    source: BaseException | None = None,
) -> int:
    """Report an error: one ``error:`` line (and with ``--json`` an object on stdout)."""
    if out.debug and exc is not None:
        import traceback

        try:
            out.err.write("".join(traceback.format_exception(exc)))
        except Exception as failure:  # a traceback of hostile objects
            out.note(f"(the traceback cannot be shown: {type(failure).__name__})")
    # A plugin's message may span lines (a caret under an expression); every
    # line after the first is indented, so none can pass for one of plughost's.
    first, *rest = escape(message).split("\n")
    shown = "".join(f"\n{line if line[:1].isspace() else '  ' + line}" for line in rest)
    out.err.write(f"error: {first}{shown}\n")
    out.err.flush()
    if out.as_json:
        error: dict[str, Any] = {"type": kind, "message": message, "exit_code": code}
        failed = source or exc
        for attr in ("plugin", "command", "state", "error_type", "error_message"):
            value = getattr(failed, attr, None)
            if isinstance(value, str | int):
                error[attr] = value
        try:
            out.write(dumps({"error": error}))
            out.flush()
        except (BrokenPipeError, OSError):
            pass
    return code
