"""Protocol faults: workers that exit, hang, flood stderr or break protocol v1.

The tests drive ``tests/fake_worker.py`` (a stand-alone worker that does not
import plughost, as a plugin in another language would have) through the real
``WorkerProcess`` and ``IsolatedPlugin``, and check what the host promises
(docs/protocol.md): the right exception; a message of one line that names the
plugin, what happened and the worker's last stderr lines; promptly; the worker
reaped afterwards; and a host that still runs the next worker. Every action
that could hang runs in a thread with a deadline, so that a hang in the host
fails its test (after the worker is killed) instead of stopping the run.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import pytest
from fake_worker import (
    HELD_CALLS,
    MARK_FILE,
    NOT_DIRECTLY,
    PID_FILE,
    SCENARIOS,
    TAIL_TEST_LINES,
)

from plughost import (
    ArgumentError,
    CallTimeout,
    CommandFailed,
    IsolatedPlugin,
    PlughostError,
    PluginUnavailable,
    ProtocolError,
    WorkerCrashed,
    WorkerError,
    WorkerStartError,
)
from plughost._runtime.client import WorkerProcess
from plughost._runtime.protocol import DEFAULT_MAX_LINE

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="workers use POSIX process groups")

FAKE = Path(__file__).with_name("fake_worker.py")
NAME = "fake"
LOGGER = f"plughost.plugin.{NAME}"
#: Seconds allowed beyond a timeout before an action counts as hung. Generous:
#: it catches hangs, it does not measure speed.
SLACK = 5.0
#: Seconds a start or a close of a well-behaved worker may take.
START_LIMIT = 15.0
CLOSE_LIMIT = 15.0
SMALL_MAX = 65536

T = TypeVar("T")
E = TypeVar("E", bound=BaseException)


# -- helpers -------------------------------------------------------------------------


def fake_worker(
    scenario: str,
    *,
    start_timeout: float = 5.0,
    max_message: int = DEFAULT_MAX_LINE,
    env: Mapping[str, str] | None = None,
) -> WorkerProcess:
    """A WorkerProcess for the fake worker in ``scenario`` (not started)."""
    assert scenario in SCENARIOS, scenario
    return WorkerProcess(
        NAME,
        [sys.executable, str(FAKE), scenario],
        start_timeout=start_timeout,
        max_message=max_message,
        env=env,
    )


def parent_of(pid: int) -> int | None:
    """The parent pid of process ``pid``, or None if it is gone (or there is no /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
    except OSError:
        return None
    return int(fields[1])


def kill_group(worker: WorkerProcess) -> None:
    """SIGKILL the worker's process group (cleanup), while the worker is our unreaped child.

    Once the host has reaped the worker its pid may be reused: then nothing is sent.
    """
    pid = worker.pid
    if pid is None or (os.path.isdir("/proc") and parent_of(pid) != os.getpid()):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


@dataclass
class Outcome(Generic[T]):
    """What an action returned or raised, and how long it took."""

    value: T | None
    error: BaseException | None
    elapsed: float


class Background(Generic[T]):
    """An action running in a thread of its own."""

    def __init__(self, action: Callable[[], T], worker: WorkerProcess | None = None) -> None:
        self._action = action
        self._worker = worker
        self._value: T | None = None
        self._error: BaseException | None = None
        self._elapsed = 0.0
        self._start = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True, name="fault-test-action")
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._action()
        except BaseException as exc:
            self._error = exc
        self._elapsed = time.monotonic() - self._start

    def outcome(self, limit: float) -> Outcome[T]:
        """Wait for the action; a hang fails the test after killing the worker."""
        self._thread.join(max(0.0, self._start + limit - time.monotonic()))
        if self._thread.is_alive():
            if self._worker is not None:
                kill_group(self._worker)
            self._thread.join(5.0)
            pytest.fail(f"the host did not return within {limit:g} s: it hangs")
        return Outcome(self._value, self._error, self._elapsed)


def bounded(
    action: Callable[[], T], limit: float, worker: WorkerProcess | None = None
) -> Outcome[T]:
    """Run ``action``; fail the test if it takes longer than ``limit`` seconds."""
    return Background(action, worker).outcome(limit)


def expect_error(
    action: Callable[[], Any], kind: type[E], limit: float, worker: WorkerProcess | None = None
) -> E:
    """Run ``action``, which must raise ``kind`` within ``limit`` seconds."""
    outcome = bounded(action, limit, worker)
    error = outcome.error
    assert isinstance(error, kind), (
        f"expected {kind.__name__}, got {type(error).__name__}: {error}"
        if error is not None
        else f"expected {kind.__name__}, got the value {outcome.value!r}"
    )
    return error


