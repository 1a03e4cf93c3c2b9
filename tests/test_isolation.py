"""Isolated plugins with the real worker (``python -m plughost.worker``).

The same cases run in-process and isolated and must give the same output,
errors and exit codes; then what only isolation can do: survive the plugin,
leave no process behind, run a plugin under another interpreter.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from plughost import Host
from support import PACKAGES, PluginEnv, pip_install_target, plughost_script, read_stderr_until

SAME_BOTH_WAYS: list[list[str]] = [
    ["greeter", "greet", "Ada"],
    ["greeter", "greet", "  Zoë  ", "--language", "fr"],
    ["greeter", "greet", "李雷", "--language", "zh", "--json"],
    ["greeter", "languages", "--json"],
    ["greeter", "greet", ""],
    ["greeter", "greet", "Ada", "--language", "xx"],
    ["greeter", "greet", "x" * 201],
    ["calculator", "evaluate", "2 * (3 + 4) - 0.1"],
    ["calculator", "evaluate", "0.1 + 0.2", "--json"],
    ["calculator", "evaluate", "1 / 0"],
    ["calculator", "evaluate", "2 * )"],
    ["calculator", "evaluate", "2 ** 10 ** 10"],
    ["calculator", "add", "0.1", "0.2"],
    ["calculator", "divide", "1", "0", "--json"],
    ["calculator", "evaluate"],
    ["calculator", "nope"],
    ["tools", "echo", "hi", "--tags", "a", "--tags", "b", "--json"],
    ["tools", "chatter", "--json"],
    ["tools", "refuse", "--json"],
    ["tools", "crash"],
    ["tools", "exit"],
    ["tools", "lie"],
    ["raising-init", "hello"],
    ["no-commands", "hello"],
    ["clash", "hello"],
]


def _normalise(text: str) -> str:
    # Tracebacks and process ids differ between the two ways; nothing else may.
    return re.sub(r"process \d+", "process N", text)


@pytest.mark.parametrize("args", SAME_BOTH_WAYS, ids=lambda a: " ".join(a)[:40])
def test_same_output_errors_and_exit_codes_both_ways(
    plugin_env: PluginEnv, args: list[str]
) -> None:
    inproc = plugin_env.plughost("run", *args)
    isolated = plugin_env.plughost("run", "--isolated", *args)
    assert isolated.returncode == inproc.returncode, (inproc.stderr, isolated.stderr)
    assert isolated.stdout == inproc.stdout
    errors = [line for line in inproc.stderr.splitlines() if line.startswith("error:")]
    assert [line for line in isolated.stderr.splitlines() if line.startswith("error:")] == errors


def test_isolated_worker_output_never_reaches_stdout(plugin_env: PluginEnv) -> None:
    result = plugin_env.plughost("run", "tools", "chatter", "--isolated", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["one", "two"]
    for line in ("print() from the plugin", "raw bytes on fd 1", "from a grandchild"):
        assert f"chatter: {line}" in result.stderr


def test_plughost_isolate_runs_the_named_plugins_in_a_worker(plugin_env: PluginEnv) -> None:
    env = plugin_env.environ(PLUGHOST_ISOLATE=" tools , other")
    inproc = plugin_env.plughost("run", "tools", "parent")
    isolated = plugin_env.plughost("run", "tools", "parent", env=env)
    # In-process the plugin's parent is this test; isolated, the plughost command.
    assert int(inproc.stdout) == os.getpid()
    assert int(isolated.stdout) != os.getpid()


def test_timeout_fails_a_hung_call(plugin_env: PluginEnv) -> None:
    # The call would wait for an hour; the run's own limit of 120 s would fail
    # the test if --timeout did not end it.
    result = plugin_env.plughost("run", "tools", "wait", "3600", "--timeout", "1", timeout=120)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: plugin 'tools': call did not finish within 1 s and was cancelled;"
        " raise the timeout (--timeout) or fix the plugin"
    ]


@pytest.mark.parametrize("timeout", ["0", "-1", "soon", "inf"])
def test_a_bad_timeout_is_a_usage_error(plugin_env: PluginEnv, timeout: str) -> None:
    result = plugin_env.plughost("run", "tools", "add", "1", "--timeout", timeout)
    assert result.returncode == 2
    assert "--timeout" in result.stderr


def test_library_handle_calls_like_an_in_process_one(plugin_env: PluginEnv) -> None:
    code = textwrap.dedent(
        """
        import json
        from plughost import Host, IsolatedPlugin, CommandFailed, ArgumentError
        with Host().load("tools", isolated=True) as tools:
            assert isinstance(tools, IsolatedPlugin)
            out = {"add": tools.call("add", numbers=[1, 2, 3])}
            try:
                tools.call("refuse", reason="busy")
            except CommandFailed as e:
                out["refuse"] = [e.error_type, e.expected, str(e)]
            try:
                tools.call("add", numbers=["x"])
            except ArgumentError as e:
                out["argument"] = str(e)
        print(json.dumps(out))
        """
    )
    result = plugin_env.python(code)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.splitlines()[-1])
    assert out["add"] == 6
    assert out["refuse"] == [
        "CommandError",
        True,
        "tools refuse: refused: busy; try another command",
    ]
    assert "must be a list of integers" in out["argument"]


def test_calls_from_many_threads_share_one_worker(plugin_env: PluginEnv) -> None:
    code = textwrap.dedent(
        """
        import json, threading
        from plughost import Host
        results, errors = {}, []
        with Host().load("tools", isolated=True) as tools:
            def work(n):
                try:
                    for i in range(25):
                        got = tools.call("add", numbers=[n, i])
                        assert got == n + i, (n, i, got)
                    results[n] = tools.call("echo", text=str(n))["text"]
                except Exception as e:
                    errors.append(repr(e))
            threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
            for t in threads: t.start()
            for t in threads: t.join()
            pid = tools.worker.pid
        print(json.dumps({"results": results, "errors": errors, "pid": pid}))
        """
    )
    result = plugin_env.python(code)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.splitlines()[-1])
    assert out["errors"] == []
    assert out["results"] == {str(n): str(n) for n in range(8)}
    _assert_gone(out["pid"])


def test_a_crashed_worker_is_restarted_on_the_next_call(plugin_env: PluginEnv) -> None:
    code = textwrap.dedent(
        """
        import json
        from plughost import Host, WorkerCrashed
        out = []
        with Host().load("tools", isolated=True) as tools:
            first = tools.worker.pid
            try:
                tools.call("die", code=5)
            except WorkerCrashed as e:
                out.append(str(e))
            out.append(tools.call("add", numbers=[2, 2]))
            out.append(tools.worker.pid != first)
            out.append(tools.restarts)
        print(json.dumps(out))
        """
    )
    result = plugin_env.python(code)
    assert result.returncode == 0, result.stderr
    message, value, new_pid, restarts = json.loads(result.stdout.splitlines()[-1])
    assert message.startswith("plugin 'tools': its worker exited with status 5")
    assert value == 4
    assert new_pid is True
    assert restarts == 1


def _assert_gone(pid: int, within: float = 10.0, *, orphan: bool = False) -> None:
    """Wait for ``pid`` to end. A zombie fails the test, unless the process
    is an orphan: then reaping it is the init process's job, not the host's."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        if Path(f"/proc/{pid}/stat").exists():
            state = Path(f"/proc/{pid}/stat").read_text().split()[2]
            if state == "Z":
                if orphan:
                    return
                pytest.fail(f"process {pid} is a zombie")
        time.sleep(0.05)
    pytest.fail(f"process {pid} is still running")


