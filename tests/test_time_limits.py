"""Time limits are limits: a call, a start and a shutdown each end within about a second.

Whatever the worker does: hold the GIL in one C call (a trillion-term
``sum`` or a regular expression that backtracks), ignore SIGTERM, stop
itself with SIGSTOP, close its stdin or its channel, go silent after the
handshake or stop reading. The real fixture plugins (``tests/packages/
limits-*``) run through the real ``plughost run --isolated`` and through
``Host.load(..., isolated=True)`` in a Python child; the fake worker stands
for a worker in another language. Each test measures from the moment the
misbehaviour began (the plugin's own stderr line) or the action started,
prints the overshoot, and fails beyond the limit plus 1.5 s; afterwards no
process of the worker may be running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_worker import SCENARIOS
from limits_support import (
    BOUND,
    assert_gone,
    bounded,
    drive,
    overshoot,
    plughost,
    running,
    watch,
)

from plughost import CallTimeout, WorkerCrashed, WorkerError, WorkerStartError
from plughost._runtime.client import HURRIED_GRACE, WorkerProcess
from support import PluginEnv, plughost_script

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")

FAKE = Path(__file__).with_name("fake_worker.py")
LIMIT = 1.0

#: (plugin, command and arguments, what it does): each runs past any limit.
HOSTILE_CALLS = [
    ("limits-gil", ["hold"], "holds the GIL (sum)", "holding the GIL"),
    ("limits-gil", ["backtrack"], "holds the GIL (re)", "backtracking"),
    ("limits-stubborn", ["stop"], "stops itself (SIGSTOP)", "stopping"),
    ("limits-stubborn", ["wait", "600"], "ignores SIGTERM, sleeps", "waiting"),
]
CALL_IDS = [f"{plugin}-{args[0]}" for plugin, args, _, _ in HOSTILE_CALLS]

#: (plugin, LIMITS_FIXTURE_AT_START, what it does while it starts)
HOSTILE_STARTS = [
    ("limits-gil", "hold", "holds the GIL", "holding the GIL while starting"),
    ("limits-stubborn", "stop", "ignores SIGTERM, stops itself", "stopping while starting"),
]
START_IDS = [plugin for plugin, _, _, _ in HOSTILE_STARTS]


def _config(env: PluginEnv, text: str) -> str:
    path = env.home / "config.toml"
    path.write_text(text)
    return str(path)


# -- the call limit ---------------------------------------------------------------------


@pytest.mark.parametrize(("plugin", "args", "behaviour", "says"), HOSTILE_CALLS, ids=CALL_IDS)
def test_cli_call_ends_within_its_timeout(
    plugin_env: PluginEnv, plugin: str, args: list[str], behaviour: str, says: str
) -> None:
    done = plughost(plugin_env, "run", "--isolated", "--timeout", f"{LIMIT:g}", plugin, *args)
    overshoot("call", f"{behaviour}, plughost run", LIMIT, done.ended - done.when(says))
    assert done.returncode == 1, done.stderr
    assert done.errors() == [
        f"error: plugin {plugin!r}: call did not finish within 1 s and was cancelled;"
        " raise the timeout (--timeout) or fix the plugin"
    ]
    assert done.stdout == ""
    assert_gone(done.pids())


@pytest.mark.parametrize(("plugin", "args", "behaviour", "says"), HOSTILE_CALLS, ids=CALL_IDS)
def test_library_call_ends_within_its_timeout(
    plugin_env: PluginEnv, plugin: str, args: list[str], behaviour: str, says: str
) -> None:
    command, *rest = args
    arguments = {"seconds": float(rest[0])} if rest else {}
    run = drive(plugin_env, {"plugin": plugin, "timeout": LIMIT, "calls": [[command, arguments]]})
    overshoot("call", f"{behaviour}, Host.load", LIMIT, run.elapsed(command))
    error = run.error(command)
    assert error["type"] == "CallTimeout"
    assert error["message"].startswith(f"plugin {plugin!r}: call did not finish within 1 s")
    # A worker that cannot answer a ping was killed at once; the close after it is quick.
    assert run.elapsed("close") < HURRIED_GRACE + BOUND
    assert run.steps["close"]["error"] is None
    assert run.pid is not None
    assert_gone([run.pid, *run.pids])


def test_a_worker_that_still_answers_after_a_timeout_stays_usable(plugin_env: PluginEnv) -> None:
    # It only ignores SIGTERM and sleeps in a thread: the ping after the timeout is
    # answered, so the next call runs in the same worker.
    run = drive(
        plugin_env,
        {"plugin": "limits-stubborn", "timeout": LIMIT, "calls": [["wait", {"seconds": 30}]]},
    )
    assert run.error("wait")["type"] == "CallTimeout"
    assert run.steps["alive"] is True
    assert run.pid is not None
    assert_gone([run.pid])


# -- the start limit ---------------------------------------------------------------------


@pytest.mark.parametrize(("plugin", "mode", "behaviour", "says"), HOSTILE_STARTS, ids=START_IDS)
def test_cli_start_ends_within_its_timeout(
    plugin_env: PluginEnv, plugin: str, mode: str, behaviour: str, says: str
) -> None:
    config = _config(plugin_env, f"start_timeout = {LIMIT:g}\n")
    done = plughost(
        plugin_env,
        "run",
        "--isolated",
        plugin,
        "ping",
        PLUGHOST_CONFIG=config,
        LIMITS_FIXTURE_AT_START=mode,
    )
    # From the start of plughost itself: its own start-up counts against it.
    assert done.when(says)
    overshoot("start", f"{behaviour}, plughost run", LIMIT, done.ended - done.started)
    # A worker that cannot start leaves its plugin unusable: exit status 3.
    assert done.returncode == 3, done.stderr
    [error] = done.errors()
    assert error.startswith(
        f"error: plugin {plugin!r}: its worker did not complete the handshake within 1 s"
    )
    assert_gone(done.pids())


@pytest.mark.parametrize(("plugin", "mode", "behaviour", "says"), HOSTILE_STARTS, ids=START_IDS)
def test_library_start_ends_within_its_timeout(
    plugin_env: PluginEnv, plugin: str, mode: str, behaviour: str, says: str
) -> None:
    run = drive(
        plugin_env, {"plugin": plugin, "start_timeout": LIMIT}, LIMITS_FIXTURE_AT_START=mode
    )
    overshoot("start", f"{behaviour}, Host.load", LIMIT, run.elapsed("start"))
    error = run.error("start")
    assert error["type"] == "WorkerStartError"
    assert "did not complete the handshake within 1 s" in error["message"]
    assert_gone(run.pids)


def test_a_plugin_closing_the_channel_while_it_starts_fails_the_start_at_once(
    plugin_env: PluginEnv,
) -> None:
    run = drive(
        plugin_env,
        {"plugin": "limits-channel", "start_timeout": 30},
        LIMITS_FIXTURE_AT_START="close-channel",
    )
    error = run.error("start")
    assert error["type"] == "WorkerStartError"
    assert "plugin 'limits-channel': its worker" in error["message"]
    assert "cannot write to the host" in error["message"]
    assert run.elapsed("start") < BOUND + 3
    assert_gone(run.pids)


# -- the shutdown limit -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plugin", "command", "behaviour"),
    [
        ("limits-gil", "hold", "holds the GIL"),
        ("limits-stubborn", "stop", "ignores SIGTERM, stopped itself"),
    ],
)
def test_library_close_ends_within_its_grace(
    plugin_env: PluginEnv, plugin: str, command: str, behaviour: str
) -> None:
    # The call runs on, without a timeout, while the plugin is closed: the
    # whole shutdown takes the default grace (2 s) at most.
    run = drive(plugin_env, {"plugin": plugin, "timeout": 600, "background": command})
    overshoot("shutdown", f"{behaviour}, Host.load", 2.0, run.elapsed("close"))
    assert run.steps["close"]["error"] is None
    assert run.pid is not None
    assert_gone([run.pid])


def test_ctrl_c_during_a_call_that_holds_the_gil_exits_130_at_once(plugin_env: PluginEnv) -> None:
    interrupted: list[float] = []

    def interrupt(line: str, proc: subprocess.Popen[str]) -> None:
        if "holding the GIL" in line and not interrupted:
            interrupted.append(time.monotonic())
            proc.send_signal(signal.SIGINT)

    done = watch(
        [plughost_script(), "run", "--isolated", "limits-gil", "hold"],
        plugin_env.environ(),
        str(plugin_env.home),
        on_line=interrupt,
    )
    assert interrupted, done.stderr
    # An interrupted worker is not asked politely for long.
    overshoot("shutdown", "holds the GIL, Ctrl-C", HURRIED_GRACE, done.ended - interrupted[0])
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
    assert_gone(done.pids())


# -- the channel ---------------------------------------------------------------------------


def test_cli_plugin_closing_the_channel_fails_the_call_at_once(plugin_env: PluginEnv) -> None:
    done = plughost(
        plugin_env, "run", "--isolated", "--timeout", "30", "limits-channel", "close-channel"
    )
    elapsed = done.ended - done.when("closing every file descriptor")
    overshoot("call", "closes its channel, plughost run (30 s limit)", 0.0, elapsed)
    assert done.returncode == 1
    [error] = done.errors()
    assert error.startswith("error: plugin 'limits-channel': its worker exited with status 1")
    assert "cannot write to the host" in error
    assert_gone(done.pids())


def test_library_plugin_closing_stdin_or_stdout_changes_nothing(plugin_env: PluginEnv) -> None:
    # The channel is on private descriptors: fds 0 and 1 are the plugin's to close.
    run = drive(
        plugin_env,
        {
            "plugin": "limits-channel",
            "timeout": 30,
            "calls": [["close-stdin", {}], ["close-stdout", {}], ["ping", {}]],
        },
    )
    assert run.steps["close-stdin"]["value"] == "stdin closed"
    assert run.steps["close-stdout"]["value"] == "stdout closed"
    assert run.steps["ping"]["value"] == "pong"
    assert run.steps["alive"] is True


def test_library_plugin_closing_the_channel_fails_the_call_at_once(plugin_env: PluginEnv) -> None:
    run = drive(
        plugin_env, {"plugin": "limits-channel", "timeout": 30, "calls": [["close-channel", {}]]}
    )
    overshoot(
        "call", "closes its channel, Host.load (30 s limit)", 0.0, run.elapsed("close-channel")
    )
    error = run.error("close-channel")
    assert error["type"] == "WorkerCrashed"
    assert "its worker exited with status 1" in error["message"]
    assert run.pid is not None
    assert_gone([run.pid])


# -- a worker in another language -------------------------------------------------------------


def _fake(scenario: str, start_timeout: float = 5.0) -> WorkerProcess:
    assert scenario in SCENARIOS
    return WorkerProcess("fake", [sys.executable, str(FAKE), scenario], start_timeout=start_timeout)


@contextlib.contextmanager
def _started(scenario: str) -> Iterator[WorkerProcess]:
    worker = _fake(scenario)
    _, error = bounded(worker.start)
    assert error is None, error
    try:
        yield worker
    finally:
        bounded(worker.close)
        if worker.pid is not None and running(worker.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)


@pytest.mark.parametrize(
    ("scenario", "behaviour"),
    [
        ("silent", "silent after the handshake, ignores SIGTERM"),
        ("stops-itself", "stops itself (SIGSTOP)"),
        ("hang", "never answers the call"),
    ],
)
def test_fake_worker_call_ends_within_its_timeout(scenario: str, behaviour: str) -> None:
    with _started(scenario) as worker:
        elapsed, error = bounded(lambda: worker.call("echo", {"text": "x"}, LIMIT))
        overshoot("call", f"{behaviour}, fake worker", LIMIT, elapsed)
        assert isinstance(error, CallTimeout), repr(error)
        assert "did not finish within 1 s" in str(error)
        # One that cannot answer a ping any more is killed at once; one that can stays.
        assert worker.alive is (scenario == "hang")
        pid = worker.pid
    assert pid is not None
    assert_gone([pid])


@pytest.mark.parametrize(
    ("scenario", "behaviour"),
    [
        ("silent", "silent after the handshake, ignores SIGTERM and end of input"),
        ("ignores-shutdown", "answers shutdown but stays, ignores SIGTERM"),
        ("stops-reading", "stopped reading, a write blocked"),
        ("stops-itself", "stopped itself during a call"),
    ],
)
def test_fake_worker_close_ends_within_its_grace(scenario: str, behaviour: str) -> None:
    with _started(scenario) as worker:
        # 2 MB does not fit in the pipe: that writer blocks until close.
        text = "x" * (2 * 1024 * 1024) if scenario == "stops-reading" else "x"
        if scenario in ("stops-reading", "stops-itself"):
            threading.Thread(
                target=lambda: bounded(lambda: worker.call("echo", {"text": text}, None)),
                daemon=True,
            ).start()
        time.sleep(0.3)
        grace = 1.0
        elapsed, error = bounded(lambda: worker.close(grace))
        overshoot("shutdown", f"{behaviour}, fake worker", grace, elapsed)
        assert error is None
        pid = worker.pid
    assert pid is not None
    assert_gone([pid])


def test_fake_worker_start_ends_within_its_timeout() -> None:
    worker = _fake("no-handshake", start_timeout=LIMIT)
    elapsed, error = bounded(worker.start)
    overshoot("start", "never answers initialize, fake worker", LIMIT, elapsed)
    assert isinstance(error, WorkerStartError), repr(error)
    assert worker.pid is not None
    assert_gone([worker.pid])


def test_a_write_that_fails_with_epipe_fails_the_call_at_once() -> None:
    # The first call is answered, then the worker closes its stdin and stays:
    # the next request cannot be written.
    with _started("closes-stdin") as worker:
        assert worker.call("echo", {"text": "first"}, 30) == "first"
        time.sleep(0.2)
        elapsed, error = bounded(lambda: worker.call("echo", {"text": "second"}, 30))
        overshoot("call", "closed its stdin, fake worker (30 s limit)", 0.0, elapsed)
        assert isinstance(error, WorkerCrashed), repr(error)
        assert str(error).startswith(
            "plugin 'fake': its worker closed its stdin, so it cannot take requests"
        )
        assert "fake worker: closing stdin" in str(error)
        assert not worker.alive
        # The failure sticks, and the worker was killed.
        assert isinstance(bounded(lambda: worker.ping())[1], WorkerError)
        pid = worker.pid
    assert pid is not None
    assert_gone([pid])
