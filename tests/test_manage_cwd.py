"""The children of install and uninstall never import from the folder plughost runs in.

The folder holds a ``json.py``, a ``pip/`` and a ``plughost/`` package that
leave a marker when imported; a plain ``python -c`` there does import them,
plughost's children (``python -P``) never do.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_manage_kit import PLUGIN, Wheels, cli, installed, python_of, run_install

from plughost._manage.install import uninstall

pytest_plugins = ["test_manage_kit"]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="install is POSIX only")

SHADOWS = ("json.py", "pip/__init__.py", "plughost/__init__.py")


@pytest.fixture
def trap(tmp_path: Path) -> tuple[Path, Path]:
    """A folder whose modules shadow json, pip and plughost, and where their markers go."""
    folder, markers = tmp_path / "here", tmp_path / "markers"
    markers.mkdir()
    for rel in SHADOWS:
        module = folder / rel
        module.parent.mkdir(parents=True, exist_ok=True)
        name = rel.split("/")[0].removesuffix(".py")
        module.write_text(f"open({str(markers / name)!r}, 'w').close()\n", encoding="utf-8")
    return folder, markers


def test_the_trap_works_on_a_plain_python(venv: Path, trap: tuple[Path, Path]) -> None:
    folder, markers = trap
    for name in ("json", "pip", "plughost"):
        subprocess.run([python_of(venv), "-c", f"import {name}"], cwd=folder, timeout=60)
    assert sorted(p.name for p in markers.iterdir()) == ["json", "pip", "plughost"]


def test_install_and_uninstall_never_import_from_the_current_folder(
    venv: Path, wheels: Wheels, trap: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, markers = trap
    links = ["--no-index", "--find-links", str(wheels.base)]
    done = cli(venv, "install", PLUGIN, *links, cwd=folder)
    assert done.returncode == 0, done.stderr
    assert cli(venv, "uninstall", "manage-plugin", "-y", cwd=folder).returncode == 0
    assert cli(venv, "install", "--repair", cwd=folder).returncode == 0
    monkeypatch.chdir(folder)
    assert run_install(venv, [wheels.base], PLUGIN)[0].ok
    assert [d.name for d in uninstall(["manage-plugin"], yes=True, python=python_of(venv))] == [
        PLUGIN
    ]
    assert PLUGIN not in installed(venv)
    assert list(markers.iterdir()) == []
