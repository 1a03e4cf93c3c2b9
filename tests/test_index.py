"""The discovery index: used while current, rebuilt when anything is off."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from support import PACKAGES, PluginEnv, pip_install_target

_PROBE = textwrap.dedent(
    """
    import io, json, sys, contextlib
    from plughost._cli.main import main
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(sys.argv[1:])
    print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}))
    """
)


def _list(env: PluginEnv, *args: str, **extra: str) -> tuple[dict[str, str], set[str], str]:
    """Plugin states from `plughost list --json`, the modules it imported, stderr."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, "list", "--json", *args],
        capture_output=True,
        text=True,
        env=env.environ(**extra),
        cwd=env.home,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.splitlines()[-1])
    states = {p["name"]: p["state"] for p in json.loads(data["out"])}
    return states, set(data["modules"]), result.stderr


def _index_files(env: PluginEnv) -> list[Path]:
    return sorted((env.cache_dir / "index").glob("*.json"))


def test_a_warm_index_spares_stevedore_and_importlib_metadata(plugin_env: PluginEnv) -> None:
    cold_states, cold_modules, _ = _list(plugin_env)
    assert {"stevedore", "importlib.metadata"} <= cold_modules
    assert len(_index_files(plugin_env)) == 1
    warm_states, warm_modules, _ = _list(plugin_env)
    assert warm_states == cold_states
    assert not {"stevedore", "importlib.metadata", "packaging"} & warm_modules


def test_refresh_and_no_index_go_through_stevedore(plugin_env: PluginEnv) -> None:
    _list(plugin_env)
    _, refreshed, _ = _list(plugin_env, "--refresh")
    assert "stevedore" in refreshed
    _, bypassed, _ = _list(plugin_env, PLUGHOST_NO_INDEX="1")
    assert "stevedore" in bypassed


def test_an_install_by_pip_is_noticed(plugin_env: PluginEnv, tmp_path: Path) -> None:
    site = tmp_path / "site"
    pip_install_target(site, [PACKAGES / "tools"])
    plugin_env.site = site
    before, _, _ = _list(plugin_env)
    assert "marker" not in before
    pip_install_target(site, [PACKAGES / "marker"])
    after, modules, _ = _list(plugin_env)
    assert after["marker"] == "unchecked"
    assert "stevedore" in modules  # the key changed: rebuilt


def test_a_folder_without_metadata_keeps_the_index_until_metadata_appears(
    plugin_env: PluginEnv, tmp_path: Path
) -> None:
    # A source tree on sys.path: files come and go there without a rebuild,
    # but a distribution installed into it is noticed.
    tree = tmp_path / "tree"
    tree.mkdir()
    plugin_env.extra_paths = [tree]
    _list(plugin_env)
    (tree / "notes.py").write_text("x = 1\n")
    _, modules, _ = _list(plugin_env)
    assert "stevedore" not in modules
    pip_install_target(tree, [PACKAGES / "marker"])
    after, modules, _ = _list(plugin_env)
    assert after["marker"] == "unchecked" and "stevedore" in modules


