"""The child processes of install and uninstall: pip, and looks at the target environment.

Every child runs the target environment's own Python with ``-P``, so the
current directory is never on its ``sys.path`` (a ``json.py``, ``pip/`` or
``plughost/`` folder where the user stands is never imported); relative and
empty ``PYTHONPATH`` entries are dropped for the same reason. Each child runs
in a process group of its own behind a few lines of guard code: on Linux it
asks the kernel for SIGTERM when plughost dies (``prctl(PR_SET_PDEATHSIG)``)
and answers it by killing its whole group with SIGKILL, so pip's own children
(build backends) die with it. plughost stops a child it no longer wants with
SIGINT to the group (pip cleans up its temporary folders), then SIGKILL.

pip runs with ``--no-input`` and stdin on ``/dev/null``: it is not in the
terminal's foreground group, and an index that needs a password gets it from
a keyring, ``.netrc`` or the URL.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import os
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from .. import ENTRY_POINT_GROUP
from .._errors import PlughostError

if TYPE_CHECKING:
    from .progress import Progress

__all__ = [
    "InstallError",
    "Probe",
    "check_plugins",
    "last_line",
    "probe",
    "redact",
    "run_pip",
    "shown_command",
    "status",
]

log = logging.getLogger(__name__)

#: Seconds the child that checks the new plugins may take.
CHECK_TIMEOUT = 300.0
#: Seconds a child asked to stop (SIGINT) gets before SIGKILL.
STOP_GRACE = 10.0
#: The most of one line of pip's output read at once.
_LINE = 8192
_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^/@:\s]*:)[^/@\s]*@")
_TOKEN = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://)[^/@:\s]+@")

# Runs first in every child. PR_SET_PDEATHSIG is 1; the parent's pid comes
# first on the command line, so a parent that died before prctl is noticed.
_GUARD = """\
import os as _os, signal as _signal, sys as _sys
def _plughost_guard():
    parent = int(_sys.argv.pop(1))
    def die(signum, frame):
        _os.killpg(0, _signal.SIGKILL)
    _signal.signal(_signal.SIGTERM, die)
    if _sys.platform == "linux":
        try:
            import ctypes
            ctypes.CDLL(None, use_errno=True).prctl(1, int(_signal.SIGTERM), 0, 0, 0)
        except (ImportError, OSError, AttributeError):
            pass
    if _os.getppid() != parent:
        die(0, None)
_plughost_guard()
del _plughost_guard
"""
_RUN_MODULE = "import runpy\nrunpy.run_module({!r}, run_name='__main__', alter_sys=True)\n"

# The target environment, seen from inside: its distributions (the first copy
# on sys.path wins, as for imports), where pip would install (the user scheme
# when plughost lives there, or when pip would fall back to it), where site.py
# reads .pth files, and what plughost needs (Requires-Dist from plughost down,
# markers evaluated here). Of the distributions, only packaging is imported:
# plughost's own dependency, for the markers.
_PROBE = """
import importlib.metadata as m, json, os, re, site, sys, sysconfig
canon = lambda n: re.sub(r"[-_.]+", "-", n).lower()
found, requires = {}, {}
for d in m.distributions():
    name = d.metadata["Name"] or ""
    key = canon(name)
    if not name or key in found:
        continue
    try:
        eps = sorted({e.name for e in d.entry_points.select(group=sys.argv[1])})
    except Exception:
        eps = []
    found[key] = [name, d.version, str(getattr(d, "_path", "") or "") or None, eps]
    try:
        requires[key] = list(d.requires or [])
    except Exception:
        requires[key] = []
needs, seen, todo = {}, set(), [("plughost", ("",), "plughost")]
try:
    from packaging.requirements import Requirement
except ImportError:
    Requirement = None
while todo:
    key, extras, chain = todo.pop()
    for text in requires.get(key, []):
        try:
            req = Requirement(text) if Requirement else None
        except Exception:
            continue
        if req is None:
            dep, more = canon(re.split(r"[^A-Za-z0-9._-]", text.strip(), 1)[0]), ()
        elif req.marker and not any(req.marker.evaluate({"extra": e}) for e in extras):
            continue
        else:
            dep, more = canon(req.name), tuple(sorted(req.extras))
        if dep in found and dep != "plughost" and (dep, more) not in seen:
            seen.add((dep, more))
            path = chain + " -> " + found[dep][0]
            needs.setdefault(dep, path)
            todo.append((dep, ("", *more), path))
venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
def scheme(kind):
    p = sysconfig.get_paths(sysconfig.get_preferred_scheme(kind))
    v = "python%d.%d" % sys.version_info[:2]
    include = os.path.join(sys.prefix, "include", "site", v) if venv else p["include"]
    keys = ("purelib", "platlib", "scripts", "data")
    return dict({k: p[k] for k in keys}, include=include)
paths, user = scheme("prefix"), False
if not venv and site.ENABLE_USER_SITE:
    mine = scheme("user")
    host = found.get("plughost")
    home = os.path.dirname(host[2]) if host and host[2] else ""
    same = home and os.path.realpath(home) == os.path.realpath(mine["purelib"])
    locked = not all(os.access(paths[k], os.W_OK) for k in ("purelib", "platlib"))
    if same or locked:
        paths, user = mine, True
sites = list(site.getsitepackages())
if site.ENABLE_USER_SITE:
    sites.append(site.getusersitepackages())
json.dump({"dists": found, "needs": needs, "scheme": paths, "user": user, "sites": sites,
           "tag": sys.implementation.cache_tag, "prefix": sys.prefix}, sys.stdout)
"""


class InstallError(PlughostError):
    """pip failed, or the request cannot be carried out safely; the message says what to do."""


@dataclass(frozen=True)
class Dist:
    """One installed distribution, as the target environment reports it."""

    name: str
    version: str
    path: str | None
    plugins: tuple[str, ...]

    def label(self) -> str:
        """``name version``, for messages."""
        return f"{self.name} {self.version}"


@dataclass(frozen=True)
class Probe:
    """What :func:`probe` found: distributions by canonical name, the install scheme, site dirs.

    ``needs`` maps each distribution plughost depends on (recursively) to the
    chain that makes it a dependency (``plughost -> stevedore``). ``scheme``
    holds pip's ``purelib``, ``platlib``, ``scripts``, ``data`` and the
    ``include`` folder headers go under; ``user`` says it is the user scheme.
    """

    python: str
    dists: Mapping[str, Dist]
    needs: Mapping[str, str]
    scheme: Mapping[str, str]
    user: bool
    sites: tuple[str, ...]
    cache_tag: str | None
    prefix: str

    def version(self, key: str) -> str | None:
        """The installed version of ``key``, or ``None``."""
        dist = self.dists.get(key)
        return dist.version if dist else None

    def scheme_option(self) -> str:
        """The pip option that makes pip use the same scheme plughost planned for."""
        return "--user" if self.user else "--no-user"


def _env(python: str, tmpdir: str | None = None) -> dict[str, str]:
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    if tmpdir is not None:  # pip's temporary folders go where the next plughost cleans up
        env["TMPDIR"] = tmpdir
    if python != sys.executable:  # this interpreter's search path is not the other one's
        env.pop("PYTHONPATH", None)
        env.pop("PYTHONHOME", None)
    elif "PYTHONPATH" in env:  # an empty or relative entry means the current directory
        kept = [p for p in env["PYTHONPATH"].split(os.pathsep) if os.path.isabs(p)]
        env["PYTHONPATH"] = os.pathsep.join(kept)
    return env


def spawn(
    python: str,
    code: str,
    args: Sequence[str],
    *,
    stdin: int | IO[Any] | None = subprocess.DEVNULL,
    stdout: int | IO[Any] | None = subprocess.PIPE,
    stderr: int | IO[Any] | None = subprocess.PIPE,
    tmpdir: str | None = None,
) -> subprocess.Popen[str]:
    """Start ``python -P -c GUARD+code args`` in a process group of its own."""
    return subprocess.Popen(
        [python, "-P", "-c", _GUARD + code, str(os.getpid()), *args],
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=_env(python, tmpdir),
        process_group=0 if os.name == "posix" else None,
    )


def stop(proc: subprocess.Popen[str]) -> None:
    """Stop ``proc`` and its group: SIGINT, a grace period, then SIGKILL."""
    if proc.poll() is None:
        _signal_group(proc, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(STOP_GRACE)
    _signal_group(proc, signal.SIGKILL)
    proc.wait()


def _signal_group(proc: subprocess.Popen[str], signum: int) -> None:
    # The group outlives its leader while members remain, and its id is not
    # reused until then, so this never reaches an unrelated process.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signum)


def run(
    python: str, code: str, args: Sequence[str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run a child to its end and capture its output; stopped on timeout or interrupt."""
    proc = spawn(python, code, args)
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        stop(proc)
        raise
    _signal_group(proc, signal.SIGKILL)  # what it left behind in its group
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def run_pip(
    python: str, args: Sequence[str], progress: Progress, tmpdir: str | None = None
) -> tuple[int, list[str]]:
    """Run pip with ``args``; return its status and last lines.

    pip's output (stdout and stderr, in the order written) is read line by
    line: kept for the error message, shown (escaped) with ``--verbose``
    only. When plughost is interrupted, pip is stopped before the exception
    goes on. ``tmpdir`` is where pip (and the build backends it runs) keep
    temporary files. With ``--debug`` the command is logged first.
    """
    args = [*args, *progress.pip_verbosity()]
    log.debug("running %s", shown_command(python, args))
    tail: collections.deque[str] = collections.deque(maxlen=40)
    proc = spawn(
        python,
        _RUN_MODULE.format("pip"),
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        tmpdir=tmpdir,
    )
    try:
        assert proc.stdout is not None
        with proc.stdout as stream:
            # A line is read in bounded pieces: a build backend may print
            # megabytes without a newline.
            for line in iter(lambda: stream.readline(_LINE), ""):
                progress.pip_line(line)
                if line.strip():
                    tail.append(line.strip()[:_LINE])
        proc.wait()
    except BaseException:
        stop(proc)
        raise
    _signal_group(proc, signal.SIGKILL)
    return proc.returncode, list(tail)