def check_message(error: BaseException, *parts: str) -> str:
    """One line, naming the plugin, the stderr tail at most once, and ``parts``."""
    text = str(error)
    assert text.splitlines() == [text], f"the message is not one line: {text!r}"
    assert f"plugin {NAME!r}" in text, f"the message does not name the plugin: {text!r}"
    assert text.count("last lines of its stderr") <= 1, f"the stderr tail is repeated: {text!r}"
    for part in parts:
        assert part in text, f"{part!r} missing from {text!r}"
    if isinstance(error, PlughostError):
        assert error.plugin == NAME
    return text


def close(worker: WorkerProcess, grace: float | None = None) -> float:
    """Close ``worker`` with a deadline; the seconds it took."""
    action = worker.close if grace is None else (lambda: worker.close(grace))
    outcome = bounded(action, CLOSE_LIMIT, worker)
    if outcome.error is not None:
        raise outcome.error
    return outcome.elapsed


def start(worker: WorkerProcess) -> None:
    """Start ``worker`` with a deadline."""
    outcome = bounded(worker.start, START_LIMIT, worker)
    if outcome.error is not None:
        raise outcome.error


@contextlib.contextmanager
def started(scenario: str, **options: Any) -> Iterator[WorkerProcess]:
    """A started fake worker, closed (or killed) afterwards whatever happens."""
    worker = fake_worker(scenario, **options)
    start(worker)
    try:
        yield worker
    finally:
        try:
            close(worker)
        finally:
            kill_group(worker)


def start_failure(scenario: str, kind: type[E], **options: Any) -> tuple[E, WorkerProcess]:
    """Start a worker that must fail to start with ``kind``, promptly."""
    worker = fake_worker(scenario, **options)
    timeout = float(options.get("start_timeout", 5.0))
    try:
        error = expect_error(worker.start, kind, timeout + SLACK, worker)
    finally:
        kill_group(worker)
    return error, worker


def process_state(pid: int) -> str | None:
    """The state letter of process ``pid`` (``Z`` for a zombie), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except FileNotFoundError:
        return None
    except OSError:
        return "?"
    return stat.rpartition(")")[2].split()[0]


def assert_reaped(pid: int | None) -> None:
    """The worker ``pid`` is gone and was reaped: not even a zombie is left."""
    assert pid is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return
    pytest.fail(f"the worker {pid} is still there (state {process_state(pid)})")


def assert_gone(pid: int, within: float = 5.0) -> None:
    """Process ``pid`` (not our child) ends within ``within`` seconds.

    A zombie counts as gone: it is dead, and reaping it is its new parent's job.
    """
    deadline = time.monotonic() + within
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        state = process_state(pid)
        if state in (None, "Z", "X"):
            return
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            pytest.fail(f"process {pid} is still running (state {state})")
        time.sleep(0.02)


def assert_host_fine() -> None:
    """The host still starts a good worker, calls it and closes it."""
    with started("good") as worker:
        assert worker.call("echo", {"text": "still fine"}, 10) == "still fine"
    assert_reaped(worker.pid)


def is_alive(worker: WorkerProcess) -> bool:
    """``worker.alive``, read anew (and not narrowed by an earlier assert)."""
    return worker.alive


def env_with(**extra: str) -> dict[str, str]:
    """This process's environment, plus ``extra``."""
    return {**os.environ, **extra}


def open_fds() -> int:
    """How many file descriptors this process has open."""
    gc.collect()
    return len(os.listdir("/proc/self/fd"))


def kill_pid_file(path: Path, group: int | None) -> None:
    """Kill the grandchild whose pid is in ``path`` (cleanup after a failure).

    Only while it is still in the worker's process group ``group``: a pid
    that has been reused by now belongs to someone else.
    """
    with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
        pid = int(path.read_text())
        if group is not None and os.getpgid(pid) == group:
            os.kill(pid, signal.SIGKILL)


def read_pid(path: Path, within: float = 10.0) -> int:
    """The pid a grandchild wrote to ``path``, waiting for it."""
    deadline = time.monotonic() + within
    while not path.exists():
        assert time.monotonic() < deadline, f"no pid in {path} after {within:g} s"
        time.sleep(0.02)
    return int(path.read_text())


# -- a good worker -----------------------------------------------------------------------


def test_good_worker_handshake_calls_and_close() -> None:
    with started("good") as worker:
        assert worker.alive
        assert worker.protocol_version == 1
        assert worker.manifest is not None
        assert worker.manifest.name == NAME
        assert [c.name for c in worker.manifest.commands] == ["echo", "sleep", "fail"]
        assert worker.worker_info["pid"] == worker.pid
        assert worker.call("echo", {"text": "héllo"}, 10) == "héllo"
        assert worker.call("sleep", {"seconds": 0.01}, 10) == "slept 0.01 s"
        worker.ping()
    assert not is_alive(worker)
    assert_reaped(worker.pid)


