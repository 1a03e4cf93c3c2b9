"""``plughost freeze`` and ``upgrade``, and the fixes the host's messages suggest.

freeze writes each plugin distribution as ``pip freeze`` does, and
``install -r`` of its output recreates the set in another environment;
upgrade is ``install -U`` of the plugin distributions, with its checks and
rollback, and chooses again after waiting for the lock; the commands that
the conflict and verify messages suggest work as written.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from test_manage_kit import (
    CONFLICT_A,
    CONFLICT_B,
    LIB,
    PLUGIN,
    Background,
    Wheels,
    build_wheels,
    cli,
    copy_project,
    copy_venv,
    installed,
    pip_env,
    plugin_project,
    python_of,
    run_install,
    site_of,
    variant,
    wait_for,
)

import plughost
from plughost._manage.direct_url import reinstall_command, requirement_line
from plughost._manage.progress import Progress
from plughost._manage.transaction import locked

pytest_plugins = ["test_manage_kit"]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="install is POSIX only")

ROOT = Path(__file__).resolve().parent.parent

OTHER = "plughost-fixture-manage-other"


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of more wheels: manage-plugin 1.1.0 (a good release), greeter, calculator."""
    root = tmp_path_factory.mktemp("manage-releases")
    plugins = ROOT / "plugins"
    build_wheels(
        root / "wheels",
        [
            variant("manage-plugin", root / "src" / "plugin-1.1", version="1.1.0"),
            copy_project(plugins / "greeter", root / "src" / "greeter"),
            copy_project(plugins / "calculator", root / "src" / "calculator"),
        ],
    )
    return root / "wheels"


def _links(*folders: Path) -> list[str]:
    return ["--no-index", *(a for f in folders for a in ("--find-links", str(f)))]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- freeze --------------------------------------------------------------------------


def test_freeze_writes_what_pip_freeze_writes_and_install_r_recreates_it(
    venv: Path, wheels: Wheels, template_venv: Path, tmp_path: Path
) -> None:
    wheel = next(wheels.base.glob("plughost_fixture_conflict_a-*.whl"))
    project = plugin_project(tmp_path / "other", OTHER, {})
    assert run_install(venv, [wheels.base], PLUGIN, str(wheel))[0].ok  # an index, a file
    assert run_install(venv, [wheels.base], options=["-e", str(project)])[0].ok  # editable
    frozen = cli(venv, "freeze")
    assert frozen.returncode == 0 and frozen.stderr == ""
    lines = [
        f"{CONFLICT_A} @ {wheel.as_uri()}#sha256={_sha256(wheel)}",
        f"-e {project}",
        f"{PLUGIN}==1.0.0",
    ]
    assert frozen.stdout.splitlines() == lines  # sorted; no plughost, no library
    pip = subprocess.run(
        [python_of(venv), "-m", "pip", "freeze"],
        capture_output=True,
        text=True,
        timeout=120,
        env=pip_env(GIT_CEILING_DIRECTORIES=str(tmp_path)),  # wherever the tests run
        check=True,
    )
    assert set(lines) <= set(pip.stdout.splitlines())  # each line as pip writes it
    data = json.loads(cli(venv, "freeze", "--json").stdout)
    assert [(d["requirement"], d["plugins"], d["editable"]) for d in data] == [
        (lines[0], ["clash"], False),
        (lines[1], ["manage-other"], True),
        (lines[2], ["manage-plugin"], False),
    ]
    # Elsewhere, install -r of that output installs the same set.
    requirements = tmp_path / "plugins.txt"
    requirements.write_text(frozen.stdout, encoding="utf-8")
    other = copy_venv(template_venv, tmp_path / "elsewhere")
    done = cli(other, "install", "-r", str(requirements), *_links(wheels.base))
    assert done.returncode == 0, done.stderr
    assert cli(other, "freeze").stdout == frozen.stdout
    assert installed(other) == installed(venv)


def test_an_editable_project_in_a_git_checkout_is_written_as_its_folder(
    venv: Path, wheels: Wheels, tmp_path: Path
) -> None:
    # pip freeze writes such a project as git+URL@HEAD, which leaves out work not
    # yet committed (here: all of it); plughost writes the folder that is in use.
    project = plugin_project(tmp_path / "checkout" / "other", OTHER, {})
    git = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (["init", "-q"], ["remote", "add", "origin", "https://git.example/o.git"]):
        subprocess.run(
            ["git", *args], cwd=project.parent, check=True, timeout=60, env=os.environ | git
        )
    assert run_install(venv, [wheels.base], options=["-e", str(project)])[0].ok
    frozen = cli(venv, "freeze")
    assert (frozen.returncode, frozen.stdout, frozen.stderr) == (0, f"-e {project}\n", "")


