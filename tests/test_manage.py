"""``plughost install`` and ``uninstall`` with the real pip, offline.

The session builds wheels of the host and of the ``manage-*`` fixtures into
local directories, with variants made here (a broken second release of a
plugin and a second release of its library, a plugin that kills the
interpreter importing it, a plughost 2.0.0 and a plugin release made for it,
a wheel pip refuses halfway through an install), and one virtual environment
with pip and plughost, copied afresh for every test. pip runs with
``--no-index --find-links`` and no configuration file: only the download of
plughost's two dependencies uses the package index. Each test compares the
environment's distributions (and the files of its site-packages) before and
after.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import plughost
from plughost._manage import InstallError, InstallOutcome, NotInstalled, install, uninstall
from support import PACKAGES

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the venv layout is POSIX")

HOST = PACKAGES.parent.parent / "host"
PLUGIN = "plughost-fixture-manage-plugin"
LIB = "plughost-fixture-manage-lib"
BROKEN = "plughost-fixture-manage-broken"
NO_PLUGIN = "plughost-fixture-manage-no-plugin"
NEEDS_HOST2 = "plughost-fixture-manage-needs-host2"
CONFLICT_A = "plughost-fixture-conflict-a"
CONFLICT_B = "plughost-fixture-conflict-b"
CRASH = """\"\"\"Kills the interpreter that imports it: no exception, no cleanup.\"\"\"

import os

