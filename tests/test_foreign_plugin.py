"""A plugin written in another language: examples/node-wordcount, in JavaScript.

The worker was written from docs/protocol.md alone. These tests start it with
the host's real client (``WorkerProcess`` and ``IsolatedPlugin``), exactly as
a Python worker is started, and then speak the raw protocol to it for what
the client never sends (a version it does not offer, a cancel, bad lines).
"""

from __future__ import annotations

import json
import logging
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import plughost
from plughost import Host, IsolatedPlugin
from plughost._runtime import protocol as _protocol
from plughost._runtime.client import WorkerProcess

NODE = shutil.which("node")
if NODE is None:
    pytest.skip(
        "node is not on PATH: the JavaScript plugin examples/node-wordcount cannot run",
        allow_module_level=True,
    )

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "node-wordcount"
PLUGIN_JS = EXAMPLE / "plugin.js"
NOT_RUN_DIRECTLY = (
    "this is a plughost plugin worker, started by plughost; it is not meant to be run directly"
)
LOGGER = "plughost.plugin.wordcount"


def node_command() -> list[str]:
    assert NODE is not None
    return [NODE, str(PLUGIN_JS)]


@pytest.fixture
def wordcount() -> Iterator[IsolatedPlugin]:
    host = Host(executables={"wordcount": node_command()}, call_timeout=30, remember=False)
    plugin = host.load("wordcount", isolated=True)
    try:
        yield plugin
    finally:
        plugin.close()


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# -- through the host's client ---------------------------------------------------------


def test_the_manifest_arrives_in_the_handshake(wordcount: IsolatedPlugin) -> None:
    manifest = wordcount.manifest
    assert isinstance(manifest, plughost.Manifest)
    assert manifest.name == wordcount.name == "wordcount"
    assert manifest.distribution is None
    assert manifest.version == "1.0.0"
    assert manifest.api_version == "1.0"
    assert manifest.summary == "Count the words in a text."
    assert [c.name for c in manifest.commands] == ["count", "top", "stats"]

    count, top, stats = manifest.commands
    for spec in manifest.commands:
        assert isinstance(spec, plughost.CommandSpec)
        assert spec.help
        text = spec.params[0]
        assert isinstance(text, plughost.ParamSpec)
        assert (text.name, text.type, text.required, text.choices) == (
            "text",
            plughost.TypeSpec("string"),
            True,
            None,
        )
    assert [p.name for p in count.params] == ["text"]
    assert count.returns == plughost.TypeSpec("integer")

    n = top.param("n")
    assert n is not None
    assert (n.type, n.required, n.default, n.choices) == (
        plughost.TypeSpec("integer"),
        False,
        3,
        None,
    )
    assert top.returns == plughost.TypeSpec("array", items=plughost.TypeSpec("string"))

    assert [p.name for p in stats.params] == ["text"]
    assert stats.returns == plughost.TypeSpec("object", values=plughost.TypeSpec("integer"))

    worker = wordcount.worker
    assert worker.protocol_version == 1
    assert worker.worker_info == {"name": "node-wordcount", "version": "1.0.0", "pid": worker.pid}
    assert worker.alive


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("   \n\t ", 0),
        ("one", 1),
        ("Hello, world!", 2),
        ("don't stop: a well-known fact", 5),
        ("  tabs\tand\nnew lines  ", 4),
        ("café naïve 42 日本", 4),
        ("-- ... !!", 0),
    ],
)
def test_count(wordcount: IsolatedPlugin, text: str, words: int) -> None:
    assert wordcount.call("count", text=text) == words


def test_top(wordcount: IsolatedPlugin) -> None:
    text = "b a B c a b The the THE"
    # b and the 3 times each (a tie, alphabetical), a twice, c once.
    assert wordcount.call("top", text=text) == ["b", "the", "a"]
    assert wordcount.call("top", text=text, n=1) == ["b"]
    assert wordcount.call("top", text=text, n=4) == ["b", "the", "a", "c"]
    assert wordcount.call("top", text=text, n=100) == ["b", "the", "a", "c"]
    assert wordcount.call("top", text="zeta Alpha beta ALPHA Zeta", n=3) == [
        "alpha",
        "zeta",
        "beta",
    ]
    assert wordcount.call("top", text="") == []
    assert wordcount.call("top", text="x", n=10**30) == ["x"]


