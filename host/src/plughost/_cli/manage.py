"""``plughost install``, ``upgrade``, ``uninstall`` and ``freeze`` on the command line.

The handlers in :mod:`plughost._cli.environment` call these with the parsed
arguments: each turns them into a call of :mod:`plughost._manage` and its
outcome into output. Steps and notes go to stderr (nothing but warnings and
errors with ``--quiet``); stdout gets what happened, once: what was installed
and the plugins' states, or nothing when it was rolled back, since then the
one ``error:`` line says what was refused, why, and what to do.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO, cast

from .output import EXIT_FAILED, EXIT_OK, Output, UsageError

if TYPE_CHECKING:
    from .._manage.outcome import InstallOutcome

__all__ = ["freeze_command", "install_command", "uninstall_command", "upgrade_command"]

_NEEDED = (
    "plughost install: the following arguments are required: SPEC (or -r FILE, -e PATH or"
    " --repair); usage: plughost install [options] (SPEC... | -r FILE | -e PATH | --repair)"
)


def _verbosity(args: argparse.Namespace) -> int:
    return -1 if args.quiet else int(args.verbose)


def _pip_options(args: argparse.Namespace) -> list[str]:
    """The pip options of an install or upgrade command line, as plughost passes them."""
    options: list[str] = []
    for flag, name in (
        ("-U", "upgrade"),
        ("--pre", "pre"),
        ("--no-index", "no_index"),
        ("--force-reinstall", "force_reinstall"),
    ):
        if getattr(args, name, False):
            options.append(flag)
    for flag, name in (
        ("-e", "editable"),
        ("--extra-index-url", "extra_index_url"),
        ("--find-links", "find_links"),
    ):
        for value in getattr(args, name, ()):
            options += [flag, value]
    if args.index_url:
        options += ["--index-url", args.index_url]
    return options


def _checked_names(names: list[str]) -> None:
    for name in names:
        if len(name) > 200 or any(c in name for c in "\n\r\0"):
            raise UsageError(f"{name[:40]!r} is neither a plugin nor a distribution name")


def install_command(args: argparse.Namespace, out: Output) -> int:
    """``plughost install``: an install, or ``--repair`` alone."""
    from .._manage.install import install, repair

    if not args.specs and not args.editable and not args.requirement:
        if not args.repair:
            raise UsageError(_NEEDED)
        done = repair(out=_stderr(out), verbosity=_verbosity(args))
        if out.as_json:
            out.json({"repaired": done}, indent=None)
        elif not args.quiet:
            out.write(done)
        return EXIT_OK
    outcome = install(
        args.specs,
        requirements=args.requirement,
        pip_options=_pip_options(args),
        keep=args.keep,
        allow_pth=args.allow_pth,
        out=_stderr(out),
        verbosity=_verbosity(args),
    )
    return _report(outcome, out, args.quiet)


def upgrade_command(args: argparse.Namespace, out: Output) -> int:
    """``plughost upgrade``: ``install -U`` of the plugin distributions."""
    from .._manage.install import upgrade

    _checked_names(args.names)
    outcome = upgrade(
        args.names,
        pip_options=_pip_options(args),
        keep=args.keep,
        allow_pth=args.allow_pth,
        out=_stderr(out),
        verbosity=_verbosity(args),
    )
    return _report(outcome, out, args.quiet)


def _report(outcome: InstallOutcome, out: Output, quiet: bool) -> int:
    """What happened, once; warnings and problems on stderr; the exit status."""
    if out.as_json:
        out.json(outcome.to_dict())
    elif not quiet:
        for line in outcome.summary():
            out.write(line)
    if outcome.rolled_back:
        # Warnings were about what is undone now: only the reason is left to say.
        out.note(f"error: {outcome.reason}")
        return EXIT_FAILED
    for warning in outcome.warnings:
        out.note(f"warning: {warning}")
    for problem in outcome.problems:
        out.note(f"warning: {problem}")
    return EXIT_OK if outcome.ok else EXIT_FAILED


def uninstall_command(args: argparse.Namespace, out: Output) -> int:
    """``plughost uninstall``: what was removed, as text or JSON."""
    from .._manage.install import uninstall

    _checked_names(args.targets)
    removed = uninstall(
        args.targets,
        yes=args.yes,
        force=args.force,
        out=_stderr(out),
        verbosity=_verbosity(args),
    )
    if out.as_json:
        out.json(
            {
                "uninstalled": [
                    {"distribution": d.name, "version": d.version, "plugins": list(d.plugins)}
                    for d in removed
                ]
            }
        )
    elif not args.quiet:
        for dist in removed:
            out.write(f"uninstalled {dist.name}")
        if not removed:
            out.write("nothing uninstalled")
    return EXIT_OK


def freeze_command(args: argparse.Namespace, out: Output) -> int:
    """``plughost freeze``: one pinned requirement per plugin distribution, sorted."""
    from .._manage.freeze import freeze

    frozen, warnings = freeze()
    for warning in warnings:
        out.note(f"warning: {warning}")
    if out.as_json:
        out.json([f.to_dict() for f in frozen])
        return EXIT_OK
    for item in frozen:
        out.write(item.requirement)
    if not frozen:
        out.note("note: no plugin distribution is installed: nothing to freeze")
    return EXIT_OK


def _stderr(out: Output) -> TextIO:
    """Our escaping stderr, for the functions that write their steps to a text stream."""
    return cast(TextIO, out.err)