def test_an_edit_of_a_plugins_metadata_in_place_is_noticed(
    plugin_env: PluginEnv, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    pip_install_target(site, [PACKAGES / "tools"])
    plugin_env.site = site
    assert _list(plugin_env)[0]["tools"] == "unchecked"
    (info,) = site.glob("plughost_fixture_tools-*.dist-info")
    entry_points = info / "entry_points.txt"
    entry_points.write_text(entry_points.read_text() + "tools2 = plughost_fixture_tools:Tools\n")
    states, _, _ = _list(plugin_env)
    assert "tools2" in states


@pytest.mark.parametrize(
    "damage",
    ["wrong-shape", "truncated", "not-json", "other-version", "poisoned"],
)
def test_a_damaged_or_poisoned_index_is_rebuilt(plugin_env: PluginEnv, damage: str) -> None:
    good, _, _ = _list(plugin_env)
    (path,) = _index_files(plugin_env)
    text = path.read_text()
    data = json.loads(text)
    if damage == "wrong-shape":
        path.write_text(json.dumps({"format": 1, "candidates": "all of them"}))
    elif damage == "truncated":
        path.write_text(text[: len(text) // 2])
    elif damage == "not-json":
        path.write_bytes(b"\xff\xfe not an index")
    elif damage == "other-version":
        data["format"] = 999
        path.write_text(json.dumps(data))
    else:
        # An entry that no installed distribution declares, dressed up as
        # belonging to a real one.
        evil = json.loads(json.dumps(data["candidates"][0]))
        evil.update(name="evil", value="os:system")
        data["candidates"].append(evil)
        path.write_text(json.dumps(data))
    states, modules, stderr = _list(plugin_env)
    assert states == good
    assert "evil" not in states
    assert "stevedore" in modules  # rebuilt through stevedore
    if damage == "poisoned":
        assert "evil = os:system" in stderr
        run = plugin_env.plughost("run", "evil", "x")
        assert run.returncode == 3
    # ...and the rebuilt index is good again.
    assert _list(plugin_env)[0] == good


def test_works_without_a_writable_cache_directory(plugin_env: PluginEnv) -> None:
    blocker = plugin_env.home / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")
    env = plugin_env.environ(PLUGHOST_CACHE_DIR=str(blocker / "cache"))
    result = plugin_env.plughost("list", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert "tools" in {p["name"] for p in json.loads(result.stdout)}
    run = plugin_env.plughost("run", "tools", "add", "1", "2", env=env)
    assert run.stdout == "3\n"


def _states(env: PluginEnv, *names: str) -> dict[str, str]:
    result = env.plughost("list", "--json")
    assert result.returncode == 0, result.stderr
    return {p["name"]: p["state"] for p in json.loads(result.stdout) if p["name"] in names}


def test_a_run_reads_only_its_own_plugin_and_list_still_sees_every_edit(
    plugin_env: PluginEnv, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    pip_install_target(site, [PACKAGES / "tools", PACKAGES / "marker"])
    plugin_env.site = site
    mine = ("tools", "marker", "marker2")
    assert _states(plugin_env, *mine) == {"tools": "unchecked", "marker": "unchecked"}
    (index,) = _index_files(plugin_env)
    written = index.read_bytes()
    # Another plugin's metadata edited in place: no folder on sys.path moves.
    (info,) = site.glob("plughost_fixture_marker-*.dist-info")
    entry_points = info / "entry_points.txt"
    entry_points.write_text(entry_points.read_text() + "marker2 = plughost_fixture_marker:Marker\n")
    run = plugin_env.plughost("--debug", "run", "tools", "add", "1", "2")
    assert (run.returncode, run.stdout) == (0, "3\n"), run.stderr
    assert "is current for plugin 'tools'" in run.stderr
    assert index.read_bytes() == written  # nothing of marker was read
    assert not list(plugin_env.marker_dir.iterdir())
    # A command about every plugin checks every plugin's metadata.
    assert _states(plugin_env, *mine) == {
        "tools": "ok",
        "marker": "unchecked",
        "marker2": "unchecked",
    }
    assert index.read_bytes() != written


def test_a_run_of_one_plugin_warns_about_the_config_as_a_run_over_all_would(
    plugin_env: PluginEnv, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    pip_install_target(site, [PACKAGES / "tools", PACKAGES / "marker"])
    plugin_env.site = site
    config = plugin_env.home / "config" / "plughost" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        'disable = ["tool"]\nallow = ["plughost-fixture-tools", "plughost-fixture-marker"]\n'
        "[plugins.marker]\nenabled = true\n[plugins.nonesuch]\nenabled = true\n"
    )
    plugin_env.plughost("list")  # the index is warm: a run reads only the entries of tools
    debug = plugin_env.plughost("--debug", "run", "tools", "add", "1", "2")
    assert "is current for plugin 'tools'" in debug.stderr
    run = plugin_env.plughost("run", "tools", "add", "1", "2")
    assert (run.returncode, run.stdout) == (0, "3\n"), run.stderr
    warnings = run.stderr.splitlines()
    assert warnings == [
        f"warning: file {config} disables 'tool', but no plugin of that name is installed;"
        " did you mean 'tools'?",
        f"warning: config file {config} has a [plugins.nonesuch] table, but no plugin of that"
        " name is installed",
    ]
    everything = plugin_env.plughost(
        "run", "tools", "add", "1", "2", env=plugin_env.environ(PLUGHOST_NO_INDEX="1")
    )
    assert everything.stderr.splitlines() == warnings
