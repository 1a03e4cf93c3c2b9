"""``plughost new NAME``: a plugin project from the templates."""

from __future__ import annotations

import argparse
import logging

from .context import host_from
from .output import EXIT_OK, Output

__all__ = ["new_project"]

log = logging.getLogger("plughost")


def _warn_if_taken(args: argparse.Namespace) -> None:
    """A new plugin named like an installed one would conflict with it once installed."""
    try:
        taken = host_from(args).info(args.name)
    except Exception:  # not installed (or discovery failed): nothing to warn of
        return
    provider = f"by {taken.distribution} {taken.version}" if taken.distribution else "already"
    log.warning(
        "a plugin named %r is installed %s; once this project is installed too, neither"
        " loads (a conflict): choose another name, or uninstall the other first",
        args.name,
        provider,
    )


def new_project(args: argparse.Namespace, out: Output) -> int:
    """``plughost new NAME``: a plugin project, and what to do next."""
    import os
    from pathlib import Path

    from .._manage.scaffold import scaffold

    directory = Path(args.directory) if args.directory else None
    files = scaffold(args.name, directory)
    target = (directory or Path(f"plughost-{args.name}")).resolve()
    _warn_if_taken(args)
    if out.as_json:
        out.json({"directory": str(target), "files": [str(f) for f in files]})
        return EXIT_OK
    try:
        shown = os.path.relpath(target)
    except ValueError:
        shown = str(target)
    if shown.startswith(".."):
        shown = str(target)
    package = "plughost_" + args.name.replace("-", "_")
    out.write(f"created {shown}/ ({len(files)} files) for the plugin {args.name!r}")
    out.write("next steps:")
    out.write(f"  cd {shown}")
    out.write('  python -m pip install -e ".[test]"')
    out.write("  python -m pytest                      # or: nox")
    out.write(f"  plughost run {args.name} hello")
    out.write(f"edit src/{package}/__init__.py to write your commands; see README.md to publish")
    return EXIT_OK
