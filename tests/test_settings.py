"""Declared settings over real installed fixtures, in process and in real workers.

``settings-declared`` declares settings of every type (and has a plugin that
declares none, and one that declares an empty set); ``settings-broken`` gets
its declaration wrong in every documented way; ``settings-hostile`` has a
Settings class that raises when read and one whose traps would spring if it
were run. (Each fixture plugin is a row in every ``plughost list`` of the
tests, so the other ways a declaration can fail are tested in process, in
test_validation.py and test_manifest.py.) The user's values are checked when
a plugin loads: whatever is wrong is one line naming the config file, the
plugin and the key, the plugin is ``invalid`` (exit status 3) and is never
created, the same in a worker.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import plughost
from plughost import Host, PluginUnavailable, load_policy
from support import PluginEnv

#: What ``configured`` gets when the user sets nothing: every declared default.
DEFAULTS = {
    "greeting": "Hello",
    "colour": "blue",
    "retries": 3,
    "ratio": 1.0,
    "loud": False,
    "tags": ["a", "b"],
    "limit": None,
    "weights": [1.0, 2.5],
}
BOTH_WAYS = pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])


def _config(env: PluginEnv, text: str) -> dict[str, str]:
    path = env.home / "config.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return env.environ(PLUGHOST_CONFIG=str(path))


def _run(
    env: PluginEnv, environ: dict[str, str], isolated: bool, *args: str
) -> subprocess.CompletedProcess[str]:
    flags = ["--isolated"] if isolated else []
    return env.plughost("run", *flags, *args, env=environ, timeout=60)


def _shown(env: PluginEnv, environ: dict[str, str], isolated: bool, name: str) -> Any:
    result = _run(env, environ, isolated, name, "show")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# -- the values a plugin gets ------------------------------------------------------------


@BOTH_WAYS
def test_defaults_fill_in_what_the_user_left_out(plugin_env: PluginEnv, isolated: bool) -> None:
    environ = _config(plugin_env, '[plugins.configured]\ngreeting = "Hi"\nratio = 2\n')
    given = _shown(plugin_env, environ, isolated, "configured")
    assert given == {**DEFAULTS, "greeting": "Hi", "ratio": 2.0}
    # An integer given for a number arrives as a float, as in a call.
    assert isinstance(given["ratio"], float)
    assert list(given) == list(DEFAULTS)  # in the order declared
    nothing = _shown(plugin_env, plugin_env.environ(), isolated, "configured")
    assert nothing == DEFAULTS


@BOTH_WAYS
def test_every_kind_of_value_reaches_the_plugin(plugin_env: PluginEnv, isolated: bool) -> None:
    environ = _config(
        plugin_env,
        """
        [plugins.configured]
        greeting = "Hej"
        colour = "red"
        retries = 0
        ratio = 0.5
        loud = true
        tags = []
        limit = 7
        weights = [1, 2]
        """,
    )
    given = _shown(plugin_env, environ, isolated, "configured")
    assert given == {
        "greeting": "Hej",
        "colour": "red",
        "retries": 0,
        "ratio": 0.5,
        "loud": True,
        "tags": [],
        "limit": 7,
        "weights": [1.0, 2.0],
    }
    greet = _run(plugin_env, environ, isolated, "configured", "greet", "Ada")
    assert greet.stdout == "HEJ, ADA!\n"


@BOTH_WAYS
def test_a_plugin_that_declares_nothing_gets_every_key_unchecked(
    plugin_env: PluginEnv, isolated: bool
) -> None:
    environ = _config(
        plugin_env, '[plugins.undeclared]\nanything = [1, "two"]\nnested = { a = 1 }\n'
    )
    given = _shown(plugin_env, environ, isolated, "undeclared")
    assert given == {"anything": [1, "two"], "nested": {"a": 1}}


# -- values that do not fit ----------------------------------------------------------


def _refused(env: PluginEnv, environ: dict[str, str], isolated: bool, name: str) -> str:
    """Run ``name``; it must be refused with one line. Returns that line."""
    result = _run(env, environ, isolated, name, "show")
    assert result.returncode == 3, result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    assert not (env.marker_dir / f"{name}-created").exists(), "the plugin was created"
    return line


@BOTH_WAYS
def test_an_unknown_key_is_one_line_with_did_you_mean(
    plugin_env: PluginEnv, isolated: bool
) -> None:
    environ = _config(plugin_env, '[plugins.configured]\ngreting = "Hi"\n')
    line = _refused(plugin_env, environ, isolated, "configured")
    path = plugin_env.home / "config.toml"
    assert line == (
        f"error: config file {path}: plugins.configured.greting is not a setting of plugin"
        " 'configured'; did you mean 'greeting'?"
    )


@BOTH_WAYS
def test_an_unknown_key_without_a_near_miss_lists_the_settings(
    plugin_env: PluginEnv, isolated: bool
) -> None:
    environ = _config(plugin_env, "[plugins.configured]\nzzz = 1\n")
    line = _refused(plugin_env, environ, isolated, "configured")
    assert line.endswith(
        "plugins.configured.zzz is not a setting of plugin 'configured'; its settings are"
        " greeting, colour, retries, ratio, loud, tags, limit, weights"
    )


@BOTH_WAYS
def test_a_plugin_that_declares_no_settings_refuses_every_key(
    plugin_env: PluginEnv, isolated: bool
) -> None:
    environ = _config(plugin_env, '[plugins.no-settings]\ncolour = "red"\n')
    line = _refused(plugin_env, environ, isolated, "no-settings")
    assert line.endswith(
        "plugins.no-settings.colour is not a setting of plugin 'no-settings'; it takes no"
        " settings: remove the key"
    )
    ok = _shown(plugin_env, plugin_env.environ(), isolated, "no-settings")
    assert ok == {}


@BOTH_WAYS
@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('retries = "3"', "plugins.configured.retries, a setting of plugin 'configured', must be"
         " an integer, not '3'; fix its value"),
        ("retries = true", "a setting of plugin 'configured', must be an integer, not True"),
        ("retries = 1.5", "must be an integer, not 1.5"),
        ('colour = "pink"', "must be one of 'red', 'green', 'blue', not 'pink'"),
        ("tags = [1, 2]", "must be a list of strings, not [1, 2]"),
        ('greeting = ["Hi"]', "must be a string, not ['Hi']"),
        ("greeting = { a = 1 }", "must be a string, not {'a': 1}"),
        ('ratio = "1"', "must be a number, not '1'"),
        ("loud = 1", "must be true or false, not 1"),
        ('limit = "none"', "must be an integer or null, not 'none'"),
    ],
)  # fmt: skip
def test_a_value_of_the_wrong_type_is_one_line(
    plugin_env: PluginEnv, isolated: bool, toml: str, expected: str
) -> None:
    environ = _config(plugin_env, f"[plugins.configured]\n{toml}\n")
    line = _refused(plugin_env, environ, isolated, "configured")
    assert line.startswith(f"error: config file {plugin_env.home / 'config.toml'}: ")
    assert expected in line


def test_check_lists_every_problem_and_the_other_plugins_still_load(
    plugin_env: PluginEnv,
) -> None:
    environ = _config(
        plugin_env,
        """
        [plugins.configured]
        greting = "Hi"
        retries = "3"
        colour = "pink"

        [plugins.tools]
        anything = "goes"
        """,
    )
    result = plugin_env.plughost("check", "configured", "tools", "--json", env=environ)
    assert result.returncode == 1, result.stderr
    states = {p["name"]: p for p in json.loads(result.stdout)}
    assert states["tools"]["state"] == "ok"
    configured = states["configured"]
    assert configured["state"] == "invalid"
    assert [p.split(": ", 1)[1].split(",")[0].split(" ")[0] for p in configured["problems"]] == [
        "plugins.configured.greting",
        "plugins.configured.colour",
        "plugins.configured.retries",
    ]
    assert configured["reason"].endswith("(and 2 more problem(s))")
    # The plugin itself is fine: its manifest, with its settings, is there.
    assert [s["name"] for s in configured["manifest"]["settings"]] == list(DEFAULTS)
    isolated = plugin_env.plughost("check", "--isolated", "configured", env=environ)
    assert isolated.returncode == 1
    assert isolated.stdout.startswith("configured  invalid: config file ")
    assert "(and 2 more problem(s))" in isolated.stdout
    run = plugin_env.plughost("run", "tools", "add", "1", "2", env=environ)
    assert (run.returncode, run.stdout) == (0, "3\n")
    assert not (plugin_env.marker_dir / "configured-created").exists()


def test_a_check_record_holds_only_for_the_settings_it_was_made_with(
    plugin_env: PluginEnv,
) -> None:
    def listed(environ: dict[str, str]) -> str:
        result = plugin_env.plughost("list", "--json", env=environ)
        return str(next(p["state"] for p in json.loads(result.stdout) if p["name"] == "configured"))

    bad = _config(plugin_env, '[plugins.configured]\ncolour = "pink"\n')
    plugin_env.plughost("check", "configured", env=bad)
    assert listed(bad) == "invalid"
    info = plugin_env.plughost("info", "configured", env=bad)
    assert info.returncode == 3
    assert "  reason:       config file " in info.stdout
    good = _config(plugin_env, '[plugins.configured]\ncolour = "red"\n')
    assert listed(good) == "unchecked"  # the settings changed: not checked with these
    info = plugin_env.plughost("info", "configured", env=good)
    assert info.returncode == 0, info.stdout + info.stderr
    assert "  state:        ok" in info.stdout
    assert listed(good) == "ok"


def test_info_shows_the_declared_settings(plugin_env: PluginEnv) -> None:
    text = plugin_env.plughost("info", "configured")
    assert text.returncode == 0, text.stderr
    block = text.stdout.split("\nsettings:\n", 1)[1].splitlines()
    assert block == [
        "  greeting  a string (default: Hello): The word that opens the greeting.",
        "  colour    one of 'red', 'green', 'blue' (default: blue): The colour of the greeting,"
        " on two lines in the source.",
        "  retries   an integer (default: 3): how often to retry; help from the docstring's"
        " section",
        "  ratio     a number (default: 1.0)",
        "  loud      true or false (default: false)",
        "  tags      a list of strings (default: [a, b]): Labels to attach.",
        "  limit     an integer or null (default: null)",
        "  weights   a list of numbers (default: [1.0, 2.5])",
    ]
    data = json.loads(plugin_env.plughost("info", "configured", "--json").stdout)
    settings = data["manifest"]["settings"]
    assert settings[1] == {
        "name": "colour",
        "type": {"type": "string", "enum": ["red", "green", "blue"]},
        "default": "blue",
        "help": "The colour of the greeting, on two lines in the source.",
    }
    assert "settings: none" in plugin_env.plughost("info", "no-settings").stdout
    undeclared = plugin_env.plughost("info", "undeclared")
    assert "\nsettings" not in undeclared.stdout
    manifest = json.loads(plugin_env.plughost("info", "undeclared", "--json").stdout)["manifest"]
    assert "settings" not in manifest


# -- declarations that are wrong, or hostile --------------------------------------------

BROKEN = [
    "command 'echo' (Broken.echo): parameter 'text' has no type annotation",
    "setting 'missing' (Broken.Settings) has no default; give it one",
    "setting 'wrong_default' (Broken.Settings): its default 'three' is not an integer",
    "setting 'path' (Broken.Settings) is annotated Path, which is not a supported type; use str,",
    "setting 'timeout' (Broken.Settings): plughost reads `timeout` in [plugins.NAME] itself",
    "setting 'mapping' (Broken.Settings): its default {'a': 'b'} is not a list of strings",
    "Broken.Settings.colour has no annotation, so it is not a setting; annotate it"
    " (`colour: str = ...`) or, if it is no setting, call it _colour",
]


def test_a_broken_declaration_reports_every_problem_with_the_others(
    plugin_env: PluginEnv,
) -> None:
    result = plugin_env.plughost("check", "settings-broken", "--json")
    assert result.returncode == 1
    (info,) = json.loads(result.stdout)
    assert info["state"] == "invalid"
    origin = "plugin 'settings-broken' (plughost-fixture-settings-broken 1.0.0): "
    assert len(info["problems"]) == len(BROKEN)
    for problem, expected in zip(info["problems"], BROKEN, strict=True):
        assert problem.startswith(origin + expected), problem


@BOTH_WAYS
def test_a_settings_class_that_raises_when_read_is_invalid(
    plugin_env: PluginEnv, isolated: bool
) -> None:
    flags = ["--isolated"] if isolated else []
    check = plugin_env.plughost("check", *flags, "settings-trap")
    assert check.returncode == 1
    assert check.stdout == (
        "settings-trap  invalid: plugin 'settings-trap' (plughost-fixture-settings-hostile"
        " 1.0.0): examining its class raised Trap: <Trap object; str() raised RuntimeError>;"
        " its authors must make the class and its commands plain to inspect\n"
    )
    run = _run(plugin_env, plugin_env.environ(), isolated, "settings-trap", "echo", "hi")
    assert run.returncode == 3
    assert "examining its class raised Trap" in run.stderr


@BOTH_WAYS
def test_a_settings_class_is_read_never_run(plugin_env: PluginEnv, isolated: bool) -> None:
    environ = _config(plugin_env, '[plugins.settings-read-past]\nmode = "fancy"\n')
    run = _run(plugin_env, environ, isolated, "settings-read-past", "echo", "hi")
    assert (run.returncode, run.stdout) == (0, "hi (fancy)\n"), run.stderr
    info = json.loads(plugin_env.plughost("info", "settings-read-past", "--json").stdout)
    assert info["state"] == "ok"
    assert info["manifest"]["settings"] == [
        {
            "name": "mode",
            "type": {"type": "string", "enum": ["plain", "fancy"]},
            "default": "plain",
            "help": "How to echo.",
        },
        {"name": "label", "type": {"type": "string"}, "default": "label", "help": ""},
    ]
    # Not created, not subclassed, its str defaults never compared.
    assert sorted(p.name for p in plugin_env.marker_dir.iterdir()) == []


# -- library users: the same policy as the console script --------------------------------


def test_every_public_name_imports() -> None:
    code = "import plughost\nfor name in plughost.__all__:\n    getattr(plughost, name)\n"
    names = ", ".join(plughost.__all__)
    code += f"from plughost import {names}\nprint(len(plughost.__all__))\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == len(plughost.__all__)
    assert {"load_policy", "Policy", "ConfigError", "SettingSpec"} <= set(plughost.__all__)


def test_a_program_reads_the_users_config_as_the_console_script_does(
    plugin_env: PluginEnv,
) -> None:
    environ = _config(
        plugin_env, '[plugins.configured]\ngreeting = "Salut"\n[plugins.no-settings]\nx = 1\n'
    )
    code = textwrap.dedent(
        """
        import plughost

        host = plughost.Host(policy=plughost.load_policy(), remember=False)
        print(host.call("configured", "greet", name="Ada"))
        with host.load("configured", isolated=True) as plugin:
            print(plugin.call("greet", name="Bo"))
        try:
            host.load("no-settings")
        except plughost.PluginUnavailable as exc:
            print(exc.state, exc)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environ,
        cwd=plugin_env.home,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    refusal = (
        f"config file {plugin_env.home / 'config.toml'}: plugins.no-settings.x is not a setting"
        " of plugin 'no-settings'; it takes no settings: remove the key"
    )
    assert result.stdout.splitlines() == ["Salut, Ada!", "Salut, Bo!", f"invalid {refusal}"]
    # The console script, over the same file, says the same.
    greet = plugin_env.plughost("run", "configured", "greet", "Ada", env=environ)
    assert greet.stdout == "Salut, Ada!\n"
    refused = plugin_env.plughost("run", "no-settings", "show", env=environ)
    assert (refused.returncode, refused.stderr) == (3, f"error: {refusal}\n")


