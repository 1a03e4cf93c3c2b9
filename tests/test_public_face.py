"""The public face: every name in ``__all__`` imports, and is one object wherever it is reached.

The names are pinned here, with the private module each is defined in, so
that moving a module (as the layout by stage did) cannot drop or duplicate
a public name without this test saying which.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import plughost
import plughost.testing
import plughost.worker
from plughost._runtime.client import python_worker_command
from plughost._runtime.server import NOT_DIRECTLY

PUBLIC: dict[str, dict[str, str | None]] = {
    "plughost": {
        "API_VERSION": None,
        "ENTRY_POINT_GROUP": None,
        "__version__": None,
        "ArgumentError": "plughost._errors",
        "CallTimeout": "plughost._errors",
        "CommandError": "plughost._errors",
        "CommandFailed": "plughost._errors",
        "ManifestError": "plughost._errors",
        "PlughostError": "plughost._errors",
        "PluginNotFound": "plughost._errors",
        "PluginUnavailable": "plughost._errors",
        "ProtocolError": "plughost._errors",
        "WorkerCrashed": "plughost._errors",
        "WorkerError": "plughost._errors",
        "WorkerStartError": "plughost._errors",
        "Plugin": "plughost._contract.plugin",
        "command": "plughost._contract.plugin",
        "CommandSpec": "plughost._contract.manifest",
        "Manifest": "plughost._contract.manifest",
        "ParamSpec": "plughost._contract.manifest",
        "SettingSpec": "plughost._contract.manifest",
        "TypeSpec": "plughost._contract.jsontypes",
        "ConfigError": "plughost._policy.config",
        "Policy": "plughost._policy.config",
        "load_policy": "plughost._policy.config",
        "Host": "plughost._host",
        "PluginInfo": "plughost._policy.info",
        "LoadedPlugin": "plughost._runtime.loaded",
        "IsolatedPlugin": "plughost._runtime.handles",
        "PluginState": "plughost._discovery.states",
    },
    "plughost.testing": {
        "PluginConformance": "plughost.testing",
        "Sample": "plughost.testing",
        "check_plugin": "plughost.testing",
        "plughost_host": "plughost.testing",
    },
}


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_all_is_the_pinned_list(module: str) -> None:
    assert sorted(sys.modules[module].__all__) == sorted(PUBLIC[module])


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_each_name_is_the_object_its_home_defines(module: str) -> None:
    for name, home in PUBLIC[module].items():
        value = getattr(sys.modules[module], name)
        if home is None:
            continue
        __import__(home)
        assert value is getattr(sys.modules[home], name), f"{module}.{name}"
        assert getattr(value, "__module__", home) == home, f"{module}.{name}"


def test_each_name_imports_alone_in_a_fresh_interpreter() -> None:
    # `from plughost import X` as the first thing a program does, for every X,
    # each in its own interpreter so that no earlier import hides a missing one.
    code = (
        "import importlib, sys\n"
        "module = importlib.import_module(sys.argv[1])\n"
        "print(getattr(module, sys.argv[2]) is getattr(module, sys.argv[2]))\n"
    )
    for module, table in PUBLIC.items():
        for name in table:
            result = subprocess.run(
                [sys.executable, "-c", code, module, name],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            assert result.stdout == "True\n", f"{module}.{name}"


def test_the_worker_module_runs_the_worker_server_both_ways() -> None:
    # As the host starts it (`-c`, no runpy) and as documented (`-m`): run by
    # hand, without the cookie, the worker server says so.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLUGHOST_")}
    for command in (python_worker_command(), [sys.executable, "-m", "plughost.worker"]):
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=60
        )
        assert (done.returncode, done.stdout, done.stderr) == (1, "", NOT_DIRECTLY + "\n")
    assert plughost.worker.__all__ == ["run"]


def test_what_a_plugin_imports_of_plughost_costs_no_module_a_bare_interpreter_lacks() -> None:
    # Every plugin's import runs `from plughost import Plugin, command`: that
    # may load plughost's own two modules and nothing heavier than `types`.
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "from plughost import Plugin, command\n"
        "print(' '.join(sorted(set(sys.modules) - before)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(result.stdout.split())
    assert {"plughost", "plughost._contract", "plughost._contract.plugin"} <= loaded
    assert not {"typing", "collections", "re", "enum", "functools", "dataclasses"} & loaded
