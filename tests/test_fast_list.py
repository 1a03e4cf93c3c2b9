"""`plughost list` through the console script's fast path and through the full path.

Every case runs the real console script twice, once as it is and once with
``PLUGHOST_NO_FAST_PATH=1``, and holds stdout, stderr and the exit code to
be the same; the modules the first run imported (``-X importtime``) say
which path answered.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from plughost._cli import fast
from plughost._policy import config as _config
from support import PACKAGES, PluginEnv, pip_install_target

# Valid names, a hostile summary, an incompatible and a broken and an invalid plugin,
# an entry point whose name breaks the rule: no conflict, so the fast path can answer.
_SUBSET = ["tools", "hostile-metadata", "incompatible", "import-error", "unannotated-param"]
_FULL_ONLY = "argparse"


@pytest.fixture(scope="module")
def subset_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture plugins without a conflict between them."""
    site = tmp_path_factory.mktemp("fast-site")
    pip_install_target(site, [PACKAGES / name for name in _SUBSET])
    return site


@pytest.fixture
def subset_env(subset_site: Path, tmp_path: Path) -> PluginEnv:
    """Those plugins, with caches private to the test."""
    env = PluginEnv(site=subset_site, home=tmp_path)
    env.marker_dir.mkdir()
    return env


def _both(
    env: PluginEnv, *args: str, **extra: str
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``plughost ARGS`` both ways; assert the same bytes; the fast run and its imports."""
    environ = env.environ(**extra)
    quick = env.plughost(*args, env={**environ, "PYTHONPROFILEIMPORTTIME": "1"})
    lines = quick.stderr.splitlines(keepends=True)
    imported = {line.split("|")[-1].strip() for line in lines if line.startswith("import time:")}
    stderr = "".join(line for line in lines if not line.startswith("import time:"))
    full = env.plughost(*args, env={**environ, "PLUGHOST_NO_FAST_PATH": "1"})
    assert (quick.returncode, quick.stdout, stderr) == (full.returncode, full.stdout, full.stderr)
    return quick, imported


def _warm(env: PluginEnv, *checked: str) -> None:
    assert env.plughost("list").returncode == 0  # the index, for the next runs
    if checked:
        env.plughost("check", *checked)


def test_warm_list_answers_fast_with_the_same_bytes(subset_env: PluginEnv) -> None:
    _warm(subset_env, "tools", "hostile-metadata", "import-error", "unannotated-param")
    result, imported = _both(subset_env, "list")
    assert _FULL_ONLY not in imported
    for state in ("ok", "broken", "invalid", "incompatible"):
        assert f"  {state} " in result.stdout
    assert "\x1b" not in result.stdout and "\\x1b" in result.stdout  # escaped, not raw


def test_no_record_yet_and_a_stale_record_answer_fast(subset_env: PluginEnv) -> None:
    _warm(subset_env)
    result, imported = _both(subset_env, "list")
    assert _FULL_ONLY not in imported and "not checked" in result.stderr
    subset_env.plughost("check", "tools")
    source = next(subset_env.site.glob("plughost_fixture_tools*/__init__.py"), None)
    source = source or next(subset_env.site.glob("plughost_fixture_tools*.py"))
    os.utime(source)  # the record no longer matches the files: unchecked again
    result, imported = _both(subset_env, "list")
    assert _FULL_ONLY not in imported
    assert re.search(r"^tools +unchecked ", result.stdout, re.MULTILINE), result.stdout


def test_an_empty_config_file_answers_fast(subset_env: PluginEnv, tmp_path: Path) -> None:
    _warm(subset_env, "tools")
    empty = tmp_path / "empty.toml"
    empty.write_text("\n  \n", encoding="utf-8")
    _, imported = _both(subset_env, "list", PLUGHOST_CONFIG=str(empty))
    assert _FULL_ONLY not in imported


@pytest.mark.parametrize(
    ("args", "extra", "config"),
    [
        (["list", "--bogus"], {}, None),
        (["list", "--json"], {}, None),
        (["--debug", "list"], {}, None),
        (["list", "--refresh"], {}, None),
        (["list"], {"PLUGHOST_DISABLE": "tools"}, None),
        (["list"], {"PLUGHOST_NO_INDEX": "1"}, None),
        (["list"], {}, 'disable = ["tools"]\n'),
        (["list"], {}, "this is not TOML\n"),
        (["list"], {"PLUGHOST_CONFIG": "/nonexistent/plughost.toml"}, None),
    ],
)
def test_what_it_does_not_know_runs_the_full_path(
    subset_env: PluginEnv, args: list[str], extra: dict[str, str], config: str | None
) -> None:
    _warm(subset_env, "tools")
    if config is not None:
        path = subset_env.home / "config" / "plughost" / "config.toml"
        path.parent.mkdir(parents=True)
        path.write_text(config, encoding="utf-8")
    _, imported = _both(subset_env, *args, **extra)
    assert _FULL_ONLY in imported


def test_a_missing_stale_or_damaged_index_runs_the_full_path(subset_env: PluginEnv) -> None:
    _, imported = _both(subset_env, "list")  # no index yet (the fast run builds it)
    assert _FULL_ONLY in imported
    (index,) = (subset_env.cache_dir / "index").iterdir()
    index.write_text(index.read_text(encoding="utf-8")[:-20], encoding="utf-8")
    _, imported = _both(subset_env, "list")
    assert _FULL_ONLY in imported
    metadata = next(subset_env.site.glob("plughost_fixture_tools-*.dist-info")) / "METADATA"
    os.utime(metadata)
    _, imported = _both(subset_env, "list")
    assert _FULL_ONLY in imported


def test_a_record_whose_manifest_was_changed_runs_the_full_path(subset_env: PluginEnv) -> None:
    _warm(subset_env, "tools")
    records = subset_env.cache_dir / "checks.json"
    data = json.loads(records.read_text(encoding="utf-8"))
    (key,) = [k for k in data["plugins"] if k.startswith("tools=")]
    data["plugins"][key]["manifest"]["commands"] = "not a list"
    records.write_text(json.dumps(data), encoding="utf-8")
    result, imported = _both(subset_env, "list")
    assert _FULL_ONLY in imported
    assert re.search(r"^tools +unchecked ", result.stdout, re.MULTILINE), result.stdout


def test_every_fixture_plugin_is_listed_the_same_both_ways(plugin_env: PluginEnv) -> None:
    """Conflicts among them: the fast path hands over, and nothing changes."""
    _warm(plugin_env, "tools", "hostile-metadata")
    _both(plugin_env, "list")


def test_the_host_and_its_own_plugins_answer_fast(clean_env: PluginEnv) -> None:
    _warm(clean_env, "greeter")
    result, imported = _both(clean_env, "list")
    assert _FULL_ONLY not in imported and "greeter     ok" in result.stdout


def test_the_fast_path_knows_every_plughost_variable() -> None:
    """A new PLUGHOST_* variable must be handled by the fast path or make it hand over."""
    src = Path(fast.__file__).resolve().parent.parent
    found: set[str] = set()
    for path in src.rglob("*.py"):
        found |= set(re.findall(r"PLUGHOST_[A-Z_]+", path.read_text(encoding="utf-8")))
    handled = {"PLUGHOST_CACHE_DIR", "PLUGHOST_CONFIG", "PLUGHOST_NO_FAST_PATH"}
    # Set only in a worker's or a child's own environment, never read by `list`.
    elsewhere = {"PLUGHOST_WORKER_TOKEN", "PLUGHOST_MAGIC_COOKIE", "PLUGHOST_MAX_MESSAGE"}
    assert found - handled - elsewhere == set(fast.OUTCOME_VARIABLES), found
    assert fast.CONFIG_LIMIT == _config._LIMIT
