"""Shell completion, driven the way the shells drive it.

bash is driven for real: the script ``plughost completion bash`` prints is
loaded the way the README says (``eval "$(plughost completion bash)"``) in
``bash -c``, its function is called with ``COMP_WORDS`` and ``COMP_CWORD``
set as readline sets them, and ``COMPREPLY`` is read back. zsh and fish
are not installed everywhere, so for them the test holds each script to
the exact words it hands to ``plughost __complete`` and runs that command
with those words. Every run goes through the real console script over the
real installed fixture plugins (``tests/packages/``), with caches private
to the test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from plughost._cli import arguments as _arguments
from plughost._cli import completion as _completion
from plughost._cli import completion_data as _completion_data
from plughost._cli import completion_scripts as _scripts
from plughost._cli.completion import is_safe
from plughost._discovery import index as _index
from plughost._discovery import records as _records
from support import PluginEnv, plughost_script

TOOLS_COMMANDS = [
    "echo",
    "add",
    "chatter",
    "wait",
    "refuse",
    "crash",
    "exit",
    "lie",
    "parent",
    "die",
    "flag-check",
]
SUBCOMMANDS = [
    "list",
    "info",
    "run",
    "check",
    "config",
    "verify",
    "install",
    "upgrade",
    "freeze",
    "uninstall",
    "new",
    "completion",
]


def _environ(env: PluginEnv, **extra: str) -> dict[str, str]:
    environ = env.environ(**extra)
    # The scripts call the `plughost` on PATH: the one of this environment.
    environ["PATH"] = os.pathsep.join([str(Path(plughost_script()).parent), environ["PATH"]])
    environ.pop("BASH_ENV", None)
    return environ


def protocol(env: PluginEnv, shell: str, *words: str, **extra: str) -> list[str]:
    """What ``plughost __complete SHELL WORD...`` prints, one candidate a line."""
    result = env.plughost("__complete", shell, *words, env=_environ(env, **extra), timeout=60)
    assert (result.returncode, result.stderr) == (0, ""), result
    return result.stdout.splitlines()


ROOT = Path(__file__).resolve().parent.parent


def readme_snippets() -> list[str]:
    """The code blocks of the README's "Shell completion" section, unindented."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Shell completion\n", 1)[1].split("\n### ", 1)[0]
    found = re.findall(r"^ *```\n(.*?)^ *```", section, re.MULTILINE | re.DOTALL)
    return ["\n".join(line.strip() for line in block.splitlines()) for block in found]


# How the README loads the script into bash, then the call readline would make.
_BASH_DRIVER = (
    readme_snippets()[0]
    + """
COMP_WORDS=("$@")
COMP_CWORD=$(( $# - 1 ))
_plughost_complete plughost "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\0' "${COMPREPLY[@]}"
"""
)


def bash(env: PluginEnv, *words: str, **extra: str) -> list[str]:
    """``COMPREPLY`` after bash's completion function ran for ``plughost WORD...``.

    The words are given as readline splits them (``--mode=q`` is ``--mode``,
    ``=``, ``q``); the last one is the word being completed.
    """
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", _BASH_DRIVER, "bash", "plughost", *words],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        env=_environ(env, **extra),
        cwd=env.home,
        stdin=subprocess.DEVNULL,
    )
    assert (result.returncode, result.stderr) == (0, ""), result
    return [c for c in result.stdout.split("\0") if c]


@pytest.fixture
def checked(plugin_env: PluginEnv) -> PluginEnv:
    """Every fixture plugin installed, and ``tools`` checked (its manifest recorded)."""
    result = plugin_env.plughost("check", "tools")
    assert result.returncode == 0, result
    return plugin_env


