"""The rules an install keeps: it overwrites no file of another, and runs nothing at start unasked.

For wheels they are checked before anything changes (:func:`check_plans`):

- a file that exists may be written only if the distribution being
  replaced (same name) owns it and no other does, or the new bytes are the
  same as the old (an old-style namespace ``__init__.py``); bytecode in
  ``__pycache__`` follows its source;
- no file goes into plughost's transaction folder, nor where a folder is,
  and two wheels of one install may not write one file differently;
- a ``.pth`` file that site.py executes, or a ``sitecustomize`` /
  ``usercustomize`` module, at the top of a site folder, is refused unless
  ``allow_pth`` (then it is a warning naming the file and its first line).

Editable projects are built by pip while it installs, so they are checked
right after (:func:`check_editables`): their RECORD may list no file another
distribution lists nor anything in the transaction folder, and the only
``.pth`` that may run code is the project's own ``__editable__*.pth`` (what a
PEP 660 backend writes), unless ``allow_pth``. Before they are installed,
every file at the top of the site folders and in the scripts folder is saved
(:func:`editable_saves`): that is where PEP 660 backends write (a ``.pth``, a
finder module, the scripts), so a rollback restores those exactly. A file an
editable backend wrote deeper, over one nobody owned, cannot be restored.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

from .children import InstallError, Probe
from .installed import Owner, find_dist_infos, inside, key, owners_of, record_entries
from .interrupted import FOLDER, read_small
from .wheels import PTH_LIMIT, STARTUP_MODULES, WheelPlan, executable_lines

__all__ = ["check_editables", "check_plans", "editable_files", "editable_saves", "unplanned_files"]


def _bytecode(path: str) -> bool:
    return path.endswith(".pyc") and os.path.basename(os.path.dirname(path)) == "__pycache__"


def _shown(paths: Sequence[str], target: Probe) -> str:
    rel = [os.path.relpath(p, target.prefix) if inside(p, [target.prefix]) else p for p in paths]
    more = f" and {len(rel) - 3} more" if len(rel) > 3 else ""
    return ", ".join(rel[:3]) + more


def _sites(target: Probe) -> set[str]:
    return {*target.sites, target.scheme["purelib"], target.scheme["platlib"]}


def check_plans(
    plans: Sequence[WheelPlan], owners: Mapping[str, list[Owner]], target: Probe, allow_pth: bool
) -> list[str]:
    """Refuse (:class:`InstallError`) plans that break a rule, before a change; return warnings."""
    folder = os.path.join(target.scheme["purelib"], FOLDER)
    refusals: list[str] = []
    warnings: list[str] = []
    writers: dict[str, WheelPlan] = {}
    for plan in plans:
        clashes: dict[str, list[str]] = {}
        for dest in plan.files:
            if inside(dest, [folder]):
                clashes.setdefault("", []).append(dest)
                continue
            if _bytecode(dest):
                continue
            other = writers.setdefault(key(dest), plan)
            if other is not plan and (plan.digest(dest) or "-") != (other.digest(dest) or "+"):
                clashes.setdefault(f"{other.label()}, also being installed,", []).append(dest)
            if not os.path.lexists(dest):
                continue
            if os.path.isdir(dest) and not os.path.islink(dest):
                clashes.setdefault("(a folder)", []).append(dest)
                continue
            listed = owners_of(dest, owners)
            others = [o for o in listed if o.key != plan.key]
            mine = len(others) < len(listed)  # the release being replaced lists it
            if (others or not mine) and not plan.same_bytes(dest, dest):
                clashes.setdefault(others[0].label if others else "no one", []).append(dest)
        refusals += [_refusal(plan, owner, paths, target) for owner, paths in clashes.items()]
        for dest, line in plan.startup:
            shown = _shown([dest], target)
            if allow_pth:
                warnings.append(
                    f"{plan.label()} installs {shown}, which Python runs at every start: {line!r}"
                )
            else:
                refusals.append(
                    f"refused {plan.label()}: it installs {shown}, which Python runs at every"
                    f" start ({line[:100]!r}); nothing was changed: install with --allow-pth"
                    " if you trust it"
                )
    if refusals:
        more = f" (and {len(refusals) - 1} more)" if len(refusals) > 1 else ""
        raise InstallError(refusals[0] + more)
    return warnings


def _refusal(plan: WheelPlan, owner: str, paths: Sequence[str], target: Probe) -> str:
    shown = _shown(paths, target)
    fix = f"report it to the authors of {plan.name}"
    if owner == "":
        what = f"it would write into plughost's transaction folder ({shown})"
    elif owner == "(a folder)":
        what = f"it would put a file where the folder {shown} is"
    elif owner == "no one":
        what = f"it would overwrite {shown}, which no installed distribution owns"
        fix = f"move them away if you do not need them, or {fix}"
    elif owner.endswith("also being installed,"):
        what = f"it and {owner} would write {shown} with other contents"
    else:
        what = f"it would overwrite {shown}, installed by {owner}"
        fix = f"a distribution must never ship another's files: {fix}"
    return f"refused {plan.label()}: {what}; nothing was changed: {fix}"


def editable_saves(target: Probe) -> set[str]:
    """The files an editable install may overwrite: the top of the site folders, the scripts."""
    found: set[str] = set()
    for folder in {*_sites(target), target.scheme["scripts"]}:
        try:
            with os.scandir(folder) as entries:
                found |= {e.path for e in entries if not e.is_dir(follow_symlinks=False)}
        except OSError:
            continue
    return found


def editable_files(target: Probe, keys: Iterable[str]) -> list[str]:
    """The files the RECORDs of the editable distributions ``keys`` list (once installed)."""
    found = find_dist_infos(_sites(target), set(keys))
    return [p for _, info in found.values() for p in record_entries(info) or []]


def check_editables(
    target: Probe,
    keys: Iterable[str],
    owners: Mapping[str, list[Owner]],
    allow_pth: bool,
) -> tuple[list[str], list[str]]:
    """What the editable installs of ``keys`` broke, and the warnings."""
    folder = os.path.join(target.scheme["purelib"], FOLDER)
    sites = _sites(target)
    broken: list[str] = []
    warnings: list[str] = []
    found = find_dist_infos(sites, set(keys))
    for k, (label, info) in sorted(found.items()):
        for path in record_entries(info) or []:
            shown = _shown([path], target)
            others = [o for o in owners_of(path, owners) if o.key != k]
            if inside(path, [folder]):
                broken.append(f"the editable {label} wrote into plughost's transaction folder")
            elif others and not _bytecode(path):
                owner = others[0].label
                broken.append(f"the editable {label} overwrote {shown}, installed by {owner}")
            line = _startup_line(path, sites)
            if line is None or os.path.basename(path).startswith("__editable__"):
                continue
            if allow_pth:
                warnings.append(
                    f"{label} installs {shown}, which Python runs at every start: {line!r}"
                )
            else:
                broken.append(
                    f"the editable {label} installs {shown}, which Python runs at every start"
                    f" ({line[:100]!r}); install with --allow-pth if you trust it"
                )
    return broken, warnings


def _startup_line(path: str, sites: set[str]) -> str | None:
    if os.path.dirname(path) not in sites:
        return None
    base = os.path.basename(path)
    if base in STARTUP_MODULES:
        return f"(the module {base[:-3]}, imported at every start)"
    if not base.endswith(".pth"):
        return None
    data = read_small(path, PTH_LIMIT)
    lines = executable_lines(data) if data is not None else ["(a file plughost cannot read)"]
    return lines[0] if lines else None


def unplanned_files(plans: Sequence[WheelPlan], target: Probe) -> list[str]:
    """Warnings for files pip wrote that the plan did not foresee (the plan is pip's own model)."""
    warnings = []
    for plan in plans:
        extra = sorted(set(record_entries(plan.info) or []) - set(plan.files))
        if extra:
            warnings.append(
                f"pip wrote {len(extra)} file(s) for {plan.label()} that plughost did not check"
                f" ({_shown(extra, target)}); run `plughost verify` and report it to plughost"
            )
    return warnings
