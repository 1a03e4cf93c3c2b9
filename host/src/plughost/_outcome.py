"""What ``plughost install`` did, for a person (:meth:`InstallOutcome.summary`) or as JSON."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Change", "InstallOutcome"]

#: ``(distribution, old version, new version)``, ``None`` for "not installed".
Change = tuple[str, str | None, str | None]


@dataclass(frozen=True)
class InstallOutcome:
    """What :func:`plughost._manage.install` did.

    ``changed`` lists ``(distribution, old version, new version)``, ``None``
    for "not installed"; ``plugins`` the plugins of those distributions as
    checked (``name``, ``distribution``, ``version``, ``state``, ``reason``).
    ``problems`` are one line each (no plugin, not ``ok``, a crashed check).
    ``rolled_back`` says the changes were undone because of them, ``reason``
    why (with the fix), and ``restored`` that the distributions installed
    afterwards were verified to be exactly those installed before.
    ``warnings`` are one line each (a ``.pth`` file allowed to run code);
    ``repaired`` says what an interrupted install left that was undone first.
    """

    changed: tuple[Change, ...] = ()
    plugins: tuple[dict[str, Any], ...] = ()
    rolled_back: bool = False
    reason: str = ""
    restored: bool = False
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    repaired: str = ""

    @property
    def ok(self) -> bool:
        """Kept, and every plugin is ``ok``: the CLI exits 0 only then."""
        return not self.rolled_back and not self.problems

    def with_repaired(self, repaired: str) -> InstallOutcome:
        """The same outcome, noting the repair done before it."""
        return dataclasses.replace(self, repaired=repaired)

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
        """Lines for a person: what changed, the plugins' states, the rollback."""
        lines = [self.repaired] if self.repaired else []
        if not self.changed:
            return [*lines, "nothing to do: what was asked for is already installed"]
        lines += [_describe(*change) for change in self.changed]
        width = max((len(p["name"]) for p in self.plugins), default=0)
        lines += ["plugins:"] if self.plugins else []
        for p in self.plugins:
            state = p["state"] if p["state"] == "ok" else f"{p['state']}: {p['reason']}"
            lines.append(f"  {p['name'].ljust(width)}  {state}")
        if self.rolled_back:
            lines.append(
                "rolled back: the installed distributions are exactly as before"
                if self.restored
                else "rolled back, but not completely (see the error)"
            )
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
