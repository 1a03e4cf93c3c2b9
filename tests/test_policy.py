"""Policy over real installed fixtures: config file, environment, flags, pins."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from support import PACKAGES, PluginEnv, pip_install_target, plughost_script


def _config(env: PluginEnv, text: str) -> dict[str, str]:
    path = env.home / "config.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return env.environ(PLUGHOST_CONFIG=str(path))


def _states(env: PluginEnv, environ: dict[str, str], *args: str) -> dict[str, dict[str, object]]:
    result = env.plughost(*args, "list", "--json", env=environ)
    assert result.returncode == 0, result.stderr
    return {p["name"]: p for p in json.loads(result.stdout) if p["state"] != "conflict"}


def test_a_disabled_plugin_is_never_imported(plugin_env: PluginEnv) -> None:
    environ = _config(plugin_env, 'disable = ["marker"]\n')
    assert _states(plugin_env, environ)["marker"]["state"] == "disabled"
    check = plugin_env.plughost("check", "marker", "--json", env=environ)
    assert json.loads(check.stdout)[0]["state"] == "disabled"
    run = plugin_env.plughost("run", "marker", "hello", env=environ)
    assert run.returncode == 3
    assert "plugin 'marker' is disabled by file" in run.stderr
    isolated = plugin_env.plughost("run", "--isolated", "marker", "hello", env=environ)
    assert isolated.returncode == 3
    assert not (plugin_env.marker_dir / "marker-imported").exists()


def test_enabled_false_disables_too(plugin_env: PluginEnv) -> None:
    environ = _config(plugin_env, "[plugins.marker]\nenabled = false\n")
    info = _states(plugin_env, environ)["marker"]
    assert info["state"] == "disabled"
    assert "[plugins.marker] enabled = false" in str(info["reason"])
    plugin_env.plughost("check", env=environ)
    assert not (plugin_env.marker_dir / "marker-imported").exists()


def test_allow_list_in_the_file(plugin_env: PluginEnv) -> None:
    environ = _config(plugin_env, 'allow = ["plughost-greeter", "Plughost_Fixture.Tools"]\n')
    states = _states(plugin_env, environ)
    assert states["greeter"]["state"] == "unchecked"
    assert states["tools"]["state"] == "unchecked"
    assert states["calculator"]["state"] == "disabled"
    assert "not in the allow list" in str(states["calculator"]["reason"])
    plugin_env.plughost("check", env=environ)
    assert not (plugin_env.marker_dir / "marker-imported").exists()


def test_empty_plughost_plugins_loads_none(plugin_env: PluginEnv) -> None:
    environ = plugin_env.environ(PLUGHOST_PLUGINS="")
    states = _states(plugin_env, environ)
    assert {s["state"] for s in states.values()} == {"disabled"}
    check = plugin_env.plughost("check", env=environ)
    # Disabled on purpose: reported, and not a failure of the check.
    assert check.returncode == 0, check.stdout
    assert all(" disabled: " in line for line in check.stdout.splitlines())
    assert not (plugin_env.marker_dir / "marker-imported").exists()


def test_spaces_and_empty_items_are_tolerated_and_unknown_names_warned(
    plugin_env: PluginEnv,
) -> None:
    environ = plugin_env.environ(
        PLUGHOST_PLUGINS=" plughost-greeter , ,plughost-nothing-here,",
        PLUGHOST_DISABLE=" , nosuchplugin ,",
    )
    result = plugin_env.plughost("list", "--json", env=environ)
    assert result.returncode == 0
    states = {p["name"]: p["state"] for p in json.loads(result.stdout)}
    assert states["greeter"] == "unchecked"
    assert states["tools"] == "disabled"
    assert "PLUGHOST_PLUGINS allows distribution 'plughost-nothing-here'" in result.stderr
    assert "PLUGHOST_DISABLE disables 'nosuchplugin'" in result.stderr


@pytest.mark.parametrize(
    ("file_allow", "env", "flag", "expected"),
    [
        # file alone
        (["plughost-greeter"], {}, False, {"greeter"}),
        # env beats file
        (["plughost-greeter"], {"PLUGHOST_PLUGINS": "plughost-calculator"}, False, {"calculator"}),
        # flag beats env and file
        (["plughost-greeter"], {"PLUGHOST_PLUGINS": "plughost-calculator"}, True, set()),
        # nothing said: all
        (None, {}, False, {"greeter", "calculator", "tools"}),
    ],
)
def test_precedence_flag_over_env_over_file(
    plugin_env: PluginEnv,
    file_allow: list[str] | None,
    env: dict[str, str],
    flag: bool,
    expected: set[str],
) -> None:
    text = "" if file_allow is None else f"allow = {json.dumps(file_allow)}\n"
    environ = {**_config(plugin_env, text), **env}
    states = _states(plugin_env, environ, *(["--no-plugins"] if flag else []))
    allowed = {n for n, p in states.items() if p["state"] != "disabled"}
    assert expected <= allowed if file_allow is None else allowed == expected


def test_disable_precedence_env_replaces_the_file(plugin_env: PluginEnv) -> None:
    environ = _config(plugin_env, 'disable = ["greeter"]\n')
    assert _states(plugin_env, environ)["greeter"]["state"] == "disabled"
    environ["PLUGHOST_DISABLE"] = "calculator"
    states = _states(plugin_env, environ)
    assert states["greeter"]["state"] == "unchecked"
    assert states["calculator"]["state"] == "disabled"
    assert "PLUGHOST_DISABLE" in str(states["calculator"]["reason"])


def test_no_plugins_flag_after_the_command_too(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("list", "--no-plugins", "--json")
    assert result.returncode == 0
    assert {p["state"] for p in json.loads(result.stdout)} == {"disabled"}
    run = plugin_env.plughost("--no-plugins", "run", "greeter", "greet", "Ada")
    assert run.returncode == 3
    assert "--no-plugins" in run.stderr


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("allow = [1, 2\n", ["is not valid TOML"]),
        ("allow = ]\n", ["is not valid TOML", "line 1"]),
        ("allow = 'plughost-greeter'\n", ["allow must be a list of strings"]),
        ("verify = 'yes'\n", ["verify must be true or false"]),
        ("timeout = -5\n", ["timeout must be a positive number of seconds"]),
        ('disable = ["a/b"]\n', ["disable holds 'a/b', which is not a plugin name"]),
        ("[plugins.greeter]\nenabled = 'no'\n", ["plugins.greeter.enabled must be true or false"]),
        ("[plugins.greeter]\ncommand = []\n", ["plugins.greeter.command must be a non-empty list"]),
        ("[plugins.greeter]\nwhen = 1979-05-27\n", ["plugins.greeter.when is a date"]),
        ('[plugins."bad name"]\nenabled = true\n', ["is not a plugin name"]),
        ("plugins = 3\n", ["plugins must be a table of tables"]),
    ],
)
def test_a_malformed_config_is_one_line_naming_file_and_key(
    plugin_env: PluginEnv, text: str, fragments: list[str]
) -> None:
    environ = _config(plugin_env, text)
    for args in (["list"], ["run", "greeter", "greet", "Ada"], ["config"]):
        result = plugin_env.plughost(*args, env=environ)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f"error: config file {plugin_env.home / 'config.toml'}: ")
        for fragment in fragments:
            assert fragment in lines[0]
        assert "Traceback" not in result.stderr


def test_a_config_that_is_not_utf8_is_one_line(plugin_env: PluginEnv) -> None:
    environ = _config(plugin_env, "")
    (plugin_env.home / "config.toml").write_bytes(b"disable = ['\xff']\n")
    result = plugin_env.plughost("list", env=environ)
    assert result.returncode == 2
    assert "is not UTF-8 text" in result.stderr


def test_unknown_keys_warn_and_are_ignored(plugin_env: PluginEnv) -> None:
    environ = _config(plugin_env, 'colour = "blue"\ndisable = ["marker"]\n')
    result = plugin_env.plughost("list", "--json", env=environ)
    assert result.returncode == 0
    assert "unknown key 'colour' is ignored" in result.stderr
    assert {p["name"]: p["state"] for p in json.loads(result.stdout)}["marker"] == "disabled"


def test_a_missing_plughost_config_file_is_an_error(plugin_env: PluginEnv) -> None:
    missing = plugin_env.home / "nowhere.toml"
    result = plugin_env.plughost("list", env=plugin_env.environ(PLUGHOST_CONFIG=str(missing)))
    assert result.returncode == 2
    assert f"PLUGHOST_CONFIG names {missing}, which does not exist" in result.stderr


def test_a_bad_name_in_plughost_disable_is_an_error(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("list", env=plugin_env.environ(PLUGHOST_DISABLE="ok,../x"))
    assert result.returncode == 2
    assert "PLUGHOST_DISABLE holds '../x', which is not a plugin name" in result.stderr


def test_settings_reach_the_plugin_both_ways(plugin_env: PluginEnv) -> None:
    environ = _config(plugin_env, '[plugins.greeter]\ndefault_language = "es"\n')
    for extra in ([], ["--isolated"]):
        result = plugin_env.plughost("run", *extra, "greeter", "greet", "Ada", env=environ)
        assert result.returncode == 0, result.stderr
        assert result.stdout == "¡Hola, Ada!\n"
    explicit = plugin_env.plughost(
        "run", "greeter", "greet", "Ada", "--language", "de", env=environ
    )
    assert explicit.stdout == "Hallo, Ada!\n"


def test_isolate_and_timeout_from_the_config(plugin_env: PluginEnv) -> None:
    environ = _config(plugin_env, "[plugins.tools]\nisolate = true\ntimeout = 1\n")
    parent = plugin_env.plughost("run", "tools", "parent", env=environ)
    assert parent.returncode == 0, parent.stderr
    assert int(parent.stdout) != os.getpid()
    slow = plugin_env.plughost("run", "tools", "wait", "30", env=environ)
    assert slow.returncode == 1
    assert "did not finish within 1 s" in slow.stderr


def test_config_command_shows_file_and_sources(plugin_env: PluginEnv) -> None:
    environ = _config(
        plugin_env,
        'disable = ["marker"]\n[plugins.greeter]\ndefault_language = "fr"\nisolate = true\n',
    )
    environ["PLUGHOST_PLUGINS"] = "plughost-greeter"
    text = plugin_env.plughost("config", env=environ)
    assert text.returncode == 0
    lines = text.stdout.splitlines()
    config = plugin_env.home / "config.toml"
    assert lines[:8] == [
        f"config file:     {config}",
        f"cache directory: {plugin_env.cache_dir}  (PLUGHOST_CACHE_DIR)",
        "allow:           plughost-greeter  (PLUGHOST_PLUGINS)",
        f"disable:         marker  (file {config})",
        "isolate:         none  (built-in default)",
        "verify:          false  (built-in default)",
        "timeout:         300 s  (built-in default)",
        "start_timeout:   20 s  (built-in default)",
    ]
    assert 'default_language = "fr"  (for the plugin)' in text.stdout
    data = json.loads(plugin_env.plughost("config", "--json", env=environ).stdout)
    assert data["allow"] == ["plughost-greeter"]
    assert data["sources"]["disable"].startswith("file ")
    assert data["plugins"]["greeter"]["settings"] == {"default_language": "fr"}
    assert data["plugins"]["greeter"]["isolate"] is True
    assert data["effective"]["timeout"] == {"value": 300.0, "source": "built-in default"}
    assert data["cache_dir"] == {"path": str(plugin_env.cache_dir), "source": "PLUGHOST_CACHE_DIR"}
    missing = plugin_env.plughost(
        "config", env=plugin_env.environ(XDG_CONFIG_HOME=str(plugin_env.home))
    )
    assert "(does not exist; built-in defaults apply)" in missing.stdout
    path = plugin_env.plughost("config", "path", env=environ)
    assert (path.returncode, path.stdout) == (0, f"{config}\n")
    assert json.loads(plugin_env.plughost("config", "path", "--json", env=environ).stdout) == str(
        config
    )


def test_a_pin_resolves_a_conflict(plugin_env: PluginEnv) -> None:
    environ = _config(plugin_env, '[plugins.clash]\ndistribution = "plughost-fixture-conflict-a"\n')
    result = plugin_env.plughost("list", "--json", env=environ)
    rows = [p for p in json.loads(result.stdout) if p["name"] == "clash"]
    assert [(r["state"], r["distribution"]) for r in rows] == [
        ("unchecked", "plughost-fixture-conflict-a"),
        ("conflict", "plughost-fixture-conflict-b"),
    ]
    assert "[plugins.clash] distribution in" in rows[1]["reason"]
    assert "chooses plughost-fixture-conflict-a 1.0.0" in rows[1]["reason"]
    run = plugin_env.plughost("run", "clash", "hello", env=environ)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "hello\n"


@pytest.mark.parametrize(
    ("pin", "fragment"),
    [
        ("plughost-not-installed", "'plughost-not-installed' is not installed"),
        ("plughost-greeter", "'plughost-greeter' does not provide it"),
    ],
)
def test_a_wrong_pin_is_a_clear_error(plugin_env: PluginEnv, pin: str, fragment: str) -> None:
    environ = _config(plugin_env, f'[plugins.clash]\ndistribution = "{pin}"\n')
    run = plugin_env.plughost("run", "clash", "hello", env=environ)
    assert run.returncode == 3
    assert fragment in run.stderr
    assert "install " in run.stderr and "change the pin" in run.stderr


def test_the_same_distribution_twice_on_the_path_loads_once(
    plugin_env: PluginEnv, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    pip_install_target(first, [PACKAGES / "tools"])
    pip_install_target(second, [PACKAGES / "tools"])
    plugin_env.site, plugin_env.extra_paths = first, [second]
    result = plugin_env.plughost("list", "--json")
    rows = [p for p in json.loads(result.stdout) if p["name"] == "tools"]
    assert len(rows) == 1
    assert rows[0]["state"] == "unchecked"
    assert f"shadowed by the copy at {first}" in result.stderr
    assert str(second) in result.stderr
    run = plugin_env.plughost("run", "tools", "add", "2")
    assert run.returncode == 0


def _hostile_directory(root: Path) -> Path:
    """A folder holding metadata for a plugin nobody installed."""
    evil = root / "untrusted"
    info = evil / "evil_plugin-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evil-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[plughost.plugins]\nevil = evil_module:Evil\n")
    (evil / "evil_module.py").write_text(
        "import os, pathlib\n"
        "pathlib.Path(os.environ['PLUGHOST_TEST_MARKER_DIR'], 'evil').write_text('ran')\n"
    )
    return evil


def test_python_dash_m_ignores_plugins_in_the_current_directory(plugin_env: PluginEnv) -> None:
    evil = _hostile_directory(plugin_env.home)
    for argv in ([sys.executable, "-m", "plughost"], [plughost_script()]):
        for args in (["list", "--json"], ["check", "--json"]):
            result = subprocess.run(
                [*argv, *args],
                capture_output=True,
                text=True,
                env=plugin_env.environ(),
                cwd=evil,
                timeout=120,
            )
            names = {p["name"] for p in json.loads(result.stdout)}
            assert "evil" not in names, (argv, args)
            assert "tools" in names
    assert not (plugin_env.marker_dir / "evil").exists()
    # The folder really is a plugin when it is on the path: the test can fail.
    plugin_env.extra_paths = [evil]
    assert "evil" in {p["name"] for p in json.loads(plugin_env.plughost("list", "--json").stdout)}


def test_names_from_config_are_never_used_as_paths(plugin_env: PluginEnv) -> None:
    environ = _config(plugin_env, '[plugins."../../etc"]\nenabled = false\n')
    result = plugin_env.plughost("list", env=environ)
    assert result.returncode == 2
    assert "is not a plugin name" in result.stderr


def test_settings_are_checked_when_their_plugin_loads_and_only_then(
    plugin_env: PluginEnv,
) -> None:
    environ = _config(
        plugin_env,
        """
        [plugins.configured]
        not_a_setting = 1

        [plugins.marker]
        enabled = false
        not_a_setting = 1
        """,
    )
    # Reading the file imports no plugin, so it cannot know what they declare.
    assert plugin_env.plughost("list", env=environ).returncode == 0
    config = plugin_env.plughost("config", env=environ)
    assert config.returncode == 0
    assert "  not_a_setting = 1  (for the plugin)" in config.stdout
    # A plugin that is not loaded is not checked: it stays what blocks it.
    marker = plugin_env.plughost("run", "marker", "hello", env=environ)
    assert marker.returncode == 3
    assert "enabled = false" in marker.stderr
    assert not (plugin_env.marker_dir / "marker-imported").exists()
    run = plugin_env.plughost("run", "configured", "show", env=environ)
    assert run.returncode == 3
    assert "plugins.configured.not_a_setting is not a setting of plugin 'configured'" in (
        run.stderr
    )
    tools = plugin_env.plughost("run", "tools", "add", "2", env=environ)
    assert (tools.returncode, tools.stdout) == (0, "2\n")


def test_a_host_key_is_never_a_setting(plugin_env: PluginEnv) -> None:
    environ = _config(plugin_env, "[plugins.configured]\ntimeout = 30\nisolate = true\n")
    result = plugin_env.plughost("run", "configured", "show", env=environ)
    assert result.returncode == 0, result.stderr
    assert "timeout" not in json.loads(result.stdout)
    assert int(json.loads(result.stdout)["retries"]) == 3
