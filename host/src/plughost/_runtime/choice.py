"""Which runtime a plugin runs in, and with what start settings, from its entry and the policy.

In order: the ``runtime`` its config section names (``"in-process"`` gives
way when the caller asks for a process of its own); ``executable`` for a
plugin with a ``command``; ``worker`` when it is isolated (by the caller, by
``isolate``, or because it lives under another interpreter); else
``in-process``.
"""

from __future__ import annotations

from collections.abc import Set
from typing import TYPE_CHECKING

from .._errors import PluginUnavailable
from .interface import StartSettings, runtime_named

if TYPE_CHECKING:
    from .._policy.config import Policy
    from .._policy.decide import Entry
    from .interface import Runtime

__all__ = ["choose_runtime", "plan", "runs_elsewhere", "start_settings"]


def runs_elsewhere(entry: Entry, policy: Policy, isolate: Set[str]) -> bool:
    """Whether the settings run ``entry`` in a process of its own."""
    return (
        entry.command is not None
        or entry.python is not None
        or bool({entry.name, "*"} & isolate)
        or policy.plugin(entry.name).isolate
    )


def choose_runtime(
    entry: Entry,
    policy: Policy,
    *,
    isolated: bool | None,
    python: str | None,
    isolate: Set[str],
) -> Runtime:
    """The runtime ``entry`` runs in; ``PluginUnavailable`` if the config names an unknown one."""
    named = policy.plugin(entry.name).runtime
    if named == "in-process" and (isolated or python):
        named = None
    if named is None and entry.command is not None:
        named = "executable"
    if named is None:
        if isolated is None:
            isolated = python is not None or runs_elsewhere(entry, policy, isolate)
        named = "worker" if isolated or python else "in-process"
    try:
        return runtime_named(named)
    except KeyError as exc:
        where = f" in {policy.path}" if policy.path else ""
        known = str(exc.args[0]).partition("; ")[2]
        raise PluginUnavailable(
            f"plugin {entry.name!r} is to run in runtime {named!r}, which plughost does not"
            f" know ({known}); fix runtime in [plugins.{entry.name}]{where}",
            plugin=entry.name,
        ) from None


def start_settings(
    entry: Entry,
    policy: Policy,
    *,
    python: str | None,
    timeout: float | None,
    start_timeout: float | None,
    default_timeout: float | None,
    default_start_timeout: float,
) -> StartSettings:
    """The settings, time limits and interpreter ``entry`` starts with.

    An explicit limit wins, then the plugin's own section, then the host's.
    """
    own = policy.plugin(entry.name)
    return StartSettings(
        settings=entry.settings,
        start_timeout=start_timeout or own.start_timeout or default_start_timeout,
        call_timeout=timeout or own.timeout or default_timeout,
        config=None if policy.path is None else str(policy.path),
        python=python or entry.python,
    )


def plan(
    entry: Entry,
    policy: Policy,
    *,
    isolated: bool | None,
    python: str | None,
    timeout: float | None,
    start_timeout: float | None,
    isolate: Set[str],
    defaults: tuple[float | None, float],
) -> tuple[Runtime, StartSettings]:
    """The runtime and the start settings of ``entry``; ``defaults``: the host's two limits."""
    runtime = choose_runtime(entry, policy, isolated=isolated, python=python, isolate=isolate)
    start = start_settings(
        entry,
        policy,
        python=python,
        timeout=timeout,
        start_timeout=start_timeout,
        default_timeout=defaults[0],
        default_start_timeout=defaults[1],
    )
    return runtime, start