@pytest.mark.parametrize(
    ("text", "stats"),
    [
        ("", {"words": 0, "lines": 0, "characters": 0}),
        ("one two\nthree\n", {"words": 3, "lines": 2, "characters": 14}),
        ("one two\nthree", {"words": 3, "lines": 2, "characters": 13}),
        ("a\r\nb\rc\n\n", {"words": 3, "lines": 4, "characters": 8}),
        ("\n", {"words": 0, "lines": 1, "characters": 1}),
        ("héllo wörld 😀", {"words": 2, "lines": 1, "characters": 13}),
    ],
)
def test_stats(wordcount: IsolatedPlugin, text: str, stats: dict[str, int]) -> None:
    assert wordcount.call("stats", text=text) == stats
    assert stats["characters"] == len(text)


def test_results_keep_every_character(wordcount: IsolatedPlugin) -> None:
    # Non-ASCII goes over the wire as \u escapes, surrogate pairs included.
    text = "Ünïcödé 😀😀 naïve\u2028separator ÜNÏCÖDÉ"
    assert wordcount.call("top", text=text, n=2) == ["ünïcödé", "naïve"]


@pytest.mark.parametrize(
    ("command", "arguments", "complaint"),
    [
        ("count", {}, "the parameter 'text' is required"),
        ("count", {"text": 1}, "the parameter 'text' must be a string"),
        ("count", {"text": None}, "the parameter 'text' must be a string"),
        ("count", {"text": "x", "txt": "y"}, "no parameter 'txt'"),
        ("top", {"text": "x", "n": "2"}, "the parameter 'n' must be an integer"),
        ("top", {"text": "x", "n": 2.5}, "the parameter 'n' must be an integer"),
        ("top", {"text": "x", "n": True}, "the parameter 'n' must be an integer"),
        ("stats", {"text": ["x"]}, "the parameter 'text' must be a string"),
        ("words", {"text": "x"}, "has no command 'words'"),
    ],
)
def test_argument_errors_are_refused_before_anything_is_sent(
    command: str,
    arguments: dict[str, Any],
    complaint: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # In debug mode the worker logs every request it reads: a refused call
    # must leave no trace there.
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    factory = lambda: WorkerProcess("wordcount", node_command(), debug=True)  # noqa: E731
    with IsolatedPlugin(factory) as plugin:
        with pytest.raises(plughost.ArgumentError, match=re.escape(complaint)) as info:
            plugin.call(command, **arguments)
        assert info.value.plugin == "wordcount"
        assert plugin.call("count", text="after the refusal") == 3

        def received() -> list[str]:
            return [
                r.getMessage()
                for r in caplog.records
                if r.name == LOGGER and r.getMessage().startswith("received")
            ]

        wait_for(lambda: "received call (id 2)" in received())
        # id 1 was initialize: the only call the worker read is the good one.
        assert [m for m in received() if m.startswith("received call")] == ["received call (id 2)"]
        log_levels = {r.levelno for r in caplog.records if r.name == LOGGER}
        assert log_levels == {logging.DEBUG}


def test_the_worker_checks_arguments_too(wordcount: IsolatedPlugin) -> None:
    # Past the host's own check, straight to the worker: -32602 each time.
    worker = wordcount.worker
    calls: list[tuple[str, dict[str, Any]]] = [
        ("top", {"text": "x", "n": "2"}),
        ("top", {"text": "x", "n": 1.5}),
        ("count", {}),
        ("count", {"text": "x", "extra": 1}),
        ("nope", {"text": "x"}),
    ]
    for command, arguments in calls:
        with pytest.raises(plughost.ArgumentError):
            worker.call(command, arguments, 10.0)
    assert worker.call("top", {"text": "a b a"}, 10.0) == ["a", "b"]
    assert worker.alive


@pytest.mark.parametrize("n", [0, -1, -(10**20)])
def test_a_failure_on_purpose_is_expected(wordcount: IsolatedPlugin, n: int) -> None:
    with pytest.raises(plughost.CommandFailed) as info:
        wordcount.call("top", text="a b c", n=n)
    failure = info.value
    assert failure.plugin == "wordcount"
    assert failure.command == "top"
    assert failure.error_type == "CommandError"
    assert failure.expected is True
    assert failure.error_message == f"n must be at least 1, got {n}"
    assert str(failure) == f"wordcount top: n must be at least 1, got {n}"
    assert failure.details is not None and "CommandError" in failure.details
    # A failure is an answer, not a crash.
    assert wordcount.worker.alive
    assert wordcount.call("count", text="still here") == 2
    assert wordcount.restarts == 0


def test_several_threads_call_at_once(wordcount: IsolatedPlugin) -> None:
    def job(i: int) -> None:
        words = [f"w{i}"] * (i % 5 + 1) + ["shared"] * 7
        text = " ".join(words)
        assert wordcount.call("count", text=text) == len(words)
        assert wordcount.call("top", text=text, n=2) == ["shared", f"w{i}"]
        assert wordcount.call("stats", text=text + "\n") == {
            "words": len(words),
            "lines": 1,
            "characters": len(text) + 1,
        }
        wordcount.worker.ping()
        with pytest.raises(plughost.CommandFailed):
            wordcount.call("top", text=text, n=0)

    with ThreadPoolExecutor(max_workers=16) as pool:
        for future in [pool.submit(job, i) for i in range(200)]:
            future.result()
    assert wordcount.worker.alive
    assert wordcount.restarts == 0


def test_a_cancelled_call_leaves_the_worker_usable(wordcount: IsolatedPlugin) -> None:
    # A timeout of 0 gives up at once: the host sends cancel and ignores the
    # late answer. Whichever the worker sends (the result, or -32800), it must
    # send exactly one, or the host would see a response to nothing. On a busy
    # machine the answer can be in before the wait even starts; then it is
    # the call's result, as it would be for any timeout.
    timed_out = 0
    for i in range(20):
        try:
            answer = wordcount.call_with_timeout("count", {"text": "a b c"}, 0)
        except plughost.CallTimeout:
            timed_out += 1
        else:
            assert answer == 3
        assert wordcount.call("count", text="a " * i) == i
    assert timed_out >= 10
    assert wordcount.worker.alive
    assert wordcount.restarts == 0


def test_close_ends_the_worker_process(wordcount: IsolatedPlugin) -> None:
    worker = wordcount.worker
    pid = worker.pid
    assert pid is not None
    os.kill(pid, 0)  # running
    wordcount.close()
    # It answered shutdown and exited by itself with status 0, before the
    # grace period ran out (SIGTERM or SIGKILL would give -15 or -9).
    assert worker.process is not None and worker.process.returncode == 0
    assert not worker.alive
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(plughost.PluginUnavailable, match="was closed"):
        wordcount.call("count", text="x")
    wordcount.close()  # idempotent


def test_the_host_reports_a_version_mismatch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_protocol, "PROTOCOL_VERSIONS", (2, 3))
    with pytest.raises(plughost.WorkerStartError, match=r"speaks protocol version\(s\) \[1\]"):
        IsolatedPlugin(lambda: WorkerProcess("wordcount", node_command()))


