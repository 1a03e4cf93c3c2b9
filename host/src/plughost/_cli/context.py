"""What every command of the console script starts from: the policy, the host, a name."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

from .output import UsageError

if TYPE_CHECKING:
    from .._host import Host
    from .._policy.config import Policy

__all__ = ["check_name", "host_from", "policy_from"]

log = logging.getLogger("plughost")


def policy_from(args: argparse.Namespace) -> Policy:
    """The user's policy for this command line; its warnings logged."""
    from .._policy.config import load_policy

    policy = load_policy(no_plugins=bool(getattr(args, "no_plugins", False)))
    for warning in policy.warnings:
        log.warning("%s", warning)
    return policy


def host_from(args: argparse.Namespace) -> Host:
    """A ``Host`` under the user's policy, for one command."""
    from .._host import Host

    return Host(policy=policy_from(args), refresh=bool(getattr(args, "refresh", False)))


def check_name(name: str) -> None:
    """Refuse a plugin name that no entry point could have, before discovery."""
    from .._discovery.names import NAME_RULE, is_plugin_name

    if not is_plugin_name(name):
        shown = repr(name if len(name) <= 40 else name[:37] + "...")
        raise UsageError(
            f"{shown} is not a plugin name ({NAME_RULE}); run `plughost list` to see the"
            " installed plugins"
        )
