"""The states a plugin can be in."""

from __future__ import annotations

import enum

__all__ = ["PluginState"]


class PluginState(enum.StrEnum):
    """Where a plugin stands, from discovery to a successful validation.

    ``disabled``, ``conflict`` and ``incompatible`` are decided from metadata
    alone, before any import. ``broken`` and ``invalid`` need an import;
    until a plugin has been imported and validated (by ``plughost check`` or
    a run) and as long as its files have not changed since, ``plughost list``
    shows it as ``unchecked``.
    """

    OK = "ok"
    DISABLED = "disabled"
    CONFLICT = "conflict"
    INCOMPATIBLE = "incompatible"
    BROKEN = "broken"
    INVALID = "invalid"
    UNCHECKED = "unchecked"