def test_a_worker_for_another_plugin_name_is_refused() -> None:
    with pytest.raises(plughost.PluginUnavailable, match="only runs the plugin 'wordcount'") as e:
        IsolatedPlugin(lambda: WorkerProcess("wordcounter", node_command()))
    assert e.value.state == "invalid"


def test_plugin_output_on_stdout_goes_to_stderr(caplog: pytest.LogCaptureFixture) -> None:
    # Code that runs after the worker has protected its channel writes to
    # stdout in every way Node allows; the channel must stay clean (or the
    # handshake would fail) and the text must reach the plugin's logger.
    assert NODE is not None
    script = (
        "require(process.argv[1]);"
        "console.log('console.log noise');"
        "process.stdout.write('process.stdout noise\\n');"
        "require('fs').writeSync(1, 'fd 1 noise\\n');"
        "require('child_process').execSync('echo child noise', {stdio: 'inherit'});"
    )
    caplog.set_level(logging.INFO, logger=LOGGER)
    factory = lambda: WorkerProcess("wordcount", [NODE, "-e", script, str(PLUGIN_JS)])  # noqa: E731
    with IsolatedPlugin(factory) as plugin:
        assert plugin.call("count", text="clean channel") == 2
        noise = ["console.log noise", "process.stdout noise", "fd 1 noise", "child noise"]

        def logged() -> list[str]:
            return [r.getMessage() for r in caplog.records if r.name == LOGGER]

        wait_for(lambda: all(line in logged() for line in noise))