os._exit(70)
"""
RAISES = 'raise RuntimeError("release 2.0.0 of the manage-plugin fixture is broken")\n'


@dataclass(frozen=True)
class Wheels:
    """Local wheel directories: ``base`` for everyday installs, the others for one test each."""

    base: Path  # host 1.0.0, stevedore, packaging, the fixtures
    newer: Path  # manage-plugin 2.0.0 (broken, needs manage-lib>=2), manage-lib 2.0
    host2: Path  # plughost 2.0.0, manage-plugin 3.0.0 (needs plughost 2)
    crash: Path  # the wheel of a plugin that calls os._exit at import
    escaping: Path  # a manage-plugin wheel with a file outside the environment: pip fails


def _copy(project: Path, dest: Path) -> Path:
    shutil.copytree(project, dest, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    return dest


def _variant(
    project: str,
    dest: Path,
    *,
    version: str | None = None,
    dependencies: Sequence[str] | None = None,
    module: str | None = None,
) -> Path:
    """A copy of fixture ``project`` with another version, dependencies or module text."""
    _copy(PACKAGES / project, dest)
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


def _build(wheel_dir: Path, projects: Sequence[Path]) -> None:
    wheel_dir.mkdir(exist_ok=True)
    pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*pip, "--no-index", "--wheel-dir", str(wheel_dir), *map(str, projects)],
        check=True,
        env=_pip_env(),
    )


def _pip_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "PLUGHOST_"))}
    return env | {"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Wheels:
    root = tmp_path_factory.mktemp("manage-wheels")
    src = root / "src"
    src.mkdir()
    base = root / "base"
    deps = [f"{n}=={importlib.metadata.version(n)}" for n in ("stevedore", "packaging")]
    # The one step that needs the package index (as pip's configuration reaches it).
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
    download = subprocess.run([*pip, "--dest", str(base), *deps], capture_output=True, text=True)
    if download.returncode != 0:
        pytest.skip(f"cannot download {' and '.join(deps)}: {download.stderr.strip()[-300:]}")
    fixtures = ["manage-lib", "manage-plugin", "manage-no-plugin", "manage-broken"]
    fixtures += ["manage-needs-host2", "conflict-a", "conflict-b"]
    _build(base, [_copy(HOST, src / "host"), *(_copy(PACKAGES / f, src / f) for f in fixtures)])
    newer = root / "newer"
    _build(
        newer,
        [
            _variant("manage-lib", src / "lib-2", version="2.0", module='VERSION = "2.0"\n'),
            _variant(
                "manage-plugin",
                src / "plugin-2",
                version="2.0.0",
                dependencies=["plughost>=1.0,<2", f"{LIB}>=2.0"],
                module=RAISES,
            ),
        ],
    )
    host2 = root / "host2"
    host_2 = _copy(HOST, src / "host-2")
    init = host_2 / "src" / "plughost" / "__init__.py"
    init.write_text(
        init.read_text(encoding="utf-8").replace(
            f'__version__ = "{plughost.__version__}"', '__version__ = "2.0.0"'
        ),
        encoding="utf-8",
    )
    plugin_3 = _variant(
        "manage-plugin", src / "plugin-3", version="3.0.0", dependencies=["plughost>=2,<3", LIB]
    )
    _build(host2, [host_2, plugin_3])
    crash = root / "crash"
    project = _variant("manage-broken", src / "crash", module=CRASH)
    _build(crash, [project])
    escaping = root / "escaping" / f"{PLUGIN.replace('-', '_')}-1.0.0-py3-none-any.whl"
    escaping.parent.mkdir()
    with (
        zipfile.ZipFile(next(base.glob(f"{PLUGIN.replace('-', '_')}-*.whl"))) as good,
        zipfile.ZipFile(escaping, "w") as bad,
    ):
        bad.writestr("../../../../escaped.txt", "pip refuses to write this\n")
        for info in good.infolist():
            bad.writestr(info, good.read(info))
    return Wheels(base, newer, host2, next(crash.glob("*.whl")), escaping)


@pytest.fixture(scope="session")
def template_venv(tmp_path_factory: pytest.TempPathFactory, wheels: Wheels) -> Path:
    """A virtual environment with pip and plughost only (copied for each test)."""
    venv = tmp_path_factory.mktemp("manage-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-index"]
    subprocess.run(
        [*pip, "--find-links", str(wheels.base), f"plughost=={plughost.__version__}"],
        check=True,
        env=_pip_env(),
    )
    return venv


@pytest.fixture
def venv(template_venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the template environment; children of this test see no pip config."""
    copy = tmp_path / "venv"
    shutil.copytree(template_venv, copy, symlinks=True)
    for name in list(os.environ):
        if name.startswith(("PIP_", "PLUGHOST_")) or name in ("PYTHONPATH", "PYTHONHOME"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PLUGHOST_CACHE_DIR", str(tmp_path / "plughost-cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return copy


def _python(venv: Path) -> str:
    return str(venv / "bin" / "python")


def _installed(venv: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json\n"
        "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    )
    result = subprocess.run([_python(venv), "-c", code], capture_output=True, text=True, check=True)
    data: dict[str, str] = json.loads(result.stdout)
    return data


def _files(venv: Path) -> dict[str, str]:
    """Every file of the environment's site-packages and bin, by path, with its digest."""
    found: dict[str, str] = {}
    for top in (venv / "lib", venv / "bin"):
        for path in sorted(top.rglob("*")):
            if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts:
                found[str(path.relative_to(venv))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _plughost(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_python(venv), "-m", "plughost", *args], capture_output=True, text=True, timeout=120
    )


def _install(
    venv: Path,
    wheel_dirs: Sequence[Path],
    *specs: str,
    options: Sequence[str] = (),
    keep: bool = False,
) -> tuple[InstallOutcome, str]:
    out = io.StringIO()
    links = [arg for d in wheel_dirs for arg in ("--find-links", str(d))]
    outcome = install(
        specs,
        pip_options=[*options, "--no-index", *links],
        keep=keep,
        python=_python(venv),
        out=out,
    )
    json.dumps(outcome.to_dict())  # JSON-able
    return outcome, out.getvalue()


def _states(outcome: InstallOutcome) -> dict[str, str]:
    return {p["name"]: p["state"] for p in outcome.plugins}


# -- install ------------------------------------------------------------------


def test_install_registers_a_working_plugin_and_keeps_the_host(venv: Path, wheels: Wheels) -> None:
    outcome, output = _install(venv, [wheels.base], PLUGIN)
    assert outcome.ok and not outcome.rolled_back and outcome.reason == ""
    assert outcome.changed == ((LIB, None, "1.0"), (PLUGIN, None, "1.0.0"))
    assert outcome.plugins == (
        {"name": "manage-plugin", "distribution": PLUGIN, "version": "1.0.0", "state": "ok"}
        | {"reason": ""},
    )
    assert "Successfully installed" in output  # pip's own output, passed through
    installed = _installed(venv)
    assert installed["plughost"] == plughost.__version__
    assert installed[PLUGIN] == "1.0.0"
    listed = {p["name"]: p["state"] for p in json.loads(_plughost(venv, "list", "--json").stdout)}
    assert listed["manage-plugin"] == "ok"  # the child's check was recorded
    assert outcome.summary()[:2] == [f"installed {LIB} 1.0", f"installed {PLUGIN} 1.0.0"]
    again, _ = _install(venv, [wheels.base], PLUGIN)
    assert again.changed == () and again.ok
    assert again.summary() == ["nothing to do: what was asked for is already installed"]


def test_a_distribution_with_no_plugin_is_rolled_back_with_its_dependency(
    venv: Path, wheels: Wheels
) -> None:
    before, files = _installed(venv), _files(venv)
    outcome, _ = _install(venv, [wheels.base], NO_PLUGIN)
    assert outcome.rolled_back and outcome.restored and not outcome.ok
    assert dict((d, n) for d, _, n in outcome.changed) == {LIB: "1.0", NO_PLUGIN: "1.0.0"}
    assert f"{NO_PLUGIN} 1.0.0 registers no plugin" in outcome.reason
    assert "--keep" in outcome.reason and "\n" not in outcome.reason
    assert _installed(venv) == before
    assert _files(venv) == files


def test_a_broken_plugin_is_rolled_back_and_the_host_is_unchanged(
    venv: Path, wheels: Wheels
) -> None:
    before, files = _installed(venv), _files(venv)
    outcome, _ = _install(venv, [wheels.base], BROKEN)
    assert _states(outcome) == {"manage-broken": "broken"}
    assert outcome.rolled_back and outcome.restored
    assert "the manage-broken fixture cannot be imported" in outcome.reason
    assert _installed(venv) == before
    assert _files(venv) == files
    assert outcome.summary()[-1] == "rolled back: the installed distributions are exactly as before"


def test_keep_keeps_a_broken_plugin(venv: Path, wheels: Wheels) -> None:
    outcome, _ = _install(venv, [wheels.base], BROKEN, keep=True)
    assert not outcome.rolled_back and not outcome.ok and outcome.reason == ""
    assert _states(outcome) == {"manage-broken": "broken"}
    assert "cannot be imported" in outcome.problems[0]
    installed = _installed(venv)
    assert installed[BROKEN] == "1.0.0" and installed[LIB] == "1.0"
    assert installed["plughost"] == plughost.__version__


def test_a_plugin_that_kills_the_checking_interpreter_cannot_kill_the_installer(
    venv: Path, wheels: Wheels
) -> None:
    before = _installed(venv)
    outcome, _ = _install(venv, [wheels.base], str(wheels.crash))
    assert outcome.rolled_back and outcome.restored
    assert _states(outcome) == {"manage-broken": "broken"}
    assert "child process failed (exit status 70" in outcome.reason
    assert _installed(venv) == before


def test_a_plugin_for_another_plughost_fails_clearly_and_changes_nothing(
    venv: Path, wheels: Wheels
) -> None:
    before, files = _installed(venv), _files(venv)
    with pytest.raises(InstallError) as raised:
        _install(venv, [wheels.base, wheels.host2], NEEDS_HOST2)
    message = str(raised.value)
    assert "requires another plughost release" in message
    assert "nothing was changed" in message and "\n" not in message
    assert _installed(venv) == before
    assert _files(venv) == files


def test_the_pin_makes_pip_pick_the_release_made_for_this_host(venv: Path, wheels: Wheels) -> None:
    links = ["--no-index", "--find-links", str(wheels.base), "--find-links", str(wheels.host2)]
    report = venv.parent / "report.json"
    pip = [_python(venv), "-m", "pip", "install", "-q", "--dry-run", "--report", str(report)]
    subprocess.run([*pip, "-U", *links, PLUGIN], check=True)
    items = json.loads(report.read_text(encoding="utf-8"))["install"]
    unpinned = {i["metadata"]["name"]: i["metadata"]["version"] for i in items}
    assert unpinned["plughost"] == "2.0.0"  # without the pin, pip would replace the host
    outcome, _ = _install(venv, [wheels.base, wheels.host2], PLUGIN, options=["-U"])
    assert outcome.ok
    assert (PLUGIN, None, "1.0.0") in outcome.changed
    assert _installed(venv)["plughost"] == plughost.__version__


def test_pip_failing_midway_is_rolled_back_and_reported_in_one_line(
    venv: Path, wheels: Wheels
) -> None:
    before, files = _installed(venv), _files(venv)
    with pytest.raises(InstallError) as raised:
        _install(venv, [wheels.base], str(wheels.escaping))
    message = str(raised.value)
    assert message.startswith("pip install failed: ") and "\n" not in message
    assert "the previous distributions were restored" in message
    assert _installed(venv) == before  # the dependency pip had installed first is gone
    assert _files(venv) == files


def test_a_failed_upgrade_is_rolled_back_to_the_exact_previous_release_offline(
    venv: Path, wheels: Wheels
) -> None:
    _install(venv, [wheels.base], PLUGIN)
    before, files = _installed(venv), _files(venv)
    # Only the new releases are reachable: the old ones must come from the backup.
    outcome, output = _install(venv, [wheels.newer], PLUGIN, options=["-U"])
    assert outcome.changed == ((LIB, "1.0", "2.0"), (PLUGIN, "1.0.0", "2.0.0"))
    assert _states(outcome) == {"manage-plugin": "broken"}
    assert outcome.rolled_back and outcome.restored
    assert f"upgraded {PLUGIN} 1.0.0 -> 2.0.0" in outcome.summary()
    assert "rolling back" in output
    assert _installed(venv) == before
    assert _files(venv) == files
    check = _plughost(venv, "check", "manage-plugin")
    assert check.returncode == 0, check.stderr


def test_a_plugin_name_already_taken_is_rolled_back_unless_kept(venv: Path, wheels: Wheels) -> None:
    assert _install(venv, [wheels.base], CONFLICT_A)[0].ok
    outcome, _ = _install(venv, [wheels.base], CONFLICT_B)
    assert _states(outcome) == {"clash": "conflict"} and outcome.rolled_back
    assert CONFLICT_B not in _installed(venv)
    kept, _ = _install(venv, [wheels.base], CONFLICT_B, keep=True)
    assert not kept.ok and CONFLICT_B in _installed(venv)
    with pytest.raises(
        InstallError, match=f"provided by {CONFLICT_A} 1.0.0 and {CONFLICT_B} 2.1.0"
    ):
        uninstall(["clash"], yes=True, python=_python(venv))
    assert uninstall([CONFLICT_B], yes=True, python=_python(venv), out=io.StringIO()) == [
        CONFLICT_B
    ]
    assert _plughost(venv, "check", "clash").returncode == 0


def test_install_refuses_what_it_cannot_do_safely(venv: Path, wheels: Wheels) -> None:
    before = _installed(venv)
    with pytest.raises(InstallError, match="never changes plughost itself"):
        _install(venv, [wheels.host2], "plughost==2.0.0")
    with pytest.raises(InstallError, match=r"does not pass '--user' to pip"):
        _install(venv, [wheels.base], PLUGIN, options=["--user"])
    with pytest.raises(InstallError, match=r"Could not find a version.*; nothing was changed"):
        _install(venv, [wheels.base], "plughost-fixture-not-anywhere")
    _install(venv, [wheels.base], PLUGIN)
    with pytest.raises(InstallError, match="name of a plugin, not of a distribution") as raised:
        _install(venv, [wheels.base], "manage-plugin")
    assert f"plughost install -U {PLUGIN}" in str(raised.value)
    assert _installed(venv) == before | {PLUGIN: "1.0.0", LIB: "1.0"}


# -- uninstall ----------------------------------------------------------------


@pytest.mark.parametrize("target", ["manage-broken", "Plughost_Fixture.Manage-Broken"])
def test_uninstall_a_broken_plugin_by_plugin_or_distribution_name(
    venv: Path, wheels: Wheels, target: str
) -> None:
    _install(venv, [wheels.base], BROKEN, keep=True)
    questions: list[str] = []

    def decline(question: str) -> bool:
        questions.append(question)
        return False

    assert uninstall([target], python=_python(venv), confirm=decline) == []
    assert questions == [f"uninstall {BROKEN} 1.0.0 (plugins: manage-broken)? [y/N] "]
    assert BROKEN in _installed(venv)
    removed = uninstall([target], python=_python(venv), confirm=lambda q: True, out=io.StringIO())
    assert removed == [BROKEN]
    installed = _installed(venv)
    assert BROKEN not in installed and installed[LIB] == "1.0"


def test_uninstall_an_unknown_name_suggests_close_ones(venv: Path, wheels: Wheels) -> None:
    _install(venv, [wheels.base], BROKEN, keep=True)
    with pytest.raises(NotInstalled) as raised:
        uninstall(["manage-brokn"], yes=True, python=_python(venv))
    assert "no plugin or distribution named 'manage-brokn'" in str(raised.value)
    assert "manage-broken" in raised.value.suggestions
    assert BROKEN in _installed(venv)


def test_uninstall_refuses_plughost_itself(venv: Path) -> None:
    with pytest.raises(InstallError, match="will not uninstall itself"):
        uninstall(["PlugHost"], yes=True, python=_python(venv))
    with pytest.raises(InstallError, match="name a plugin or distribution"):
        uninstall([], yes=True, python=_python(venv))
    assert _installed(venv)["plughost"] == plughost.__version__


# -- the command line -------------------------------------------------------------


def _cli(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "plughost"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=_pip_env(),
        stdin=subprocess.DEVNULL,
    )


def test_plughost_install_and_uninstall_from_the_console_script(venv: Path, wheels: Wheels) -> None:
    links = ["--no-index", "--find-links", str(wheels.base)]
    ok = _cli(venv, "install", PLUGIN, *links)
    assert ok.returncode == 0, ok.stderr
    assert f"installed {PLUGIN} " in ok.stdout
    assert "manage-plugin  ok" in ok.stdout
    # The index was refreshed: list knows the new plugin at once, as ok.
    listed = json.loads(_cli(venv, "list", "--json").stdout)
    assert {p["name"]: p["state"] for p in listed}["manage-plugin"] == "ok"
    broken = _cli(venv, "install", BROKEN, *links, "--json")
    assert broken.returncode == 1
    data = json.loads(broken.stdout)
    assert data["rolled_back"] is True
    assert "error: " in broken.stderr
    assert BROKEN not in _installed(venv)
    refused = _cli(venv, "uninstall", "manage-plugin")
    assert refused.returncode != 0
    assert "-y" in refused.stderr
    gone = _cli(venv, "uninstall", "manage-plugin", "-y")
    assert gone.returncode == 0, gone.stderr
    assert gone.stdout == f"uninstalled {PLUGIN}\n"
    unknown = _cli(venv, "uninstall", "no-such-thing", "-y")
    assert unknown.returncode == 3