# -- a worker of another kind ---------------------------------------------------------

_FOREIGN = """
import json, sys
log = open(sys.argv[1], "a")
manifest = {
    "manifest_version": 1, "name": "foreign", "summary": "Declare a setting.",
    "commands": [{"name": "show", "help": "Show the settings.", "params": [],
                  "returns": {"type": "string"}}],
    "settings": [{"name": "level", "type": {"type": "integer"}, "default": 1}],
}
settings = None
for line in sys.stdin:
    message = json.loads(line)
    log.write(message.get("method", "") + "\\n")
    log.flush()
    if message.get("method") == "initialize":
        settings = message["params"]["settings"]
        result = {"protocol_version": 1, "manifest": manifest, "worker": {}}
    elif message.get("method") == "call":
        result = json.dumps(settings)
    else:
        result = None
    print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}), flush=True)
    if message.get("method") == "shutdown":
        break
"""


def _foreign_host(tmp_path: Path, toml: str) -> tuple[Host, Path]:
    script, log = tmp_path / "foreign.py", tmp_path / "calls.log"
    script.write_text(_FOREIGN)
    config = tmp_path / "config.toml"
    config.write_text(toml)
    host = Host(
        executables={"foreign": [sys.executable, str(script), str(log)]},
        policy=load_policy(path=config, environ={}),
        remember=False,
        start_timeout=30,
        call_timeout=30,
    )
    return host, log


def test_a_foreign_worker_whose_settings_do_not_fit_is_never_called(tmp_path: Path) -> None:
    host, log = _foreign_host(tmp_path, '[plugins.foreign]\nlevel = "high"\n')
    with pytest.raises(PluginUnavailable) as caught:
        host.load("foreign")
    assert caught.value.state == "invalid"
    assert str(caught.value) == (
        f"config file {tmp_path / 'config.toml'}: plugins.foreign.level, a setting of plugin"
        " 'foreign', must be an integer, not 'high'; fix its value"
    )
    assert log.read_text().split() == ["initialize", "shutdown"]
    [info] = host.check(["foreign"])
    assert info.state.value == "invalid"


def test_a_foreign_worker_gets_the_users_values_as_written(tmp_path: Path) -> None:
    host, _ = _foreign_host(tmp_path, "[plugins.foreign]\nlevel = 5\n")
    with host.load("foreign") as plugin:
        assert json.loads(plugin.call("show")) == {"level": 5}
    # The host cannot fill in defaults before the worker says what it declares.
    host, _ = _foreign_host(tmp_path, "")
    with host.load("foreign") as plugin:
        assert json.loads(plugin.call("show")) == {}
