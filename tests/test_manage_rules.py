"""``plughost install`` refuses, before anything changes, a wheel that would damage another.

Each hostile wheel is real (built or put together by the session) and is
refused with one line naming the files and their owner; the environment's
distributions and files are exactly as before. Editable projects, which pip
builds while it installs, are checked right after and rolled back.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from test_manage_kit import (
    EDITABLE_PTH,
    LIB,
    PLUGIN,
    PTH,
    PURELIB,
    SLOW,
    Wheels,
    cli,
    copy_project,
    files,
    installed,
    plughost_in,
    run_install,
    site_of,
    states,
)

import plughost
from plughost._manage.install import InstallError
from support import PACKAGES

pytest_plugins = ["test_manage_kit"]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="install is POSIX only")

HOST_LABEL = f"plughost {plughost.__version__}"
EXEC_PTH = "plughost_fixture_verify_pth_exec.pth"

# case: (what to install, pieces the one-line refusal must hold)
REFUSED = {
    "evil-host": (
        "plughost-fixture-manage-evil-host",
        [f"{PURELIB}/plughost/__init__.py", f"{PURELIB}/plughost/_cli/main.py", f"by {HOST_LABEL}"],
    ),
    "evil-script": ("plughost-fixture-manage-evil-script", ["bin/plughost", f"by {HOST_LABEL}"]),
    "evil-dep": (  # a clean plugin, whose dependency is the hostile one
        "plughost-fixture-manage-evil-dep",
        ["refused plughost-fixture-manage-evil-host 1.0.0", f"{PURELIB}/plughost/__init__.py"],
    ),
    "data-pyvenv": (None, ["pyvenv.cfg, which no installed distribution owns"]),
    "data-python": (None, ["bin/python, which no installed distribution owns"]),
    "data-pth": (None, [f"{PURELIB}/zz_data.pth", "runs at every start", "--allow-pth"]),
    "sitecustomize": (
        "plughost-fixture-manage-sitecustomize",
        [f"{PURELIB}/sitecustomize.py", "runs at every start", "--allow-pth"],
    ),
    "journal": (None, ["plughost's transaction folder", ".plughost-transaction/journal.json"]),
    "escaping": (None, ["'../../../../escaped.txt' that would land outside"]),
    "pth": (
        PTH,
        [f"{PURELIB}/{EXEC_PTH}", "import os; os.environ.setdefault", "--allow-pth"],
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_wheel_that_would_break_a_rule_is_refused_before_anything_changes(
    venv: Path, wheels: Wheels, case: str
) -> None:
    spec, pieces = REFUSED[case]
    wheel = wheels.escaping if case == "escaping" else wheels.hostile.get(case)
    before, found = installed(venv), files(venv)
    with pytest.raises(InstallError) as raised:
        run_install(venv, [wheels.base, wheels.made], spec or str(wheel))
    message = str(raised.value)
    assert "\n" not in message and "nothing was changed" in message
    for piece in pieces:
        assert piece in message
    assert installed(venv) == before
    assert files(venv) == found
    assert not (site_of(venv) / ".plughost-transaction").exists()


def test_a_file_of_another_plugins_library_is_never_overwritten(venv: Path, wheels: Wheels) -> None:
    assert run_install(venv, [wheels.base], PLUGIN)[0].ok
    before, found = installed(venv), files(venv)
    with pytest.raises(InstallError) as raised:
        run_install(venv, [wheels.base, wheels.made], "plughost-fixture-manage-evil-lib")
    assert (
        f"it would overwrite {PURELIB}/plughost_fixture_manage_lib/__init__.py, installed by"
        f" {LIB} 1.0; nothing was changed" in str(raised.value)
    )
    assert installed(venv) == before and files(venv) == found


def test_the_console_script_reports_a_refusal_in_one_line(venv: Path, wheels: Wheels) -> None:
    links = ["--no-index", "--find-links", str(wheels.base), "--find-links", str(wheels.made)]
    result = cli(venv, "install", "plughost-fixture-manage-evil-host", *links)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: refused ")
    assert "Traceback" not in result.stderr
    assert plughost_in(venv, "--version").returncode == 0  # the host still runs


def test_allow_pth_installs_a_pth_that_runs_code_and_names_it(venv: Path, wheels: Wheels) -> None:
    outcome, _ = run_install(venv, [wheels.base], PTH, allow_pth=True)
    assert outcome.ok and states(outcome) == {"verify-pth": "ok"}
    (warning,) = outcome.warnings
    assert warning.startswith(f"{PTH} 1.0.0 installs {PURELIB}/{EXEC_PTH}, which Python runs")
    assert 'import os; os.environ.setdefault("PLUGHOST_FIXTURE_VERIFY_PTH", "ran")' in warning
    assert (site_of(venv) / EXEC_PTH).exists()


def test_the_console_script_prints_the_pth_warning(venv: Path, wheels: Wheels) -> None:
    result = cli(
        venv, "install", PTH, "--allow-pth", "--no-index", "--find-links", str(wheels.base)
    )
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and EXEC_PTH in warnings[0] and "import os;" in warnings[0]


def test_a_file_shared_byte_for_byte_may_be_written(venv: Path, wheels: Wheels) -> None:
    # An old-style namespace package ships the same __init__.py in several distributions.
    assert run_install(venv, [wheels.base], PLUGIN)[0].ok
    outcome, _ = run_install(
        venv, [wheels.base, wheels.made], "plughost-fixture-manage-shared-plugin"
    )
    assert outcome.ok, outcome.reason
    assert installed(venv)[LIB] == "1.0"


# -- editable projects ------------------------------------------------------------


def test_an_editable_plugin_keeps_its_own_editable_pth(
    venv: Path, wheels: Wheels, tmp_path: Path
) -> None:
    project = copy_project(PACKAGES / "manage-slow-editable", tmp_path / "slow")
    outcome, _ = run_install(venv, [wheels.base], options=["-e", str(project)])
    assert outcome.ok, outcome.reason
    assert outcome.warnings == ()
    assert states(outcome) == {"manage-slow-editable": "ok"}
    (pth,) = site_of(venv).glob("__editable__*slow_editable*.pth")
    assert pth.read_text(encoding="utf-8").startswith("import ")  # it runs code, and may
    assert installed(venv)[SLOW] == "1.0.0"


def test_an_editable_install_that_adds_an_executable_pth_is_rolled_back(
    venv: Path, wheels: Wheels, tmp_path: Path
) -> None:
    project = copy_project(PACKAGES / "manage-editable-pth", tmp_path / "editable-pth")
    before, found = installed(venv), files(venv)
    with pytest.raises(InstallError) as raised:
        run_install(venv, [wheels.base], options=["-e", str(project)])
    message = str(raised.value)
    assert message.startswith(f"refused: the editable {EDITABLE_PTH} 1.0.0 installs ")
    assert "plughost_fixture_manage_editable_pth_hook.pth" in message and "\n" not in message
    assert "the previous distributions were restored" in message
    assert installed(venv) == before
    assert files(venv) == found
    kept, _ = run_install(venv, [wheels.base], options=["-e", str(project)], allow_pth=True)
    assert kept.ok and "plughost_fixture_manage_editable_pth_hook.pth" in kept.warnings[0]
