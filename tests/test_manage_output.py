"""What ``plughost install``, ``upgrade`` and ``uninstall`` print, as a user of pip expects.

One line per step on stderr, pip's own output only with ``-v``, nothing but
errors and warnings with ``-q``; on a terminal one status line that updates
and is cleared (plain text, no colour); stdout says what happened once, and
nothing a rollback undid; ``--debug`` shows every pip command and each
step's time; usage errors exit 2.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_manage_kit import BROKEN, LIB, PLUGIN, Wheels, cli, installed, pip_env

import plughost

pytest_plugins = ["test_manage_kit"]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="install is POSIX only")


def _links(wheels: Wheels) -> list[str]:
    return ["--no-index", "--find-links", str(wheels.base)]


def test_a_rolled_back_install_says_what_happened_once(venv: Path, wheels: Wheels) -> None:
    before = installed(venv)
    refused = cli(venv, "install", BROKEN, *_links(wheels))
    assert refused.returncode == 1
    assert refused.stdout == ""  # no "installed ..." for what was undone
    *steps, error = refused.stderr.splitlines()
    assert all(line.startswith("plughost: ") for line in steps), steps
    assert steps[-1] == "plughost: rolling back: putting every file back as it was"
    assert error.startswith(f"error: rolled back {BROKEN} 1.0.0 and {LIB} 1.0: plugin")
    assert "the manage-broken fixture cannot be imported" in error
    assert error.endswith("the environment is as before; to keep it anyway, install with --keep")
    assert installed(venv) == before
    kept = cli(venv, "install", BROKEN, *_links(wheels), "--keep")
    assert kept.returncode == 1
    assert kept.stdout.splitlines()[:2] == [f"installed {BROKEN} 1.0.0", f"installed {LIB} 1.0"]
    assert "  manage-broken  broken: " in kept.stdout
    (warning,) = [line for line in kept.stderr.splitlines() if not line.startswith("plughost: ")]
    assert warning.startswith("warning: plugin 'manage-broken'")


def test_steps_by_default_pip_with_verbose_nothing_with_quiet(venv: Path, wheels: Wheels) -> None:
    plain = cli(venv, "install", PLUGIN, *_links(wheels))
    assert plain.returncode == 0, plain.stderr
    assert plain.stderr.splitlines() == [
        f"plughost: resolving {PLUGIN} (nothing changes yet; plughost stays"
        f" {plughost.__version__})",
        "plughost: fetching 2 wheels (nothing changes yet)",
        "plughost: checking the files of 2 wheels",
        f"plughost: installing {PLUGIN} 1.0.0 and {LIB} 1.0",
        "plughost: checking the plugin manage-plugin in a child process",
    ]
    assert plain.stdout.splitlines() == [
        f"installed {LIB} 1.0",
        f"installed {PLUGIN} 1.0.0",
        "plugins:",
        "  manage-plugin  ok",
    ]
    loud = cli(venv, "uninstall", "manage-plugin", "-y", "-v")
    assert loud.returncode == 0, loud.stderr
    assert f"  Successfully uninstalled {PLUGIN}-1.0.0" in loud.stderr.splitlines()
    verbose = cli(venv, "install", PLUGIN, *_links(wheels), "-v")
    assert verbose.returncode == 0, verbose.stderr
    assert "Would install " in verbose.stderr  # pip's dry run, then its install
    assert f"Successfully installed {PLUGIN}-1.0.0" in verbose.stderr
    quiet = cli(venv, "uninstall", "manage-plugin", "-y", "-q")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    silent = cli(venv, "install", PLUGIN, *_links(wheels), "-q")
    assert (silent.returncode, silent.stdout, silent.stderr) == (0, "", "")
    assert cli(venv, "uninstall", "manage-plugin", "-y", "-q").returncode == 0
    as_json = cli(venv, "install", PLUGIN, *_links(wheels), "-q", "--json")
    assert as_json.returncode == 0 and as_json.stderr == ""
    # (its library stayed when the plugin was uninstalled)
    assert json.loads(as_json.stdout)["changed"] == [
        {"distribution": PLUGIN, "old": None, "new": "1.0.0"}
    ]
    both = cli(venv, "install", PLUGIN, "-q", "-v")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


def test_debug_shows_every_pip_command_and_the_time_of_each_step(
    venv: Path, wheels: Wheels
) -> None:
    # A password in an index URL is never shown (the index is not used: --no-index).
    secret = "--extra-index-url=https://ada:s3cret@index.example/simple"
    done = cli(venv, "install", PLUGIN, *_links(wheels), secret, "--debug")
    assert done.returncode == 0, done.stderr
    assert "s3cret" not in done.stderr
    commands = [
        line.split(" -P -m pip ", 1)[1]
        for line in done.stderr.splitlines()
        if line.startswith("debug plughost._manage.children: running ") and " -m pip " in line
    ]
    assert [c.split()[:2] for c in commands] == [
        ["install", "--no-input"],  # the one resolution
        ["wheel", "--no-input"],
        ["--isolated", "install"],
    ]
    assert "--dry-run --report" in commands[0]
    assert "https://ada:****@index.example/simple" in commands[0]
    timings = [line for line in done.stderr.splitlines() if re.search(r": \d+\.\d\d s$", line)]
    assert [t.split(": ", 1)[1].split(" ", 1)[0] for t in timings[:5]] == [
        "resolving",
        "fetching",
        "checking",
        "installing",
        "checking",
    ]
    assert re.search(r"^debug plughost._manage.progress: done in \d+\.\d\d s$", done.stderr, re.M)
    gone = cli(venv, "uninstall", "manage-plugin", "-y", "--debug")
    assert gone.returncode == 0, gone.stderr
    assert any(
        line.endswith(f"-P -m pip uninstall --no-input -y {PLUGIN}")
        for line in gone.stderr.splitlines()
    )
    repaired = cli(venv, "install", "--repair", "--debug")
    assert repaired.returncode == 0, repaired.stderr
    assert "debug plughost._manage.progress: done in " in repaired.stderr


def test_usage_errors_and_uninstall_as_json(venv: Path, wheels: Wheels) -> None:
    bare = cli(venv, "install")
    assert bare.returncode == 2 and bare.stdout == ""
    (line,) = bare.stderr.splitlines()
    assert line.startswith("error: plughost install: the following arguments are required: SPEC")
    for piece in ("-r FILE", "-e PATH", "--repair"):
        assert piece in line
    assert cli(venv, "install", PLUGIN, *_links(wheels)).returncode == 0
    declined = cli(venv, "uninstall", "manage-plugin", "--json")  # no -y, no terminal to ask on
    assert declined.returncode == 1 and "pass -y" in declined.stderr
    gone = cli(venv, "uninstall", "manage-plugin", "-y", "--json")
    assert gone.returncode == 0, gone.stderr
    assert json.loads(gone.stdout) == {
        "uninstalled": [{"distribution": PLUGIN, "version": "1.0.0", "plugins": ["manage-plugin"]}]
    }


def _on_a_terminal(venv: Path, *args: str, **env: str) -> tuple[int, str, bytes]:
    """The console script with stderr on a pseudo-terminal: exit status, stdout, stderr's bytes."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [str(venv / "bin" / "plughost"), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=pip_env(**env),
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 300  # a bound against hangs
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the terminal's other side closed
                    break
                if not chunk:
                    break
                seen += chunk
            elif proc.poll() is not None:
                break
        assert proc.stdout is not None
        out = proc.stdout.read().decode()
        return proc.wait(60), out, seen
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(60)
        if proc.stdout is not None:
            proc.stdout.close()
        os.close(master)


def test_on_a_terminal_one_status_line_that_is_cleared(venv: Path, wheels: Wheels) -> None:
    code, out, seen = _on_a_terminal(venv, "install", PLUGIN, *_links(wheels), NO_COLOR="1")
    assert code == 0, seen
    assert out.startswith(f"installed {LIB} 1.0\n")
    text = seen.decode()
    assert "\x1b" not in text  # no escape sequence, no colour
    assert "\n" not in text.replace("\r\n", "")  # no line of its own: one line, rewritten
    assert "plughost: resolving" in text and "plughost: installing" in text
    frames = [f for f in text.split("\r") if f.strip()]
    assert all(len(f) <= 80 for f in frames), frames
    assert text.endswith("\r") and text.rsplit("\r", 2)[-2].strip() == ""  # cleared at the end
    dumb = _on_a_terminal(venv, "uninstall", "manage-plugin", "-y", TERM="dumb")
    assert dumb[0] == 0
    assert dumb[2].decode().replace("\r\n", "\n").splitlines() == [
        f"plughost: uninstalling {PLUGIN} 1.0.0 (plugins: manage-plugin)"
    ]
