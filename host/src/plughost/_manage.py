"""``plughost install`` and ``plughost uninstall``: pip, made safe for the host.

Everything acts on one interpreter, ``python`` (default: the one running
plughost; a venv, a user install and pipx all work, as pip always runs as
``python -m pip``), and every look at it is a child process.

install
    1. *Snapshot* the installed distributions (``importlib.metadata`` in a
       child; the first copy on ``sys.path`` wins): versions, metadata
       folders, ``plughost.plugins`` entry-point names. Nothing is imported.
    2. *Pin the host* with ``-c FILE`` holding ``plughost==VERSION`` (the
       version installed for ``python``). On the command line ``-c`` adds to
       the constraint files of pip's own configuration; ``PIP_CONSTRAINT``
       would replace them.
    3. *Dry run* (``--dry-run --report``, same arguments): if pip fails here,
       nothing changed. The versions it chose (not direct references: paths,
       URLs, ``-e``) join the constraints, so the real run installs the same
       set. Unless ``keep``, the files (RECORD and metadata folder) of each
       installed distribution it would replace are copied aside.
    4. *Install*; pip's stdout goes straight to ``out``'s file descriptor
       (progress bars show on a terminal), its stderr is copied through.
    5. *Check* the plugins of the added or changed distributions with
       ``python -m plughost check --json NAME...`` in a child: a plugin that
       kills the interpreter cannot kill the installer.
    6. A requested distribution without plugins, a plugin neither ``ok``
       nor ``disabled`` (the user's choice) or a crashed check is a
       problem. Unless ``keep``, a problem (or a failed pip, or Ctrl-C)
       rolls back: ``pip uninstall -y`` of what is new or changed, then the
       saved files are copied back (offline), then a new snapshot must
       equal the first (:attr:`InstallOutcome.restored`).

uninstall
    A target is a distribution name (canonical comparison) or a plugin name
    found in entry-point metadata, so a broken, conflicting, incompatible or
    disabled plugin is found as well. A plugin name that two distributions
    provide must be given as a distribution. plughost itself is refused.

Refused before pip runs, as :class:`InstallError` (one line, with the fix):
a spec naming plughost, a spec naming an installed plugin instead of its
distribution, a pip option outside :data:`PIP_OPTIONS`. An unknown
uninstall target is :class:`NotInstalled` (a ``PluginUnavailable``).
"""

from __future__ import annotations

import collections
import csv
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

from . import ENTRY_POINT_GROUP
from ._discovery import canonical_name
from ._errors import PlughostError, PluginUnavailable

__all__ = ["PIP_OPTIONS", "InstallError", "InstallOutcome", "NotInstalled", "install", "uninstall"]

#: The pip options ``install`` passes through, each with whether it takes a value.
PIP_OPTIONS: Mapping[str, bool] = {
    **dict.fromkeys(("-U", "--upgrade", "--pre", "--no-index"), False),
    **dict.fromkeys(("-e", "--editable", "-i", "--index-url", "--extra-index-url"), True),
    **dict.fromkeys(("-f", "--find-links"), True),
}
#: Seconds the child that checks the new plugins may take.
CHECK_TIMEOUT = 300.0
_SNAPSHOT = """
import importlib.metadata as m, json, re, sys
found = {}
for d in m.distributions():
    name = d.metadata["Name"] or ""
    key = re.sub(r"[-_.]+", "-", name).lower()
    try:
        eps = sorted({e.name for e in d.entry_points.select(group=sys.argv[1])})
    except Exception:
        eps = []
    if name and key not in found:
        found[key] = [name, d.version, str(getattr(d, "_path", "") or "") or None, eps]
json.dump(found, sys.stdout)
"""

_Change = tuple[str, str | None, str | None]


class InstallError(PlughostError):
    """pip failed, or the request cannot be carried out safely; the message says what to do."""


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


@dataclass(frozen=True)
class _Dist:
    name: str
    version: str
    path: str | None
    plugins: tuple[str, ...]

    def label(self) -> str:
        return f"{self.name} {self.version}"


_Snapshot = dict[str, _Dist]


