"""A plugin worker that breaks protocol v1 on request, for the fault tests.

Run as ``python fake_worker.py SCENARIO``. It uses the standard library only
and does not import plughost: it speaks protocol v1 (docs/protocol.md) by
itself, so it also stands for a worker written in another language. In the
scenario ``good`` it is a well-behaved worker for a plugin named ``fake``
with the commands ``echo(text: str) -> str``, ``sleep(seconds: float) ->
str`` and ``fail(message: str, expected: bool = False) -> str``; every other
scenario (see ``SCENARIOS``) misbehaves at one point and is otherwise good.

Two environment variables name files for the tests: ``FAKE_WORKER_PID_FILE``
receives the pid of a grandchild process, and ``FAKE_WORKER_MARK_FILE`` makes
``crash-once`` crash only on its first run.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from typing import Any

COOKIE_NAME = "PLUGHOST_MAGIC_COOKIE"
COOKIE_VALUE = "c6ae7bd2f1e94b0a8d5b3e1f7a9c0d24"
NOT_DIRECTLY = (
    "this is a plughost plugin worker, started by plughost; it is not meant to be run directly"
)
PID_FILE = "FAKE_WORKER_PID_FILE"
MARK_FILE = "FAKE_WORKER_MARK_FILE"
#: How many calls ``out-of-order`` holds before answering them, last first.
HELD_CALLS = 3
#: Stderr lines written by ``many-lines-then-crash``.
TAIL_TEST_LINES = 30

SCENARIOS: dict[str, str] = {
    "good": "a well-behaved worker",
    # Start.
    "bad-cookie": "expects another cookie: says it is not meant to be run directly, exits 1",
    "exit-before-handshake": "writes a line to stderr and exits 3 before reading anything",
    "garbage-handshake": "answers initialize with 'Hello there!'",
    "no-handshake": "reads initialize (and everything after it) and never answers",
    "bad-version": "answers initialize with -32001, speaking only version 2",
    "picks-unoffered-version": "answers initialize choosing protocol version 9",
    "malformed-manifest": "answers initialize with a manifest of an unknown parameter type",
    "wrong-plugin-name": "answers initialize with the manifest of a plugin named 'other'",
    "plugin-unavailable": "answers initialize with -32002: the plugin cannot be loaded",
    "multiline-refusal": "answers initialize with -32603 and a message of several lines",
    "closes-channel-at-start": "closes stdout on initialize and keeps running",
    "json-logs": "writes JSON log lines and plain lines to stderr before the handshake",
    "chatty-stderr": "writes megabytes to stderr before the handshake and before each answer",
    "spawns-grandchild": "starts `sleep 300` in its process group and writes its pid to a file",
    "spawns-stubborn-grandchild": "starts a grandchild that ignores SIGTERM (pid to a file)",
    "ignores-shutdown": "answers shutdown but stays, ignoring SIGTERM and end of input",
    "spawns-setsid-grandchild": (
        "starts a grandchild in a session of its own that ignores SIGTERM (pid to a file)"
    ),
    "spawns-daemon": "double-forks a daemon in a session of its own that ignores SIGTERM (pid)",
    "silent": "after the handshake answers nothing, ignoring SIGTERM and end of input",
    # Calls.
    "crash-mid-call": "on a call: writes to stderr and exits 7",
    "crash-once": "on its first call ever (see FAKE_WORKER_MARK_FILE): exits 7",
    "many-lines-then-crash": "on a call: writes 30 numbered lines to stderr and exits 5",
    "killed-by-sigsegv": "on a call: kills itself with SIGSEGV",
    "killed-by-sigkill": "on a call: kills itself with SIGKILL",
    "os-exit": "on a call: os._exit(0)",
    "hang": "never answers a call (nor its cancel)",
    "closes-channel": "on a call: closes stdout and keeps running",
    "stops-reading": "after the handshake, never reads its stdin again",
    "closes-stdin": "on a call: answers it, then closes its stdin and stays, reading nothing",
    "stops-itself": "on a call: stops itself with SIGSTOP",
    "crash-leaving-grandchild": (
        "on a call: starts `sleep 300` holding stdout and stderr, writes its pid, exits 7"
    ),
    "late-response": "ignores cancel and answers every call when it is done",
    "out-of-order": "holds calls until 3 have come, then answers them last first",
    "multiline-call-error": "answers a call with -32603 and a message of two lines",
    "truncated-reply": "on a call: writes half a response and exits 9",
    # Bad responses to a call of echo (the other commands work).
    "reply-not-json": "answers echo with a line that is not JSON",
    "reply-array": "answers echo with a JSON array",
    "reply-string": "answers echo with a JSON string",
    "reply-empty-line": "answers echo with an empty line",
    "reply-no-jsonrpc": 'answers echo without "jsonrpc": "2.0"',
    "reply-no-id": "answers echo with a response without id",
    "reply-unknown-id": "answers echo with a response to an id never sent",
    "reply-string-id": "answers echo with the id as a string",
    "reply-result-and-error": "answers echo with both result and error",
    "reply-error-without-code": "answers echo with an error object without code",
    "reply-parse-error": "answers echo with -32700 and id null",
    "reply-invalid-utf8": "answers echo with bytes that are not UTF-8",
    "reply-nan": "answers echo with NaN",
    "reply-deep": "answers echo with an array nested 100000 deep",
    "reply-huge-int": "answers echo with an integer of 1,000,000 digits",
    "reply-duplicate-keys": "answers echo with an object that repeats a key",
    "reply-too-long": "answers echo with a 1 MB line",
    "reply-endless": "answers echo with bytes without a newline, forever",
}

MANIFEST: dict[str, Any] = {
    "manifest_version": 1,
    "name": "fake",
    "distribution": None,
    "version": None,
    "api_version": "1.0",
    "summary": "A worker for the fault tests.",
    "description": "",
    "commands": [
        {
            "name": "echo",
            "help": "Return TEXT.",
            "description": "",
            "params": [
                {
                    "name": "text",
                    "type": {"type": "string"},
                    "required": True,
                    "default": None,
                    "choices": None,
                    "help": "what to return",
                }
            ],
            "returns": {"type": "string"},
        },
        {
            "name": "sleep",
            "help": "Sleep SECONDS, then say so.",
            "description": "",
            "params": [
                {
                    "name": "seconds",
                    "type": {"type": "number"},
                    "required": True,
                    "default": None,
                    "choices": None,
                    "help": "how long",
                }
            ],
            "returns": {"type": "string"},
        },
        {
            "name": "fail",
            "help": "Fail with MESSAGE.",
            "description": "",
            "params": [
                {
                    "name": "message",
                    "type": {"type": "string"},
                    "required": True,
                    "default": None,
                    "choices": None,
                    "help": "",
                },
                {
                    "name": "expected",
                    "type": {"type": "boolean"},
                    "required": False,
                    "default": False,
                    "choices": None,
                    "help": "",
                },
            ],
            "returns": {"type": "string"},
        },
    ],
}


def _dumps(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, separators=(",", ":")) + "\n").encode("utf-8")


def _stderr(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _sleep_forever() -> None:
    while True:
        time.sleep(3600)


def _write_pid(pid: int) -> None:
    path = os.environ.get(PID_FILE)
    if path:
        with open(path + ".tmp", "w") as f:
            f.write(str(pid))
        os.replace(path + ".tmp", path)


#: A grandchild that ignores SIGTERM, and writes its own pid once it does.
_STUBBORN = """
import os, signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(300)
"""


#: A daemon: a session of its own, its parent gone at once; ignores SIGTERM.
_DAEMON = """
import os, sys
os.setsid()
if os.fork():
    os._exit(0)
