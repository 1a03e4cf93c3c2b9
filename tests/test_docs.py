"""Every code snippet in the READMEs and docs/ runs, so the docs cannot drift.

- ``python`` blocks run in a child Python that sees the installed plugins;
  a block in the interactive style (``>>>``) runs as a doctest, so its
  output is compared too.
- ``console`` blocks run command by command (``$ ...``) in one environment
  per document. The lines under a command show what the terminal shows:
  stdout and stderr together, in the order written (the command runs with
  its stderr on its stdout, unbuffered, as on a terminal). When lines are
  shown they must be all of it (a line ``...`` stands for any number of
  lines); a command shown without lines only has to succeed. A command
  exits 0, or 1 when what it shows holds an ``error:`` line.
- A ``console`` block right after a ``toml`` block runs with that file as
  its configuration.
- ``toml`` blocks must parse.
- Commands that would change the reader's own environment or reach the
  network (installing the host, uploading) are not run here; for each,
  NOT_RUN names where the same thing runs (a nox session, .ci/run or a test
  module), and a test checks that it runs there.
"""

from __future__ import annotations

import json
import os
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
DOCS = [
    ROOT / "README.md",
    ROOT / "host" / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "plugins" / "greeter" / "README.md",
    ROOT / "plugins" / "calculator" / "README.md",
    ROOT / "e2e" / "README.md",
]

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)

