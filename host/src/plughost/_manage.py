"""``plughost install``: pip, made safe for the host and for everything else installed.

Everything acts on one interpreter, ``python`` (default: the one running
plughost; a venv, a user install and pipx all work), and every look at it is
a child process (:mod:`plughost._pip`).

1. *Probe* the environment: distributions, install scheme, site folders.
   Refuse a spec naming plughost, or a plugin instead of its distribution.
2. *Lock* the environment (:func:`~plughost._transaction.locked`), waiting
   for another plughost install or uninstall, and undo what a killed one
   left half-done (:mod:`plughost._repair`).
3. *Resolve*: ``pip install --dry-run --report`` with ``plughost==VERSION``
   as a constraint (``-c`` adds to pip's configured constraints). If pip
   fails here, nothing changed.
4. *Fetch* the exact artifacts: ``pip wheel --no-deps`` of each planned
   item's URL into a private folder (an sdist is built here); a wheel must
   have the digest pip resolved.
5. *Inspect* (:mod:`plughost._wheels`, :mod:`plughost._rules`): refuse,
   before anything changes, a wheel that would overwrite a file of another
   distribution (or one nobody owns) with other bytes, put a file outside
   the environment, or run code at every start (an executable ``.pth``,
   ``sitecustomize``) unless ``allow_pth``.
6. *Journal* (:class:`~plughost._transaction.Transaction`): copy aside every
   file that will be written or removed and exists; note what is new.
7. *Install* exactly those wheels (``pip --isolated install --no-deps
   --no-index --force-reinstall``, by name from the private folder, or by
   file for a direct reference, whose ``direct_url.json`` then gets the
   original URL back), then the editable projects.
8. *Check* the plugins of the added or changed distributions with
   ``plughost check --json`` in a child. A requested distribution without
   plugins, a plugin neither ``ok`` nor ``disabled`` (the user's choice) or a
   crashed check is a problem that rolls back unless ``keep``. A failed pip,
   a broken rule or an interruption (Ctrl-C, SIGTERM, SIGHUP) always rolls
   back: half an install is never kept.

Editable projects cannot be inspected first (pip builds them while it
installs); see :mod:`plughost._rules` for what is checked after.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from ._discovery import canonical_name
from ._installed import Owner, fix_metadata, installed_owners, owners_of, removal_paths
from ._outcome import InstallOutcome, examine
from ._pip import InstallError, Probe, pip_failed, probe, run_pip
from ._repair import environment_roots, repair_interrupted, roll_back, scan_dirs
from ._rules import check_editables, check_plans, editable_files, editable_saves, unplanned_files
from ._transaction import Journal, Transaction, interruptible, locked, say, work_folder
from ._uninstall import NotInstalled, uninstall
from ._wheels import WheelPlan, artifact, read_wheel

__all__ = [
    "PIP_OPTIONS",
    "InstallError",
    "InstallOutcome",
    "NotInstalled",
    "install",
    "repair",
    "uninstall",
]

#: The pip options ``install`` passes through, each with whether it takes a value.
PIP_OPTIONS: Mapping[str, bool] = {
    **dict.fromkeys(("-U", "--upgrade", "--pre", "--no-index"), False),
    **dict.fromkeys(("-e", "--editable", "-i", "--index-url", "--extra-index-url"), True),
    **dict.fromkeys(("-f", "--find-links"), True),
}
_INDEX_OPTIONS = ("--no-index", "-i", "--index-url", "--extra-index-url", "-f", "--find-links")


def _pip_options(options: Sequence[str]) -> list[tuple[str, str | None]]:
    result: list[tuple[str, str | None]] = []
    items = iter(options)
    for option in items:
        flag, eq, inline = option.partition("=")
        takes_value = PIP_OPTIONS.get(flag)
        if takes_value is None:
            raise InstallError(
                f"plughost install does not pass {option!r} to pip, only"
                f" {', '.join(PIP_OPTIONS)}; for anything else run `python -m pip` yourself"
            )
        if not takes_value:
            result.append((flag, None))
            continue
        value = inline if eq else next(items, None)
        if value is None:
            raise InstallError(f"pip option {flag} needs a value; give it after {flag}")
        result.append((flag, value))
    return result


def _args(options: Sequence[tuple[str, str | None]], *, keep: Sequence[str] = ()) -> list[str]:
    chosen = [(f, v) for f, v in options if not keep or f in keep]
    return [a for f, v in chosen for a in ((f,) if v is None else (f, v))]


def _check_specs(specs: Sequence[str], before: Probe, host: str) -> None:
    """Refuse specs that name plughost itself, or a plugin instead of its distribution."""
    from packaging.requirements import InvalidRequirement, Requirement

    owners = {canonical_name(p): d for d in before.dists.values() for p in d.plugins}
    for spec in specs:
        if spec.startswith("-"):
            raise InstallError(f"{spec!r} is not a distribution; pass pip options as options")
        if os.path.exists(spec) or spec.endswith((".whl", ".zip", ".tar.gz")):
            continue
        try:
            name = canonical_name(Requirement(spec).name)
        except InvalidRequirement:
            continue  # pip explains it
        if name == "plughost":
            raise InstallError(
                f"plughost install never changes plughost itself (it stays at {host});"
                f" upgrade the host with `{before.python} -m pip install -U plughost`"
            )
        if name not in before.dists and name in owners:
            raise InstallError(
                f"{spec!r} is the name of a plugin, not of a distribution: it comes from"
                f" {owners[name].label()}; to upgrade it: plughost install -U {owners[name].name}"
            )


def _host_version(target: Probe) -> str:
    if "plughost" not in target.dists:
        raise InstallError(
            f"plughost is not installed for {target.python}; use plughost's own Python"
        )
    return target.dists["plughost"].version


def repair(*, python: str = sys.executable, out: TextIO | None = None) -> str:
    """Undo an install or uninstall killed half-way; return one line saying what was done."""
    stream = out if out is not None else sys.stderr
    target = probe(python)
    with interruptible(), locked(target.scheme["purelib"], stream) as waited:
        target = probe(python) if waited else target
        done = repair_interrupted(target, stream)
    return done or f"nothing to repair: no interrupted install in {target.scheme['purelib']}"


def install(
    specs: Sequence[str],
    *,
    pip_options: Sequence[str] = (),
    keep: bool = False,
    allow_pth: bool = False,
    python: str = sys.executable,
    out: TextIO | None = None,
) -> InstallOutcome:
    """Install ``specs`` with pip for ``python``, check the new plugins, roll back on a problem.

    ``specs`` are what ``pip install`` takes (names with versions, paths,
    URLs); ``pip_options`` may hold the options of :data:`PIP_OPTIONS` (an
    editable project is ``("-e", PATH)``). pip's output and plughost's notes
    go to ``out`` (default: ``sys.stderr``). With ``keep``, a completed
    install whose plugins are not ``ok`` is kept; with ``allow_pth``, a
    ``.pth`` file that runs code is allowed (and named in the warnings).
    Raises :class:`InstallError` when the request cannot be carried out
    safely, or pip fails (after rolling back what it changed).
    """
    stream = out if out is not None else sys.stderr
    options = _pip_options(pip_options)
    editables = [v for f, v in options if f in ("-e", "--editable") and v is not None]
    if not specs and not editables:
        raise InstallError("name a distribution to install, e.g. plughost install plughost-greeter")
    target = probe(python)
    host = _host_version(target)
    _check_specs(specs, target, host)
    with interruptible(), locked(target.scheme["purelib"], stream) as waited:
        target = probe(python) if waited else target
        repaired = repair_interrupted(target, stream)
        target = probe(python) if repaired else target
        request = _Request(target, host, specs, options, editables, keep, allow_pth, stream)
        outcome = request.run(Path(work_folder(target.scheme["purelib"])))
    return outcome.with_repaired(repaired)


class _Request:
    """One install, run with the environment locked."""

    def __init__(
        self,
        target: Probe,
        host: str,
        specs: Sequence[str],
        options: Sequence[tuple[str, str | None]],
        editables: Sequence[str],
        keep: bool,
        allow_pth: bool,
        out: TextIO,
    ) -> None:
        self.target, self.host, self.specs, self.options = target, host, specs, options
        self.editables, self.keep, self.allow_pth, self.out = editables, keep, allow_pth, out
        self.python = target.python
        self.what = " ".join(specs) or " ".join(_args(options))
        self.tmpdir: str | None = None

    def run(self, work: Path) -> InstallOutcome:
        """Resolve, fetch, inspect, journal, install, check; commit or roll back."""
        self.tmpdir = str(work / "tmp")
        constraints = work / "constraints.txt"
        constraints.write_text(f"plughost=={self.host}\n", encoding="utf-8")
        scheme = self.target.scheme_option()
        say(self.out, f"resolving (nothing changes yet; plughost stays {self.host})")
        report = work / "report.json"
        args = ["install", "--no-input", scheme, "-c", str(constraints), *_args(self.options)]
        dry_run = [*args, *self.specs, "--dry-run", "--report", str(report)]
        self._pip(dry_run, "nothing was changed; ")
        items = json.loads(report.read_text(encoding="utf-8")).get("install", [])
        planned = {canonical_name(i["metadata"]["name"]): i for i in items}
        if "plughost" in planned:
            raise InstallError(f"pip would replace plughost {self.host}; nothing was changed")
        if not planned:
            return InstallOutcome()
        editable = {k for k, i in planned.items() if _is_editable(i)}
        plans = self._fetch({k: i for k, i in planned.items() if k not in editable}, work)
        replaced = sorted(planned.keys() & self.target.dists.keys())
        removes = {k: self._removal_paths(k) for k in replaced}
        owners = installed_owners(scan_dirs(self.target))
        warnings = check_plans(plans, owners, self.target, self.allow_pth)
        writes = {p for plan in plans for p in plan.files}
        if editable:
            writes |= editable_saves(self.target)
        journal = Journal(
            "install",
            os.getpid(),
            time.time(),
            self.python,
            {k: d.version for k, d in self.target.dists.items()},
            {k: i["metadata"]["version"] for k, i in planned.items()},
        )
        site = self.target.scheme["purelib"]
        all_removes = [p for paths in removes.values() for p in paths]
        txn = Transaction(site, environment_roots(self.target), journal)
        try:
            txn.prepare(writes, all_removes)
            after, more = self._change(txn, plans, planned, editable, owners)
            warnings += more
            shared = [p for p in all_removes if _also_owned(p, owners, planned)]
            for path in txn.restore(p for p in shared if not os.path.lexists(p)):
                say(self.out, f"kept {path}: another distribution installs it too")
            changed, plugins, problems = examine(self.target, after, planned)
        except BaseException as exc:
            fix = roll_back(txn, self.target, self.out)
            if not isinstance(exc, _Failed):
                raise
            undone = "the previous distributions were restored; "
            undone = f"the rollback was incomplete (run {fix}); " if fix else undone
            if exc.tail is None:
                raise InstallError(f"{exc.message}; {undone.rstrip('; ')}") from None
            raise pip_failed(exc.code, exc.tail, self.what, self.host, undone) from None
        if not problems or self.keep:
            txn.commit()
            return InstallOutcome(changed, plugins, problems=problems, warnings=tuple(warnings))
        fix = roll_back(txn, self.target, self.out)
        extra = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        reason = f"rolled back: {problems[0]}{extra}; to keep it anyway, install with --keep"
        if fix:
            reason += f"; the rollback was incomplete: run {fix}"
        return InstallOutcome(changed, plugins, True, reason, not fix, problems, tuple(warnings))

    def _removal_paths(self, key: str) -> list[str]:
        dist = self.target.dists[key]
        return removal_paths(dist.path or "", dist.label(), self.target.cache_tag)

    def _fetch(self, items: Mapping[str, Mapping[str, Any]], work: Path) -> list[WheelPlan]:
        """The exact wheel of each planned item, in a private folder, mapped to the scheme."""
        from packaging.utils import InvalidWheelFilename, parse_wheel_filename
        from packaging.version import Version

        if not items:
            return []
        dest = work / "wheels"
        say(self.out, "fetching the exact wheels pip chose (nothing changes yet)")
        index = _args(self.options, keep=_INDEX_OPTIONS)
        urls = [artifact(i["download_info"]) for i in items.values()]
        args = ["wheel", "--no-input", "--no-deps", "--wheel-dir", str(dest), *index, *urls]
        self._pip(args, "nothing was changed; ", "wheel")
        made = {}
        for wheel in dest.glob("*.whl"):
            try:
                name, version, _, _ = parse_wheel_filename(wheel.name)
            except InvalidWheelFilename:
                continue
            made[(canonical_name(name), version)] = wheel
        plans = []
        for key, item in items.items():
            name, version = item["metadata"]["name"], item["metadata"]["version"]
            made_wheel = made.get((key, Version(version)))
            info = item["download_info"]
            resolved = info.get("archive_info", {}).get("hashes", {}).get("sha256")
            if made_wheel is None or (
                resolved and info["url"].endswith(".whl") and _sha256(made_wheel) != resolved
            ):
                raise InstallError(
                    f"the wheel fetched for {name} {version} is not the one pip resolved"
                    f" (from {info['url']}); nothing was changed: retry, and if it happens"
                    " again the package index is serving changing files"
                )
            direct = bool(item.get("is_direct"))
            plans.append(read_wheel(str(made_wheel), name, version, direct, self.target))
        return plans

    def _change(
        self,
        txn: Transaction,
        plans: Sequence[WheelPlan],
        planned: Mapping[str, Mapping[str, Any]],
        editable: set[str],
        owners: Mapping[str, list[Owner]],
    ) -> tuple[Probe, list[str]]:
        """Install the checked wheels, then the editables; return the environment, warnings."""
        scheme = self.target.scheme_option()
        warnings: list[str] = []
        say(self.out, "installing")
        if plans:
            folder = os.path.dirname(plans[0].wheel)
            wanted = [p.wheel if p.direct else f"{p.name}=={p.version}" for p in plans]
            fixed = ["--no-input", "--no-deps", "--no-index", "--force-reinstall", scheme]
            self._pip(["--isolated", "install", *fixed, "--find-links", folder, *wanted], "")
            for plan in plans:
                item = planned[plan.key]
                direct = item["download_info"] if plan.direct else None
                fix_metadata(plan.info, direct, bool(item.get("requested")))
        if editable:
            index = _args(self.options, keep=_INDEX_OPTIONS)
            projects = [a for path in self.editables for a in ("-e", path)]
            try:
                self._pip(["install", "--no-input", "--no-deps", scheme, *index, *projects], "")
            finally:  # what pip wrote, even if it then failed, is the install's to undo
                txn.add_created(editable_files(self.target, editable))
            broken, more = check_editables(self.target, editable, owners, self.allow_pth)
            warnings += more
            if broken:
                more_ = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
                raise _Failed(f"refused: {broken[0]}{more_}")
        after = probe(self.python)
        wrong = [
            f"{i['metadata']['name']} {after.version(k) or '(none)'} instead of"
            f" {i['metadata']['version']}"
            for k, i in planned.items()
            if after.version(k) != i["metadata"]["version"]
        ]
        if wrong:
            raise _Failed(f"pip installed {wrong[0]}; report it to plughost")
        return after, warnings + unplanned_files(plans, self.target)

    def _pip(self, args: Sequence[str], undone: str, step: str = "install") -> None:
        code, tail = run_pip(self.python, args, self.out, self.tmpdir)
        if code == 0:
            return
        if not undone:  # changes were made: the caller rolls back, then reports
            raise _Failed("", code, tail)
        raise pip_failed(code, tail, self.what, self.host, undone, step)


class _Failed(Exception):
    """The install broke down after changes were made; rolled back, then reported."""

    def __init__(self, message: str, code: int = 0, tail: list[str] | None = None) -> None:
        super().__init__(message)
        self.message, self.code, self.tail = message, code, tail


def _is_editable(item: Mapping[str, Any]) -> bool:
    return bool(item.get("download_info", {}).get("dir_info", {}).get("editable"))


def _sha256(path: Path) -> str:
    import hashlib

    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _also_owned(path: str, owners: Mapping[str, list[Owner]], planned: Mapping[str, Any]) -> bool:
    return any(o.key not in planned for o in owners_of(path, owners))
