"""The commands on plugins (``list``, ``info``, ``check``, ``run``), and every handler.

Each takes the parsed arguments and the CLI's output, and returns an exit
code; errors are raised and turned into one line by ``_cli.main``.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from .._terminal import cut, one_line, show_value, terminal_width
from . import environment
from .completion_scripts import completion_command
from .config_command import config_command
from .context import check_name, host_from
from .fast import list_lines
from .logs import configure_logging
from .new_project import new_project
from .output import EXIT_FAILED, EXIT_OK, EXIT_UNAVAILABLE, Output, format_result

if TYPE_CHECKING:
    from .._host import PluginInfo

__all__ = ["HANDLERS"]

log = logging.getLogger("plughost")

#: The widest a plugin's name is shown in a table.
_CELL = 40


def _cmd_list(args: argparse.Namespace, out: Output) -> int:
    from .._manage.interrupted import interrupted_install_warning

    if warning := interrupted_install_warning():
        log.warning("%s", warning)
    plugins = host_from(args).plugins()
    if args.__dict__.get("json"):
        out.json([p.to_dict() for p in plugins])
        return EXIT_OK
    rows = [
        (p.name, p.state.value, p.distribution, p.version, p.summary, p.reason) for p in plugins
    ]
    lines, note = list_lines(rows, terminal_width(out.stream, default=0))
    for line in lines:
        out.write(line)
    if note:
        out.note(note)
    return EXIT_OK


def _cmd_info(args: argparse.Namespace, out: Output) -> int:
    from .._discovery.states import PluginState

    check_name(args.name)
    host = host_from(args)
    info = host.info(args.name)
    if info.state is PluginState.UNCHECKED or (info.state is PluginState.OK and not info.manifest):
        out.shield()
        info = host.check([args.name])[0]
    if args.__dict__.get("json"):
        out.json(info.to_dict())
    else:
        _print_info(out, info)
    return EXIT_OK if info.state is PluginState.OK else EXIT_UNAVAILABLE


def _print_info(out: Output, info: PluginInfo) -> None:
    """Everything about one plugin, whole, each field escaped onto its line."""
    # The plugin's own summary (its docstring's first line) once it is known;
    # `list` shows its distribution's, which needs no import.
    own = info.manifest.summary if info.manifest is not None else info.summary
    name, summary = one_line(info.name), one_line(own)
    out.write(f"{name}: {summary}" if summary else name)
    out.write(f"  state:        {info.state.value}")
    if info.reason:
        out.write(f"  reason:       {one_line(info.reason)}")
    for problem in info.problems[1:]:
        out.write(f"                {one_line(problem)}")
    if info.distribution:
        out.write(f"  distribution: {one_line(f'{info.distribution} {info.version}')}")
    if info.target:
        out.write(f"  entry point:  {one_line(info.target)}")
    if info.requires:
        out.write(f"  requires:     {one_line(info.requires)}")
    if info.urls:
        out.write("  project urls:")
        width = max(len(one_line(label)) for label, _ in info.urls)
        for label, url in info.urls:
            out.write(f"    {one_line(label):<{width}}  {one_line(url)}")
    if info.manifest is None:
        return
    if info.manifest.description:
        out.write("")
        for line in info.manifest.description.splitlines():
            out.write(f"  {one_line(line)}".rstrip())
    out.write("")
    out.write("commands:")
    for cmd in info.manifest.commands:
        params = " ".join(
            p.name.upper()
            if p.required
            else f"[--{p.name.replace('_', '-')}"
            + ("" if p.type.kind == "boolean" else f" {p.name.upper()}")
            + "]"
            for p in cmd.params
        )
        out.write(one_line(f"  {cmd.name} {params}".rstrip()))
        out.write(f"      {one_line(cmd.help)}")
        for p in cmd.params:
            extra = f" (default: {show_value(p.default)})" if not p.required else ""
            help_ = f": {p.help}" if p.help else ""
            out.write(f"      {one_line(f'{p.name}  {p.type.describe()}{extra}{help_}')}")
        out.write(f"      returns {one_line(cmd.returns.describe())}")
    # None: the plugin declares no settings (its table reaches it unchecked).
    if info.manifest.settings is not None:
        out.write("")
        out.write("settings:" if info.manifest.settings else "settings: none")
        width = max((len(s.name) for s in info.manifest.settings), default=0)
        for s in info.manifest.settings:
            help_ = f": {s.help}" if s.help else ""
            default = show_value(s.default)
            shown = f"{s.name.ljust(width)}  {s.type.describe()} (default: {default}){help_}"
            out.write(f"  {one_line(shown)}")


def _cmd_check(args: argparse.Namespace, out: Output) -> int:
    for name in args.names:
        check_name(name)
    out.shield()
    results = host_from(args).check(
        args.names or None, isolated=args.isolated, start_timeout=args.timeout
    )
    if args.__dict__.get("json"):
        out.json([r.to_dict() for r in results])
    else:
        if not results:
            out.write("no plugins installed")
        names = [cut(r.name, _CELL) for r in results]
        width = max(map(len, names), default=0)
        for name, r in zip(names, results, strict=True):
            if r.state.value == "ok":
                out.write(f"{name.ljust(width)}  ok")
                continue
            problems = r.problems or (r.reason,)
            out.write(f"{name.ljust(width)}  {r.state.value}: {one_line(problems[0])}")
            for problem in problems[1:]:
                out.write(f"{' ' * width}  {' ' * len(r.state.value)}  {one_line(problem)}")
    # A plugin the user disabled is their choice, not a failure of the check.
    fine = ("ok", "disabled")
    return EXIT_OK if all(r.state.value in fine for r in results) else EXIT_FAILED


def _cmd_run(args: argparse.Namespace, out: Output) -> int:
    from .runargs import host_flags, parse_command_line

    check_name(args.name)
    prog = f"plughost run {args.name}"
    isolated, timeout = host_flags(args.rest, prog)
    isolated = isolated or args.isolated or timeout is not None or args.timeout is not None
    timeout = timeout or args.timeout
    out.shield()
    host = host_from(args)
    with host.load(args.name, isolated=isolated or None, timeout=timeout) as plugin:
        request = parse_command_line(plugin.manifest, list(args.rest), prog=prog)
        out.as_json = out.as_json or request.as_json
        if request.debug and not out.debug:
            out.debug = True
            configure_logging(True, out.err)
        if request.command is None:
            out.write(request.help_text)
            return EXIT_OK
        result = plugin.call(request.command, **request.arguments)
    if out.as_json:
        out.json(result, indent=None)
    else:
        text = format_result(result)
        if text:
            out.write(text)
    return EXIT_OK


HANDLERS: dict[str, Callable[[argparse.Namespace, Output], int]] = {
    "new": new_project,
    "verify": environment.verify,
    "install": environment.install,
    "upgrade": environment.upgrade,
    "uninstall": environment.uninstall,
    "freeze": environment.freeze,
    "config": config_command,
    "list": _cmd_list,
    "info": _cmd_info,
    "run": _cmd_run,
    "check": _cmd_check,
    "completion": completion_command,
}
