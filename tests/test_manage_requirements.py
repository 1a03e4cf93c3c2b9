"""``plughost install -r FILE``: requirements files read as pip reads them, checked like specs.

The reading is tested directly (pip's format: comments, joined lines,
variables, includes, options), then the hostile files (a FIFO, a device, a
folder, a huge or binary file, an include loop, options plughost does not
pass), each a one-line error that names the file; then real installs from
files, with the real pip, offline.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from test_manage_kit import (
    LIB,
    PLUGIN,
    Wheels,
    cli,
    installed,
    run_install,
    site_of,
)

import plughost
from plughost._manage.install import InstallError
from plughost._manage.requirements import FILE_LIMIT, Requirements, Spec, read_requirements

pytest_plugins = ["test_manage_kit"]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="install is POSIX only")

T = TypeVar("T")


def _bounded(call: Callable[[], T], timeout: float = 30) -> T:
    """``call()`` in a thread, failing the test if it does not return in time (a hang bound)."""
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        return pool.submit(call).result(timeout)
    finally:
        pool.shutdown(wait=False)


def _read(path: Path) -> Requirements:
    return _bounded(lambda: read_requirements([str(path)]))


def _refused(path: Path) -> str:
    with pytest.raises(InstallError) as raised:
        _read(path)
    message = str(raised.value)
    assert "\n" not in message
    return message


# -- reading, as pip reads ---------------------------------------------------------


def test_a_file_is_read_as_pip_reads_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGHOST_TEST_INDEX", "https://index.example/simple")
    links = tmp_path / "links"
    links.mkdir()
    (tmp_path / "more.txt").write_text("beta>=2  # from the included file\n", encoding="utf-8")
    main = tmp_path / "main.txt"
    main.write_text(
        "\ufeff# a comment line\n"
        "alpha==1.0 \\\n"
        "    --hash=sha256:" + "a" * 64 + "\n"
        "\n"
        "-r more.txt\n"
        "--index-url ${PLUGHOST_TEST_INDEX}\n"
        "--find-links links\n"
        "-e ./project  # an editable\n"
        "--pre\n"
        "gamma @ https://files.example/gamma-1.0-py3-none-any.whl\n",
        encoding="utf-8",
    )
    found = _read(main)
    assert found.specs == [
        Spec("alpha==1.0", f"{main}:2", ("sha256:" + "a" * 64,)),
        Spec("beta>=2", f"{tmp_path / 'more.txt'}:1"),
        Spec("gamma @ https://files.example/gamma-1.0-py3-none-any.whl", f"{main}:10"),
    ]
    assert found.specs[0].line() == "alpha==1.0 --hash=sha256:" + "a" * 64
    assert [e.text for e in found.editables] == ["./project"]  # as pip: from the current folder
    assert found.options == [
        ("--index-url", "https://index.example/simple", f"{main}:6"),
        ("--find-links", str(tmp_path / "links"), f"{main}:7"),  # next to the file, as pip
        ("--pre", None, f"{main}:9"),
    ]


HOSTILE_LINES = {
    "-c constraints.txt": "does not pass -c from a requirements file",
    "--trusted-host evil.example": "does not pass --trusted-host",
    "alpha --global-option=--evil": "takes no --global-option after a requirement",
    "alpha --hash=md5:abc": "is not a hash pip checks",
    "-r https://evil.example/requirements.txt": "reads requirements files from disk only",
    "--index-url": "--index-url needs a value",
    "-e": "--editable needs a value",
}


@pytest.mark.parametrize("line", sorted(HOSTILE_LINES))
def test_options_plughost_does_not_pass_are_refused_with_file_and_line(
    tmp_path: Path, line: str
) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text(f"alpha\n{line}\n", encoding="utf-8")
    message = _refused(path)
    assert message.startswith(f"{path}:2: ")
    assert HOSTILE_LINES[line] in message


def test_hostile_files_are_refused_in_one_line_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)  # opened for reading, it would wait for a writer forever
    assert "is a FIFO, socket or device, not a requirements file" in _refused(fifo)
    assert "is a FIFO, socket or device" in _refused(Path("/dev/zero"))
    assert "is a folder, not a requirements file" in _refused(tmp_path)
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"alpha\n" * (FILE_LIMIT // 6 + 1))
    assert "is larger than 1 MiB" in _refused(huge)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"alpha\0\xff\xfe")
    assert "is not a text file in UTF-8" in _refused(binary)
    missing = tmp_path / "missing.txt"
    assert "cannot read the requirements file" in _refused(missing)


def test_includes_may_not_loop_or_nest_without_end(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("alpha\n-r b.txt\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("-r ./a.txt\n", encoding="utf-8")
    message = _refused(tmp_path / "a.txt")
    assert message.startswith(f"{tmp_path / 'b.txt'}:1: -r ")
    assert "(a loop)" in message
    selfish = tmp_path / "self.txt"
    selfish.write_text(f"-r {selfish}\n", encoding="utf-8")
    assert "(a loop)" in _refused(selfish)
    for n in range(40):  # a chain, no loop, deeper than allowed
        (tmp_path / f"c{n}.txt").write_text(f"-r c{n + 1}.txt\n", encoding="utf-8")
    (tmp_path / "c40.txt").write_text("alpha\n", encoding="utf-8")
    assert "nest deeper than" in _refused(tmp_path / "c0.txt")


# -- installing from a file --------------------------------------------------------


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_install_from_a_requirements_file(venv: Path, wheels: Wheels, tmp_path: Path) -> None:
    # A file written for a whole environment names plughost too: left as it is.
    path = tmp_path / "requirements.txt"
    path.write_text(
        f"plughost>={plughost.__version__}\n{PLUGIN}==1.0.0  # the plugin\n", encoding="utf-8"
    )
    outcome, output = run_install(venv, [wheels.base], requirements=[str(path)])
    assert outcome.ok, outcome.reason
    assert outcome.changed == ((LIB, None, "1.0"), (PLUGIN, None, "1.0.0"))
    assert (
        f"plughost: {path}:1: plughost>={plughost.__version__} is the running plughost"
        f" {plughost.__version__}: left as it is"
    ) in output.splitlines()
    assert installed(venv)["plughost"] == plughost.__version__
    # The metadata says what was asked for, as pip's own -r would.
    assert (site_of(venv) / "plughost_fixture_manage_plugin-1.0.0.dist-info/REQUESTED").exists()


def test_a_file_is_checked_like_specs_before_anything_changes(
    venv: Path, wheels: Wheels, tmp_path: Path
) -> None:
    before = installed(venv)
    other = tmp_path / "other-host.txt"
    other.write_text(f"{PLUGIN}\nplughost==2.0.0\n", encoding="utf-8")
    with pytest.raises(InstallError) as raised:
        run_install(venv, [wheels.base], requirements=[str(other)])
    assert str(raised.value).startswith(f"{other}:2: plughost install never changes plughost")
    assert str(raised.value).endswith(", or remove the line")
    assert run_install(venv, [wheels.base], PLUGIN)[0].ok
    by_plugin = tmp_path / "plugin-name.txt"
    by_plugin.write_text("manage-plugin\n", encoding="utf-8")
    with pytest.raises(InstallError, match=f"^{re.escape(str(by_plugin))}:1: 'manage-plugin' is"):
        run_install(venv, [wheels.base], requirements=[str(by_plugin)])
    nonsense = tmp_path / "nonsense.txt"
    nonsense.write_text("this is not a requirement\n", encoding="utf-8")
    with pytest.raises(InstallError, match=f"^{re.escape(str(nonsense))}:1: 'this is not a requ"):
        run_install(venv, [wheels.base], requirements=[str(nonsense)])
    missing = tmp_path / "missing-path.txt"
    missing.write_text("./no-such-project\n", encoding="utf-8")
    with pytest.raises(InstallError, match=f"^{re.escape(str(missing))}:1: './no-such-proj"):
        run_install(venv, [wheels.base], requirements=[str(missing)])
    assert installed(venv) == before | {PLUGIN: "1.0.0", LIB: "1.0"}


def test_hashes_in_a_file_are_checked_by_pip(venv: Path, wheels: Wheels, tmp_path: Path) -> None:
    plugin = next(wheels.base.glob("plughost_fixture_manage_plugin-*.whl"))
    lib = next(wheels.base.glob("plughost_fixture_manage_lib-*.whl"))
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(
        f"{PLUGIN}==1.0.0 --hash=sha256:{'0' * 64}\n{LIB}==1.0 --hash=sha256:{_sha256(lib)}\n",
        encoding="utf-8",
    )
    before = installed(venv)
    with pytest.raises(InstallError, match="nothing was changed") as raised:
        run_install(venv, [wheels.base], requirements=[str(wrong)])
    assert "\n" not in str(raised.value)
    assert installed(venv) == before
    right = tmp_path / "right.txt"
    right.write_text(
        f"{PLUGIN}==1.0.0 --hash=sha256:{_sha256(plugin)}\n"
        f"{LIB}==1.0 --hash=sha256:{_sha256(lib)}\n",
        encoding="utf-8",
    )
    outcome, _ = run_install(venv, [wheels.base], requirements=[str(right)])
    assert outcome.ok, outcome.reason


def test_the_console_script_reads_requirements_files(
    venv: Path, wheels: Wheels, tmp_path: Path
) -> None:
    path = tmp_path / "plugins.txt"
    # The index options come from the file, and are said.
    path.write_text(f"--no-index\n--find-links {wheels.base}\n{PLUGIN}\n", encoding="utf-8")
    done = cli(venv, "install", "-r", str(path))
    assert done.returncode == 0, done.stderr
    assert f"installed {PLUGIN} 1.0.0" in done.stdout.splitlines()
    assert f"plughost: {path}:2: --find-links {wheels.base} (from the requirements file)" in (
        done.stderr.splitlines()
    )
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    refused = cli(venv, "install", "-r", str(fifo), timeout=60)
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        f"error: {fifo} is a FIFO, socket or device, not a requirements file; nothing was"
        " changed: give the path of a regular file"
    ]
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    nothing = cli(venv, "install", "-r", str(empty))
    assert nothing.returncode == 0, nothing.stderr
    assert nothing.stdout == "nothing to do: what was asked for is already installed\n"
