"""``plughost uninstall`` never removes the host, what it stands on, or a non-plugin unasked.

What plughost depends on is read from the target environment's metadata:
``Requires-Dist`` from plughost down, markers evaluated there (a host whose
metadata names more requirements, behind markers, is installed over the
test's for that).
"""

from __future__ import annotations

import importlib.metadata
import io
import subprocess
import sys
from pathlib import Path

import pytest
from test_manage_kit import (
    CONFLICT_A,
    LIB,
    PLUGIN,
    Wheels,
    cli,
    installed,
    pip_env,
    plughost_in,
    python_of,
    run_install,
)

import plughost
from plughost._manage.install import InstallError, uninstall

pytest_plugins = ["test_manage_kit"]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="install is POSIX only")

_VERSIONS = {n: importlib.metadata.version(n) for n in ("stevedore", "packaging")}
REFUSED = {
    "PlugHost": "plughost will not uninstall itself",
    "stevedore": f"plughost will not uninstall stevedore {_VERSIONS['stevedore']}: plughost"
    " needs it (plughost -> stevedore)",
    "packaging": f"plughost will not uninstall packaging {_VERSIONS['packaging']}: plughost"
    " needs it (plughost -> packaging)",
    "pip": "plughost will not uninstall pip: plughost install and uninstall run it",
}


@pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
@pytest.mark.parametrize("target", sorted(REFUSED))
def test_uninstall_refuses_the_host_what_it_needs_and_pip(
    venv: Path, target: str, force: bool
) -> None:
    before = installed(venv)
    with pytest.raises(InstallError) as raised:
        uninstall([target], yes=True, force=force, python=python_of(venv))
    message = str(raised.value)
    assert message.startswith(REFUSED[target]) and "\n" not in message
    assert ("(--force does not change that)" in message) == force
    assert installed(venv) == before


def test_a_distribution_without_plugins_goes_only_with_force(venv: Path, wheels: Wheels) -> None:
    assert run_install(venv, [wheels.base], PLUGIN)[0].ok
    with pytest.raises(InstallError) as raised:
        uninstall(["Plughost_Fixture_Manage_Lib"], yes=True, python=python_of(venv))
    assert str(raised.value) == (
        f"{LIB} 1.0 provides no plugin (nothing in 'plughost.plugins'), and plughost uninstall"
        " removes plugins: give --force to remove it anyway"
    )
    assert LIB in installed(venv)
    removed = uninstall([LIB], yes=True, force=True, python=python_of(venv), out=io.StringIO())
    assert [d.name for d in removed] == [LIB] and LIB not in installed(venv)
    assert plughost_in(venv, "check", "manage-plugin").returncode == 1  # its library is gone


def test_what_plughost_needs_comes_from_its_metadata_with_markers(
    venv: Path, wheels: Wheels
) -> None:
    assert run_install(venv, [wheels.base], PLUGIN, CONFLICT_A)[0].ok
    # This host's metadata needs manage-plugin (marker true), not conflict-a (marker false).
    pip = [python_of(venv), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall"]
    links = ["--no-index", "--find-links", str(wheels.marked)]
    subprocess.run(
        [*pip, *links, f"plughost=={plughost.__version__}"], check=True, timeout=300, env=pip_env()
    )
    chain = f"plughost -> {PLUGIN}"
    with pytest.raises(InstallError, match=f"plughost needs it \\({chain}\\)"):
        uninstall(["manage-plugin"], yes=True, python=python_of(venv))
    with pytest.raises(InstallError, match=f"plughost needs it \\({chain} -> {LIB}\\)"):
        uninstall([LIB], yes=True, force=True, python=python_of(venv))
    removed = uninstall(["clash"], yes=True, python=python_of(venv), out=io.StringIO())
    assert [d.name for d in removed] == [CONFLICT_A]
    assert {PLUGIN, LIB} <= installed(venv).keys()


def test_the_console_script_refuses_in_one_line(venv: Path, wheels: Wheels) -> None:
    refused = cli(venv, "uninstall", "stevedore", "-y", "--force")
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        f"error: {REFUSED['stevedore']} (--force does not change that)"
    ]
    assert run_install(venv, [wheels.base], PLUGIN)[0].ok
    no_plugin = cli(venv, "uninstall", LIB, "-y")
    assert no_plugin.returncode == 1 and "give --force" in no_plugin.stderr
    forced = cli(venv, "uninstall", LIB, "-y", "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout == f"uninstalled {LIB}\n"
