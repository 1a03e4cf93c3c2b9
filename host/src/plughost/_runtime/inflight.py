"""The requests a worker has not answered yet, matched to responses by id.

Several threads may have requests in flight on one worker; each waits on
its own :class:`Pending`. The reader thread hands every response to
:meth:`InFlight.deliver`, which checks it against protocol v1 and wakes the
request it answers. A request given up on (timed out, interrupted) is
remembered for a while, so that its late answer is not taken for a
protocol violation. Once the worker has failed, every request waiting and
every later one gets that failure.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from .._errors import WorkerError
from . import protocol as p

__all__ = ["InFlight", "Pending"]

_ABANDONED_KEPT = 1024


class Pending:
    """One request waiting for its answer (``response``) or its worker's failure."""

    __slots__ = ("done", "error", "id", "response")

    def __init__(self, id_: int) -> None:
        self.id = id_
        self.done = threading.Event()
        self.response: dict[str, Any] | None = None
        self.error: WorkerError | None = None

    def outcome(self) -> dict[str, Any]:
        """The response, once ``done``; the failure raised if there is none."""
        if self.error is not None:
            raise self.error
        assert self.response is not None
        return self.response


class InFlight:
    """The table of requests sent to one worker and not answered yet."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self._pending: dict[int, Pending] = {}
        self._abandoned: set[int] = set()
        self.failure: WorkerError | None = None

    def open(self, closed: WorkerError | None) -> Pending:
        """A new request; raises the worker's failure, or ``closed`` when it is shut."""
        with self.lock:
            if self.failure is not None:
                raise self.failure
            if closed is not None:
                raise closed
            pending = Pending(next(self._ids))
            self._pending[pending.id] = pending
            return pending

    def abandon(self, pending: Pending, *, sent: bool = True) -> bool:
        """Stop waiting for ``pending``; False when its answer has arrived meanwhile.

        A worker may never answer a request given up on: only the most
        recent abandoned ids are kept, so the set cannot grow without bound.
        """
        with self.lock:
            if self._pending.pop(pending.id, None) is None:
                return False
            if sent:
                self._abandoned.add(pending.id)
                if len(self._abandoned) > _ABANDONED_KEPT:
                    self._abandoned.discard(min(self._abandoned))
            return True

    def deliver(self, message: dict[str, Any]) -> None:
        """Hand one message from the worker to its request, or raise ProtocolViolation."""
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
        with self.lock:
            pending = self._pending.pop(id_, None)
            if pending is None:
                if id_ in self._abandoned:
                    self._abandoned.discard(id_)
                    return
                raise p.ProtocolViolation(f"a response to request {id_}, which was never sent")
        pending.response = message
        pending.done.set()

    def fail(self, failure: WorkerError) -> list[Pending]:
        """Record the worker's failure (the first one sticks); the requests to wake.

        Every later request raises it; :meth:`wake` the ones returned once
        the worker has been dealt with.
        """
        with self.lock:
            if self.failure is None:
                self.failure = failure
            waiting = list(self._pending.values())
            self._pending.clear()
        return waiting

    def wake(self, waiting: list[Pending]) -> None:
        """Wake ``waiting`` requests with the worker's failure."""
        for item in waiting:
            item.error = self.failure
            item.done.set()
