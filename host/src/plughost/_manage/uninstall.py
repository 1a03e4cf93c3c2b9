"""``plughost uninstall``: remove plugins, never the host or what it stands on.

A target is a distribution name (canonical comparison) or a plugin name found
in entry-point metadata, so a broken, conflicting, incompatible or disabled
plugin is found as well; a plugin name two distributions provide must be
given as a distribution. Refused, in one line that says why:

- plughost itself, pip (install and uninstall run it), and every
  distribution plughost depends on (``Requires-Dist`` from plughost down,
  markers evaluated in the target environment), even with ``force``;
- a distribution that provides no plugin, unless ``force``.

The removal is a transaction like an install: the lock, a journal, a copy of
every file pip will remove. If pip fails or plughost is interrupted, every
file comes back. A file that a distribution that stays also lists (an
old-style namespace ``__init__.py``) is put back after pip removed it.
"""

from __future__ import annotations

import difflib
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import TextIO

from .._discovery.entrypoints import canonical_name
from .._errors import PluginUnavailable
from .children import Dist, InstallError, Probe, probe, run_pip, status
from .installed import installed_owners, owners_of, removal_paths
from .progress import Progress
from .repair import environment_roots, repair_interrupted, roll_back, scan_dirs
from .transaction import Journal, Transaction, interruptible, locked, work_folder

__all__ = ["NotInstalled", "uninstall"]


class NotInstalled(PluginUnavailable):
    """No installed distribution or plugin has that name; ``suggestions`` holds close names."""

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        hint = (
            f"did you mean {' or '.join(repr(s) for s in suggestions)}?"
            if suggestions
            else "run `plughost list` to see the installed plugins"
        )
        message = f"no plugin or distribution named {name!r} is installed; {hint}"
        super().__init__(message, plugin=name, state="missing")
        self.suggestions = tuple(suggestions)


def _choose(targets: Sequence[str], target: Probe, force: bool) -> dict[str, Dist]:
    """The distributions ``targets`` name, each checked against what must stay."""
    chosen: dict[str, Dist] = {}
    dists = target.dists
    unchanged = " (--force does not change that)" if force else ""
    for name in targets:
        key = canonical_name(name)
        owners = [(k, d) for k, d in dists.items() if k == key or name in d.plugins]
        owners = [(k, d) for k, d in owners if k == key] or owners
        if not owners:
            names = [*dists, *(p for d in dists.values() for p in d.plugins)]
            raise NotInstalled(name, difflib.get_close_matches(name, names, n=3))
        if len(owners) > 1:
            raise InstallError(
                f"plugin {name!r} is provided by {' and '.join(d.label() for _, d in owners)};"
                f" name the distribution to remove: plughost uninstall {owners[0][1].name}"
            )
        k, dist = owners[0]
        if k == "plughost":
            raise InstallError(
                f"plughost will not uninstall itself{unchanged}; run"
                f" `{target.python} -m pip uninstall plughost`"
            )
        if k == "pip":
            raise InstallError(
                f"plughost will not uninstall pip: plughost install and uninstall run it{unchanged}"
            )
        if k in target.needs:
            raise InstallError(
                f"plughost will not uninstall {dist.label()}: plughost needs it"
                f" ({target.needs[k]}){unchanged}"
            )
        if not dist.plugins and not force:
            raise InstallError(
                f"{dist.label()} provides no plugin (nothing in 'plughost.plugins'), and"
                " plughost uninstall removes plugins: give --force to remove it anyway"
            )
        chosen[k] = dist
    return chosen


def _ask(question: str) -> bool:
    if not sys.stdin or not sys.stdin.isatty():
        raise InstallError("uninstalling needs a confirmation: run it on a terminal, or pass -y")
    print(question, end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def uninstall(
    targets: Sequence[str],
    *,
    yes: bool = False,
    force: bool = False,
    python: str = sys.executable,
    confirm: Callable[[str], bool] | None = None,
    out: TextIO | None = None,
    verbosity: int = 0,
) -> list[Dist]:
    """Uninstall the distributions named, or providing the plugins named; return them.

    Targets are matched from metadata only, so a broken, conflicting or
    disabled plugin can be removed. Unless ``yes``, ``confirm`` (default: a
    prompt on the terminal) is asked first; when it declines, nothing is
    removed and ``[]`` is returned. plughost's steps go to ``out`` (default:
    ``sys.stderr``), pip's output too with ``verbosity`` 1 or more (see
    :class:`~plughost._manage.progress.Progress`). Raises :class:`NotInstalled` for
    an unknown target and :class:`InstallError` for what must stay (see the
    module), an ambiguous plugin name or a failed pip (after putting every
    file back).
    """
    if not targets:
        raise InstallError("name a plugin or distribution to uninstall, e.g. plughost uninstall X")
    target = probe(python)
    chosen = _choose(targets, target, force)
    listed = ", ".join(
        d.label() + (f" (plugins: {', '.join(d.plugins)})" if d.plugins else " (no plugins)")
        for d in chosen.values()
    )
    # Asked before the lock is taken: a prompt left open must not block other installs.
    if not yes and not (confirm or _ask)(f"uninstall {listed}? [y/N] "):
        return []
    progress = Progress(out if out is not None else sys.stderr, verbosity)
    with progress, interruptible(), locked(target.scheme["purelib"], progress) as waited:
        repaired = repair_interrupted(target, progress)
        if repaired:
            progress.note(repaired)
        if waited or repaired:
            target = probe(python)
            if _choose(targets, target, force) != chosen:
                raise InstallError(
                    "what you asked to uninstall changed while plughost waited for another"
                    " install or undid one; nothing was removed: run the uninstall again"
                )
        progress.step(f"uninstalling {listed}")
        return _remove(target, chosen, progress)


def _remove(target: Probe, chosen: dict[str, Dist], progress: Progress) -> list[Dist]:
    removes = {
        k: removal_paths(d.path or "", d.label(), target.cache_tag) for k, d in chosen.items()
    }
    owners = installed_owners(scan_dirs(target))
    journal = Journal(
        "uninstall",
        os.getpid(),
        time.time(),
        target.python,
        {k: d.version for k, d in target.dists.items()},
        {k: d.version for k, d in chosen.items()},
    )
    paths = [p for found in removes.values() for p in found]
    site = target.scheme["purelib"]
    txn = Transaction(site, environment_roots(target), journal)
    names = [d.name for d in chosen.values()]
    try:
        txn.prepare((), paths)
        args = ["uninstall", "--no-input", "-y", *names]
        code, tail = run_pip(target.python, args, progress, os.path.join(work_folder(site), "tmp"))
        left = [d.name for k, d in probe(target.python).dists.items() if k in chosen]
        if code == 0 and not left:
            shared = [p for p in paths if any(o.key not in chosen for o in owners_of(p, owners))]
            for path in txn.restore(p for p in shared if not os.path.lexists(p)):
                progress.note(f"kept {path}: a distribution that stays installs it too")
    except BaseException:
        roll_back(txn, target, progress)
        raise
    if code != 0 or left:
        fix = roll_back(txn, target, progress)
        errors = [line for line in tail if line.startswith("ERROR:")] or [f"pip {status(code)}"]
        undone = f"the rollback was incomplete (run {fix})" if fix else "every file was put back"
        raise InstallError(
            f"could not uninstall {', '.join(left or names)}: {errors[0]}; {undone}; try"
            f" `{target.python} -m pip uninstall {' '.join(left or names)}`"
        )
    txn.commit()
    return list(chosen.values())
