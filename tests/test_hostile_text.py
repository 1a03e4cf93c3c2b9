"""Nothing a plugin supplies reaches the terminal raw.

The fixture ``hostile-metadata`` carries escape sequences (clear the screen,
move the cursor up and forge a row, set the window title, a bidi override,
an 8-bit CSI, DEL) in its distribution's Summary, in an entry point's name,
in its docstrings and help, in its error messages, in its results and on its
stderr; ``tests/hostile_worker.py`` does the same from another process, in a
manifest it sends itself. Every command in every output mode is run through
the real console script, and what it writes must hold no raw control
character (newlines and tabs aside), while ``--json`` output must still
decode to the exact original text.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from support import PluginEnv

NASTY = "\x1b[2J\x1b]0;pwned\x07\u202e\x9b31m\x7f"
SUMMARY = (
    "Harmless\x1b[2K\x1b[1A\x1b[Ggreeter     ok         forged 9.9  "
    "\x1b]0;pwned\x07\u202eevil\x9b31m"
)
WORKER = Path(__file__).with_name("hostile_worker.py")
RAW = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def assert_clean(text: str, what: str) -> None:
    found = RAW.search(text)
    assert found is None, f"{what}: raw {found.group()!r} at {found.start()} in {text!r}"


def run(env: PluginEnv, *args: str, code: int | None = 0, **extra: str) -> tuple[str, str]:
    result = env.plughost(*args, env=env.environ(**extra) if extra else None, timeout=60)
    assert_clean(result.stdout, f"stdout of {args}")
    assert_clean(result.stderr, f"stderr of {args}")
    if code is not None:
        assert result.returncode == code, (args, result.stdout, result.stderr)
    return result.stdout, result.stderr


@pytest.fixture
def foreign(plugin_env: PluginEnv, tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config.toml"
    command = json.dumps([sys.executable, str(WORKER)])
    config.write_text(f"[plugins.hostile-worker]\ncommand = {command}\n", encoding="utf-8")
    return {"PLUGHOST_CONFIG": str(config)}


COMMANDS = [
    (("list",), 0),
    (("info", "hostile-metadata"), 0),
    (("check", "hostile-metadata"), 0),
    (("check",), 1),  # the entry point with a bad name is invalid
    (("info", "evil\x1b[31m-name"), 2),
    (("run", "hostile-metadata", "shout", f"A{NASTY}"), 0),
    (("run", "hostile-metadata", "fail"), 1),
    (("run", "hostile-metadata", "crash"), 1),
    (("run", "hostile-metadata", "crash", "--debug"), 1),
    (("run", "hostile-metadata", "chatter"), 0),
    (("run", "hostile-metadata", "--help"), 0),
    (("run", "hostile-metadata", "shout", "--help"), 0),
    (("run", "hostile-metadata", "nope"), 2),
    (("run", "--isolated", "hostile-metadata", "shout", f"A{NASTY}"), 0),
    (("run", "--isolated", "hostile-metadata", "fail"), 1),
    (("run", "--isolated", "hostile-metadata", "chatter"), 0),
    (("run", "--isolated", "hostile-metadata", "chatter", "--debug"), 0),
]


@pytest.mark.parametrize(("args", "code"), COMMANDS, ids=[" ".join(a) for a, _ in COMMANDS])
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_no_raw_control_character_reaches_the_terminal(
    plugin_env: PluginEnv, args: tuple[str, ...], code: int, as_json: bool
) -> None:
    stdout, _ = run(plugin_env, *args, *(["--json"] if as_json else []), code=code)
    if as_json and stdout.strip() and "--help" not in args:
        json.loads(stdout)


@pytest.mark.parametrize(
    "args",
    [
        ("list",),
        ("check", "hostile-worker"),
        ("info", "hostile-worker"),
        ("run", "hostile-worker", "greet", "Ada"),
        ("run", "hostile-worker", "greet", "fail"),
        ("run", "hostile-worker", "greet", "--help"),
        ("run", "hostile-worker", "greet", "Ada", "--tone", "calm"),
        ("config",),
    ],
    ids=" ".join,
)
def test_a_foreign_worker_cannot_write_raw_either(
    plugin_env: PluginEnv, foreign: dict[str, str], args: tuple[str, ...]
) -> None:
    run(plugin_env, *args, code=None, **foreign)
    run(plugin_env, *args, "--json", code=None, **foreign)


def test_json_keeps_the_exact_text(plugin_env: PluginEnv) -> None:
    listed = json.loads(run(plugin_env, "list", "--json")[0])
    by_name = {p["name"]: p for p in listed}
    assert by_name["hostile-metadata"]["summary"] == SUMMARY
    assert "evil\x1b[31m-name" in by_name
    result = json.loads(
        run(plugin_env, "run", "hostile-metadata", "shout", "A", "--json")[0].strip()
    )
    assert result == f"{NASTY}A{NASTY}\nsecond line\tand a tab"
    info = json.loads(run(plugin_env, "info", "hostile-metadata", "--json")[0])
    assert info["manifest"]["summary"] == f"Summary {NASTY} from the docstring."


def test_a_forged_row_stays_inside_its_own_line(plugin_env: PluginEnv) -> None:
    stdout, _ = run(plugin_env, "list")
    rows = stdout.splitlines()
    listed = json.loads(run(plugin_env, "list", "--json")[0])
    assert len(rows) == len(listed) + 1
    (row,) = [r for r in rows if r.startswith("hostile-metadata ")]
    # Not a terminal: the summary is cut at 80 characters.
    start = rows[0].index("SUMMARY")
    assert row.endswith("...")
    assert len(row) - start == 80
    assert "Harmless\\x1b[2K" in row
    assert sum(r.startswith("greeter ") for r in rows) == 1


def test_escapes_are_shown_not_dropped(plugin_env: PluginEnv) -> None:
    stdout, stderr = run(plugin_env, "run", "hostile-metadata", "shout", "A")
    assert stdout == "\\x1b[2J\\x1b]0;pwned\\x07\\u202e\\x9b31m\\x7fA" + (
        "\\x1b[2J\\x1b]0;pwned\\x07\\u202e\\x9b31m\\x7f\nsecond line\tand a tab\n"
    )
    _, stderr = run(plugin_env, "run", "hostile-metadata", "fail", code=1)
    # A message may span lines, but no line of it can pass for one of plughost's.
    assert stderr.splitlines() == [
        "error: hostile-metadata fail: bad \\x1b[2J\\x1b]0;pwned\\x07\\u202e\\x9b31m\\x7f thing",
        "  forged: error line",
    ]
    stdout, stderr = run(plugin_env, "info", "hostile-metadata")
    assert stdout.splitlines()[0] == (
        "hostile-metadata: Summary \\x1b[2J\\x1b]0;pwned\\x07\\u202e\\x9b31m\\x7f"
        " from the docstring."
    )


def test_a_plugins_own_output_is_escaped_too(plugin_env: PluginEnv) -> None:
    stdout, stderr = run(plugin_env, "run", "hostile-metadata", "chatter")
    assert stdout == "done\n"
    assert "printed \\x1b[2J" in stderr
    assert "stdout \\x1b[2J" in stderr
    assert "logged \\x1b[2J" in stderr
    _, stderr = run(plugin_env, "run", "--isolated", "hostile-metadata", "chatter")
    assert "printed \\x1b[2J" in stderr
    assert "logged \\x1b[2J" in stderr
