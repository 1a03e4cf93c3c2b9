"""What every test of the repository runs inside: a home of its own.

plughost reads a config file from the user's config directory and writes
indexes and check records into the user's cache directory. So that no test
reads the developer's own settings or writes into their caches, the session
points ``HOME``, the ``XDG_*`` directories and ``PLUGHOST_CACHE_DIR`` at a
folder of its own (children inherit it), and each test gets fresh ones under
its own temporary folder. At the end the session fails if anything changed
in the real home's plughost folders or in the repository's work tree.

pip keeps using the real download cache (``PIP_CACHE_DIR``): it is pip's,
not plughost's, and tests that build projects offline rely on it.

Under ``CI=true`` (``.ci/run`` sets it) a skip is a failure: a test that
skips because its tool, a file or the package index is missing would
otherwise pass CI having checked nothing. Only a skip for a platform the
machine is not is still a skip; write those as string conditions that name
the platform, ``pytest.mark.skipif('sys.platform == "win32"', reason=...)``,
so that they can be told apart.
"""

from __future__ import annotations

import ast
import contextlib
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Generator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
_REAL_HOME = Path(os.environ.get("HOME") or Path.home())
_ISOLATED = ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")
#: Where plughost (and stevedore for it) could write in a real home.
_WATCHED = (
    ".cache/plughost",
    ".config/plughost",
    ".local/share/plughost",
    ".local/state/plughost",
    ".cache/python-entrypoints",
)


#: What a skipif condition about the platform alone may name.
_PLATFORM_NAMES = {
    "sys",
    "os",
    "platform",
    "sys.platform",
    "sys.platform.startswith",
    "os.name",
    "platform.system",
}
_PLATFORM_NODES = (
    ast.Expression,
    ast.Compare,
    ast.BoolOp,
    ast.UnaryOp,
    ast.Call,
    ast.Tuple,
    ast.boolop,
    ast.cmpop,
    ast.Not,
    ast.Load,
)


def _home_env(base: Path) -> dict[str, str]:
    return {
        "HOME": str(base),
        "XDG_CONFIG_HOME": str(base / ".config"),
        "XDG_CACHE_HOME": str(base / ".cache"),
        "XDG_DATA_HOME": str(base / ".local" / "share"),
        "XDG_STATE_HOME": str(base / ".local" / "state"),
        "PLUGHOST_CACHE_DIR": str(base / ".cache" / "plughost"),
    }


def _tree(path: Path) -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    if not path.exists():
        return found
    for folder, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            full = os.path.join(folder, name)
            try:
                st = os.lstat(full)
            except OSError:
                continue
            found[full] = (st.st_mtime_ns, st.st_size)
    return found


def _outside() -> dict[str, object]:
    """What the session must not change: the real home's plughost folders, the work tree."""
    state: dict[str, object] = {w: _tree(_REAL_HOME / w) for w in _WATCHED}
    try:
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        status = None  # not a git checkout (an sdist): nothing to compare
    state["work tree"] = status
    return state


_BEFORE: dict[str, object] = {}
#: The environment variable that marks the processes a test started (not a
#: PLUGHOST_ one: the tests strip those from the environments they build).
_OWNER = "TESTS_STARTED_BY"
#: Seconds a test's processes have to end after its teardown.
_LEFT_GRACE = 3.0


def pytest_configure(config: pytest.Config) -> None:
    """Note what must not change, then give the session a home of its own."""
    if _BEFORE:
        return
    _BEFORE.update(_outside())
    session_home = Path(tempfile.mkdtemp(prefix="plughost-tests-home-"))
    os.environ.setdefault("PIP_CACHE_DIR", str(_REAL_HOME / ".cache" / "pip"))
    for name in [n for n in os.environ if n.startswith("PLUGHOST_")]:
        del os.environ[name]
    os.environ.update(_home_env(session_home))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    """Give each test (setup, call and teardown) fresh home and cache folders."""
    # A hook, not an autouse fixture: hypothesis refuses function-scoped
    # fixtures around its tests.
    saved = {n: os.environ.get(n) for n in (*_ISOLATED, "PLUGHOST_CACHE_DIR", _OWNER)}
    home = Path(tempfile.mkdtemp(prefix="home-", dir=os.environ["HOME"]))
    os.environ.update(_home_env(home))
    # Every process the test starts inherits this, and so can be found again.
    os.environ[_OWNER] = f"{os.getpid()}:{item.nodeid}"
    try:
        return (yield)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None]:
    """After a test's own teardown, fail it if a process it started is still running."""
    yield
    owner = os.environ.get(_OWNER, "")
    if not owner or not os.path.isdir("/proc"):
        return
    deadline = time.monotonic() + _LEFT_GRACE
    left = _started_by(owner)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = _started_by(owner)
    for pid in left:
        with contextlib.suppress(OSError):
            os.kill(int(pid), signal.SIGKILL)
    if left:
        shown = "; ".join(f"{pid}: {command}" for pid, command in left.items())
        pytest.fail(f"the test left processes running (now killed): {shown}", pytrace=False)


def _started_by(owner: str) -> dict[str, str]:
    """The live processes whose environment names ``owner``, with their command lines."""
    needle = f"{_OWNER}={owner}\0".encode()
    found: dict[str, str] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if needle not in f.read():
                    continue
            with open(f"/proc/{pid}/stat", "rb") as f:
                if f.read().rpartition(b")")[2].split()[0] == b"Z":
                    continue  # exited, waiting for its parent to reap it
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                found[pid] = f.read().replace(b"\0", b" ").decode(errors="replace")[:200]
        except OSError:
            continue
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if the real home's plughost folders or the work tree changed."""
    if not _BEFORE:
        return
    after = _outside()
    changed = [key for key in _BEFORE if _BEFORE[key] != after[key]]
    if changed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        places = [str(_REAL_HOME / c) if c != "work tree" else "the work tree" for c in changed]
        message = "the test session wrote outside its own folders: " + ", ".join(places)
        if reporter is not None:
            reporter.write_line(f"ERROR: {message}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _skips_fail() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _about_the_platform(condition: object) -> bool:
    """Whether ``condition`` is a string that tests the platform and nothing else."""
    if not isinstance(condition, str):
        return False
    try:
        tree = ast.parse(condition, mode="eval")
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Name | ast.Attribute):
            if ast.unparse(node) not in _PLATFORM_NAMES:
                return False
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, str):
                return False
        elif not isinstance(node, _PLATFORM_NODES):
            return False
    return True


def _platform_skip(item: pytest.Item) -> bool:
    """Whether ``item`` skips because of a true skipif condition about the platform."""
    for mark in item.iter_markers(name="skipif"):
        conditions = mark.args if "condition" not in mark.kwargs else (mark.kwargs["condition"],)
        for condition in conditions:
            if _about_the_platform(condition) and eval(  # noqa: S307 (checked above)
                condition, {"os": os, "sys": sys, "platform": platform}
            ):
                return True
    return False


def _reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _as_failure(report: pytest.TestReport | pytest.CollectReport) -> None:
    report.outcome = "failed"
    report.longrepr = f"under CI=true a skip is a failure: {_reason(report)}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Under CI=true, a test that skips fails, unless it skips for the platform."""
    report = yield
    if (
        report.skipped
        and not hasattr(report, "wasxfail")
        and _skips_fail()
        and not _platform_skip(item)
    ):
        _as_failure(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """Under CI=true, a module that skips as a whole fails to collect."""
    report = yield
    if report.skipped and _skips_fail():
        _as_failure(report)
    return report
