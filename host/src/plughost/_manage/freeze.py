"""``plughost freeze``: the installed plugin distributions as pinned requirements.

A plugin distribution is one that registers at least one entry point in
``plughost.plugins`` (plughost itself never counts). Each is written the way
``pip freeze`` writes it (:func:`plughost._manage.direct_url.requirement_line`), one
per line, sorted by name, so that ``plughost install -r FILE`` recreates the
set in another environment (their dependencies follow, as pip resolves them).

It reads the environment through the same child as install
(:func:`plughost._manage.children.probe`) and the ``direct_url.json`` files directly; no
plugin code is imported.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Any

from .children import Dist, probe
from .direct_url import read_origin, requirement_line

__all__ = ["Frozen", "freeze", "plugin_dists"]

# A project name as PEP 508 allows it: anything else could not be read back.
_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")


@dataclass(frozen=True)
class Frozen:
    """One plugin distribution and its requirement line."""

    name: str
    version: str
    requirement: str
    plugins: tuple[str, ...]
    editable: bool
    url: str | None

    def to_dict(self) -> dict[str, Any]:
        """As ``plughost freeze --json`` prints it."""
        return {
            "name": self.name,
            "version": self.version,
            "requirement": self.requirement,
            "plugins": list(self.plugins),
            "editable": self.editable,
            "url": self.url,
        }


def plugin_dists(dists: dict[str, Dist]) -> dict[str, Dist]:
    """The distributions that register a plugin, plughost aside, by canonical name."""
    return {k: d for k, d in sorted(dists.items()) if d.plugins and k != "plughost"}


def freeze(python: str = sys.executable) -> tuple[list[Frozen], list[str]]:
    """The plugin distributions installed for ``python``, sorted, and warnings (one line each)."""
    from packaging.version import InvalidVersion, Version

    frozen: list[Frozen] = []
    warnings: list[str] = []
    for dist in plugin_dists(dict(probe(python).dists)).values():
        if not _NAME.fullmatch(dist.name):
            warnings.append(f"left out {dist.name!r}: its metadata gives no valid project name")
            continue
        origin, problem = read_origin(dist.path)
        if problem:
            warnings.append(f"{dist.label()} is written as from an index: {problem}")
        line = requirement_line(dist.name, dist.version, origin)
        if origin is None:
            try:
                Version(dist.version)
            except InvalidVersion:
                line = f"{dist.name}==={dist.version}"  # pip's arbitrary equality
            if not re.fullmatch(r"[^\s#;\\]+", dist.version):
                warnings.append(f"left out {dist.name}: its version {dist.version!r} is not one")
                continue
        frozen.append(
            Frozen(
                dist.name,
                dist.version,
                line,
                dist.plugins,
                bool(origin and origin.editable),
                origin.reference() if origin else None,
            )
        )
    return frozen, warnings