@dataclass(frozen=True)
class InstallOutcome:
    """What :func:`install` did, for printing (:meth:`summary`) or as JSON (:meth:`to_dict`).

    ``changed`` lists ``(distribution, old version, new version)``, ``None``
    for "not installed"; ``plugins`` the plugins of those distributions as
    checked (``name``, ``distribution``, ``version``, ``state``, ``reason``).
    ``problems`` are one line each (no plugin, not ``ok``, a crashed check).
    ``rolled_back`` says the changes were undone because of them, ``reason``
    why (with the fix), and ``restored`` that the distributions installed
    afterwards were verified to be exactly those installed before.
    """

    changed: tuple[_Change, ...] = ()
    plugins: tuple[dict[str, Any], ...] = ()
    rolled_back: bool = False
    reason: str = ""
    restored: bool = False
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Kept, and every plugin is ``ok``: the CLI exits 0 only then."""
        return not self.rolled_back and not self.problems

    def to_dict(self) -> dict[str, Any]:
        """The outcome as JSON data (``plughost install --json``)."""
        changed = [{"distribution": d, "old": o, "new": n} for d, o, n in self.changed]
        plugins = [dict(p) for p in self.plugins]
        data = {**asdict(self), "changed": changed, "plugins": plugins}
        return data | {"problems": list(self.problems), "ok": self.ok}

    def summary(self) -> list[str]:
        """Lines for a person: what changed, the plugins' states, the rollback."""
        if not self.changed:
            return ["nothing to do: what was asked for is already installed"]
        lines = [_describe(*change) for change in self.changed]
        width = max((len(p["name"]) for p in self.plugins), default=0)
        lines += ["plugins:"] if self.plugins else []
        for p in self.plugins:
            state = p["state"] if p["state"] == "ok" else f"{p['state']}: {p['reason']}"
            lines.append(f"  {p['name'].ljust(width)}  {state}")
        if self.rolled_back:
            lines.append(
                "rolled back: the installed distributions are exactly as before"
                if self.restored
                else "rolled back, but not completely (see the error)"
            )
        return lines


def _describe(name: str, old: str | None, new: str | None) -> str:
    from packaging.version import InvalidVersion, Version

    if old is None or new is None or old == new:
        verb = "installed" if old is None else "removed" if new is None else "reinstalled"
        return f"{verb} {name} {new or old}"
    try:
        verb = "upgraded" if Version(new) > Version(old) else "downgraded"
    except InvalidVersion:
        verb = "changed"
    return f"{verb} {name} {old} -> {new}"


# -- children ---------------------------------------------------------------


def _env(python: str) -> dict[str, str]:
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    if python != sys.executable:  # this interpreter's search path is not the other one's
        env.pop("PYTHONPATH", None)
        env.pop("PYTHONHOME", None)
    return env


def _child(python: str, args: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        stdin=subprocess.DEVNULL,
        env=_env(python),
        timeout=timeout,
    )


def _snapshot(python: str) -> _Snapshot:
    """The distributions installed for ``python``, by canonical name."""
    try:
        proc = _child(python, ["-c", _SNAPSHOT, ENTRY_POINT_GROUP], 120)
        why = _last_line(proc.stderr) or _status(proc.returncode)
        data = json.loads(proc.stdout) if proc.returncode == 0 else None
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        why, data = f"{type(exc).__name__}: {exc}", None
    if not isinstance(data, dict):
        raise InstallError(
            f"cannot list the distributions installed for {python} ({why}); give the"
            " Python of the environment plughost is installed in"
        )
    return {k: _Dist(n, v, p, tuple(e)) for k, (n, v, p, e) in data.items()}


def _version(snapshot: _Snapshot, key: str) -> str | None:
    dist = snapshot.get(key)
    return dist.version if dist else None


def _run_pip(python: str, args: Sequence[str], out: TextIO) -> tuple[int, list[str]]:
    """Run ``python -m pip ARGS`` with its output to ``out``; return its status and last lines."""
    try:
        fd: int | None = out.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None
    out.flush()
    tail: collections.deque[str] = collections.deque(maxlen=40)
    with subprocess.Popen(
        [python, "-m", "pip", *args],
        stdout=subprocess.PIPE if fd is None else fd,
        stderr=subprocess.STDOUT if fd is None else subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=_env(python),
    ) as proc:
        stream = proc.stdout if fd is None else proc.stderr
        assert stream is not None
        for line in stream:
            out.write(line)
            out.flush()
            if line.strip():
                tail.append(line.strip())
    return proc.returncode, list(tail)


