"""What the ``test_manage*`` files share: wheels, environments and helpers (no tests here).

The session builds wheels of the host and of the ``manage-*`` fixtures into
local directories, with variants made here: a broken second release of a
plugin and a second release of its library, a plugin that kills the
interpreter importing it, a plughost 2.0.0 and a plugin release made for it,
and hostile wheels (files of plughost or of another distribution, a console
script called ``plughost``, files for the venv's own ``pyvenv.cfg`` and
``python``, ``.pth`` files that run code, a journal of plughost's own, a file
outside the environment, a damaged member pip fails on half-way). One virtual
environment with pip and plughost is copied afresh for every test. pip runs
with ``--no-index --find-links`` and no configuration file: only the download
of plughost's two dependencies and setuptools (for the editable fixtures'
isolated builds) uses the package index.

The test files load this module with ``pytest_plugins``, so the session
fixtures are built once.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import plughost
from plughost._manage.install import InstallOutcome, install
from support import PACKAGES

HOST = PACKAGES.parent.parent / "host"
PLUGIN = "plughost-fixture-manage-plugin"
LIB = "plughost-fixture-manage-lib"
BROKEN = "plughost-fixture-manage-broken"
NO_PLUGIN = "plughost-fixture-manage-no-plugin"
NEEDS_HOST2 = "plughost-fixture-manage-needs-host2"
CONFLICT_A = "plughost-fixture-conflict-a"
CONFLICT_B = "plughost-fixture-conflict-b"
PTH = "plughost-fixture-verify-pth"
SLOW = "plughost-fixture-manage-slow-editable"
EDITABLE_PTH = "plughost-fixture-manage-editable-pth"
PURELIB = f"lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages"
CRASH = """\"\"\"Kills the interpreter that imports it: no exception, no cleanup.\"\"\"

import os

os._exit(70)
"""
RAISES = 'raise RuntimeError("release 2.0.0 of the manage-plugin fixture is broken")\n'
PLUGIN_MODULE = '''"""A valid plugin made by the test session."""

from plughost import Plugin, command


class FixturePlugin(Plugin):
    """Say hello."""

    @command
    def hello(self) -> str:
        """Return a greeting."""
        return "hello"


def main() -> None:
    """A console script."""
'''
#: A file of plughost that the shared-host fixture ships too, byte for byte.
STATES = "plughost/_discovery/states.py"
STATES_MODULE = (HOST / "src" / STATES).read_text(encoding="utf-8")
LIB_MODULE = (
    PACKAGES / "manage-lib" / "src" / "plughost_fixture_manage_lib" / "__init__.py"
).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Wheels:
    """Local wheel directories: ``base`` for everyday installs, the others for one test each."""

    base: Path  # host 1.0.0, stevedore, packaging, setuptools, the fixtures
    newer: Path  # manage-plugin 2.0.0 (broken, needs manage-lib>=2), manage-lib 2.0
    host2: Path  # plughost 2.0.0, manage-plugin 3.0.0 (needs plughost 2)
    marked: Path  # plughost 1.0.0 with Requires-Dist lines behind markers
    crash: Path  # the wheel of a plugin that calls os._exit at import
    escaping: Path  # a manage-plugin wheel with a file outside the environment
    damaged: Path  # a manage-plugin wheel with a member whose bytes fail their CRC
    hostile: Mapping[str, Path]  # wheels that break a rule, by case
    made: Path  # the folder of the session-made projects' wheels (find-links)


def copy_project(project: Path, dest: Path) -> Path:
    """A copy of ``project`` without build leftovers (builds write into the tree)."""
    shutil.copytree(project, dest, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    return dest


def variant(
    project: str,
    dest: Path,
    *,
    version: str | None = None,
    dependencies: Sequence[str] | None = None,
    module: str | None = None,
) -> Path:
    """A copy of fixture ``project`` with another version, dependencies or module text."""
    copy_project(PACKAGES / project, dest)
    pyproject = dest / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    if version is not None:
        text = re.sub(r'^version = ".*"$', f'version = "{version}"', text, flags=re.M)
    if dependencies is not None:
        text = re.sub(
            r"^dependencies = .*$", f"dependencies = {json.dumps(dependencies)}", text, flags=re.M
        )
    pyproject.write_text(text, encoding="utf-8")
    if module is not None:
        (next((dest / "src").iterdir()) / "__init__.py").write_text(module, encoding="utf-8")
    return dest


def plugin_project(
    dest: Path,
    name: str,
    files: Mapping[str, str],
    *,
    dependencies: Sequence[str] = ("plughost>=1.0,<2",),
    plugin: bool = True,
    scripts: Mapping[str, str] | None = None,
) -> Path:
    """A setuptools project named ``name`` with ``files`` under ``src/`` (and a plugin)."""
    package = name.replace("-", "_")
    files = {f"{package}/__init__.py": PLUGIN_MODULE, **files} if plugin else dict(files)
    lines = [
        '[build-system]\nrequires = ["setuptools>=77"]\nbuild-backend = "setuptools.build_meta"\n',
        f'[project]\nname = "{name}"\nversion = "1.0.0"\nrequires-python = ">=3.11"',
        f"dependencies = {json.dumps(list(dependencies))}\n",
    ]
    if plugin:
        lines.append(
            f'[project.entry-points."plughost.plugins"]\n{name[17:]} = "{package}:FixturePlugin"\n'
        )
    if scripts:
        lines.append("[project.scripts]\n" + "".join(f'{k} = "{v}"\n' for k, v in scripts.items()))
    modules = sorted({p.removesuffix(".py") for p in files if "/" not in p})
    packages = sorted({p.rsplit("/", 1)[0].replace("/", ".") for p in files if "/" in p})
    lines.append(
        f'[tool.setuptools]\npackage-dir = {{"" = "src"}}\npackages = {json.dumps(packages)}\n'
        f"py-modules = {json.dumps(modules)}\n"
    )
    dest.mkdir(parents=True)
    (dest / "pyproject.toml").write_text("\n".join(lines), encoding="utf-8")
    for rel, text in files.items():
        (dest / "src" / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / "src" / rel).write_text(text, encoding="utf-8")
    return dest


def pip_env(**extra: str) -> dict[str, str]:
    """An environment for a child: no pip configuration, no plughost settings of the tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "PLUGHOST_"))}
    return env | {"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"} | extra