def test_running_it_by_hand_refuses() -> None:
    env = {k: v for k, v in os.environ.items() if k != _protocol.COOKIE_NAME}
    result = subprocess.run(
        node_command(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr == NOT_RUN_DIRECTLY + "\n"
    assert result.stdout == ""

    # A wrong cookie is no better than none.
    env[_protocol.COOKIE_NAME] = "0" * 32
    result = subprocess.run(
        node_command(), input="", capture_output=True, text=True, env=env, timeout=30
    )
    assert (result.returncode, result.stderr, result.stdout) == (1, NOT_RUN_DIRECTLY + "\n", "")


def test_the_readme_example_runs() -> None:
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"^```python\n(.*?)^```", readme, re.MULTILINE | re.DOTALL)
    expected = [line.partition("# ")[2] for line in code.splitlines() if "print(" in line]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected


# -- over the raw protocol ----------------------------------------------------------------


class RawWorker:
    """The worker on a pair of pipes, with no client in between."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            node_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, _protocol.COOKIE_NAME: _protocol.COOKIE_VALUE, **(env or {})},
            start_new_session=True,
        )
        self._buffer = b""

    def send(self, *lines: bytes | dict[str, Any]) -> None:
        """Write all the lines at once, in one write."""
        assert self.proc.stdin is not None
        data = b"".join(
            line if isinstance(line, bytes) else json.dumps(line).encode() + b"\n" for line in lines
        )
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def receive(self, timeout: float = 10.0) -> dict[str, Any]:
        """The next response, decoded as strictly as the host decodes it."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            assert remaining > 0, "no response"
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 65536)
                assert chunk, "the worker closed its stdout"
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        assert line.isascii() and b"\r" not in line
        return _protocol.decode(line)

    def initialize(self, versions: list[int] | None = None, id_: int = 0) -> dict[str, Any]:
        self.send(
            _protocol.request(
                id_,
                "initialize",
                {
                    "protocol_versions": versions or [1],
                    "plugin": {"name": "wordcount"},
                    "settings": {},
                    "debug": False,
                    "host": {"name": "plughost", "version": plughost.__version__},
                },
            )
        )
        return self.receive()

    def call(self, id_: int, command: str, **arguments: Any) -> dict[str, Any]:
        return _protocol.request(id_, "call", {"command": command, "arguments": arguments})

    def wait(self, timeout: float = 10.0) -> int:
        return self.proc.wait(timeout)

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def raw() -> Iterator[RawWorker]:
    worker = RawWorker()
    try:
        yield worker
    finally:
        worker.close()


def error_of(response: dict[str, Any]) -> tuple[Any, int]:
    assert "result" not in response, response
    return response["id"], response["error"]["code"]


def test_raw_no_common_version(raw: RawWorker) -> None:
    response = raw.initialize([2, 3])
    assert error_of(response) == (0, -32001)
    assert response["error"]["data"] == {"supported": [1], "offered": [2, 3]}
    # Still there, and a version it speaks is accepted afterwards.
    response = raw.initialize([1, 2], id_=1)
    assert response["id"] == 1 and response["result"]["protocol_version"] == 1
    plughost.Manifest.from_dict(response["result"]["manifest"])
    assert error_of(raw.initialize([1], id_=2)) == (2, -32600)


