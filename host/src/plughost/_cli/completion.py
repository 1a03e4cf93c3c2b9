"""Shell completion: what may come next on a ``plughost`` command line.

The completion scripts (``plughost completion bash|zsh|fish``, in
``completion_scripts``) are small: at every TAB they run

    plughost __complete SHELL WORD... CURRENT

with the words after ``plughost`` up to the one being completed, which comes
last (empty when the cursor is after a space). It prints the candidates that
start with CURRENT, one a line, or the single line ``:files`` when CURRENT is
a file name (the script then lets the shell complete files). Nothing else
reaches stdout; an error is one line on stderr, which the scripts drop.

Where the words come from: subcommands and their options from the table
below (a test holds it to the real argparse parser, which is never built
here); plugin names from the discovery index; a plugin's commands, options
and ``Literal`` choices from the manifest its latest ``ok`` check record
holds. A plugin never checked has no record: only its name completes.
``_completion_data`` reads both files without importing discovery, and no
plugin code is ever imported.

Everything offered may come from a plugin (names, command names, choices),
so a candidate is offered only if it is made of letters, digits and
``._+,@/-`` (and ``=`` after its first character): nothing a shell would
read as anything but one plain word. Any other candidate (whitespace,
quotes, ``$``, ``;``, ``*``, a control character...) is dropped, never
escaped: a choice no one can type plainly is not worth the risk of quoting
it wrong in three shells.
"""

from __future__ import annotations

import re

from .._discovery.names import is_plugin_name
from .completion_data import InstalledPlugins
from .output import EXIT_FAILED, EXIT_OK, EXIT_USAGE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from .output import Output

__all__ = ["FILES", "SHELLS", "SUBCOMMANDS", "answer", "complete", "is_safe"]

#: The shells the scripts are written for.
SHELLS = ("bash", "zsh", "fish")
#: The line that asks the shell to complete a file name instead.
FILES = ":files"

_PLUGIN, _PLUGINS = "plugin", "plugins"
_COMMON = ("--debug", "--no-plugins", "-h", "--help")
_GLOBAL = (*_COMMON, "--json", "--version")

#: Each subcommand: its flags, its options that take a value (with what the
#: value is: FILES or nothing to offer), and what its positional arguments
#: are (one plugin, plugins, file names, fixed choices, or nothing to offer).
SUBCOMMANDS: dict[str, tuple[tuple[str, ...], dict[str, str | None], object]] = {
    "list": ((*_COMMON, "--json", "--refresh"), {}, None),
    "info": ((*_COMMON, "--json"), {}, _PLUGIN),
    "run": ((*_COMMON, "--json", "--isolated"), {"--timeout": None}, _PLUGIN),
    "check": ((*_COMMON, "--json", "--isolated"), {"--timeout": None}, _PLUGINS),
    "config": ((*_COMMON, "--json"), {}, ("path",)),
    "verify": ((*_COMMON, "--json"), {}, _PLUGINS),
    "install": (
        (
            *_COMMON,
            *("--json", "-U", "--upgrade", "--pre", "--no-index", "--force-reinstall"),
            *("--keep", "--allow-pth", "--repair", "-q", "--quiet", "-v", "--verbose"),
        ),
        {
            "-e": FILES,
            "--editable": FILES,
            "-r": FILES,
            "--requirement": FILES,
            "-i": None,
            "--index-url": None,
            "--extra-index-url": None,
            "-f": FILES,
            "--find-links": FILES,
        },
        FILES,
    ),
    "upgrade": (
        (
            *_COMMON,
            *("--json", "--pre", "--no-index", "--keep", "--allow-pth"),
            *("-q", "--quiet", "-v", "--verbose"),
        ),
        {
            "-i": None,
            "--index-url": None,
            "--extra-index-url": None,
            "-f": FILES,
            "--find-links": FILES,
        },
        _PLUGINS,
    ),
    "freeze": ((*_COMMON, "--json"), {}, None),
    "uninstall": (
        (*_COMMON, "--json", "-y", "--yes", "--force", "-q", "--quiet", "-v", "--verbose"),
        {},
        _PLUGINS,
    ),
    "new": ((*_COMMON, "--json"), {"--directory": FILES}, None),
    "completion": (_COMMON, {}, SHELLS),
}

# The options `plughost run NAME` takes next to the plugin's own (--debug too,
# but it is not offered: it is hidden in the plugin's help as well).
_RUN_FLAGS = ("--json", "--isolated", "--debug", "-h", "--help")
_RUN_OFFERED = ("--json", "--isolated", "--timeout", "--help")