def test_several_threads_with_calls_in_flight_on_one_worker() -> None:
    with started("good") as worker:
        count = 8

        def call(i: int) -> tuple[str, str]:
            # The later threads sleep shorter: the answers come back out of order.
            slept = worker.call("sleep", {"seconds": 0.05 * (count - i)}, 10)
            echoed = worker.call("echo", {"text": f"thread {i}"}, 10)
            return slept, echoed

        calls = [Background(functools.partial(call, i), worker) for i in range(count)]
        outcomes = [c.outcome(SLACK) for c in calls]
        for i, outcome in enumerate(outcomes):
            assert outcome.error is None, outcome.error
            assert outcome.value == (f"slept {0.05 * (count - i):g} s", f"thread {i}")
        # Run at once, not one after the other (0.05 * 36 = 1.8 s in a row).
        assert max(o.elapsed for o in outcomes) < 0.05 * count * (count + 1) / 2
        assert worker.alive


def test_responses_out_of_order_are_matched_by_id() -> None:
    with started("out-of-order") as worker:
        calls = [
            Background(functools.partial(worker.call, "echo", {"text": f"text {i}"}, 10), worker)
            for i in range(HELD_CALLS)
        ]
        outcomes = [c.outcome(10 + SLACK) for c in calls]
        assert [o.error for o in outcomes] == [None] * HELD_CALLS
        assert [o.value for o in outcomes] == [f"text {i}" for i in range(HELD_CALLS)]


def test_ping_is_answered_while_a_call_runs() -> None:
    with started("good") as worker:
        slow = Background(lambda: worker.call("sleep", {"seconds": 2.0}, 10), worker)
        time.sleep(0.1)
        assert bounded(lambda: worker.ping(5.0), 1.5).error is None
        assert slow.outcome(10).value == "slept 2 s"


@pytest.mark.parametrize("expected", [False, True])
def test_command_failure_is_reported_and_the_worker_stays(expected: bool) -> None:
    with started("good") as worker:
        error = expect_error(
            lambda: worker.call("fail", {"message": "no such city", "expected": expected}, 10),
            CommandFailed,
            10,
        )
        assert error.expected is expected
        assert error.error_message == "no such city"
        assert error.error_type == ("CommandError" if expected else "ValueError")
        assert error.command == "fail"
        assert str(error).splitlines() == [str(error)]
        assert worker.alive
        assert worker.call("echo", {"text": "after"}, 10) == "after"


# -- failures to start -----------------------------------------------------------------------


def test_missing_program_fails_to_start() -> None:
    worker = WorkerProcess(NAME, ["/nonexistent/plughost-worker"])
    error = expect_error(worker.start, WorkerStartError, SLACK)
    check_message(error, "cannot start the worker", "/nonexistent/plughost-worker")
    assert_host_fine()


def test_worker_expecting_another_cookie_exits() -> None:
    error, worker = start_failure("bad-cookie", WorkerStartError)
    check_message(error, "exited with status 1", NOT_DIRECTLY)
    assert error.exit_status == 1
    assert error.stderr_tail == (NOT_DIRECTLY,)
    assert_reaped(worker.pid)
    assert_host_fine()


def test_worker_exiting_before_the_handshake() -> None:
    error, worker = start_failure("exit-before-handshake", WorkerStartError)
    check_message(error, "exited with status 3", "cannot load libfake.so.1")
    assert error.exit_status == 3
    assert_reaped(worker.pid)
    assert_host_fine()


def test_garbage_instead_of_the_handshake() -> None:
    error, worker = start_failure("garbage-handshake", WorkerStartError)
    check_message(error, "broke the protocol", "not JSON", "Hello there!")
    assert_reaped(worker.pid)
    assert_host_fine()


def test_no_answer_to_initialize_is_a_start_timeout() -> None:
    error, worker = start_failure("no-handshake", WorkerStartError, start_timeout=1.0)
    check_message(error, "did not complete the handshake within 1 s")
    assert_reaped(worker.pid)
    assert_host_fine()


def test_no_common_protocol_version() -> None:
    error, worker = start_failure("bad-version", WorkerStartError)
    check_message(error, "protocol version(s) [2]", "this plughost speaks [1]")
    assert_reaped(worker.pid)
    assert_host_fine()


