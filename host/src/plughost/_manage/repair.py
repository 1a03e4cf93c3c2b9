"""Undoing a transaction: right away (a rollback), or from the journal a killed plughost left.

A journal left behind may be damaged or planted (a wheel installed by plain
pip can ship one), so it is acted on only if no distribution's RECORD lists
it, its shape is right, every path it names lies in the environment (the
install scheme's folders, as the environment reports them now) and outside
the transaction folder, and every copy exists with the digest the journal
gives. Otherwise nothing is done, and the error names the folder to look at.
Even a trusted journal cannot make plughost delete a file that a
distribution outside its plan lists, nor a folder with anything but bytecode
and pip's ``.tmp`` files left in it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from .children import InstallError, Probe, probe
from .installed import Owner, inside, installed_owners, norm
from .interrupted import FOLDER, JOURNAL, read_small
from .transaction import (
    JOURNAL_FORMAT,
    Journal,
    Saved,
    Transaction,
    file_digest,
    plain,
    shielded,
)

if TYPE_CHECKING:
    from .progress import Progress

__all__ = ["environment_roots", "load", "repair_interrupted", "roll_back", "scan_dirs"]

_COPY = re.compile(r"saved/[0-9]{1,9}")


def environment_roots(target: Probe) -> tuple[str, ...]:
    """The folders of the environment: nothing outside them is written, saved or removed."""
    return tuple(dict.fromkeys(target.scheme.values()))


def scan_dirs(target: Probe) -> list[str]:
    """Where the distributions whose RECORDs say who owns a file live."""
    return [target.scheme["purelib"], target.scheme["platlib"], *target.sites]


def roll_back(txn: Transaction, target: Probe, progress: Progress) -> str:
    """Undo ``txn`` now; return how to finish by hand ("" when everything was put back)."""
    with shielded():
        progress.step("rolling back: putting every file back as it was")
        failures, kept = txn.undo(installed_owners(scan_dirs(target)))
        for line in kept:
            progress.note(line)
        if not failures:
            txn.commit()
    if failures:
        return f"{failures[0]}; then run `plughost install --repair`"
    try:
        final = probe(target.python)
    except InstallError as exc:
        return str(exc)
    lost = [
        f"{d.name}=={d.version}" for k, d in target.dists.items() if final.version(k) != d.version
    ]
    extra = [d.name for k, d in final.dists.items() if k not in target.dists]
    fixes = [f"`{target.python} -m pip install {' '.join(lost)}`"] if lost else []
    fixes += [f"`{target.python} -m pip uninstall {' '.join(extra)}`"] if extra else []
    return " and ".join(fixes)


def repair_interrupted(target: Probe, progress: Progress) -> str:
    """Undo what a killed plughost left half-done; return what was done ("" if nothing was)."""
    site = target.scheme["purelib"]
    owners = installed_owners(scan_dirs(target))
    txn = load(site, environment_roots(target), owners)
    if txn is None:
        return ""
    what = txn.journal.describe()
    progress.step(f"undoing {what}")
    with shielded():
        failures, kept = txn.undo(owners)
        for line in kept:
            progress.note(line)
        if not failures:
            txn.commit()
    if failures:
        raise InstallError(
            f"could not completely undo {what}: {failures[0]}; fix that, then run"
            " `plughost install --repair` again"
        )
    return f"undid {what}: its files are as they were before it"


def load(site: str, roots: Sequence[str], owners: Mapping[str, list[Owner]]) -> Transaction | None:
    """The transaction a killed plughost left in ``site``, checked; ``None`` if there is none.

    Raises :class:`InstallError` (nothing done) when the journal cannot be
    trusted: planted by a distribution, damaged, or naming a path outside
    the environment or a copy that is missing or changed.
    """
    folder = os.path.join(site, FOLDER)
    path = os.path.join(folder, JOURNAL)
    if not os.path.lexists(path):
        return None
    planted = sorted({o.label for p, found in owners.items() if inside(p, [folder]) for o in found})
    if planted:
        _distrust(folder, f"{planted[0]} installed it, and a distribution must never ship one")
    try:
        journal = _parse(json.loads(read_small(path, 1 << 28) or b""))
    except (ValueError, TypeError, KeyError) as exc:
        _distrust(folder, f"its journal is damaged: {exc}")
    txn = Transaction(site, roots, journal)
    named = [*journal.created, *journal.created_dirs, *journal.stash]
    for p in [*named, *(s.path for s in journal.saved)]:
        if p != norm(p) or not inside(p, txn.roots) or inside(p, [folder]):
            _distrust(folder, f"it names {p!r}, which is not a file of the environment")
    saved = os.path.join(folder, "saved")
    if os.path.realpath(saved) != saved:
        _distrust(folder, "its folder of copies is a link")
    for s in journal.saved:
        copy = os.path.join(folder, s.copy)
        if not _COPY.fullmatch(s.copy) or not plain(copy) or file_digest(copy) != s.digest:
            _distrust(folder, f"the copy of {s.path} is missing or changed")
    return txn


def _distrust(folder: str, why: str) -> NoReturn:
    raise InstallError(
        f"the environment holds a plughost journal that cannot be trusted ({why}), so nothing"
        f" was done; look at {folder}, reinstall with pip what it names if needed, then remove"
        " the folder"
    )


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


def _names(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(x, str) for x in value.values())


def _parse(data: Any) -> Journal:
    if not isinstance(data, dict) or data.get("format") != JOURNAL_FORMAT:
        raise ValueError("not a journal of this plughost")
    saved = data["saved"]
    if not (
        data["action"] in ("install", "uninstall")
        and isinstance(data["pid"], int)
        and isinstance(data["started"], int | float)
        and isinstance(data["python"], str)
        and _names(data["before"])
        and _names(data["planned"])
        and _strings(data["created"])
        and _strings(data["created_dirs"])
        and isinstance(data["stash"], dict)
        and all(_strings(v) for v in data["stash"].values())
        and isinstance(saved, list)
        and all(_names(s) and set(s) == set(Saved.__annotations__) for s in saved)
    ):
        raise ValueError("a field has the wrong type")
    fields = {k: data[k] for k in ("action", "pid", "started", "python", "before", "planned")}
    return Journal(
        **fields,
        saved=[Saved(**s) for s in saved],
        created=data["created"],
        created_dirs=data["created_dirs"],
        stash=data["stash"],
    )