# Commands shown in the docs that this test does not run: where the same
# thing runs instead (test_not_run_commands_run_elsewhere checks it), and why
# not here.
NOT_RUN: dict[str, tuple[str, str]] = {
    # The quick start: CI runs exactly these.
    "python3 -m venv .venv && .venv/bin/pip install nox && .venv/bin/nox -s demo": (
        ".ci/run",
        "runs nox, which makes environments of its own",
    ),
    "python3 -m venv .venv && .venv/bin/pip install nox && .venv/bin/nox": (
        ".ci/run",
        "runs nox, which makes environments of its own",
    ),
    # Install into the reader's environment, or from PyPI.
    "pip install ./host ./plugins/greeter ./plugins/calculator": (
        "nox -s demo",
        "installs into the reader's environment",
    ),
    "pip install plughost plughost-greeter": ("nox -s e2e", "installs from a package index"),
    "pip install plughost-greeter": ("nox -s e2e", "installs from a package index"),
    "pip install plughost-calculator": ("nox -s e2e", "installs from a package index"),
    # Change the test environment itself; test_manage.py runs them in venvs of
    # their own, and `nox -s e2e` against a real package index.
    "plughost install plughost-greeter": ("tests/test_manage.py", "changes the environment"),
    "plughost uninstall greeter -y": ("tests/test_manage.py", "changes the environment"),
    # What freeze prints depends on how the environment's plugins were installed
    # (wheel files, editable projects); test_manage_freeze.py installs the two from
    # a folder of wheels, as from an index, and compares with the README.
    "plughost freeze": ("tests/test_manage_freeze.py", "shows the environment's own plugins"),
    "plughost freeze > plugins.txt": ("tests/test_manage_freeze.py", "writes a file"),
    "plughost install -r plugins.txt": ("tests/test_manage_freeze.py", "changes the environment"),
    "plughost upgrade": ("tests/test_manage_freeze.py", "changes the environment"),
    "plughost upgrade greeter": ("tests/test_manage_freeze.py", "changes the environment"),
    # The benchmarks take minutes and measure the machine, not correctness.
    "nox -s bench": ("nox -s bench", "takes minutes"),
    "nox -s bench -- --quick": ("nox -s bench", "takes minutes"),
    # Needs a package index and credentials; `nox -s e2e` uploads with twine.
    "twine upload dist/*": ("nox -s e2e", "needs a package index and credentials"),
    # The publishing path itself: a package index, pipx, minutes.
    "nox -s e2e": (".ci/run", "needs the package registry and minutes"),
    "python e2e/run_e2e.py                   # in a new temporary directory, removed after a"
    " success": ("nox -s e2e", "needs the package registry and minutes"),
    "python e2e/run_e2e.py --work /tmp/e2e   # in a new or empty directory, kept afterwards": (
        "nox -s e2e",
        "needs the package registry and minutes",
    ),
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


_DOCTEST = """
import doctest, sys
text = sys.stdin.read()
test = doctest.DocTestParser().get_doctest(text, {}, "block", "block", 0)
runner = doctest.DocTestRunner()
runner.run(test)
result = runner.summarize(verbose=False)
sys.exit(1 if result.failed or not result.attempted else 0)
"""


@pytest.mark.parametrize("block", _all("python"), ids=lambda b: b.id)
def test_python_snippets_run(block: Block, clean_env: PluginEnv) -> None:
    if block.text.startswith(">>> "):
        result = subprocess.run(
            [sys.executable, "-c", _DOCTEST],
            input=block.text,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=clean_env.environ(),
            cwd=clean_env.home,
            timeout=120,
        )
        assert result.returncode == 0, f"{block.id}\n{result.stdout}{result.stderr}"
        return
    result = clean_env.python(block.text)
    assert result.returncode == 0, f"{block.id}\n{result.stderr}"


@pytest.mark.parametrize("block", _all("toml"), ids=lambda b: b.id)
def test_toml_snippets_parse(block: Block) -> None:
    tomllib.loads(block.text)


@pytest.mark.parametrize("block", _all("json"), ids=lambda b: b.id)
def test_json_snippets_are_protocol_messages_or_manifests(block: Block) -> None:
    from plughost import Manifest
    from plughost._runtime.protocol import decode

    data = json.loads(block.text)
    if "jsonrpc" in data:
        assert decode(block.text.replace("\n", " ").encode()) == data
    else:
        Manifest.from_dict(data)


def test_protocol_example_exchange_is_well_formed() -> None:
    from plughost._runtime.protocol import decode

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


def _config_before(block: Block) -> str | None:
    """The ``toml`` block right before ``block``, with nothing but blank lines between."""
    text = block.doc.read_text(encoding="utf-8")
    before = "\n".join(text.splitlines()[: block.line - 1]).rstrip()
    if not before.endswith("```"):
        return None
    previous = [b for b in blocks(block.doc) if b.line < block.line][-1]
    if previous.lang != "toml":
        return None
    closing = previous.line + previous.text.count("\n") + 1
    return previous.text if closing == before.count("\n") + 1 else None


def _run_console(doc: Path, env: PluginEnv, cwd: Path) -> int:
    """Run the console blocks of ``doc``; how many commands ran."""
    ran = 0
    for block in blocks(doc, "console"):
        # The docs show a user whose config directory holds no file yet.
        environ = env.environ(XDG_CONFIG_HOME="/home/ada/.config", PYTHONUNBUFFERED="1")
        config = _config_before(block)
        if config is not None:
            config_file = env.home / "shown-config.toml"
            config_file.write_text(config, encoding="utf-8")
            environ["PLUGHOST_CONFIG"] = str(config_file)
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
                ran += 1
                continue
            elif words[0] == "twine":
                argv = [sys.executable, "-m", "twine", *words[1:]]
                argv = [*argv[:-1], *map(str, sorted(cwd.glob(words[-1])))]
            else:
                pytest.fail(f"{block.id}: no way to run {command!r}; add it to NOT_RUN")
            result = subprocess.run(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                encoding="utf-8",
                env=environ,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                timeout=300,
            )
            ran += 1
            status = 1 if any(line.startswith("error: ") for line in expected) else 0
            assert result.returncode == status, f"{block.id}: {command}\n{result.stdout}"
            if expected:
                actual = result.stdout.splitlines()
                assert _matches(expected, actual), (
                    f"{block.id}: {command}\nexpected:\n"
                    + "\n".join(expected)
                    + "\nactual:\n"
                    + result.stdout
                )
    return ran


@pytest.mark.parametrize(
    ("doc", "commands"),
    [
        ("README.md", 13),
        ("host/README.md", 2),
        ("plugins/greeter/README.md", 7),
        ("plugins/calculator/README.md", 26),
        ("e2e/README.md", 0),
    ],
)
def test_readme_console_sessions(clean_env: PluginEnv, doc: str, commands: int) -> None:
    assert _run_console(ROOT / doc, clean_env, clean_env.home) == commands


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
    assert _run_console(doc, env, project) == 5
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


#: Where each place of NOT_RUN runs the commands: files and what they hold
#: (None: the command itself).
EVIDENCE: dict[str, list[tuple[str, str | None]]] = {
    ".ci/run": [(".ci/run", None)],
    "nox -s demo": [("noxfile.py", "def demo("), ("noxfile.py", "session.install(*map(str,")],
    "nox -s e2e": [
        ("noxfile.py", "def e2e("),
        ("e2e/run_e2e.py", "twine"),
        ("e2e/run_e2e.py", "plughost-greeter"),
        ("e2e/run_e2e.py", "plughost-calculator"),
        ("e2e/run_e2e.py", "--work"),
    ],
    "nox -s bench": [("noxfile.py", "def bench("), ("bench/bench.py", "--quick")],
    "tests/test_manage.py": [
        ("tests/test_manage.py", "install"),
        ("tests/test_manage.py", "uninstall"),
    ],
    "tests/test_manage_freeze.py": [
        ("tests/test_manage_freeze.py", '"freeze"'),
        ("tests/test_manage_freeze.py", '"install", "-r"'),
        ("tests/test_manage_freeze.py", '"upgrade"'),
        ("tests/test_manage_freeze.py", "README.md"),
    ],
}


def test_not_run_commands_run_elsewhere() -> None:
    for command, (where, why) in NOT_RUN.items():
        assert why, command
        for name, needle in EVIDENCE[where]:
            text = (ROOT / name).read_text(encoding="utf-8")
            assert (needle or command) in text, (command, where, name)


def test_not_run_lists_only_commands_the_docs_show() -> None:
    shown = {
        command
        for doc in DOCS
        for block in blocks(doc, "console")
        for command, _ in _sessions(block)
    }
    assert set(NOT_RUN) <= shown, set(NOT_RUN) - shown


def test_quick_start_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    (block,) = [m.group(2) for m in _FENCE.finditer(quick)]
    commands = [line[2:] for line in block.splitlines() if line.startswith("$ ")]
    assert commands == [
        "python3 -m venv .venv && .venv/bin/pip install nox && .venv/bin/nox -s demo",
        "python3 -m venv .venv && .venv/bin/pip install nox && .venv/bin/nox",
    ]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert [line for line in ci if line in commands] == commands


_SKIPPING = """
import pytest


def test_plain_skip():
    pytest.skip("no tool")


@pytest.mark.skipif(True, reason="a condition")
def test_skipif():
    pass


@pytest.mark.skipif('sys.platform != "win32"', reason="for Windows only")
def test_platform():
    pass


@pytest.fixture
def tool():
    pytest.skip("no tool for the fixture")


def test_fixture(tool):
    pass


@pytest.mark.xfail(reason="known", strict=True)
def test_xfail():
    raise AssertionError
"""


def test_under_ci_a_skip_fails(tmp_path: Path) -> None:
    """What the README says of CI=true, with the repository's own conftest.py."""
    (tmp_path / "test_skipping.py").write_text(_SKIPPING)
    (tmp_path / "test_module.py").write_text(
        'import pytest\npytest.skip("no tool", allow_module_level=True)\n'
    )
    outcomes, said = {}, {}
    for ci in ("true", ""):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env.update(CI=ci, PYTHONPATH=str(ROOT))
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-rA",
                "-p",
                "no:cacheprovider",
                "-p",
                "conftest",  # the repository's root conftest.py
                "-c",
                os.devnull,
                "--rootdir",
                str(tmp_path),
                "--continue-on-collection-errors",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
        )
        summary = result.stdout.split("short test summary info", 1)[1]
        said[ci] = result.stdout
        outcomes[ci] = sorted(
            # "SKIPPED [1] path:line: reason" or "FAILED path::test - message"
            re.sub(r" \[1\] \S+:\d+:", "", line).split(" - ")[0].replace(f"{tmp_path}{os.sep}", "")
            for line in summary.splitlines()
            if line.split()[:1] in (["PASSED"], ["FAILED"], ["ERROR"], ["SKIPPED"], ["XFAIL"])
        )
    assert outcomes["true"] == [
        "ERROR test_module.py",
        "ERROR test_skipping.py::test_fixture",
        "ERROR test_skipping.py::test_skipif",
        "FAILED test_skipping.py::test_plain_skip",
        "SKIPPED for Windows only",
        "XFAIL test_skipping.py::test_xfail",
    ]
    assert "under CI=true a skip is a failure: no tool for the fixture" in said["true"]
    assert outcomes[""] == [
        "SKIPPED a condition",
        "SKIPPED for Windows only",
        "SKIPPED no tool",
        "SKIPPED no tool",
        "SKIPPED no tool for the fixture",
        "XFAIL test_skipping.py::test_xfail",
    ]


def test_demo_installs_what_the_readme_installs() -> None:
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    for path in (
        'ROOT / "host"',
        'ROOT / "plugins" / "greeter"',
        'ROOT / "plugins" / "calculator"',
    ):
        assert path in noxfile
    assert "session.install(*map(str, PROJECTS.values())" in noxfile