WAITING = r"^tools: waiting in process (\d+)$"


def _worker_pid_from(proc: subprocess.Popen[bytes]) -> int:
    """The process the ``wait`` command runs in, from the line it writes first."""
    waiting, _ = read_stderr_until(proc, WAITING)
    return int(waiting[1])


def test_no_worker_outlives_a_host_killed_with_sigkill(plugin_env: PluginEnv) -> None:
    code = textwrap.dedent(
        """
        import logging
        from plughost import Host
        # The worker's stderr reaches the host's logger; show it.
        logging.basicConfig(level=logging.INFO, format="%(message)s")
        with Host().load("tools", isolated=True) as tools:
            tools.call("wait", seconds=300)
        """
    )
    host = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=plugin_env.environ(),
        cwd=plugin_env.home,
    )
    try:
        worker = _worker_pid_from(host)
        assert worker != host.pid
    finally:
        host.kill()
        host.wait()
    _assert_gone(worker, orphan=True)


def test_ctrl_c_during_an_isolated_call_exits_130_and_stops_the_worker(
    plugin_env: PluginEnv,
) -> None:
    proc = subprocess.Popen(
        [plughost_script(), "run", "--isolated", "tools", "wait", "300"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=plugin_env.environ(),
        cwd=plugin_env.home,
    )
    try:
        # The command itself says it is running, in a worker of its own.
        waiting, seen = read_stderr_until(proc, WAITING)
        worker = int(waiting[1])
        assert worker != proc.pid
        os.kill(worker, 0)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert (seen + err.decode()).splitlines() == [waiting[0], "plughost: interrupted"]
    assert out == b""
    _assert_gone(worker)


@pytest.fixture(scope="module")
def second_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment of its own, holding plughost and a plugin whose
    dependency conflicts with what the host's environment has."""
    venv = tmp_path_factory.mktemp("second-venv")
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=600
    )
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout.strip()
    root = PACKAGES.parent.parent
    pip_install_target(Path(site), [root / "host", PACKAGES / "dep-new", PACKAGES / "venv-only"])
    return venv


