"""What the command line imports: nothing heavy until a command needs it."""

from __future__ import annotations

import json
import textwrap

import pytest

from support import PluginEnv

_PROBE = textwrap.dedent(
    """
    import json, sys
    from plughost._cli.main import main
    code = main(sys.argv[1:])
    sys.stdout.flush()
    print("\\nMODULES " + json.dumps(sorted(sys.modules)), file=sys.stderr)
    """
)


def _modules_after(env: PluginEnv, *args: str) -> set[str]:
    result = env.python(_PROBE, *args)
    line = next(x for x in result.stderr.splitlines() if x.startswith("MODULES "))
    return set(json.loads(line.removeprefix("MODULES ")))


HEAVY = {
    "stevedore",
    "importlib.metadata",
    "packaging",
    "plughost._host",
    "plughost._discovery.entrypoints",
}


@pytest.mark.parametrize(
    "args", [["--version"], ["--help"], ["run", "--help"], ["completion", "bash"]]
)
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


def test_completion_imports_neither_discovery_nor_the_parser_of_a_plugin(
    plugin_env: PluginEnv,
) -> None:
    """At every TAB: the index and the records are read, nothing else is imported."""
    assert plugin_env.plughost("check", "tools").returncode == 0
    words = ["__complete", "bash", "run", "tools", "echo", "--m"]
    # The first run discovers (through stevedore) and writes the index for this
    # interpreter's search path; it imports no plugin either.
    cold = _modules_after(plugin_env, *words)
    assert "stevedore" in cold
    assert not {m for m in cold if m.startswith("plughost_")}
    result = plugin_env.python(_PROBE, *words)
    assert result.stdout == "--mode\n", result
    modules = _modules_after(plugin_env, *words)
    assert not HEAVY & modules
    assert not {m for m in modules if m.startswith("plughost_")}
    lean = {
        "argparse",
        "dataclasses",
        "pathlib",
        "tempfile",
        "plughost._contract.manifest",
        "plughost._cli.runargs",
    }
    assert not lean & modules
    own = {m for m in modules if m.startswith("plughost.")}
    assert own - _modules_after(plugin_env, "--version") == {
        "plughost._cli.completion",
        "plughost._cli.completion_data",
        "plughost._discovery",  # the package, whose __init__ imports nothing
        "plughost._discovery.index_data",
        "plughost._discovery.lean",
        "plughost._discovery.names",
    }


def test_a_warm_list_imports_nothing_heavy(clean_env: PluginEnv) -> None:
    """The console script's fast path: a plain `plughost list` with the index warm."""
    assert clean_env.plughost("list").returncode == 0  # builds the index
    assert clean_env.plughost("check", "greeter").returncode == 0  # a record with a manifest
    result = clean_env.plughost(
        "list", env=clean_env.environ(PYTHONPROFILEIMPORTTIME="1"), timeout=60
    )
    assert result.returncode == 0 and "greeter     ok" in result.stdout, result
    modules = {
        line.split("|")[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "plughost._cli.fast" in modules
    heavy = {"argparse", "logging", "dataclasses", "pathlib", "hashlib", "typing", "tomllib"}
    assert not (heavy | HEAVY) & modules
    assert not {m for m in modules if m.startswith("plughost_")}


# The records on the way to a call are plain classes (plughost._plain), so
# with the index warm no data class is made and `dataclasses` (with
# `inspect`, `ast`, `dis`) is not imported. A cold index may still import it:
# `packaging`, for a requirement on plughost too rich to judge by hand, makes
# data classes of its own.
@pytest.mark.parametrize("args", [["list", "--json"], ["info", "tools"]])
def test_list_json_and_info_import_no_dataclasses(plugin_env: PluginEnv, args: list[str]) -> None:
    assert plugin_env.plughost("check", "tools").returncode == 0
    cold = _modules_after(plugin_env, *args)
    assert "stevedore" in cold  # the index is built for this sys.path
    modules = _modules_after(plugin_env, *args)
    assert "plughost._policy.info" in modules  # the full path, not the console script's fast one
    assert "packaging" not in modules
    assert not {"dataclasses", "inspect", "ast", "dis"} & modules


def test_run_imports_no_dataclasses(plugin_env: PluginEnv) -> None:
    """`inspect` still comes with the validator on `run`; `dataclasses` no longer does."""
    _modules_after(plugin_env, "list")
    modules = _modules_after(plugin_env, "run", "tools", "add", "1")
    assert "plughost._runtime.loading" in modules
    assert "dataclasses" not in modules
