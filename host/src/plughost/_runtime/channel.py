"""The host's channel to a worker: requests out on its stdin, answers in on its stdout.

A :class:`Channel` frames and encodes requests, gives each an id and
matches the answers to them (``_inflight``), so that several threads can
have calls in flight on one worker. Every write has the request's deadline
(``_writer``); a request that times out is cancelled, and a call that timed
out is followed by a probe. Its reader loop decodes the worker's stdout,
bounded line by line. Whatever it learns of the process itself (how it
ended, its stderr) it asks of the process through :class:`ProcessHooks`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import IO, Any, NoReturn

from .._errors import CallTimeout, ProtocolError, WorkerCrashed, WorkerError
from .._plain import frozen
from . import protocol as p
from .inflight import InFlight
from .lifetime import describe_status
from .writer import ChannelGone, RequestWriter, WriteTimeout

__all__ = ["EXIT_NEWS", "PROBE_TIMEOUT", "Channel", "ProcessHooks"]

#: Seconds a worker has to answer a ping after a call timed out; one that
#: cannot (it holds the GIL, or is stopped) is killed at once.
PROBE_TIMEOUT = 0.25
#: How long to wait for an exit status once the channel is gone, so that the
#: message can say how the worker ended.
EXIT_NEWS = 0.3
# A cancel is a courtesy: it may not hold up the timeout it follows.
_CANCEL_DEADLINE = 0.25


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


class Channel:
    """Protocol v1 to one worker: requests from many threads, matched by id.

    :meth:`connect` it to the worker's stdin, and run :meth:`read` on its
    stdout in a thread of its own.
    """

    def __init__(self, name: str, max_message: int, process: ProcessHooks) -> None:
        self._name = name
        self._max_message = max_message
        self._process = process
        self._inflight = InFlight()
        self._writer: RequestWriter | None = None
        self._closing = False
        self._closed = False

    def connect(self, stdin: IO[bytes]) -> None:
        """Write requests to ``stdin``, each by its deadline."""
        # Writes never block for longer than the request's deadline: a worker
        # that stops reading must not hang the host.
        self._writer = RequestWriter(stdin)

    @property
    def failure(self) -> WorkerError | None:
        """Why the channel cannot be used any more (the first failure), or None."""
        return self._inflight.failure

    @property
    def closing(self) -> bool:
        """Whether the host has begun to close the worker."""
        return self._closing

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
        closed = (
            WorkerCrashed(f"plugin {self._name!r}: the worker was shut down", plugin=self._name)
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
                    self._process.hurry()
                    self._cancel(pending.id)
                raise CallTimeout(
                    f"plugin {self._name!r}: {method} did not finish within {timeout:g} s"
                    " and was cancelled; raise the timeout (--timeout) or fix the plugin",
                    plugin=self._name,
                )
        except BaseException as exc:
            # KeyboardInterrupt too: forget the request and tell the worker.
            if isinstance(exc, KeyboardInterrupt):
                self._process.hurry()
            if self._inflight.abandon(pending, sent=sent) and sent and not starting:
                self._cancel(pending.id)
            raise
        return pending.outcome()

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
            failure = self._process.error(CallTimeout, f"{what} {limit:g} s")
            if exc.partial:
                # Half a request is on the channel: it cannot be used again.
                self.fail(failure)
            raise failure from None
        except ChannelGone as exc:
            if exc.closing or self._closed:
                raise WorkerCrashed(
                    f"plugin {self._name!r}: the worker was shut down", plugin=self._name
                ) from None
            self._lost()

    def _lost(self) -> NoReturn:
        """A write failed (EPIPE): the call fails at once, and the worker is killed."""
        # A worker that crashed is about to be reaped; one that only closed
        # its stdin is not worth waiting for.
        status = self._process.exit_status(EXIT_NEWS / 3)
        what = "closed its stdin, so it cannot take requests"
        self.fail(
            self._process.error(WorkerCrashed, what if status is None else describe_status(status))
        )
        assert self._inflight.failure is not None
        raise self._inflight.failure

    # -- the reader ------------------------------------------------------------------

    def read(self, stream: IO[bytes]) -> bool:
        """Deliver the answers on ``stream`` (the worker's stdout) until it ends, then close it.

        True when the stream ended (the worker exited, or is about to);
        False when the worker broke the protocol, and the channel failed.
        """
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
                    self.fail(
                        self._process.error(ProtocolError, f"broke the protocol: {exc}{shown}")
                    )
                    return False
                first = False
        except p.ProtocolViolation as exc:
            status = self._process.exit_status(EXIT_NEWS)
            if status is not None and not self._closing:
                # It died while writing: that is the news, not the half line.
                what = f"{describe_status(status)} in the middle of a message"
                self.fail(self._process.error(WorkerCrashed, what))
            else:
                self.fail(self._process.error(ProtocolError, f"broke the protocol: {exc}"))
            return False
        except (OSError, ValueError):
            pass
        finally:
            with contextlib.suppress(OSError, ValueError):
                stream.close()
        return True

    # -- failure and shutdown ------------------------------------------------------------

    def fail(self, failure: WorkerError) -> None:
        """The worker failed: every request raises ``failure``, and the worker is killed.

        While closing it is not: the shutdown ends it on its own schedule.
        """
        waiting = self._inflight.fail(failure)
        self._process.hurry()
        if not self._closing:
            self._process.kill()
        self._inflight.wake(waiting)

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
        self._closed = True

    def end_input(self) -> None:
        """Close the worker's stdin."""
        if self._writer is not None:
            self._writer.close()

    def mark_closed(self) -> None:
        """No more requests: each one from now on fails at once, as shut down."""
        self._closed = True
