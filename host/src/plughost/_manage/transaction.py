"""An install or uninstall as a transaction: the lock, the journal, saved copies, undo.

Lock
    ``fcntl.flock`` on the site folder pip installs into (the scheme's
    ``purelib``). A folder is never replaced the way a lock file can be, so
    every plughost locks the same thing, and nothing is left behind. The
    holder writes its pid to ``FOLDER/owner`` for the waiting message.

Journal
    ``FOLDER/journal.json``, written atomically before anything changes:
    the action, pid and start, the distributions before and those planned,
    every file the change will write or remove that exists (each copied to
    ``FOLDER/saved/N`` with its sha256), the files and folders it will create,
    and where pip may leave the folders it moves aside while uninstalling.
    ``FOLDER/work`` holds the wheels and pip's temporary files; the next
    plughost to take the lock removes what a killed one left there.

Undo
    Deletes the created files, puts every saved copy back (atomically, by a
    rename next to the file), removes pip's leftover ``~name`` folders and
    the created folders once empty. It never uninstalls with pip, so a file
    of another distribution that an install overwrote comes back instead of
    being deleted with the newcomer's RECORD.

A journal left behind by a killed plughost is checked before it is acted on
(:mod:`plughost._manage.repair`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from .children import InstallError
from .installed import Owner, inside, owners_of
from .interrupted import FOLDER, JOURNAL, read_small

if TYPE_CHECKING:
    from .progress import Progress

__all__ = [
    "Interrupted",
    "Journal",
    "Saved",
    "Transaction",
    "file_digest",
    "plain",
    "interruptible",
    "locked",
    "shielded",
    "work_folder",
]

#: The version of the journal's shape.
JOURNAL_FORMAT = 1


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived; handled as Ctrl-C is (rolled back, exit status 130)."""


_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def _handlers(signals: Iterable[int], handler: Any) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; signals reach only it anyway
        return
    previous = {s: signal.signal(s, handler) for s in signals}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, signal.SIG_DFL if h is None else h)