exec(sys.argv[2])
"""


def _start_grandchild(
    *, inherit: bool = False, stubborn: bool = False, session: bool = False
) -> None:
    """Start a grandchild in this process group; its pid goes to $FAKE_WORKER_PID_FILE.

    ``session``: in a session (and process group) of its own instead.
    """
    quiet = None if inherit else subprocess.DEVNULL
    if stubborn:
        command = [sys.executable, "-c", _STUBBORN, os.environ[PID_FILE]]
    else:
        command = ["sleep", "300"]
    child = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=quiet,
        stderr=quiet,
        start_new_session=session,
    )
    if not stubborn:
        _write_pid(child.pid)


def _start_daemon() -> None:
    """Double-fork a daemon that ignores SIGTERM; it writes its pid itself."""
    subprocess.run(
        [sys.executable, "-c", _DAEMON, os.environ[PID_FILE], _STUBBORN],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )


def _chatter(megabytes: int) -> None:
    line = b"chatty: " + b"x" * 1015 + b"\n"
    out = sys.stderr.buffer
    for _ in range(megabytes * 1024):
        out.write(line)
    out.flush()


def bad_reply(scenario: str, id_: int) -> bytes:
    """The bytes a ``reply-*`` scenario answers call ``id_`` with."""
    head = f'{{"jsonrpc":"2.0","id":{id_},'
    replies: dict[str, bytes] = {
        "reply-not-json": b"this is not JSON\n",
        "reply-array": b'[{"jsonrpc":"2.0","id":1,"result":"hi"}]\n',
        "reply-string": b'"hi"\n',
        "reply-empty-line": b"\n",
        "reply-no-jsonrpc": f'{{"id":{id_},"result":"hi"}}\n'.encode(),
        "reply-no-id": b'{"jsonrpc":"2.0","result":"hi"}\n',
        "reply-unknown-id": f'{{"jsonrpc":"2.0","id":{id_ + 1000},"result":"hi"}}\n'.encode(),
        "reply-string-id": f'{{"jsonrpc":"2.0","id":"{id_}","result":"hi"}}\n'.encode(),
        "reply-result-and-error": (
            head + '"result":"hi","error":{"code":-32000,"message":"no"}}\n'
        ).encode(),
        "reply-error-without-code": (head + '"error":{"message":"no code"}}\n').encode(),
        "reply-parse-error": (
            b'{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"cannot parse"}}\n'
        ),
        "reply-invalid-utf8": head.encode() + b'"result":"\xff\xfe caf\xe9"}\n',
        "reply-nan": (head + '"result":NaN}\n').encode(),
        "reply-deep": (head + '"result":' + "[" * 100_000 + "]" * 100_000 + "}\n").encode(),
        "reply-huge-int": (head + '"result":' + "7" * 1_000_000 + "}\n").encode(),
        "reply-duplicate-keys": (head + '"result":"hi","result":"ho"}\n').encode(),
        "reply-too-long": (head + '"result":"' + "x" * 1_000_000 + '"}\n').encode(),
    }
    return replies[scenario]


class FakeWorker:
    """Serves protocol v1 on stdin and stdout, breaking it as the scenario says."""

    def __init__(self, scenario: str) -> None:
        self.scenario = scenario
        self._out = sys.stdout.buffer
        self._lock = threading.Lock()
        self._running: set[Any] = set()
        self._cancelled: set[Any] = set()
        self._held: list[tuple[Any, dict[str, Any]]] = []
        self._mute = False

    # -- output --------------------------------------------------------------

    def send_bytes(self, data: bytes) -> None:
        with self._lock:
            self._out.write(data)
            self._out.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.send_bytes(_dumps(message))

    def result(self, id_: Any, value: Any) -> None:
        self.send({"jsonrpc": "2.0", "id": id_, "result": value})

    def error(self, id_: Any, code: int, message: str, data: Any = None) -> None:
        err: dict[str, Any] = {"code": code, "message": message}
        if data is not None:
            err["data"] = data
        self.send({"jsonrpc": "2.0", "id": id_, "error": err})

    # -- the loop ----------------------------------------------------------------

    def serve(self) -> int:
        stdin = sys.stdin.buffer
        while True:
            line = stdin.readline()
            if not line:
                if self.scenario in ("ignores-shutdown", "silent"):
                    _sleep_forever()
                return 0
            message = json.loads(line)
            method = message.get("method")
            params = message.get("params") or {}
            if "id" not in message:
                if method == "cancel":
                    self.cancel(params.get("id"))
                continue
            id_ = message["id"]
            if self._mute:
                continue
            if method == "initialize":
                self.initialize(id_, params)
            elif method == "ping":
                self.result(id_, {})
            elif method == "shutdown":
                self.result(id_, None)
                if self.scenario != "ignores-shutdown":
                    return 0
            elif method == "call":
                self.call(id_, params)
            else:
                self.error(id_, -32601, f"no method {method!r}")

    # -- initialize ------------------------------------------------------------

    def initialize(self, id_: Any, params: dict[str, Any]) -> None:
        scenario = self.scenario
        offered = params.get("protocol_versions")
        if scenario == "no-handshake":
            self._mute = True
            return
        if scenario == "garbage-handshake":
            self.send_bytes(b"Hello there!\n")
            return
        if scenario == "closes-channel-at-start":
            _stderr("fake worker: closing the channel")
            self._out.close()
            with contextlib.suppress(OSError):
                os.close(1)
            _sleep_forever()
        if scenario == "bad-version":
            self.error(
                id_,
                -32001,
                f"the host offers protocol versions {offered}, this worker speaks [2]",
                {"supported": [2], "offered": offered},
            )
            return
        if scenario == "plugin-unavailable":
            reason = "cannot import fake_backend: No module named 'fake_backend'"
            self.error(
                id_,
                -32002,
                reason,
                {"state": "broken", "reason": reason, "problems": [reason]},
            )
            return
        if scenario == "multiline-refusal":
            self.error(
                id_,
                -32603,
                "the worker failed\nTraceback (most recent call last):\n  File 'x', line 1",
            )
            return
        if not isinstance(offered, list) or 1 not in offered:
            self.error(
                id_,
                -32001,
                "no common protocol version",
                {"supported": [1], "offered": offered},
            )
            return
        if scenario == "json-logs":
            for record in (
                {"level": "warning", "message": "disk almost full"},
                {"level": "debug", "logger": "fake.cache", "message": "cache warmed"},
                {"level": "error", "message": "cannot reach the licence server"},
                {"level": "critical", "message": "everything is on fire"},
                {"level": "info", "message": "ready"},
            ):
                _stderr(json.dumps(record))
            _stderr("a plain line")
            _stderr('{"level": "verbose", "message": "a level nobody knows"}')
            _stderr('{"message": "no level at all"}')
            _stderr("{not json at all")
        if scenario == "chatty-stderr":
            _chatter(4)
        manifest = dict(MANIFEST)
        if scenario == "malformed-manifest":
            command = dict(manifest["commands"][0])
            command["params"] = [{**command["params"][0], "type": {"type": "complex"}}]
            manifest["commands"] = [command]
        if scenario == "wrong-plugin-name":
            manifest["name"] = "other"
        version = 9 if scenario == "picks-unoffered-version" else 1
        self.result(
            id_,
            {
                "protocol_version": version,
                "manifest": manifest,
                "worker": {"name": "fake-worker", "version": "0", "pid": os.getpid()},
            },
        )
        if scenario == "stops-reading":
            _sleep_forever()
        if scenario == "silent":
            self._mute = True

    # -- calls -------------------------------------------------------------------

    def call(self, id_: Any, params: dict[str, Any]) -> None:
        scenario = self.scenario
        if scenario.startswith("reply-") and params.get("command") == "echo":
            self.misreply(id_)
            return
        if scenario in ("crash-mid-call", "crash-once"):
            mark = os.environ.get(MARK_FILE)
            if scenario == "crash-mid-call" or (mark and not os.path.exists(mark)):
                if mark:
                    with open(mark, "w") as f:
                        f.write("crashed once\n")
                _stderr("fake worker: fatal error in the call, giving up")
                os._exit(7)
        elif scenario == "many-lines-then-crash":
            for n in range(1, TAIL_TEST_LINES + 1):
                sys.stderr.write(f"stderr line {n:02d}\n")
            sys.stderr.flush()
            os._exit(5)
        elif scenario in ("killed-by-sigsegv", "killed-by-sigkill"):
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            _stderr("fake worker: about to die by a signal")
            sig = signal.SIGSEGV if scenario == "killed-by-sigsegv" else signal.SIGKILL
            os.kill(os.getpid(), sig)
            _sleep_forever()
        elif scenario == "os-exit":
            os._exit(0)
        elif scenario == "hang":
            return
        elif scenario == "closes-channel":
            _stderr("fake worker: closing the channel")
            with self._lock, contextlib.suppress(OSError):
                self._out.close()
                os.close(1)
            return
        elif scenario == "crash-leaving-grandchild":
            _start_grandchild(inherit=True)
            _stderr("fake worker: crashing, my child stays")
            os._exit(7)
        elif scenario == "multiline-call-error":
            self.error(id_, -32603, "internal failure\nsecond line of it")
            return
        elif scenario == "truncated-reply":
            _stderr("fake worker: dying in the middle of a reply")
            time.sleep(0.5)
            self.send_bytes(f'{{"jsonrpc":"2.0","id":{id_},"res'.encode())
            os._exit(9)
        elif scenario == "closes-stdin":
            self.send(self.run(id_, params))
            _stderr("fake worker: closing stdin")
            os.close(0)
            _sleep_forever()
        elif scenario == "stops-itself":
            _stderr("fake worker: stopping myself")
            os.kill(os.getpid(), signal.SIGSTOP)
            return
        elif scenario == "out-of-order":
            self._held.append((id_, params))
            if len(self._held) >= HELD_CALLS:
                held, self._held = self._held, []
                for held_id, held_params in reversed(held):
                    self.send(self.run(held_id, held_params))
            return
        with self._lock:
            self._running.add(id_)
        threading.Thread(target=self.work, args=(id_, params), daemon=True).start()

    def misreply(self, id_: Any) -> None:
        if self.scenario == "reply-endless":
            chunk = b"x" * 65536
            while True:
                self.send_bytes(chunk)
        self.send_bytes(bad_reply(self.scenario, id_))

    def work(self, id_: Any, params: dict[str, Any]) -> None:
        response = self.run(id_, params)
        with self._lock:
            self._running.discard(id_)
            if id_ in self._cancelled:
                self._cancelled.discard(id_)
                return
        self.send(response)

    def cancel(self, id_: Any) -> None:
        if self.scenario == "late-response":
            return
        with self._lock:
            if id_ not in self._running or id_ in self._cancelled:
                return
            self._cancelled.add(id_)
        self.error(id_, -32800, "the call was cancelled")

    def run(self, id_: Any, params: dict[str, Any]) -> dict[str, Any]:
        """Run one command of the good plugin; the response."""
        if self.scenario == "chatty-stderr":
            _chatter(1)
        command = params.get("command")
        arguments = params.get("arguments") or {}
        if command == "echo":
            value: Any = arguments["text"]
        elif command == "sleep":
            time.sleep(arguments["seconds"])
            value = f"slept {arguments['seconds']:g} s"
        elif command == "fail":
            message = arguments["message"]
            expected = bool(arguments.get("expected", False))
            return {
                "jsonrpc": "2.0",
                "id": id_,
                "error": {
                    "code": -32000,
                    "message": message,
                    "data": {
                        "type": "CommandError" if expected else "ValueError",
                        "message": message,
                        "expected": expected,
                        "traceback": "Traceback (most recent call last):\nValueError",
                    },
                },
            }
        else:
            return {
                "jsonrpc": "2.0",
                "id": id_,
                "error": {"code": -32602, "message": f"no command {command!r}"},
            }
        return {"jsonrpc": "2.0", "id": id_, "result": value}


def main(argv: list[str]) -> int:
    """Run the scenario named in ``argv``; the exit status."""
    if len(argv) != 2 or argv[1] not in SCENARIOS:
        _stderr(f"usage: fake_worker.py SCENARIO; scenarios: {', '.join(SCENARIOS)}")
        return 2
    scenario = argv[1]
    expected = "0" * 32 if scenario == "bad-cookie" else COOKIE_VALUE
    if os.environ.get(COOKIE_NAME) != expected:
        _stderr(NOT_DIRECTLY)
        return 1
    if scenario == "exit-before-handshake":
        _stderr("fake worker: cannot load libfake.so.1: no such file")
        return 3
    if scenario in ("ignores-shutdown", "silent"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if scenario == "spawns-grandchild":
        _start_grandchild()
    if scenario == "spawns-stubborn-grandchild":
        _start_grandchild(stubborn=True)
    if scenario == "spawns-setsid-grandchild":
        _start_grandchild(stubborn=True, session=True)
    if scenario == "spawns-daemon":
        _start_daemon()
    return FakeWorker(scenario).serve()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