# Inert in bash, zsh and fish inside a word; `=` only after its first character
# (zsh expands a leading `=cmd`). `:` is left out so that no candidate can
# be mistaken for the FILES line.
_SAFE_PUNCTUATION = frozenset("._+,@/-=")
_LONGEST = 200
# What _runargs reads as a negative number rather than an option.
_NEGATIVE = re.compile(r"-(?:\.?\d|inf|nan)", re.IGNORECASE)


def is_safe(word: str) -> bool:
    """Whether ``word`` can be handed to a shell as it is: one plain word, no expansion."""
    return (
        0 < len(word) <= _LONGEST
        and word[0] != "="
        and all(c.isalnum() or c in _SAFE_PUNCTUATION for c in word)
    )


def answer(argv: Sequence[str], out: Output) -> int:
    """``plughost __complete SHELL WORD...``: print the candidates, one a line."""
    if not argv or argv[0] not in SHELLS:
        out.note(f"usage: plughost __complete {{{','.join(SHELLS)}}} WORD... CURRENT")
        return EXIT_USAGE
    try:
        found = complete(argv[0], argv[1:], InstalledPlugins())
    except Exception as exc:  # a TAB must never break the prompt: nothing to offer
        out.note(f"plughost __complete: {type(exc).__name__}: {exc}")
        return EXIT_FAILED
    encoding = getattr(out.stream, "encoding", None) or "utf-8"
    for candidate in found:
        try:
            candidate.encode(encoding)
        except (UnicodeError, LookupError):
            continue  # a choice this terminal cannot show cannot be typed either
        out.write(candidate)
    return EXIT_OK


def complete(shell: str, words: Sequence[str], plugins: InstalledPlugins) -> list[str]:
    """The candidates for the last of ``words``, the words after ``plughost``.

    Only safe words (:func:`is_safe`) that start with the last word, each
    once; or ``[FILES]``. For bash, whose ``COMP_WORDBREAKS`` cut
    ``--mode=quoted`` into three words, the candidates are what replaces the
    part after ``=``.
    """
    listed = list(words) or [""]
    strip = 0
    if shell == "bash":
        listed, strip = _rejoin(listed)
    *before, current = listed
    found = _after(before, current, plugins)
    if found == [FILES]:
        return found
    seen: set[str] = set()
    result = []
    for candidate in found:
        shown = candidate[strip:]
        if candidate in seen or not candidate.startswith(current) or not is_safe(shown):
            continue
        seen.add(candidate)
        result.append(shown)
    return result


def _rejoin(words: list[str]) -> tuple[list[str], int]:
    """Join bash's ``--opt``, ``=``, ``value`` back into ``--opt=value``.

    Returns the words and, when the last word was joined, the length of its
    ``--opt=`` part: bash replaces only what comes after the ``=``.
    """
    joined: list[str] = []
    strip = 0
    gluing = False
    for i, word in enumerate(words):
        last = i == len(words) - 1
        if word == "=" and joined and joined[-1].startswith("--") and "=" not in joined[-1]:
            joined[-1] += "="
            gluing = True
            strip = len(joined[-1]) if last else 0
        elif gluing:
            gluing = False
            strip = len(joined[-1]) if last else 0
            joined[-1] += word
        else:
            joined.append(word)
            strip = 0
    return joined, strip


def _after(before: list[str], current: str, plugins: InstalledPlugins) -> list[str]:
    """Every candidate for ``current`` after the words ``before`` (unfiltered)."""
    i = 0
    while i < len(before) and before[i].startswith("-"):
        i += 1  # --debug, --no-plugins (--help and --version end the line anyway)
    if i == len(before):
        return list(_GLOBAL) if current.startswith("-") else list(SUBCOMMANDS)
    sub = before[i]
    if sub not in SUBCOMMANDS:
        return []
    flags, values, kind = SUBCOMMANDS[sub]
    rest = before[i + 1 :]
    given: list[str] = []
    pending: str | None = None
    ended = False  # by `--`: every word after it is a positional argument
    for j, word in enumerate(rest):
        if pending is not None:
            pending = None
        elif not ended and word == "--":
            ended = True
        elif not ended and word.startswith("-") and word != "-":
            if "=" not in word and word in values:
                pending = word
        elif sub == "run":
            return _after_plugin(plugins, word, rest[j + 1 :], current, ended)
        else:
            given.append(word)
    if pending is not None:
        return [FILES] if values[pending] == FILES else []
    if not ended and current.startswith("-"):
        return [] if "=" in current else [*flags, *values]
    if kind == FILES:
        return [FILES]
    if kind == _PLUGIN:
        return [] if given else plugins.names()
    if kind == _PLUGINS:
        return [n for n in plugins.names() if n not in given]
    if isinstance(kind, tuple):
        return [] if given else [str(k) for k in kind]
    return []


