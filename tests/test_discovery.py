"""Discovery over real installed fixture distributions, one per failure mode."""

from __future__ import annotations

import json
import os
import textwrap
import tomllib
from pathlib import Path

import pytest

from support import ALL_FIXTURES, PACKAGES, PluginEnv, pip_install_target

# fixture plugin -> (state, fragments of its one-line reason)
EXPECTED: dict[str, tuple[str, tuple[str, ...]]] = {
    "import-error": (
        "broken",
        (
            "plugin 'import-error' (plughost-fixture-import-error 1.0.0) failed to import",
            "ModuleNotFoundError: No module named 'plughost_fixture_not_installed_anywhere'",
            "fix or reinstall plughost-fixture-import-error, or uninstall it",
        ),
    ),
    "sysexit-at-import": (
        "broken",
        ("failed to import", "SystemExit: exit status 'this plugin refuses to be imported'"),
    ),
    "assert-at-import": ("broken", ("failed to import", "AssertionError: arithmetic is broken")),
    "missing-module": (
        "broken",
        (
            "failed to import plughost_fixture_no_such_module:FixturePlugin",
            "No module named 'plughost_fixture_no_such_module'",
        ),
    ),
    "missing-attribute": (
        "broken",
        (
            "failed to import plughost_fixture_missing_attribute:NoSuchClass",
            "has no attribute 'NoSuchClass'",
        ),
    ),
    "not-a-class": (
        "invalid",
        (
            "plugin 'not-a-class' (plughost-fixture-not-a-class 1.0.0)",
            "loads the function FixturePlugin, not a class",
            "point the entry point at a class deriving from plughost.Plugin",
        ),
    ),
    "not-a-subclass": (
        "invalid",
        ("does not derive from plughost.Plugin", "class FixturePlugin(plughost.Plugin)"),
    ),
    "abstract-left": ("invalid", ("leaves abstract method(s) prepare unimplemented",)),
    "no-commands": (
        "invalid",
        ("has no commands", "mark at least one method with @plughost.command"),
    ),
    "unannotated-param": (
        "invalid",
        ("command 'greet'", "parameter 'name' has no type annotation", "annotate it with str"),
    ),
    "unsupported-type": (
        "invalid",
        ("parameter 'path' is annotated Path, which is not a supported type", "(and 2 more"),
    ),
    "raising-init": (
        "broken",
        ("failed to start: RuntimeError: cannot open the frobnicator", "FixturePlugin.__init__"),
    ),
    "clash": (
        "conflict",
        (
            "plugin name 'clash' is provided by both plughost-fixture-conflict-a 1.0.0"
            " and plughost-fixture-conflict-b 2.1.0",
            "plughost uninstall plughost-fixture-conflict-a or plughost uninstall"
            " plughost-fixture-conflict-b",
        ),
    ),
    "incompatible": (
        "incompatible",
        (
            "requires plughost<1, but this is plughost 1.0.0 (plugin API 1.0)",
            "pip install -U plughost-fixture-incompatible",
        ),
    ),
    "prints-at-import": ("ok", ()),
    "marker": ("ok", ()),
    "tools": ("ok", ()),
}

METADATA_STATES = {"conflict", "incompatible"}


def _by_name(stdout: str) -> dict[str, dict[str, object]]:
    return {p["name"]: p for p in json.loads(stdout)}