def shown_command(python: str, args: Sequence[str]) -> str:
    """``python -m pip ARGS`` as one line for the log, passwords in URLs hidden.

    (The child runs a few lines of guard code before pip: this is the
    command that does the same.)
    """
    return redact(shlex.join([python, "-P", "-m", "pip", *args]))


def redact(text: str) -> str:
    """``text`` with the secrets of its URLs hidden, as pip hides them.

    ``scheme://user:password@`` keeps the user, ``scheme://token@`` keeps nothing.
    """
    text = _PASSWORD.sub(r"\1****@", text)
    return _TOKEN.sub(r"\1****@", text)


def probe(python: str) -> Probe:
    """Look at the environment of ``python``: distributions, install scheme, site dirs."""
    try:
        proc = run(python, _PROBE, [ENTRY_POINT_GROUP], 120)
        why = last_line(proc.stderr) or status(proc.returncode)
        data = json.loads(proc.stdout) if proc.returncode == 0 else None
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        why, data = f"{type(exc).__name__}: {exc}", None
    if not isinstance(data, dict):
        raise InstallError(
            f"cannot list the distributions installed for {python} ({why}); give the"
            " Python (3.11 or newer) of the environment plughost is installed in"
        )
    dists = {k: Dist(n, v, p, tuple(e)) for k, (n, v, p, e) in data["dists"].items()}
    scheme = {k: os.path.realpath(v) for k, v in data["scheme"].items()}
    sites = tuple(dict.fromkeys(os.path.realpath(s) for s in data["sites"]))
    return Probe(
        python,
        dists,
        data["needs"],
        scheme,
        bool(data["user"]),
        sites,
        data["tag"],
        os.path.realpath(data["prefix"]),
    )


def check_plugins(
    python: str, names: Sequence[str], after: Probe
) -> tuple[list[dict[str, Any]], str]:
    """States of ``names`` from ``plughost check --json`` in a child, or why the check failed."""
    args = ["check", "--json", *names]
    log.debug("running %s", shlex.join([python, "-P", "-m", "plughost", *args]))
    try:
        proc = run(python, _RUN_MODULE.format("plughost"), args, CHECK_TIMEOUT)
        data = json.loads(proc.stdout) if proc.returncode in (0, 1) else None
        failure = ": ".join(filter(None, (status(proc.returncode), last_line(proc.stderr))))
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
    owners = {p: d for d in after.dists.values() for p in d.plugins}
    return [
        {"name": n, "distribution": owners[n].name, "version": owners[n].version}
        | {"state": "broken", "reason": failure}
        for n in names
    ], failure


def status(code: int) -> str:
    """``exit status N`` or ``killed by signal N``."""
    return f"killed by signal {-code}" if code < 0 else f"exit status {code}"


def last_line(text: str) -> str:
    """The last non-blank line of ``text``, stripped."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
