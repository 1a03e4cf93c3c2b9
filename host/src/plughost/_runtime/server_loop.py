"""The worker's loop: read a request, and run a call in the thread that read it.

A call with nothing else running runs *inline*, in the thread that read it,
with no hand-off to another thread; its answer is written at once, or, when
the next request has arrived already, gathered with the next answers into
one write. Calls that overlap run on a pool of threads.

So that ``ping`` and ``cancel`` are still answered at once while an inline
call runs, a second thread *watches*: every :data:`TICK` seconds it looks
at the inline call, and when the same call has run for a whole tick it
takes over the reading, while the first thread finishes the call and then
becomes the watcher itself. The watcher parks once no call has started for
about 50 ms, so an idle worker costs no wake-ups, and a busy one one
wake-up per tick.

Calls are run on threads of their own (never on the main thread, which
waits for signals): the reading threads start once the handshake is done.
"""

from __future__ import annotations

import _thread

from .._contract.untrusted import type_name
from . import protocol as p
from .server_channel import ServerChannel, leave, note

TYPE_CHECKING = False
if TYPE_CHECKING:
    import queue
    from collections.abc import Callable
    from typing import Any

__all__ = ["TICK", "Serving"]

#: How long an inline call runs before the watcher takes over the reading.
TICK = 0.002
# Ticks with no call started before the watcher parks (about 50 ms).
_QUIET_TICKS = 25
_MAX_THREADS = 64


