"""Reading a worker's answers without a reader thread: leader and followers.

There is no thread that reads the worker's stdout and hands answers over.
A thread that waits for an answer reads the stdout itself when no other
thread is reading (it *leads*), and delivers every answer it finds, its own
and the others', to :class:`~plughost._runtime.inflight.InFlight`; threads
that come while one leads park as *followers* until their answer comes or
the leader steps down and wakes one of them to lead next. A call with
nothing else in flight therefore costs its thread a write, a poll and a
read, and no hand-off to another thread. The answers of futures nobody
waits on are read by a thread of its own (``_channel``), as a leader like
any other.

Reading is bounded (``_framing``), waits at most 50 ms at a time, so that
a leader notices its deadline and the channel's failure, and whatever goes
wrong (garbage, a line past the limit, the end of the stream) is handed to
the ``broke`` and ``ended`` callbacks once.
"""

from __future__ import annotations

import contextlib
import os
import select
import time
from collections.abc import Callable
from typing import IO

from . import protocol as p
from .framing import LineBuffer
from .inflight import InFlight, Pending, Waiter

__all__ = ["Leadership"]

# The longest a leader waits in one poll, so that it sees its deadline and a failure.
_SLICE = 0.05


class Leadership:
    """Who reads the worker's stdout now, the bytes read so far, and the parked followers.

    ``broke(exc, line, cut)`` is called when the worker broke the protocol
    (``line``: what it wrote, when that was its first line, else None), or
    when the stream cut a message or a line outgrew the limit (``cut``);
    ``ended()`` when its stdout ended cleanly. One of them is called, once.
    ``before_wait()`` is called each time the leader is about to wait, with
    :attr:`polling` to be set (under the table's lock): requests held back
    while it was busy with answers are written then.
    """

    def __init__(
        self,
        inflight: InFlight,
        max_message: int,
        broke: Callable[[p.ProtocolViolation, bytes | None, bool], None],
        ended: Callable[[], None],
        before_wait: Callable[[], None],
    ) -> None:
        self._inflight = inflight
        self._buffer = LineBuffer(max_message)
        self._broke = broke
        self._ended_hook = ended
        self._before_wait = before_wait
        #: Whether the leader is waiting in poll (not busy with answers).
        self.polling = False
        self._stream: IO[bytes] | None = None
        self._fd = -1
        self._poll = select.poll()
        self.leading = False
        self.followers: list[Waiter] = []
        self.over = False
        self._first = True
        self._release = False

    def connect(self, stream: IO[bytes]) -> None:
        """Read answers from ``stream`` (the worker's stdout)."""
        self._stream = stream
        self._fd = stream.fileno()
        os.set_blocking(self._fd, False)
        self._poll.register(self._fd, select.POLLIN)

    def try_lead(self) -> bool:
        """Become the leader if nobody leads (call with the table's lock held)."""
        if self.leading or self.over:
            return False
        self.leading = True
        return True

    def follow(self, waiter: Waiter) -> None:
        """Park ``waiter`` as a follower (with the table's lock held)."""
        waiter.rearm()
        self.followers.append(waiter)

    def unfollow(self, waiter: Waiter) -> None:
        """``waiter`` woke up (with the table's lock held)."""
        with contextlib.suppress(ValueError):
            self.followers.remove(waiter)

    def step_down(self) -> None:
        """Stop leading, and wake one follower to lead next."""
        with self._inflight.lock:
            self.leading = False
            self.pass_on()
            release = self._release and not self.leading
        if release:
            self._close()

    def pass_on(self) -> None:
        """While nobody leads, wake one parked follower to lead (with the table's lock held).

        A follower already woken (its answer came) would not lead: the next
        one is woken instead, so that the turn to read is never lost.
        """
        if self.leading:
            return
        while self.followers:
            waiter = self.followers.pop(0)
            if not waiter.woken:
                waiter.wake()
                return

    def wake_all(self) -> None:
        """Wake every follower (the channel failed)."""
        with self._inflight.lock:
            followers, self.followers = self.followers, []
            for waiter in followers:
                waiter.wake()

    def release(self) -> None:
        """Close the stdout once nobody reads it (the worker is gone)."""
        with self._inflight.lock:
            self._release = True
            if self.leading:
                return
            self.over = True
        self._close()

    def _close(self) -> None:
        self.over = True
        if self._stream is not None:
            with contextlib.suppress(OSError, ValueError):
                self._stream.close()
            self._stream = None

    def wait_for(self, pending: Pending, deadline: float | None) -> bool:
        """Wait for ``pending``, leading while nobody else reads; True once it is done or failed.

        False when the deadline passed, or when nobody can read any more
        (the stream ended or was released) and the channel has not failed.
        """
        inflight = self._inflight
        while True:
            with inflight.lock:
                if pending.done:
                    return True
                if inflight.failure is not None and pending.id not in inflight.pending:
                    pending.error = pending.error or inflight.failure
                    return True
                lead = self.try_lead()
                if not lead:
                    if pending.waiter is None:
                        pending.waiter = Waiter()
                    self.follow(pending.waiter)
            if lead:
                try:
                    self.lead(lambda: pending.done, deadline)
                finally:
                    self.step_down()
            else:
                assert pending.waiter is not None
                pending.waiter.wait(None if deadline is None else deadline - time.monotonic())
                with inflight.lock:
                    self.unfollow(pending.waiter)
                    if pending.done or (deadline is not None and time.monotonic() >= deadline):
                        # Leaving: a turn to read this follower was given goes on.
                        self.pass_on()
            # The loop's top sees a call that is done now; the rest ends the wait.
            if not pending.done:
                if deadline is not None and time.monotonic() >= deadline:
                    return False
                if self.over and inflight.failure is None:
                    return False

    def drain(self, seconds: float) -> None:
        """Read whatever is still written, for at most ``seconds``, unless another thread leads."""
        deadline = time.monotonic() + seconds
        with self._inflight.lock:
            lead = self.try_lead()
        if lead:
            try:
                self.lead(lambda: False, deadline)
            finally:
                self.step_down()

    def lead(self, done: Callable[[], bool], deadline: float | None) -> None:
        """Read and deliver answers until ``done()``, the deadline, or the stream is over."""
        buffer, inflight = self._buffer, self._inflight
        try:
            while True:
                line = buffer.next_line()
                while line is not None:
                    self._take(line)
                    line = buffer.next_line()
                if self.over or inflight.failure is not None or done():
                    return
                wait = _SLICE
                if deadline is not None:
                    wait = min(wait, deadline - time.monotonic())
                    if wait <= 0:
                        return
                self._before_wait()
                ready = self._poll.poll(wait * 1000)
                self.polling = False
                if ready and not buffer.read_from(self._fd):
                    self.over = True
                    if buffer.partial:
                        raise p.ProtocolViolation("the stream ended in the middle of a message")
                    self._ended_hook()
                    return
        except _Handled:
            return
        except p.ProtocolViolation as exc:
            self.over = True
            self._broke(exc, None, True)
        except (OSError, ValueError):
            # The stdout was closed under us: the worker is being shut down.
            self.over = True
            self._ended_hook()

    def _take(self, line: bytes) -> None:
        try:
            self._inflight.deliver(p.decode(line))
        except p.ProtocolViolation as exc:
            self.over = True
            self._broke(exc, line if self._first else None, False)
            raise _Handled from None
        self._first = False


class _Handled(p.ProtocolViolation):
    """A violation already reported."""
