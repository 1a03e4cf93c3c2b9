"""Turn ``plughost run NAME COMMAND ARGS...`` into a call, from the manifest alone.

Required parameters become positional arguments, the others ``--options``
(bools ``--x/--no-x``), a ``Literal`` a set of choices and a ``list`` repeated
values. Options the user leaves out are not passed, so the plugin's own
defaults apply.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from typing import Any

from .._contract.manifest import CommandSpec, Manifest, ParamSpec, TypeSpec
from .._plain import field, mutable
from .._terminal import show_value
from .parsing import REACHED, Parser
from .words import word_value

__all__ = ["RunRequest", "parse_command_line"]

_JSON = "plughost:json"
_DEBUG = "plughost:debug"


@mutable
class RunRequest:
    """What the command line asks for: a command and its arguments, or help."""

    command: str | None
    arguments: dict[str, Any] = field(default_factory=dict)
    as_json: bool = False
    debug: bool = False
    help_text: str = ""


def timeout_value(text: str) -> float:
    """Parse ``--timeout``: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def host_flags(words: Sequence[str], prog: str) -> tuple[bool, float | None]:
    """``--isolated`` and ``--timeout`` among the words after the plugin's name.

    They decide how the plugin is loaded, so they are read before the
    manifest (and the full parser built from it) is known.
    """
    isolated, timeout = False, None
    end = words.index("--") if "--" in words else len(words)
    i = 0
    while i < end:
        word = words[i]
        if word == "--isolated":
            isolated = True
        elif word == "--timeout" or word.startswith("--timeout="):
            if word == "--timeout":
                if i + 1 >= end:
                    from .output import UsageError

                    raise UsageError(f"{prog}: --timeout needs a number of seconds")
                i += 1
                text = words[i]
            else:
                text = word.partition("=")[2]
            try:
                timeout = timeout_value(text)
            except argparse.ArgumentTypeError as exc:
                from .output import UsageError

                raise UsageError(f"{prog}: argument --timeout: {exc}") from None
        i += 1
    return isolated, timeout


def _host_options(parser: argparse.ArgumentParser) -> None:
    """plughost's own options, under a heading of their own after the plugin's."""
    hidden = argparse.SUPPRESS
    group = parser.add_argument_group("plughost options")
    group.add_argument(
        "--json",
        dest=_JSON,
        action="store_true",
        default=argparse.SUPPRESS,
        help="print the result as JSON",
    )
    group.add_argument(
        "--debug",
        dest=_DEBUG,
        action="store_true",
        default=argparse.SUPPRESS,
        help=argparse.SUPPRESS,
    )
    group.add_argument(
        "--isolated",
        dest="plughost:isolated",
        action="store_true",
        default=hidden,
        help="run the plugin in a worker process",
    )
    group.add_argument(
        "--timeout",
        dest="plughost:timeout",
        type=timeout_value,
        default=hidden,
        metavar="SECONDS",
        help="fail a call that takes longer (implies --isolated)",
    )
    group.add_argument(
        "-h",
        "--help",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show this help and exit",
    )


def _build(manifest: Manifest, prog: str) -> tuple[Parser, dict[str, Parser]]:
    top = Parser(
        prog=prog,
        description="\n\n".join(x for x in (manifest.summary, manifest.description) if x),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
        usage=f"{prog} [--json] COMMAND [ARGS ...]",
    )
    _host_options(top)
    sub = top.add_subparsers(dest="plughost:command", metavar="COMMAND", parser_class=Parser)
    commands: dict[str, Parser] = {}
    for cmd in manifest.commands:
        p = sub.add_parser(
            cmd.name,
            prog=f"{prog} {cmd.name}",
            help=cmd.help,
            description="\n\n".join(x for x in (cmd.help, cmd.description) if x),
            formatter_class=argparse.RawDescriptionHelpFormatter,
            add_help=False,
        )
        for param in cmd.params:
            _add_param(p, param)
        _host_options(p)
        commands[cmd.name] = p
    return top, commands


def _add_param(parser: argparse.ArgumentParser, param: ParamSpec) -> None:
    t = param.type
    base = t.items if t.kind == "array" and t.items is not None else t
    convert = _converter(base)
    choices = list(base.enum) if base.enum is not None else None
    # The same words as `plughost info`: the type as described, then the default.
    about = (
        t.describe() if param.required else f"{t.describe()}; default: {show_value(param.default)}"
    )
    if t.kind == "array" and not param.required:
        about += "; repeat the option for several values"
    help_ = f"{param.help} ({about})" if param.help else f"({about})"
    kwargs: dict[str, Any] = {"help": help_, "default": argparse.SUPPRESS}
    if param.required:
        kwargs["metavar"] = param.name.upper()
        if t.kind == "array":
            kwargs["nargs"] = "+"
        parser.add_argument(param.name, type=convert, choices=choices, **kwargs)
        return
    flag = "--" + param.name.replace("_", "-")
    if t.kind == "boolean":
        parser.add_argument(flag, dest=param.name, action=argparse.BooleanOptionalAction, **kwargs)
        return
    if t.kind == "array":
        kwargs["action"] = "append"
    kwargs["metavar"] = param.name.upper()
    parser.add_argument(flag, dest=param.name, type=convert, choices=choices, **kwargs)


def _converter(t: TypeSpec) -> Callable[[str], Any]:
    if t.kind not in ("integer", "number", "boolean"):
        return str

    def convert(text: str) -> Any:
        try:
            return word_value(t.kind, text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def parse_command_line(manifest: Manifest, argv: Sequence[str], *, prog: str) -> RunRequest:
    """Parse the words after ``plughost run NAME`` against ``manifest``.

    Raises the CLI's UsageError (exit status 2) for words that do not fit.
    """
    top, commands = _build(manifest, prog)
    words = list(argv)
    before_dashdash = words[: words.index("--")] if "--" in words else words
    wants_help = any(w in ("-h", "--help") for w in before_dashdash)
    as_json = "--json" in before_dashdash
    if wants_help:
        command = next((w for w in before_dashdash if not w.startswith("-")), None)
        parser = commands.get(command, top) if command else top
        return RunRequest(None, as_json=as_json, help_text=parser.format_help().rstrip())
    if not any(not w.startswith("-") for w in before_dashdash):
        from .output import UsageError

        names = ", ".join(c.name for c in manifest.commands)
        raise UsageError(f"{prog}: give a command ({names}) (see `{prog} --help`)")
    namespace = top.parse_args(words)
    values = vars(namespace)
    command = values.pop("plughost:command")
    as_json = bool(values.pop(_JSON, False))
    debug = bool(values.pop(_DEBUG, False))
    values.pop("plughost:isolated", None)
    values.pop("plughost:timeout", None)
    values.pop("help", None)
    values.pop(REACHED, None)
    spec: CommandSpec | None = manifest.command(command)
    assert spec is not None
    return RunRequest(command, values, as_json, debug)