def _check_plugins(
    python: str, names: Sequence[str], after: _Snapshot
) -> tuple[list[dict[str, Any]], str]:
    """States of ``names`` from ``python -m plughost check --json``, or why the check failed."""
    try:
        proc = _child(python, ["-m", "plughost", "check", "--json", *names], CHECK_TIMEOUT)
        data = json.loads(proc.stdout) if proc.returncode in (0, 1) else None
        failure = ": ".join(filter(None, (_status(proc.returncode), _last_line(proc.stderr))))
    except ValueError:
        data, failure = None, "it did not print the JSON expected"
    except subprocess.TimeoutExpired:
        data, failure = None, f"it did not finish within {CHECK_TIMEOUT:g} s"
    if isinstance(data, list) and all(isinstance(p, dict) for p in data):
        keys = ("name", "distribution", "version", "state", "reason")
        return [{k: p.get(k) for k in keys} for p in data], ""
    failure = (
        f"checking plugin(s) {', '.join(names)} in a child process failed ({failure});"
        " a plugin breaks the interpreter that imports it: report it to its authors"
    )
    owners = {p: d for d in after.values() for p in d.plugins}
    return [
        {"name": n, "distribution": owners[n].name, "version": owners[n].version}
        | {"state": "broken", "reason": failure}
        for n in names
    ], failure


def _status(code: int) -> str:
    return f"killed by signal {-code}" if code < 0 else f"exit status {code}"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


# -- install ----------------------------------------------------------------


def _pip_options(options: Sequence[str]) -> list[str]:
    result: list[str] = []
    items = iter(options)
    for option in items:
        takes_value = PIP_OPTIONS.get(option.split("=", 1)[0])
        if takes_value is None:
            raise InstallError(
                f"plughost install does not pass {option!r} to pip, only"
                f" {', '.join(PIP_OPTIONS)}; for anything else run `python -m pip` yourself"
            )
        result.append(option)
        if takes_value and "=" not in option:
            value = next(items, None)
            if value is None:
                raise InstallError(f"pip option {option} needs a value; give it after {option}")
            result.append(value)
    return result


def _check_specs(specs: Sequence[str], before: _Snapshot, host: str, python: str) -> None:
    """Refuse specs that name plughost itself, or a plugin instead of its distribution."""
    from packaging.requirements import InvalidRequirement, Requirement

    owners = {canonical_name(p): d for d in before.values() for p in d.plugins}
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
                f" upgrade the host with `{python} -m pip install -U plughost`"
            )
        if name not in before and name in owners:
            raise InstallError(
                f"{spec!r} is the name of a plugin, not of a distribution: it comes from"
                f" {owners[name].label()}; to upgrade it: plughost install -U {owners[name].name}"
            )


def _save(dist: _Dist, root: Path, saved: list[tuple[str, Path]]) -> None:
    """Copy the files of ``dist`` (its RECORD and metadata folder) into ``root``."""
    info = Path(dist.path or "")
    if not dist.path or not (info / "RECORD").is_file():
        raise InstallError(
            f"{dist.label()} would be replaced but has no RECORD, so it could not be"
            " restored; nothing was changed: upgrade it with pip first, or use --keep"
        )
    with open(info / "RECORD", newline="", encoding="utf-8") as record:
        paths = {os.path.normpath(info.parent / row[0]) for row in csv.reader(record) if row}
    paths.update(str(p) for p in info.rglob("*"))
    root.mkdir(parents=True, exist_ok=True)
    for path in sorted(paths):
        if os.path.islink(path) or os.path.isfile(path):
            saved.append((path, root / str(len(saved))))
            shutil.copy2(path, saved[-1][1], follow_symlinks=False)


def _rollback(
    python: str,
    before: _Snapshot,
    saved: Sequence[tuple[str, Path]],
    replaced: set[str],
    out: TextIO,
) -> str:
    """Undo every change since ``before``; return how to finish by hand ("": all restored)."""
    now = _snapshot(python)
    remove = sorted(
        d.name for k, d in now.items() if k in replaced or _version(before, k) != d.version
    )
    if remove:
        print(f"plughost: rolling back: uninstalling {' '.join(remove)}", file=out)
        _run_pip(python, ["uninstall", "-y", *remove], out)
    for path, copy in saved:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.islink(path):
            os.unlink(path)
        shutil.copy2(copy, path, follow_symlinks=False)
    final = _snapshot(python)
    lost = [f"{d.name}=={d.version}" for k, d in before.items() if _version(final, k) != d.version]
    extra = [d.name for k, d in final.items() if k not in before]
    fixes = [f"`{python} -m pip install {' '.join(lost)}`"] if lost else []
    fixes += [f"`{python} -m pip uninstall {' '.join(extra)}`"] if extra else []
    return " and ".join(fixes)


