"""The host's channel to a worker: requests out on its stdin, answers in on its stdout.

A :class:`Channel` frames and encodes requests, gives each an id and
matches the answers to them (``_inflight``), so that several threads can
have calls in flight on one worker, and futures too. Every write has the
request's deadline (``_sender``); a request that times out is cancelled,
and a call that timed out is followed by a probe. Answers are read by the
threads that wait for them (``_leader``), and those of futures by a thread
that runs only while futures are outstanding. Whatever it learns of the
process itself (how it ended, its stderr) it asks of the process through
:class:`ProcessHooks`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import IO, Any

from .._errors import CallTimeout, ProtocolError, WorkerCrashed, WorkerError
from .._plain import frozen
from . import protocol as p
from .futures_reader import FuturesReader
from .inflight import InFlight, Pending
from .leader import Leadership
from .lifetime import describe_status
from .sender import EXIT_NEWS, Sender

__all__ = ["EXIT_NEWS", "PROBE_TIMEOUT", "Channel", "ProcessHooks"]

#: Seconds a worker has to answer a ping after a call timed out; one that
#: cannot (it holds the GIL, or is stopped) is killed at once.
PROBE_TIMEOUT = 0.25


@frozen
class ProcessHooks:
    """What a :class:`Channel` needs of the worker's process, as callables."""

    #: ``error(kind, what)``: an error saying that the worker did ``what``,
    #: with its exit status and the last lines of its stderr.
    error: Callable[[type[WorkerError], str], WorkerError]
    #: ``exit_status(wait)``: the worker's exit status, once it has exited,
    #: waiting at most ``wait`` seconds for that; None while it runs.
    exit_status: Callable[[float], int | None]
    #: ``hurry()``: the worker timed out, failed or was interrupted, so its
    #: shutdown gets the short budget.
    hurry: Callable[[], None]
    #: ``kill()``: kill the worker and everything it started, now.
    kill: Callable[[], None]
    #: ``ended()``: the worker's stdout ended; fail the channel saying how it ended.
    ended: Callable[[], None]