def interruptible() -> contextlib.AbstractContextManager[None]:
    """Within, SIGTERM and SIGHUP raise :class:`Interrupted`, so they roll back as Ctrl-C does."""

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted(f"interrupted by {signal.Signals(signum).name}")

    return _handlers(_SIGNALS, interrupt)


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Within, SIGINT, SIGTERM and SIGHUP wait, so an undo is never cut short."""
    pending: list[int] = []
    with _handlers((signal.SIGINT, *_SIGNALS), lambda signum, frame: pending.append(signum)):
        yield
    if pending:
        raise Interrupted(f"interrupted by {signal.Signals(pending[0]).name}")


@contextlib.contextmanager
def locked(site: str, progress: Progress) -> Iterator[bool]:
    """Hold the lock on the environment whose site folder is ``site``; yield whether we waited."""
    if os.name != "posix":
        raise InstallError(
            "plughost install and uninstall need a POSIX system (they lock the environment with"
            " flock); use pip directly here"
        )

    try:
        os.makedirs(site, exist_ok=True)
        fd = os.open(site, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise InstallError(
            f"cannot open {site} to lock it ({exc.strerror}); run plughost as a user who may"
            " change that environment"
        ) from exc
    folder = os.path.join(site, FOLDER)
    try:
        waited = _acquire(fd, site, folder, progress)
        try:
            _own_folder(folder)
            _write(os.path.join(folder, "owner"), str(os.getpid()).encode())
            shutil.rmtree(os.path.join(folder, "work"), ignore_errors=True)  # a killed one's
        except OSError as exc:
            raise InstallError(
                f"cannot write in {site} ({exc.strerror}); run plughost as a user who may"
                " change that environment"
            ) from exc
        yield waited
    finally:
        shutil.rmtree(os.path.join(folder, "work"), ignore_errors=True)
        if not os.path.lexists(os.path.join(folder, JOURNAL)):  # copies of a prepare cut short
            shutil.rmtree(os.path.join(folder, "saved"), ignore_errors=True)
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(folder, "owner"))
        with contextlib.suppress(OSError):
            os.rmdir(folder)  # stays while a journal is in it
        os.close(fd)  # releases the lock


def _acquire(fd: int, site: str, folder: str, progress: Progress) -> bool:
    """Take the lock on ``fd``, waiting (saying for whom) if need be; return whether it waited."""
    import fcntl

    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            pid = (read_small(os.path.join(folder, "owner"), 32) or b"?").decode(errors="replace")
            who = f"another plughost install/uninstall (pid {pid})"
            progress.note(f"waiting for {who} in {site} to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
            return True
    except OSError as exc:
        raise InstallError(
            f"cannot lock {site} ({exc.strerror}): its file system has no flock; install with"
            " pip directly there"
        ) from exc


def work_folder(site: str) -> str:
    """A fresh folder for the locked transaction's own files and pip's temporary ones.

    It is in the transaction folder, so what a killed plughost (or pip) left
    there is removed by the next one to take the lock, not left in ``/tmp``.
    """
    work = os.path.join(site, FOLDER, "work")
    os.makedirs(os.path.join(work, "tmp"), exist_ok=True)
    return work


def _own_folder(folder: str) -> None:
    if os.path.islink(folder) or (os.path.lexists(folder) and not os.path.isdir(folder)):
        raise InstallError(
            f"{folder} is not a folder plughost made (a link or a file); nothing was changed:"
            " look at it, remove it, and retry"
        )
    os.makedirs(folder, exist_ok=True)


def _write(path: str, data: bytes) -> None:
    """Write ``path`` atomically and durably: a reader sees the old bytes or the new."""
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def plain(path: str) -> bool:
    """A regular file or a symbolic link (never a FIFO that would block a read)."""
    return os.path.islink(path) or os.path.isfile(path)


def file_digest(path: str) -> str:
    """sha256 of a file's bytes, or of a symbolic link's target."""
    if os.path.islink(path):
        return "link:" + hashlib.sha256(os.fsencode(os.readlink(path))).hexdigest()
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


@dataclass
class Saved:
    """A file that existed before, and its copy (``saved/N`` in the transaction folder)."""

    path: str
    copy: str
    digest: str


@dataclass
class Journal:
    """What a transaction is about to do, as written to ``journal.json``."""

    action: str
    pid: int
    started: float
    python: str
    before: dict[str, str]
    planned: dict[str, str]
    saved: list[Saved] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    created_dirs: list[str] = field(default_factory=list)
    stash: dict[str, list[str]] = field(default_factory=dict)

    def describe(self) -> str:
        """``the install of A, B interrupted at TIME (pid N)``, for messages."""
        names = ", ".join(sorted(self.planned)) or "nothing"
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        return f"the {self.action} of {names} interrupted at {when} (pid {self.pid})"


class Transaction:
    """One install or uninstall in the environment whose site folder is ``site``.

    :meth:`prepare` saves and journals; :meth:`undo` puts everything back;
    :meth:`commit` forgets the journal. ``roots`` are the environment's
    folders (the install scheme's): no path outside them is ever touched.
    """

    def __init__(self, site: str, roots: Sequence[str], journal: Journal) -> None:
        self.folder = os.path.join(site, FOLDER)
        self.roots = tuple(roots)
        self.journal = journal

    def prepare(self, writes: Iterable[str], removes: Iterable[str]) -> None:
        """Copy aside each file of ``writes`` and ``removes`` that exists; write the journal.

        Until the journal is written nothing was changed, so an undo of a
        half-prepared transaction only puts identical bytes back.
        """
        try:
            self._prepare(set(writes), list(removes))
        except OSError as exc:
            raise InstallError(
                f"cannot keep a copy of {exc.filename or 'a file'} ({exc.strerror or exc}), so"
                " it could not be put back; nothing was changed: free some space and retry"
            ) from exc

    def _prepare(self, writes: set[str], removes: list[str]) -> None:
        journal = self.journal
        saved = os.path.join(self.folder, "saved")
        shutil.rmtree(saved, ignore_errors=True)
        os.makedirs(saved)
        for path in sorted(writes | set(removes)):
            if not inside(path, self.roots) or inside(path, [self.folder]):
                continue
            if os.path.lexists(path) and not (os.path.isdir(path) and not os.path.islink(path)):
                copy = f"saved/{len(journal.saved)}"
                shutil.copy2(path, os.path.join(self.folder, copy), follow_symlinks=False)
                journal.saved.append(Saved(path, copy, file_digest(path)))
            elif path in writes:
                journal.created.append(path)
        created_dirs: set[str] = set()
        for path in journal.created:
            folder = os.path.dirname(path)
            while not os.path.lexists(folder) and inside(folder, self.roots):
                created_dirs.add(folder)
                folder = os.path.dirname(folder)
        journal.created_dirs = sorted(created_dirs)
        for path in removes:  # pip moves a folder it removes whole to ~NAME next to it
            for parent in {os.path.dirname(a) for a in _ancestors(path, self.roots)}:
                journal.stash.setdefault(parent, sorted(_tilde_entries(parent)))
        self.write()

    def add_created(self, paths: Iterable[str]) -> None:
        """Note files written that were not there before (found after an editable install)."""
        known = {s.path for s in self.journal.saved} | set(self.journal.created)
        new = sorted({p for p in paths if p not in known and inside(p, self.roots)})
        self.journal.created += new
        # A folder that held no saved file was made by this install (a new .dist-info).
        held = {a for s in self.journal.saved for a in _ancestors(s.path, self.roots)}
        dirs = {a for p in new for a in _ancestors(p, self.roots)} - held
        self.journal.created_dirs = sorted(set(self.journal.created_dirs) | dirs)
        self.write()

    def write(self) -> None:
        """Write the journal as it stands."""
        data = asdict(self.journal) | {"format": JOURNAL_FORMAT}
        _write(os.path.join(self.folder, JOURNAL), json.dumps(data, indent=1).encode())

    def restore(self, paths: Iterable[str]) -> list[str]:
        """Put back the saved copies of ``paths`` (those that were saved); return them."""
        wanted = set(paths)
        done = []
        for saved in self.journal.saved:
            if saved.path in wanted:
                self._put_back(saved)
                done.append(saved.path)
        return done

    def _put_back(self, saved: Saved) -> None:
        path = saved.path
        if os.path.isdir(path) and not os.path.islink(path):
            raise IsADirectoryError(21, "a folder is in its place", path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.plughost-restore"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        shutil.copy2(os.path.join(self.folder, saved.copy), tmp, follow_symlinks=False)
        os.replace(tmp, path)

    def undo(self, owners: Mapping[str, list[Owner]]) -> tuple[list[str], list[str]]:
        """Put the environment back as it was; return what failed and what was kept.

        ``owners`` are the files installed distributions list now: a created
        file that a distribution outside the plan lists is kept (and named).
        """
        problems: list[str] = []
        kept: list[str] = []
        saved_paths = {s.path for s in self.journal.saved}
        for path in self.journal.created:
            if path in saved_paths or not os.path.lexists(path):
                continue
            if os.path.isdir(path) and not os.path.islink(path):
                continue
            others = [o for o in owners_of(path, owners) if o.key not in self.journal.planned]
            if others:
                kept.append(f"kept {path}: {others[0].label} installs it too")
                continue
            _attempt(problems, os.unlink, path)
        for saved in self.journal.saved:
            _attempt(problems, self._put_back, saved)
        for parent, before in self.journal.stash.items():
            for name in sorted(_tilde_entries(parent) - set(before)):
                _attempt(problems, shutil.rmtree, os.path.join(parent, name))
        for folder in sorted(self.journal.created_dirs, key=len, reverse=True):
            _attempt(problems, _remove_if_only_leftovers, folder)
        return problems, kept

    def commit(self) -> None:
        """The environment is consistent: forget the journal and the copies."""
        os.unlink(os.path.join(self.folder, JOURNAL))
        shutil.rmtree(os.path.join(self.folder, "saved"), ignore_errors=True)


def _attempt(problems: list[str], action: Any, path: Any) -> None:
    try:
        action(path)
    except OSError as exc:
        where = path.path if isinstance(path, Saved) else path
        problems.append(f"could not put back {where}: {exc.strerror or exc}")


def _ancestors(path: str, roots: Sequence[str]) -> list[str]:
    """The folders above ``path`` inside ``roots``, not the roots themselves."""
    found = []
    folder = os.path.dirname(path)
    while folder not in roots and inside(folder, roots):
        found.append(folder)
        folder = os.path.dirname(folder)
    return found


def _tilde_entries(folder: str) -> set[str]:
    try:
        with os.scandir(folder) as it:
            return {e.name for e in it if e.name[:1] == "~" and e.is_dir(follow_symlinks=False)}
    except OSError:
        return set()


def _remove_if_only_leftovers(folder: str) -> None:
    if not os.path.isdir(folder) or os.path.islink(folder):
        return
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if name.endswith((".pyc", ".tmp")) and os.path.isfile(path) and not os.path.islink(path):
            os.unlink(path)
    with contextlib.suppress(OSError):
        os.rmdir(folder)  # not empty: something else lives there now, keep it
