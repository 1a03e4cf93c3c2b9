"""Plugins made by other build backends, or installed editable, work like any other.

``backend-hatchling`` is built by hatchling, ``backend-flit`` by flit-core
and ``backend-editable`` by setuptools. Each is built into a wheel with the
real pip and its real backend, installed into a directory of its own and used
through the real ``plughost`` console script; the setuptools one is the
baseline the other two must match. ``backend-editable`` is then installed
editable (``pip install -e``) into a virtual environment of its own, next to
a non-editable host: editable installs need a real environment, and the test
edits the plugin's source to see what the host notices.

The projects are copied before they are built, so that no build leaves files
in ``tests/packages`` and no stale ``build/`` folder is packed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from support import PACKAGES, PluginEnv, pip_install_target

HOST_PROJECT = PACKAGES.parent.parent / "host"
SUMMARY = "Say which build backend made this plugin."


@dataclass(frozen=True)
class Fixture:
    """What one backend fixture project builds, and what its plugin says."""

    project: str
    version: str
    generator: str  # how the backend signs the WHEEL file it writes
    whoami: str
    built_with: str  # as its metadata's Summary says

    @property
    def name(self) -> str:
        """The plugin's name (its entry point's name)."""
        return self.project

    @property
    def distribution(self) -> str:
        return f"plughost-fixture-{self.project}"

    @property
    def module(self) -> str:
        return f"plughost_fixture_{self.project.replace('-', '_')}"


FIXTURES = {
    f.project: f
    for f in (
        Fixture("backend-hatchling", "1.1.0", "hatchling ", "hatchling", "hatchling"),
        Fixture("backend-flit", "1.2.0", "flit ", "flit", "flit-core"),
        Fixture(
            "backend-editable",
            "1.3.0",
            "setuptools (",
            "setuptools",
            "setuptools, installed editable",
        ),
    )
}
EDITABLE = FIXTURES["backend-editable"]


def copy_project(source: Path, dest: Path) -> Path:
    """A clean copy of a project: its sources, without earlier build output."""
    ignore = shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__")
    shutil.copytree(source, dest, ignore=ignore)
    return dest


def pip(python: Path | str, *args: str | Path) -> None:
    """Run the real pip of ``python``; a failure shows what pip said."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    argv = [str(python), "-m", "pip", *map(str, args)]
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stderr[-3000:]}")


def build_wheel(project: Path, wheel_dir: Path) -> Path:
    """Build ``project`` into a wheel with its own backend, found in this environment."""
    pip(
        sys.executable,
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-index",
        "--no-build-isolation",
        "--wheel-dir",
        wheel_dir,
        project,
    )
    (wheel,) = wheel_dir.glob("*.whl")
    return wheel


def expected_manifest(fixture: Fixture) -> dict[str, Any]:
    """The manifest every backend fixture must give: only its names differ."""
    integer = {"type": {"type": "integer"}, "required": True, "default": None, "choices": None}
    return {
        "manifest_version": 1,
        "name": fixture.name,
        "distribution": fixture.distribution,
        "version": fixture.version,
        "api_version": "1.0",
        "summary": SUMMARY,
        "description": "Used by plughost's own tests.",
        "commands": [
            {
                "name": "whoami",
                "help": "Return the name of the backend that built this plugin.",
                "description": "",
                "params": [],
                "returns": {"type": "string"},
            },
            {
                "name": "add",
                "help": "Add A and B.",
                "description": "",
                "params": [
                    {"name": "a", **integer, "help": ""},
                    {"name": "b", **integer, "help": ""},
                ],
                "returns": {"type": "integer"},
            },
        ],
    }


def by_name(stdout: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in json.loads(stdout)}


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """The stdout of a command that must have succeeded."""
    assert result.returncode == 0, result.stderr
    return result.stdout


def assert_listed_with_its_distribution(
    entry: dict[str, Any], fixture: Fixture, state: str
) -> None:
    assert entry["state"] == state, entry["reason"]
    assert entry["distribution"] == fixture.distribution
    assert entry["version"] == fixture.version
    assert entry["entry_point"] == f"{fixture.module}:Backend"
    # Backends write Requires-Dist in their own order (flit: >=1.0,<2): the same requirement.
    requires = Requirement(entry["requires"])
    assert (requires.name, requires.specifier) == (
        "plughost",
        Requirement("plughost>=1.0,<2").specifier,
    )
    assert entry["problems"] == []


# -- wheels built by each backend, installed non-editable ---------------------------


@dataclass(frozen=True)
class Built:
    """One fixture built by its backend and installed into ``site``."""

    fixture: Fixture
    wheel: Path
    site: Path


