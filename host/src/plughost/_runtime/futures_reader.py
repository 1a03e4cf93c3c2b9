"""The thread that reads the answers of futures, while any are outstanding.

A future (``submit``) has no thread waiting on it, so when no caller leads
(``_leader``) its answer would stay in the pipe: this thread leads in that
case, as any caller would, and parks once no future is outstanding. It
also times out the futures whose deadline passed: each is cancelled, gets
:class:`~plughost.CallTimeout`, and the worker is probed, as after a call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .._errors import CallTimeout
from .inflight import InFlight, Waiter
from .leader import Leadership

__all__ = ["FuturesReader"]

_FOREVER = float("inf")


class FuturesReader:
    """Reads for the futures of one channel; started with the first of them."""

    def __init__(
        self,
        name: str,
        inflight: InFlight,
        reading: Leadership,
        *,
        cancel: Callable[[int], None],
        probe: Callable[[], None],
        hurry: Callable[[], None],
    ) -> None:
        self._name = name
        self._inflight = inflight
        self._reading = reading
        self._cancel = cancel
        self._probe = probe
        self._hurry = hurry
        self._waiter: Waiter | None = None
        self._parked = False
        self._next_expiry = _FOREVER

    def start(self, deadline: float | None) -> None:
        """A future was sent (its deadline): read for it, starting the thread if need be."""
        if deadline is not None and deadline < self._next_expiry:
            self._next_expiry = deadline
        with self._inflight.lock:
            if self._waiter is None:
                self._waiter = Waiter()
                start = True
            else:
                start = False
                if self._parked:
                    self._parked = False
                    self._waiter.wake()
        if start:
            threading.Thread(
                target=self._run, name=f"plughost-{self._name}-futures", daemon=True
            ).start()

    def wake(self) -> None:
        """The channel failed: the thread is to see that and end."""
        with self._inflight.lock:
            if self._waiter is not None:
                self._waiter.wake()

    def _run(self) -> None:
        inflight, reading, waiter = self._inflight, self._reading, self._waiter
        assert waiter is not None
        while True:
            with inflight.lock:
                if inflight.failure is not None or reading.over:
                    self._waiter = None
                    return
                lead = inflight.futures > 0 and reading.try_lead()
                if not lead:
                    if inflight.futures > 0:
                        reading.follow(waiter)
                    else:
                        waiter.rearm()
                        self._parked = True
            if lead:
                try:
                    reading.lead(self._done, None)
                finally:
                    reading.step_down()
                self._expire()
            else:
                waiter.wait(None)
                with inflight.lock:
                    reading.unfollow(waiter)
                    self._parked = False

    def _done(self) -> bool:
        return self._inflight.futures == 0 or time.monotonic() >= self._next_expiry

    def _expire(self) -> None:
        """Time out the futures whose deadline passed; cancel them, and probe the worker."""
        now = time.monotonic()
        if now < self._next_expiry:
            return
        with self._inflight.lock:
            futures = [q for q in self._inflight.pending.values() if q.on_done is not None]
        expired = [q for q in futures if q.deadline is not None and q.deadline <= now]
        later = [q.deadline for q in futures if q.deadline is not None and q.deadline > now]
        self._next_expiry = min(later, default=_FOREVER)
        timed_out = [q for q in expired if self._inflight.abandon(q)]
        if not timed_out:
            return
        self._hurry()
        for pending in timed_out:
            self._cancel(pending.id)
            pending.error = CallTimeout(
                f"plugin {self._name!r}: a call did not finish within its timeout and was"
                " cancelled; raise the timeout (--timeout) or fix the plugin",
                plugin=self._name,
            )
            assert pending.on_done is not None
            pending.on_done(pending)
        # The probe waits for an answer this thread would have to read.
        threading.Thread(target=self._probe, daemon=True).start()