def test_raw_requests_before_initialize(raw: RawWorker) -> None:
    raw.send(_protocol.request(1, "ping"))
    assert raw.receive() == {"jsonrpc": "2.0", "id": 1, "result": {}}
    raw.send(raw.call(2, "count", text="x"))
    assert error_of(raw.receive()) == (2, -32600)


def test_raw_methods_and_malformed_lines(raw: RawWorker) -> None:
    raw.initialize()
    raw.send(_protocol.request(1, "frobnicate"))
    assert error_of(raw.receive()) == (1, -32601)
    raw.send(_protocol.notification("frobnicate", {"x": 1}))  # ignored: no answer
    for line in [
        b'{"jsonrpc": "2.0", "id": 2, "id": 3, "method": "ping"}\n',  # duplicate key
        b'{"jsonrpc": "2.0", "id": 2, "method": "ping", "params": {"x": NaN}}\n',
        b'{"jsonrpc": "2.0", "id": 2, "method": "ping", "params": {"x": 1e999}}\n',
        b'{"jsonrpc": "2.0", "id": 2, "method": "ping", "params": {"x": "\xff"}}\n',
        b'{"jsonrpc": "2.0", "id": 2, "method": "ping", "params": {"x": ' + b"9" * 4301 + b"}}\n",
        b'{"jsonrpc": "2.0", "id": 2, "method": "ping", "params": {"x": '
        + b"[" * 64
        + b"]" * 64
        + b"}}\n",
        b"not json\n",
    ]:
        raw.send(line)
        assert error_of(raw.receive()) == (None, -32700), line[:60]
    # The limits themselves are fine: 4300 digits, 64 levels in all.
    deep = b'{"jsonrpc":"2.0","id":4,"method":"ping","params":{"x":' + b"[" * 62 + b"]" * 62
    raw.send(deep + b"}}\n")
    assert raw.receive() == {"jsonrpc": "2.0", "id": 4, "result": {}}
    raw.send(b'{"jsonrpc":"2.0","id":5,"method":"ping","params":{"x":' + b"9" * 4300 + b"}}\n")
    assert raw.receive()["id"] == 5
    raw.send(b'{"jsonrpc": "2.0", "id": "6", "method": "ping"}\n', b"[1, 2]\n")
    assert error_of(raw.receive()) == (None, -32600)
    assert error_of(raw.receive()) == (None, -32600)
    # A large id comes back exactly.
    raw.send(_protocol.request(2**70, "ping"))
    assert raw.receive() == {"jsonrpc": "2.0", "id": 2**70, "result": {}}


def test_raw_line_limit() -> None:
    worker = RawWorker({"PLUGHOST_MAX_MESSAGE": "400"})
    try:
        # The request fits, the answer with the manifest does not: it is
        # replaced by an error that does.
        assert error_of(worker.initialize()) == (0, -32603)
        # A request that does not fit is refused, and the next one is read.
        worker.send(_protocol.request(1, "ping", {"padding": "x" * 400}))
        assert error_of(worker.receive()) == (None, -32700)
        worker.send(_protocol.request(2, "ping", {"padding": "x" * 300}))
        assert worker.receive() == {"jsonrpc": "2.0", "id": 2, "result": {}}
    finally:
        worker.close()


def test_raw_command_failures_and_bad_arguments(raw: RawWorker) -> None:
    raw.initialize()
    raw.send(raw.call(1, "top", text="x", n=0))
    response = raw.receive()
    assert error_of(response) == (1, -32000)
    data = response["error"]["data"]
    assert (data["type"], data["message"], data["expected"]) == (
        "CommandError",
        "n must be at least 1, got 0",
        True,
    )
    assert isinstance(data["traceback"], str)
    raw.send(
        raw.call(2, "top", text="x", n="3"),
        _protocol.request(3, "call", {"command": "count"}),
        _protocol.request(4, "call", {"command": "count", "arguments": {"text": "x", "y": 1}}),
        _protocol.request(5, "call", {"command": "count", "arguments": ["x"]}),
    )
    assert sorted(error_of(raw.receive()) for _ in range(4)) == [
        (2, -32602),
        (3, -32602),
        (4, -32602),
        (5, -32602),
    ]