class Channel:
    """Protocol v1 to one worker: requests from many threads and futures, matched by id.

    :meth:`connect` it to the worker's stdin and stdout.
    """

    def __init__(self, name: str, max_message: int, process: ProcessHooks) -> None:
        self._name = name
        self._max_message = max_message
        self._process = process
        self._inflight = InFlight()
        self._reading = Leadership(
            self._inflight, max_message, self._broke, process.ended, self._before_wait
        )
        self._sender = Sender(name, self._inflight, process.error, process.exit_status, self.fail)
        self._closing = False
        # The thread that reads the answers of futures, while any are outstanding.
        self._pump = FuturesReader(
            name,
            self._inflight,
            self._reading,
            cancel=self._sender.cancel,
            probe=self.probe,
            hurry=process.hurry,
        )

    def connect(self, stdin: IO[bytes], stdout: IO[bytes]) -> None:
        """Write requests to ``stdin``, each by its deadline; read answers from ``stdout``."""
        # Writes never block for longer than the request's deadline: a worker
        # that stops reading must not hang the host.
        self._sender.connect(stdin)
        self._reading.connect(stdout)

    @property
    def failure(self) -> WorkerError | None:
        """Why the channel cannot be used any more (the first failure), or None."""
        return self._inflight.failure

    @property
    def closing(self) -> bool:
        """Whether the host has begun to close the worker."""
        return self._closing

    @property
    def in_flight(self) -> int:
        """How many requests wait for their answer."""
        return len(self._inflight.pending)

    # -- requests ----------------------------------------------------------------

    def request(
        self,
        method: str,
        params: dict[str, Any] | None,
        timeout: float | None,
        *,
        starting: bool = False,
    ) -> dict[str, Any]:
        """Send a request and wait for its answer, within ``timeout`` seconds in all.

        A request that times out is cancelled (``starting``: not during the
        handshake) and raises :class:`CallTimeout`.
        """
        # One deadline for writing the request and waiting for its answer.
        deadline = None if timeout is None else time.monotonic() + timeout
        pending = self._inflight.open(self._closed_error())
        sent = False
        try:
            self._sender.send(p.encode(p.request(pending.id, method, params)), deadline, timeout)
            sent = True
            if not self._await(pending, deadline):
                if not self._inflight.abandon(pending):
                    # The response arrived just as the wait ran out.
                    return pending.outcome()
                if not starting:
                    self._process.hurry()
                    self._sender.cancel(pending.id)
                raise self._timed_out(method, timeout)
        except BaseException as exc:
            # KeyboardInterrupt too: forget the request and tell the worker.
            if isinstance(exc, KeyboardInterrupt):
                self._process.hurry()
            if self._inflight.abandon(pending, sent=sent) and sent and not starting:
                self._sender.cancel(pending.id)
            raise
        return pending.outcome()

    def submit(
        self,
        method: str,
        params: dict[str, Any] | None,
        timeout: float | None,
        on_done: Callable[[Pending], None],
    ) -> None:
        """Send a request whose answer goes to ``on_done(pending)``, from the reading thread.

        ``on_done`` is called once: with the answer, the worker's failure,
        or a :class:`CallTimeout` after ``timeout`` seconds (the request is
        cancelled and the worker probed, as for a call). Raises at once
        when the request cannot be sent.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        pending = self._inflight.open(self._closed_error(), on_done=on_done, deadline=deadline)
        line = p.encode(p.request(pending.id, method, params))
        reading = self._reading
        with self._inflight.lock:
            # While a leader is busy delivering answers, it writes this with
            # the others before it next waits: one write for many requests.
            held = reading.leading and not reading.polling and self._inflight.failure is None
            if held:
                self._sender.hold(line, deadline)
        if not held:
            try:
                self._sender.send(line, deadline, timeout)
            except BaseException:
                self._inflight.abandon(pending, sent=False)
                raise
        self._pump.start(deadline)

    def _before_wait(self) -> None:
        """The leader is about to wait: write the requests held back meanwhile."""
        with self._inflight.lock:
            self._reading.polling = True
            held = self._sender.take_held()
        if held is None:
            return
        lines, deadline = held
        try:
            limit = None if deadline is None else deadline - time.monotonic()
            self._sender.send(lines, deadline, limit)
        except WorkerError as exc:
            # Their futures get this failure, and so does every request.
            self.fail(exc)

    def _closed_error(self) -> WorkerError | None:
        return self._sender.shut_down_error() if self._sender.closed else None

    def _timed_out(self, method: str, timeout: float | None) -> CallTimeout:
        return CallTimeout(
            f"plugin {self._name!r}: {method} did not finish within {timeout:g} s"
            " and was cancelled; raise the timeout (--timeout) or fix the plugin",
            plugin=self._name,
        )

    def _await(self, pending: Pending, deadline: float | None) -> bool:
        """Wait for ``pending``, reading for everyone while nobody else does; False: timed out."""
        while not self._reading.wait_for(pending, deadline):
            if deadline is not None and time.monotonic() >= deadline:
                return False
            # Nobody can read any more: the channel was released under us.
            self.fail(self._process.error(WorkerCrashed, "was shut down"))
        return True

    # -- probe, broken answers -----------------------------------------------------

    def probe(self) -> None:
        """After a call timed out: a worker that cannot even answer a ping is killed now."""
        if self._inflight.failure is not None or self._closing:
            return
        try:
            self.request("ping", None, PROBE_TIMEOUT)
        except CallTimeout:
            self.fail(
                self._process.error(
                    CallTimeout,
                    f"stopped answering (not even a ping within {PROBE_TIMEOUT:g} s after a"
                    " call timed out), so it was killed",
                )
            )
        except WorkerError:
            pass

    def _broke(self, exc: p.ProtocolViolation, line: bytes | None, cut: bool) -> None:
        """The worker's stdout broke the protocol: the channel fails, saying how."""
        if cut:
            status = self._process.exit_status(EXIT_NEWS)
            if status is not None and not self._closing:
                # It died while writing: that is the news, not the half line.
                what = f"{describe_status(status)} in the middle of a message"
                self.fail(self._process.error(WorkerCrashed, what))
                return
        shown = f"; it wrote {line[:60]!r}" if line is not None else ""
        self.fail(self._process.error(ProtocolError, f"broke the protocol: {exc}{shown}"))

    # -- failure and shutdown ------------------------------------------------------------

    @property
    def over(self) -> bool:
        """Whether the worker's stdout has ended (or broke the protocol)."""
        return self._reading.over

    def drain(self, seconds: float) -> None:
        """Read whatever the worker still writes, for at most ``seconds`` (its exit is near)."""
        self._reading.drain(seconds)

    def fail(self, failure: WorkerError) -> None:
        """The worker failed: every request raises ``failure``, and the worker is killed.

        While closing it is not: the shutdown ends it on its own schedule.
        """
        waiting = self._inflight.fail(failure)
        self._process.hurry()
        if not self._closing:
            self._process.kill()
        self._inflight.wake(waiting)
        self._reading.wake_all()
        self._pump.wake()

    def begin_closing(self) -> bool | None:
        """Mark the channel closing: None when it already was, else whether it still worked."""
        with self._inflight.lock:
            if self._closing:
                return None
            self._closing = True
            return self._inflight.failure is None

    def shut_down(self, seconds: float) -> None:
        """Ask the worker to shut down, waiting at most ``seconds`` for its answer."""
        with contextlib.suppress(WorkerError):
            self.request("shutdown", None, seconds)
        self._sender.closed = True

    def end_input(self) -> None:
        """Close the worker's stdin."""
        self._sender.end_input()

    def mark_closed(self) -> None:
        """No more requests: each one from now on fails at once, as shut down."""
        self._sender.closed = True

    def release(self) -> None:
        """The worker is gone: whatever still waits fails as shut down; close its stdout."""
        self._sender.closed = True
        if self._inflight.failure is None:
            self.fail(self._process.error(WorkerCrashed, "was shut down"))
        self._reading.release()
