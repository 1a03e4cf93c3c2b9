"""The Python worker, spoken to in raw protocol v1 (no ``WorkerProcess``).

The worker command (``python -P -c "from plughost.worker import run;
run()"``) is started with the cookie through plain pipes, and the tests
write the lines a host never would: malformed ones, a call before
``initialize``, an unknown method, versions it does not speak, a second
``initialize``, arguments the manifest refuses, a cancel. Then what the
worker promises whatever its plugin does: every call answered at once, with
the plugin and the command named and the traceback in the data (shown by the
command line only with ``--debug``); and a current directory that never
shadows a module.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from limits_support import plughost

from plughost._runtime import protocol as _protocol
from plughost._runtime.client import python_worker_command
from support import PluginEnv

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes and signals")

TOOLS = {
    "name": "tools",
    "entry_point": "plughost_fixture_tools:Tools",
    "distribution": "plughost-fixture-tools",
    "version": "1.0.0",
}
HOSTILE = {"name": "limits-hostile", "entry_point": "plughost_fixture_limits_hostile:Hostile"}


class RawWorker:
    """The real Python worker behind raw pipes."""

    def __init__(self, env: dict[str, str], cwd: Path, *, command: list[str] | None = None) -> None:
        self.proc = subprocess.Popen(
            command or python_worker_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**env, _protocol.COOKIE_NAME: _protocol.COOKIE_VALUE},
            cwd=cwd,
            start_new_session=True,
        )
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line.decode("utf-8", "replace"))

    def write(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.write(json.dumps(message).encode() + b"\n")

    def read(self, timeout: float = 15.0) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no answer within {timeout:g} s; stderr: {''.join(self.stderr)}")
        assert line is not None, f"the worker closed its channel; stderr: {self.stderr}"
        message = json.loads(line)
        assert isinstance(message, dict)
        return message

    def quiet_for(self, seconds: float) -> bool:
        """Whether nothing at all arrives within ``seconds``."""
        try:
            line = self._lines.get(timeout=seconds)
        except queue.Empty:
            return True
        pytest.fail(f"unexpected line: {line!r}")

    def request(
        self, id_: int, method: str, params: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": id_, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        answer = self.read()
        assert answer.get("id") == id_, answer
        return answer

    def initialize(self, plugin: dict[str, Any], versions: list[int] | None = None) -> Any:
        return self.request(
            0, "initialize", {"protocol_versions": versions or [1], "plugin": plugin}
        )

    def exit_status(self, timeout: float = 15.0) -> int:
        return self.proc.wait(timeout)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@pytest.fixture
def raw(plugin_env: PluginEnv) -> Any:
    workers: list[RawWorker] = []

    def start(**options: Any) -> RawWorker:
        worker = RawWorker(plugin_env.environ(), plugin_env.home, **options)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.close()


def _error(answer: dict[str, Any], code: int) -> dict[str, Any]:
    assert "error" in answer, answer
    error = answer["error"]
    assert error["code"] == code, answer
    assert isinstance(error, dict)
    return error


# -- lines the host never sends ------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"this is not JSON\n", "not JSON"),
        (b'{"jsonrpc": "2.0", "id": 1, "method": "ping", "x": "\xff"}\n', "not valid UTF-8"),
        (b"[1, 2, 3]\n", "not an object"),
        (b'{"id": 1, "method": "ping"}\n', '"jsonrpc": "2.0"'),
        (b'{"jsonrpc": "2.0", "id": 1, "method": "ping", "id": 2}\n', "repeats the key"),
        (b"\n", "empty"),
    ],
)
def test_a_line_it_cannot_parse_is_answered_with_a_parse_error(
    raw: Any, line: bytes, reason: str
) -> None:
    worker = raw()
    worker.write(line)
    answer = worker.read()
    assert answer["id"] is None
    assert reason in _error(answer, _protocol.PARSE_ERROR)["message"]
    # It goes on reading.
    assert worker.request(5, "ping") == {"jsonrpc": "2.0", "id": 5, "result": {}}


def test_a_request_without_a_method_or_with_params_that_are_not_an_object(raw: Any) -> None:
    worker = raw()
    worker.send({"jsonrpc": "2.0", "id": 3})
    assert _error(worker.read(), _protocol.INVALID_REQUEST)
    worker.send({"jsonrpc": "2.0", "id": 4, "method": "ping", "params": [1]})
    answer = worker.read()
    assert answer["id"] == 4
    assert _error(answer, _protocol.INVALID_REQUEST)


def test_a_line_longer_than_the_limit_ends_the_worker(plugin_env: PluginEnv) -> None:
    worker = RawWorker(plugin_env.environ(PLUGHOST_MAX_MESSAGE="1024"), plugin_env.home)
    try:
        worker.write(b'{"jsonrpc": "2.0", "id": 1, "method": "ping", "x": "' + b"x" * 4096)
        answer = worker.read()
        assert answer["id"] is None
        assert "longer than the limit of 1024 bytes" in _error(answer, -32700)["message"]
        assert worker.exit_status() == 1
    finally:
        worker.close()


def test_unknown_methods_and_notifications(raw: Any) -> None:
    worker = raw()
    error = _error(worker.request(1, "frobnicate"), _protocol.METHOD_NOT_FOUND)
    assert "frobnicate" in error["message"]
    # A notification is never answered, whatever its method.
    worker.send({"jsonrpc": "2.0", "method": "frobnicate", "params": {}})
    worker.send({"jsonrpc": "2.0", "method": "cancel", "params": {"id": 12345}})
    assert worker.quiet_for(0.3)
    assert worker.request(2, "ping")["result"] == {}


# -- initialize ------------------------------------------------------------------------------


def test_a_call_before_initialize_is_refused(raw: Any) -> None:
    worker = raw()
    answer = worker.request(1, "call", {"command": "add", "arguments": {"numbers": [1]}})
    assert "call before a successful initialize" in _error(answer, -32600)["message"]
    # ping needs no initialize.
    assert worker.request(2, "ping")["result"] == {}


def test_no_common_version_then_a_good_initialize(raw: Any) -> None:
    worker = raw()
    error = _error(worker.initialize(TOOLS, versions=[2, 3]), _protocol.UNSUPPORTED_VERSION)
    assert error["data"] == {"supported": [1], "offered": [2, 3]}
    assert "[2, 3]" in error["message"]
    # Nothing was loaded, so the host may try again.
    answer = worker.initialize(TOOLS, versions=[1, 2])
    assert answer["result"]["protocol_version"] == 1
    assert answer["result"]["manifest"]["name"] == "tools"
    assert answer["result"]["worker"]["pid"] == worker.proc.pid


@pytest.mark.parametrize(
    "params",
    [
        {"protocol_versions": "1", "plugin": TOOLS},
        {"protocol_versions": [1], "plugin": "tools"},
        {"protocol_versions": [1], "plugin": {"name": 7}},
        {"protocol_versions": [1], "plugin": TOOLS, "settings": [1]},
    ],
)
def test_malformed_initialize_params(raw: Any, params: dict[str, Any]) -> None:
    worker = raw()
    assert _error(worker.request(0, "initialize", params), _protocol.INVALID_PARAMS)


def test_a_second_initialize_is_refused(raw: Any) -> None:
    worker = raw()
    assert "result" in worker.initialize(TOOLS)
    assert "already initialized" in _error(worker.initialize(TOOLS), -32600)["message"]
    assert worker.request(1, "call", {"command": "add", "arguments": {"numbers": [2]}}) == {
        "jsonrpc": "2.0",
        "id": 1,
        "result": 2,
    }


def test_a_plugin_found_by_name_in_its_own_environment(raw: Any) -> None:
    worker = raw()
    assert worker.initialize({"name": "tools"})["result"]["manifest"]["distribution"] == (
        "plughost-fixture-tools"
    )


def test_a_plugin_that_cannot_load(raw: Any) -> None:
    worker = raw()
    error = _error(worker.initialize({"name": "raising-init"}), _protocol.PLUGIN_UNAVAILABLE)
    assert error["data"]["state"] == "broken"
    assert "cannot open the frobnicator" in error["message"]


# -- calls -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"command": "add", "arguments": {"numbers": ["x"]}}, "must be a list of integers"),
        ({"command": "add", "arguments": {}}, "'numbers' is required"),
        ({"command": "add", "arguments": {"numbers": [1], "extra": 1}}, "no parameter 'extra'"),
        ({"command": "ad", "arguments": {}}, "has no command 'ad'"),
        ({"command": 7, "arguments": {}}, "a command name and an arguments object"),
        ({"command": "add", "arguments": [1]}, "a command name and an arguments object"),
    ],
)
def test_the_worker_checks_arguments_itself(
    raw: Any, params: dict[str, Any], fragment: str
) -> None:
    worker = raw()
    worker.initialize(TOOLS)
    assert (
        fragment in _error(worker.request(1, "call", params), _protocol.INVALID_PARAMS)["message"]
    )


def test_a_cancelled_call_is_answered_once_and_its_late_result_never_sent(raw: Any) -> None:
    worker = raw()
    worker.initialize(TOOLS)
    worker.send(
        {
            "jsonrpc": "2.0",
            "id": 7,
            "method": "call",
            "params": {"command": "wait", "arguments": {"seconds": 0.5}},
        }
    )
    time.sleep(0.1)
    started = time.monotonic()
    worker.send({"jsonrpc": "2.0", "method": "cancel", "params": {"id": 7}})
    answer = worker.read()
    assert answer["id"] == 7
    assert _error(answer, _protocol.CANCELLED)
    assert time.monotonic() - started < 0.4
    # A second cancel of it is not answered, and the sleep ends unheard.
    worker.send({"jsonrpc": "2.0", "method": "cancel", "params": {"id": 7}})
    assert worker.quiet_for(1.0)
    assert worker.request(8, "ping")["result"] == {}


def test_ping_is_answered_while_a_call_runs(raw: Any) -> None:
    worker = raw()
    worker.initialize(TOOLS)
    worker.send(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "call",
            "params": {"command": "wait", "arguments": {"seconds": 1.0}},
        }
    )
    assert worker.request(2, "ping")["result"] == {}
    assert worker.read()["result"] == "done"


def test_shutdown_and_end_of_input(raw: Any) -> None:
    worker = raw()
    worker.initialize(TOOLS)
    assert worker.request(1, "shutdown") == {"jsonrpc": "2.0", "id": 1, "result": None}
    assert worker.exit_status() == 0
    other = raw()
    other.initialize(TOOLS)
    assert other.proc.stdin is not None
    other.proc.stdin.close()
    assert other.exit_status() == 0


# -- the worker always answers ---------------------------------------------------------------


HOSTILE_CASES = [
    ("unprintable", "Unprintable", "<Unprintable object; str() raised RuntimeError>"),
    ("trapped", "RuntimeError", "its method cannot be looked up on the plugin: no method"),
    ("huge-int", "TypeError", "returned an integer of more than 4300 digits, but its annotation"),
    ("too-long", "ValueError", "more than the limit of 16777216 bytes (PLUGHOST_MAX_MESSAGE)"),
]


@pytest.mark.parametrize(
    ("command", "kind", "fragment"), HOSTILE_CASES, ids=[c for c, _, _ in HOSTILE_CASES]
)
def test_every_call_is_answered_whatever_the_plugin_does(
    raw: Any, command: str, kind: str, fragment: str
) -> None:
    worker = raw()
    assert "result" in worker.initialize(HOSTILE)
    started = time.monotonic()
    answer = worker.request(1, "call", {"command": command, "arguments": {}})
    assert time.monotonic() - started < 10
    error = _error(answer, _protocol.COMMAND_FAILED)
    assert error["message"].startswith(f"plugin 'limits-hostile', command {command!r}: ")
    data = error["data"]
    assert data["expected"] is False
    assert data["type"] == kind
    assert fragment in data["message"]
    if command in ("unprintable", "trapped"):
        assert data["traceback"].startswith("Traceback (most recent call last)")
    # The worker and its channel are fine.
    assert worker.request(2, "call", {"command": "ping", "arguments": {}})["result"] == "pong"


def test_a_mapping_that_lies_about_its_items_is_answered_with_what_it_holds(raw: Any) -> None:
    worker = raw()
    assert "result" in worker.initialize(HOSTILE)
    answer = worker.request(1, "call", {"command": "bad-mapping", "arguments": {}})
    # Read through dict's own methods, not the plugin's: its real content.
    assert answer == {"jsonrpc": "2.0", "id": 1, "result": {"a": 1}}


def test_the_worker_traceback_reaches_the_user_only_with_debug(plugin_env: PluginEnv) -> None:
    plain = plughost(plugin_env, "run", "--isolated", "limits-hostile", "unprintable")
    assert plain.returncode == 1
    assert plain.errors() == [
        "error: limits-hostile unprintable failed with Unprintable: <Unprintable object; str()"
        " raised RuntimeError> (this is a bug in the plugin; run with --debug for the"
        " traceback and report it to its authors)"
    ]
    assert "Traceback" not in plain.stderr
    debug = plughost(plugin_env, "run", "--isolated", "--debug", "limits-hostile", "unprintable")
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "raise Unprintable()" in debug.stderr
    assert "(the traceback cannot be formatted: RuntimeError)" in debug.stderr
    assert debug.errors() == plain.errors()


# -- the current directory -------------------------------------------------------------------------


def _shadows(folder: Path) -> Path:
    """Modules in ``folder`` that would shadow the worker's; importing one leaves a mark."""
    mark = folder / "shadowed"
    for module in ("json", "plughost", "plughost_fixture_tools"):
        (folder / f"{module}.py").write_text(
            f"open({str(mark)!r}, 'a').write({module!r} + '\\n')\n"
            f"raise SystemExit('the {module}.py of the current directory was imported')\n"
        )
    return mark


def test_the_current_directory_never_shadows_a_module(plugin_env: PluginEnv) -> None:
    mark = _shadows(plugin_env.home)
    done = plughost(plugin_env, "run", "--isolated", "tools", "add", "1", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "3\n"
    assert not mark.exists()


def test_the_worker_command_keeps_the_current_directory_off_sys_path(
    raw: Any, plugin_env: PluginEnv
) -> None:
    mark = _shadows(plugin_env.home)
    worker = raw()
    assert worker.initialize(TOOLS)["result"]["manifest"]["name"] == "tools"
    assert not mark.exists()
    # Without -P the same folder is imported from: the test would notice.
    unsafe = raw(command=[sys.executable, "-m", "plughost.worker"])
    assert unsafe.exit_status() != 0
    assert mark.exists()