def test_freeze_never_writes_a_line_it_was_handed(venv: Path, wheels: Wheels) -> None:
    wheel = next(wheels.base.glob("plughost_fixture_conflict_a-*.whl"))
    assert run_install(venv, [wheels.base], str(wheel))[0].ok
    (record,) = site_of(venv).glob("plughost_fixture_conflict_a-*.dist-info/direct_url.json")
    # A URL with a newline would add a requirement of its own choosing to the file;
    # a space, options; a bidi override, text that reads otherwise than it runs.
    for url in ("file:///x.whl\nplughost-fixture-evil==6.6.6", "file:///x.whl -e /", "\u202e"):
        record.write_text(json.dumps({"url": url, "archive_info": {}}), encoding="utf-8")
        frozen = cli(venv, "freeze")
        assert frozen.stdout == f"{CONFLICT_A}==1.0.0\n"
        assert frozen.stderr.startswith(
            f"warning: {CONFLICT_A} 1.0.0 is written as from an index: its direct_url.json"
            " cannot be used (url is not one word of printable characters)"
        )
    record.unlink()
    os.mkfifo(record)  # reading it would wait for a writer forever
    frozen = cli(venv, "freeze", timeout=60)
    assert frozen.stdout == f"{CONFLICT_A}==1.0.0\n"
    assert "direct_url.json is not a regular file" in frozen.stderr


def test_the_readme_freeze_example(venv: Path, wheels: Wheels, releases: Path) -> None:
    # What the README shows under `$ plughost freeze`, up to the next command or the fence.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = readme.split("\n$ plughost freeze\n", 1)[1]
    shown = after.split("\n```", 1)[0].split("\n$ ", 1)[0].splitlines()
    assert shown, "the README shows what plughost freeze prints"
    done = run_install(venv, [wheels.base, releases], "plughost-greeter", "plughost-calculator")
    assert done[0].ok, done[0].reason
    assert cli(venv, "freeze").stdout.splitlines() == shown


def test_direct_references_are_written_back_as_they_were_given(tmp_path: Path) -> None:
    def origin(data: dict[str, object]) -> str:
        info = tmp_path / f"case-{len(list(tmp_path.iterdir()))}.dist-info"
        info.mkdir()
        (info / "direct_url.json").write_text(json.dumps(data), encoding="utf-8")
        return str(info)

    vcs = origin(
        {
            "url": "https://git.example/plugin.git",
            "vcs_info": {"vcs": "git", "commit_id": "0123abcd"},
            "subdirectory": "src/plugin",
        }
    )
    remote = origin(
        {"url": "https://files.example/p-1.0.whl", "archive_info": {"hash": "sha256=ab"}}
    )
    folder = origin({"url": "file:///work/my%20plugin", "dir_info": {}})
    from plughost._manage.direct_url import read_origin

    for info, line, command in [
        (
            vcs,
            "p @ git+https://git.example/plugin.git@0123abcd#subdirectory=src/plugin",
            "plughost install --force-reinstall"
            " 'p @ git+https://git.example/plugin.git@0123abcd#subdirectory=src/plugin'",
        ),
        (
            remote,
            "p @ https://files.example/p-1.0.whl#sha256=ab",
            "plughost install --force-reinstall 'p @ https://files.example/p-1.0.whl#sha256=ab'",
        ),
        (
            folder,
            "p @ file:///work/my%20plugin",
            "plughost install --force-reinstall '/work/my plugin'",
        ),
        (str(tmp_path / "none"), "p==1.0", "plughost install --force-reinstall p==1.0"),
    ]:
        assert requirement_line("p", "1.0", read_origin(info)[0]) == line
        assert reinstall_command("p", "1.0", info) == command


# -- upgrade -------------------------------------------------------------------------


def test_upgrade_every_plugin_to_the_newest_release_for_this_host(
    venv: Path, wheels: Wheels, releases: Path
) -> None:
    assert run_install(venv, [wheels.base], PLUGIN)[0].ok
    current = cli(venv, "upgrade", *_links(wheels.base, wheels.host2))
    assert current.returncode == 0, current.stderr
    # manage-plugin 3.0.0 needs plughost 2: the pin keeps this one.
    assert current.stdout == (
        f"nothing to upgrade: {PLUGIN} 1.0.0 is at the newest release pip finds\n"
    )
    done = cli(venv, "upgrade", *_links(wheels.base, releases))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"upgraded {PLUGIN} 1.0.0 -> 1.1.0",
        "plugins:",
        "  manage-plugin  ok",
    ]
    now = installed(venv)
    assert now[PLUGIN] == "1.1.0" and now[LIB] == "1.0"  # its library only if needed
    assert now["plughost"] == plughost.__version__


def test_a_failed_upgrade_is_rolled_back_like_an_install(venv: Path, wheels: Wheels) -> None:
    assert run_install(venv, [wheels.base], PLUGIN)[0].ok
    before = installed(venv)
    failed = cli(venv, "upgrade", "manage-plugin", *_links(wheels.newer))
    assert failed.returncode == 1 and failed.stdout == ""
    error = failed.stderr.splitlines()[-1]
    assert error.startswith(f"error: rolled back {LIB} 2.0 and {PLUGIN} 2.0.0: plugin")
    assert error.endswith("to keep it anyway, upgrade with --keep")
    assert installed(venv) == before