@pytest.fixture(scope="module", params=sorted(FIXTURES))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    fixture = FIXTURES[request.param]
    root = tmp_path_factory.mktemp(fixture.project)
    project = copy_project(PACKAGES / fixture.project, root / "project")
    wheel = build_wheel(project, root / "wheels")
    site = root / "site"
    pip_install_target(site, [wheel])
    return Built(fixture, wheel, site)


@pytest.fixture
def env(built: Built, tmp_path: Path) -> PluginEnv:
    """Only that fixture, next to the test environment's own distributions."""
    return PluginEnv(site=built.site, home=tmp_path)


def test_the_wheel_is_made_by_its_backend(built: Built) -> None:
    fixture = built.fixture
    with zipfile.ZipFile(built.wheel) as wheel:
        names = wheel.namelist()
        (wheel_file,) = [n for n in names if n.endswith(".dist-info/WHEEL")]
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        generator = wheel.read(wheel_file).decode()
        declared = wheel.read(entry_points).decode()
    assert f"\nGenerator: {fixture.generator}" in f"\n{generator}", generator
    assert "[plughost.plugins]" in declared
    assert f"{fixture.module}/__init__.py" in names


def test_list_shows_the_plugin_with_its_distribution_before_importing_it(
    env: PluginEnv, built: Built
) -> None:
    fixture = built.fixture
    plugins = by_name(ok(env.plughost("list", "--json")))
    entry = plugins[fixture.name]
    assert_listed_with_its_distribution(entry, fixture, "unchecked")
    assert entry["checked"] is False
    built_with = f"a valid plugin built with {fixture.built_with}."
    assert entry["summary"] == f"Test fixture for plughost: {built_with}"
    assert {"greeter", "calculator"} <= plugins.keys()
    assert "warning" not in env.plughost("list").stderr


def test_check_is_ok_and_list_then_says_so(env: PluginEnv, built: Built) -> None:
    fixture = built.fixture
    (checked,) = json.loads(ok(env.plughost("check", fixture.name, "--json")))
    assert checked["state"] == "ok", checked["reason"]
    assert ok(env.plughost("check", fixture.name)).split() == [fixture.name, "ok"]
    entry = by_name(ok(env.plughost("list", "--json")))[fixture.name]
    assert_listed_with_its_distribution(entry, fixture, "ok")
    assert entry["checked"] is True
    # list keeps the distribution's summary; the plugin's own is in its manifest.
    assert entry["summary"] == checked["summary"]
    assert entry["summary"].startswith("Test fixture for plughost")
    assert entry["manifest"]["summary"] == SUMMARY


@pytest.mark.parametrize("how", [[], ["--isolated"]], ids=["in-process", "isolated"])
def test_run_calls_its_commands(env: PluginEnv, built: Built, how: list[str]) -> None:
    name, whoami = built.fixture.name, built.fixture.whoami
    assert ok(env.plughost("run", *how, name, "whoami")) == f"{whoami}\n"
    assert json.loads(ok(env.plughost("run", *how, name, "whoami", "--json"))) == whoami
    assert ok(env.plughost("run", *how, name, "add", "2", "40")) == "42\n"
    assert json.loads(ok(env.plughost("run", *how, name, "add", "-5", "3", "--json"))) == -2
    wrong = env.plughost("run", *how, name, "add", "2", "two")
    assert wrong.returncode == 2
    assert wrong.stdout == ""


def test_info_gives_the_manifest(env: PluginEnv, built: Built) -> None:
    fixture = built.fixture
    info = json.loads(ok(env.plughost("info", fixture.name, "--json")))
    assert_listed_with_its_distribution(info, fixture, "ok")
    assert info["manifest"] == expected_manifest(fixture)


# -- an editable install, in a virtual environment of its own -----------------------