def test_worker_choosing_a_version_not_offered() -> None:
    error, worker = start_failure("picks-unoffered-version", WorkerStartError)
    check_message(error, "chose protocol version 9", "did not offer")
    assert_reaped(worker.pid)
    assert_host_fine()


def test_malformed_manifest_fails_the_start() -> None:
    # docs/protocol.md: an answer without "a manifest of the documented shape"
    # fails the start; WorkerStartError is "did not complete the handshake".
    error, worker = start_failure("malformed-manifest", WorkerError)
    check_message(error, "malformed manifest", "commands[0].params[0].type")
    assert isinstance(error, WorkerStartError), f"{type(error).__name__}: {error}"
    assert_reaped(worker.pid)
    assert_host_fine()


def test_manifest_of_another_plugin_fails_the_start() -> None:
    error, worker = start_failure("wrong-plugin-name", WorkerError)
    check_message(error, "a plugin named 'other'")
    assert isinstance(error, WorkerStartError), f"{type(error).__name__}: {error}"
    assert_reaped(worker.pid)
    assert_host_fine()


def test_plugin_unavailable_in_the_worker() -> None:
    worker = fake_worker("plugin-unavailable")
    error = expect_error(worker.start, PluginUnavailable, SLACK, worker)
    assert error.state == "broken"
    assert error.plugin == NAME
    assert "No module named 'fake_backend'" in str(error)
    assert str(error).splitlines() == [str(error)]
    assert_reaped(worker.pid)
    assert_host_fine()


def test_refusal_with_a_message_of_several_lines_is_reported_on_one_line() -> None:
    error, worker = start_failure("multiline-refusal", WorkerStartError)
    check_message(error, "refused to initialize", "the worker failed")
    assert_reaped(worker.pid)
    assert_host_fine()


def test_channel_closed_during_the_handshake_fails_the_start() -> None:
    error, worker = start_failure("closes-channel-at-start", WorkerError)
    check_message(error, "closed its channel")
    assert isinstance(error, WorkerStartError), f"{type(error).__name__}: {error}"
    assert_reaped(worker.pid)
    assert_host_fine()


def test_failed_starts_leave_no_file_descriptors_open() -> None:
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc/self/fd")
    before = open_fds()
    for scenario in ("bad-cookie", "garbage-handshake", "bad-version", "malformed-manifest"):
        worker = fake_worker(scenario)
        expect_error(worker.start, WorkerError, SLACK, worker)
    with started("crash-mid-call") as worker:
        expect_error(lambda: worker.call("echo", {"text": "x"}, 10), WorkerCrashed, SLACK)
    with started("reply-not-json") as worker:
        expect_error(lambda: worker.call("echo", {"text": "x"}, 10), ProtocolError, SLACK)
    assert open_fds() == before


# -- stderr ------------------------------------------------------------------------------------


def test_json_log_lines_reach_the_plugin_logger_at_their_level(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    with started("json-logs") as worker:
        assert worker.call("echo", {"text": "x"}, 10) == "x"
    records = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == LOGGER]
    assert records == [
        (logging.WARNING, "disk almost full"),
        (logging.DEBUG, "cache warmed"),
        (logging.ERROR, "cannot reach the licence server"),
        (logging.CRITICAL, "everything is on fire"),
        (logging.INFO, "ready"),
        # Plain lines, and JSON that is not a log record, as they are, at INFO.
        (logging.INFO, "a plain line"),
        (logging.INFO, '{"level": "verbose", "message": "a level nobody knows"}'),
        (logging.INFO, '{"message": "no level at all"}'),
        (logging.INFO, "{not json at all"),
    ]


def test_only_the_last_20_stderr_lines_are_kept() -> None:
    with started("many-lines-then-crash") as worker:
        error = expect_error(
            lambda: worker.call("echo", {"text": "x"}, 10), WorkerCrashed, 10 + SLACK, worker
        )
    lines = [f"stderr line {n:02d}" for n in range(1, TAIL_TEST_LINES + 1)]
    assert error.stderr_tail == tuple(lines[-20:])
    text = check_message(error, "exited with status 5", " | ".join(lines[-5:]))
    assert lines[-6] not in text
    assert_reaped(worker.pid)


def test_megabytes_on_stderr_do_not_deadlock() -> None:
    # 4 MB before the handshake, 1 MB before each answer: far beyond a pipe's buffer.
    with started("chatty-stderr") as worker:
        outcome = bounded(lambda: worker.call("echo", {"text": "through"}, 20), 20 + SLACK, worker)
        assert outcome.error is None
        assert outcome.value == "through"
    assert_reaped(worker.pid)