def _pip_failed(code: int, tail: Sequence[str], what: str, host: str, undone: str) -> InstallError:
    if re.search(r"constraint\)\s*plughost==|depends on plughost", "\n".join(tail)):
        return InstallError(
            f"pip cannot install {what} next to plughost {host}: it requires another plughost"
            f" release, and plughost install never changes the host; {undone}install a"
            f" release made for plughost {host}, or upgrade plughost first"
            " (python -m pip install -U plughost)"
        )
    if re.search(r"No module named pip|no such option: --(dry-run|report)", "\n".join(tail)):
        return InstallError(
            f"plughost install needs pip 22.2 or newer; {undone}upgrade it with"
            " `python -m ensurepip --upgrade` or `python -m pip install -U pip`"
        )
    errors = [line[6:].strip() for line in tail if line.lower().startswith("error:")]
    shown = errors[0] if errors else tail[-1] if tail else f"pip {_status(code)}"
    return InstallError(f"pip install failed: {shown}; {undone}fix what pip reports and retry")


def install(
    specs: Sequence[str],
    *,
    pip_options: Sequence[str] = (),
    keep: bool = False,
    python: str = sys.executable,
    out: TextIO | None = None,
) -> InstallOutcome:
    """Install ``specs`` with pip for ``python``, check the new plugins, roll back on a problem.

    ``specs`` are what ``pip install`` takes (names with versions, paths,
    URLs); ``pip_options`` may hold the options of :data:`PIP_OPTIONS` (an
    editable project is ``("-e", PATH)``). pip's output and plughost's notes
    go to ``out`` (default: ``sys.stderr``). With ``keep``, nothing is rolled
    back. Raises :class:`InstallError` when pip fails (after rolling back
    what it changed) or the request cannot be carried out safely.
    """
    stream = out if out is not None else sys.stderr
    options = _pip_options(pip_options)
    if not specs and not any(o.split("=")[0] in ("-e", "--editable") for o in options):
        raise InstallError("name a distribution to install, e.g. plughost install plughost-greeter")
    before = _snapshot(python)
    if "plughost" not in before:
        raise InstallError(f"plughost is not installed for {python}; use plughost's own Python")
    host = before["plughost"].version
    what = " ".join(specs) or " ".join(options)
    _check_specs(specs, before, host, python)
    with tempfile.TemporaryDirectory(prefix="plughost-install-") as tmp:
        work = Path(tmp)
        constraints = work / "constraints.txt"
        constraints.write_text(f"plughost=={host}\n", encoding="utf-8")
        args = ["install", "-c", str(constraints), *options, *specs]
        print(f"plughost: resolving (nothing changes yet; plughost stays {host})", file=stream)
        report = work / "report.json"
        code, tail = _run_pip(python, [*args, "--dry-run", "--report", str(report)], stream)
        if code != 0:
            raise _pip_failed(code, tail, what, host, "nothing was changed; ")
        items = json.loads(report.read_text(encoding="utf-8")).get("install", [])
        planned = {canonical_name(i["metadata"]["name"]): i for i in items}
        if "plughost" in planned:
            raise InstallError(f"pip would replace plughost {host}; nothing was changed")
        if not planned:
            return InstallOutcome()
        pins = [f"{i['metadata']['name']}=={i['metadata']['version']}" for i in items]
        pins = [p for p, i in zip(pins, items, strict=True) if not i.get("is_direct")]
        constraints.write_text("\n".join([f"plughost=={host}", *pins, ""]), encoding="utf-8")
        replaced = set() if keep else planned.keys() & before.keys()
        saved: list[tuple[str, Path]] = []
        for key in sorted(replaced):
            _save(before[key], work / "saved", saved)
        undone = False
        try:
            print("plughost: installing", file=stream)
            code, tail = _run_pip(python, args, stream)
            if code != 0:
                undone = not keep
                fix = _rollback(python, before, saved, replaced, stream) if undone else ""
                note = "the previous distributions were restored; " if undone else ""
                note = f"the rollback was incomplete (run {fix}); " if fix else note
                raise _pip_failed(code, tail, what, host, note)
            changed, plugins, problems = _examine(python, before, _snapshot(python), planned)
        except BaseException:
            if not keep and not undone:
                _rollback(python, before, saved, replaced, stream)
            raise
        if not problems or keep:
            return InstallOutcome(changed, plugins, problems=problems)
        fix = _rollback(python, before, saved, replaced, stream)
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    reason = f"rolled back: {problems[0]}{more}; to keep it anyway, install with --keep"
    if fix:
        reason += f"; the rollback was incomplete: run {fix}"
    return InstallOutcome(changed, plugins, True, reason, not fix, problems)


