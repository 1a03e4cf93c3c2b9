"""What the time-limit and reaping tests share: watched children, /proc, overshoots.

``watch`` runs a child (the real ``plughost`` console script, or a Python
child driving ``Host.load``) and notes when each of its stderr lines
arrived, so that a test can measure from the moment the plugin says it has
started misbehaving to the moment the command ended. ``drive`` runs
``Host.load(..., isolated=True)`` in a Python child that reports what each
step raised and how long it took. Every measured overshoot is printed (see
it with ``pytest -rA`` or ``-s``) and, when ``LIMITS_OVERSHOOT_FILE`` names a
file, appended to it as a JSON line.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from support import PluginEnv, plughost_script

#: Seconds beyond its limit a call, a start or a shutdown may take before the
#: test calls it a hang. Generous: it catches hangs, it does not time anything.
BOUND = 1.5
#: How long any child may run at all.
HANG = 60.0

_IN_PROCESS = re.compile(r"in process (\d+)")


def process_state(pid: int) -> str | None:
    """The state letter of ``pid`` (``Z`` for a zombie), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return None


def running(pid: int) -> bool:
    """Whether ``pid`` is running (a zombie is dead: reaping it is its parent's job)."""
    return process_state(pid) not in (None, "Z", "X")


def assert_gone(pids: Sequence[int], within: float = 5.0) -> None:
    """Every process in ``pids`` ends within ``within`` seconds (those left are killed)."""
    deadline = time.monotonic() + within
    while True:
        left = [pid for pid in pids if running(pid)]
        if not left:
            return
        if time.monotonic() > deadline:
            for pid in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            pytest.fail(f"processes still running: {left}")
        time.sleep(0.02)


def bounded(
    action: Callable[[], object], limit: float = 30.0
) -> tuple[float, BaseException | None]:
    """Run ``action`` in a thread; how long it took and what it raised. A hang fails the test."""
    result: list[BaseException | None] = []
    started = time.monotonic()

    def run() -> None:
        try:
            action()
        except BaseException as exc:
            result.append(exc)
        else:
            result.append(None)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        pytest.fail(f"the host did not return within {limit:g} s: it hangs")
    return time.monotonic() - started, result[0]


def overshoot(limit_kind: str, behaviour: str, limit: float, elapsed: float) -> None:
    """Report how long after its limit an action ended; fail beyond :data:`BOUND`."""
    line = (
        f"overshoot: {limit_kind} limit {limit:g} s, {behaviour}: ended after"
        f" {elapsed:.3f} s ({elapsed - limit:+.3f} s)"
    )
    print(line)
    path = os.environ.get("LIMITS_OVERSHOOT_FILE")
    if path:
        record = {"limit": limit_kind, "behaviour": behaviour, "seconds": limit}
        record["elapsed"] = round(elapsed, 3)
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
    assert elapsed < limit + BOUND, line


@dataclass
class Watched:
    """A child that ran to its end: what it wrote, and when its stderr lines came."""

    returncode: int
    stdout: str
    lines: list[tuple[float, str]]
    started: float
    ended: float

    @property
    def stderr(self) -> str:
        """All of its stderr."""
        return "".join(text for _, text in self.lines)

    def when(self, fragment: str) -> float:
        """When the first stderr line holding ``fragment`` arrived."""
        for at, text in self.lines:
            if fragment in text:
                return at
        pytest.fail(f"no line with {fragment!r} on stderr: {self.stderr!r}")

    def pids(self) -> list[int]:
        """The pids named by ``in process N`` on stderr (the plugins' workers)."""
        return [int(m.group(1)) for _, text in self.lines for m in _IN_PROCESS.finditer(text)]

    def errors(self) -> list[str]:
        """The ``error: ...`` lines."""
        return [text.rstrip("\n") for _, text in self.lines if text.startswith("error: ")]


def watch(
    argv: Sequence[str],
    env: dict[str, str],
    cwd: str,
    *,
    on_line: Callable[[str, subprocess.Popen[str]], None] | None = None,
) -> Watched:
    """Run ``argv`` to its end (at most :data:`HANG` seconds), noting its stderr lines."""
    started = time.monotonic()
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
        cwd=cwd,
    )
    lines: list[tuple[float, str]] = []
    out: list[str] = []

    def read_stderr() -> None:
        assert proc.stderr is not None
        for text in proc.stderr:
            lines.append((time.monotonic(), text))
            if on_line is not None:
                on_line(text, proc)

    def read_stdout() -> None:
        assert proc.stdout is not None
        out.append(proc.stdout.read())

    readers = [threading.Thread(target=f, daemon=True) for f in (read_stderr, read_stdout)]
    for t in readers:
        t.start()
    try:
        proc.wait(HANG)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"{argv} did not end within {HANG:g} s")
    ended = time.monotonic()
    for t in readers:
        t.join(HANG)
    return Watched(proc.returncode, "".join(out), lines, started, ended)


def plughost(env: PluginEnv, *args: str, **extra: str) -> Watched:
    """Run the real ``plughost`` console script, watched."""
    return watch([plughost_script(), *args], env.environ(**extra), str(env.home))


_DRIVER = textwrap.dedent(
    """
    import json, sys, threading, time
    from plughost import Host, PlughostError

    spec = json.loads(sys.argv[1])
    out = {}

    def attempt(step, action):
        started = time.monotonic()
        value, error = None, None
        try:
            value = action()
        except PlughostError as exc:
            error = {"type": type(exc).__name__, "message": str(exc)}
        out[step] = {"elapsed": time.monotonic() - started, "error": error}
        return value

    host = Host(
        call_timeout=spec.get("timeout", 300),
        start_timeout=spec.get("start_timeout", 20),
        remember=False,
    )
    plugin = attempt("start", lambda: host.load(spec["plugin"], isolated=True))
    if plugin is not None:
        out["pid"] = plugin.worker.pid
        if "background" in spec:
            # A call that misbehaves while the plugin is closed.
            command = spec["background"]
            threading.Thread(
                target=lambda: attempt("background", lambda: plugin.call(command)), daemon=True
            ).start()
            time.sleep(spec.get("settle", 0.5))
        for name, arguments in spec.get("calls", []):
            value = attempt(name, lambda: plugin.call(name, **arguments))
            out[name]["value"] = value
        out["alive"] = plugin.worker.alive
        attempt("close", plugin.close)
    print(json.dumps(out))
    """
)


@dataclass
class Driven:
    """What ``drive`` reported: each step's elapsed time and error, the worker's pid."""

    steps: dict[str, Any]
    stderr: str
    pid: int | None = None
    pids: list[int] = field(default_factory=list)

    def error(self, step: str) -> dict[str, str]:
        """The error of ``step``, which must have failed."""
        error = self.steps[step]["error"]
        assert error is not None, f"{step} did not fail: {self.steps}"
        assert isinstance(error, dict)
        return error

    def elapsed(self, step: str) -> float:
        """How long ``step`` took."""
        return float(self.steps[step]["elapsed"])


def drive(env: PluginEnv, spec: dict[str, Any], **extra: str) -> Driven:
    """Load ``spec["plugin"]`` isolated with ``Host.load`` in a Python child, and report."""
    done = watch(
        [sys.executable, "-c", _DRIVER, json.dumps(spec)], env.environ(**extra), str(env.home)
    )
    assert done.returncode == 0, done.stderr
    steps = json.loads(done.stdout.splitlines()[-1])
    pid = steps.pop("pid", None)
    return Driven(steps, done.stderr, pid, done.pids())
