"""Plugins that fight the host: hostile classes, results, exceptions and processes.

Each fixture under ``tests/packages/hostile-*`` (and ``slow-import``) is a
real installed distribution; the tests run the real console script over
them. Whatever a plugin does, the outcome is the plugin's own: one line that
names it (and the command), the documented exit status, every other plugin
still checked, never "internal error", and nothing left running.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from support import PACKAGES, PluginEnv, pip_install_target

# Each hostile class with the state it must end in and a part of its reason.
CLASSES = {
    "meta-doc": ("invalid", "examining its class raised Trap"),
    "meta-abstract": ("invalid", "examining its class raised Trap"),
    "meta-getattribute": ("invalid", "ValueError: no __abstractmethods__ for you"),
    "meta-mro": ("invalid", "examining its class raised Trap"),
    "meta-interrupt": ("invalid", "examining its class raised KeyboardInterrupt"),
    "meta-exit": ("invalid", "examining its class raised SystemExit: exit status 3"),
    "annotations-raise": ("invalid", "examining its class raised Trap"),
    "unhashable-annotation": ("invalid", "is annotated {'not': 'hashable'}, which is not a type"),
    "recursive-annotation": ("invalid", "which is not a supported type"),
    "hostile-mark": ("invalid", "examining its class raised Trap"),
    "hostile-docstring": ("invalid", "examining its class raised Trap"),
    "not-a-class-object": ("invalid", "examining its class raised Trap"),
    "instance-setattr": ("broken", "failed to start: Trap: <Trap object; str() raised"),
    "init-subclass": ("broken", "TypeError: Subclassed may not subclass Picky"),
    # A lying name or a hostile default is read past: the plugin works.
    "lying-name": ("ok", ""),
    "hostile-default": ("ok", ""),
    "instance-getattribute": ("ok", ""),
}


def test_check_reports_every_hostile_class_and_every_other_plugin(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("check", "--json", timeout=120)
    assert result.returncode == 1, result.stderr
    assert "internal error" not in result.stderr
    states = {p["name"]: p for p in json.loads(result.stdout)}
    for name, (state, reason) in CLASSES.items():
        assert states[name]["state"] == state, (name, states[name]["reason"])
        assert reason in states[name]["reason"], (name, states[name]["reason"])
        if state != "ok":
            assert states[name]["reason"].startswith(f"plugin {name!r} ")
            assert "\n" not in states[name]["reason"]
    # The well-behaved plugins are still checked, and found ok.
    assert states["tools"]["state"] == "ok"
    assert states["greeter"]["state"] == "ok"


@pytest.mark.parametrize("name", sorted(n for n, (s, _) in CLASSES.items() if s != "ok"))
def test_a_hostile_class_cannot_be_run(plugin_env: PluginEnv, name: str) -> None:
    result = plugin_env.plughost("run", name, "echo", "hi", timeout=60)
    assert result.returncode == 3, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: plugin {name!r} ")
    assert CLASSES[name][1] in line


def test_a_plugin_raising_keyboard_interrupt_is_not_an_interrupt(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("check", "meta-interrupt", timeout=60)
    assert result.returncode == 1
    assert "interrupted" not in result.stderr
    assert result.stdout.startswith("meta-interrupt  invalid: ")


def test_classes_read_past_their_traps_work(plugin_env: PluginEnv) -> None:
    for name in ("lying-name", "hostile-default"):
        result = plugin_env.plughost("run", name, "echo", "hi", timeout=60)
        assert (result.returncode, result.stdout) == (0, "hi\n"), result.stderr
    result = plugin_env.plughost("run", "instance-getattribute", "echo", "hi", timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: instance-getattribute echo failed with Trap: <Trap object; str() raised"
        " RuntimeError> (this is a bug in the plugin; run with --debug for the traceback"
        " and report it to its authors)"
    ]


BUG = (
    " (this is a bug in the plugin; run with --debug for the traceback and report it to its"
    " authors)"
)
RESULTS = {
    "unprintable": (
        1,
        " failed with TypeError: returned a Python Unprintable, but its annotation"
        " promises a string" + BUG,
    ),
    "recursive": (
        1,
        " failed with TypeError: returned data nested more than 64 levels deep (or"
        " containing itself), but its annotation promises a list of integers" + BUG,
    ),
    "generator": (
        1,
        " failed with TypeError: returned a Python generator, but its annotation"
        " promises a list of integers" + BUG,
    ),
    "int_keys": (
        1,
        " failed with TypeError: returned an object with a key that is an int, but"
        " its annotation promises an object whose values are integers" + BUG,
    ),
    "huge_int": (
        1,
        " failed with TypeError: returned an integer of more than 4300 digits, but"
        " its annotation promises an integer" + BUG,
    ),
    "nan": (1, " failed with TypeError: returned nan, but its annotation promises a number" + BUG),
    "raises_unprintable": (1, " failed with Trap: <Trap object; str() raised RuntimeError>" + BUG),
    "raises_lying": (1, " failed with LyingError: the message is fine" + BUG),
    "raises_lying_command_error": (1, ": <LyingCommandError object; str() raised Trap>"),
    "raises_interrupt": (1, " failed with KeyboardInterrupt: KeyboardInterrupt" + BUG),
    "raises_exit": (1, " failed with SystemExit: 4" + BUG),
}
PLAIN_COPIES = {
    "sneaky_str": "sneaky but a string\n",
    "sneaky_list": "a\nb\n",
    "sneaky_dict": "a: 1\n",
}


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])
@pytest.mark.parametrize("command", sorted(RESULTS))
def test_a_hostile_result_is_blamed_on_the_plugin(
    plugin_env: PluginEnv, command: str, isolated: bool
) -> None:
    args = ["run", *(["--isolated", "--timeout", "30"] if isolated else []), "hostile-results"]
    started = time.monotonic()
    result = plugin_env.plughost(*args, command, timeout=60)
    code, message = RESULTS[command]
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"error: hostile-results {command}{message}"]
    # Answered at once, not when the call's time is up.
    assert time.monotonic() - started < 25


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])
@pytest.mark.parametrize("command", sorted(PLAIN_COPIES))
def test_a_subclass_of_a_builtin_is_copied_without_its_methods(
    plugin_env: PluginEnv, command: str, isolated: bool
) -> None:
    args = ["run", *(["--isolated"] if isolated else []), "hostile-results", command]
    result = plugin_env.plughost(*args, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, PLAIN_COPIES[command], "")
    as_json = plugin_env.plughost(*args, "--json", timeout=60)
    assert as_json.returncode == 0, as_json.stderr
    assert (
        json.loads(as_json.stdout)
        == {
            "sneaky_str": "sneaky but a string",
            "sneaky_list": ["a", "b"],
            "sneaky_dict": {"a": 1},
        }[command]
    )


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])
def test_the_traceback_of_a_failing_command_only_with_debug(
    plugin_env: PluginEnv, isolated: bool
) -> None:
    args = ["run", *(["--isolated"] if isolated else []), "hostile-results", "raises_lying"]
    quiet = plugin_env.plughost(*args, timeout=60)
    assert "Traceback" not in quiet.stderr
    loud = plugin_env.plughost(*args, "--debug", timeout=60)
    assert "Traceback (most recent call last)" in loud.stderr
    assert 'raise LyingError("the message is fine")' in loud.stderr


# -- the process -----------------------------------------------------------------------


def test_a_thread_left_running_does_not_keep_plughost_alive(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("run", "hostile-process", "thread", timeout=30)
    assert (result.returncode, result.stdout, result.stderr) == (0, "returned\n", "")


def test_a_command_that_forks_prints_one_result(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("run", "hostile-process", "fork", timeout=30)
    assert (result.returncode, result.stdout, result.stderr) == (0, "parent\n", "")


@pytest.mark.parametrize(
    ("args", "code", "stdout", "stderr"),
    [
        (["close_stdout"], 0, "kept\n", ""),
        (["close_stderr"], 0, "kept\n", ""),
        (
            ["close_stderr", "--fail"],
            1,
            "",
            "error: hostile-process close_stderr: failed after closing stderr\n",
        ),
        (["replace_streams"], 0, "kept\n", ""),
        (["exit_code"], 0, "returned\n", ""),
    ],
    ids=["close-stdout", "close-stderr", "close-stderr-then-fail", "replace-streams", "atexit"],
)
def test_a_command_cannot_take_away_the_result_or_the_exit_code(
    plugin_env: PluginEnv, args: list[str], code: int, stdout: str, stderr: str
) -> None:
    result = plugin_env.plughost("run", "hostile-process", *args, timeout=30)
    assert (result.returncode, result.stdout, result.stderr) == (code, stdout, stderr)
    as_json = plugin_env.plughost("run", "hostile-process", *args, "--json", timeout=30)
    assert as_json.returncode == code


def test_closed_stdout_is_one_line(plugin_env: PluginEnv) -> None:
    import subprocess

    from support import plughost_script

    result = subprocess.run(
        [plughost_script(), "list"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=plugin_env.environ(),
        cwd=plugin_env.home,
        timeout=30,
        pass_fds=(),
        preexec_fn=lambda: os.close(1),
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: standard output is closed, and plughost prints its results there; give it"
        " one (for example > FILE or > /dev/null)"
    ]


# -- an import that never ends ---------------------------------------------------------


@pytest.fixture(scope="module")
def slow_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("slow-site")
    pip_install_target(site, [PACKAGES / "slow-import"])
    return site


def _no_worker_left(env: PluginEnv) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        left = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if str(env.marker_dir).encode() in f.read() and pid != str(os.getpid()):
                        with open(f"/proc/{pid}/cmdline", "rb") as g:
                            if b"plughost.worker" in g.read():
                                left.append(pid)
            except OSError:
                continue
        if not left:
            return
        time.sleep(0.1)
    pytest.fail(f"workers left running: {left}")


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["check", "--timeout", "2", "slow-import"], {}),
        (["check", "slow-import"], {"PLUGHOST_ISOLATE": "slow-import"}),
        (["info", "slow-import"], {"PLUGHOST_ISOLATE": "slow-import"}),
        (["run", "--timeout", "2", "slow-import", "hello"], {}),
    ],
    ids=["check-timeout", "check-isolate", "info-isolate", "run-timeout"],
)
def test_an_import_that_never_ends_is_bounded(
    slow_site: Path, tmp_path: Path, args: list[str], extra: dict[str, str]
) -> None:
    plugin_env = PluginEnv(site=slow_site, home=tmp_path)
    plugin_env.marker_dir.mkdir()
    config = plugin_env.home / "config.toml"
    config.write_text("start_timeout = 2\n", encoding="utf-8")
    env = plugin_env.environ(PLUGHOST_CONFIG=str(config), **extra)
    started = time.monotonic()
    result = plugin_env.plughost(*args, env=env, timeout=60)
    elapsed = time.monotonic() - started
    assert result.returncode in {"check": (1,), "info": (3,), "run": (3,)}[args[0]]
    assert "did not complete the handshake within 2 s" in result.stdout + result.stderr
    assert elapsed < 30  # a bound against hangs; the overshoot is measured elsewhere
    _no_worker_left(plugin_env)


@pytest.mark.parametrize("command", ["check", "info"])
def test_an_isolated_plugin_is_never_imported_here(plugin_env: PluginEnv, command: str) -> None:
    code = (
        "import sys\n"
        "from plughost._cli.main import main\n"
        f"code = main([{command!r}, 'marker', '--json'])\n"
        "print('IMPORTED' if 'plughost_fixture_marker' in sys.modules else 'NOT IMPORTED',"
        " code, file=sys.stderr)\n"
    )
    env = plugin_env.environ(PLUGHOST_ISOLATE="marker")
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=plugin_env.home,
        timeout=60,
    )
    assert result.stderr.splitlines()[-1] == "NOT IMPORTED 0", result.stderr
    # It was checked all the same, in a worker, which imported it.
    assert (plugin_env.marker_dir / "marker-imported").exists()
    data = json.loads(result.stdout)
    assert (data[0] if isinstance(data, list) else data)["state"] == "ok"


# -- the current directory -------------------------------------------------------------


SHADOWS = (
    "json",
    "typing",
    "argparse",
    "logging",
    "re",
    "enum",
    "signal",
    "threading",
    "tomllib",
    "stevedore",
    "packaging",
    "plughost_fixture_tools",
    "plughost_greeter",
)


@pytest.mark.parametrize("how", ["script", "python -m"])
@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["check", "tools"],
        ["info", "tools"],
        ["run", "tools", "add", "1", "2"],
        ["run", "--isolated", "tools", "add", "1", "2"],
        ["run", "greeter", "greet", "Ada"],
    ],
    ids=" ".join,
)
def test_the_current_directory_shadows_nothing(
    plugin_env: PluginEnv, how: str, args: list[str]
) -> None:
    """Modules of the folder plughost runs in are never imported.

    (``python -m`` itself imports a few modules, runpy's, before plughost
    runs at all; those are Python's to protect: `python -P -m` does.)
    """
    import subprocess
    import sys

    from support import plughost_script

    mark = plugin_env.home / "shadowed"
    for module in SHADOWS:
        (plugin_env.home / f"{module}.py").write_text(
            f"open({str(mark)!r}, 'a').write({module!r} + '\\n')\n"
            f"raise SystemExit('the {module}.py of the current directory was imported')\n"
        )
    command = [plughost_script()] if how == "script" else [sys.executable, "-m", "plughost"]
    result = subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        env=plugin_env.environ(),
        cwd=plugin_env.home,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert not mark.exists(), mark.read_text()
