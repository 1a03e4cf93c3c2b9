"""The ``plughost`` console script.

Human output goes to stdout, diagnostics to stderr. Errors are one line
(``error: ...``) that says what to do; a traceback only with ``--debug``.
Exit codes: 0 ok, 1 the plugin failed (or ``check`` found a plugin that is
not ok), 2 usage error, 3 plugin not found or not usable, 130 interrupted.

Only what every command needs is imported at module level: discovery
(stevedore, importlib.metadata) loads when a command asks for it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING, Any, NoReturn

from . import __version__

if TYPE_CHECKING:
    pass

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_UNAVAILABLE", "EXIT_USAGE", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3
EXIT_INTERRUPTED = 130

log = logging.getLogger("plughost")


class UsageError(Exception):
    """A command line that cannot be run; the message says how to fix it."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit with status 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")


def _build_parser() -> _Parser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="log what plughost does and show tracebacks of errors",
    )
    common.add_argument(
        "--no-plugins",
        action="store_true",
        default=argparse.SUPPRESS,
        help="load no plugin at all (they show as disabled)",
    )
    as_json = _Parser(add_help=False)
    as_json.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print JSON on stdout instead of text",
    )
    parser = _Parser(
        prog="plughost",
        description="Discover, check and run plughost plugins.",
        parents=[common],
        epilog="Exit codes: 0 ok, 1 the plugin failed, 2 usage error, 3 plugin not found"
        " or not usable, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"plughost {__version__}")
    sub = parser.add_subparsers(dest="action", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    p = sub.add_parser(
        "list",
        parents=[common, as_json],
        help="list the installed plugins and their states (imports no plugin code)",
        description="List the installed plugins and their states, from metadata"
        " and earlier checks only: no plugin code is imported.",
    )
    p.add_argument(
        "--refresh",
        action="store_true",
        help="discover through stevedore again and rebuild the discovery index",
    )
    p = sub.add_parser(
        "info",
        parents=[common, as_json],
        help="show a plugin's details and commands",
        description="Show a plugin's distribution, state and commands.",
    )
    p.add_argument("name", metavar="NAME", help="the plugin's name")
    p = sub.add_parser(
        "run",
        parents=[common, as_json],
        help="run a command of a plugin",
        description="Run COMMAND of plugin NAME. `plughost run NAME --help` lists"
        " its commands; `plughost run NAME COMMAND --help` its parameters.",
        usage="plughost run [--json] [--isolated] [--timeout SECONDS] NAME [COMMAND [ARGS ...]]",
    )
    p.add_argument(
        "--isolated",
        action="store_true",
        help="run the plugin in a worker process (also: PLUGHOST_ISOLATE=NAME,...)",
    )
    p.add_argument(
        "--timeout",
        type=_timeout,
        metavar="SECONDS",
        help="fail a call that takes longer than this (implies --isolated)",
    )
    p.add_argument("name", metavar="NAME", help="the plugin's name")
    p.add_argument("rest", nargs=argparse.REMAINDER, metavar="COMMAND [ARGS ...]")
    sub.add_parser(
        "config",
        parents=[common, as_json],
        help="show the configuration file in use and the effective settings",
        description="Show the configuration file in use (PLUGHOST_CONFIG, else the user"
        " config directory) and the effective settings, with where each comes from.",
    )
    p = sub.add_parser(
        "new",
        parents=[common, as_json],
        help="create a new plugin project, ready to install, test and publish",
        description="Create a complete plugin distribution for the plugin NAME: pyproject.toml"
        " with the entry point, src/plughost_NAME/ with an example command, tests that use"
        " plughost.testing, a README and a noxfile.",
    )
    p.add_argument("name", metavar="NAME", help="the plugin's name, such as word-count")
    p.add_argument(
        "--directory",
        metavar="DIR",
        help="where to create it (default: ./plughost-NAME)",
    )
    p = sub.add_parser(
        "verify",
        parents=[common, as_json],
        help="check the plugins' installed files against their RECORD hashes",
        description="Check every file of each plugin's distribution against the sha256 hash"
        " and size in its RECORD; report changed, missing and unverifiable files, .pth files"
        " that run code and files shared with another distribution. Exits 1 on a mismatch.",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="plugins to verify (default: all)")
    p = sub.add_parser(
        "install",
        parents=[common, as_json],
        help="pip-install plugin distributions, check them, roll back if they are not ok",
        description="Install plugin distributions with pip into plughost's own environment,"
        " never changing plughost itself, and never overwriting a file of another"
        " distribution; then check the plugins they register in a child process, and roll"
        " back to exactly the previous files if one registers no plugin or a plugin that is"
        " not ok (unless --keep).",
    )
    p.add_argument("specs", nargs="*", metavar="SPEC", help="what pip should install")
    p.add_argument("-U", "--upgrade", action="store_true", help="passed to pip")
    p.add_argument("--pre", action="store_true", help="passed to pip")
    p.add_argument("--no-index", action="store_true", help="passed to pip")
    p.add_argument(
        "-e", "--editable", action="append", default=[], metavar="PATH", help="passed to pip"
    )
    p.add_argument("-i", "--index-url", metavar="URL", help="passed to pip")
    p.add_argument(
        "--extra-index-url", action="append", default=[], metavar="URL", help="passed to pip"
    )
    p.add_argument(
        "-f", "--find-links", action="append", default=[], metavar="URL", help="passed to pip"
    )
    p.add_argument("--keep", action="store_true", help="keep what was installed even if not ok")
    p.add_argument(
        "--allow-pth",
        action="store_true",
        help="allow a .pth file (or sitecustomize) that runs code at every Python start",
    )
    p.add_argument(
        "--repair",
        action="store_true",
        help="undo what an interrupted install or uninstall left half-done (then install SPECs)",
    )
    p = sub.add_parser(
        "uninstall",
        parents=[common],
        help="uninstall plugins by plugin or distribution name (works for broken ones too)",
        description="Uninstall the distributions behind the named plugins (or the named"
        " distributions), whatever state the plugins are in. plughost, pip and what"
        " plughost depends on are never removed.",
    )
    p.add_argument("targets", nargs="+", metavar="NAME|DIST")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument(
        "--force",
        action="store_true",
        help="also remove a distribution that provides no plugin",
    )
    p = sub.add_parser(
        "check",
        parents=[common, as_json],
        help="import and validate plugins; exit 1 if any is not ok",
        description="Import and validate the plugins (all, or those named) and"
        " report every problem. Exits 1 when any plugin checked is not ok.",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="plugins to check (default: all)")
    return parser


def _timeout(text: str) -> float:
    from ._runargs import timeout_value

    return timeout_value(text)


class _Output:
    """The CLI's own stdout, kept apart from what plugin code prints.

    Before plugin code runs, fd 1 is pointed at stderr (so a plugin's
    ``print`` or a C extension's write cannot corrupt ``--json`` output) and
    the CLI writes to a private duplicate of the original stdout.
    """

    def __init__(self) -> None:
        self.stream: IO[str] = sys.stdout
        self.as_json = False
        self.debug = False

    def shield(self) -> None:
        """From now on, plugin output goes to stderr; ours to the real stdout."""
        try:
            sys.stdout.flush()
            fd = os.dup(sys.stdout.fileno())
            os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            # No real file descriptors (an embedding); Python-level only.
            self.stream = sys.stdout
            sys.stdout = sys.stderr
            return
        encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
        self.stream = open(fd, "w", encoding=encoding, errors="backslashreplace", closefd=True)  # noqa: SIM115
        sys.stdout = sys.stderr

    def write(self, text: str) -> None:
        """Write ``text`` and a newline."""
        self.stream.write(text + "\n")

    def flush(self) -> None:
        """Flush the real stdout."""
        self.stream.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``plughost`` command line and return its exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    out = _Output()
    _configure_logging(False)
    try:
        parser = _build_parser()
        args = parser.parse_args(args_list)
        out.debug = bool(getattr(args, "debug", False))
        _configure_logging(out.debug)
        out.as_json = getattr(args, "json", False)
        from ._commands import HANDLERS

        handler: Callable[[argparse.Namespace, _Output], int] = HANDLERS[args.action]
        code = handler(args, out)
        out.flush()
        return code
    except KeyboardInterrupt:
        print("plughost: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`plughost list | head -1`): stop quietly.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, out.stream.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_OK
    except UsageError as exc:
        return _fail(out, EXIT_USAGE, "UsageError", str(exc), None, out.debug)
    except SystemExit as exc:  # argparse's --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except Exception as exc:
        return _report(out, exc, out.debug)


class _CliFormatter(logging.Formatter):
    """``warning: message``; a worker's plain stderr lines as they were written."""

    def __init__(self, debug: bool) -> None:
        super().__init__(
            "%(levelname)s %(name)s: %(message)s" if debug else "%(levelname)s: %(message)s"
        )

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "plughost_raw", False):
            return record.getMessage()
        if record.name.startswith("plughost.plugin."):
            plugin = record.name.removeprefix("plughost.plugin.")
            return f"{record.levelname}: [{plugin}] {record.getMessage()}"
        return super().format(record)


class _PluginFilter(logging.Filter):
    """A worker's plain stderr lines always pass, as an in-process plugin's would."""

    def __init__(self, threshold: int) -> None:
        super().__init__()
        self.threshold = threshold

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("plughost.plugin."):
            return True
        return getattr(record, "plughost_raw", False) or record.levelno >= self.threshold


def _configure_logging(debug: bool) -> None:
    root = logging.getLogger("plughost")
    for h in list(root.handlers):
        if getattr(h, "_plughost_cli", False):
            root.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler._plughost_cli = True  # type: ignore[attr-defined]
    handler.setFormatter(_CliFormatter(debug))
    threshold = logging.DEBUG if debug else logging.WARNING
    handler.addFilter(_PluginFilter(threshold))
    root.addHandler(handler)
    root.setLevel(threshold)
    # Plugin output is filtered by the handler, not by the level.
    logging.getLogger("plughost.plugin").setLevel(logging.DEBUG)
    logging.addLevelName(logging.WARNING, "warning")
    logging.addLevelName(logging.ERROR, "error")


def _report(out: _Output, exc: Exception, debug: bool) -> int:
    from ._config import ConfigError
    from ._errors import ArgumentError, CommandFailed, PlughostError, PluginUnavailable
    from ._scaffold import ScaffoldError

    if isinstance(exc, PluginUnavailable):
        code = EXIT_UNAVAILABLE
    elif isinstance(exc, ArgumentError | ConfigError | ScaffoldError):
        code = EXIT_USAGE
    elif isinstance(exc, PlughostError):
        code = EXIT_FAILED
    else:
        message = (
            f"internal error: {type(exc).__name__}: {exc}; run with --debug for the"
            " traceback and report it to plughost"
        )
        return _fail(out, EXIT_FAILED, type(exc).__name__, message, exc, debug)
    details = exc.details if isinstance(exc, CommandFailed) else None
    if debug and details:
        print(details.rstrip(), file=sys.stderr)
        return _fail(out, code, type(exc).__name__, str(exc), None, debug, exc)
    return _fail(out, code, type(exc).__name__, str(exc), exc, debug)


def _fail(
    out: _Output,
    code: int,
    kind: str,
    message: str,
    exc: BaseException | None,
    debug: bool,
    source: BaseException | None = None,
) -> int:
    if debug and exc is not None:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    print(f"error: {message}", file=sys.stderr)
    if out.as_json:
        import json

        error: dict[str, Any] = {"type": kind, "message": message, "exit_code": code}
        failed = source or exc
        for attr in ("plugin", "command", "state", "error_type", "error_message"):
            value = getattr(failed, attr, None)
            if value is not None:
                error[attr] = value
        try:
            out.write(json.dumps({"error": error}, ensure_ascii=False))
            out.flush()
        except (BrokenPipeError, OSError):
            pass
    return code