# -- the worker dies during a call -------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "status", "what", "stderr"),
    [
        ("crash-mid-call", 7, "exited with status 7", "fatal error in the call"),
        ("os-exit", 0, "exited with status 0", None),
        ("killed-by-sigsegv", -signal.SIGSEGV, "was killed by SIGSEGV", "about to die"),
        ("killed-by-sigkill", -signal.SIGKILL, "was killed by SIGKILL", "about to die"),
    ],
)
def test_worker_dying_during_a_call(
    scenario: str, status: int, what: str, stderr: str | None
) -> None:
    with started(scenario) as worker:
        error = expect_error(
            lambda: worker.call("echo", {"text": "x"}, 10), WorkerCrashed, 10 + SLACK, worker
        )
        check_message(error, what, *([stderr] if stderr else []))
        assert error.exit_status == status
        assert not worker.alive
        # The failure sticks: the next call fails at once with it.
        again = expect_error(lambda: worker.call("echo", {"text": "x"}, 10), WorkerCrashed, SLACK)
        assert str(again) == str(error)
    assert_reaped(worker.pid)
    assert_host_fine()


def test_worker_closing_its_channel_during_a_call() -> None:
    with started("closes-channel") as worker:
        error = expect_error(
            lambda: worker.call("echo", {"text": "x"}, 10), WorkerCrashed, 10 + SLACK, worker
        )
        check_message(error, "closed its channel", "fake worker: closing the channel")
    assert_reaped(worker.pid)
    assert_host_fine()


def test_worker_dying_in_the_middle_of_a_response() -> None:
    with started("truncated-reply") as worker:
        error = expect_error(
            lambda: worker.call("echo", {"text": "x"}, 10), WorkerError, 10 + SLACK, worker
        )
        check_message(error, "fake worker: dying in the middle of a reply")
    assert_reaped(worker.pid)
    assert_host_fine()


def test_crash_is_seen_while_a_grandchild_holds_the_channel(tmp_path: Path) -> None:
    # A worker in another language may start a helper that inherits its
    # stdout; when the worker then dies, the channel stays open. The crash
    # must still be reported as a crash, and before the call's timeout.
    pid_file = tmp_path / "grandchild.pid"
    timeout = 2.0
    worker = fake_worker("crash-leaving-grandchild", env=env_with(**{PID_FILE: str(pid_file)}))
    try:
        start(worker)
        outcome = bounded(
            lambda: worker.call("echo", {"text": "x"}, timeout), timeout + SLACK, worker
        )
        assert isinstance(outcome.error, WorkerCrashed), repr(outcome.error)
        check_message(outcome.error, "exited with status 7", "crashing, my child stays")
        assert outcome.elapsed < timeout
        close(worker)
        assert_reaped(worker.pid)
        assert_gone(read_pid(pid_file))
    finally:
        kill_group(worker)
        kill_pid_file(pid_file, worker.pid)
    assert_host_fine()


# -- the worker hangs --------------------------------------------------------------------------


def test_call_that_is_never_answered_times_out() -> None:
    with started("hang") as worker:
        error = expect_error(
            lambda: worker.call("echo", {"text": "x"}, 0.5), CallTimeout, 0.5 + SLACK, worker
        )
        check_message(error, "did not finish within 0.5 s", "cancelled")
        # A timeout is the call's failure, not the worker's.
        assert worker.alive
        worker.ping()
    assert_reaped(worker.pid)
    assert_host_fine()


def test_answer_to_a_cancelled_call_is_ignored() -> None:
    # The good worker answers the cancel with -32800 at once.
    with started("good") as worker:
        error = expect_error(
            lambda: worker.call("sleep", {"seconds": 2.0}, 0.3), CallTimeout, 0.3 + SLACK, worker
        )
        check_message(error, "did not finish within 0.3 s")
        assert worker.call("echo", {"text": "next"}, 10) == "next"
        assert worker.alive


def test_late_response_to_a_cancelled_call_is_ignored() -> None:
    # This worker ignores the cancel and answers when the sleep is over.
    with started("late-response") as worker:
        expect_error(
            lambda: worker.call("sleep", {"seconds": 0.8}, 0.2), CallTimeout, 0.2 + SLACK, worker
        )
        time.sleep(1.0)  # the late answer arrives meanwhile
        assert worker.alive
        assert worker.call("echo", {"text": "next"}, 10) == "next"
        worker.ping()
        assert worker.alive


def test_call_times_out_when_the_worker_stops_reading() -> None:
    # The request (2 MB) does not fit in the pipe: the host's write blocks.
    big = "x" * (2 * 1024 * 1024)
    with started("stops-reading") as worker:
        error = expect_error(
            lambda: worker.call("echo", {"text": big}, 0.5), CallTimeout, 0.5 + SLACK, worker
        )
        check_message(error, "did not finish within 0.5 s")
    assert_reaped(worker.pid)
    assert_host_fine()


