"""The host side of protocol v1: a worker process and its channel.

A :class:`WorkerProcess` starts the child in a session of its own, does the
handshake, and then matches responses to requests by id, so that several
threads can have calls in flight on one worker. A reader thread decodes the
worker's stdout, another drains its stderr (``_stderr``), a third notices
its exit. Whatever the worker does (exit, hang, hold the GIL, stop itself,
close its stdin, write garbage, ignore SIGTERM) a call, a start and a
shutdown each end within about a second of their limit, with one line that
says what happened, and the host stays up. Everything the worker started
is tracked through /proc (``_proctree``) and ends with it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import IO, Any, NoReturn

from .._contract.manifest import Manifest
from .._errors import CallTimeout, ProtocolError, WorkerCrashed, WorkerError, WorkerStartError
from .._policy.config import DEFAULT_CALL_TIMEOUT, DEFAULT_START_TIMEOUT
from . import protocol as p
from .answers import accept_initialize, call_result, initialize_params
from .inflight import InFlight
from .lifetime import describe_status, shut_down, spawn
from .proctree import ProcessTree
from .stderr import StderrDrain
from .writer import ChannelGone, RequestWriter, WriteTimeout

__all__ = [
    "DEFAULT_CALL_TIMEOUT",
    "DEFAULT_START_TIMEOUT",
    "HURRIED_GRACE",
    "SHUTDOWN_GRACE",
    "WorkerProcess",
    "python_worker_command",
]

log = logging.getLogger(__name__)

#: Seconds a shutdown may take in all: polite for the first half, SIGTERM for
#: the second, then SIGKILL for the whole tree.
SHUTDOWN_GRACE = 2.0
#: The shutdown budget of a worker that just timed out, failed to start or
#: was interrupted: it is not asked politely for long.
HURRIED_GRACE = 0.5
#: Seconds a worker has to answer a ping after a call timed out; one that
#: cannot (it holds the GIL, or is stopped) is killed at once.
PROBE_TIMEOUT = 0.25
# A cancel is a courtesy: it may not hold up the timeout it follows.
_CANCEL_DEADLINE = 0.25
# How long to wait for an exit status once the channel is gone, so that the
# message can say how the worker ended.
_EXIT_NEWS = 0.3


def python_worker_command(python: str | None = None) -> list[str]:
    """The command that runs the Python worker under ``python`` (default: this one).

    ``-P``: the current directory is not put on ``sys.path``, so a ``json.py``
    or a plugin-named module where plughost is run from is never imported.
    """
    return [python or sys.executable, "-P", "-m", "plughost.worker"]


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
        self._inflight = InFlight()
        self._closing = False
        self._closed = False
        # Set when the worker timed out, failed to start or was interrupted.
        self._hurry = False
        self._stderr = StderrDrain(name)
        self._threads: list[threading.Thread] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._tree: ProcessTree | None = None
        self._writer: RequestWriter | None = None
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
            and self._inflight.failure is None
            and not self._closing
            and self._proc.poll() is None
        )

    def start(self) -> Manifest:
        """Start the worker and do the handshake; return the plugin's manifest."""
        env = {**self._env, p.COOKIE_NAME: p.COOKIE_VALUE}
        env["PLUGHOST_MAX_MESSAGE"] = str(self._max_message)
        env.setdefault("PYTHONUNBUFFERED", "1")
        started = time.monotonic()
        try:
            self._proc, self._tree = spawn(self.command, env)
        except OSError as exc:
            raise WorkerStartError(
                f"cannot start the worker of plugin {self.name!r} ({' '.join(self.command)}):"
                f" {exc.strerror or exc}; check that the program exists and is executable",
                plugin=self.name,
            ) from None
        log.debug(
            "starting the worker of plugin %r: %s (pid %d)",
            self.name,
            " ".join(self.command),
            self._proc.pid,
        )
        assert self._proc.stdout is not None and self._proc.stderr is not None
        assert self._proc.stdin is not None
        # Writes never block for longer than the request's deadline: a worker
        # that stops reading must not hang the host.
        self._writer = RequestWriter(self._proc.stdin)
        for target, stream, label in (
            (self._read_stdout, self._proc.stdout, "out"),
            (self._stderr.drain, self._proc.stderr, "err"),
            (self._watch, None, "wait"),
        ):
            t = threading.Thread(
                target=target, args=(stream,), name=f"plughost-{self.name}-{label}", daemon=True
            )
            t.start()
            self._threads.append(t)
        try:
            params = initialize_params(self._plugin, self._settings, debug=self._debug)
            try:
                response = self._request("initialize", params, self._start_timeout, starting=True)
            except CallTimeout:
                failure = self._error(
                    WorkerStartError,
                    f"did not complete the handshake within {self._start_timeout:g} s",
                )
                # Silent for the whole start timeout: not worth asking politely.
                self._fail(failure)
                raise failure from None
            except (WorkerCrashed, ProtocolError) as exc:
                raise WorkerStartError(
                    exc.message,
                    plugin=self.name,
                    exit_status=exc.exit_status,
                    stderr_tail=exc.stderr_tail,
                ) from None
            expected = str(self._plugin.get("name", self.name))
            accepted = accept_initialize(self.name, expected, response, self._error)
        except BaseException:
            self._hurry = True
            self.close()
            raise
        self.protocol_version = accepted.protocol_version
        self.manifest = accepted.manifest
        self.worker_info = accepted.worker_info
        log.debug(
            "worker of plugin %r: pid %d, protocol %d, handshake done in %.1f ms",
            self.name,
            self._proc.pid,
            accepted.protocol_version,
            (time.monotonic() - started) * 1000,
        )
        return accepted.manifest

    # -- requests ----------------------------------------------------------------

    def call(self, command: str, arguments: Mapping[str, Any], timeout: float | None) -> Any:
        """Call ``command`` in the worker; the result, or the plugin's error raised."""
        try:
            response = self._request(
                "call", {"command": command, "arguments": dict(arguments)}, timeout
            )
        except CallTimeout:
            self._probe()
            raise
        distribution = self.manifest.distribution if self.manifest else None
        return call_result(self.name, distribution, command, response, self._error)

    def ping(self, timeout: float = 5.0) -> None:
        """Check that the worker answers."""
        self._request("ping", None, timeout)

    def _probe(self) -> None:
        """After a call timed out: a worker that cannot even answer a ping is killed now."""
        if self._inflight.failure is not None or self._closing:
            return
        try:
            self._request("ping", None, PROBE_TIMEOUT)
        except CallTimeout:
            self._fail(
                self._error(
                    CallTimeout,
                    f"stopped answering (not even a ping within {PROBE_TIMEOUT:g} s after a"
                    " call timed out), so it was killed",
                )
            )
        except WorkerError:
            pass

    def _request(
        self,
        method: str,
        params: dict[str, Any] | None,
        timeout: float | None,
        *,
        starting: bool = False,
    ) -> dict[str, Any]:
        # One deadline for writing the request and waiting for its answer.
        deadline = None if timeout is None else time.monotonic() + timeout
        closed = (
            WorkerCrashed(f"plugin {self.name!r}: the worker was shut down", plugin=self.name)
            if self._closed
            else None
        )
        pending = self._inflight.open(closed)
        sent = False
        try:
            self._send(p.request(pending.id, method, params), deadline, timeout)
            sent = True
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not pending.done.wait(remaining):
                if not self._inflight.abandon(pending):
                    # The response arrived just as the wait ran out.
                    pending.done.wait()
                    return pending.outcome()
                if not starting:
                    self._hurry = True
                    self._cancel(pending.id)
                raise CallTimeout(
                    f"plugin {self.name!r}: {method} did not finish within {timeout:g} s"
                    " and was cancelled; raise the timeout (--timeout) or fix the plugin",
                    plugin=self.name,
                )
        except BaseException as exc:
            # KeyboardInterrupt too: forget the request and tell the worker.
            if isinstance(exc, KeyboardInterrupt):
                self._hurry = True
            if self._inflight.abandon(pending, sent=sent) and sent and not starting:
                self._cancel(pending.id)
            raise
        return pending.outcome()

    def _cancel(self, id_: int) -> None:
        if self._inflight.failure is not None or self._closed:
            return
        deadline = time.monotonic() + _CANCEL_DEADLINE
        with contextlib.suppress(WorkerError):
            self._send(p.notification("cancel", {"id": id_}), deadline, _CANCEL_DEADLINE)

    def _send(self, message: dict[str, Any], deadline: float | None, limit: float | None) -> None:
        assert self._writer is not None
        try:
            self._writer.write(p.encode(message), deadline)
        except WriteTimeout as exc:
            what = (
                "stopped reading requests, so the call did not finish within"
                if exc.started
                else "did not take a request within"
            )
            failure = self._error(CallTimeout, f"{what} {limit:g} s")
            if exc.partial:
                # Half a request is on the channel: it cannot be used again.
                self._fail(failure)
            raise failure from None
        except ChannelGone as exc:
            if exc.closing or self._closed:
                raise WorkerCrashed(
                    f"plugin {self.name!r}: the worker was shut down", plugin=self.name
                ) from None
            self._channel_lost()

    def _channel_lost(self) -> NoReturn:
        """A write failed (EPIPE): the call fails at once, and the worker is killed."""
        proc = self._proc
        assert proc is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            # A worker that crashed is about to be reaped; one that only closed
            # its stdin is not worth waiting for.
            proc.wait(_EXIT_NEWS / 3)
        status = proc.poll()
        what = "closed its stdin, so it cannot take requests"
        self._fail(self._error(WorkerCrashed, what if status is None else describe_status(status)))
        assert self._inflight.failure is not None
        raise self._inflight.failure

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
                    self._inflight.deliver(message)
                except p.ProtocolViolation as exc:
                    shown = f"; it wrote {line[:60]!r}" if first else ""
                    self._fail(self._error(ProtocolError, f"broke the protocol: {exc}{shown}"))
                    return
                first = False
        except p.ProtocolViolation as exc:
            proc = self._proc
            assert proc is not None
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(_EXIT_NEWS)
            if proc.poll() is not None and not self._closing:
                # It died while writing: that is the news, not the half line.
                what = f"{describe_status(proc.poll())} in the middle of a message"
                self._fail(self._error(WorkerCrashed, what))
            else:
                self._fail(self._error(ProtocolError, f"broke the protocol: {exc}"))
            return
        except (OSError, ValueError):
            pass
        finally:
            with contextlib.suppress(OSError, ValueError):
                stream.close()
        self._on_exit()

    def _watch(self, _: object) -> None:
        """Notice the worker's exit even while a grandchild holds its stdout open."""
        proc = self._proc
        assert proc is not None
        proc.wait()
        self._threads[0].join(_EXIT_NEWS)
        if self._threads[0].is_alive() and not self._closing:
            self._fail(self._error(WorkerCrashed, describe_status(proc.poll())))

    # -- failure -------------------------------------------------------------------------

    def _error(self, kind: type[WorkerError], what: str) -> WorkerError:
        status = self._proc.poll() if self._proc else None
        tail = self._stderr.last_lines()
        text = f"plugin {self.name!r}: its worker {' '.join(what.split())}"
        if tail:
            text += "; last lines of its stderr: " + " | ".join(tail)
        return kind(
            text, plugin=self.name, exit_status=status, stderr_tail=tuple(self._stderr.tail)
        )

    def _fail(self, failure: WorkerError) -> None:
        waiting = self._inflight.fail(failure)
        self._hurry = True
        if not self._closing:
            # While closing, close() ends the tree on its own schedule.
            self._kill()
        self._inflight.wake(waiting)

    def _on_exit(self) -> None:
        """The worker's stdout closed: it exited, or is about to."""
        proc = self._proc
        assert proc is not None
        if not self._closing:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(_EXIT_NEWS)
        # Give the stderr thread a moment to collect the last words.
        if len(self._threads) > 1:
            self._threads[1].join(_EXIT_NEWS)
        if self._closing:
            what = "was shut down"
        else:
            what = describe_status(proc.poll())
            if proc.poll() is None:
                what = "closed its channel"
        self._fail(self._error(WorkerCrashed, what))

    # -- shutdown --------------------------------------------------------------------

    def close(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Shut the worker down within ``grace`` seconds in all; idempotent.

        Polite (``shutdown``, then end of input) for the first half of the
        grace; then SIGTERM to the worker and everything it started; at the
        end, that whole tree is frozen and SIGKILLed (``_lifetime``). A
        worker that just timed out, failed to start or was interrupted gets
        at most :data:`HURRIED_GRACE`.
        """
        with self._inflight.lock:
            if self._closing:
                return
            self._closing = True
            # Only a worker that completed the handshake is asked politely.
            usable = self._inflight.failure is None and self.manifest is not None
        proc, tree, writer = self._proc, self._tree, self._writer
        if proc is None or tree is None or writer is None:
            self._closed = True
            return

        def ask(seconds: float) -> None:
            with contextlib.suppress(WorkerError):
                self._request("shutdown", None, seconds)
            self._closed = True

        budget = min(grace, HURRIED_GRACE) if self._hurry else grace
        deadline = time.monotonic() + budget
        log.debug(
            "shutting down the worker of plugin %r (pid %d) within %g s%s",
            self.name,
            proc.pid,
            budget,
            "" if usable else ", without asking it",
        )
        shut_down(proc, tree, budget, ask=ask if usable else None, end_input=writer.close)
        self._closed = True
        tree.close()
        until = max(deadline, time.monotonic()) + _EXIT_NEWS
        for t in self._threads:
            t.join(max(0.0, until - time.monotonic()))

    def _kill(self) -> None:
        """Kill the worker and everything it started, now."""
        if self._tree is not None:
            self._tree.kill()