def build_wheels(wheel_dir: Path, projects: Sequence[Path]) -> None:
    wheel_dir.mkdir(exist_ok=True)
    pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*pip, "--no-index", "--wheel-dir", str(wheel_dir), *map(str, projects)],
        check=True,
        env=pip_env(),
        timeout=600,
    )


def _one(folder: Path, distribution: str) -> Path:
    (wheel,) = folder.glob(f"{distribution.replace('-', '_')}-*.whl")
    return wheel


def rezip(
    source: Path,
    dest: Path,
    add: Mapping[str, bytes] | None = None,
    damage: str | None = None,
) -> Path:
    """A copy of the wheel ``source`` with members added, or one member's bytes damaged."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as good, zipfile.ZipFile(dest, "w") as bad:
        for member, data in (add or {}).items():
            bad.writestr(member, data)
        for info in good.infolist():
            data = good.read(info)
            if info.filename == damage:
                info.compress_type = zipfile.ZIP_STORED  # its bytes as they are, to damage one
            bad.writestr(info, data)
    if damage is not None:
        with zipfile.ZipFile(dest) as whl:
            info = whl.getinfo(damage)
        with open(dest, "r+b") as f:
            f.seek(info.header_offset + 26)
            name_len, extra_len = (int.from_bytes(f.read(2), "little") for _ in range(2))
            f.seek(info.header_offset + 30 + name_len + extra_len)
            first = f.read(1)
            f.seek(-1, os.SEEK_CUR)
            f.write(bytes([first[0] ^ 0xFF]))
    return dest


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Wheels:
    """Every wheel the install tests use, built once per session."""
    root = tmp_path_factory.mktemp("manage-wheels")
    src = root / "src"
    src.mkdir()
    base = root / "base"
    deps = [
        f"{n}=={importlib.metadata.version(n)}" for n in ("stevedore", "packaging", "setuptools")
    ]
    # The one step that needs the package index (as pip's configuration reaches it).
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
    download = subprocess.run(
        [*pip, "--dest", str(base), *deps], capture_output=True, text=True, timeout=600
    )
    assert download.returncode == 0, f"cannot download {deps}: {download.stderr[-300:]}"
    fixtures = ["manage-lib", "manage-plugin", "manage-no-plugin", "manage-broken"]
    fixtures += ["manage-needs-host2", "conflict-a", "conflict-b", "verify-pth"]
    build_wheels(
        base,
        [
            copy_project(HOST, src / "host"),
            *(copy_project(PACKAGES / f, src / f) for f in fixtures),
        ],
    )
    newer = root / "newer"
    build_wheels(
        newer,
        [
            variant("manage-lib", src / "lib-2", version="2.0", module='VERSION = "2.0"\n'),
            variant(
                "manage-plugin",
                src / "plugin-2",
                version="2.0.0",
                dependencies=["plughost>=1.0,<2", f"{LIB}>=2.0"],
                module=RAISES,
            ),
        ],
    )
    host2 = root / "host2"
    build_wheels(
        host2,
        [
            _host_variant(src / "host-2", version="2.0.0"),
            variant(
                "manage-plugin",
                src / "plugin-3",
                version="3.0.0",
                dependencies=["plughost>=2,<3", LIB],
            ),
        ],
    )
    marked = root / "marked"
    requires = [
        f'{PLUGIN}; python_version >= "3"',  # needed here: so is its library, manage-lib
        f'{CONFLICT_A}; python_version < "3"',  # never needed
    ]
    build_wheels(marked, [_host_variant(src / "host-marked", requires=requires)])
    crash = root / "crash"
    build_wheels(crash, [variant("manage-broken", src / "crash", module=CRASH)])
    made = root / "made"
    build_wheels(made, _hostile_projects(src / "made"))
    plugin = _one(base, PLUGIN)
    purelib = "plughost_fixture_manage_plugin-1.0.0.data"
    exec_line = b"import os; os.environ.setdefault('PLUGHOST_FIXTURE_DATA_PTH', 'ran')\n"
    crafted = root / "crafted"
    hostile = {
        "data-pyvenv": rezip(
            plugin, crafted / "pyvenv" / plugin.name, {f"{purelib}/data/pyvenv.cfg": b"home = /\n"}
        ),
        "data-python": rezip(
            plugin, crafted / "python" / plugin.name, {f"{purelib}/scripts/python": b"#!/bin/sh\n"}
        ),
        "data-pth": rezip(
            plugin,
            crafted / "pth" / plugin.name,
            {f"{purelib}/data/{PURELIB}/zz_data.pth": exec_line},
        ),
        "journal": rezip(
            plugin, crafted / "journal" / plugin.name, {".plughost-transaction/journal.json": b"{}"}
        ),
        **{case: _one(made, f"plughost-fixture-manage-{case}") for case in _HOSTILE},
    }
    escaping = rezip(plugin, root / "escaping" / plugin.name, {"../../../../escaped.txt": b"no\n"})
    damaged = rezip(
        plugin, root / "damaged" / plugin.name, damage="plughost_fixture_manage_plugin/__init__.py"
    )
    return Wheels(
        base, newer, host2, marked, next(crash.glob("*.whl")), escaping, damaged, hostile, made
    )


def _host_variant(dest: Path, *, version: str | None = None, requires: Sequence[str] = ()) -> Path:
    """A copy of the host project with another version or more requirements."""
    copy_project(HOST, dest)
    if version is not None:
        init = dest / "src" / "plughost" / "__init__.py"
        text = init.read_text(encoding="utf-8")
        init.write_text(
            text.replace(f'__version__ = "{plughost.__version__}"', f'__version__ = "{version}"'),
            encoding="utf-8",
        )
    if requires:
        pyproject = dest / "pyproject.toml"
        text = pyproject.read_text(encoding="utf-8")
        new = re.sub(
            r"^dependencies = \[",
            "dependencies = [" + "".join(f"{json.dumps(r)}, " for r in requires),
            text,
            count=1,
            flags=re.M,
        )
        assert new != text
        pyproject.write_text(new, encoding="utf-8")
    return dest


#: The session-made projects that break a rule, by case; each is plughost-fixture-manage-CASE.
_HOSTILE = ("evil-host", "evil-script", "evil-lib", "evil-dep", "sitecustomize")


def _hostile_projects(src: Path) -> list[Path]:
    cli = "raise SystemExit('plughost was replaced by a plugin')\n"

    def p(
        case: str,
        files: Mapping[str, str],
        *,
        dependencies: Sequence[str] = ("plughost>=1.0,<2",),
        plugin: bool = True,
        scripts: Mapping[str, str] | None = None,
    ) -> Path:
        name = f"plughost-fixture-manage-{case}"
        return plugin_project(
            src / case, name, files, dependencies=dependencies, plugin=plugin, scripts=scripts
        )

    lib = "plughost_fixture_manage_lib/__init__.py"
    return [
        p("evil-host", {"plughost/__init__.py": cli, "plughost/_cli/main.py": cli}),
        p("evil-script", {}, scripts={"plughost": "plughost_fixture_manage_evil_script:main"}),
        p("evil-lib", {lib: 'VERSION = "evil"\n'}, plugin=False, dependencies=()),
        p("evil-dep", {}, dependencies=["plughost>=1.0,<2", "plughost-fixture-manage-evil-host"]),
        p("sitecustomize", {"sitecustomize.py": "import os\n"}),
        p("shared-plugin", {lib: LIB_MODULE}, dependencies=["plughost>=1.0,<2", LIB]),
        p(
            "shared-host",
            {STATES: STATES_MODULE, "plughost_fixture_manage_shared_host/__init__.py": RAISES},
        ),
        p(
            "shared-broken",
            {lib: LIB_MODULE, "plughost_fixture_manage_shared_broken/__init__.py": RAISES},
            dependencies=["plughost>=1.0,<2", LIB],
        ),
    ]


@pytest.fixture(scope="session")
def template_venv(tmp_path_factory: pytest.TempPathFactory, wheels: Wheels) -> Path:
    """A virtual environment with pip and plughost only (copied for each test)."""
    venv = tmp_path_factory.mktemp("manage-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-index"]
    subprocess.run(
        [*pip, "--find-links", str(wheels.base), f"plughost=={plughost.__version__}"],
        check=True,
        env=pip_env(),
        timeout=300,
    )
    return venv


def copy_venv(template: Path, copy: Path) -> Path:
    """A copy of the environment ``template`` at ``copy``, its console scripts its own."""
    shutil.copytree(template, copy, symlinks=True)
    # Console scripts name their interpreter by absolute path: point them at the copy's.
    old, new = f"#!{template}/bin/", f"#!{copy}/bin/"
    for script in (copy / "bin").iterdir():
        if script.is_file() and not script.is_symlink():
            text = script.read_bytes()
            if text.startswith(old.encode()):
                script.write_bytes(new.encode() + text[len(old) :])
    return copy


@pytest.fixture
def venv(template_venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the template environment; children of this test see no pip config."""
    copy = copy_venv(template_venv, tmp_path / "venv")
    for name in list(os.environ):
        if name.startswith(("PIP_", "PLUGHOST_")) or name in ("PYTHONPATH", "PYTHONHOME"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PLUGHOST_CACHE_DIR", str(tmp_path / "plughost-cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return copy


def python_of(venv: Path) -> str:
    """The interpreter of ``venv``."""
    return str(venv / "bin" / "python")


def site_of(venv: Path) -> Path:
    """The site-packages folder of ``venv``."""
    return venv / PURELIB


def installed(venv: Path) -> dict[str, str]:
    """The distributions of ``venv``, name to version."""
    code = (
        "import importlib.metadata as m, json\n"
        "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    )
    result = subprocess.run(
        [python_of(venv), "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=venv,  # never a test's current folder, whatever it holds
    )
    data: dict[str, str] = json.loads(result.stdout)
    return data


def files(venv: Path) -> dict[str, str]:
    """Every file of the environment's lib and bin (and links, by target), with its digest."""
    found: dict[str, str] = {}
    for top in (venv / "lib", venv / "bin", venv / "include"):
        for path in sorted(top.rglob("*")) if top.exists() else []:
            if "__pycache__" in path.parts:
                continue
            if path.is_symlink():
                found[str(path.relative_to(venv))] = "-> " + os.readlink(path)
            elif path.is_file():
                found[str(path.relative_to(venv))] = hashlib.sha256(path.read_bytes()).hexdigest()
    found["pyvenv.cfg"] = (venv / "pyvenv.cfg").read_text(encoding="utf-8")
    return found


def plughost_in(venv: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m plughost ARGS`` in ``venv``."""
    return subprocess.run(
        [python_of(venv), "-m", "plughost", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=venv,
    )


def run_install(
    venv: Path,
    wheel_dirs: Sequence[Path],
    *specs: str,
    options: Sequence[str] = (),
    keep: bool = False,
    allow_pth: bool = False,
    requirements: Sequence[str] = (),
    verbosity: int = 0,
) -> tuple[InstallOutcome, str]:
    """:func:`plughost._manage.install.install` into ``venv`` from local folders alone."""
    out = io.StringIO()
    links = [arg for d in wheel_dirs for arg in ("--find-links", str(d))]
    outcome = install(
        specs,
        requirements=requirements,
        pip_options=[*options, "--no-index", *links],
        keep=keep,
        allow_pth=allow_pth,
        python=python_of(venv),
        out=out,
        verbosity=verbosity,
    )
    json.dumps(outcome.to_dict())  # JSON-able
    return outcome, out.getvalue()


def states(outcome: InstallOutcome) -> dict[str, str]:
    """Plugin name to state, as the install checked them."""
    return {p["name"]: p["state"] for p in outcome.plugins}


def cli(
    venv: Path, *args: str, cwd: Path | None = None, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess[str]:
    """The venv's own ``plughost`` console script."""
    return subprocess.run(
        [str(venv / "bin" / "plughost"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=pip_env(**env),
        stdin=subprocess.DEVNULL,
        cwd=cwd,
    )


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def wait_for(
    condition: Callable[[], bool], timeout: float, what: str, detail: Callable[[], str] = str
) -> None:
    """Poll ``condition`` until true; fail the test after ``timeout`` seconds (a hang bound)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}\n{detail()}")
        time.sleep(0.05)


@dataclass
class Gate:
    """The folder the slow editable fixture's build waits at."""

    path: Path

    def started(self) -> dict[str, int]:
        """The build's pid and pip's, once the build waits."""
        wait_for((self.path / "started").exists, 240, "the editable build to start")
        data: dict[str, int] = json.loads((self.path / "started").read_text(encoding="utf-8"))
        return data

    def open(self) -> None:
        """Let the build go on."""
        (self.path / "go").write_text("", encoding="utf-8")


@pytest.fixture
def gate(tmp_path: Path) -> Iterator[Gate]:
    """A gate for the slow editable fixture; afterwards no process of the build is left."""
    folder = tmp_path / "gate"
    folder.mkdir()
    the_gate = Gate(folder)
    yield the_gate
    the_gate.open()
    if (folder / "started").exists():
        pids = json.loads((folder / "started").read_text(encoding="utf-8"))
        leftovers = [pid for pid in pids.values() if alive(pid)]
        for pid in leftovers:
            os.kill(pid, signal.SIGKILL)
        assert not leftovers, f"processes left behind: {leftovers}"


@pytest.fixture
def slow_project(tmp_path: Path) -> Path:
    """A copy of the slow editable fixture (an editable build writes into its tree)."""
    return copy_project(PACKAGES / "manage-slow-editable", tmp_path / "slow-editable")


class Background:
    """A ``plughost`` console script running in the background, its output in files."""

    def __init__(self, venv: Path, args: Sequence[str], folder: Path, **env: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.stdout_path, self.stderr_path = folder / "stdout", folder / "stderr"
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [str(venv / "bin" / "plughost"), *args],
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                env=pip_env(**env),
            )

    @property
    def stderr(self) -> str:
        """What it wrote to stderr so far."""
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    @property
    def stdout(self) -> str:
        """What it wrote to stdout so far."""
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    def wait(self, timeout: float = 300) -> int:
        """Its exit status (a bound against hangs, not a timed assertion)."""
        return self.proc.wait(timeout)

    def stop(self) -> None:
        """Kill it if it still runs (test clean-up)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(60)
