"""Every code snippet in the README and docs/ runs, so the docs cannot drift.

- ``python`` blocks run in a child Python that sees the installed plugins.
- ``console`` blocks run command by command (``$ ...``) in one environment
  per document, and the output shown, if any, must be the output produced
  (a line ``...`` stands for any number of lines).
- ``toml`` blocks must parse.
- Commands that would change the reader's own environment or reach the
  network (installing the host, uploading) are not run here; for each, the
  test names where the same thing runs (the nox sessions and .ci/run).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import PluginEnv, pip_install_target, plughost_script

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", ROOT / "host" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)

# Commands shown in the docs that this test does not run, and why.
NOT_RUN = {
    # The quick start: .ci/run runs exactly these (test_quick_start_is_what_ci_runs).
    "python3 -m pip install nox && python3 -m nox -s demo": "ci",
    "python3 -m pip install nox && python3 -m nox": "ci",
    # Installs into the reader's environment; `nox -s demo` installs the same three.
    "pip install ./host ./plugins/greeter ./plugins/calculator": "demo",
    "pip install plughost plughost-greeter": "demo",
    # Change the test environment itself; test_manage.py runs them in venvs of
    # their own, and `nox -s e2e` against a real package index.
    "plughost install plughost-greeter": "test_manage",
    "plughost uninstall greeter -y": "test_manage",
    # The benchmarks take minutes and measure the machine, not correctness.
    "nox -s bench": "bench",
    "nox -s bench -- --quick": "bench",
    # Needs a package index and credentials; `nox -s e2e` uploads with twine.
    "twine upload dist/*": "e2e",
}


@dataclass
class Block:
    """One fenced code block of a document."""

    doc: Path
    lang: str
    text: str
    line: int

    @property
    def id(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def blocks(doc: Path, lang: str | None = None) -> list[Block]:
    text = doc.read_text(encoding="utf-8")
    found = []
    for m in _FENCE.finditer(text):
        if lang is None or m.group(1) == lang:
            found.append(Block(doc, m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1))
    return found


def _all(lang: str) -> list[Block]:
    return [b for doc in DOCS for b in blocks(doc, lang)]


def test_every_block_has_a_known_language() -> None:
    for doc in DOCS:
        for block in blocks(doc):
            assert block.lang in ("python", "console", "toml", "json", "text", ""), block.id


@pytest.mark.parametrize("block", _all("python"), ids=lambda b: b.id)
def test_python_snippets_run(block: Block, clean_env: PluginEnv) -> None:
    result = clean_env.python(block.text)
    assert result.returncode == 0, f"{block.id}\n{result.stderr}"


@pytest.mark.parametrize("block", _all("toml"), ids=lambda b: b.id)
def test_toml_snippets_parse(block: Block) -> None:
    tomllib.loads(block.text)


@pytest.mark.parametrize("block", _all("json"), ids=lambda b: b.id)
def test_json_snippets_are_protocol_messages_or_manifests(block: Block) -> None:
    from plughost import Manifest
    from plughost._protocol import decode

    data = json.loads(block.text)
    if "jsonrpc" in data:
        assert decode(block.text.replace("\n", " ").encode()) == data
    else:
        Manifest.from_dict(data)


def test_protocol_example_exchange_is_well_formed() -> None:
    from plughost._protocol import decode

    doc = ROOT / "docs" / "protocol.md"
    (block,) = [b for b in blocks(doc, "") if "host → worker" in b.text]
    for line in block.text.splitlines():
        direction, _, message = line.partition("  ")
        assert direction in ("host → worker", "worker → host"), line
        decode(message.strip().replace("{...}", "{}").encode())


def _sessions(block: Block) -> list[tuple[str, list[str]]]:
    """The ``$ command`` lines of a console block, each with its output lines."""
    result: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            result.append((line[2:], []))
        else:
            assert result, f"{block.id}: output before any command"
            result[-1][1].append(line)
    return result


def _matches(expected: list[str], actual: list[str]) -> bool:
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(_matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and _matches(expected[1:], actual[1:])


def _run_console(doc: Path, env: PluginEnv, cwd: Path) -> None:
    for block in blocks(doc, "console"):
        for command, expected in _sessions(block):
            if command in NOT_RUN:
                continue
            words = shlex.split(command)
            if words[0] == "plughost":
                argv = [plughost_script(), *words[1:]]
            elif words[0] == "python" and words[1:3] == ["-m", "build"]:
                # -P: the project's own build/ folder must not shadow the tool.
                argv = [sys.executable, "-P", "-m", "build", "--no-isolation", *words[3:]]
            elif words[:3] == ["pip", "install", "-e"]:
                pip_install_target(env.site, [cwd / words[3]])
                continue
            elif words[0] == "twine":
                argv = [sys.executable, "-m", "twine", *words[1:]]
                argv = [*argv[:-1], *map(str, sorted(cwd.glob(words[-1])))]
            else:
                pytest.fail(f"{block.id}: no way to run {command!r}; add it to NOT_RUN")
            result = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                encoding="utf-8",
                # The docs show a user whose config directory holds no file yet.
                env=env.environ(XDG_CONFIG_HOME="/home/ada/.config"),
                cwd=cwd,
                timeout=300,
            )
            assert result.returncode == 0, f"{block.id}: {command}\n{result.stderr}"
            if words[0] == "plughost" and expected:
                actual = result.stdout.splitlines()
                assert _matches(expected, actual), (
                    f"{block.id}: {command}\nexpected:\n"
                    + "\n".join(expected)
                    + "\nactual:\n"
                    + result.stdout
                )


@pytest.mark.parametrize("doc", ["README.md", "host/README.md"])
def test_readme_console_sessions(clean_env: PluginEnv, doc: str) -> None:
    _run_console(ROOT / doc, clean_env, clean_env.home)


def test_writing_plugins_builds_the_documented_plugin(clean_env: PluginEnv, tmp_path: Path) -> None:
    """Assemble the guide's example plugin from its own snippets, then follow it."""
    doc = ROOT / "docs" / "writing-plugins.md"
    pyproject = next(b for b in blocks(doc, "toml") if "[build-system]" in b.text)
    module = next(b for b in blocks(doc, "python") if "class Thermometer" in b.text)
    project = tmp_path / "plughost-thermometer"
    package = project / "src" / "plughost_thermometer"
    package.mkdir(parents=True)
    (project / "pyproject.toml").write_text(pyproject.text)
    (package / "__init__.py").write_text(module.text)
    (package / "py.typed").write_text("")
    site = tmp_path / "site"
    site.mkdir()
    env = PluginEnv(site=site, home=clean_env.home)
    _run_console(doc, env, project)
    run = env.plughost("run", "thermometer", "convert", "100", "--digits", "1")
    assert run.returncode == 0, run.stderr
    assert run.stdout == "212.0\n"
    # The guide's conformance test passes against the installed plugin.
    conformance = next(b for b in blocks(doc, "python") if "PluginConformance" in b.text)
    (project / "tests").mkdir()
    (project / "tests" / "test_conformance.py").write_text(conformance.text)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        capture_output=True,
        text=True,
        env=env.environ(),
        cwd=project,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


def test_quick_start_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    (block,) = [m.group(2) for m in _FENCE.finditer(quick)]
    commands = [line[2:] for line in block.splitlines() if line.startswith("$ ")]
    assert commands == [
        "python3 -m pip install nox && python3 -m nox -s demo",
        "python3 -m pip install nox && python3 -m nox",
    ]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci


def test_demo_installs_what_the_readme_installs() -> None:
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    for path in (
        'ROOT / "host"',
        'ROOT / "plugins" / "greeter"',
        'ROOT / "plugins" / "calculator"',
    ):
        assert path in noxfile
    assert "session.install(*map(str, PROJECTS.values()))" in noxfile