@dataclass(frozen=True)
class Editable:
    """A venv with the host (non-editable) and ``backend-editable`` installed editable."""

    venv: Path
    project: Path
    empty_site: Path

    @property
    def source(self) -> Path:
        return self.project / "src" / EDITABLE.module / "__init__.py"

    def env(self, home: Path) -> PluginEnv:
        return PluginEnv(site=self.empty_site, home=home)

    def plughost(self, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
        """Run this venv's own ``plughost`` console script."""
        return subprocess.run(
            [str(self.venv / "bin" / "plughost"), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            env=self.env(home).environ(),
            cwd=home,
            stdin=subprocess.DEVNULL,
        )


@pytest.fixture(scope="module")
def editable(tmp_path_factory: pytest.TempPathFactory) -> Editable:
    root = tmp_path_factory.mktemp("editable")
    host_wheel = build_wheel(copy_project(HOST_PROJECT, root / "host"), root / "wheels")
    project = copy_project(PACKAGES / EDITABLE.project, root / "project")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    # stevedore and packaging come from the package index; so does setuptools,
    # for the build of the editable project in pip's isolated build environment.
    pip(python, "install", "--quiet", host_wheel)
    pip(python, "install", "--quiet", "--no-deps", "--editable", project)
    empty_site = root / "empty-site"
    empty_site.mkdir()
    return Editable(venv, project, empty_site)


@contextlib.contextmanager
def edit_whoami(editable: Editable) -> Iterator[str]:
    """Edit the editable plugin's source in place so that whoami says something else.

    The new text is longer, so the edit shows in the file's size as well as in
    its mtime; the original source is put back afterwards.
    """
    original = editable.source.read_text(encoding="utf-8")
    changed = original.replace('return "setuptools"', 'return "edited by hand"')
    assert changed != original
    editable.source.write_text(changed, encoding="utf-8")
    try:
        yield "edited by hand"
    finally:
        editable.source.write_text(original, encoding="utf-8")


def test_the_plugin_is_really_installed_editable(editable: Editable, tmp_path: Path) -> None:
    code = (
        "import importlib.metadata as m, json, sys;"
        f"d = m.distribution({EDITABLE.distribution!r});"
        f"import {EDITABLE.module} as p;"
        "print(json.dumps([json.loads(d.read_text('direct_url.json')), p.__file__,"
        " any(f.name == '__init__.py' for f in d.files or ())]))"
    )
    python = editable.venv / "bin" / "python"
    result = subprocess.run(
        [str(python), "-c", code],
        capture_output=True,
        text=True,
        env=editable.env(tmp_path).environ(),
        cwd=tmp_path,
        check=False,
        timeout=300,
    )
    direct_url, module_file, recorded = json.loads(ok(result))
    assert direct_url["dir_info"] == {"editable": True}
    assert Path(module_file) == editable.source
    # RECORD does not list the source: only what the installer wrote in the venv.
    assert recorded is False


def test_an_editable_plugin_is_found_checked_and_run(editable: Editable, tmp_path: Path) -> None:
    listed = by_name(ok(editable.plughost(tmp_path, "list", "--json")))
    assert_listed_with_its_distribution(listed[EDITABLE.name], EDITABLE, "unchecked")
    assert ok(editable.plughost(tmp_path, "check", EDITABLE.name)).split() == [EDITABLE.name, "ok"]
    listed = by_name(ok(editable.plughost(tmp_path, "list", "--json")))
    assert_listed_with_its_distribution(listed[EDITABLE.name], EDITABLE, "ok")
    for how in ([], ["--isolated"]):
        assert ok(editable.plughost(tmp_path, "run", *how, EDITABLE.name, "whoami")) == (
            "setuptools\n"
        )
        assert ok(editable.plughost(tmp_path, "run", *how, EDITABLE.name, "add", "2", "3")) == "5\n"
    info = json.loads(ok(editable.plughost(tmp_path, "info", EDITABLE.name, "--json")))
    assert info["manifest"] == expected_manifest(EDITABLE)


def test_an_editable_install_is_not_taken_for_a_stale_copy(
    editable: Editable, tmp_path: Path
) -> None:
    # setuptools leaves the project's own metadata (src/*.egg-info) next to the
    # sources that the editable install puts on sys.path. It is the same
    # installation, not a stale copy: no warning, exactly as for a wheel.
    result = editable.plughost(tmp_path, "list")
    ok(result)
    assert "shadowed" not in result.stderr
    assert "warning" not in result.stderr


def test_an_edited_editable_plugin_runs_its_new_source(editable: Editable, tmp_path: Path) -> None:
    assert ok(editable.plughost(tmp_path, "check", EDITABLE.name)).split() == [EDITABLE.name, "ok"]
    with edit_whoami(editable) as edited:
        for how in ([], ["--isolated"]):
            whoami = editable.plughost(tmp_path, "run", *how, EDITABLE.name, "whoami")
            assert ok(whoami) == f"{edited}\n"


def test_list_notices_an_edit_to_an_editable_plugin(editable: Editable, tmp_path: Path) -> None:
    assert ok(editable.plughost(tmp_path, "check", EDITABLE.name)).split() == [EDITABLE.name, "ok"]
    listed = by_name(ok(editable.plughost(tmp_path, "list", "--json")))[EDITABLE.name]
    assert (listed["state"], listed["checked"]) == ("ok", True)
    with edit_whoami(editable):
        # An edit in place is a change of the plugin's files: ok is no longer known.
        listed = by_name(ok(editable.plughost(tmp_path, "list", "--json")))[EDITABLE.name]
        assert (listed["state"], listed["checked"]) == ("unchecked", False), listed
        assert "has not been checked since it was installed or changed" in listed["reason"]
