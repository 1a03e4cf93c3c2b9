"""The real ``plughost`` console script, end to end, over installed fixtures."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import pytest

import plughost
from support import PluginEnv, plughost_script, read_stderr_until


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


def test_version(clean_env: PluginEnv) -> None:
    result = clean_env.plughost("--version")
    assert result.returncode == 0
    assert result.stdout == f"plughost {plughost.__version__}\n"


def test_help_lists_the_commands_and_exit_codes(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("--help")
    assert result.returncode == 0
    for word in ("list", "info", "run", "check", "--version", "--debug", "130 interrupted"):
        assert word in result.stdout


def test_python_dash_m_works_like_the_console_script(plugin_env: PluginEnv) -> None:
    script = plugin_env.plughost("run", "tools", "add", "2", "3")
    module = subprocess.run(
        [sys.executable, "-m", "plughost", "run", "tools", "add", "2", "3"],
        capture_output=True,
        text=True,
        env=plugin_env.environ(),
        cwd=plugin_env.home,
        timeout=120,
    )
    assert script.returncode == module.returncode == 0
    assert script.stdout == module.stdout == "5\n"
    bad = subprocess.run(
        [sys.executable, "-m", "plughost", "run", "nope"],
        capture_output=True,
        text=True,
        env=plugin_env.environ(),
        cwd=plugin_env.home,
        timeout=120,
    )
    assert bad.returncode == 3


def test_no_arguments_prints_the_help(clean_env: PluginEnv) -> None:
    result = clean_env.plughost()
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("usage: plughost ")
    # Every command, with a line that says what it does.
    for command in ("list", "info", "run", "check", "config", "install", "uninstall"):
        assert re.search(rf"^    {command} +\S", result.stdout, re.MULTILINE), command


def test_list_human_output(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("list")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "STATE", "DISTRIBUTION", "SUMMARY"]
    tools = next(line for line in lines if line.startswith("tools "))
    assert "unchecked" in tools
    assert "plughost-fixture-tools 1.0.0" in tools
    assert "not checked since installed or changed" in result.stderr


def _write_end_of_a_closed_pipe() -> int:
    """A pipe's write end whose read end is closed: every write to it fails with EPIPE."""
    read, write = os.pipe()
    os.close(read)
    return write


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--json"],
        ["info", "tools"],
        ["run", "tools", "echo", "hi"],
        ["run", "--isolated", "tools", "echo", "hi"],
        ["check", "tools"],
        ["--help"],
        ["--version"],
        ["run", "tools", "--help"],
    ],
    ids=" ".join,
)
def test_a_reader_that_went_away_is_a_quiet_exit_0(plugin_env: PluginEnv, args: list[str]) -> None:
    # `plughost list | head -1`, made certain: the reader is gone before
    # plughost writes, so its first write fails with EPIPE.
    shown = plugin_env.plughost(*args)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout  # there is something to write
    write = _write_end_of_a_closed_pipe()
    try:
        # Without its own handling a Python program fails on such a pipe...
        bare = subprocess.run(
            [sys.executable, "-c", "import sys; sys.stdout.write('x\\n'); sys.stdout.flush()"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
        # ...plughost stops quietly (with its stdout buffered, as a user's is:
        # environ() passes on no PYTHON* variable such as PYTHONUNBUFFERED).
        gone = subprocess.run(
            [plughost_script(), *args],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=plugin_env.environ(),
            cwd=plugin_env.home,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
    finally:
        os.close(write)
    assert bare.returncode == 1
    assert "BrokenPipeError: [Errno 32] Broken pipe" in bare.stderr
    assert gone.returncode == 0
    assert "Traceback" not in gone.stderr
    assert "BrokenPipe" not in gone.stderr
    assert gone.stderr == shown.stderr


def test_info_shows_commands_and_parameters(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("info", "tools")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("tools: Commands that exercise the host.")
    assert "state:        ok" in out
    assert "distribution: plughost-fixture-tools 1.0.0" in out
    assert "echo TEXT [--count COUNT] [--shout]" in out
    assert "count  an integer (default: 1): how many times to repeat it" in out
    assert "flag-check ENABLED" in out


def test_info_json_is_the_manifest(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("info", "tools", "--json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    manifest = data["manifest"]
    assert manifest["name"] == "tools"
    assert manifest["distribution"] == "plughost-fixture-tools"
    echo = next(c for c in manifest["commands"] if c["name"] == "echo")
    mode = next(p for p in echo["params"] if p["name"] == "mode")
    assert mode == {
        "name": "mode",
        "type": {"type": "string", "enum": ["plain", "quoted"]},
        "required": False,
        "default": "plain",
        "choices": ["plain", "quoted"],
        "help": "how to present it",
    }


def test_info_of_a_broken_plugin_says_why_and_exits_3(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("info", "raising-init")
    assert result.returncode == 3
    assert "state:        broken" in result.stdout
    assert "cannot open the frobnicator" in result.stdout


def test_unknown_plugin_suggests_close_names(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("run", "tols", "echo", "x")
    assert result.returncode == 3
    assert _error_lines(result.stderr) == [
        "error: no plugin named 'tols' is installed; did you mean 'tools'?"
    ]
    far = plugin_env.plughost("info", "zzzzzz")
    assert far.returncode == 3
    assert "run `plughost list` to see the installed plugins" in far.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["echo", "hi"], "text: hi\ntags: \nratio: none\n"),
        (["echo", "hi", "--count", "2", "--shout"], "text: HI HI\ntags: \nratio: none\n"),
        (["echo", "hi", "--shout", "--no-shout"], "text: hi\ntags: \nratio: none\n"),
        (["echo", "hi", "--mode", "quoted"], 'text: "hi"\ntags: \nratio: none\n'),
        (["echo", "hi", "--tags", "a", "--tags", "b"], "text: hi\ntags: a,b\nratio: none\n"),
        (["echo", "hi", "--ratio", "2"], "text: hi\ntags: \nratio: 2.0\n"),
        (["echo", "--", "--dashed"], "text: --dashed\ntags: \nratio: none\n"),
        (["add", "1", "2", "39"], "42\n"),
        (["flag-check", "yes"], "true\n"),
        (["flag-check", "off"], "false\n"),
        (["chatter"], "one\ntwo\n"),
    ],
)
def test_run_builds_arguments_from_the_manifest(
    plugin_env: PluginEnv, args: list[str], expected: str
) -> None:
    result = plugin_env.plughost("run", "tools", *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["echo"], "the following arguments are required: TEXT"),
        (["echo", "hi", "--count", "x"], "'x' is not an integer"),
        (["echo", "hi", "--ratio", "nan"], "'nan' is not a finite number"),
        (["echo", "hi", "--mode", "loud"], "invalid choice: 'loud'"),
        (["echo", "hi", "--colour", "red"], "plughost run tools echo: no option --colour"),
        (["echo", "hi", "--shot"], "no option --shot; did you mean --shout?"),
        (["echo", "hi", "--mode", "quoteds"], "(did you mean 'quoted'?)"),
        (["flag-check", "maybe"], "'maybe' is not true or false"),
        (["ech", "hi"], "invalid choice: 'ech' (did you mean 'echo'?)"),
        (
            [],
            "give a command (echo, add, chatter, wait, refuse, crash, exit, lie, parent, die,"
            " flag-check)",
        ),
    ],
)
def test_bad_arguments_are_one_line_usage_errors(
    plugin_env: PluginEnv, args: list[str], fragment: str
) -> None:
    result = plugin_env.plughost("run", "tools", *args)
    assert result.returncode == 2
    lines = _error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert fragment in lines[0]
    assert "plughost run tools" in lines[0]
    assert result.stdout == ""


@pytest.mark.parametrize("name", ["a:b", "../etc/passwd", "two\nlines", "x" * 10_000])
def test_a_name_that_cannot_be_a_plugin_is_a_usage_error(plugin_env: PluginEnv, name: str) -> None:
    result = plugin_env.plughost("run", name, "hello")
    assert result.returncode == 2
    assert "is not a plugin name" in result.stderr
    assert len(result.stderr) < 500


def test_run_help_lists_commands_and_parameters(plugin_env: PluginEnv) -> None:
    top = plugin_env.plughost("run", "tools", "--help")
    assert top.returncode == 0
    assert "Commands that exercise the host." in top.stdout
    for name in ("echo", "add", "wait", "flag-check"):
        assert name in top.stdout
    assert "Echo TEXT back with what else was given." in top.stdout
    cmd = plugin_env.plughost("run", "tools", "echo", "--help")
    assert cmd.returncode == 0
    assert "usage: plughost run tools echo" in cmd.stdout
    flowing = " ".join(cmd.stdout.split())  # argparse wraps lines
    assert "how many times to repeat it (an integer; default: 1)" in flowing
    # A Literal reads as it does in `plughost info`.
    assert "(one of 'plain', 'quoted'; default: plain)" in flowing
    assert "--shout, --no-shout" in cmd.stdout
    # The plugin's own parameters first; plughost's options after, under their heading.
    assert cmd.stdout.index("--count COUNT") < cmd.stdout.index("plughost options:")
    assert cmd.stdout.index("plughost options:") < cmd.stdout.index("  --isolated ")


def test_expected_plugin_failure_is_one_line_exit_1(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("run", "tools", "refuse", "--reason", "closed")
    assert result.returncode == 1
    assert _error_lines(result.stderr) == [
        "error: tools refuse: refused: closed; try another command"
    ]
    assert "Traceback" not in result.stderr


def test_plugin_bug_is_one_line_and_traceback_only_with_debug(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("run", "tools", "crash")
    assert result.returncode == 1
    (line,) = _error_lines(result.stderr)
    assert "tools crash failed with KeyError: 'missing'" in line
    assert "--debug" in line
    assert "Traceback" not in result.stderr
    debug = plugin_env.plughost("run", "tools", "crash", "--debug")
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr
    assert 'return {}["missing"]' in debug.stderr


def test_sys_exit_inside_a_command_is_a_plugin_failure(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("run", "tools", "exit", "--code", "0")
    assert result.returncode == 1
    assert "tools exit failed with SystemExit" in result.stderr


def test_a_result_of_the_wrong_type_is_refused(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("run", "tools", "lie")
    assert result.returncode == 1
    assert "returned 'not an int', but its annotation promises an integer" in result.stderr


def test_json_output_stays_valid_when_the_plugin_prints(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("run", "tools", "chatter", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["one", "two"]
    assert "print() from the plugin" in result.stderr
    assert "raw bytes on fd 1" in result.stderr
    noisy = plugin_env.plughost("run", "--json", "prints-at-import", "hello")
    assert noisy.returncode == 0, noisy.stderr
    assert json.loads(noisy.stdout) == "hello"
    assert "hello from import time" in noisy.stderr


def test_json_errors_are_json_on_stdout_too(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("run", "tools", "refuse", "--json")
    assert result.returncode == 1
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "CommandFailed"
    assert error["error_type"] == "CommandError"
    assert error["plugin"] == "tools"
    assert error["exit_code"] == 1
    missing = plugin_env.plughost("run", "--json", "nope", "x")
    assert missing.returncode == 3
    assert json.loads(missing.stdout)["error"]["type"] == "PluginNotFound"


def test_check_json_and_exit_status(plugin_env: PluginEnv) -> None:
    ok = plugin_env.plughost("check", "tools", "marker", "--json")
    assert ok.returncode == 0
    assert [p["state"] for p in json.loads(ok.stdout)] == ["ok", "ok"]
    bad = plugin_env.plughost("check", "tools", "no-commands")
    assert bad.returncode == 1
    assert "no-commands  invalid: plugin 'no-commands'" in bad.stdout


def test_check_lists_every_problem_of_an_invalid_plugin(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("check", "unsupported-type")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert "parameter 'path' is annotated Path" in lines[0]
    assert "parameter 'tags' is annotated set[str]" in lines[1]
    assert "its return is annotated bytes" in lines[2]


def test_ctrl_c_during_a_command_exits_130_with_one_line(plugin_env: PluginEnv) -> None:
    proc = subprocess.Popen(
        [plughost_script(), "run", "tools", "wait", "300"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=plugin_env.environ(),
        cwd=plugin_env.home,
    )
    try:
        # The command itself says it is running, in plughost's own process.
        waiting, seen = read_stderr_until(proc, r"^tools: waiting in process (\d+)$")
        assert int(waiting[1]) == proc.pid
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert (seen + err.decode()).splitlines() == [waiting[0], "plughost: interrupted"]
    assert out == b""


@pytest.mark.parametrize(
    ("words", "stdout"),
    [
        (["-1e3", "1"], "-999\n"),
        (["-1E-3", "-.5e2"], "-50.001\n"),
        (["-1", "-2"], "-3\n"),
        (["--", "-2.5e1", "1"], "-24\n"),
    ],
    ids=["exponent", "negative-exponent", "integers", "after-dashes"],
)
def test_negative_numbers_are_values_not_options(
    clean_env: PluginEnv, words: list[str], stdout: str
) -> None:
    result = clean_env.plughost("run", "calculator", "add", *words, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, stdout, "")


def test_a_negative_infinity_is_refused_as_a_number(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("run", "tools", "wait", "-inf", timeout=60)
    assert result.returncode == 2
    assert "'-inf' is not a finite number" in result.stderr
    assert "unrecognized" not in result.stderr


def test_debug_traces_what_plughost_does(plugin_env: PluginEnv) -> None:
    def trace(*args: str) -> list[str]:
        result = plugin_env.plughost(*args, "--debug", timeout=60)
        assert result.returncode == 0, result.stderr
        return [line for line in result.stderr.splitlines() if line.startswith("debug ")]

    first = "\n".join(trace("list"))
    assert "no usable discovery index at" in first
    assert "plugin 'tools' (plughost-fixture-tools 1.0.0): unchecked" in first
    assert "plugin 'clash' (no distribution): conflict: plugin name 'clash' is provided" in first
    assert re.search(r"discovery index \S+ is current", "\n".join(trace("list")))
    checked = "\n".join(trace("check", "tools"))
    assert re.search(r"plugin 'tools' imported, validated and started .* in [\d.]+ ms: ok", checked)
    assert "recorded tools as ok" in checked
    run = trace("run", "--isolated", "tools", "echo", "hi")
    text = "\n".join(run)
    assert re.search(
        r"starting the worker of plugin 'tools': .* -P -c from plughost.worker import run; run\(\)",
        text,
    )
    assert re.search(r"handshake done in [\d.]+ ms", text)
    # Each shutdown step, in order: "worker PID: what happened".
    steps = [line.split(": ", 2)[2] for line in run if "plughost._runtime.lifetime" in line]
    assert steps[:2] == ["asked to shut down", "its input closed"]
    assert re.fullmatch(r"exited with status 0 after [\d.]+ s", steps[-1])


def test_info_shows_the_project_urls_from_the_metadata(clean_env: PluginEnv) -> None:
    result = clean_env.plughost("info", "greeter", timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = lines.index("  project urls:")
    assert lines[start + 1 : start + 5] == [
        "    Homepage       https://github.com/plughost/plughost",
        "    Documentation  https://github.com/plughost/plughost/tree/main/plugins/greeter#readme",
        "    Source         https://github.com/plughost/plughost",
        "    Issues         https://github.com/plughost/plughost/issues",
    ]
    data = json.loads(clean_env.plughost("info", "greeter", "--json", timeout=60).stdout)
    assert data["urls"]["Issues"] == "https://github.com/plughost/plughost/issues"


@pytest.mark.parametrize(
    ("args", "kind", "code"),
    [
        (["run", "toolz", "echo", "hi", "--json"], "PluginNotFound", 3),
        (["run", "tools", "ech", "hi", "--json"], "UsageError", 2),
        (["run", "tools", "echo", "hi", "--shot", "--json"], "UsageError", 2),
        (["--json", "lst"], "UsageError", 2),
        (["lst", "--json"], "UsageError", 2),
    ],
    ids=["unknown-plugin", "unknown-command", "unknown-option", "before", "after"],
)
def test_json_anywhere_makes_every_error_a_json_object(
    plugin_env: PluginEnv, args: list[str], kind: str, code: int
) -> None:
    result = plugin_env.plughost(*args, timeout=60)
    assert result.returncode == code
    error = json.loads(result.stdout)["error"]
    assert (error["type"], error["exit_code"]) == (kind, code)
    assert "did you mean" in error["message"]
    assert _error_lines(result.stderr) == [f"error: {error['message']}"]


def test_json_before_the_command_works_like_debug(plugin_env: PluginEnv) -> None:
    before = plugin_env.plughost("--json", "list", timeout=60)
    after = plugin_env.plughost("list", "--json", timeout=60)
    assert before.returncode == after.returncode == 0
    assert json.loads(before.stdout) == json.loads(after.stdout)


def test_names_in_the_policy_get_a_did_you_mean(plugin_env: PluginEnv) -> None:
    config = plugin_env.home / "config.toml"
    config.write_text("[plugins.tool]\nisolate = true\n", encoding="utf-8")
    env = plugin_env.environ(
        PLUGHOST_DISABLE="markr",
        PLUGHOST_PLUGINS="plughost-fixture-tols,plughost-fixture-marker",
        PLUGHOST_CONFIG=str(config),
    )
    result = plugin_env.plughost("list", env=env, timeout=60)
    assert result.returncode == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: PLUGHOST_PLUGINS allows distribution 'plughost-fixture-tols', which provides"
        " no installed plugin; did you mean 'plughost-fixture-tools'?",
        "warning: PLUGHOST_DISABLE disables 'markr', but no plugin of that name is installed;"
        " did you mean 'marker'?",
        f"warning: config file {config} has a [plugins.tool] table, but no plugin of that"
        " name is installed; did you mean 'tools'?",
    ]
