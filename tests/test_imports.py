"""What the command line imports: nothing heavy until a command needs it."""

from __future__ import annotations

import json
import textwrap

import pytest

from support import PluginEnv

_PROBE = textwrap.dedent(
    """
    import json, sys
    from plughost._cli import main
    code = main(sys.argv[1:])
    sys.stdout.flush()
    print("\\nMODULES " + json.dumps(sorted(sys.modules)), file=sys.stderr)
    """
)


def _modules_after(env: PluginEnv, *args: str) -> set[str]:
    result = env.python(_PROBE, *args)
    line = next(x for x in result.stderr.splitlines() if x.startswith("MODULES "))
    return set(json.loads(line.removeprefix("MODULES ")))


HEAVY = {"stevedore", "importlib.metadata", "packaging", "plughost._host", "plughost._discovery"}


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["run", "--help"]])
def test_version_and_help_import_no_discovery(plugin_env: PluginEnv, args: list[str]) -> None:
    modules = _modules_after(plugin_env, *args)
    assert not HEAVY & modules
    assert not {m for m in modules if m.startswith("plughost_")}


def test_list_imports_discovery_but_no_plugin(plugin_env: PluginEnv) -> None:
    modules = _modules_after(plugin_env, "list")
    assert {"stevedore", "importlib.metadata"} <= modules
    assert not {m for m in modules if m.startswith(("plughost_greeter", "plughost_fixture"))}


def test_run_imports_only_its_plugin(plugin_env: PluginEnv) -> None:
    modules = _modules_after(plugin_env, "run", "tools", "add", "1")
    plugins = {m.split(".")[0] for m in modules if m.startswith("plughost_")}
    assert plugins == {"plughost_fixture_tools"}