def test_close_does_not_hang_when_the_worker_stops_reading() -> None:
    big = "x" * (2 * 1024 * 1024)
    worker = fake_worker("stops-reading")
    start(worker)
    try:
        stuck = Background(lambda: worker.call("echo", {"text": big}, None), worker)
        time.sleep(0.3)
        # close(0.5) is one budget: polite for 0.25 s, then SIGTERM, SIGKILL at 0.5 s.
        closing = bounded(lambda: worker.close(0.5), 0.5 + SLACK, worker)
        assert closing.error is None
        error = stuck.outcome(SLACK).error
        assert isinstance(error, WorkerCrashed), repr(error)
        check_message(error)
    finally:
        kill_group(worker)
    assert_reaped(worker.pid)
    assert_host_fine()


# -- the worker breaks the protocol ---------------------------------------------------------


BAD_RESPONSES: list[tuple[str, str, int]] = [
    ("reply-not-json", "the message is not JSON", DEFAULT_MAX_LINE),
    ("reply-array", "not an object", DEFAULT_MAX_LINE),
    ("reply-string", "not an object", DEFAULT_MAX_LINE),
    ("reply-empty-line", "the message is empty", DEFAULT_MAX_LINE),
    ("reply-no-jsonrpc", '"jsonrpc": "2.0"', DEFAULT_MAX_LINE),
    ("reply-no-id", "a response has no valid id (None)", DEFAULT_MAX_LINE),
    ("reply-unknown-id", "which was never sent", DEFAULT_MAX_LINE),
    ("reply-string-id", "a response has no valid id ('", DEFAULT_MAX_LINE),
    ("reply-result-and-error", "exactly one of result and error", DEFAULT_MAX_LINE),
    ("reply-error-without-code", "an error object with a code", DEFAULT_MAX_LINE),
    ("reply-parse-error", "could not read a request: cannot parse", DEFAULT_MAX_LINE),
    ("reply-invalid-utf8", "not valid UTF-8", DEFAULT_MAX_LINE),
    ("reply-nan", "NaN, which JSON does not allow", DEFAULT_MAX_LINE),
    ("reply-deep", "nests deeper than 64 levels", DEFAULT_MAX_LINE),
    ("reply-huge-int", "an integer of more than 4300 digits", DEFAULT_MAX_LINE),
    ("reply-duplicate-keys", "repeats the key 'result'", DEFAULT_MAX_LINE),
    ("reply-too-long", f"longer than the limit of {SMALL_MAX} bytes", SMALL_MAX),
    ("reply-endless", f"longer than the limit of {SMALL_MAX} bytes", SMALL_MAX),
]


@pytest.mark.parametrize(
    ("scenario", "rule", "max_message"), BAD_RESPONSES, ids=[s for s, _, _ in BAD_RESPONSES]
)
def test_bad_response_fails_every_call_in_flight(
    scenario: str, rule: str, max_message: int
) -> None:
    with started(scenario, max_message=max_message) as worker:
        # A call in flight on the side: it fails with the same error, at once.
        other = Background(lambda: worker.call("sleep", {"seconds": 10.0}, 20), worker)
        time.sleep(0.2)
        error = expect_error(
            lambda: worker.call("echo", {"text": "x"}, 10), ProtocolError, 10 + SLACK, worker
        )
        check_message(error, "broke the protocol", rule)
        side = other.outcome(SLACK).error
        assert isinstance(side, ProtocolError), repr(side)
        assert str(side) == str(error)
        # The worker was killed; the error sticks.
        assert not worker.alive
        expect_error(lambda: worker.call("echo", {"text": "x"}, 10), ProtocolError, SLACK)
    assert_reaped(worker.pid)
    assert_host_fine()


def test_error_answer_with_a_message_of_several_lines_is_reported_on_one_line() -> None:
    with started("multiline-call-error") as worker:
        error = expect_error(
            lambda: worker.call("echo", {"text": "x"}, 10), ProtocolError, 10 + SLACK, worker
        )
        check_message(error, "internal failure")
    assert_reaped(worker.pid)


