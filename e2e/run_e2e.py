"""The publishing path of plughost, end to end, with real parts; ``nox -s e2e`` runs it.

1. Build the sdists and wheels of plughost, plughost-greeter and
   plughost-calculator (copies of host/ and plugins/, so the checkout is not
   touched), and download the wheels of their dependencies.
2. Start a local package index (pypiserver) on 127.0.0.1 at a free port that
   asks for a password to upload (an htpasswd file written with passlib).
3. Show that an upload without the password, or with a wrong one, is refused;
   then upload everything with twine.
4. Install plughost and both plugins into a fresh virtual environment from
   that index alone, and use them through the ``plughost`` console script.
5. Scaffold a third-party plugin with that ``plughost new``, build it, upload
   it, ``plughost install`` it from the index, run it, ``plughost check``
   everything, and ``plughost uninstall -y`` it.
6. ``pipx install plughost`` and ``pipx inject plughost plughost-greeter``
   from the same index, and run the pipx-installed ``plughost``.

Each step prints its commands and their output as a terminal would. The
first failure stops the run with one line saying what failed (exit status
1); the index is stopped on every way out, signals included.

Usage: ``python e2e/run_e2e.py [--work DIR]``. It runs under a Python that
has pypiserver, passlib, twine, build and pipx, and needs the package
registry for the build backend and plughost's dependencies. Without
``--work`` it works in a new temporary directory, removed after a success and
kept after a failure.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
#: The projects of this repository, by distribution name.
PROJECTS = {
    "plughost": ROOT / "host",
    "plughost-greeter": ROOT / "plugins" / "greeter",
    "plughost-calculator": ROOT / "plugins" / "calculator",
}
#: The plugin that ``plughost new`` scaffolds, as a third-party author would.
NEW_PLUGIN = "e2e-sample"
NEW_DISTRIBUTION = f"plughost-{NEW_PLUGIN}"
#: Wheels the index serves besides ours: pip itself, for pipx's shared environment.
EXTRA_WHEELS = ("pip",)
#: What the run needs in the Python that runs it (import names, and names on PyPI).
TOOLS = ("pypiserver", "passlib", "twine", "build", "pipx")
#: twine, from the Python running this script.
TWINE = (sys.executable, "-m", "twine", "--no-color")
#: Seconds a command may take before it is stopped and the run fails.
COMMAND_TIMEOUT = 600.0
#: Seconds the index may take to answer after it was started.
SERVER_START_TIMEOUT = 60.0
# Files and folders of a checkout that do not belong in a build.
_NOT_SOURCES = shutil.ignore_patterns(
    "build", "dist", "*.egg-info", "__pycache__", "*.pyc", ".nox", ".venv", ".*_cache"
)


class StepFailed(Exception):
    """A step did not do what it must; the message says what happened."""


class Interrupted(BaseException):
    """A signal asked the run to stop; the run exits with 128 + its number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class Result:
    """What a command printed, and its exit status."""

    stdout: str
    stderr: str
    returncode: int


@dataclass
class Run:
    """The state shared by the steps: where they work, the index and its account."""

    work: Path
    user: str = "publisher"
    # Hexadecimal: a password starting with "-" would read as an option.
    password: str = field(default_factory=lambda: secrets.token_hex(12))
    port: int = 0
    server: subprocess.Popen[bytes] | None = None
    step: str = "starting"
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The index's root URL, where uploads go."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def simple(self) -> str:
        """The index's simple API, where installers look."""
        return f"{self.url}simple/"

    @property
    def venv(self) -> Path:
        """The fresh environment a user installs plughost into."""
        return self.work / "venv"

    @property
    def plughost(self) -> str:
        """The ``plughost`` console script of that environment."""
        return str(self.venv / "bin" / "plughost")

    @property
    def server_log(self) -> Path:
        """Where the index writes its log."""
        return self.work / "index.log"


# -- running things --------------------------------------------------------------------


def announce(run: Run, title: str) -> None:
    """Start a step: remember its title for the failure message and print it."""
    run.step = title
    print(f"\n=== {title}", flush=True)


def shown(run: Run, args: Sequence[str]) -> str:
    """A command line for the transcript: paths in the work directory relative, no password."""
    prefix = f"{run.work}{os.sep}"
    line = shlex.join(arg.replace(prefix, "") for arg in args)
    return line.replace(run.password, "********")