def test_a_plugin_runs_under_its_own_interpreter(plugin_env: PluginEnv, second_venv: Path) -> None:
    python = str(second_venv / "bin" / "python")
    code = textwrap.dedent(
        """
        import json, sys
        import plughost_fixture_dep
        from plughost import Host
        host = Host(interpreters={"venv-only": sys.argv[1]})
        [info] = [p for p in host.plugins() if p.name == "venv-only"]
        before = info.state.value
        [checked] = host.check(["venv-only"])
        with host.load("venv-only") as plugin:
            where = plugin.call("where")
        print(json.dumps({
            "before": before,
            "checked": checked.state.value,
            "distribution": checked.distribution,
            "where": where,
            "host_dep": plughost_fixture_dep.VERSION,
        }))
        """
    )
    result = plugin_env.python(code, python)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.splitlines()[-1])
    assert out["before"] == "unchecked"
    assert out["checked"] == "ok"
    assert out["distribution"] == "plughost-fixture-venv-only"
    assert out["where"] == {"prefix": str(second_venv), "dep": "2.0"}
    assert out["host_dep"] == "1.0"


def test_a_missing_interpreter_is_one_clear_error(plugin_env: PluginEnv, tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere" / "python")
    host = Host(interpreters={"venv-only": missing}, remember=False)
    [info] = host.check(["venv-only"])
    assert info.state.value == "broken"
    assert "cannot start the worker of plugin 'venv-only'" in info.reason
    assert missing in info.reason


def test_python_in_the_config_file_runs_the_plugin_there(
    plugin_env: PluginEnv, second_venv: Path
) -> None:
    config = plugin_env.home / "config.toml"
    config.write_text(f'[plugins.venv-only]\npython = "{second_venv / "bin" / "python"}"\n')
    env = plugin_env.environ(PLUGHOST_CONFIG=str(config))
    result = plugin_env.plughost("run", "venv-only", "where", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"prefix": str(second_venv), "dep": "2.0"}
    check = plugin_env.plughost("check", "venv-only", env=env)
    assert check.returncode == 0, check.stdout + check.stderr
