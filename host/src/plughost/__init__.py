"""plughost: a plugin host for Python.

Plugins are pip-installable distributions that register a class deriving from
:class:`Plugin` in the ``plughost.plugins`` entry-point group. The host finds
them through stevedore, validates them against the contract and runs their
commands. See https://github.com/plughost/plughost for the user guide.

The names below are the whole public API; everything else lives in
underscored modules and may change. They are imported on first use, so that
``import plughost`` (and so ``plughost --version`` and ``plughost list``)
stays cheap.
"""

from __future__ import annotations

import sys

# Not typing.TYPE_CHECKING: `python -m plughost` imports this module while the
# current directory is still first on sys.path, so it imports nothing that a
# `typing.py` there could stand in for (nor importlib: ``__import__`` does).
TYPE_CHECKING = False

__version__ = "1.0.0"

#: The version of the plugin contract (``MAJOR.MINOR``). A plugin states the
#: host releases it supports with ``Requires-Dist: plughost>=1.0,<2``.
API_VERSION = "1.0"

#: The entry-point group plugins register in.
ENTRY_POINT_GROUP = "plughost.plugins"

__all__ = [
    "API_VERSION",
    "ENTRY_POINT_GROUP",
    "ArgumentError",
    "CallTimeout",
    "CommandError",
    "CommandFailed",
    "CommandSpec",
    "ConfigError",
    "Host",
    "IsolatedPlugin",
    "LoadedPlugin",
    "Manifest",
    "ManifestError",
    "ParamSpec",
    "PlughostError",
    "Plugin",
    "PluginInfo",
    "PluginNotFound",
    "PluginState",
    "PluginUnavailable",
    "Policy",
    "ProtocolError",
    "SettingSpec",
    "TypeSpec",
    "WorkerCrashed",
    "WorkerError",
    "WorkerStartError",
    "__version__",
    "command",
    "load_policy",
]

_LAZY = {
    "ArgumentError": "_errors",
    "CommandError": "_errors",
    "CommandFailed": "_errors",
    "ManifestError": "_errors",
    "PlughostError": "_errors",
    "PluginNotFound": "_errors",
    "PluginUnavailable": "_errors",
    "WorkerError": "_errors",
    "WorkerStartError": "_errors",
    "WorkerCrashed": "_errors",
    "CallTimeout": "_errors",
    "ProtocolError": "_errors",
    "Plugin": "_contract.plugin",
    "command": "_contract.plugin",
    "CommandSpec": "_contract.manifest",
    "Manifest": "_contract.manifest",
    "ParamSpec": "_contract.manifest",
    "SettingSpec": "_contract.manifest",
    "TypeSpec": "_contract.manifest",
    "ConfigError": "_policy.config",
    "Policy": "_policy.config",
    "load_policy": "_policy.config",
    "Host": "_host",
    "LoadedPlugin": "_runtime.loaded",
    "IsolatedPlugin": "_runtime.handles",
    "PluginInfo": "_host",
    "PluginState": "_discovery.states",
}

if TYPE_CHECKING:
    from typing import Any

    from ._contract.manifest import CommandSpec, Manifest, ParamSpec, SettingSpec, TypeSpec
    from ._contract.plugin import Plugin, command
    from ._discovery.states import PluginState
    from ._errors import (
        ArgumentError,
        CallTimeout,
        CommandError,
        CommandFailed,
        ManifestError,
        PlughostError,
        PluginNotFound,
        PluginUnavailable,
        ProtocolError,
        WorkerCrashed,
        WorkerError,
        WorkerStartError,
    )
    from ._host import Host, PluginInfo
    from ._policy.config import ConfigError, Policy, load_policy
    from ._runtime.handles import IsolatedPlugin
    from ._runtime.loaded import LoadedPlugin


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'plughost' has no attribute {name!r}")
    __import__(f"plughost.{module}")
    value = getattr(sys.modules[f"plughost.{module}"], name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