# -- the scripts ----------------------------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_has_a_script_that_asks_plughost(clean_env: PluginEnv, shell: str) -> None:
    result = clean_env.plughost("completion", shell)
    assert result.returncode == 0, result
    assert result.stdout == _scripts.script(shell)
    assert f"command plughost __complete {shell} " in result.stdout
    # No word of the command line or of a candidate is ever evaluated as shell code.
    code = "\n".join(x for x in result.stdout.splitlines() if not x.lstrip().startswith("#"))
    assert not re.search(r"\beval\b", code)


def test_the_readme_installs_what_plughost_prints(clean_env: PluginEnv) -> None:
    bash_line, zsh_save, zshrc, fish_save = readme_snippets()
    assert bash_line == 'eval "$(plughost completion bash)"'  # what every bash test runs
    assert "fpath=(~/.zfunc $fpath)" in zshrc and "compinit" in zshrc
    for line, saved, shell in (
        (zsh_save, ".zfunc/_plughost", "zsh"),
        (fish_save, ".config/fish/completions/plughost.fish", "fish"),
    ):
        result = subprocess.run(
            ["bash", "--norc", "--noprofile", "-c", line],
            capture_output=True,
            text=True,
            timeout=60,
            env=_environ(clean_env),
            cwd=clean_env.home,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, result
        assert (clean_env.home / saved).read_text(encoding="utf-8") == _scripts.script(shell)


def test_an_unknown_shell_is_a_usage_error(clean_env: PluginEnv) -> None:
    result = clean_env.plughost("completion", "tcsh")
    assert result.returncode == 2
    assert "invalid choice: 'tcsh'" in result.stderr
    assert clean_env.plughost("__complete", "tcsh", "").returncode == 2


def test_the_zsh_and_fish_scripts_send_the_words_up_to_the_cursor() -> None:
    """The exact words each script passes: the protocol tests below send the same."""
    zsh, fish = _scripts.script("zsh"), _scripts.script("fish")
    assert 'command plughost __complete zsh "${(@)words[2,CURRENT]}"' in zsh
    assert zsh.startswith("#compdef plughost\n")
    assert "compadd -- " in zsh and "_files" in zsh
    # fish: the tokens before the cursor, without `plughost`, then the current one.
    assert "set -l words (commandline -xpc 2>/dev/null; or commandline -opc)" in fish
    assert "set -e words[1]" in fish
    assert 'command plughost __complete fish $words "$current"' in fish
    assert "complete -c plughost -f -a '(__plughost_complete)'" in fish


# -- what completes ---------------------------------------------------------------


def test_subcommands_and_their_options(clean_env: PluginEnv) -> None:
    assert bash(clean_env, "") == SUBCOMMANDS
    assert bash(clean_env, "in") == ["info", "install"]
    assert bash(clean_env, "--") == ["--debug", "--no-plugins", "--help", "--json", "--version"]
    assert bash(clean_env, "--debug", "co") == ["config", "completion"]
    assert bash(clean_env, "list", "--") == [
        "--debug",
        "--no-plugins",
        "--help",
        "--json",
        "--refresh",
    ]
    assert bash(clean_env, "completion", "") == ["bash", "zsh", "fish"]
    assert bash(clean_env, "completion", "zsh", "") == []
    assert bash(clean_env, "nosuch", "") == []
    for shell in ("zsh", "fish"):
        assert protocol(clean_env, shell, "in") == ["info", "install"]
        assert protocol(clean_env, shell, "uninstall", "-") == [
            "--debug",
            "--no-plugins",
            "-h",
            "--help",
            "--json",
            "-y",
            "--yes",
            "--force",
            "-q",
            "--quiet",
            "-v",
            "--verbose",
        ]


def test_file_names_are_left_to_the_shell(clean_env: PluginEnv) -> None:
    for words in (["install", "./pl"], ["install", "-e", ""], ["new", "x", "--directory", ""]):
        assert protocol(clean_env, "zsh", *words) == [":files"]
        # bash lets readline complete the file name: no candidate of its own.
        assert bash(clean_env, *words) == []
    assert protocol(clean_env, "zsh", "install", "--index-url", "") == []
    assert protocol(clean_env, "zsh", "install", "--pr") == ["--pre"]


def test_plugin_names(plugin_env: PluginEnv) -> None:
    names = bash(plugin_env, "run", "")
    assert {"greeter", "calculator", "tools", "hostile-metadata", "import-error", "clash"} <= set(
        names
    )
    assert names == sorted(names)
    # An entry point whose name breaks the name rule is never offered.
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", n) for n in names)
    assert bash(plugin_env, "info", "gr") == ["greeter"]
    assert bash(plugin_env, "info", "greeter", "") == []
    # check, verify and uninstall take several: those given are not offered again.
    assert "greeter" not in bash(plugin_env, "check", "greeter", "")
    assert "tools" in bash(plugin_env, "check", "greeter", "")
    assert bash(plugin_env, "uninstall", "-y", "gre") == ["greeter"]
    # `--` ends the options: what follows is a plugin name, even after a dash.
    assert bash(plugin_env, "check", "--", "gr") == ["greeter"]
    assert bash(plugin_env, "check", "--", "--") == []
    for shell in ("zsh", "fish"):
        assert protocol(plugin_env, shell, "run", "--isolated", "ca") == ["calculator"]


def test_commands_options_and_choices_of_a_checked_plugin(checked: PluginEnv) -> None:
    assert bash(checked, "run", "tools", "") == TOOLS_COMMANDS
    assert bash(checked, "run", "tools", "e") == ["echo", "exit"]
    assert bash(checked, "run", "tools", "--") == ["--json", "--isolated", "--timeout", "--help"]
    # --json was given before the command: it is not offered again.
    assert bash(checked, "run", "tools", "--json", "echo", "hi", "--") == [
        "--isolated",
        "--timeout",
        "--help",
        "--count",
        "--shout",
        "--no-shout",
        "--mode",
        "--tags",
        "--ratio",
    ]
    # Literal choices after their option, in bash's split form of --mode=... too.
    assert bash(checked, "run", "tools", "echo", "hi", "--mode", "") == ["plain", "quoted"]
    assert bash(checked, "run", "tools", "echo", "hi", "--mode", "=", "") == ["plain", "quoted"]
    assert bash(checked, "run", "tools", "echo", "hi", "--mode", "=", "q") == ["quoted"]
    assert bash(checked, "run", "tools", "echo", "--count", "2", "--mode", "p") == ["plain"]
    # A bool pair is offered until one of it is given; a list option stays.
    after = bash(checked, "run", "tools", "echo", "--no-shout", "--tags", "a", "--")
    assert "--shout" not in after and "--no-shout" not in after and "--tags" in after
    # A required bool is positional: true or false.
    assert bash(checked, "run", "tools", "flag-check", "") == ["true", "false"]
    assert bash(checked, "run", "tools", "flag-check", "true", "") == []
    # After `--` every word is a value: no options.
    assert bash(checked, "run", "tools", "echo", "--", "--") == []
    # Any value (a str, a number) has nothing to offer.
    assert bash(checked, "run", "tools", "echo", "--count", "") == []
    assert bash(checked, "run", "tools", "--timeout", "") == []
    assert bash(checked, "run", "greeter", "") == []  # greeter was not checked here
    # zsh and fish get the word whole, and the candidates with it.
    for shell in ("zsh", "fish"):
        assert protocol(checked, shell, "run", "tools", "echo", "--mode=") == [
            "--mode=plain",
            "--mode=quoted",
        ]
        assert protocol(checked, shell, "run", "tools", "echo", "x", "--mode", "q") == ["quoted"]
        assert protocol(checked, shell, "run", "tools", "echo", "--s") == ["--shout"]


def test_a_literal_choice_of_the_first_party_greeter(clean_env: PluginEnv) -> None:
    assert clean_env.plughost("check", "greeter").returncode == 0
    assert bash(clean_env, "run", "greeter", "greet", "--l") == ["--language"]
    assert bash(clean_env, "run", "greeter", "greet", "Ada", "--language", "f") == ["fr"]


def test_a_plugin_never_checked_completes_its_name_only(plugin_env: PluginEnv) -> None:
    assert bash(plugin_env, "run", "too") == ["tools"]
    assert bash(plugin_env, "run", "tools", "") == []
    assert bash(plugin_env, "run", "tools", "--") == []
    assert bash(plugin_env, "run", "tools", "echo", "--mode", "") == []


def test_unknown_broken_and_contested_plugins_complete_nothing(checked: PluginEnv) -> None:
    assert checked.plughost("check", "import-error").returncode == 1
    for words in (
        ["run", "nosuch", ""],
        ["run", "nosuch", "--"],
        ["run", "import-error", ""],  # its check found it broken
        ["run", "clash", ""],  # two distributions provide it: neither loads
        ["run", "tools", "nosuch", ""],
        ["run", "tools", "nosuch", "--"],
        ["run", "not a name", ""],
    ):
        assert bash(checked, *words) == [], words
        for shell in ("zsh", "fish"):
            assert protocol(checked, shell, *words) == [], words


# -- hostile text -------------------------------------------------------------------

HOSTILE = [
    "two words",
    "x;touch INJECTED",
    "$(touch INJECTED)",
    "`touch INJECTED`",
    "a|b",
    "line\nbreak",
    "tab\there",
    "\x1b[31mred",
    "bidi\u202eevil",
    "zero\u200bwidth",
    "*",
    "~root",
    "'quoted'",
    '"quoted"',
    "back\\slash",
    ">out",
    "=cmd",
    ":files",
    "",
    "x" * 201,
]


def _poison(env: PluginEnv) -> None:
    """Put hostile strings into the recorded manifest of ``tools``, as a foreign one could hold."""
    path = env.cache_dir / "checks.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    (key,) = [k for k in data["plugins"] if k.startswith("tools=")]
    manifest = data["plugins"][key]["manifest"]
    text = {"type": "string"}
    params = [
        {"name": "mode", "type": {"type": "string", "enum": [*HOSTILE, "fine"]}, "required": False},
        {"name": "pick", "type": {"type": "string", "enum": [*HOSTILE, "ok"]}, "required": True},
        *({"name": name, "type": text, "required": False} for name in HOSTILE),
    ]
    manifest["commands"] = [
        *({"name": name, "help": "", "params": params} for name in HOSTILE),
        {"name": "safe", "help": "", "params": params},
    ]
    path.write_text(json.dumps(data), encoding="utf-8")


def test_hostile_strings_in_a_manifest_are_never_offered(checked: PluginEnv) -> None:
    _poison(checked)
    cases = {
        ("run", "tools", ""): ["safe"],
        ("run", "tools", "safe", ""): ["ok"],
        ("run", "tools", "safe", "--mode", ""): ["fine"],
        ("run", "tools", "safe", "--"): ["--json", "--isolated", "--timeout", "--help", "--mode"],
    }
    for words, expected in cases.items():
        assert bash(checked, *words) == expected, words
        for shell in ("zsh", "fish"):
            lines = protocol(checked, shell, *words)
            assert lines == expected, (shell, words)
    assert bash(checked, "run", "tools", "safe", "--mode", "=", "") == ["fine"]
    # Even the whole output holds nothing but safe words.
    raw = checked.plughost("__complete", "zsh", "run", "tools", "safe", "--mode=", env=None)
    assert raw.stdout == "--mode=fine\n"
    assert not list(checked.home.rglob("INJECTED"))


def test_names_from_hostile_metadata_are_checked_too(plugin_env: PluginEnv) -> None:
    # hostile-metadata also declares an entry point named "evil\x1b[31m-name".
    names = bash(plugin_env, "info", "")
    assert "hostile-metadata" in names
    assert not [n for n in names if "evil" in n]
    assert all(is_safe(n) for n in names)


def test_is_safe_keeps_plain_words_only() -> None:
    for word in ("greeter", "flag-check", "--mode=plain", "zh_Hans", "1.5", "-1", "a,b", "日本語"):
        assert is_safe(word), word
    for word in HOSTILE:
        assert not is_safe(word), word


# -- the index and the records --------------------------------------------------------


def test_the_index_reader_computes_what_the_index_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``_completion_data`` trusts an index only where ``_index`` would."""
    assert _completion_data.INDEX_FORMAT == _index.FORMAT
    assert _completion_data.RECORDS_FORMAT == _records._FORMAT
    assert _completion_data.path_key() == _index._path_key()
    assert _completion_data.index_file(str(tmp_path), "g") == str(_index._index_file(tmp_path, "g"))
    (tmp_path / "METADATA").write_text("Name: x\n", encoding="utf-8")
    assert _completion_data.dist_key(str(tmp_path)) == _index._dist_key(str(tmp_path))
    for name in ("PLUGHOST_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert _completion_data.cache_dir() == str(_records.default_cache_dir())
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _completion_data.cache_dir() == str(_records.default_cache_dir())
    monkeypatch.setenv("PLUGHOST_CACHE_DIR", str(tmp_path / "own"))
    assert _completion_data.cache_dir() == str(_records.default_cache_dir())


def _fake_plugin(folder: Path, name: str) -> None:
    """An installed distribution whose entry point names a module that does not exist."""
    info = folder / f"plughost_{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: plughost-{name}\nVersion: 1.0\n"
        "Requires-Dist: plughost<2,>=1.0\n",
        encoding="utf-8",
    )
    (info / "entry_points.txt").write_text(
        f"[plughost.plugins]\n{name} = plughost_nowhere_{name}:Plugin\n", encoding="utf-8"
    )
    (info / "RECORD").write_text("", encoding="utf-8")


def test_a_plugin_installed_after_the_index_was_written_completes(
    plugin_env: PluginEnv, tmp_path: Path
) -> None:
    extra = tmp_path / "later"
    extra.mkdir()
    plugin_env.extra_paths.append(extra)
    assert "latecomer" not in bash(plugin_env, "run", "")
    assert list(plugin_env.cache_dir.glob("index/*.json"))
    _fake_plugin(extra, "latecomer")
    assert "latecomer" in bash(plugin_env, "run", "")
    # It is never imported: its module does not even exist.
    assert bash(plugin_env, "run", "latecomer", "") == []


def test_a_damaged_index_or_records_file_is_no_error(checked: PluginEnv) -> None:
    assert bash(checked, "run", "tools", "") == TOOLS_COMMANDS
    (index,) = checked.cache_dir.glob("index/*.json")
    records = checked.cache_dir / "checks.json"
    index.unlink()
    os.mkfifo(index)  # a FIFO with no writer: reading it must not block
    records.write_text('{"format": 1, "plugins": [', encoding="utf-8")
    assert "tools" in bash(checked, "run", "")
    assert bash(checked, "run", "tools", "") == []
    records.unlink()
    os.mkfifo(records)
    assert bash(checked, "run", "tools", "") == []
    assert "tools" in bash(checked, "run", "", PLUGHOST_NO_INDEX="1")


def test_the_subcommand_table_is_the_parser() -> None:
    """``_completion.SUBCOMMANDS`` says what the argparse parser of ``_cli`` says."""
    parser = _arguments.build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "action"]
    choices = sub.choices
    assert isinstance(choices, dict)
    assert set(_completion.SUBCOMMANDS) == set(choices)
    for name, subparser in choices.items():
        flags, values, _ = _completion.SUBCOMMANDS[name]
        options = [a for a in subparser._actions if a.option_strings]
        assert set(flags) == {o for a in options if a.nargs == 0 for o in a.option_strings}, name
        assert set(values) == {o for a in options if a.nargs != 0 for o in a.option_strings}, name
    top = {o for a in parser._actions for o in a.option_strings}
    assert top == set(_completion._GLOBAL)
