"""The host side of protocol v1: a worker process and its channel.

A :class:`WorkerProcess` starts the child in a process group of its own,
does the handshake, and then matches responses to requests by id, so that
several threads can have calls in flight on one worker. A reader thread
decodes the worker's stdout, another drains its stderr (forwarding it to the
logger ``plughost.plugin.NAME`` and keeping a bounded tail for error
messages). Whatever the worker does (exit, hang, write garbage, ignore
SIGTERM) the calls fail promptly with one line and the host stays up.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import IO, Any

from . import _protocol as p
from ._config import DEFAULT_CALL_TIMEOUT, DEFAULT_START_TIMEOUT
from ._errors import (
    ArgumentError,
    CallTimeout,
    CommandFailed,
    PluginUnavailable,
    ProtocolError,
    WorkerCrashed,
    WorkerError,
    WorkerStartError,
)
from ._manifest import Manifest

__all__ = [
    "DEFAULT_CALL_TIMEOUT",
    "DEFAULT_START_TIMEOUT",
    "SHUTDOWN_GRACE",
    "WorkerProcess",
    "python_worker_command",
]

log = logging.getLogger(__name__)

#: Seconds each step of a shutdown waits before the next, harder one.
SHUTDOWN_GRACE = 2.0
_TAIL_LINES = 20
_ABANDONED_KEPT = 1024
_TAIL_WIDTH = 500
_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}


def python_worker_command(python: str | None = None) -> list[str]:
    """The command that runs the Python worker under ``python`` (default: this one)."""
    return [python or sys.executable, "-m", "plughost.worker"]


class _Pending:
    __slots__ = ("done", "error", "response")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.response: dict[str, Any] | None = None
        self.error: WorkerError | None = None


def _describe_status(status: int | None) -> str:
    if status is None:
        return "is still running"
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = f"signal {-status}"
        return f"was killed by {name}"
    return f"exited with status {status}"


class WorkerProcess:
    """One worker: start, handshake, concurrent requests, shutdown.

    ``command`` is the child's argv (the Python worker, or a plugin's own
    executable). ``plugin`` is what the host sends in ``initialize``: at least
    the plugin's ``name``, and for the Python worker its ``entry_point``,
    ``distribution`` and ``version``.
    """

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        plugin: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        start_timeout: float = DEFAULT_START_TIMEOUT,
        max_message: int = p.DEFAULT_MAX_LINE,
        debug: bool = False,
    ) -> None:
        self.name = name
        self.command = list(command)
        self._plugin = dict(plugin or {"name": name})
        self._settings = dict(settings or {})
        self._env = dict(os.environ if env is None else env)
        self._start_timeout = start_timeout
        self._max_message = max_message
        self._debug = debug
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._abandoned: set[int] = set()
        self._failure: WorkerError | None = None
        self._closed = False
        self._tail: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
        self._threads: list[threading.Thread] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._stdin_fd = -1
        self._logger = logging.getLogger(f"plughost.plugin.{name}")
        self.manifest: Manifest | None = None
        self.protocol_version: int | None = None
        self.worker_info: dict[str, Any] = {}

    # -- start -------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The worker's process id (also its process group id)."""
        return self._proc.pid if self._proc else None

    @property
    def alive(self) -> bool:
        """Whether the worker is running and usable."""
        return (
            self._proc is not None
            and self._failure is None
            and not self._closed
            and self._proc.poll() is None
        )

    def start(self) -> Manifest:
        """Start the worker and do the handshake; return the plugin's manifest."""
        env = {**self._env, p.COOKIE_NAME: p.COOKIE_VALUE}
        env["PLUGHOST_MAX_MESSAGE"] = str(self._max_message)
        env.setdefault("PYTHONUNBUFFERED", "1")
        try:
            self._proc = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            raise WorkerStartError(
                f"cannot start the worker of plugin {self.name!r} ({' '.join(self.command)}):"
                f" {exc.strerror or exc}; check that the program exists and is executable",
                plugin=self.name,
            ) from None
        assert self._proc.stdout is not None and self._proc.stderr is not None
        assert self._proc.stdin is not None
        # Writes never block for longer than the request's timeout: a worker
        # that stops reading must not hang the host.
        self._stdin_fd = self._proc.stdin.fileno()
        os.set_blocking(self._stdin_fd, False)
        for target, stream, label in (
            (self._read_stdout, self._proc.stdout, "out"),
            (self._read_stderr, self._proc.stderr, "err"),
            (self._watch, None, "wait"),
        ):
            t = threading.Thread(
                target=target, args=(stream,), name=f"plughost-{self.name}-{label}", daemon=True
            )
            t.start()
            self._threads.append(t)
        try:
            result = self._handshake()
        except BaseException:
            self.close()
            raise
        return result

    def _handshake(self) -> Manifest:
        params = {
            "protocol_versions": list(p.PROTOCOL_VERSIONS),
            "plugin": self._plugin,
            "settings": self._settings,
            "debug": self._debug,
            "host": {"name": "plughost", "version": _host_version()},
        }
        try:
            response = self._request("initialize", params, self._start_timeout, starting=True)
        except CallTimeout:
            raise self._error(
                WorkerStartError,
                f"did not complete the handshake within {self._start_timeout:g} s",
            ) from None
        except (WorkerCrashed, ProtocolError) as exc:
            raise WorkerStartError(
                exc.message,
                plugin=self.name,
                exit_status=exc.exit_status,
                stderr_tail=exc.stderr_tail,
            ) from None
        if "error" in response:
            err = response["error"]
            data = err.get("data") if isinstance(err.get("data"), dict) else {}
            if err.get("code") == p.UNSUPPORTED_VERSION:
                theirs = data.get("supported", "?")
                raise self._error(
                    WorkerStartError,
                    f"speaks protocol version(s) {theirs}, this plughost speaks"
                    f" {list(p.PROTOCOL_VERSIONS)}; install releases of plughost and of the"
                    " plugin that share a protocol version",
                )
            if err.get("code") == p.PLUGIN_UNAVAILABLE:
                state = data.get("state")
                state = state if isinstance(state, str) else "broken"
                message = err.get("message")
                reason = message if isinstance(message, str) and message else data.get("reason")
                text = " ".join(str(reason).split())
                if repr(self.name) not in text:
                    text = f"plugin {self.name!r}: {text}"
                raise PluginUnavailable(text, plugin=self.name, state=state)
            raise self._error(WorkerStartError, f"refused to initialize: {err.get('message')}")
        result = response.get("result")
        if not isinstance(result, dict):
            raise self._error(WorkerStartError, "answered initialize without a result object")
        version = result.get("protocol_version")
        if type(version) is not int or version not in p.PROTOCOL_VERSIONS:
            raise self._error(
                WorkerStartError,
                f"chose protocol version {version!r}, which this plughost did not offer"
                f" (it speaks {list(p.PROTOCOL_VERSIONS)}); install releases of plughost"
                " and of the plugin that share a protocol version",
            )
        try:
            manifest = Manifest.from_dict(result.get("manifest"))
        except Exception as exc:
            raise self._error(WorkerStartError, f"sent a malformed manifest: {exc}") from None
        if manifest.name != self._plugin.get("name", self.name):
            raise self._error(
                WorkerStartError,
                f"describes a plugin named {manifest.name!r} instead of {self.name!r};"
                " a worker must serve the plugin it was started for",
            )
        self.protocol_version = version
        self.manifest = manifest
        worker = result.get("worker")
        self.worker_info = worker if isinstance(worker, dict) else {}
        return manifest

    # -- requests ----------------------------------------------------------------

    def call(self, command: str, arguments: Mapping[str, Any], timeout: float | None) -> Any:
        """Call ``command`` in the worker; the result, or the plugin's error raised."""
        response = self._request(
            "call", {"command": command, "arguments": dict(arguments)}, timeout
        )
        if "result" in response:
            return response["result"]
        err = response["error"]
        code, message = err.get("code"), str(err.get("message", ""))
        data = err.get("data") if isinstance(err.get("data"), dict) else {}
        distribution = self.manifest.distribution if self.manifest else None
        if code == p.COMMAND_FAILED:
            raise CommandFailed(
                plugin=self.name,
                distribution=distribution,
                command=command,
                error_type=str(data.get("type") or "Exception"),
                error_message=str(data.get("message") or message),
                details=data.get("traceback") if isinstance(data.get("traceback"), str) else None,
                expected=bool(data.get("expected", False)),
            )
        if code == p.INVALID_PARAMS:
            raise ArgumentError(
                message, plugin=self.name, distribution=distribution, command=command
            )
        if code == p.CANCELLED:
            raise CallTimeout(
                f"plugin {self.name!r}: the call to {command!r} was cancelled",
                plugin=self.name,
            )
        raise self._error(ProtocolError, f"answered a call with error {code}: {message}")

    def ping(self, timeout: float = 5.0) -> None:
        """Check that the worker answers."""
        self._request("ping", None, timeout)

    def _request(
        self,
        method: str,
        params: dict[str, Any] | None,
        timeout: float | None,
        *,
        starting: bool = False,
    ) -> dict[str, Any]:
        pending = _Pending()
        with self._lock:
            if self._failure is not None:
                raise self._failure
            if self._closed:
                raise WorkerCrashed(
                    f"plugin {self.name!r}: the worker was shut down", plugin=self.name
                )
            id_ = next(self._ids)
            self._pending[id_] = pending
        try:
            self._send(p.request(id_, method, params), timeout)
            if not pending.done.wait(timeout):
                with self._lock:
                    answered = self._pending.pop(id_, None) is None
                    if not answered:
                        self._forget(id_)
                if answered:
                    # The response arrived just as the wait ran out.
                    pending.done.wait()
                    return self._outcome(pending)
                if not starting:
                    self._notify("cancel", {"id": id_})
                raise CallTimeout(
                    f"plugin {self.name!r}: {method} did not finish within {timeout:g} s"
                    " and was cancelled; raise the timeout (--timeout) or fix the plugin",
                    plugin=self.name,
                )
        except BaseException:
            # KeyboardInterrupt too: forget the request and tell the worker.
            with self._lock:
                if self._pending.pop(id_, None) is not None:
                    self._forget(id_)
                    if not starting and self._failure is None:
                        self._notify("cancel", {"id": id_}, quiet=True)
            raise
        return self._outcome(pending)

    @staticmethod
    def _outcome(pending: _Pending) -> dict[str, Any]:
        if pending.error is not None:
            raise pending.error
        assert pending.response is not None
        return pending.response

    def _forget(self, id_: int) -> None:
        """Remember an abandoned request, so its late answer is not an error.

        A worker may never answer a cancelled call; only the most recent
        abandoned ids are kept, so the set cannot grow without bound.
        """
        self._abandoned.add(id_)
        if len(self._abandoned) > _ABANDONED_KEPT:
            self._abandoned.discard(min(self._abandoned))

    def _send(self, message: dict[str, Any], timeout: float | None) -> None:
        data = memoryview(p.encode(message))
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self._write_lock.acquire(timeout=-1 if timeout is None else timeout):
            raise self._error(CallTimeout, f"did not take a request within {timeout:g} s")
        try:
            while data:
                try:
                    data = data[os.write(self._stdin_fd, data) :]
                except BlockingIOError:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        # Half a request is on the channel: it cannot be used again.
                        failure = self._error(
                            CallTimeout,
                            f"stopped reading requests, so the call did not finish within"
                            f" {timeout:g} s",
                        )
                        self._fail(failure)
                        raise failure from None
                    select.select([], [self._stdin_fd], [], remaining)
        except (BrokenPipeError, OSError, ValueError):
            # The worker is gone; the reader thread reports how it ended.
            self._wait_for_failure()
        finally:
            self._write_lock.release()

    def _notify(self, method: str, params: dict[str, Any], *, quiet: bool = False) -> None:
        try:
            self._send(p.notification(method, params), SHUTDOWN_GRACE)
        except WorkerError:
            if not quiet:
                raise

    def _wait_for_failure(self) -> None:
        for t in self._threads[:1]:
            t.join(SHUTDOWN_GRACE * 2)
        failure = self._failure or self._error(WorkerCrashed, "closed its channel")
        raise failure

    # -- the reader threads ------------------------------------------------------------

    def _read_stdout(self, stream: IO[bytes]) -> None:
        reader = p.LineReader(stream, self._max_message)
        first = True
        try:
            while True:
                line = reader.read()
                if line is None:
                    break
                try:
                    message = p.decode(line)
                    self._deliver(message)
                except p.ProtocolViolation as exc:
                    shown = f"; it wrote {line[:60]!r}" if first else ""
                    self._fail(self._error(ProtocolError, f"broke the protocol: {exc}{shown}"))
                    return
                first = False
        except p.ProtocolViolation as exc:
            proc = self._proc
            assert proc is not None
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(0.5)
            if proc.poll() is not None and not self._closed:
                # It died while writing: that is the news, not the half line.
                what = f"{_describe_status(proc.poll())} in the middle of a message"
                self._fail(self._error(WorkerCrashed, what))
            else:
                self._fail(self._error(ProtocolError, f"broke the protocol: {exc}"))
            return
        except (OSError, ValueError):
            pass
        self._on_exit()

    def _watch(self, _: object) -> None:
        """Notice the worker's exit even while a grandchild holds its stdout open."""
        proc = self._proc
        assert proc is not None
        proc.wait()
        self._threads[0].join(0.5)
        if self._threads[0].is_alive() and not self._closed:
            self._fail(self._error(WorkerCrashed, _describe_status(proc.poll())))

    def _deliver(self, message: dict[str, Any]) -> None:
        if "method" in message:
            # Notifications from the worker are not part of v1; ignored for
            # forward compatibility.
            return
        id_ = message.get("id")
        has_result, has_error = "result" in message, "error" in message
        if has_result == has_error:
            raise p.ProtocolViolation("a response needs exactly one of result and error")
        if has_error and not (
            isinstance(message["error"], dict) and isinstance(message["error"].get("code"), int)
        ):
            raise p.ProtocolViolation("an error response needs an error object with a code")
        if type(id_) is not int:
            if has_error and id_ is None:
                err = message["error"]
                raise p.ProtocolViolation(
                    f"the worker could not read a request: {err.get('message')}"
                )
            raise p.ProtocolViolation(f"a response has no valid id ({id_!r})")
        with self._lock:
            pending = self._pending.pop(id_, None)
            if pending is None:
                if id_ in self._abandoned:
                    self._abandoned.discard(id_)
                    return
                raise p.ProtocolViolation(f"a response to request {id_}, which was never sent")
        pending.response = message
        pending.done.set()

    def _read_stderr(self, stream: IO[bytes]) -> None:
        try:
            while True:
                raw = stream.readline(64 * 1024)
                if not raw:
                    return
                text = raw.decode("utf-8", "replace").rstrip("\r\n")
                self._tail.append(text[:_TAIL_WIDTH])
                self._forward(text)
        except (OSError, ValueError):
            return

    def _forward(self, text: str) -> None:
        if text.startswith("{"):
            try:
                record = json.loads(text)
            except (ValueError, RecursionError):
                record = None
            if (
                isinstance(record, dict)
                and isinstance(record.get("message"), str)
                and str(record.get("level")).lower() in _LEVELS
            ):
                level = _LEVELS[str(record["level"]).lower()]
                self._logger.log(level, "%s", record["message"])
                return
        self._logger.info("%s", text, extra={"plughost_raw": True})

    # -- failure -------------------------------------------------------------------------

    def _error(self, kind: type[WorkerError], what: str) -> WorkerError:
        status = self._proc.poll() if self._proc else None
        tail = [" ".join(line.split()) for line in self._tail if line.strip()][-5:]
        text = f"plugin {self.name!r}: its worker {' '.join(what.split())}"
        if tail:
            text += "; last lines of its stderr: " + " | ".join(tail)
        return kind(text, plugin=self.name, exit_status=status, stderr_tail=tuple(self._tail))

    def _fail(self, failure: WorkerError) -> None:
        with self._lock:
            if self._failure is None:
                self._failure = failure
            pending = list(self._pending.values())
            self._pending.clear()
        self._kill()
        for item in pending:
            item.error = self._failure
            item.done.set()

    def _on_exit(self) -> None:
        """The worker's stdout closed: it exited, or is about to."""
        proc = self._proc
        assert proc is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(SHUTDOWN_GRACE)
        # Give the stderr thread a moment to collect the last words.
        if len(self._threads) > 1:
            self._threads[1].join(0.5)
        if self._closed:
            what = "was shut down"
        else:
            what = f"{_describe_status(proc.poll())}"
            if proc.poll() is None:
                what = "closed its channel"
        self._fail(self._error(WorkerCrashed, what))

    # -- shutdown --------------------------------------------------------------------

    def close(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Shut the worker down; idempotent.

        Ask politely (``shutdown``), close its channel, wait; then SIGTERM to
        its process group, wait; then SIGKILL. Afterwards the group is
        signalled again, so grandchildren the worker left behind go too.
        """
        with self._lock:
            if self._closed:
                return
            # Only a worker that completed the handshake is asked politely.
            usable = self._failure is None and self.manifest is not None
        proc = self._proc
        if proc is None:
            self._closed = True
            return
        if usable and proc.poll() is None:
            with contextlib.suppress(WorkerError):
                self._request("shutdown", None, grace)
        self._closed = True
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                proc.wait()
        self._clean_group(grace)
        for t in self._threads:
            t.join(grace)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def _kill(self) -> None:
        """Kill the worker and its group now (after a protocol violation)."""
        if self._proc is not None and self._proc.poll() is None:
            self._signal_group(signal.SIGKILL)

    def _signal_group(self, sig: int) -> bool:
        if self._proc is None:
            return False
        try:
            os.killpg(self._proc.pid, sig)
            return True
        except (ProcessLookupError, PermissionError):
            return False

    def _clean_group(self, grace: float) -> None:
        """Stop what is left of the worker's process group (its grandchildren)."""
        if not self._signal_group(signal.SIGTERM):
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not self._signal_group(0):
                return
            time.sleep(0.02)
        self._signal_group(signal.SIGKILL)


def _host_version() -> str:
    from . import __version__ as version

    return str(version)
