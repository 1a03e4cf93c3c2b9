"""The host side of protocol v1: a worker process and its life.

A :class:`WorkerProcess` starts the child in a session of its own, does the
handshake, and then sends requests over its channel (``_channel``), which
matches responses to requests by id, so that several threads can have calls
in flight on one worker, and futures too. The threads that wait for answers
read the worker's stdout themselves (``_leader``); the process under the
channel (its stderr drained, its exit noticed and described) is watched by
``_watch``.
Whatever the worker does (exit, hang, hold the GIL, stop itself, close its
stdin, write garbage, ignore SIGTERM) a call, a start and a shutdown each
end within about a second of their limit, with one line that says what
happened, and the host stays up. Everything the worker started
is tracked through /proc (``_proctree``) and ends with it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from typing import Any

from .._contract.manifest import Manifest
from .._errors import CallTimeout, ProtocolError, WorkerCrashed, WorkerStartError
from .._policy.config import DEFAULT_CALL_TIMEOUT, DEFAULT_START_TIMEOUT
from . import protocol as p
from .answers import accept_initialize, call_result, initialize_params
from .channel import EXIT_NEWS
from .inflight import Pending
from .lifetime import shut_down, spawn
from .watch import ProcessWatch

__all__ = [
    "DEFAULT_CALL_TIMEOUT",
    "DEFAULT_START_TIMEOUT",
    "HURRIED_GRACE",
    "SHUTDOWN_GRACE",
    "WORKER_CODE",
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

#: What ``python -c`` runs to start the Python worker.
WORKER_CODE = "from plughost.worker import run; run()"


def python_worker_command(python: str | None = None) -> list[str]:
    """The command that runs the Python worker under ``python`` (default: this one).

    ``-P``: the current directory is not put on ``sys.path``, so a ``json.py``
    or a plugin-named module where plughost is run from is never imported.
    ``-c`` rather than ``-m plughost.worker`` (which works the same): ``-m``
    imports ``runpy`` and ``importlib.util`` first, a good part of a
    millisecond of every start.
    """
    return [python or sys.executable, "-P", "-c", WORKER_CODE]


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
        self._watch = ProcessWatch(name, max_message)
        self._channel = self._watch.channel
        self._error = self._watch.error
        self.manifest: Manifest | None = None
        self.protocol_version: int | None = None
        self.worker_info: dict[str, Any] = {}

    # -- start -------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The worker's process id (also its process group id)."""
        proc = self._watch.proc
        return proc.pid if proc else None

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        """The worker's ``Popen``, once it was started."""
        return self._watch.proc

    @property
    def alive(self) -> bool:
        """Whether the worker is running and usable."""
        proc = self._watch.proc
        return (
            proc is not None
            and self._channel.failure is None
            and not self._channel.closing
            and proc.poll() is None
        )

    def start(self) -> Manifest:
        """Start the worker and do the handshake; return the plugin's manifest."""
        env = {**self._env, p.COOKIE_NAME: p.COOKIE_VALUE}
        env["PLUGHOST_MAX_MESSAGE"] = str(self._max_message)
        env.setdefault("PYTHONUNBUFFERED", "1")
        started = time.monotonic()
        try:
            proc, tree = spawn(self.command, env)
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
            proc.pid,
        )
        self._watch.attach(proc, tree)
        try:
            params = initialize_params(self._plugin, self._settings, debug=self._debug)
            try:
                response = self._channel.request(
                    "initialize", params, self._start_timeout, starting=True
                )
            except CallTimeout:
                failure = self._error(
                    WorkerStartError,
                    f"did not complete the handshake within {self._start_timeout:g} s",
                )
                # Silent for the whole start timeout: not worth asking politely.
                self._channel.fail(failure)
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
            self._watch.hurry_up()
            self.close()
            raise
        self.protocol_version = accepted.protocol_version
        self.manifest = accepted.manifest
        self.worker_info = accepted.worker_info
        log.debug(
            "worker of plugin %r: pid %d, protocol %d, handshake done in %.1f ms",
            self.name,
            proc.pid,
            accepted.protocol_version,
            (time.monotonic() - started) * 1000,
        )
        return accepted.manifest

    # -- requests ----------------------------------------------------------------

    def call(self, command: str, arguments: Mapping[str, Any], timeout: float | None) -> Any:
        """Call ``command`` in the worker; the result, or the plugin's error raised."""
        try:
            response = self._channel.request(
                "call", {"command": command, "arguments": dict(arguments)}, timeout
            )
        except CallTimeout:
            self._channel.probe()
            raise
        distribution = self.manifest.distribution if self.manifest else None
        return call_result(self.name, distribution, command, response, self._error)

    def submit(
        self,
        command: str,
        arguments: Mapping[str, Any],
        timeout: float | None,
        finish: Callable[[Any], Any],
    ) -> Future[Any]:
        """Send a call to ``command``; its future gets ``finish(result)`` or the error."""
        future: Future[Any] = Future()
        future.set_running_or_notify_cancel()
        distribution = self.manifest.distribution if self.manifest else None

        def done(pending: Pending) -> None:
            try:
                value = finish(
                    call_result(self.name, distribution, command, pending.outcome(), self._error)
                )
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(value)

        self._channel.submit(
            "call", {"command": command, "arguments": dict(arguments)}, timeout, done
        )
        return future

    @property
    def in_flight(self) -> int:
        """How many calls (and other requests) wait for their answer."""
        return self._channel.in_flight

    def ping(self, timeout: float = 5.0) -> None:
        """Check that the worker answers."""
        self._channel.request("ping", None, timeout)

    # -- shutdown --------------------------------------------------------------------

    def close(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Shut the worker down within ``grace`` seconds in all; idempotent.

        Polite (``shutdown``, then end of input) for the first half of the
        grace; then SIGTERM to the worker and everything it started; at the
        end, that whole tree is frozen and SIGKILLed (``_lifetime``). A
        worker that just timed out, failed to start or was interrupted gets
        at most :data:`HURRIED_GRACE`.
        """
        working = self._channel.begin_closing()
        if working is None:
            return
        # Only a worker that completed the handshake is asked politely.
        usable = working and self.manifest is not None
        proc, tree = self._watch.proc, self._watch.tree
        if proc is None or tree is None:
            self._channel.mark_closed()
            return
        budget = min(grace, HURRIED_GRACE) if self._watch.hurried else grace
        deadline = time.monotonic() + budget
        log.debug(
            "shutting down the worker of plugin %r (pid %d) within %g s%s",
            self.name,
            proc.pid,
            budget,
            "" if usable else ", without asking it",
        )
        ask = self._channel.shut_down if usable else None
        shut_down(proc, tree, budget, ask=ask, end_input=self._channel.end_input)
        self._channel.mark_closed()
        tree.close()
        self._watch.join(max(deadline, time.monotonic()) + EXIT_NEWS)
        self._channel.release()
