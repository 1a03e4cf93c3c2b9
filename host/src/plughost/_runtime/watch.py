"""A worker's process seen from the host: its exit noticed, its stderr drained.

A :class:`ProcessWatch` owns what :class:`~plughost._runtime.client.WorkerProcess`
knows of the process under its channel: the ``Popen``, the tree of every
process it started, the stderr drain and the thread that waits for its exit.
It builds the channel with the hooks the channel calls back (describe a
failure with the stderr tail, the exit status, hurry the shutdown, kill), so
that the client keeps only the requests and the shutdown's order.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time

from .._errors import WorkerCrashed, WorkerError
from .channel import EXIT_NEWS, Channel, ProcessHooks
from .lifetime import describe_status
from .proctree import ProcessTree
from .stderr import StderrDrain

__all__ = ["ProcessWatch"]


class ProcessWatch:
    """The process of one worker: its channel, stderr drain, exit watcher and tree."""

    def __init__(self, name: str, max_message: int) -> None:
        self.name = name
        hooks = ProcessHooks(
            error=self.error,
            exit_status=self._exit_status,
            hurry=self.hurry_up,
            kill=self.kill,
            ended=self._on_exit,
        )
        #: The request channel over the worker's stdin and stdout.
        self.channel = Channel(name, max_message, hooks)
        #: Set when the worker timed out, failed to start or was interrupted.
        self.hurried = False
        self._stderr = StderrDrain(name)
        self._threads: list[threading.Thread] = []
        self.proc: subprocess.Popen[bytes] | None = None
        self.tree: ProcessTree | None = None

    def attach(self, proc: subprocess.Popen[bytes], tree: ProcessTree) -> None:
        """Watch ``proc``: connect the channel, drain stderr, wait for its exit."""
        self.proc, self.tree = proc, tree
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdin is not None
        self.channel.connect(proc.stdin, proc.stdout)
        for target, stream, label in (
            (self._stderr.drain, proc.stderr, "err"),
            (self._wait, None, "wait"),
        ):
            t = threading.Thread(
                target=target, args=(stream,), name=f"plughost-{self.name}-{label}", daemon=True
            )
            t.start()
            self._threads.append(t)

    def join(self, until: float) -> None:
        """Wait, until the monotonic time ``until`` at most, for the watching threads."""
        for t in self._threads:
            t.join(max(0.0, until - time.monotonic()))

    def _wait(self, _: object) -> None:
        """Notice the worker's exit, even while a grandchild holds its stdout open.

        What it wrote before it exited is read first (by whoever waits for an
        answer, or here), so that its last answers are not lost.
        """
        proc = self.proc
        assert proc is not None
        proc.wait()
        until = time.monotonic() + EXIT_NEWS
        self.channel.drain(EXIT_NEWS)
        while not self.channel.over and time.monotonic() < until:
            time.sleep(0.01)
        if not self.channel.over and not self.channel.closing:
            self.channel.fail(self.error(WorkerCrashed, describe_status(proc.poll())))

    def _on_exit(self) -> None:
        """The worker's stdout closed: it exited, or is about to."""
        proc = self.proc
        assert proc is not None
        if not self.channel.closing:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(EXIT_NEWS)
        # Give the stderr thread a moment to collect the last words.
        if self._threads and self._threads[0] is not threading.current_thread():
            self._threads[0].join(EXIT_NEWS)
        if self.channel.closing:
            what = "was shut down"
        else:
            what = describe_status(proc.poll())
            if proc.poll() is None:
                what = "closed its channel"
        self.channel.fail(self.error(WorkerCrashed, what))

    def error(self, kind: type[WorkerError], what: str) -> WorkerError:
        """A ``kind`` error saying the worker ``what``, with its exit status and stderr tail."""
        status = self.proc.poll() if self.proc else None
        tail = self._stderr.last_lines()
        text = f"plugin {self.name!r}: its worker {' '.join(what.split())}"
        if tail:
            text += "; last lines of its stderr: " + " | ".join(tail)
        return kind(
            text, plugin=self.name, exit_status=status, stderr_tail=tuple(self._stderr.tail)
        )

    def _exit_status(self, wait: float) -> int | None:
        proc = self.proc
        assert proc is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(wait)
        return proc.poll()

    def hurry_up(self) -> None:
        """Mark the worker as one not to ask politely for long at shutdown."""
        self.hurried = True

    def kill(self) -> None:
        """Kill the worker and everything it started, now."""
        if self.tree is not None:
            self.tree.kill()
