"""Every workflow of the repository: ``nox`` runs lint, typecheck, tests and build.

``nox -s demo`` installs the host and both plugins in a fresh environment and
shows what a user sees. Dependencies of each session come from the dependency
groups in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PROJECTS = {
    "plughost": ROOT / "host",
    "plughost-greeter": ROOT / "plugins" / "greeter",
    "plughost-calculator": ROOT / "plugins" / "calculator",
}
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")

nox.options.sessions = ["lint", "typecheck", "tests", "build"]
nox.options.default_venv_backend = "venv"
nox.options.error_on_external_run = True


def _group(name: str) -> list[str]:
    return list(nox.project.dependency_groups(PYPROJECT, name))


def _wheels(session: nox.Session) -> list[str]:
    """Build a wheel of each of the three distributions, fresh, in the session's tmp."""
    out = Path(session.create_tmp()) / "wheels"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    session.run(
        "python",
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--wheel-dir",
        str(out),
        *map(str, PROJECTS.values()),
    )
    return sorted(str(p) for p in out.glob("*.whl"))


@nox.session
def tests(session: nox.Session) -> None:
    """Install the three distributions as built wheels and run every test suite."""
    session.install(*_group("test"))
    session.install(*_wheels(session))
    session.run(
        "pytest",
        "tests",
        "plugins/greeter/tests",
        "plugins/calculator/tests",
        *session.posargs,
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole repository."""
    session.install(*_group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the three distributions and their tests."""
    session.install(*_group("typecheck"))
    session.run(
        "mypy",
        "host/src",
        "plugins/greeter/src",
        "plugins/calculator/src",
        "noxfile.py",
        "bench/bench.py",
        "e2e/run_e2e.py",
        "conftest.py",
    )
    session.run(
        "mypy",
        "tests",
        "--exclude",
        "tests/packages/",
    )
    for plugin in ("greeter", "calculator"):
        session.run("mypy", f"plugins/{plugin}/tests")


@nox.session
def build(session: nox.Session) -> None:
    """Build an sdist and a wheel of each distribution into dist/ and twine-check them."""
    session.install(*_group("build"))
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    for project in PROJECTS.values():
        session.run("python", "-m", "build", "--outdir", str(dist), str(project))
    session.run("twine", "check", "--strict", *map(str, sorted(dist.iterdir())))


@nox.session
def e2e(session: nox.Session) -> None:
    """The publishing path end to end: build, upload to a local index, install and run."""
    session.install(*_group("e2e"))
    session.run("python", str(ROOT / "e2e" / "run_e2e.py"), *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """A fresh environment with plughost, both plugins and a broken one, used as a user would.

    Each step says what it shows; a step that must fail (the broken plugin,
    a misspelt command) is run with the exit status it must have.
    """
    session.install(*map(str, PROJECTS.values()), str(ROOT / "examples" / "broken-plugin"))
    tmp = Path(session.create_tmp())
    # The demo's own cache and (empty) configuration, not the reader's.
    env = {
        "PLUGHOST_CACHE_DIR": str(tmp / "plughost-cache"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
    }
    steps: list[tuple[str, list[str], int]] = [
        ("the host", ["--version"], 0),
        ("every installed plugin, from metadata alone: nothing is imported", ["list"], 0),
        ("a plugin's commands and parameters", ["info", "greeter"], 0),
        ("a command, in process", ["run", "greeter", "greet", "Ada", "--language", "fr"], 0),
        (
            "the same plugin isolated, in a worker process of its own",
            ["run", "--isolated", "greeter", "greet", "Ada", "--language", "ja"],
            0,
        ),
        ("exact arithmetic", ["run", "calculator", "evaluate", "2 * (3 + 4) - 0.1"], 0),
        ("a result as JSON", ["run", "calculator", "evaluate", "0.1 + 0.2", "--json"], 0),
        ("a misspelt command, and what was meant", ["run", "greeter", "gret", "Ada"], 2),
        (
            "every plugin checked: the broken one is contained, the others are ok (exit 1)",
            ["check"],
            1,
        ),
        ("the states found, remembered", ["list"], 0),
        ("the effective settings and where each comes from", ["config"], 0),
    ]
    for what, args, code in steps:
        session.log(what)
        session.run("plughost", *args, env=env, success_codes=[code])


@nox.session
def bench(session: nox.Session) -> None:
    """Measure the promises of docs/performance.md side by side; a table and a JSON file."""
    session.install(*_wheels(session))
    work = Path(session.create_tmp()) / "bench"
    report = work / "bench.json"
    session.run("python", "bench/bench.py", str(work), "--json", str(report), *session.posargs)
    session.log("figures written to %s", report)
