"""The ``plughost`` console script.

Human output goes to stdout, diagnostics to stderr. Errors are one line
(``error: ...``) that says what to do; a traceback only with ``--debug``.
Exit codes: 0 ok, 1 the plugin failed (or ``check`` found a plugin that is
not ok), 2 usage error, 3 plugin not found or not usable, 130 interrupted.

Nothing but ``os`` and ``sys`` is imported at module level: a plain
``plughost list`` is answered by the fast path (``_cli.fast``) before the
parser, logging or the output module are imported, and discovery
(stevedore, importlib.metadata) loads only when a command asks for it.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence

    from .output import Output

__all__ = ["console", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``plughost`` command line and return its exit code."""
    from .output import Output

    out = Output()
    try:
        return _run(list(sys.argv[1:] if argv is None else argv), out)
    finally:
        out.restore()


def console() -> int:
    """The ``plughost`` console script: :func:`main`, then an exit nothing can delay.

    Once plugin code has run in this process, plughost exits at once after
    flushing its own output: non-daemon threads a plugin left behind, or the
    ``atexit`` handlers and stream replacements of a plugin, can neither keep
    the process alive nor change its exit status.
    """
    from .fast import answer

    fast = answer(sys.argv[1:])
    if fast is not None:
        return fast
    from .._contract.untrusted import install_interrupt_handler
    from .output import Output

    install_interrupt_handler()
    out = Output()
    code = _run(sys.argv[1:], out, console=True)
    if out.reaping:
        # Whatever plugin code or a worker started, and left behind, goes too.
        from .._runtime.reaper import end_descendants

        end_descendants()
    # No thread can linger where nothing imported threading.
    threading = sys.modules.get("threading")
    lingering = threading is not None and any(
        t.is_alive() and not t.daemon
        for t in threading.enumerate()
        if t is not threading.main_thread()
    )
    if out.shielded or lingering:
        import contextlib

        with contextlib.suppress(OSError, ValueError):
            out.flush()
        os._exit(code)
    return code


# The commands that may run plugin code or start processes.
_STARTS_PROCESSES = frozenset({"run", "check", "info", "install", "uninstall", "upgrade", "freeze"})


def _run(args_list: list[str], out: Output, *, console: bool = False) -> int:
    from .output import (
        EXIT_INTERRUPTED,
        EXIT_OK,
        EXIT_USAGE,
        UsageError,
        claim_standard_fds,
        fail,
    )

    try:
        if not claim_standard_fds():
            raise UsageError(
                "standard output is closed, and plughost prints its results there;"
                " give it one (for example > FILE or > /dev/null)"
            )
        if console and args_list[:1] == ["run"]:
            # A plain run of a checked plugin, without the parser or logging.
            from .fast_run import answer as run_fast

            code = run_fast(args_list, out)
            if code is not None:
                out.flush()
                return code
        if args_list[:1] == ["__complete"]:
            # The shells' completion scripts run this at every TAB: it answers
            # from the discovery index and check records, without the parser
            # (and without logging: it logs nothing).
            from .completion import answer

            code = answer(args_list[1:], out)
            out.flush()
            return code
        from .logs import configure_logging

        configure_logging(False, out.err)
        # --json and --debug count wherever they stand (before a --): even
        # an error in the words around them is reported their way.
        words = args_list[: args_list.index("--")] if "--" in args_list else args_list
        out.as_json = "--json" in words
        out.debug = "--debug" in words
        configure_logging(out.debug, out.err)
        from .arguments import build_parser

        parser = build_parser()
        if not args_list:
            # No command at all: what there is to do, not an error.
            out.write(parser.format_help().rstrip())
            return EXIT_OK
        args = parser.parse_args(args_list)
        if console and args.action in _STARTS_PROCESSES:
            # Orphans of what this command starts (a plugin's double-forked
            # daemon, a worker's setsid grandchild) are adopted by plughost,
            # which ends them before it exits.
            from .._runtime.reaper import become_subreaper

            become_subreaper()
            out.reaping = True
        from .commands import HANDLERS

        handler: Callable[[argparse.Namespace, Output], int] = HANDLERS[args.action]
        code = handler(args, out)
        out.flush()
        return code
    except KeyboardInterrupt:
        out.note("plughost: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return _reader_gone(out)
    except UsageError as exc:
        return fail(out, EXIT_USAGE, "UsageError", str(exc))
    except SystemExit as exc:  # argparse's --help and --version, written but not flushed
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            return _reader_gone(out)
        except (OSError, ValueError, AttributeError):
            pass
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except Exception as exc:
        return _report(out, exc)


def _reader_gone(out: Output) -> int:
    """The reader went away (`plughost list | head -1`): stop quietly, with status 0."""
    from .fast import reader_gone

    return reader_gone(out.stream)


def _report(out: Output, exc: Exception) -> int:
    from .._errors import (
        ArgumentError,
        CommandFailed,
        PlughostError,
        PluginUnavailable,
        WorkerStartError,
    )
    from .._manage.scaffold import ScaffoldError
    from .._policy.config import ConfigError
    from .output import EXIT_FAILED, EXIT_UNAVAILABLE, EXIT_USAGE, fail

    # A worker that cannot start makes its plugin unusable, like a failed import.
    if isinstance(exc, PluginUnavailable | WorkerStartError):
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
        return fail(out, EXIT_FAILED, type(exc).__name__, message, exc)
    details = exc.details if isinstance(exc, CommandFailed) else None
    if out.debug and details:
        out.err.write(details.rstrip() + "\n")
        return fail(out, code, type(exc).__name__, str(exc), None, exc)
    return fail(out, code, type(exc).__name__, str(exc), exc)
