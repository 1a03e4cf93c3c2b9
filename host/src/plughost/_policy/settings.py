"""The user's settings for a plugin, checked against the settings it declares.

The same check runs wherever a plugin is loaded, in the host and in a
worker, before the plugin is created: an unknown key or a value of the
wrong type is a problem, one line naming the config file, the plugin and
the key; a declared setting the user left out takes its default. A plugin
that declares no settings gets every key, unchecked, as it always has.
"""

from __future__ import annotations

from .._contract.manifest import SETTING_NAME, Manifest
from .._errors import PluginUnavailable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = ["require_fitting_settings", "resolve_settings"]


def resolve_settings(
    manifest: Manifest, values: Mapping[str, Any], *, config: str | None = None
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The settings the plugin gets, and every problem with the user's ``values``.

    ``config`` is the file the values come from, for the messages. The
    settings hold each declared setting, in the order declared: the user's
    value (an integer given for a number becomes a float, as in a call), or
    the default.
    """
    if manifest.settings is None:
        return dict(values), ()
    prefix = f"config file {config}: " if config else ""
    plugin = manifest.name
    declared = [s.name for s in manifest.settings]
    problems: list[str] = []
    for key in values:
        if manifest.setting(key) is None:
            problems.append(
                f"{prefix}{_key(plugin, key)} is not a setting of plugin {plugin!r};"
                f" {_unknown_hint(key, declared)}"
            )
    settings: dict[str, Any] = {}
    for spec in manifest.settings:
        if spec.name not in values:
            settings[spec.name] = spec.type.normalise(spec.default)
            continue
        value = values[spec.name]
        if not spec.type.accepts(value):
            problems.append(
                f"{prefix}{_key(plugin, spec.name)}, a setting of plugin {plugin!r}, must be"
                f" {spec.type.describe()}, not {_shown(value)}; fix its value"
            )
            continue
        settings[spec.name] = spec.type.normalise(value)
    return settings, tuple(problems)


def require_fitting_settings(
    manifest: Manifest, values: Mapping[str, Any], *, config: str | None = None
) -> None:
    """Raise :class:`PluginUnavailable` (state ``invalid``) if ``values`` do not fit."""
    _, problems = resolve_settings(manifest, values, config=config)
    if problems:
        more = len(problems) - 1
        raise PluginUnavailable(
            problems[0] + (f" (and {more} more problem(s))" if more else ""),
            plugin=manifest.name,
            distribution=manifest.distribution,
            state="invalid",
        )


def _key(plugin: str, key: str) -> str:
    return f"plugins.{plugin}.{key if SETTING_NAME.fullmatch(key) else repr(key)}"


def _unknown_hint(key: str, declared: list[str]) -> str:
    if not declared:
        return "it takes no settings: remove the key"
    import difflib

    close = difflib.get_close_matches(key, declared, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"its settings are {', '.join(declared)}"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