class Serving:
    """Reads requests, dispatches them, and runs calls inline or on the pool.

    ``dispatch(message)`` handles every message but a call (True: the
    worker is to exit); ``answer(id, params)`` builds the line that answers
    a call, never raising short of a crash; ``failure`` builds a call's
    error answer when even that failed.
    """

    def __init__(
        self,
        channel: ServerChannel,
        dispatch: Callable[[dict[str, Any]], bool],
    ) -> None:
        self.channel = channel
        self._dispatch = dispatch
        self._answer: Callable[[Any, dict[str, Any]], bytes] | None = None
        self._last_resort: Callable[[Any, dict[str, Any], BaseException], bytes] | None = None
        self._lock = _thread.allocate_lock()
        self._running: set[Any] = set()
        self._cancelled: set[Any] = set()
        # The reading role: whose turn it is, and the call it runs inline.
        self._epoch = 0
        self._inline = 0
        self._calls = 0
        self._park = _thread.allocate_lock()
        self._park.acquire()
        self._parked = False
        self._threaded = False
        # The pool, for calls that overlap, made with the first of them.
        self._tasks: queue.SimpleQueue[tuple[Any, dict[str, Any]]] | None = None
        self._idle = 0
        self._threads = 0

    def ready(
        self,
        answer: Callable[[Any, dict[str, Any]], bytes],
        last_resort: Callable[[Any, dict[str, Any], BaseException], bytes],
    ) -> None:
        """The handshake is done: calls are answered from now on, on threads of their own."""
        self._answer, self._last_resort = answer, last_resort

    # -- the loop ------------------------------------------------------------------

    def serve(self) -> None:
        """Read until the handshake is done, then on two threads of their own; never returns."""
        self._read(0)
        # Reading and calls move off the main thread, which waits for signals.
        self._threaded = True
        _thread.start_new_thread(self._role, (True,))
        _thread.start_new_thread(self._role, (False,))
        forever = _thread.allocate_lock()
        forever.acquire()
        while True:
            forever.acquire()

    def _role(self, reading: bool) -> None:
        try:
            while True:
                if reading:
                    self._read(self._epoch)
                self._watch()
                reading = True
        except BaseException as exc:
            note(f"the worker's loop failed ({type_name(exc)}); exiting")
            leave(1)

    def _read(self, epoch: int) -> None:
        """Read and handle requests while this thread has the reading turn.

        Returns after an inline call, when the watcher took over meanwhile;
        before the handshake (``epoch`` 0 on the main thread), as soon as
        calls can be answered.
        """
        channel = self.channel
        while True:
            try:
                line = channel.next_line()
            except p.ProtocolViolation as exc:
                channel.send(p.error(None, p.PARSE_ERROR, str(exc)))
                leave(1)
                return
            except OSError as exc:
                note(f"cannot read from the host ({exc}); exiting")
                leave(1)
                return
            if line is None:
                leave(0)
                return
            try:
                message = p.decode(line)
            except p.ProtocolViolation as exc:
                channel.send(p.error(None, p.PARSE_ERROR, str(exc)))
                continue
            if message.get("method") == "call" and self._answer is not None:
                if not self._call(message, epoch):
                    return
            elif self._handle(message):
                leave(0)
                return
            if not self._threaded and self._answer is not None:
                return

    def _handle(self, message: dict[str, Any]) -> bool:
        try:
            if "id" not in message and message.get("method") == "cancel":
                params = message.get("params")
                self._cancel(params.get("id") if isinstance(params, dict) else None)
                return False
            return self._dispatch(message)
        except Exception as exc:
            # A bug here, or plugin code run by initialize that got through.
            if "id" in message:
                self.channel.send(
                    p.error(
                        message.get("id"),
                        p.INTERNAL_ERROR,
                        f"the worker failed to handle {message.get('method')!r}: {type_name(exc)}",
                    )
                )
            return False

    # -- calls ---------------------------------------------------------------------

    def _call(self, message: dict[str, Any], epoch: int) -> bool:
        """Run or hand off one call; False when this thread lost the reading turn."""
        id_, params = message.get("id"), message.get("params")
        if "id" not in message or not isinstance(params, dict):
            self._handle(message)
            return True
        with self._lock:
            inline = not self._running and self._threaded
            self._running.add(id_)
            if inline:
                self._calls += 1
                self._inline = self._calls
                if self._parked:
                    self._parked = False
                    self._park.release()
        if not inline:
            self._to_pool(id_, params)
            return True
        line: bytes | None = self._run(id_, params)
        with self._lock:
            self._inline = 0
            mine = self._epoch == epoch
            self._running.discard(id_)
            if id_ in self._cancelled:
                self._cancelled.discard(id_)
                line = None
        if line is not None:
            if mine and self.channel.more_waiting():
                self.channel.gather(line)
            else:
                self.channel.send_line(line)
        return mine

    def _run(self, id_: Any, params: dict[str, Any]) -> bytes:
        assert self._answer is not None and self._last_resort is not None
        try:
            return self._answer(id_, params)
        except BaseException as exc:
            # The answer could not even be built: say so, briefly, rather
            # than leave the call to its timeout.
            return self._last_resort(id_, params, exc)

    def _cancel(self, id_: Any) -> None:
        with self._lock:
            if id_ not in self._running or id_ in self._cancelled:
                return
            self._cancelled.add(id_)
        self.channel.send(p.error(id_, p.CANCELLED, "the call was cancelled"))

    # -- the watcher -----------------------------------------------------------------

    def _watch(self) -> None:
        """Watch the inline call; return once this thread has taken over the reading."""
        seen = 0
        started = self._calls
        quiet = 0
        while True:
            with self._lock:
                current = self._inline
                if current and current == seen:
                    # The same call has run inline for a whole tick.
                    self._epoch += 1
                    self._inline = 0
                    take = True
                else:
                    take = False
                    seen = current
                    # Parked only once no call has started for a while, so
                    # that a busy worker's calls do not wake it each time.
                    quiet = quiet + 1 if self._calls == started and not current else 0
                    started = self._calls
                    self._parked = quiet >= _QUIET_TICKS
            if take:
                # What the reader gathered waits no longer than this.
                self.channel.flush()
                return
            if quiet >= _QUIET_TICKS:
                self._park.acquire()
                quiet = 0
            else:
                self._park.acquire(True, TICK)

    # -- the pool ------------------------------------------------------------------

    def _to_pool(self, id_: Any, params: dict[str, Any]) -> None:
        import threading

        if self._tasks is None:
            import queue

            self._tasks = queue.SimpleQueue()
        with self._lock:
            # An idle thread is taken for this call now, so that a second
            # call that comes before it woke up gets a thread of its own.
            spawn = False
            if self._idle:
                self._idle -= 1
            elif self._threads < _MAX_THREADS:
                self._threads += 1
                spawn = True
        self._tasks.put((id_, params))
        if spawn:
            threading.Thread(target=self._work, daemon=True).start()

    def _work(self) -> None:
        tasks = self._tasks
        assert tasks is not None
        while True:
            id_, params = tasks.get()
            line = self._run(id_, params)
            with self._lock:
                self._running.discard(id_)
                cancelled = id_ in self._cancelled
                self._cancelled.discard(id_)
                self._idle += 1
            if not cancelled:
                self.channel.send_line(line)
