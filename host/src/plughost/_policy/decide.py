"""Everything decided about the plugins before any import.

From the discovered entry points (or plugin classes given directly) and the
user's policy, each plugin name gets an :class:`Entry`: its candidate
distribution and a state of ``disabled``, ``conflict``, ``incompatible`` or
(not decided yet) ``unchecked``. Order of the checks: policy (allow, disable,
``enabled = false``), then conflicts and pins, then compatibility. Nothing
here imports plugin code.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .._discovery.compat import check_compatibility
from .._discovery.entrypoints import Candidate, canonical_name
from .._discovery.lean import own_metadata
from .._discovery.names import bad_name_reason, is_plugin_name
from .._discovery.states import PluginState
from .._plain import field, frozen, mutable
from .config import Policy

__all__ = ["Entry", "decide"]

log = logging.getLogger(__name__)


@mutable
class Entry:
    """A plugin name with everything decided about it from metadata.

    ``python`` or ``command`` is set for a plugin that runs in a process of
    its own (another interpreter; another language). ``loadable`` is false
    for the rows that only explain a pin (the distributions a pin passed over).
    """

    name: str
    candidate: Candidate | None
    state: PluginState
    reason: str = ""
    requires: str | None = None
    cls: object = None
    python: str | None = None
    command: tuple[str, ...] | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    loadable: bool = True


@frozen
class Decision:
    """The entries by name, the extra rows a pin produced, and warnings."""

    entries: dict[str, Entry]
    passed_over: list[Entry]


def decide(
    candidates: Iterable[Candidate] | None,
    *,
    policy: Policy,
    host_version: str,
    api_version: str,
    classes: Mapping[str, object] | None = None,
    disable: Iterable[str] = (),
    interpreters: Mapping[str, str] | None = None,
    executables: Mapping[str, Sequence[str]] | None = None,
    installed: tuple[set[str], set[str]] | None = None,
) -> Decision:
    """Decide every plugin's state from metadata and policy.

    ``installed`` (every plugin name and plugin distribution there is) is
    given when ``candidates`` are those of one name only: the policy's
    warnings about names and distributions nothing provides look at it.
    """
    entries: dict[str, Entry] = {}
    passed_over: list[Entry] = []
    if classes is not None:
        for name, obj in classes.items():
            entries[name] = Entry(name, None, PluginState.UNCHECKED, cls=obj)
    else:
        by_name: dict[str, list[Candidate]] = {}
        for cand in candidates or ():
            by_name.setdefault(cand.name, []).append(cand)
        for name, cands in by_name.items():
            entry, others = _resolve(name, cands, policy, host_version, api_version)
            entries[name] = entry
            passed_over.extend(others)
    for name, plugin in policy.plugins.items():
        if plugin.python or plugin.command:
            _run_elsewhere(entries, name, plugin.python, plugin.command)
    for name, python in (interpreters or {}).items():
        _run_elsewhere(entries, name, python, None)
    for name, command in (executables or {}).items():
        _run_elsewhere(entries, name, None, tuple(command))
    _apply_policy(entries, policy, frozenset(disable), installed)
    for name, entry in entries.items():
        entry.settings = policy.plugin(name).settings
    return Decision(dict(sorted(entries.items())), passed_over)


def _run_elsewhere(
    entries: dict[str, Entry], name: str, python: str | None, command: tuple[str, ...] | None
) -> None:
    found = entries.get(name)
    if found is None or found.state is PluginState.CONFLICT or command is not None:
        entries[name] = Entry(name, None, PluginState.UNCHECKED, python=python, command=command)
    else:
        found.python = python


def _resolve(
    name: str,
    cands: list[Candidate],
    policy: Policy,
    host_version: str,
    api_version: str,
) -> tuple[Entry, list[Entry]]:
    """One entry for ``name``, and rows for the distributions a pin passed over."""
    if not is_plugin_name(name):
        cand = cands[0]
        label = cand.dist.label() if cand.dist else "its distribution"
        return Entry(name, cand, PluginState.INVALID, bad_name_reason(name, label)), []
    dists = {c.dist.key: c for c in cands if c.dist is not None}
    pin = policy.plugin(name).distribution
    passed_over: list[Entry] = []
    where = f"[plugins.{name}] distribution in {policy.path}"
    if pin is not None:
        chosen = dists.get(canonical_name(pin))
        if chosen is None:
            offered = " and ".join(c.dist.label() for c in dists.values() if c.dist)
            reason = (
                f"plugin {name!r} is pinned to distribution {pin!r} by {where}, but"
                f" {pin!r} {_not_providing(pin)}; it is provided by {offered}: install"
                f" {pin} or change the pin"
            )
            return Entry(name, None, PluginState.CONFLICT, reason), []
        for _, other in sorted(dists.items()):
            if other is chosen or other.dist is None:
                continue
            passed_over.append(
                Entry(
                    name,
                    other,
                    PluginState.CONFLICT,
                    f"plugin name {name!r} is also provided by {other.dist.label()}; {where}"
                    f" chooses {chosen.dist.label() if chosen.dist else pin}",
                    loadable=False,
                )
            )
        cands = [chosen]
    elif len(dists) > 1:
        ordered = sorted(dists.values(), key=lambda c: c.dist.key if c.dist else "")
        labels = " and ".join(c.dist.label() for c in ordered if c.dist)
        names = " or ".join(f"plughost uninstall {c.dist.name}" for c in ordered if c.dist)
        reason = (
            f"plugin name {name!r} is provided by both {labels}; neither is loaded until"
            f" one is uninstalled ({names}) or chosen with"
            f' [plugins.{name}] distribution = "..." in the config file'
        )
        return Entry(name, None, PluginState.CONFLICT, reason), []
    cand = cands[0]
    project = cand.dist.editable_project() if cand.dist else None
    for shadow in cand.shadowed:
        if cand.dist is not None and own_metadata(
            project, cand.dist.version, shadow.version, shadow.path
        ):
            continue
        log.warning(
            "%s at %s is shadowed by the copy at %s, which is the one used; remove the stale copy",
            shadow.label(),
            shadow.path,
            cand.dist.path if cand.dist else "?",
        )
    if cand.dist is None:
        return Entry(name, cand, PluginState.UNCHECKED), passed_over
    compat = cand.compat or check_compatibility(name, cand.dist, host_version, api_version)
    state = PluginState.UNCHECKED if compat.ok else PluginState.INCOMPATIBLE
    return Entry(name, cand, state, compat.reason, requires=compat.requirement), passed_over


def _not_providing(pin: str) -> str:
    import importlib.metadata

    try:
        importlib.metadata.distribution(pin)
    except importlib.metadata.PackageNotFoundError:
        return "is not installed"
    return "does not provide it"


def _apply_policy(
    entries: dict[str, Entry],
    policy: Policy,
    disable: frozenset[str],
    installed: tuple[set[str], set[str]] | None,
) -> None:
    allow = policy.allow
    known = set(entries) if installed is None else set(entries) | installed[0]
    if allow is not None:
        provided = {
            e.candidate.dist.key for e in entries.values() if e.candidate and e.candidate.dist
        }
        if installed is not None:
            provided |= installed[1]
        for missing in sorted(allow - provided):
            log.warning(
                "%s allows distribution %r, which provides no installed plugin%s",
                policy.sources.get("allow", "the allow list"),
                missing,
                _meant(missing, provided),
            )
    names = policy.disable | disable
    for missing in sorted(names - known):
        log.warning(
            "%s disables %r, but no plugin of that name is installed%s",
            policy.sources.get("disable", "the disable list"),
            missing,
            _meant(missing, sorted(known)),
        )
    for missing in sorted(policy.plugins.keys() - known):
        log.warning(
            "%s has a [plugins.%s] table, but no plugin of that name is installed%s",
            f"config file {policy.path}",
            missing,
            _meant(missing, sorted(known)),
        )
    for name, entry in entries.items():
        reason = _blocked(name, entry, policy, names, disable)
        if reason:
            entry.state = PluginState.DISABLED
            entry.reason = reason


def _meant(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _blocked(
    name: str, entry: Entry, policy: Policy, names: frozenset[str], explicit: frozenset[str]
) -> str:
    source = policy.sources
    dist = entry.candidate.dist if entry.candidate else None
    if policy.allow is not None and (
        (dist is not None and dist.key not in policy.allow)
        or (dist is None and not policy.allow and entry.cls is None)
    ):
        if source.get("allow") == "--no-plugins":
            return f"plugin {name!r} is not loaded because of --no-plugins"
        what = f"distribution {dist.name}" if dist else "it"
        return (
            f"plugin {name!r} is disabled: {what} is not in the allow list"
            f" ({source.get('allow')}); add it there to load it"
        )
    if name in explicit:
        return f"plugin {name!r} is disabled by the host's settings; enable it there"
    if name in names:
        return f"plugin {name!r} is disabled by {source.get('disable')}; remove it there to load it"
    if not policy.plugin(name).enabled:
        return (
            f"plugin {name!r} is disabled by [plugins.{name}] enabled = false in"
            f" {policy.path}; set it to true to load it"
        )
    return ""
