"""Caches and config are untrusted input.

Every file plughost keeps in its cache directory (the discovery index, the
check records, the verify cache) is replaced here by the worst things that
could be in its place; plughost must ignore it, say so in one ``--debug``
line, rebuild it, and neither hang nor fail. A config file that cannot be
used is one line naming the file, exit status 2. Check records written by
many plughost processes at once lose nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from support import PACKAGES, PluginEnv, pip_install_target, plughost_script

Damage = Callable[[Path], None]


def _write(data: bytes) -> Damage:
    def damage(path: Path) -> None:
        path.write_bytes(data)

    return damage


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _directory(path: Path) -> None:
    path.mkdir()
    (path / "inside").write_text("not a cache\n")


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _huge(path: Path) -> None:
    with open(path, "wb") as f:
        f.truncate(1 << 30)  # sparse: a gigabyte that costs no disk


DAMAGES: dict[str, Damage] = {
    "bad-utf8": _write(b'{"format": 1, "x": "\xff\xfe"}'),
    "wrong-shape": _write(b"[1, 2, 3]\n"),
    "truncated": _write(b'{"format": 1, "plugins": {"a": {"fingerprint": "'),
    "deep": _write(b"[" * 100_000 + b"]" * 100_000),
    "empty": _write(b""),
    "fifo": _fifo,
    "directory": _directory,
    "dev-zero": _dev_zero,
    "huge": _huge,
}


def _replace(path: Path, damage: Damage) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    damage(path)


def _the(pattern: str, cache: Path) -> Path:
    (found,) = sorted(cache.glob(pattern))
    return found


@pytest.mark.parametrize("damage", sorted(DAMAGES))
@pytest.mark.parametrize("cache", ["index", "checks", "verify"])
def test_a_damaged_cache_is_ignored_and_rebuilt(
    plugin_env: PluginEnv, cache: str, damage: str
) -> None:
    first = plugin_env.plughost("check", "tools")
    assert first.returncode == 0, first.stderr
    assert plugin_env.plughost("verify", "tools").returncode == 0
    where = {"index": "index/*.json", "checks": "checks.json", "verify": "verify/verify-*.json"}
    path = _the(where[cache], plugin_env.cache_dir)
    _replace(path, DAMAGES[damage])
    command = {"index": "list", "checks": "list", "verify": "verify"}[cache]
    started = time.monotonic()
    result = plugin_env.plughost(command, "--debug", "--json", timeout=60)
    assert time.monotonic() - started < 30  # a bound against hangs
    assert result.returncode == 0, result.stderr
    json.loads(result.stdout)
    noted = [line for line in result.stderr.splitlines() if str(path) in line]
    assert noted, result.stderr
    assert "Traceback" not in result.stderr
    if damage == "directory":
        assert (path / "inside").exists()  # never deleted: it is not ours
        return
    # Rebuilt: the file is a regular JSON file again (the index and the
    # verify cache by this command; the check records by the next check).
    if cache == "checks":
        assert plugin_env.plughost("check", "tools").returncode == 0
    assert path.is_file() and not path.is_symlink()
    json.loads(path.read_text(encoding="utf-8"))
    if cache == "checks":
        states = {p["name"]: p for p in json.loads(plugin_env.plughost("list", "--json").stdout)}
        assert states["tools"]["state"] == "ok"


def _config_file(tmp_path: Path, damage: str) -> Path:
    path = tmp_path / "config.toml"
    if damage == "nested":
        path.write_text("a = " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    elif damage == "inline-tables":
        path.write_text("a = " + "{b = " * 50_000 + "1" + "}" * 50_000 + "\n")
    elif damage == "unreadable":
        path.write_text("disable = []\n", encoding="utf-8")
        path.chmod(0)
    elif damage == "bad-utf8":
        path.write_bytes(b'disable = ["\xff"]\n')
    else:
        DAMAGES[damage](path)
    return path


CONFIG_ERRORS = {
    "directory": "is a directory, not a regular file; point PLUGHOST_CONFIG at a TOML file",
    "fifo": "is a FIFO, not a regular file; point PLUGHOST_CONFIG at a TOML file",
    "dev-zero": "is a character device, not a regular file; point PLUGHOST_CONFIG at a TOML file",
    "huge": "is 1073741824 bytes, larger than the 1048576 read; point PLUGHOST_CONFIG at a TOML",
    "nested": "nests tables or arrays too deeply to read; flatten it",
    "inline-tables": "nests tables or arrays too deeply to read; flatten it",
    "unreadable": "cannot be read (Permission denied); fix its permissions",
    "bad-utf8": "is not UTF-8 text (byte 12); save it as UTF-8",
}


@pytest.mark.parametrize("damage", sorted(CONFIG_ERRORS))
def test_an_unusable_config_is_one_line_and_exit_2(
    plugin_env: PluginEnv, tmp_path: Path, damage: str
) -> None:
    path = _config_file(tmp_path, damage)
    env = plugin_env.environ(PLUGHOST_CONFIG=str(path))
    command = [plughost_script(), "list"]
    if damage == "unreadable":
        # Root reads any file: drop the capabilities that let it.
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--", *command]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        cwd=plugin_env.home,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: config file {path}: {CONFIG_ERRORS[damage]}"), line


def test_check_records_of_many_processes_at_once_are_all_kept(plugin_env: PluginEnv) -> None:
    names = ["tools", "marker", "greeter", "calculator", "prints-at-import", "hostile-metadata"]

    def check(name: str) -> int:
        return plugin_env.plughost("check", name, timeout=120).returncode

    with ThreadPoolExecutor(len(names)) as pool:
        codes = list(pool.map(check, names * 2))
    assert codes == [0] * len(codes)
    listed = {p["name"]: p for p in json.loads(plugin_env.plughost("list", "--json").stdout)}
    assert {n: listed[n]["state"] for n in names} == dict.fromkeys(names, "ok")
    assert all(listed[n]["checked"] for n in names)


def test_a_file_rewritten_with_its_size_and_mtime_put_back_is_unchecked(tmp_path: Path) -> None:
    env = PluginEnv(site=tmp_path / "site", home=tmp_path)
    pip_install_target(env.site, [PACKAGES / "tools"])
    assert env.plughost("check", "tools").returncode == 0
    module = env.site / "plughost_fixture_tools" / "__init__.py"
    text = module.read_bytes()
    st = module.stat()
    # The same size, another content, the old modification time.
    module.write_bytes(text.replace(b"Echo TEXT", b"Ech0 TEXT", 1))
    os.utime(module, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (module.stat().st_size, module.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    listed = {p["name"]: p for p in json.loads(env.plughost("list", "--json").stdout)}
    assert listed["tools"]["state"] == "unchecked"
