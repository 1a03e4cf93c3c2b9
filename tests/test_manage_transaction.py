"""An install is a transaction: exact rollback, one at a time, interruptions and kills survived.

The slow editable fixture holds an install half-way (its first wheel already
installed, pip building the editable project) until the test opens its gate,
so the test can interrupt plughost, kill it, or start a second one then.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from test_manage_kit import (
    LIB,
    PLUGIN,
    SLOW,
    STATES,
    Background,
    Gate,
    Wheels,
    alive,
    cli,
    files,
    installed,
    plughost_in,
    python_of,
    run_install,
    site_of,
    wait_for,
)

import plughost
from plughost._manage.install import InstallError, repair, uninstall
from plughost._manage.interrupted import interrupted_install_warning
from plughost._manage.progress import Progress
from plughost._manage.transaction import locked

pytest_plugins = ["test_manage_kit"]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="install is POSIX only")


def _links(wheels: Wheels) -> list[str]:
    return ["--no-index", "--find-links", str(wheels.base), "--find-links", str(wheels.made)]


def _held_install(venv: Path, wheels: Wheels, project: Path, gate: Gate, tmp: Path) -> Background:
    """``plughost install -e SLOW`` in the background, caught at the gate."""
    return Background(
        venv,
        ["install", "-e", str(project), *_links(wheels)],
        tmp,
        PLUGHOST_TEST_GATE=str(gate.path),
    )


def _journal(venv: Path) -> Path:
    return site_of(venv) / ".plughost-transaction" / "journal.json"


# -- rollback: exactly the files it changed ------------------------------------------


def test_a_rollback_puts_back_a_file_of_plughost_instead_of_deleting_it(
    venv: Path, wheels: Wheels
) -> None:
    # The broken plugin also ships plughost/_discovery/states.py, byte for byte: allowed, but
    # a rollback by `pip uninstall` would delete the host's file with the newcomer's.
    before, found = installed(venv), files(venv)
    outcome, _ = run_install(
        venv, [wheels.base, wheels.made], "plughost-fixture-manage-shared-host"
    )
    assert outcome.rolled_back and outcome.restored, outcome.reason
    assert (site_of(venv) / STATES).exists()
    assert installed(venv) == before
    assert files(venv) == found
    assert plughost_in(venv, "list").returncode == 0


def test_a_rollback_never_deletes_a_file_another_distribution_had(
    venv: Path, wheels: Wheels
) -> None:
    assert run_install(venv, [wheels.base], PLUGIN)[0].ok
    before, found = installed(venv), files(venv)
    outcome, _ = run_install(
        venv, [wheels.base, wheels.made], "plughost-fixture-manage-shared-broken"
    )
    assert outcome.rolled_back and outcome.restored
    assert installed(venv) == before
    assert files(venv) == found
    assert plughost_in(venv, "check", "manage-plugin").returncode == 0


def test_uninstall_leaves_a_file_that_a_staying_distribution_shares(
    venv: Path, wheels: Wheels
) -> None:
    assert run_install(venv, [wheels.base], PLUGIN)[0].ok
    lib_file = site_of(venv) / "plughost_fixture_manage_lib" / "__init__.py"
    found = files(venv)
    assert run_install(venv, [wheels.base, wheels.made], "plughost-fixture-manage-shared-plugin")[
        0
    ].ok
    out = io.StringIO()
    removed = uninstall(["manage-shared-plugin"], yes=True, python=python_of(venv), out=out)
    assert [d.name for d in removed] == ["plughost-fixture-manage-shared-plugin"]
    assert f"kept {lib_file}: a distribution that stays installs it too" in out.getvalue()
    assert files(venv) == found  # pip alone would have deleted the library's module
    assert plughost_in(venv, "check", "manage-plugin").returncode == 0


# -- one at a time -------------------------------------------------------------------


@pytest.mark.parametrize("second", ["install", "uninstall"])
def test_a_second_plughost_waits_for_the_first_and_says_so(
    venv: Path, wheels: Wheels, slow_project: Path, gate: Gate, tmp_path: Path, second: str
) -> None:
    assert run_install(venv, [wheels.base], "plughost-fixture-conflict-a")[0].ok
    first = _held_install(venv, wheels, slow_project, gate, tmp_path / "first")
    try:
        gate.started()
        args = [second, PLUGIN, *_links(wheels)] if second == "install" else [second, "clash", "-y"]
        other = Background(venv, args, tmp_path / "second")
        try:
            waiting = (
                f"plughost: waiting for another plughost install/uninstall (pid {first.proc.pid})"
                f" in {site_of(venv)} to finish"
            )
            wait_for(
                lambda: waiting in other.stderr,
                120,
                "the second plughost to wait",
                lambda: f"{other.stderr}\n---\n{first.stderr}",
            )
            assert other.proc.poll() is None
            gate.open()
            assert first.wait() == 0, first.stderr
            assert other.wait() == 0, other.stderr
            assert other.stderr.count("waiting for another") == 1
        finally:
            other.stop()
    finally:
        first.stop()
    now = installed(venv)
    assert SLOW in now
    assert (PLUGIN in now) == (second == "install")
    assert ("plughost-fixture-conflict-a" in now) == (second == "install")


# -- interrupted -----------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_mid_install_stops_pip_then_rolls_back(
    venv: Path, wheels: Wheels, slow_project: Path, gate: Gate, tmp_path: Path, signum: int
) -> None:
    before, found = installed(venv), files(venv)
    run = _held_install(venv, wheels, slow_project, gate, tmp_path / "run")
    try:
        pids = gate.started()
        assert installed(venv)[LIB] == "1.0"  # half-way: the first wheel is in
        os.kill(run.proc.pid, signum)
        assert run.wait(180) == 130, run.stderr
    finally:
        run.stop()
    assert not alive(pids["pid"]) and not alive(pids["ppid"])  # the build, and pip
    assert "rolling back" in run.stderr and "plughost: interrupted" in run.stderr
    assert installed(venv) == before
    assert files(venv) == found
    assert not _journal(venv).exists()
    assert "warning" not in cli(venv, "list").stderr


def _killed_install(venv: Path, wheels: Wheels, project: Path, gate: Gate, tmp: Path) -> None:
    """An install killed with SIGKILL half-way; nothing of it may keep running."""
    run = _held_install(venv, wheels, project, gate, tmp)
    try:
        pids = gate.started()
        os.kill(run.proc.pid, signal.SIGKILL)
        run.wait(60)
    finally:
        run.stop()
    wait_for(lambda: not alive(pids["pid"]) and not alive(pids["ppid"]), 60, "pip to die")
    assert _journal(venv).exists()


def test_after_sigkill_list_names_the_fix_and_repair_undoes_it(
    venv: Path, wheels: Wheels, slow_project: Path, gate: Gate, tmp_path: Path
) -> None:
    before, found = installed(venv), files(venv)
    _killed_install(venv, wheels, slow_project, gate, tmp_path / "run")
    assert installed(venv) != before
    listed = cli(venv, "list")
    assert listed.returncode == 0
    (warning,) = [line for line in listed.stderr.splitlines() if line.startswith("warning:")]
    assert f"in {site_of(venv)} was interrupted" in warning
    assert warning.endswith("run `plughost install --repair` to undo it")
    repaired = cli(venv, "install", "--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert repaired.stdout.startswith("undid the install of ")
    assert installed(venv) == before
    assert files(venv) == found
    assert "warning" not in cli(venv, "list").stderr
    assert cli(venv, "install", "--repair").stdout.startswith("nothing to repair")


def test_after_sigkill_the_next_install_repairs_first(
    venv: Path, wheels: Wheels, slow_project: Path, gate: Gate, tmp_path: Path
) -> None:
    before = installed(venv)
    _killed_install(venv, wheels, slow_project, gate, tmp_path / "run")
    outcome, _ = run_install(venv, [wheels.base], PLUGIN)
    assert outcome.ok and outcome.repaired.startswith("undid the install of ")
    assert outcome.summary()[0] == outcome.repaired
    assert installed(venv) == before | {PLUGIN: "1.0.0", LIB: "1.0"}
    assert SLOW not in installed(venv)


def _outside_the_folder(venv: Path) -> dict[str, str]:
    return {k: v for k, v in files(venv).items() if "/.plughost-transaction/" not in k}


def test_a_journal_that_cannot_be_trusted_is_never_acted_on(
    venv: Path, wheels: Wheels, slow_project: Path, gate: Gate, tmp_path: Path
) -> None:
    before, found = installed(venv), files(venv)
    _killed_install(venv, wheels, slow_project, gate, tmp_path / "run")
    folder = _journal(venv).parent
    backup = tmp_path / "backup"
    shutil.copytree(folder, backup, symlinks=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("mine\n", encoding="utf-8")
    half_done = _outside_the_folder(venv)
    journal = json.loads(_journal(venv).read_text(encoding="utf-8"))

    def refused(why: str) -> None:
        with pytest.raises(InstallError) as raised:
            repair(python=python_of(venv), out=io.StringIO())
        message = str(raised.value)
        assert why in message and f"look at {folder}" in message and "\n" not in message
        assert _outside_the_folder(venv) == half_done
        assert victim.read_text(encoding="utf-8") == "mine\n"
        shutil.rmtree(folder)
        shutil.copytree(backup, folder, symlinks=True)

    _journal(venv).write_text(json.dumps(journal | {"created": [str(victim)]}), encoding="utf-8")
    refused(f"it names '{victim}', which is not a file of the environment")
    (folder / journal["saved"][0]["copy"]).write_bytes(b"changed")
    refused(f"the copy of {journal['saved'][0]['path']} is missing or changed")
    _journal(venv).write_text("{not json", encoding="utf-8")
    refused("its journal is damaged")
    _journal(venv).unlink()
    os.mkfifo(_journal(venv))  # a reader that opened it for reading would block forever
    refused("its journal is damaged")
    # Well formed, but naming a file of plughost as one the install created: kept.
    cli_file = str(site_of(venv) / "plughost" / "_cli" / "main.py")
    _journal(venv).write_text(json.dumps(journal | {"created": [*journal["created"], cli_file]}))
    out = io.StringIO()
    assert repair(python=python_of(venv), out=out).startswith("undid the install of ")
    assert f"kept {cli_file}: plughost {plughost.__version__} installs it too" in out.getvalue()
    assert installed(venv) == before
    assert files(venv) == found


def test_a_journal_shipped_by_a_distribution_is_refused(venv: Path, wheels: Wheels) -> None:
    # Plain pip installs whatever a wheel holds, plughost's transaction folder included.
    pip = [python_of(venv), "-m", "pip", "install", "-q", "--no-deps", "--no-index"]
    subprocess.run([*pip, str(wheels.hostile["journal"])], check=True, timeout=300)
    found = files(venv)
    with pytest.raises(InstallError) as raised:
        run_install(venv, [wheels.base], LIB)
    assert f"({PLUGIN} 1.0.0 installed it, and a distribution must never ship one)" in str(
        raised.value
    )
    assert files(venv) == found


def test_the_interrupted_check_ignores_a_running_install(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    (site / ".plughost-transaction").mkdir(parents=True)
    assert interrupted_install_warning([str(site)]) is None
    journal = site / ".plughost-transaction" / "journal.json"
    journal.write_text(json.dumps({"action": "uninstall", "pid": 4242}), encoding="utf-8")
    warning = interrupted_install_warning([str(site)])
    assert warning == (
        f"a plughost uninstall (pid 4242) in {site} was interrupted and left it half-done;"
        " run `plughost install --repair` to undo it"
    )
    with locked(str(site), Progress(io.StringIO())):
        assert interrupted_install_warning([str(site)]) is None  # still running, not interrupted
    assert interrupted_install_warning([str(site)]) == warning