def test_raw_cancel(raw: RawWorker) -> None:
    raw.initialize()
    # The call and its cancel arrive together: the worker answers -32800 at
    # once and never runs it; the ping after shows nothing else came.
    raw.send(raw.call(1, "count", text="a b"), _protocol.notification("cancel", {"id": 1}))
    assert error_of(raw.receive()) == (1, -32800)
    raw.send(_protocol.request(2, "ping"))
    assert raw.receive() == {"jsonrpc": "2.0", "id": 2, "result": {}}
    # Cancelling what was already answered, or was never sent, does nothing.
    raw.send(raw.call(3, "count", text="a b"))
    assert raw.receive() == {"jsonrpc": "2.0", "id": 3, "result": 2}
    raw.send(
        _protocol.notification("cancel", {"id": 3}),
        _protocol.notification("cancel", {"id": 99}),
        _protocol.request(4, "ping"),
    )
    assert raw.receive() == {"jsonrpc": "2.0", "id": 4, "result": {}}


def test_raw_shutdown(raw: RawWorker) -> None:
    raw.initialize()
    raw.send(_protocol.request(7, "shutdown"))
    assert raw.receive() == {"jsonrpc": "2.0", "id": 7, "result": None}
    assert raw.wait() == 0


def test_raw_exits_when_its_input_ends(raw: RawWorker) -> None:
    raw.initialize()
    assert raw.proc.stdin is not None
    raw.proc.stdin.close()
    assert raw.wait() == 0


def test_raw_ignores_sigint(raw: RawWorker) -> None:
    raw.initialize()
    raw.proc.send_signal(signal.SIGINT)
    time.sleep(0.2)
    raw.send(_protocol.request(1, "ping"))
    assert raw.receive() == {"jsonrpc": "2.0", "id": 1, "result": {}}
    assert raw.proc.poll() is None


def test_raw_stdin_and_stdout_are_protected(raw: RawWorker) -> None:
    raw.initialize()
    fds = Path(f"/proc/{raw.proc.pid}/fd")
    if not fds.is_dir():
        pytest.skip("no /proc to look at the worker's descriptors")
    assert raw.proc.stdin is not None and raw.proc.stdout is not None
    assert raw.proc.stderr is not None
    to_worker, from_worker, errors = (
        f"pipe:[{os.fstat(stream.fileno()).st_ino}]"
        for stream in (raw.proc.stdin, raw.proc.stdout, raw.proc.stderr)
    )
    links = {int(fd.name): os.readlink(fd) for fd in fds.iterdir() if fd.name.isdigit()}
    assert links[0] == "/dev/null"
    assert links[1] == links[2] == errors
    # The channel is on private descriptors.
    private = {fd: link for fd, link in links.items() if fd > 2}
    assert to_worker in private.values()
    assert from_worker in private.values()


def test_raw_concurrent_requests_are_matched_by_id(raw: RawWorker) -> None:
    raw.initialize()
    results: dict[int, Any] = {}
    raw.send(*(raw.call(i, "count", text="w " * i) for i in range(1, 301)))
    for _ in range(300):
        response = raw.receive()
        results[response["id"]] = response["result"]
    assert results == {i: i for i in range(1, 301)}


def test_the_readme_example_runs_as_shown() -> None:
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", readme, re.MULTILINE | re.DOTALL)
    assert blocks
    for block in blocks:
        result = subprocess.run(
            [sys.executable, "-c", block], capture_output=True, text=True, cwd=ROOT, timeout=60
        )
        assert result.returncode == 0, result.stderr
        shown = [line.split("# ", 1)[1] for line in block.splitlines() if "print(" in line]
        assert result.stdout.splitlines() == shown
