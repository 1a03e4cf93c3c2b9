"""The commands that change or check the environment.

``install``, ``upgrade``, ``uninstall``, ``freeze`` and ``verify``.
"""

from __future__ import annotations

import argparse
import logging

from .context import check_name, host_from, policy_from
from .output import EXIT_FAILED, EXIT_OK, Output

__all__ = ["freeze", "install", "refresh_index", "uninstall", "upgrade", "verify"]

log = logging.getLogger("plughost")


def install(args: argparse.Namespace, out: Output) -> int:
    """``plughost install``, then the discovery index rebuilt."""
    from .manage import install_command

    try:
        return install_command(args, out)
    finally:
        refresh_index(args)


def upgrade(args: argparse.Namespace, out: Output) -> int:
    """``plughost upgrade``, then the discovery index rebuilt."""
    from .manage import upgrade_command

    try:
        return upgrade_command(args, out)
    finally:
        refresh_index(args)


def uninstall(args: argparse.Namespace, out: Output) -> int:
    """``plughost uninstall``, then the discovery index rebuilt."""
    from .manage import uninstall_command

    try:
        return uninstall_command(args, out)
    finally:
        refresh_index(args)


def freeze(args: argparse.Namespace, out: Output) -> int:
    """``plughost freeze``: the plugin distributions as requirements."""
    from .manage import freeze_command

    return freeze_command(args, out)


def refresh_index(args: argparse.Namespace) -> None:
    """After pip changed the environment, rebuild the discovery index now."""
    from .._host import Host

    try:
        Host(policy=policy_from(args), refresh=True).names()
    except Exception as exc:
        log.debug("could not refresh the discovery index: %s", exc)


def verify(args: argparse.Namespace, out: Output) -> int:
    """``plughost verify``: installed files against their RECORD hashes."""
    for name in args.names:
        check_name(name)
    results = host_from(args).verify(args.names or None)
    if out.as_json:
        out.json([{"plugins": plugins, **report.to_dict()} for plugins, report in results])
    else:
        if not results:
            out.write("no plugin distributions to verify")
        for plugins, report in results:
            verdict = "ok" if report.ok else "MODIFIED"
            out.write(
                f"{report.distribution} {report.version} ({', '.join(plugins)}): {verdict},"
                f" {report.files_checked} files checked"
            )
            for problem in report.problems:
                out.write(f"  {problem.describe()}")
    return EXIT_OK if all(report.ok for _, report in results) else EXIT_FAILED