def _examine(
    python: str, before: _Snapshot, after: _Snapshot, planned: Mapping[str, Mapping[str, Any]]
) -> tuple[tuple[_Change, ...], tuple[dict[str, Any], ...], tuple[str, ...]]:
    """What changed, the states of its plugins, and the problems found."""
    keys = {k for k in before.keys() | after.keys() if _version(before, k) != _version(after, k)}
    keys |= planned.keys() & after.keys()
    changed = sorted(
        ((after.get(k) or before[k]).name, _version(before, k), _version(after, k)) for k in keys
    )
    problems = [
        f"{after[k].label()} registers no plugin (no entry point in {ENTRY_POINT_GROUP!r});"
        " check the name: plugin distributions are usually called plughost-NAME"
        for k in sorted(keys & after.keys())
        if planned.get(k, {}).get("requested") and not after[k].plugins
    ]
    names = sorted({p for k in keys & after.keys() for p in after[k].plugins})
    plugins, failure = _check_plugins(python, names, after) if names else ([], "")
    if failure:
        problems.append(failure)
    else:
        problems += [
            p["reason"] or f"plugin {p['name']!r} is {p['state']}"
            for p in plugins
            if p["state"] not in ("ok", "disabled")  # disabled: the user's choice, not a defect
        ]
    return tuple(changed), tuple(plugins), tuple(problems)


# -- uninstall --------------------------------------------------------------


def _ask(question: str) -> bool:
    if not sys.stdin or not sys.stdin.isatty():
        raise InstallError("uninstalling needs a confirmation: run it on a terminal, or pass -y")
    print(question, end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def uninstall(
    targets: Sequence[str],
    *,
    yes: bool = False,
    python: str = sys.executable,
    confirm: Callable[[str], bool] | None = None,
    out: TextIO | None = None,
) -> list[str]:
    """Uninstall the distributions named, or providing the plugins named; return their names.

    Targets are matched from metadata only, so a broken, conflicting or
    disabled plugin can be removed. Unless ``yes``, ``confirm`` (default: a
    prompt on the terminal) is asked first; when it declines, nothing is
    removed and ``[]`` is returned. pip's output goes to ``out`` (default:
    ``sys.stderr``). Raises :class:`NotInstalled` for an unknown target and
    :class:`InstallError` for plughost itself, an ambiguous plugin name or a
    failed pip.
    """
    if not targets:
        raise InstallError("name a plugin or distribution to uninstall, e.g. plughost uninstall X")
    before = _snapshot(python)
    chosen: dict[str, _Dist] = {}
    for target in targets:
        key = canonical_name(target)
        owners = [(k, d) for k, d in before.items() if k == key or target in d.plugins]
        owners = [(k, d) for k, d in owners if k == key] or owners
        if not owners:
            names = [*before, *(p for d in before.values() for p in d.plugins)]
            raise NotInstalled(target, difflib.get_close_matches(target, names, n=3))
        if len(owners) > 1:
            raise InstallError(
                f"plugin {target!r} is provided by {' and '.join(d.label() for _, d in owners)};"
                f" name the distribution to remove: plughost uninstall {owners[0][1].name}"
            )
        if owners[0][0] == "plughost":
            raise InstallError(
                f"plughost will not uninstall itself; run `{python} -m pip uninstall plughost`"
            )
        chosen.update(owners)
    listed = ", ".join(
        d.label() + (f" (plugins: {', '.join(d.plugins)})" if d.plugins else " (no plugins)")
        for d in chosen.values()
    )
    if not yes and not (confirm or _ask)(f"uninstall {listed}? [y/N] "):
        return []
    names = [d.name for d in chosen.values()]
    code, tail = _run_pip(python, ["uninstall", "-y", *names], out or sys.stderr)
    left = [d.name for k, d in _snapshot(python).items() if k in chosen]
    if code != 0 or left:
        errors = [line for line in tail if line.startswith("ERROR:")] or [f"pip {_status(code)}"]
        raise InstallError(
            f"could not uninstall {', '.join(left or names)}: {errors[0]};"
            f" try `{python} -m pip uninstall {' '.join(left or names)}`"
        )
    return names
