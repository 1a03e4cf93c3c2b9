"""What ``plughost install`` did: the changes and the plugins' states (:func:`examine`), told
to a person (:meth:`InstallOutcome.summary`) or as JSON."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .children import Probe, check_plugins

__all__ = ["Change", "InstallOutcome", "examine"]

#: ``(distribution, old version, new version)``, ``None`` for "not installed".
Change = tuple[str, str | None, str | None]


@dataclass(frozen=True)
class InstallOutcome:
    """What :func:`plughost._manage.install.install` did.

    ``changed`` lists ``(distribution, old version, new version)``, ``None``
    for "not installed"; ``plugins`` the plugins of those distributions as
    checked (``name``, ``distribution``, ``version``, ``state``, ``reason``).
    ``problems`` are one line each (no plugin, not ``ok``, a crashed check).
    ``rolled_back`` says the changes were undone because of them, ``reason``
    why (with the fix), and ``restored`` that the distributions installed
    afterwards were verified to be exactly those installed before.
    ``warnings`` are one line each (a ``.pth`` file allowed to run code);
    ``repaired`` says what an interrupted install left that was undone first.
    ``action`` is ``install`` or ``upgrade``; an upgrade's ``considered``
    lists the distributions it asked pip to upgrade (``name version``).
    """

    changed: tuple[Change, ...] = ()
    plugins: tuple[dict[str, Any], ...] = ()
    rolled_back: bool = False
    reason: str = ""
    restored: bool = False
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    repaired: str = ""
    action: str = "install"
    considered: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Kept, and every plugin is ``ok``: the CLI exits 0 only then."""
        return not self.rolled_back and not self.problems

    def with_repaired(self, repaired: str) -> InstallOutcome:
        """The same outcome, noting the repair done before it."""
        return dataclasses.replace(self, repaired=repaired)

    def as_upgrade(self, considered: Sequence[str]) -> InstallOutcome:
        """The same outcome, as that of an upgrade of ``considered``."""
        return dataclasses.replace(self, action="upgrade", considered=tuple(considered))

    def to_dict(self) -> dict[str, Any]:
        """The outcome as JSON data (``plughost install --json``)."""
        changed = [{"distribution": d, "old": o, "new": n} for d, o, n in self.changed]
        plugins = [dict(p) for p in self.plugins]
        data = {**asdict(self), "changed": changed, "plugins": plugins}
        return (
            data
            | {"problems": list(self.problems), "warnings": list(self.warnings)}
            | {"ok": self.ok}
        )

    def summary(self) -> list[str]:
        """Lines for stdout: what changed and the plugins' states.

        Nothing of a rollback: the one error line (``reason``) says what was
        refused and why, and no line claims a change that was undone.
        """
        lines = [self.repaired] if self.repaired else []
        if self.rolled_back:
            return lines
        if not self.changed and self.action == "upgrade":
            if not self.considered:
                return [*lines, "nothing to upgrade: no plugin distribution from an index"]
            shown = ", ".join(self.considered[:3])
            shown += f" and {len(self.considered) - 3} more" if len(self.considered) > 3 else ""
            verb = "is" if len(self.considered) == 1 else "are"
            return [*lines, f"nothing to upgrade: {shown} {verb} at the newest release pip finds"]
        if not self.changed:
            return [*lines, "nothing to do: what was asked for is already installed"]
        lines += [_describe(*change) for change in self.changed]
        width = max((len(p["name"]) for p in self.plugins), default=0)
        lines += ["plugins:"] if self.plugins else []
        for p in self.plugins:
            state = p["state"] if p["state"] == "ok" else f"{p['state']}: {p['reason']}"
            lines.append(f"  {p['name'].ljust(width)}  {state}")
        return lines


def _describe(name: str, old: str | None, new: str | None) -> str:
    from packaging.version import InvalidVersion, Version

    if old is None or new is None or old == new:
        verb = "installed" if old is None else "removed" if new is None else "reinstalled"
        return f"{verb} {name} {new or old}"
    try:
        verb = "upgraded" if Version(new) > Version(old) else "downgraded"
    except InvalidVersion:
        verb = "changed"
    return f"{verb} {name} {old} -> {new}"


def examine(
    before: Probe, after: Probe, planned: Mapping[str, Mapping[str, Any]]
) -> tuple[tuple[Change, ...], tuple[dict[str, Any], ...], tuple[str, ...]]:
    """What changed, the states of its plugins, and the problems found."""
    everything = before.dists.keys() | after.dists.keys()
    keys = {k for k in everything if before.version(k) != after.version(k)}
    keys |= planned.keys() & after.dists.keys()
    changed = sorted(
        ((after.dists.get(k) or before.dists[k]).name, before.version(k), after.version(k))
        for k in keys
    )
    # A distribution asked for by name must register a plugin, unless one of
    # the others needs it (a requirements file pins the dependencies too).
    needed = _needed(planned)
    problems = [
        f"{after.dists[k].label()} registers no plugin (no entry point in 'plughost.plugins');"
        " check the name: plugin distributions are usually called plughost-NAME"
        for k in sorted(keys & after.dists.keys())
        if planned.get(k, {}).get("requested") and not after.dists[k].plugins and k not in needed
    ]
    names = sorted({p for k in keys & after.dists.keys() for p in after.dists[k].plugins})
    plugins, failure = check_plugins(after.python, names, after) if names else ([], "")
    if failure:
        problems.append(failure)
    else:
        problems += [
            p["reason"] or f"plugin {p['name']!r} is {p['state']}"
            for p in plugins
            if p["state"] not in ("ok", "disabled")  # disabled: the user's choice, not a defect
        ]
    return tuple(changed), tuple(plugins), tuple(problems)


def _needed(planned: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """The distributions that the planned ones require (markers aside), by canonical name."""
    from packaging.requirements import InvalidRequirement, Requirement

    from .._discovery.entrypoints import canonical_name

    needed: set[str] = set()
    for item in planned.values():
        for text in item.get("metadata", {}).get("requires_dist") or ():
            try:
                needed.add(canonical_name(Requirement(text).name))
            except (InvalidRequirement, TypeError):
                continue
    return needed
