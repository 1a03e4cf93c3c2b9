"""Requests on their way to a worker: written by their deadlines, failures named.

A :class:`Sender` writes whole lines through the non-blocking writer
(``_writer``) and turns what goes wrong into the error a caller sees: a
worker that does not take a request in time, one that stopped reading in
the middle of it (the channel is then unusable), one whose stdin is gone
(it crashed, or closed it). It also holds the requests of futures that
arrive while the reading thread is busy delivering answers, so that they
go out in one write before it next waits.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import IO, NoReturn

from .._errors import CallTimeout, WorkerCrashed, WorkerError
from . import protocol as p
from .inflight import InFlight
from .lifetime import describe_status
from .writer import ChannelGone, RequestWriter, WriteTimeout

__all__ = ["EXIT_NEWS", "Sender"]

#: How long to wait for an exit status once the channel is gone, so that the
#: message can say how the worker ended.
EXIT_NEWS = 0.3
# A cancel is a courtesy: it may not hold up the timeout it follows.
_CANCEL_DEADLINE = 0.25
_FOREVER = float("inf")


class Sender:
    """Writes requests to one worker's stdin, each by its deadline.

    ``error(kind, what)`` describes the worker's failure, ``exit_status(wait)``
    is its exit status once it has exited, and ``fail(failure)`` fails the
    whole channel; ``inflight`` holds the first failure.
    """

    def __init__(
        self,
        name: str,
        inflight: InFlight,
        error: Callable[[type[WorkerError], str], WorkerError],
        exit_status: Callable[[float], int | None],
        fail: Callable[[WorkerError], None],
    ) -> None:
        self._name = name
        self._inflight = inflight
        self._error = error
        self._exit_status = exit_status
        self._fail = fail
        self._writer: RequestWriter | None = None
        #: No more requests: each one from now on fails at once, as shut down.
        self.closed = False
        self._held: list[bytes] = []
        self._held_deadline = _FOREVER

    def connect(self, stdin: IO[bytes]) -> None:
        """Write to ``stdin``; writes never block past a request's deadline."""
        self._writer = RequestWriter(stdin)

    def shut_down_error(self) -> WorkerCrashed:
        """The error of a request made after the worker was shut down."""
        return WorkerCrashed(f"plugin {self._name!r}: the worker was shut down", plugin=self._name)

    # -- held requests (the caller holds the in-flight lock) ----------------------------

    def hold(self, line: bytes, deadline: float | None) -> None:
        """Keep ``line`` to be written with the others before the reader next waits."""
        self._held.append(line)
        if deadline is not None and deadline < self._held_deadline:
            self._held_deadline = deadline

    def take_held(self) -> tuple[bytes, float | None] | None:
        """The requests held back, as one write, and the earliest of their deadlines."""
        if not self._held:
            return None
        lines, self._held = self._held, []
        deadline, self._held_deadline = self._held_deadline, _FOREVER
        return b"".join(lines), None if deadline == _FOREVER else deadline

    # -- writing ------------------------------------------------------------------

    def send(self, line: bytes, deadline: float | None, limit: float | None) -> None:
        """Write ``line`` by ``deadline``; ``limit`` is the timeout the error names."""
        assert self._writer is not None
        try:
            self._writer.write(line, deadline)
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
            if exc.closing or self.closed:
                raise self.shut_down_error() from None
            self._lost()

    def cancel(self, id_: int) -> None:
        """Tell the worker that request ``id_`` is abandoned, if it can still hear it."""
        if self._inflight.failure is not None or self.closed:
            return
        deadline = time.monotonic() + _CANCEL_DEADLINE
        with contextlib.suppress(WorkerError):
            self.send(p.encode(p.notification("cancel", {"id": id_})), deadline, _CANCEL_DEADLINE)

    def _lost(self) -> NoReturn:
        """A write failed (EPIPE): the call fails at once, and the worker is killed."""
        # A worker that crashed is about to be reaped; one that only closed
        # its stdin is not worth waiting for.
        status = self._exit_status(EXIT_NEWS / 3)
        what = "closed its stdin, so it cannot take requests"
        self._fail(self._error(WorkerCrashed, what if status is None else describe_status(status)))
        assert self._inflight.failure is not None
        raise self._inflight.failure

    def end_input(self) -> None:
        """Close the worker's stdin."""
        if self._writer is not None:
            self._writer.close()
