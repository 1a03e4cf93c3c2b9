"""The requests a worker has not answered yet, matched to responses by id.

Several threads may have requests in flight on one worker, and a request
may be a future that nobody waits on. Whichever thread reads the worker's
stdout (``_channel``: the leader) hands every response to
:meth:`InFlight.deliver`, which checks it against protocol v1 and completes
the request it answers: a waiting thread is woken through its
:class:`Waiter`, a future's ``on_done`` is called. A request given up on
(timed out, interrupted) is remembered for a while, so that its late answer
is not taken for a protocol violation. Once the worker has failed, every
request waiting and every later one gets that failure.
"""

from __future__ import annotations

import _thread
import itertools
from collections.abc import Callable
from typing import Any

from .._errors import WorkerError
from . import protocol as p

__all__ = ["InFlight", "Pending", "Waiter"]

_ABANDONED_KEPT = 1024


class Waiter:
    """A thread parked until it is woken: its answer came, or it is to read next.

    Woken at most once per wait (:meth:`wake` under the table's lock), so a
    wake that comes after a wait timed out is not lost nor doubled.
    """

    __slots__ = ("_lock", "_woken")

    def __init__(self) -> None:
        self._lock = _thread.allocate_lock()
        self._lock.acquire()
        self._woken = False

    def wake(self) -> None:
        """Wake the thread (call with the table's lock held)."""
        if not self._woken:
            self._woken = True
            self._lock.release()

    @property
    def woken(self) -> bool:
        """Whether it has been woken since it last parked."""
        return self._woken

    def wait(self, timeout: float | None) -> None:
        """Park until woken or ``timeout`` seconds (None: no limit); call without the lock."""
        self._lock.acquire(True, -1 if timeout is None else max(0.0, timeout))

    def rearm(self) -> None:
        """Make the next :meth:`wait` park again (call with the table's lock held)."""
        if self._woken:
            self._woken = False
            # A wake that came after the wait gave up left the lock released.
            self._lock.acquire(False)


class Pending:
    """One request waiting for its answer (``response``) or its worker's failure.

    ``on_done`` (a future's) is called once, by whoever completes it;
    ``waiter`` is the parked thread that waits for it, if any.
    """

    __slots__ = ("deadline", "error", "id", "on_done", "response", "waiter")

    def __init__(self, id_: int) -> None:
        self.id = id_
        self.response: dict[str, Any] | None = None
        self.error: WorkerError | None = None
        self.waiter: Waiter | None = None
        self.on_done: Callable[[Pending], None] | None = None
        self.deadline: float | None = None

    @property
    def done(self) -> bool:
        """Whether the answer, or the worker's failure, has come."""
        return self.response is not None or self.error is not None

    def outcome(self) -> dict[str, Any]:
        """The response, once ``done``; the failure raised if there is none."""
        if self.error is not None:
            raise self.error
        assert self.response is not None
        return self.response


class InFlight:
    """The table of requests sent to one worker and not answered yet."""

    def __init__(self) -> None:
        self.lock = _thread.allocate_lock()
        self._ids = itertools.count(1)
        self.pending: dict[int, Pending] = {}
        self._abandoned: set[int] = set()
        self.failure: WorkerError | None = None
        #: How many of the pending requests are futures (no thread waits on them).
        self.futures = 0

    def open(
        self,
        closed: WorkerError | None,
        *,
        on_done: Callable[[Pending], None] | None = None,
        deadline: float | None = None,
    ) -> Pending:
        """A new request (a future's, with ``on_done``); raises the failure, or ``closed``."""
        with self.lock:
            if self.failure is not None:
                raise self.failure
            if closed is not None:
                raise closed
            pending = Pending(next(self._ids))
            if on_done is not None:
                pending.on_done = on_done
                pending.deadline = deadline
                self.futures += 1
            self.pending[pending.id] = pending
            return pending

    def abandon(self, pending: Pending, *, sent: bool = True) -> bool:
        """Stop waiting for ``pending``; False when its answer has arrived meanwhile.

        A worker may never answer a request given up on: only the most
        recent abandoned ids are kept, so the set cannot grow without bound.
        """
        with self.lock:
            if self.pending.pop(pending.id, None) is None:
                return False
            if pending.on_done is not None:
                self.futures -= 1
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
            pending = self.pending.pop(id_, None)
            if pending is None:
                if id_ in self._abandoned:
                    self._abandoned.discard(id_)
                    return
                raise p.ProtocolViolation(f"a response to request {id_}, which was never sent")
            pending.response = message
            if pending.waiter is not None:
                pending.waiter.wake()
            on_done = pending.on_done
            if on_done is not None:
                self.futures -= 1
        if on_done is not None:
            on_done(pending)

    def fail(self, failure: WorkerError) -> list[Pending]:
        """Record the worker's failure (the first one sticks); the requests to wake.

        Every later request raises it; :meth:`wake` the ones returned once
        the worker has been dealt with.
        """
        with self.lock:
            if self.failure is None:
                self.failure = failure
            waiting = list(self.pending.values())
            self.pending.clear()
            self.futures = 0
        return waiting

    def wake(self, waiting: list[Pending]) -> None:
        """Complete ``waiting`` requests with the worker's failure."""
        with self.lock:
            for item in waiting:
                item.error = self.failure
                if item.waiter is not None:
                    item.waiter.wake()
        for item in waiting:
            if item.on_done is not None:
                item.on_done(item)