def test_argument_that_is_not_unicode_text_is_sent_or_refused_cleanly() -> None:
    # A lone surrogate is a Python str, but not UTF-8. Carried as a JSON
    # escape, or refused with a plughost error: anything but a crash.
    plugin = bounded(
        lambda: IsolatedPlugin(lambda: fake_worker("good"), call_timeout=10), START_LIMIT
    ).value
    assert plugin is not None
    try:
        outcome = bounded(lambda: plugin.call("echo", text="a\ud800b"), SLACK, plugin.worker)
        if outcome.error is None:
            assert outcome.value == "a\ud800b"
        else:
            assert isinstance(outcome.error, PlughostError), repr(outcome.error)
            check_message(outcome.error, "echo")
        assert plugin.worker.alive
        assert plugin.call("echo", text="fine") == "fine"
    finally:
        bounded(plugin.close, CLOSE_LIMIT, plugin.worker)


# -- shutdown ------------------------------------------------------------------------------------


def test_close_is_idempotent() -> None:
    worker = fake_worker("good")
    start(worker)
    first = close(worker)
    second = close(worker)
    assert second < 1.0 and first < CLOSE_LIMIT
    assert not worker.alive
    error = expect_error(lambda: worker.call("echo", {"text": "x"}, 10), WorkerCrashed, SLACK)
    check_message(error, "shut down")
    assert_reaped(worker.pid)
    # A worker that was never started closes too.
    fake_worker("good").close()


def test_close_with_a_call_in_flight() -> None:
    worker = fake_worker("good")
    start(worker)
    try:
        slow = Background(lambda: worker.call("sleep", {"seconds": 30.0}, 60), worker)
        time.sleep(0.2)
        close(worker)
        error = slow.outcome(SLACK).error
        assert isinstance(error, WorkerCrashed), repr(error)
        check_message(error)
    finally:
        kill_group(worker)
    assert_reaped(worker.pid)


def test_worker_ignoring_shutdown_and_sigterm_is_killed() -> None:
    worker = fake_worker("ignores-shutdown")
    start(worker)
    pid = worker.pid
    assert pid is not None
    try:
        # shutdown is answered, end of input ignored (0.25 s), SIGTERM too, SIGKILL at 0.5 s.
        elapsed = close(worker, grace=0.5)
        assert elapsed < 0.5 + SLACK
    finally:
        kill_group(worker)
    assert_reaped(pid)
    assert_host_fine()


@pytest.mark.parametrize("scenario", ["spawns-grandchild", "spawns-stubborn-grandchild"])
def test_grandchild_is_gone_after_close(scenario: str, tmp_path: Path) -> None:
    # The stubborn grandchild ignores SIGTERM: only the final SIGKILL stops it.
    pid_file = tmp_path / "grandchild.pid"
    worker = fake_worker(scenario, env=env_with(**{PID_FILE: str(pid_file)}))
    try:
        start(worker)
        grandchild = read_pid(pid_file)
        assert process_state(grandchild) not in (None, "Z")
        assert os.getpgid(grandchild) == worker.pid
        assert worker.call("echo", {"text": "x"}, 10) == "x"
        # shutdown and end of input; the grandchild gets SIGTERM, then SIGKILL at 0.5 s.
        elapsed = close(worker, grace=0.5)
        assert elapsed < 0.5 + SLACK
        assert_reaped(worker.pid)
        assert_gone(grandchild)
    finally:
        kill_group(worker)
        kill_pid_file(pid_file, worker.pid)
    assert_host_fine()


# -- IsolatedPlugin --------------------------------------------------------------------------


def isolated(scenario: str, **options: Any) -> IsolatedPlugin:
    """An IsolatedPlugin over the fake worker, started with a deadline."""
    outcome = bounded(lambda: IsolatedPlugin(lambda: fake_worker(scenario), **options), START_LIMIT)
    if outcome.error is not None:
        raise outcome.error
    assert outcome.value is not None
    return outcome.value


def test_isolated_plugin_restarts_up_to_max_restarts_then_refuses() -> None:
    plugin = isolated("crash-mid-call", call_timeout=10, max_restarts=2)
    pids: list[int | None] = []
    try:
        for attempt in range(3):
            error = expect_error(
                lambda: plugin.call("echo", text="x"), WorkerCrashed, 10 + SLACK, plugin.worker
            )
            check_message(error, "exited with status 7")
            pids.append(plugin.worker.pid)
            assert plugin.restarts == attempt
        assert len(set(pids)) == 3
        refusal = expect_error(lambda: plugin.call("echo", text="x"), WorkerCrashed, SLACK)
        check_message(refusal, "restarted 2 time(s) already", "not restarting")
        assert plugin.worker.pid == pids[-1]
        assert plugin.restarts == 2
    finally:
        bounded(plugin.close, CLOSE_LIMIT, plugin.worker)
    for pid in pids:
        assert_reaped(pid)
    assert_host_fine()