def test_upgrade_names_plugins_or_distributions_and_leaves_direct_ones(
    venv: Path, wheels: Wheels, releases: Path
) -> None:
    wheel = next(wheels.base.glob("plughost_fixture_conflict_a-*.whl"))
    assert run_install(venv, [wheels.base], PLUGIN, str(wheel))[0].ok
    refusals = {
        "plughost": (1, "plughost upgrade never changes plughost itself"),
        "Plughost_Fixture_Manage_Lib": (1, f"{LIB} 1.0 provides no plugin"),
        "manage-plugn": (3, "did you mean 'manage-plugin'?"),
    }
    for name, (code, message) in refusals.items():
        refused = cli(venv, "upgrade", name, *_links(wheels.base))
        assert refused.returncode == code, refused.stderr
        assert refused.stderr.startswith("error: ") and message in refused.stderr
    done = cli(venv, "upgrade", *_links(wheels.base, releases))
    assert done.returncode == 0, done.stderr
    assert f"upgraded {PLUGIN} 1.0.0 -> 1.1.0" in done.stdout.splitlines()
    assert (
        f"plughost: left {CONFLICT_A} 1.0.0 as it is: it was installed from {wheel}, not from"
        f" an index; to install it again from there: plughost install --force-reinstall {wheel}"
    ) in done.stderr.splitlines()
    assert installed(venv)[CONFLICT_A] == "1.0.0"


def test_upgrade_chooses_again_after_waiting_for_another_install(
    venv: Path, wheels: Wheels, releases: Path, tmp_path: Path
) -> None:
    assert run_install(venv, [wheels.base], PLUGIN)[0].ok
    with locked(str(site_of(venv)), Progress(io.StringIO())):
        waiting = Background(
            venv, ["upgrade", "manage-plugin", *_links(wheels.base, releases)], tmp_path / "up"
        )
        try:
            wait_for(lambda: "waiting for another" in waiting.stderr, 120, "upgrade to wait")
            # Meanwhile another tool removes the plugin.
            subprocess.run(
                [python_of(venv), "-m", "pip", "uninstall", "-y", "-q", PLUGIN],
                check=True,
                timeout=120,
                env=pip_env(),
            )
        except BaseException:
            waiting.stop()
            raise
    assert waiting.wait() == 3, waiting.stderr
    assert "no plugin or distribution named 'manage-plugin'" in waiting.stderr
    assert PLUGIN not in installed(venv)  # never installed afresh by an upgrade


# -- the fixes the messages suggest --------------------------------------------------


def test_the_conflict_message_suggests_plughost_uninstall(venv: Path, wheels: Wheels) -> None:
    assert run_install(venv, [wheels.base], CONFLICT_A)[0].ok
    assert run_install(venv, [wheels.base], CONFLICT_B, keep=True)[0].plugins
    listed = json.loads(cli(venv, "list", "--json").stdout)
    (reason,) = [p["reason"] for p in listed if p["name"] == "clash"]
    suggested = f"plughost uninstall {CONFLICT_A} or plughost uninstall {CONFLICT_B}"
    assert f"({suggested})" in reason
    done = cli(venv, *shlex.split(suggested.split(" or ")[1])[1:], "-y")
    assert done.returncode == 0, done.stderr
    assert cli(venv, "check", "clash").returncode == 0


@pytest.mark.parametrize("how", ["index", "wheel", "editable"])
def test_a_modified_plugin_names_the_reinstall_that_works(
    venv: Path, wheels: Wheels, tmp_path: Path, how: str
) -> None:
    wheel = next(wheels.base.glob("plughost_fixture_manage_plugin-*.whl"))
    project = copy_project(ROOT / "tests" / "packages" / "manage-plugin", tmp_path / "project")
    if how == "editable":
        assert run_install(venv, [wheels.base], options=["-e", str(project)])[0].ok
        (changed,) = site_of(venv).glob("__editable__*manage_plugin*.pth")
        expected = f"plughost install -e {project}"
    else:
        assert run_install(venv, [wheels.base], str(wheel) if how == "wheel" else PLUGIN)[0].ok
        changed = site_of(venv) / "plughost_fixture_manage_plugin" / "__init__.py"
        expected = "plughost install --force-reinstall " + (
            str(wheel) if how == "wheel" else f"{PLUGIN}==1.0.0"
        )
    config = tmp_path / "config.toml"
    config.write_text("verify = true\n", encoding="utf-8")
    changed.write_text(changed.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    checked = cli(venv, "check", "manage-plugin", PLUGHOST_CONFIG=str(config))
    assert checked.returncode == 1
    assert f"reinstall it ({expected}) or see `plughost verify manage-plugin`" in checked.stdout
    again = cli(venv, *shlex.split(expected)[1:], *_links(wheels.base))
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == f"reinstalled {PLUGIN} 1.0.0"
    assert LIB not in again.stdout  # what was named, not its dependencies (nor plughost)
    assert cli(venv, "check", "manage-plugin", PLUGHOST_CONFIG=str(config)).returncode == 0