class _Param:
    """What completion needs of one parameter of a command, from a manifest's JSON data."""

    __slots__ = ("choices", "flags", "repeated", "required", "takes_value")

    def __init__(self, data: dict[str, Any]) -> None:
        name = data.get("name")
        spec = data.get("type")
        spec = spec if isinstance(spec, dict) else {}
        self.repeated = spec.get("type") == "array"
        base = spec.get("items") if self.repeated else spec
        base = base if isinstance(base, dict) else {}
        enum = base.get("enum")
        if isinstance(enum, list):
            # Checked one by one too, for `--mode=` + a choice must be safe as a whole.
            self.choices = [str(v) for v in enum if _is_choice(v) and is_safe(str(v))]
        elif base.get("type") == "boolean":
            self.choices = ["true", "false"]
        else:
            self.choices = []
        self.required = data.get("required") is True
        option = ""
        # A name fit for an option: not "", "=x" or "-x", which would make "--", "--=x", "---x".
        if isinstance(name, str) and name[:1].isalnum() and "=" not in name:
            option = "--" + name.replace("_", "-")
        # An optional bool is a flag pair (--x/--no-x), never followed by a value.
        flag_pair = not self.required and not self.repeated and spec.get("type") == "boolean"
        self.takes_value = not flag_pair
        if self.required or not option:
            self.flags: tuple[str, ...] = ()
        elif flag_pair:
            self.flags = (option, "--no-" + option[2:])
            self.choices = []
        else:
            self.flags = (option,)


def _is_choice(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _commands(manifest: dict[str, Any]) -> dict[str, list[_Param]]:
    """A manifest's commands and their parameters (what is of another shape is left out)."""
    commands: dict[str, list[_Param]] = {}
    raw = manifest.get("commands")
    for cmd in raw if isinstance(raw, list) else ():
        if not isinstance(cmd, dict) or not isinstance(cmd.get("name"), str):
            continue
        if cmd["name"].startswith("-"):
            continue  # it would be read as an option: no one can call it
        params = cmd.get("params")
        commands[cmd["name"]] = [
            _Param(p) for p in (params if isinstance(params, list) else ()) if isinstance(p, dict)
        ]
    return commands


def _after_plugin(
    plugins: InstalledPlugins, name: str, rest: list[str], current: str, ended: bool
) -> list[str]:
    """Candidates after ``plughost run NAME``: from the manifest of NAME's last check."""
    manifest = plugins.manifest(name) if is_plugin_name(name) else None
    if manifest is None:
        return []
    commands = _commands(manifest)
    params: list[_Param] = []
    options: dict[str, _Param | None] = dict.fromkeys(_RUN_FLAGS)
    takes_value = {"--timeout"}
    used: set[str] = set()
    command: str | None = None
    positional = 0
    pending: str | None = None
    for word in rest:
        if pending is not None:
            pending = None
        elif not ended and word == "--":
            ended = True
        elif not ended and word.startswith("-") and not _NEGATIVE.match(word):
            flag = word.partition("=")[0]
            used.add(flag)
            if "=" not in word and flag in takes_value:
                pending = flag
        elif command is None:
            if word not in commands:
                return []
            command, params = word, commands[word]
            for param in params:
                options.update(dict.fromkeys(param.flags, param))
                if param.takes_value:
                    takes_value.update(param.flags)
        else:
            positional += 1
    if pending is not None:
        taking = options.get(pending)
        return list(taking.choices) if taking is not None else []
    if not ended and current.startswith("-") and not _NEGATIVE.match(current):
        flag, eq, _ = current.partition("=")
        if eq:
            taking = options.get(flag)
            return [f"{flag}={c}" for c in taking.choices] if taking is not None else []
        offered = [f for f in _RUN_OFFERED if f not in used]
        for param in params:
            if param.repeated or not used.intersection(param.flags):
                offered.extend(param.flags)
        return offered
    if command is None:
        return list(commands)
    positionals = [p for p in params if p.required]
    if positional < len(positionals):
        return list(positionals[positional].choices)
    if positionals and positionals[-1].repeated:
        return list(positionals[-1].choices)
    return []


# -- the scripts ---------------------------------------------------------------
#
# Each hands the words to `plughost __complete` as separate arguments, never
# through eval, and reads one candidate a line: no word of the command line
# or of a candidate is ever run as shell code. Each asks the `plughost` on
# PATH.