def test_isolated_plugin_recovers_from_one_crash(tmp_path: Path) -> None:
    env = env_with(**{MARK_FILE: str(tmp_path / "crashed")})
    outcome = bounded(
        lambda: IsolatedPlugin(lambda: fake_worker("crash-once", env=env), call_timeout=10),
        START_LIMIT,
    )
    plugin = outcome.value
    assert plugin is not None, outcome.error
    try:
        first = plugin.worker.pid
        expect_error(lambda: plugin.call("echo", text="x"), WorkerCrashed, 10 + SLACK)
        assert bounded(lambda: plugin.call("echo", text="again"), 10 + SLACK).value == "again"
        assert plugin.restarts == 1
        assert plugin.worker.pid != first
        assert_reaped(first)
    finally:
        bounded(plugin.close, CLOSE_LIMIT, plugin.worker)
    assert_reaped(plugin.worker.pid)


def test_isolated_plugin_call_timeout() -> None:
    plugin = isolated("hang", call_timeout=0.5)
    try:
        error = expect_error(
            lambda: plugin.call("echo", text="x"), CallTimeout, 0.5 + SLACK, plugin.worker
        )
        check_message(error, "did not finish within 0.5 s")
        assert plugin.restarts == 0
    finally:
        bounded(plugin.close, CLOSE_LIMIT, plugin.worker)
    assert_reaped(plugin.worker.pid)


def test_isolated_plugin_checks_arguments_before_sending() -> None:
    # Anything sent to this worker would crash it.
    plugin = isolated("crash-mid-call", call_timeout=10)
    try:
        with pytest.raises(ArgumentError, match="text"):
            plugin.call("echo", text=3)
        with pytest.raises(ArgumentError, match="no command 'ehco'"):
            plugin.call("ehco", text="x")
        assert plugin.worker.alive
    finally:
        bounded(plugin.close, CLOSE_LIMIT, plugin.worker)


def test_isolated_plugin_refuses_calls_after_close() -> None:
    plugin = isolated("good", call_timeout=10)
    bounded(plugin.close, CLOSE_LIMIT, plugin.worker)
    bounded(plugin.close, CLOSE_LIMIT, plugin.worker)
    error = expect_error(lambda: plugin.call("echo", text="x"), PluginUnavailable, SLACK)
    check_message(error, "was closed")
    assert error.state == "closed"
    assert_reaped(plugin.worker.pid)


def test_isolated_plugin_that_fails_to_start() -> None:
    outcome = bounded(lambda: IsolatedPlugin(lambda: fake_worker("bad-version")), START_LIMIT)
    assert isinstance(outcome.error, WorkerStartError), repr(outcome.error)
    check_message(outcome.error, "[2]")


# -- the real Python worker ----------------------------------------------------------------


def test_python_worker_run_by_hand_says_so() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLUGHOST_")}
    done = subprocess.run(
        [sys.executable, "-m", "plughost.worker"],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip() == (
        "this is a plughost plugin worker, started by plughost; it is not meant to be run directly"
    )


NOISY_PLUGIN = '''
import os
import subprocess
import sys

from plughost import Plugin, command


class Noisy(Plugin):
    """Writes to stdout in every way it can."""

    @command
    def shout(self, text: str) -> str:
        """Write TEXT to stdout three ways, then return it."""
        print("print:", text)
        sys.stdout.flush()
        os.write(1, b"os.write to fd 1\\n")
        subprocess.run(["echo", "a child writes to stdout"], check=True)
        return text

    @command
    def die(self) -> str:
        """Exit the worker at once."""
        sys.stderr.write("noisy: exiting now\\n")
        sys.stderr.flush()
        os._exit(4)
'''


def test_python_worker_keeps_the_channel_clean(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "noisy_plugin.py").write_text(textwrap.dedent(NOISY_PLUGIN))
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p)
    caplog.set_level(logging.INFO, logger="plughost.plugin.noisy")
    worker = WorkerProcess(
        "noisy",
        [sys.executable, "-m", "plughost.worker"],
        plugin={"name": "noisy", "entry_point": "noisy_plugin:Noisy"},
        env=env_with(PYTHONPATH=path),
        start_timeout=30,
    )
    start(worker)
    try:
        assert worker.call("shout", {"text": "hi"}, 30) == "hi"
        error = expect_error(lambda: worker.call("die", {}, 30), WorkerCrashed, 30, worker)
        assert "plugin 'noisy'" in str(error)
        assert "exited with status 4" in str(error)
        assert "noisy: exiting now" in str(error)
    finally:
        close(worker)
    lines = [r.getMessage() for r in caplog.records if r.name == "plughost.plugin.noisy"]
    for line in ("print: hi", "os.write to fd 1", "a child writes to stdout"):
        assert line in lines
    assert_reaped(worker.pid)
