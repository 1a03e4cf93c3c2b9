"""``plughost install`` and ``uninstall`` with the real pip, offline: the everyday paths.

The wheels and environments come from ``test_manage_kit``; each test compares
the environment's distributions (and the files of its lib and bin folders)
before and after.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_manage_kit import (
    BROKEN,
    CONFLICT_A,
    CONFLICT_B,
    LIB,
    NEEDS_HOST2,
    NO_PLUGIN,
    PLUGIN,
    Wheels,
    cli,
    copy_project,
    files,
    installed,
    plughost_in,
    python_of,
    run_install,
    site_of,
    states,
)

import plughost
from plughost._manage.install import InstallError, NotInstalled, uninstall
from support import PACKAGES

pytest_plugins = ["test_manage_kit"]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="install is POSIX only")


# -- install ------------------------------------------------------------------


def test_install_registers_a_working_plugin_and_keeps_the_host(venv: Path, wheels: Wheels) -> None:
    outcome, output = run_install(venv, [wheels.base], PLUGIN)
    assert outcome.ok and not outcome.rolled_back and outcome.reason == ""
    assert outcome.changed == ((LIB, None, "1.0"), (PLUGIN, None, "1.0.0"))
    assert outcome.plugins == (
        {"name": "manage-plugin", "distribution": PLUGIN, "version": "1.0.0", "state": "ok"}
        | {"reason": ""},
    )
    # One line per step; pip's own output only with --verbose.
    assert output.splitlines() == [
        f"plughost: resolving {PLUGIN} (nothing changes yet; plughost stays"
        f" {plughost.__version__})",
        "plughost: fetching 2 wheels (nothing changes yet)",
        "plughost: checking the files of 2 wheels",
        f"plughost: installing {PLUGIN} 1.0.0 and {LIB} 1.0",
        "plughost: checking the plugin manage-plugin in a child process",
    ]
    assert outcome.warnings == ()  # pip wrote exactly the files plughost checked
    now = installed(venv)
    assert now["plughost"] == plughost.__version__
    assert now[PLUGIN] == "1.0.0"
    # The metadata is what a plain `pip install` writes: only what was asked for is REQUESTED.
    site = site_of(venv)
    assert (site / "plughost_fixture_manage_plugin-1.0.0.dist-info" / "REQUESTED").exists()
    assert not (site / "plughost_fixture_manage_lib-1.0.dist-info" / "REQUESTED").exists()
    assert not list(site.glob("*.dist-info/direct_url.json"))
    assert plughost_in(venv, "verify").returncode == 0, "RECORD matches every file"
    listed = {p["name"]: p["state"] for p in json.loads(plughost_in(venv, "list", "--json").stdout)}
    assert listed["manage-plugin"] == "ok"  # the child's check was recorded
    assert outcome.summary()[:2] == [f"installed {LIB} 1.0", f"installed {PLUGIN} 1.0.0"]
    again, _ = run_install(venv, [wheels.base], PLUGIN)
    assert again.changed == () and again.ok
    assert again.summary() == ["nothing to do: what was asked for is already installed"]


@pytest.mark.parametrize("given", ["wheel", "sdist", "folder"])
def test_a_direct_reference_keeps_its_own_url(
    venv: Path, wheels: Wheels, tmp_path: Path, given: str
) -> None:
    # pip installs plughost's private copy; direct_url.json must name what the user gave.
    project = copy_project(PACKAGES / "manage-plugin", tmp_path / "manage-plugin")
    if given == "wheel":
        spec = next(wheels.base.glob("plughost_fixture_manage_plugin-*.whl"))
    elif given == "sdist":  # fetched by its URL and the sha256 pip resolved, then built
        build = [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir"]
        subprocess.run(
            [*build, str(tmp_path / "sdist"), str(project)],
            check=True,
            capture_output=True,
            timeout=300,
        )
        (spec,) = (tmp_path / "sdist").glob("*.tar.gz")
    else:
        spec = project
    outcome, output = run_install(venv, [wheels.base], str(spec))
    assert outcome.ok, outcome.reason
    assert ("building 1 from source" in output) == (given != "wheel")
    info = site_of(venv) / "plughost_fixture_manage_plugin-1.0.0.dist-info"
    direct = json.loads((info / "direct_url.json").read_text(encoding="utf-8"))
    assert direct["url"] == spec.as_uri()
    assert ("dir_info" if given == "folder" else "archive_info") in direct
    verified = plughost_in(venv, "verify", "manage-plugin")
    assert verified.returncode == 0, verified.stdout


def test_a_distribution_with_no_plugin_is_rolled_back_with_its_dependency(
    venv: Path, wheels: Wheels
) -> None:
    before, found = installed(venv), files(venv)
    outcome, _ = run_install(venv, [wheels.base], NO_PLUGIN)
    assert outcome.rolled_back and outcome.restored and not outcome.ok
    assert dict((d, n) for d, _, n in outcome.changed) == {LIB: "1.0", NO_PLUGIN: "1.0.0"}
    assert f"{NO_PLUGIN} 1.0.0 registers no plugin" in outcome.reason
    assert "--keep" in outcome.reason and "\n" not in outcome.reason
    assert installed(venv) == before
    assert files(venv) == found


def test_a_broken_plugin_is_rolled_back_and_the_host_is_unchanged(
    venv: Path, wheels: Wheels
) -> None:
    before, found = installed(venv), files(venv)
    outcome, _ = run_install(venv, [wheels.base], BROKEN)
    assert states(outcome) == {"manage-broken": "broken"}
    assert outcome.rolled_back and outcome.restored
    assert "the manage-broken fixture cannot be imported" in outcome.reason
    assert installed(venv) == before
    assert files(venv) == found
    # Nothing claims an install that was undone: the reason says it all, once.
    assert outcome.summary() == []
    assert outcome.reason.startswith(
        f"rolled back {BROKEN} 1.0.0 and {LIB} 1.0: plugin 'manage-broken'"
    )
    assert outcome.reason.endswith(
        "; the environment is as before; to keep it anyway, install with --keep"
    )


def test_keep_keeps_a_broken_plugin(venv: Path, wheels: Wheels) -> None:
    outcome, _ = run_install(venv, [wheels.base], BROKEN, keep=True)
    assert not outcome.rolled_back and not outcome.ok and outcome.reason == ""
    assert states(outcome) == {"manage-broken": "broken"}
    assert "cannot be imported" in outcome.problems[0]
    now = installed(venv)
    assert now[BROKEN] == "1.0.0" and now[LIB] == "1.0"
    assert now["plughost"] == plughost.__version__


def test_a_plugin_that_kills_the_checking_interpreter_cannot_kill_the_installer(
    venv: Path, wheels: Wheels
) -> None:
    before = installed(venv)
    outcome, _ = run_install(venv, [wheels.base], str(wheels.crash))
    assert outcome.rolled_back and outcome.restored
    assert states(outcome) == {"manage-broken": "broken"}
    assert "child process failed (exit status 70" in outcome.reason
    assert installed(venv) == before


def test_a_plugin_for_another_plughost_fails_clearly_and_changes_nothing(
    venv: Path, wheels: Wheels
) -> None:
    before, found = installed(venv), files(venv)
    with pytest.raises(InstallError) as raised:
        run_install(venv, [wheels.base, wheels.host2], NEEDS_HOST2)
    message = str(raised.value)
    assert "requires another plughost release" in message
    assert "nothing was changed" in message and "\n" not in message
    assert installed(venv) == before
    assert files(venv) == found


def test_the_pin_makes_pip_pick_the_release_made_for_this_host(venv: Path, wheels: Wheels) -> None:
    links = ["--no-index", "--find-links", str(wheels.base), "--find-links", str(wheels.host2)]
    report = venv.parent / "report.json"
    pip = [python_of(venv), "-m", "pip", "install", "-q", "--dry-run", "--report", str(report)]
    subprocess.run([*pip, "-U", *links, PLUGIN], check=True)
    items = json.loads(report.read_text(encoding="utf-8"))["install"]
    unpinned = {i["metadata"]["name"]: i["metadata"]["version"] for i in items}
    assert unpinned["plughost"] == "2.0.0"  # without the pin, pip would replace the host
    outcome, _ = run_install(venv, [wheels.base, wheels.host2], PLUGIN, options=["-U"])
    assert outcome.ok
    assert (PLUGIN, None, "1.0.0") in outcome.changed
    assert installed(venv)["plughost"] == plughost.__version__


def test_pip_failing_midway_is_rolled_back_and_reported_in_one_line(
    venv: Path, wheels: Wheels
) -> None:
    # The plugin's wheel has a member whose bytes fail their CRC: pip installs
    # the library first, then fails writing the plugin.
    before, found = installed(venv), files(venv)
    with pytest.raises(InstallError) as raised:
        run_install(venv, [wheels.base], str(wheels.damaged))
    message = str(raised.value)
    assert message.startswith("pip install failed: ") and "\n" not in message
    assert "the previous distributions were restored" in message
    assert installed(venv) == before  # the dependency pip had installed first is gone
    assert files(venv) == found


def test_a_failed_upgrade_is_rolled_back_to_the_exact_previous_release_offline(
    venv: Path, wheels: Wheels
) -> None:
    run_install(venv, [wheels.base], PLUGIN)
    before, found = installed(venv), files(venv)
    # Only the new releases are reachable: the old ones must come from the backup.
    outcome, output = run_install(venv, [wheels.newer], PLUGIN, options=["-U"])
    assert outcome.changed == ((LIB, "1.0", "2.0"), (PLUGIN, "1.0.0", "2.0.0"))
    assert states(outcome) == {"manage-plugin": "broken"}
    assert outcome.rolled_back and outcome.restored
    assert outcome.reason.startswith(f"rolled back {LIB} 2.0 and {PLUGIN} 2.0.0: ")
    assert output.splitlines()[-1] == "plughost: rolling back: putting every file back as it was"
    assert installed(venv) == before
    assert files(venv) == found
    check = plughost_in(venv, "check", "manage-plugin")
    assert check.returncode == 0, check.stderr


def test_a_plugin_name_already_taken_is_rolled_back_unless_kept(venv: Path, wheels: Wheels) -> None:
    assert run_install(venv, [wheels.base], CONFLICT_A)[0].ok
    outcome, _ = run_install(venv, [wheels.base], CONFLICT_B)
    assert states(outcome) == {"clash": "conflict"} and outcome.rolled_back
    assert CONFLICT_B not in installed(venv)
    kept, _ = run_install(venv, [wheels.base], CONFLICT_B, keep=True)
    assert not kept.ok and CONFLICT_B in installed(venv)
    with pytest.raises(
        InstallError, match=f"provided by {CONFLICT_A} 1.0.0 and {CONFLICT_B} 2.1.0"
    ):
        uninstall(["clash"], yes=True, python=python_of(venv))
    gone = uninstall([CONFLICT_B], yes=True, python=python_of(venv), out=io.StringIO())
    assert [d.name for d in gone] == [CONFLICT_B]
    assert plughost_in(venv, "check", "clash").returncode == 0


def test_install_refuses_what_it_cannot_do_safely(venv: Path, wheels: Wheels) -> None:
    before = installed(venv)
    with pytest.raises(InstallError, match="never changes plughost itself"):
        run_install(venv, [wheels.host2], "plughost==2.0.0")
    with pytest.raises(InstallError, match=r"does not pass '--user' to pip"):
        run_install(venv, [wheels.base], PLUGIN, options=["--user"])
    with pytest.raises(InstallError, match=r"Could not find a version.*; nothing was changed"):
        run_install(venv, [wheels.base], "plughost-fixture-not-anywhere")
    run_install(venv, [wheels.base], PLUGIN)
    with pytest.raises(InstallError, match="name of a plugin, not of a distribution") as raised:
        run_install(venv, [wheels.base], "manage-plugin")
    assert f"plughost install -U {PLUGIN}" in str(raised.value)
    assert installed(venv) == before | {PLUGIN: "1.0.0", LIB: "1.0"}


# -- uninstall ----------------------------------------------------------------


@pytest.mark.parametrize("target", ["manage-broken", "Plughost_Fixture.Manage-Broken"])
def test_uninstall_a_broken_plugin_by_plugin_or_distribution_name(
    venv: Path, wheels: Wheels, target: str
) -> None:
    run_install(venv, [wheels.base], BROKEN, keep=True)
    questions: list[str] = []

    def decline(question: str) -> bool:
        questions.append(question)
        return False

    assert uninstall([target], python=python_of(venv), confirm=decline) == []
    assert questions == [f"uninstall {BROKEN} 1.0.0 (plugins: manage-broken)? [y/N] "]
    assert BROKEN in installed(venv)
    removed = uninstall([target], python=python_of(venv), confirm=lambda q: True, out=io.StringIO())
    assert [(d.name, d.version, d.plugins) for d in removed] == [
        (BROKEN, "1.0.0", ("manage-broken",))
    ]
    now = installed(venv)
    assert BROKEN not in now and now[LIB] == "1.0"


def test_uninstall_an_unknown_name_suggests_close_ones(venv: Path, wheels: Wheels) -> None:
    run_install(venv, [wheels.base], BROKEN, keep=True)
    with pytest.raises(NotInstalled) as raised:
        uninstall(["manage-brokn"], yes=True, python=python_of(venv))
    assert "no plugin or distribution named 'manage-brokn'" in str(raised.value)
    assert "manage-broken" in raised.value.suggestions
    assert BROKEN in installed(venv)


def test_uninstall_refuses_plughost_itself(venv: Path) -> None:
    with pytest.raises(InstallError, match="will not uninstall itself"):
        uninstall(["PlugHost"], yes=True, python=python_of(venv))
    with pytest.raises(InstallError, match="name a plugin or distribution"):
        uninstall([], yes=True, python=python_of(venv))
    assert installed(venv)["plughost"] == plughost.__version__


# -- the command line -------------------------------------------------------------


def test_plughost_install_and_uninstall_from_the_console_script(venv: Path, wheels: Wheels) -> None:
    links = ["--no-index", "--find-links", str(wheels.base)]
    ok = cli(venv, "install", PLUGIN, *links)
    assert ok.returncode == 0, ok.stderr
    assert f"installed {PLUGIN} " in ok.stdout
    assert "manage-plugin  ok" in ok.stdout
    # The index was refreshed: list knows the new plugin at once, as ok.
    listed = json.loads(cli(venv, "list", "--json").stdout)
    assert {p["name"]: p["state"] for p in listed}["manage-plugin"] == "ok"
    broken = cli(venv, "install", BROKEN, *links, "--json")
    assert broken.returncode == 1
    data = json.loads(broken.stdout)
    assert data["rolled_back"] is True
    assert "error: " in broken.stderr
    assert BROKEN not in installed(venv)
    refused = cli(venv, "uninstall", "manage-plugin")
    assert refused.returncode != 0
    assert "-y" in refused.stderr
    gone = cli(venv, "uninstall", "manage-plugin", "-y")
    assert gone.returncode == 0, gone.stderr
    assert gone.stdout == f"uninstalled {PLUGIN}\n"
    unknown = cli(venv, "uninstall", "no-such-thing", "-y")
    assert unknown.returncode == 3
