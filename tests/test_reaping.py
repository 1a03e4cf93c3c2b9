"""Nothing outlives plughost: not a grandchild that left the session, not a daemon.

``limits-grandchild`` starts a grandchild in a session of its own and a
daemon that double-forked (orphaned at once); both ignore SIGTERM. The
Python worker is a child subreaper, so both stay in its tree and it ends
them when it exits; the host ends the worker's whole tree (found through
/proc) when it kills it; the ``plughost`` console script is a subreaper too
and ends whatever is left when it exits. A worker in another language gets
the host's tracking alone. Every test checks /proc for the pids afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_worker import PID_FILE
from limits_support import assert_gone, bounded, drive, plughost, running, watch

from plughost import WorkerCrashed
from plughost._runtime.client import WorkerProcess
from plughost._runtime.proctree import ProcessTree, read_stat
from support import PluginEnv, plughost_script

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")

FAKE = Path(__file__).with_name("fake_worker.py")


def _session(pid: int) -> int | None:
    stat = read_stat(pid)
    return stat.sid if stat is not None else None


def _read_pid(path: Path, within: float = 15.0) -> int:
    deadline = time.monotonic() + within
    while not path.exists():
        assert time.monotonic() < deadline, f"no pid in {path}"
        time.sleep(0.02)
    return int(path.read_text())


# -- the real worker -------------------------------------------------------------------------


def test_cli_run_leaves_neither_the_setsid_grandchild_nor_the_daemon(
    plugin_env: PluginEnv,
) -> None:
    done = plughost(plugin_env, "run", "--isolated", "limits-grandchild", "spawn", "--json")
    assert done.returncode == 0, done.stderr
    grandchild, daemon = json.loads(done.stdout)
    [worker] = done.pids()
    assert grandchild != daemon
    assert_gone([worker, grandchild, daemon])


def test_cli_in_process_run_leaves_nothing_either(plugin_env: PluginEnv) -> None:
    # No worker at all: plughost itself adopted the daemon, and ended both at exit.
    done = plughost(plugin_env, "run", "limits-grandchild", "spawn", "--json")
    assert done.returncode == 0, done.stderr
    grandchild, daemon = json.loads(done.stdout)
    assert len(done.pids()) == 1
    assert_gone([grandchild, daemon], within=2.0)


def test_library_close_leaves_neither_the_setsid_grandchild_nor_the_daemon(
    plugin_env: PluginEnv,
) -> None:
    run = drive(plugin_env, {"plugin": "limits-grandchild", "calls": [["spawn", {}]]})
    grandchild, daemon = run.steps["spawn"]["value"]
    assert run.steps["close"]["error"] is None
    # Both ignore SIGTERM: the worker kills them after a short grace, well within the close.
    assert run.elapsed("close") < 2.0
    assert run.pid is not None
    assert_gone([run.pid, grandchild, daemon])


def test_they_stay_in_the_worker_tree_while_it_runs(plugin_env: PluginEnv) -> None:
    # The subreaper at work: the daemon's parent is the worker, not init, and
    # both left the worker's session.
    code = textwrap.dedent(
        """
        import json
        from plughost import Host
        from plughost._runtime.proctree import read_stat
        with Host(remember=False).load("limits-grandchild", isolated=True) as plugin:
            pids = plugin.call("spawn")
            stats = [read_stat(pid) for pid in pids]
            out = {
                "worker": plugin.worker.pid,
                "pids": pids,
                "parents": [s.ppid for s in stats],
                "sessions": [s.sid for s in stats],
            }
        print(json.dumps(out))
        """
    )
    done = watch([sys.executable, "-c", code], plugin_env.environ(), str(plugin_env.home))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.splitlines()[-1])
    assert out["parents"] == [out["worker"], out["worker"]]
    assert out["worker"] not in out["sessions"]
    assert_gone([out["worker"], *out["pids"]])


def test_killing_plughost_mid_call_leaves_nothing(plugin_env: PluginEnv) -> None:
    started: list[list[int]] = []

    def kill_when_started(line: str, proc: subprocess.Popen[str]) -> None:
        if "limits-grandchild: started" in line and not started:
            words = line.split()
            started.append([int(words[2]), int(words[3]), int(words[-1])])
            proc.send_signal(signal.SIGKILL)

    done = watch(
        [plughost_script(), "run", "--isolated", "limits-grandchild", "spawn-and-wait", "300"],
        plugin_env.environ(),
        str(plugin_env.home),
        on_line=kill_when_started,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    [[grandchild, daemon, worker]] = started
    # The worker sees its input end, ends what it started, and exits.
    assert_gone([worker, grandchild, daemon])


def test_the_worker_ends_them_when_it_is_sent_sigterm(plugin_env: PluginEnv) -> None:
    code = textwrap.dedent(
        """
        import json, os, signal, time
        from plughost import Host
        plugin = Host(remember=False).load("limits-grandchild", isolated=True)
        pids = plugin.call("spawn")
        os.kill(plugin.worker.pid, signal.SIGTERM)
        plugin.worker.process.wait(10)
        print(json.dumps({"status": plugin.worker.process.returncode, "pids": pids}))
        """
    )
    done = watch([sys.executable, "-c", code], plugin_env.environ(), str(plugin_env.home))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.splitlines()[-1])
    # It dies of the signal, after ending its descendants.
    assert out["status"] == -signal.SIGTERM
    assert_gone(out["pids"], within=2.0)


# -- a worker in another language: the host's tracking alone ---------------------------------------


def _fake(scenario: str, pid_file: Path) -> WorkerProcess:
    return WorkerProcess(
        "fake",
        [sys.executable, str(FAKE), scenario],
        env={**os.environ, PID_FILE: str(pid_file)},
    )


def _cleanup(worker: WorkerProcess, pid_file: Path) -> None:
    """Close the worker and kill what the test may have left (after a failure)."""
    bounded(worker.close)
    if worker.pid is not None and running(worker.pid):
        os.killpg(worker.pid, signal.SIGKILL)
    if pid_file.exists():
        escaped = int(pid_file.read_text())
        if running(escaped):
            os.kill(escaped, signal.SIGKILL)


def _ok(action: Callable[[], object]) -> None:
    _, error = bounded(action)
    if error is not None:
        raise error


@pytest.mark.parametrize("scenario", ["spawns-setsid-grandchild", "spawns-daemon"])
def test_fake_worker_close_ends_what_left_its_session(scenario: str, tmp_path: Path) -> None:
    pid_file = tmp_path / "escaped.pid"
    worker = _fake(scenario, pid_file)
    try:
        _ok(worker.start)
        escaped = _read_pid(pid_file)
        assert worker.pid is not None
        assert _session(escaped) != worker.pid
        _ok(lambda: worker.call("echo", {"text": "x"}, 10))
        elapsed, error = bounded(lambda: worker.close(1.0))
        assert error is None
        # It ignores SIGTERM: the SIGKILL at the end of the grace ends it.
        assert elapsed < 1.0 + 1.5
        assert_gone([worker.pid, escaped])
    finally:
        _cleanup(worker, pid_file)


def test_fake_worker_crash_takes_its_daemon_along(tmp_path: Path) -> None:
    # The daemon was orphaned at once and the worker is gone too: only the
    # token in its environment still ties it to the worker.
    pid_file = tmp_path / "escaped.pid"
    worker = _fake("spawns-daemon", pid_file)
    try:
        _ok(worker.start)
        escaped = _read_pid(pid_file)
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGKILL)

        def call_until_it_fails() -> None:
            for _ in range(250):
                worker.call("echo", {"text": "x"}, 10)
                time.sleep(0.02)

        _, error = bounded(call_until_it_fails)
        assert isinstance(error, WorkerCrashed), repr(error)
        assert "was killed by SIGKILL" in str(error)
        assert_gone([escaped], within=2.0)
    finally:
        _cleanup(worker, pid_file)


# -- the pieces ------------------------------------------------------------------------------------


_KEEPS_FORKING = textwrap.dedent(
    """
    import os, time
    print(os.getpid(), flush=True)
    os.close(1)
    # Forks every 20 ms, forever; every child forks once more and sleeps.
    while True:
        if os.fork() == 0:
            os.fork()
            time.sleep(300)
        time.sleep(0.02)
    """
)


def _group(pgid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = read_stat(int(name))
            if stat is not None and stat.pgid == pgid and stat.state not in "ZX":
                found.append(stat.pid)
    return found


def test_a_tree_that_keeps_forking_is_frozen_and_killed() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _KEEPS_FORKING], stdout=subprocess.PIPE, start_new_session=True
    )
    tree = ProcessTree(proc.pid)
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        time.sleep(0.3)
        assert tree.collect() > 3
        tree.kill()
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        # Dying takes each of them a moment.
        deadline = time.monotonic() + 5
        while _group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _group(proc.pid) == []
        assert tree.collect() == 0
    finally:
        tree.kill()
        tree.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


_SUBREAPER = textwrap.dedent(
    """
    import json, os, subprocess, sys
    from plughost._runtime import reaper as _reaper
    became = _reaper.become_subreaper()
    daemon = subprocess.run([sys.executable, "-c", sys.argv[1]], capture_output=True, text=True)
    pid = int(daemon.stdout)
    parent = int(open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()[1])
    ended = _reaper.end_descendants()
    print(json.dumps({"became": became, "pid": pid, "parent": parent, "ended": ended}))
    """
)
_DAEMON = textwrap.dedent(
    """
    import os, signal, time
    os.setsid()
    if os.fork():
        os._exit(0)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print(os.getpid(), flush=True)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    time.sleep(300)
    """
)


def test_a_subreaper_adopts_the_daemon_and_ends_it() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SUBREAPER, _DAEMON],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["became"] is True
    assert out["ended"] == 1
    assert out["parent"] != 1
    assert_gone([out["pid"]], within=2.0)


def test_ending_descendants_without_any_is_one_system_call() -> None:
    # Only the console script's own way out: no children, no /proc scan.
    code = "from plughost._runtime import reaper; print(reaper.end_descendants())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "0", done.stderr


_CARRIES_THE_TOKEN = textwrap.dedent(
    """
    import os, subprocess, sys
    from plughost._runtime.proctree import TOKEN_VARIABLE, ProcessTree
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    tree = ProcessTree(child.pid, token=os.environ[TOKEN_VARIABLE])
    count = tree.collect()
    tree.kill()
    child.wait(10)
    tree.close()
    print(count, child.returncode)
    """
)


def test_a_tree_never_takes_in_this_process_or_its_ancestors() -> None:
    # This process carries the token too (a plugin that runs plughost, say):
    # its child is in the tree, it is not.
    done = subprocess.run(
        [sys.executable, "-c", _CARRIES_THE_TOKEN],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PLUGHOST_WORKER_TOKEN": "t" * 32},
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", str(-signal.SIGKILL)]
