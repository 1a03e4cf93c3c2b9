"""`plughost run` through the console script's fast path and through the full path.

Every case runs the real console script twice, once as it is and once with
``PLUGHOST_NO_FAST_PATH=1``, and holds stdout, stderr and the exit code to
be the same; the modules the first run imported (``-X importtime``) say
which path answered. A plugin's import and creation are traced to a file,
so that a hand-over from the fast path to the full path is seen to run
them once.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from support import PACKAGES, PluginEnv, pip_install_target, plughost_script

_FULL_ONLY = "argparse"


@pytest.fixture(scope="module")
def run_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plugin that changes with its environment, and one that exercises the host."""
    site = tmp_path_factory.mktemp("fast-run-site")
    pip_install_target(site, [PACKAGES / "changeable", PACKAGES / "tools"])
    return site


@pytest.fixture
def env(run_site: Path, tmp_path: Path) -> PluginEnv:
    """Those plugins, checked, with caches private to the test."""
    plugins = PluginEnv(site=run_site, home=tmp_path)
    plugins.marker_dir.mkdir()
    assert plugins.plughost("check", "changeable", "tools").returncode == 0
    return plugins


def _run(env: PluginEnv, environ: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run the console script with the words in ``environ["ARGS"]``; its result and imports."""
    result = subprocess.run(
        [plughost_script(), *environ.pop("ARGS").split("\0")],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        env=environ,
        cwd=env.home,
        stdin=subprocess.DEVNULL,
    )
    lines = result.stderr.splitlines(keepends=True)
    imports = "".join(line for line in lines if line.startswith("import time:"))
    result.stderr = "".join(line for line in lines if not line.startswith("import time:"))
    return result, imports


def _both(
    env: PluginEnv, *args: str, recheck: bool = False, **extra: str
) -> tuple[subprocess.CompletedProcess[str], set[str], list[str]]:
    """Run ``plughost run ARGS`` both ways; assert the same bytes and records.

    Returns the fast run, the modules it imported and what it traced. With
    ``recheck``, the plugin is checked afresh before each run (a run may
    change its record).
    """
    trace = env.home / "trace.txt"
    environ = env.environ(CHANGEABLE_TRACE=str(trace), **extra)
    runs, records, traces = [], [], []
    for way in ({"PYTHONPROFILEIMPORTTIME": "1"}, {"PLUGHOST_NO_FAST_PATH": "1"}):
        if recheck:
            assert env.plughost("check", "changeable").returncode == 0
        trace.unlink(missing_ok=True)
        runs.append(_run(env, {**environ, **way, "ARGS": "\0".join(["run", *args])}))
        records.append(_record(env, args[0]))
        traces.append(trace.read_text().split() if trace.exists() else [])
    (quick, imports), (full, _) = runs
    assert (quick.returncode, quick.stdout, quick.stderr) == (
        full.returncode,
        full.stdout,
        full.stderr,
    )
    assert records[0] == records[1]
    assert traces[0] == traces[1]
    imported = {line.split("|")[-1].strip() for line in imports.splitlines()}
    return quick, imported, traces[0]


def _record(env: PluginEnv, name: str) -> dict[str, object] | None:
    path = env.cache_dir / "checks.json"
    if not path.exists():
        return None
    plugins = json.loads(path.read_text())["plugins"]
    mine = [record for key, record in plugins.items() if key.startswith(f"{name}=")]
    return mine[0] if mine else None


@pytest.mark.parametrize(
    "args",
    [
        ("changeable", "hello", "Ada"),
        ("changeable", "hello", ""),
        ("changeable", "scale", "2.5", "3", "yes", "km"),
        ("changeable", "scale", " 1e3 ", "1_000", "OFF", "m"),
        ("tools", "echo", "hi \x1b[31mred"),
        ("tools", "flag-check", "off"),
        ("tools", "refuse"),
        ("tools", "crash"),
        ("tools", "lie"),
        ("tools", "exit"),
        ("tools", "chatter"),
    ],
)
def test_a_checked_plugin_runs_fast_with_the_same_bytes(env: PluginEnv, args: tuple[str]) -> None:
    result, imported, trace = _both(env, *args)
    assert _FULL_ONLY not in imported and "logging" not in imported
    assert "plughost._host" not in imported
    if args[0] == "changeable":
        assert trace == ["imported", "created"]
        assert result.returncode == 0 and result.stdout.strip()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("changeable", "hello"), 2),  # a missing argument
        (("changeable", "hello", "Ada", "Bob"), 2),  # one too many
        (("changeable", "hello", "--times", "2", "Ada"), 0),
        (("changeable", "hello", "Ada", "--json"), 0),
        (("changeable", "hello", "--", "-Ada"), 0),
        (("changeable", "hello", "--help"), 0),
        (("changeable", "helo", "Ada"), 2),  # no such command
        (("changeable", "scale", "nan", "3", "yes", "km"), 2),
        (("changeable", "scale", "1", "-3", "yes", "km"), 0),  # a negative number
        (("changeable", "scale", "1", "3.0", "yes", "km"), 2),
        (("changeable", "scale", "1", "3", "maybe", "km"), 2),
        (("changeable", "scale", "1", "3", "yes", "mile"), 2),
        (("tools", "add", "1", "2"), 0),  # a list
        (("nosuch", "hello"), 3),
        (("Not A Name", "hello"), 2),
    ],
)
def test_words_the_fast_path_does_not_read_take_the_full_path(
    env: PluginEnv, args: tuple[str], code: int
) -> None:
    result, imported, _ = _both(env, *args)
    assert _FULL_ONLY in imported
    assert result.returncode == code


def test_an_unchecked_plugin_takes_the_full_path_once_then_the_fast_one(
    run_site: Path, tmp_path: Path
) -> None:
    env = PluginEnv(site=run_site, home=tmp_path)
    result, imported, _ = _both(env, "changeable", "hello", "Ada")
    assert _FULL_ONLY in imported and result.stdout == "hello Ada\n"
    result, imported, _ = _both(env, "changeable", "hello", "Ada")
    assert _FULL_ONLY not in imported and result.stdout == "hello Ada\n"


def test_a_config_file_or_a_policy_variable_takes_the_full_path(env: PluginEnv) -> None:
    config = env.home / "config" / "plughost" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[plugins.changeable]\n")
    _, imported, _ = _both(env, "changeable", "hello", "Ada")
    assert _FULL_ONLY in imported
    config.write_text("")
    _, imported, _ = _both(env, "changeable", "hello", "Ada")
    assert _FULL_ONLY not in imported
    _, imported, _ = _both(env, "changeable", "hello", "Ada", PLUGHOST_ISOLATE="changeable")
    assert _FULL_ONLY in imported


def test_a_plugin_that_now_fails_to_import_is_imported_once_and_recorded(env: PluginEnv) -> None:
    result, imported, trace = _both(
        env, "changeable", "hello", "Ada", recheck=True, CHANGEABLE_IMPORT_FAILS="1"
    )
    assert result.returncode == 3 and "told to fail at import" in result.stderr
    assert _FULL_ONLY in imported  # the fast path handed over after the import
    assert trace == ["imported"]
    assert (_record(env, "changeable") or {}).get("state") == "broken"


def test_a_plugin_that_now_fails_to_start_is_created_once_and_recorded(env: PluginEnv) -> None:
    result, _, trace = _both(
        env, "changeable", "hello", "Ada", recheck=True, CHANGEABLE_INIT_FAILS="1"
    )
    assert result.returncode == 3 and "told to fail in __init__" in result.stderr
    assert trace == ["imported", "created"]
    assert (_record(env, "changeable") or {}).get("state") == "broken"


def test_a_class_that_changed_without_its_files_is_validated_afresh(env: PluginEnv) -> None:
    result, imported, trace = _both(
        env, "changeable", "hello", "Ada", recheck=True, CHANGEABLE_EXTRA_COMMAND="1"
    )
    assert result.stdout == "hello Ada\n" and _FULL_ONLY in imported
    assert trace == ["imported", "created"]
    record = _record(env, "changeable") or {}
    manifest = record.get("manifest")
    assert isinstance(manifest, dict)
    assert "extra" in [c["name"] for c in manifest["commands"]]


def test_a_plugin_that_logs_to_plughost_is_heard_the_same_way(env: PluginEnv) -> None:
    result, imported, _ = _both(env, "changeable", "log", "a \x1b[2J message")
    assert _FULL_ONLY not in imported
    assert result.stderr == "warning: a \\x1b[2J message\n"
    result, imported, _ = _both(env, "changeable", "hello", "Ada", CHANGEABLE_LOG_AT_IMPORT="1")
    assert _FULL_ONLY not in imported
    assert result.stderr == "warning: logged at import\n"
