"""One install, run with the environment locked: resolve, fetch, inspect, journal, install, check.

:mod:`plughost._manage` takes the lock and builds an :class:`InstallRun`;
the steps are those of its docstring. Each step is announced on the
:class:`~plughost._manage.progress.Progress`; pip's output is kept for the error
message, shown only with ``--verbose``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .._discovery.entrypoints import canonical_name
from .children import InstallError, Probe, probe, run_pip, status
from .installed import Owner, fix_metadata, installed_owners, owners_of, removal_paths
from .outcome import InstallOutcome, examine
from .progress import Progress
from .repair import environment_roots, roll_back, scan_dirs
from .rules import check_editables, check_plans, editable_files, editable_saves, unplanned_files
from .specs import INDEX_OPTIONS, Asked, args
from .transaction import Journal, Transaction
from .wheels import WheelPlan, artifact, read_wheel

__all__ = ["InstallRun"]


class InstallRun:
    """One install of what was ``asked`` into ``target``, next to plughost ``host``.

    ``action`` names it in messages (``install``, ``upgrade``).
    """

    def __init__(
        self,
        target: Probe,
        host: str,
        asked: Asked,
        progress: Progress,
        *,
        keep: bool = False,
        allow_pth: bool = False,
        action: str = "install",
    ) -> None:
        self.target, self.host, self.asked, self.progress = target, host, asked, progress
        self.keep, self.allow_pth, self.action = keep, allow_pth, action
        self.options = asked.options
        self.python = target.python
        self.what = asked.describe() or " ".join(args(self.options))
        self.tmpdir: str | None = None

    def run(self, work: Path) -> InstallOutcome:
        """Resolve, fetch, inspect, journal, install, check; commit or roll back."""
        self.tmpdir = str(work / "tmp")
        planned = self._resolve(work)
        if not planned:
            return InstallOutcome()
        editable = {k for k, i in planned.items() if _is_editable(i)}
        plans = self._fetch({k: i for k, i in planned.items() if k not in editable}, work)
        replaced = sorted(planned.keys() & self.target.dists.keys())
        removes = {k: self._removal_paths(k) for k in replaced}
        if plans:
            self.progress.step(f"checking the files of {_count(len(plans), 'wheel')}")
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
                self.progress.note(f"kept {path}: another distribution installs it too")
            names = sorted({p for k in planned if k in after.dists for p in after.dists[k].plugins})
            if names:
                which = f"plugin{'s' if len(names) > 1 else ''} {_labels(names)}"
                self.progress.step(f"checking the {which} in a child process")
            changed, plugins, problems = examine(self.target, after, planned)
        except BaseException as exc:
            fix = roll_back(txn, self.target, self.progress)
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
        fix = roll_back(txn, self.target, self.progress)
        return InstallOutcome(
            changed,
            plugins,
            True,
            _rolled_back(changed, problems, fix, self.action),
            not fix,
            problems,
            tuple(warnings),
        )

    def _resolve(self, work: Path) -> dict[str, Mapping[str, Any]]:
        """pip's plan (``--dry-run --report``), plughost pinned: what would be installed."""
        constraints = work / "constraints.txt"
        constraints.write_text(f"plughost=={self.host}\n", encoding="utf-8")
        self.progress.step(
            f"resolving {self.what} (nothing changes yet; plughost stays {self.host})"
        )
        report = work / "report.json"
        wanted = [s.text for s in self.asked.specs if not s.origin]
        lines = [s.line() for s in self.asked.from_files]
        if lines:  # pip reads plughost's copy of the checked lines, never the user's file again
            (work / "requirements.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            wanted += ["-r", str(work / "requirements.txt")]
        wanted += [a for path in self.asked.editables for a in ("-e", path)]
        scheme = self.target.scheme_option()
        fixed = ["install", "--no-input", scheme, "-c", str(constraints), *args(self.options)]
        self._pip([*fixed, *wanted, "--dry-run", "--report", str(report)], "nothing was changed; ")
        items = json.loads(report.read_text(encoding="utf-8")).get("install", [])
        planned = {canonical_name(i["metadata"]["name"]): i for i in items}
        if any(f == "--force-reinstall" for f, _ in self.options):
            # pip would reinstall every dependency too, plughost and what it stands on
            # included: only what was asked for is reinstalled at the same version.
            planned = {
                k: i
                for k, i in planned.items()
                if i.get("requested") or self.target.version(k) != i["metadata"]["version"]
            }
        if "plughost" in planned:
            raise InstallError(f"pip would replace plughost {self.host}; nothing was changed")
        return planned

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
        urls = [artifact(i["download_info"]) for i in items.values()]
        built = sum(not str(i["download_info"]["url"]).endswith(".whl") for i in items.values())
        shown = _count(len(urls), "wheel") + (f", building {built} from source" if built else "")
        self.progress.step(f"fetching {shown} (nothing changes yet)")
        index = args(self.options, keep=INDEX_OPTIONS)
        fetch = ["wheel", "--no-input", "--no-deps", "--wheel-dir", str(dest), *index, *urls]
        self._pip(fetch, "nothing was changed; ", "wheel")
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
        if plans:
            self.progress.step(f"installing {_labels([p.label() for p in plans])}")
            folder = os.path.dirname(plans[0].wheel)
            wanted = [p.wheel if p.direct else f"{p.name}=={p.version}" for p in plans]
            fixed = ["--no-input", "--no-deps", "--no-index", "--force-reinstall", scheme]
            self._pip(["--isolated", "install", *fixed, "--find-links", folder, *wanted], "")
            for plan in plans:
                item = planned[plan.key]
                direct = item["download_info"] if plan.direct else None
                fix_metadata(plan.info, direct, bool(item.get("requested")))
        if editable:
            paths = self.asked.editables
            self.progress.step(f"installing the editable {_labels(paths)} (pip builds them)")
            index = args(self.options, keep=INDEX_OPTIONS)
            projects = [a for path in paths for a in ("-e", path)]
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

    def _pip(self, pip_args: Sequence[str], undone: str, step: str = "install") -> None:
        code, tail = run_pip(self.python, pip_args, self.progress, self.tmpdir)
        if code == 0:
            return
        if self.tmpdir is not None:  # pip names a line of plughost's copy: name the user's
            copy = os.path.join(os.path.dirname(self.tmpdir), "requirements.txt")
            tail = _origins(tail, copy, [s.origin for s in self.asked.from_files])
        if not undone:  # changes were made: the caller rolls back, then reports
            raise _Failed("", code, tail)
        raise pip_failed(code, tail, self.what, self.host, undone, step)


class _Failed(Exception):
    """The install broke down after changes were made; rolled back, then reported."""

    def __init__(self, message: str, code: int = 0, tail: list[str] | None = None) -> None:
        super().__init__(message)
        self.message, self.code, self.tail = message, code, tail


def pip_failed(
    code: int, tail: Sequence[str], what: str, host: str, undone: str, step: str = "install"
) -> InstallError:
    """The one line for a failed pip: the cause it gave, ``undone`` (what was put back), the fix."""
    text = "\n".join(tail)
    if re.search(r"constraint\)\s*plughost==|depends on plughost", text):
        return InstallError(
            f"pip cannot install {what} next to plughost {host}: it requires another plughost"
            f" release, and plughost install never changes the host; {undone}install a"
            f" release made for plughost {host}, or upgrade plughost first"
            " (python -m pip install -U plughost)"
        )
    if re.search(r"No module named pip|no such option: --(dry-run|report|no-user)", text):
        return InstallError(
            f"plughost install needs pip 22.2 or newer; {undone}upgrade it with"
            " `python -m ensurepip --upgrade` or `python -m pip install -U pip`"
        )
    errors = [line[6:].strip() for line in tail if line.lower().startswith("error:")]
    shown = errors[0] if errors else tail[-1] if tail else f"pip {status(code)}"
    return InstallError(f"pip {step} failed: {shown}; {undone}fix what pip reports and retry")


def _origins(lines: Sequence[str], copy: str, origins: Sequence[str]) -> list[str]:
    """``lines`` of pip's with each line of ``copy`` it names shown as ``FILE:LINE``."""

    def origin(m: re.Match[str]) -> str:
        n = int(m.group(1) or m.group(2))
        return origins[n - 1] if 0 < n <= len(origins) else m.group()

    # "line N of FILE" and "-r FILE (line N)", as pip writes them.
    name = re.escape(copy)
    return [re.sub(rf"line (\d+) of {name}|-r {name} \(line (\d+)\)", origin, x) for x in lines]


def _rolled_back(
    changed: Sequence[tuple[str, str | None, str | None]],
    problems: Sequence[str],
    fix: str,
    action: str,
) -> str:
    """The one line that says what was refused and undone, why, and what to do."""
    labels = _labels([f"{name} {new}" for name, _, new in changed if new is not None])
    extra = f" (and {_count(len(problems) - 1, 'more problem')}, shown by --json)"
    reason = f"rolled back {labels}: {problems[0]}{extra if len(problems) > 1 else ''}"
    if fix:
        return f"{reason}; the rollback was incomplete: run {fix}"
    return f"{reason}; the environment is as before; to keep it anyway, {action} with --keep"


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _labels(labels: Sequence[str]) -> str:
    """``A, B and C``; past three, ``A, B, C and N more``."""
    if len(labels) > 3:
        return f"{', '.join(labels[:3])} and {len(labels) - 3} more"
    return " and ".join(filter(None, [", ".join(labels[:-1]), *labels[-1:]]))


def _is_editable(item: Mapping[str, Any]) -> bool:
    return bool(item.get("download_info", {}).get("dir_info", {}).get("editable"))


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _also_owned(path: str, owners: Mapping[str, list[Owner]], planned: Mapping[str, Any]) -> bool:
    return any(o.key not in planned for o in owners_of(path, owners))
