"""Every process a worker started, found in /proc and ended together.

A plugin may start processes that leave the worker's process group
(``setsid``) or its tree (a double fork). A :class:`ProcessTree` finds them
all: the descendants of its root by parent pid, the members of the root's
process group and session, and every process whose environment carries the
root's token (what the worker starts inherits it, unless it clears its
environment). Each process found is pinned, with a pidfd where the kernel has
them (Linux 5.3) and by its start time otherwise, so that a pid the kernel
has given to an unrelated process since is never signalled.

:meth:`ProcessTree.kill` freezes the tree with SIGSTOP, looks again until
nothing new turns up (a stopped process cannot fork), then SIGKILLs every
member: a process that forks in a loop cannot outrun it.

Without /proc (macOS, the BSDs) the tree is the root's process group, which
is signalled with ``killpg``: processes that leave the group are not found
there.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading

__all__ = ["HAVE_PROC", "TOKEN_VARIABLE", "ProcessTree", "read_stat"]

#: Whether processes can be found through /proc (Linux).
HAVE_PROC = os.path.exists("/proc/self/stat")

#: The environment variable that marks the processes of one worker.
TOKEN_VARIABLE = "PLUGHOST_WORKER_TOKEN"

# Freezing converges in two or three rounds; the bound only stops a tree that
# somehow keeps growing under SIGSTOP from holding the caller forever.
_MAX_ROUNDS = 50
_GONE_STATES = frozenset("ZXx")


class Stat:
    """What /proc/PID/stat says about a process that matters here."""

    __slots__ = ("pgid", "pid", "ppid", "sid", "start", "state")

    def __init__(self, pid: int, ppid: int, pgid: int, sid: int, start: int, state: str) -> None:
        self.pid = pid
        self.ppid = ppid
        self.pgid = pgid
        self.sid = sid
        self.start = start
        self.state = state


def read_stat(pid: int) -> Stat | None:
    """The process ``pid`` as /proc shows it, or None when it is not there."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        # The command name may hold spaces and parentheses; it ends at the last ')'.
        fields = data[data.rindex(b")") + 2 :].split()
        return Stat(
            pid=pid,
            ppid=int(fields[1]),
            pgid=int(fields[2]),
            sid=int(fields[3]),
            start=int(fields[19]),
            state=fields[0].decode("ascii", "replace"),
        )
    except (OSError, ValueError, IndexError):
        return None


def _all_stats() -> dict[int, Stat]:
    stats: dict[int, Stat] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return stats
    for name in entries:
        if name.isdigit():
            stat = read_stat(int(name))
            if stat is not None:
                stats[stat.pid] = stat
    return stats