def publisher_env() -> dict[str, str]:
    """The environment of the author's tools (build, pip download, twine): the user's own.

    Their pip configuration stays, as they fetch the build backend and
    plughost's dependencies from the normal index; twine's own settings and
    the keyring go, so that only the command line says where and as whom.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINE_")}
    env.update(PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring", NO_COLOR="1", COLUMNS="200")
    return _no_proxy(env)


def user_env(work: Path) -> dict[str, str]:
    """The environment of a user's tools (pip, plughost, pipx): no configuration of ours.

    No pip configuration file or ``PIP_*`` variable (the site's index,
    constraints and find-links), no plughost or pipx settings, and home
    directories for caches, configuration and data inside ``work``.
    """
    drop = ("PIP_", "PIPX_", "PLUGHOST_", "UV_", "XDG_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CONDA_PREFIX"):
        env.pop(name, None)
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        NO_COLOR="1",
        XDG_CACHE_HOME=str(work / "home" / "cache"),
        XDG_CONFIG_HOME=str(work / "home" / "config"),
        XDG_DATA_HOME=str(work / "home" / "data"),
        XDG_STATE_HOME=str(work / "home" / "state"),
    )
    return _no_proxy(env)


def _no_proxy(env: dict[str, str]) -> dict[str, str]:
    """``env`` with the local index exempt from any HTTP proxy."""
    for name in ("no_proxy", "NO_PROXY"):
        env[name] = ",".join(filter(None, ["127.0.0.1", "localhost", env.get(name, "")]))
    return env


def sh(
    run: Run,
    args: Sequence[str | Path],
    *,
    env: Mapping[str, str],
    expect: int | None = 0,
    merge: bool = True,
) -> Result:
    """Run ``args`` in the work directory, print it and its output, and check its status.

    With ``merge``, stderr joins stdout and lines are printed as they come;
    without, the two are kept apart (to check what went where) and printed
    when the command ends. ``expect`` is the exit status it must have
    (``None``: any). The command runs in a process group of its own, stopped
    with all its children on a timeout or when the run is interrupted.
    """
    argv = [str(a) for a in args]
    print(f"$ {shown(run, argv)}", flush=True)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            cwd=run.work,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge else subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        )
    except OSError as exc:
        raise StepFailed(f"cannot run {argv[0]}: {exc.strerror or exc}") from None
    watchdog = threading.Timer(COMMAND_TIMEOUT, kill_group, [proc])
    watchdog.start()
    try:
        if merge:
            assert proc.stdout is not None
            lines = []
            for line in proc.stdout:
                print(line, end="", flush=True)
                lines.append(line)
            stdout, stderr = "".join(lines), ""
            proc.wait()
        else:
            stdout, stderr = proc.communicate()
            for text in (stdout, stderr):
                if text.strip():
                    print(text.rstrip("\n"), flush=True)
    except BaseException:
        kill_group(proc)
        raise
    finally:
        watchdog.cancel()
    if survivors(proc):
        kill_group(proc)
        raise StepFailed(
            f"`{shown(run, argv)}` exited but left processes running; they were killed"
        )
    elapsed = time.monotonic() - started
    if elapsed >= COMMAND_TIMEOUT:
        raise StepFailed(f"`{shown(run, argv)}` did not finish within {COMMAND_TIMEOUT:g} s")
    if elapsed > 5:
        print(f"  ({elapsed:.0f} s)", flush=True)
    if expect is not None and proc.returncode != expect:
        raise StepFailed(
            f"`{shown(run, argv)}` exited with status {proc.returncode}, expected {expect}"
            " (its output is above)"
        )
    return Result(stdout, stderr, proc.returncode)


def kill_group(proc: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    """Stop ``proc`` and every process of its group: TERM, then KILL after 10 s."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def survivors(proc: subprocess.Popen[str]) -> bool:
    """Whether a process of the group of ``proc``, which has exited, is still running."""
    try:
        os.killpg(proc.pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def expect_lines(output: str, patterns: Sequence[str], what: str) -> None:
    """Fail unless each regular expression in ``patterns`` matches a whole line of ``output``."""
    lines = output.splitlines()
    for pattern in patterns:
        if not any(re.fullmatch(pattern, line.rstrip()) for line in lines):
            raise StepFailed(f"{what}: no line matches {pattern!r} in:\n{output.rstrip()}")


def http_get(url: str) -> tuple[int, str]:
    """GET ``url`` without any proxy; return the status and the body (empty on an error)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as response:
            return int(response.status), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError as exc:
        raise StepFailed(f"cannot reach {url}: {exc}") from None


# -- the steps ---------------------------------------------------------------------------


def check_tools() -> None:
    """Fail at once, saying what to install, unless this Python has every tool the run uses."""
    missing = [name for name in TOOLS if importlib.util.find_spec(name) is None]
    if missing:
        raise StepFailed(
            f"{sys.executable} lacks {', '.join(missing)}; run this script with `nox -s e2e`,"
            f" or install them: {sys.executable} -m pip install {' '.join(TOOLS)}"
        )


def build_distributions(run: Run, projects: Mapping[str, Path], into: Path) -> list[Path]:
    """Build an sdist and a wheel (from the sdist) of each project into ``into``.

    Each project is copied first (without build leftovers), so that the
    build sees what a clean clone holds and writes nothing into the checkout.
    """
    into.mkdir(parents=True, exist_ok=True)
    built: list[Path] = []
    for name, source in projects.items():
        copy = run.work / "sources" / name
        shutil.copytree(source, copy, ignore=_NOT_SOURCES)
        before = set(into.iterdir())
        sh(run, [sys.executable, "-m", "build", "-q", "--outdir", into, copy], env=publisher_env())
        new = sorted(set(into.iterdir()) - before)
        sdists = [p for p in new if p.name.endswith(".tar.gz")]
        wheels = [p for p in new if p.name.endswith(".whl")]
        if len(sdists) != 1 or len(wheels) != 1:
            made = [p.name for p in new]
            raise StepFailed(f"building {name} made {made}, not one sdist and one wheel")
        version = wheels[0].name.split("-")[1]
        if sdists[0].name != f"{name.replace('-', '_')}-{version}.tar.gz":
            raise StepFailed(f"the sdist of {name} {version} is called {sdists[0].name}")
        run.versions[name] = version
        built += new
    return built


def download_dependencies(run: Run, host_wheel: Path) -> list[Path]:
    """Download, from the normal index, the wheels of plughost's dependencies (and pip).

    Their names come from the built plughost wheel, so the index serves
    whatever plughost requires today.
    """
    into = run.work / "dependencies"
    into.mkdir()
    sh(
        run,
        [
            *(sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:"),
            *("--dest", into, host_wheel, *EXTRA_WHEELS),
        ],
        env=publisher_env(),
    )
    wheels = sorted(p for p in into.glob("*.whl") if not p.name.startswith("plughost-"))
    names = {p.name.split("-")[0].lower() for p in wheels}
    for needed in ("stevedore", "packaging", *EXTRA_WHEELS):
        if needed not in names:
            raise StepFailed(f"pip download fetched no wheel of {needed}: {sorted(names)}")
    print("\n".join(p.name for p in wheels), flush=True)
    return wheels


def write_htpasswd(run: Run) -> Path:
    """Write the index's htpasswd file: one user, an apr1 (Apache MD5) hash, with passlib."""
    path = run.work / "htpasswd"
    apache = importlib.import_module("passlib.apache")
    htpasswd = apache.HtpasswdFile(str(path), new=True, default_scheme="apr_md5_crypt")
    htpasswd.set_password(run.user, run.password)
    htpasswd.save()
    print(
        f"wrote {path.name}: user {run.user!r}, a random password of {len(run.password)} characters"
    )
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_index(run: Run, htpasswd: Path) -> None:
    """Start pypiserver on 127.0.0.1 at a free port, uploads behind the password.

    It serves an empty directory, never redirects to another index for a
    name it does not have (``--disable-fallback``), and runs in a process
    group of its own. Should the port be taken between choosing and binding
    it, another is tried.
    """
    packages = run.work / "index"
    packages.mkdir()
    for attempt in range(1, 4):
        run.port = free_port()
        argv = [
            *(sys.executable, "-m", "pypiserver", "run", "--verbose", "--host", "127.0.0.1"),
            *("--port", str(run.port), "--authenticate", "update", "--passwords", str(htpasswd)),
            *("--disable-fallback", "--hash-algo", "sha256", str(packages)),
        ]
        print(f"$ {shown(run, argv)} &", flush=True)
        with open(run.server_log, "ab") as log:
            run.server = subprocess.Popen(
                argv,
                cwd=run.work,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if wait_for_index(run):
            print(f"index listening at {run.url} (pid {run.server.pid})", flush=True)
            return
        stop_index(run)
        print(f"the index did not start on port {run.port} (attempt {attempt})", flush=True)
    raise StepFailed(f"pypiserver did not start; its log:\n{tail(run.server_log)}")


def wait_for_index(run: Run) -> bool:
    """Wait until the index answers on its health endpoint; False if it exited or timed out."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if run.server is None or run.server.poll() is not None:
            return False
        try:
            status, _ = http_get(f"{run.url}health")
        except StepFailed:
            status = 0
        if status == 200:
            return run.server.poll() is None
        time.sleep(0.2)
    return False


def stop_index(run: Run) -> None:
    """Stop the index and its whole process group; safe to call more than once."""
    server = run.server
    if server is not None:
        kill_group(server)
        run.server = None
        print(f"stopped the index (pid {server.pid})", flush=True)


def tail(path: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of the file at ``path`` ("" if it cannot be read)."""
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def post_without_credentials(run: Run, dist: Path) -> int:
    """POST ``dist`` to the index as an upload form, with no credentials; return the status."""
    name, version = dist.name.split("-")[:2]
    boundary = secrets.token_hex(16)
    fields = {":action": "file_upload", "protocol_version": "1", "name": name, "version": version}
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="{dist.name}"'
        "\r\nContent-Type: application/octet-stream\r\n\r\n".encode()
    )
    parts += [dist.read_bytes(), f"\r\n--{boundary}--\r\n".encode()]
    request = urllib.request.Request(
        run.url,
        data=b"".join(parts),
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    print(f"> POST {run.url} (an upload of {dist.name}), without credentials", flush=True)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        raise StepFailed(f"cannot reach the index at {run.url}: {exc}") from None
    print(f"HTTP {status}", flush=True)
    return status


def refuse_anonymous_upload(run: Run, dist: Path) -> None:
    """Upload ``dist`` without credentials and with a wrong password: both must be refused.

    The first is a plain upload form with no credentials (twine would ask for
    a password first), which must get 401; the second is twine, which must
    fail on the index's 403. Afterwards the index must still not have the
    project.
    """
    status = post_without_credentials(run, dist)
    if status != 401:
        raise StepFailed(f"an upload without credentials got HTTP {status} from the index, not 401")
    wrong = sh(
        run, [*twine_upload(run, "not-the-password"), dist], env=publisher_env(), expect=None
    )
    if wrong.returncode == 0 or "403 Forbidden" not in wrong.stdout:
        raise StepFailed(
            f"twine with a wrong password exited {wrong.returncode}; expected a failure on HTTP 403"
        )
    project = project_of(dist)
    status, _ = http_get(f"{run.simple}{project}/")
    if status != 404:
        raise StepFailed(f"after the refused uploads the index has {project} (HTTP {status})")
    print(f"refused as it must be; the index has no {project}", flush=True)


def project_of(dist: Path) -> str:
    """The normalized project name of the sdist or wheel ``dist``, as in the simple API."""
    return re.sub(r"[-_.]+", "-", dist.name.split("-")[0]).lower()


def twine_upload(run: Run, password: str) -> list[str]:
    """The twine command line that uploads to the index as ``run.user`` with ``password``."""
    return [
        *(*TWINE, "upload", "--non-interactive", "--disable-progress-bar"),
        *("--repository-url", run.url, "-u", run.user, "-p", password),
    ]


def twine_check(run: Run, dists: Sequence[Path]) -> None:
    """``twine check --strict`` the distributions: metadata and README as PyPI would take them."""
    sh(run, [*TWINE, "check", "--strict", *dists], env=publisher_env())


def upload(run: Run, dists: Sequence[Path]) -> None:
    """Upload ``dists`` with twine and the password, then see that the index lists each."""
    sh(run, [*twine_upload(run, run.password), *dists], env=publisher_env())
    by_project: dict[str, list[str]] = {}
    for dist in dists:
        by_project.setdefault(project_of(dist), []).append(dist.name)
    for project, files in sorted(by_project.items()):
        status, page = http_get(f"{run.simple}{project}/")
        missing = [f for f in files if f not in page]
        if status != 200 or missing:
            raise StepFailed(f"the index's page of {project} (HTTP {status}) lacks {missing}")
    print(f"the index lists all {len(dists)} files", flush=True)


def create_venv(run: Run) -> None:
    """Create the user's fresh virtual environment (with the pip that Python bundles)."""
    sh(run, [sys.executable, "-m", "venv", run.venv], env=user_env(run.work))


def pip_install_from_index(run: Run, names: Sequence[str]) -> None:
    """``pip install`` ``names`` from the local index alone, and prove where each came from.

    pip reads no configuration (``PIP_CONFIG_FILE`` is the null device) and
    gets the index on the command line; its ``--report`` must show every
    distribution downloaded from the local index, ``names`` among them.
    """
    report = run.work / "pip-report.json"
    pip = [str(run.venv / "bin" / "python"), "-m", "pip"]
    options = ["--quiet", "--index-url", run.simple, "--report", str(report)]
    sh(run, [*pip, "install", *options, *names], env=user_env(run.work))
    installed = json.loads(report.read_text(encoding="utf-8"))["install"]
    sources = {i["metadata"]["name"]: i["download_info"]["url"] for i in installed}
    for name, url in sorted(sources.items()):
        print(f"  {name} {url}", flush=True)
    elsewhere = {n: u for n, u in sources.items() if not u.startswith(run.url)}
    if elsewhere:
        raise StepFailed(f"pip installed from outside the local index: {elsewhere}")
    missing = set(names) - set(sources)
    if missing:
        raise StepFailed(f"pip did not install {sorted(missing)}")


def plughost(run: Run, *args: str | Path, expect: int = 0) -> Result:
    """Run the fresh environment's ``plughost`` console script with ``args``, as a user."""
    return sh(run, [run.plughost, *args], env=user_env(run.work), expect=expect, merge=False)


def plughost_version(run: Run) -> None:
    """``plughost --version`` names the version that was built."""
    printed = plughost(run, "--version").stdout.strip()
    expected = f"plughost {run.versions['plughost']}"
    if printed != expected:
        raise StepFailed(f"plughost --version printed {printed!r}, not {expected!r}")


def listed(run: Run, output: str, expected: Mapping[str, str], absent: Sequence[str] = ()) -> None:
    """Check the output of ``plughost list``: ``expected`` plugins in their states, no ``absent``.

    A plugin ``NAME`` comes from the distribution ``plughost-NAME``, at the
    version that was built.
    """
    patterns = [r"NAME\s+STATE\s+DISTRIBUTION\s+SUMMARY"]
    for plugin, state in expected.items():
        dist = f"plughost-{plugin}"
        label = re.escape(f"{dist} {run.versions[dist]}")
        patterns.append(rf"{re.escape(plugin)}\s+{state}\s+{label}\s+\S.*")
    expect_lines(output, patterns, "plughost list")
    for plugin in absent:
        if re.search(rf"^{re.escape(plugin)}\s", output, re.MULTILINE):
            raise StepFailed(f"plughost list still shows {plugin}:\n{output}")


def plughost_list(run: Run, expected: Mapping[str, str], absent: Sequence[str] = ()) -> None:
    """``plughost list`` shows each plugin of ``expected`` in its state, and none of ``absent``."""
    listed(run, plughost(run, "list").stdout, expected, absent)


def plughost_new(run: Run) -> Path:
    """Scaffold the third-party plugin with the installed ``plughost new``, as its author would."""
    target = run.work / "third-party" / NEW_DISTRIBUTION
    result = plughost(run, "new", NEW_PLUGIN, "--directory", target)
    created = (
        rf"created .*/{re.escape(NEW_DISTRIBUTION)}/ \(\d+ files\) for the plugin '{NEW_PLUGIN}'"
    )
    expect_lines(result.stdout, [created], "plughost new")
    for rel in ("pyproject.toml", f"src/plughost_{NEW_PLUGIN.replace('-', '_')}/__init__.py"):
        if not (target / rel).is_file():
            raise StepFailed(f"plughost new wrote no {rel} in {target}")
    return target


def plughost_install(run: Run) -> None:
    """``plughost install`` the scaffolded plugin from the index; it must be installed and ok."""
    result = plughost(run, "install", "--index-url", run.simple, NEW_DISTRIBUTION)
    installed = re.escape(f"installed {NEW_DISTRIBUTION} {run.versions[NEW_DISTRIBUTION]}")
    expect_lines(result.stdout, [installed, rf"\s+{re.escape(NEW_PLUGIN)}\s+ok"], "install")


def plughost_run(run: Run) -> None:
    """``plughost run`` commands of each plugin, in process and isolated; compare the output.

    A command that fails must exit 1 with one ``error:`` line on stderr.
    """
    calls = [
        (["greeter", "greet", "Ada"], "Hello, Ada!"),
        (["--isolated", "greeter", "greet", "Ada", "--language", "es"], "¡Hola, Ada!"),
        (["calculator", "evaluate", "2 * (3 + 4) - 0.1"], "13.9"),
        (["calculator", "evaluate", "0.1 + 0.2", "--json"], '"0.3"'),
        ([NEW_PLUGIN, "hello"], "Hello, world!"),
        (["--isolated", NEW_PLUGIN, "hello", "--name", "Ada"], "Hello, Ada!"),
    ]
    for args, expected in calls:
        printed = plughost(run, "run", *args).stdout.strip()
        if printed != expected:
            raise StepFailed(
                f"plughost run {shlex.join(args)} printed {printed!r}, expected {expected!r}"
            )
    failed = plughost(run, "run", "calculator", "evaluate", "1 / 0", expect=1)
    if failed.stdout or not re.fullmatch(r"error: calculator evaluate: .+\n", failed.stderr):
        raise StepFailed("a failing command must print one `error: ...` line, on stderr only")


def plughost_check(run: Run, plugins: Sequence[str]) -> None:
    """``plughost check`` imports and validates every plugin: each must be ``ok``."""
    result = plughost(run, "check")
    expect_lines(result.stdout, [rf"{re.escape(p)}\s+ok" for p in plugins], "plughost check")


def plughost_uninstall(run: Run) -> None:
    """``plughost uninstall -y`` the scaffolded plugin; afterwards it must be gone."""
    result = plughost(run, "uninstall", "-y", NEW_PLUGIN)
    expect_lines(result.stdout, [f"uninstalled {re.escape(NEW_DISTRIBUTION)}"], "uninstall")
    gone = plughost(run, "run", NEW_PLUGIN, "hello", expect=3)
    if f"no plugin named {NEW_PLUGIN!r}" not in gone.stderr:
        raise StepFailed(f"running the uninstalled {NEW_PLUGIN} did not say it is gone")


def pipx_env(run: Run) -> dict[str, str]:
    """The user's environment for pipx: its home, apps and pages in the work directory."""
    home = run.work / "pipx"
    env = user_env(run.work)
    env.update(
        PIPX_HOME=str(home / "home"),
        PIPX_BIN_DIR=str(home / "bin"),
        PIPX_MAN_DIR=str(home / "man"),
        PIPX_COMPLETION_DIR=str(home / "completions"),
        PIPX_DEFAULT_BACKEND="pip",
        PIPX_USE_EMOJI="0",
        USE_EMOJI="0",
        PATH=os.pathsep.join([str(home / "bin"), env.get("PATH", os.defpath)]),
    )
    return env


def pipx_install(run: Run) -> Path:
    """``pipx install plughost``, then ``pipx inject plughost plughost-greeter``, from the index.

    pipx is the one this script runs with; its shared pip comes from the
    index too. Returns the ``plughost`` app pipx exposed.
    """
    pipx = [sys.executable, "-m", "pipx"]
    env = pipx_env(run)
    sh(run, [*pipx, "--version"], env=env)
    sh(run, [*pipx, "install", "--index-url", run.simple, "plughost"], env=env)
    sh(run, [*pipx, "inject", "--index-url", run.simple, "plughost", "plughost-greeter"], env=env)
    app = run.work / "pipx" / "bin" / "plughost"
    if not app.exists():
        raise StepFailed(f"pipx exposed no plughost app in {app.parent}")
    result = sh(run, [*pipx, "list", "--short"], env=env)
    expect_lines(result.stdout, [rf"plughost {re.escape(run.versions['plughost'])}"], "pipx list")
    return app


def pipx_use(run: Run, app: Path) -> None:
    """The pipx-installed ``plughost`` finds the injected greeter, and only it, and runs it."""
    env = pipx_env(run)
    listing = sh(run, [app, "list"], env=env, merge=False).stdout
    listed(run, listing, {"greeter": "unchecked"}, absent=["calculator"])
    greeting = sh(run, [app, "run", "greeter", "greet", "Ada"], env=env, merge=False).stdout.strip()
    if greeting != "Hello, Ada!":
        raise StepFailed(f"the pipx-installed plughost greeted {greeting!r}, not 'Hello, Ada!'")


# -- the whole run -----------------------------------------------------------------------


def publish(run: Run) -> None:
    """Every step, in order; raises StepFailed at the first that fails."""
    announce(run, "build the sdists and wheels of plughost and its two plugins")
    dists = build_distributions(run, PROJECTS, run.work / "dist")
    host_wheel = next(p for p in dists if p.name.startswith("plughost-") and p.suffix == ".whl")

    announce(run, "download plughost's dependencies from the normal index")
    dependencies = download_dependencies(run, host_wheel)

    announce(run, "start a local package index that needs a password to upload")
    start_index(run, write_htpasswd(run))

    announce(run, "an upload without the password is refused")
    refuse_anonymous_upload(run, host_wheel)

    announce(run, "upload with twine and the password")
    twine_check(run, dists)
    upload(run, [*dists, *dependencies])

    announce(run, "install plughost and the plugins into a fresh environment, from the index alone")
    create_venv(run)
    pip_install_from_index(run, list(PROJECTS))
    plughost_version(run)
    plughost_list(run, {"calculator": "unchecked", "greeter": "unchecked"})

    announce(run, f"a third-party author scaffolds {NEW_DISTRIBUTION}, builds and uploads it")
    project = plughost_new(run)
    third_party = build_distributions(run, {NEW_DISTRIBUTION: project}, run.work / "dist-new")
    twine_check(run, third_party)
    upload(run, third_party)

    announce(run, f"plughost install {NEW_DISTRIBUTION} from the index")
    plughost_install(run)

    announce(run, "use the plugins: run, check, list")
    plughost_run(run)
    plughost_check(run, ["calculator", "greeter", NEW_PLUGIN])
    plughost_list(run, {"calculator": "ok", "greeter": "ok", NEW_PLUGIN: "ok"})

    announce(run, f"plughost uninstall -y {NEW_PLUGIN}")
    plughost_uninstall(run)
    plughost_list(run, {"calculator": "ok", "greeter": "ok"}, absent=[NEW_PLUGIN])

    announce(run, "pipx install plughost and inject plughost-greeter, from the index")
    pipx_use(run, pipx_install(run))


@contextmanager
def signals_stop(run: Run) -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP stop the index's process group and end the run."""

    def handler(signum: int, frame: FrameType | None) -> None:
        """Stop the index now, then unwind the run through its ``finally`` blocks."""
        stop_index(run)
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every step; 0 when all passed, 1 at the first failure, 128 + N on signal N."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--work",
        type=Path,
        help="an empty or new directory to work in, kept afterwards (default: a temporary"
        " one, removed after a success)",
    )
    args = parser.parse_args(argv)
    try:
        check_tools()
    except StepFailed as exc:
        print(f"e2e: {exc}", file=sys.stderr)
        return 1
    if args.work is not None:
        work = args.work.resolve()
        if work.exists() and any(work.iterdir()):
            parser.error(f"{work} is not empty; give a new or empty directory")
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="plughost-e2e-")).resolve()
    run = Run(work=work)
    started = time.monotonic()
    print(f"$ cd {work}", flush=True)
    outcome = 1
    try:
        with signals_stop(run):
            try:
                publish(run)
            finally:
                stop_index(run)
        outcome = 0
    except StepFailed as exc:
        print(f"\ne2e: FAILED in step '{run.step}': {exc}", file=sys.stderr, flush=True)
        if run.server_log.exists():
            print(f"the index's log ends with:\n{tail(run.server_log)}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"\ne2e: interrupted (SIGINT) in step '{run.step}'", file=sys.stderr)
        outcome = 128 + signal.SIGINT
    except Interrupted as exc:
        print(f"\ne2e: interrupted ({exc}) in step '{run.step}'", file=sys.stderr)
        outcome = 128 + exc.signum
    except Exception:
        traceback.print_exc()
        print(f"\ne2e: FAILED in step '{run.step}': an error in this script", file=sys.stderr)
    finally:
        stop_index(run)
    elapsed = time.monotonic() - started
    if outcome == 0:
        print(f"\ne2e: all steps passed in {elapsed:.0f} s", flush=True)
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"e2e: the work directory is kept: {work}", file=sys.stderr)
    return outcome


if __name__ == "__main__":
    sys.exit(main())