def test_every_fixture_is_discovered_with_its_distribution(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("list", "--json")
    assert result.returncode == 0, result.stderr
    plugins = _by_name(result.stdout)
    declared = set()
    for fixture in ALL_FIXTURES:
        project = tomllib.loads((PACKAGES / fixture / "pyproject.toml").read_text("utf-8"))
        points = project["project"].get("entry-points", {})
        declared |= set(points.get("plughost.plugins", {}))
    assert set(EXPECTED) <= declared
    assert set(plugins) == {*declared, "greeter", "calculator"}
    assert plugins["tools"]["distribution"] == "plughost-fixture-tools"
    assert plugins["tools"]["version"] == "1.0.0"
    assert plugins["tools"]["entry_point"] == "plughost_fixture_tools:Tools"
    assert plugins["tools"]["requires"] == "plughost<2,>=1.0"
    assert plugins["greeter"]["distribution"] == "plughost-greeter"
    assert plugins["calculator"]["distribution"] == "plughost-calculator"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_gives_each_failure_mode_its_state_and_reason(
    plugin_env: PluginEnv, name: str
) -> None:
    state, fragments = EXPECTED[name]
    result = plugin_env.plughost("check", name, "--json")
    assert result.returncode == (0 if state == "ok" else 1), result.stderr
    (info,) = json.loads(result.stdout)
    assert info["state"] == state
    for fragment in fragments:
        assert fragment in info["reason"]
    assert "\n" not in info["reason"]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", sorted(n for n, (s, _) in EXPECTED.items() if s != "ok"))
def test_an_unusable_plugin_fails_its_run_with_one_line_and_exit_3(
    plugin_env: PluginEnv, name: str
) -> None:
    _state, fragments = EXPECTED[name]
    result = plugin_env.plughost("run", name, "hello")
    assert result.returncode == 3
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_broken_plugins_do_not_stop_anything_else(plugin_env: PluginEnv) -> None:
    check = plugin_env.plughost("check", "--json")
    assert check.returncode == 1
    states = {p["name"]: p["state"] for p in json.loads(check.stdout)}
    for name, (state, _) in EXPECTED.items():
        assert states[name] == state, name
    assert states["greeter"] == "ok"
    assert states["calculator"] == "ok"
    assert plugin_env.plughost("--help").returncode == 0
    assert plugin_env.plughost("list").returncode == 0
    run = plugin_env.plughost("run", "tools", "echo", "still", "--count", "2")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "text: still still"
    greet = plugin_env.plughost("run", "greeter", "greet", "Ada")
    assert greet.returncode == 0, greet.stderr
    assert greet.stdout == "Hello, Ada!\n"


def test_list_imports_no_plugin_code(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("list")
    assert result.returncode == 0, result.stderr
    assert "hello from import time" not in result.stdout + result.stderr
    assert not (plugin_env.marker_dir / "marker-imported").exists()
    info = plugin_env.plughost("list", "--json")
    assert not (plugin_env.marker_dir / "marker-imported").exists()
    assert _by_name(info.stdout)["marker"]["state"] == "unchecked"
    # The marker really is written on import: check proves the test can fail.
    assert plugin_env.plughost("check", "marker").returncode == 0
    assert (plugin_env.marker_dir / "marker-imported").exists()


def test_run_imports_only_the_plugin_it_runs(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("run", "tools", "add", "1", "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "3\n"
    assert not (plugin_env.marker_dir / "marker-imported").exists()
    assert "hello from import time" not in result.stderr


def test_list_says_ok_only_after_a_check_and_until_the_files_change(
    plugin_env: PluginEnv, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    pip_install_target(site, [PACKAGES / "tools"])
    plugin_env.site = site
    before = _by_name(plugin_env.plughost("list", "--json").stdout)["tools"]
    assert before["state"] == "unchecked"
    assert before["checked"] is False
    assert "has not been checked" in str(before["reason"])
    assert plugin_env.plughost("check", "tools").returncode == 0
    after = _by_name(plugin_env.plughost("list", "--json").stdout)["tools"]
    assert after["state"] == "ok"
    assert after["checked"] is True
    # The summary stays the distribution's: a check does not change it.
    assert after["summary"] == before["summary"]
    assert before["summary"] == (
        "Test fixture for plughost: a valid plugin with commands that exercise the host."
    )
    manifest = after["manifest"]
    assert isinstance(manifest, dict)
    assert manifest["summary"] == "Commands that exercise the host."
    # An edit in place changes the distribution's files: not ok any more.
    module = site / "plughost_fixture_tools" / "__init__.py"
    module.write_text(module.read_text() + "\n# edited\n")
    os.utime(module, ns=(1, 1))
    changed = _by_name(plugin_env.plughost("list", "--json").stdout)["tools"]
    assert changed["state"] == "unchecked"


def test_a_run_records_its_check_too(plugin_env: PluginEnv) -> None:
    assert plugin_env.plughost("run", "tools", "add", "1").returncode == 0
    plugins = _by_name(plugin_env.plughost("list", "--json").stdout)
    assert plugins["tools"]["state"] == "ok"
    assert plugins["marker"]["state"] == "unchecked"


def test_damaged_check_records_are_ignored_with_a_debug_line(plugin_env: PluginEnv) -> None:
    plugin_env.cache_dir.mkdir(parents=True)
    records = plugin_env.cache_dir / "checks.json"
    records.write_text('{"format": 1, "plugins": [1, 2')
    quiet = plugin_env.plughost("list", "--json")
    assert (quiet.returncode, quiet.stderr) == (0, "")
    result = plugin_env.plughost("list", "--json", "--debug")
    assert result.returncode == 0
    assert f"ignoring check records {records}: not JSON" in result.stderr
    assert _by_name(result.stdout)["tools"]["state"] == "unchecked"
    # ...and rebuilt by the next check, with nothing lost.
    assert plugin_env.plughost("check", "tools").returncode == 0
    assert json.loads(records.read_text())["plugins"]
    again = plugin_env.plughost("list", "--json")
    assert "damaged" not in again.stderr
    assert _by_name(again.stdout)["tools"]["state"] == "ok"


def test_a_forged_record_cannot_make_a_broken_plugin_ok(plugin_env: PluginEnv) -> None:
    plugin_env.plughost("check", "import-error")
    records = plugin_env.cache_dir / "checks.json"
    data = json.loads(records.read_text())
    for entry in data["plugins"].values():
        entry["state"] = "ok"
    records.write_text(json.dumps(data))
    # list believes the record (it cannot import), but run decides afresh.
    run = plugin_env.plughost("run", "import-error", "hello")
    assert run.returncode == 3
    assert "failed to import" in run.stderr


def test_conflict_does_not_depend_on_install_order(plugin_env: PluginEnv, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    pip_install_target(first, [PACKAGES / "conflict-a"])
    pip_install_target(second, [PACKAGES / "conflict-b"])
    outcomes = []
    for order in ([first, second], [second, first]):
        plugin_env.site, *rest = order
        plugin_env.extra_paths = rest
        result = plugin_env.plughost("list", "--json")
        assert result.returncode == 0, result.stderr
        outcomes.append(_by_name(result.stdout)["clash"])
    assert outcomes[0] == outcomes[1]
    assert outcomes[0]["state"] == "conflict"


def test_conflict_is_found_when_the_entry_points_are_far_apart(
    plugin_env: PluginEnv, tmp_path: Path
) -> None:
    # stevedore's resolver only compares neighbouring entry points; put
    # another distribution between the two that clash.
    dirs = [tmp_path / "a", tmp_path / "middle", tmp_path / "b"]
    for target, project in zip(dirs, ["conflict-a", "tools", "conflict-b"], strict=True):
        pip_install_target(target, [PACKAGES / project])
    plugin_env.site, *plugin_env.extra_paths = dirs
    code = textwrap.dedent(
        """
        import json
        from stevedore.named import NamedExtensionManager
        names = [ep.name for ep in NamedExtensionManager(
            "plughost.plugins", names=[]
        ).list_entry_points()]
        print(json.dumps(names))
        """
    )
    order = json.loads(plugin_env.python(code).stdout.splitlines()[-1])
    first = order.index("clash")
    assert order[first + 1] != "clash", order
    plugins = _by_name(plugin_env.plughost("list", "--json").stdout)
    assert plugins["clash"]["state"] == "conflict"
    assert plugins["tools"]["state"] == "unchecked"


def test_stevedore_cache_loses_dist_but_the_host_maps_it(plugin_env: PluginEnv) -> None:
    code = textwrap.dedent(
        """
        import json, sys
        from stevedore.named import NamedExtensionManager
        from plughost._discovery.entrypoints import find_candidates
        eps = NamedExtensionManager("plughost.plugins", names=[]).list_entry_points()
        tools = [ep for ep in eps if ep.name == "tools"][0]
        cands = {c.name: c for c in find_candidates("plughost.plugins")}
        print(json.dumps({
            "stevedore_dist": getattr(tools, "dist", None) is not None,
            "ours": cands["tools"].dist.name,
            "version": cands["tools"].dist.version,
        }))
        """
    )
    result = plugin_env.python(code)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.splitlines()[-1])
    assert data["stevedore_dist"] is False
    assert data["ours"] == "plughost-fixture-tools"
    assert data["version"] == "1.0.0"


def test_an_entry_point_no_distribution_declares_is_never_loaded(plugin_env: PluginEnv) -> None:
    # Poison stevedore's own cache with an entry point nobody installed.
    code = textwrap.dedent(
        """
        import json, os, sys
        from stevedore import _cache
        digest, paths = _cache._hash_settings_for_path(tuple(sys.path))
        cache = _cache._get_cache_dir()
        os.makedirs(cache, exist_ok=True)
        data = _cache._build_cacheable_data()
        data["path_values"] = paths
        data["groups"].setdefault("plughost.plugins", []).append(
            ["evil", "os:system", "plughost.plugins"]
        )
        with open(os.path.join(cache, digest), "w") as f:
            json.dump(data, f)
        from plughost import Host
        names = Host(remember=False).names()
        from stevedore.named import NamedExtensionManager
        listed = [ep.name for ep in NamedExtensionManager(
            "plughost.plugins", names=[]
        ).list_entry_points()]
        print(json.dumps({"ours": names, "stevedore": listed}))
        """
    )
    result = plugin_env.python(code)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.splitlines()[-1])
    # stevedore reads the poisoned cache (it only stops writing one under /tmp)...
    assert "evil" in data["stevedore"]
    # ...and the host does not take the entry point from it.
    assert "evil" not in data["ours"]
    assert "ignoring entry point evil = os:system" in result.stderr


@pytest.mark.parametrize("record", ["plugin.py,,\n\nother.py,,\n", "plugin.py,a,b,c\n", "x,,big\n"])
def test_a_distribution_with_a_corrupt_record_is_skipped_with_one_warning(
    plugin_env: PluginEnv, tmp_path: Path, record: str
) -> None:
    # Metadata no installer writes, as a disk or a hand edit leaves it.
    site = tmp_path / "corrupt"
    info = site / "plughost_corrupt-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: plughost-corrupt\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[plughost.plugins]\ncorrupt = plugin:Plugin\n")
    (info / "RECORD").write_text(record)
    plugin_env.extra_paths = [site]
    result = plugin_env.plughost("list")
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, result.stderr
    assert str(info) in warnings[0] and "reinstall" in warnings[0]
    assert "corrupt" not in result.stdout and "tools" in result.stdout