def _has_token(pid: int, needle: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            environ = f.read()
    except OSError:
        # Another user's process, or one that is exiting.
        return False
    return needle in b"\0" + environ


class _Member:
    """One process of the tree, pinned so that its pid cannot be mistaken."""

    __slots__ = ("fd", "pid", "start")

    def __init__(self, pid: int, start: int, fd: int | None) -> None:
        self.pid = pid
        self.start = start
        self.fd = fd

    @classmethod
    def pin(cls, stat: Stat) -> _Member | None:
        fd: int | None = None
        with contextlib.suppress(OSError, AttributeError):
            fd = os.pidfd_open(stat.pid)
        # The pidfd holds whichever process has the pid now: check that it is
        # the one that was read.
        now = read_stat(stat.pid)
        if now is None or now.start != stat.start:
            if fd is not None:
                os.close(fd)
            return None
        return cls(stat.pid, stat.start, fd)

    def is_same(self, stat: Stat | None) -> bool:
        return stat is not None and stat.start == self.start

    def alive(self) -> bool:
        stat = read_stat(self.pid)
        return self.is_same(stat) and stat is not None and stat.state not in _GONE_STATES

    def send(self, sig: int) -> None:
        try:
            if self.fd is not None:
                signal.pidfd_send_signal(self.fd, sig)
            elif self.is_same(read_stat(self.pid)):
                os.kill(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def close(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None


class ProcessTree:
    """A process (``root``) and everything it started, wherever it went.

    ``token`` is the value of :data:`TOKEN_VARIABLE` in the root's
    environment, if it was given one. ``include_root`` makes the root a
    member too (a worker) or not (this very process, ending its own
    descendants). ``group`` also takes in the members of the process group
    and session the root leads. This process and its ancestors are never
    members. Call :meth:`close` when done, to release the pidfds.
    """

    def __init__(
        self,
        root: int,
        *,
        token: str | None = None,
        include_root: bool = True,
        group: bool = True,
    ) -> None:
        self.root = root
        self._needle = f"\0{TOKEN_VARIABLE}={token}\0".encode() if token else None
        self._include_root = include_root
        self._group = group
        self._lock = threading.RLock()
        self._members: dict[int, _Member] = {}
        self._root: _Member | None = None
        self._closed = False
        if HAVE_PROC:
            stat = read_stat(root)
            self._root = _Member.pin(stat) if stat is not None else None

    # -- finding ---------------------------------------------------------------

    def collect(self) -> int:
        """Look for members anew; how many are alive (the root counted)."""
        with self._lock:
            if self._closed:
                return 0
            if not HAVE_PROC:
                return 1 if self._signal_group(0) else 0
            self._collect()
            return len(self._members)

    def _collect(self) -> None:
        stats = _all_stats()
        spared = self._ancestors(stats)
        root_stat = stats.get(self.root)
        root_ours = self._root is not None and self._root.is_same(root_stat)
        # Once the root is gone its pid may be reused, and with it the numbers
        # of its group and session: then only its pinned members still count.
        group_ours = self._group and (root_stat is None or root_ours)
        children: dict[int, list[int]] = {}
        for stat in stats.values():
            children.setdefault(stat.ppid, []).append(stat.pid)
        seeds: list[int] = [self.root] if root_ours else []
        for stat in stats.values():
            if stat.pid in spared or stat.pid == self.root:
                continue
            known = self._members.get(stat.pid)
            if (
                (known is not None and known.is_same(stat))
                or (group_ours and self.root in (stat.pgid, stat.sid))
                or (self._needle is not None and _has_token(stat.pid, self._needle))
            ):
                seeds.append(stat.pid)
        found: set[int] = set()
        while seeds:
            pid = seeds.pop()
            # The root is gone through even when it is this very process.
            if pid in found or (pid in spared and pid != self.root):
                continue
            found.add(pid)
            seeds.extend(children.get(pid, ()))
        found -= spared
        if not self._include_root:
            found.discard(self.root)
        live = {pid for pid in found if stats[pid].state not in _GONE_STATES}
        for pid in list(self._members):
            if pid not in live or not self._members[pid].is_same(stats.get(pid)):
                self._drop(pid)
        for pid in live - self._members.keys():
            pinned = self._root if pid == self.root else _Member.pin(stats[pid])
            if pinned is not None:
                self._members[pid] = pinned

    def _drop(self, pid: int) -> None:
        member = self._members.pop(pid)
        if member is not self._root:
            # The root's pin lasts as long as the tree: its pid must not be mistaken.
            member.close()

    @staticmethod
    def _ancestors(stats: dict[int, Stat]) -> set[int]:
        """This process and its ancestors: never signalled, whatever they carry."""
        spared = {0, 1}
        pid = os.getpid()
        while pid not in spared:
            spared.add(pid)
            stat = stats.get(pid)
            if stat is None:
                break
            pid = stat.ppid
        return spared

    # -- signalling ----------------------------------------------------------------

    def signal(self, sig: int) -> None:
        """Send ``sig`` to every member found so far (look again first)."""
        with self._lock:
            if self._closed:
                return
            if not HAVE_PROC:
                self._signal_group(sig)
                return
            self._collect()
            for member in list(self._members.values()):
                member.send(sig)

    def kill(self) -> None:
        """Freeze the whole tree, look again until it is stable, then SIGKILL it."""
        with self._lock:
            if self._closed:
                return
            if not HAVE_PROC:
                self._signal_group(signal.SIGKILL)
                return
            stopped: set[int] = set()
            for _ in range(_MAX_ROUNDS):
                self._collect()
                fresh = [m for pid, m in self._members.items() if pid not in stopped]
                if not fresh:
                    break
                for member in fresh:
                    member.send(signal.SIGSTOP)
                    stopped.add(member.pid)
            for member in list(self._members.values()):
                member.send(signal.SIGKILL)
            if self._group and self._root is not None and self._root.alive():
                # Members that could not be pinned (not readable in /proc).
                self._signal_group(signal.SIGKILL)

    def alive(self) -> bool:
        """Whether any member is still running (look again first)."""
        return self.collect() > 0

    def _signal_group(self, sig: int) -> bool:
        if not self._group:
            return False
        try:
            os.killpg(self.root, sig)
        except (ProcessLookupError, PermissionError):
            return False
        return True

    def close(self) -> None:
        """Release the pidfds; the tree finds and signals nothing afterwards."""
        with self._lock:
            self._closed = True
            for member in self._members.values():
                if member is not self._root:
                    member.close()
            self._members.clear()
            if self._root is not None:
                self._root.close()
