"""The console script's arguments: every command of ``plughost``, its options and help.

Built only when a command line needs argparse (``--help``, an error, or a
command off the fast path); ``_cli.main`` dispatches what it parses.
"""

from __future__ import annotations

import argparse

from .. import __version__
from .parsing import Parser

__all__ = ["build_parser"]


def build_parser() -> Parser:
    """The parser of ``plughost`` and every one of its commands."""
    common = Parser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="log what plughost does and show tracebacks of errors",
    )
    common.add_argument(
        "--no-plugins",
        action="store_true",
        default=argparse.SUPPRESS,
        help="load no plugin at all (they show as disabled)",
    )
    as_json = Parser(add_help=False)
    as_json.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print JSON on stdout instead of text",
    )
    parser = Parser(
        prog="plughost",
        description="Discover, check and run plughost plugins.",
        parents=[common, as_json],
        epilog="Exit codes: 0 ok, 1 the plugin failed, 2 usage error, 3 plugin not found"
        " or not usable, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"plughost {__version__}")
    sub = parser.add_subparsers(dest="action", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    p = sub.add_parser(
        "list",
        parents=[common, as_json],
        help="list the installed plugins and their states (imports no plugin code)",
        description="List the installed plugins and their states, from metadata"
        " and earlier checks only: no plugin code is imported.",
    )
    p.add_argument(
        "--refresh",
        action="store_true",
        help="discover through stevedore again and rebuild the discovery index",
    )
    p = sub.add_parser(
        "info",
        parents=[common, as_json],
        help="show a plugin's details and commands",
        description="Show a plugin's distribution, state and commands.",
    )
    p.add_argument("name", metavar="NAME", help="the plugin's name")
    p = sub.add_parser(
        "run",
        parents=[common, as_json],
        help="run a command of a plugin",
        description="Run COMMAND of plugin NAME. `plughost run NAME --help` lists"
        " its commands; `plughost run NAME COMMAND --help` its parameters.",
        usage="plughost run [--json] [--isolated] [--timeout SECONDS] NAME [COMMAND [ARGS ...]]",
    )
    p.add_argument(
        "--isolated",
        action="store_true",
        help="run the plugin in a worker process (also: PLUGHOST_ISOLATE=NAME,...)",
    )
    p.add_argument(
        "--timeout",
        type=_timeout,
        metavar="SECONDS",
        help="fail a call that takes longer than this (implies --isolated)",
    )
    p.add_argument("name", metavar="NAME", help="the plugin's name")
    p.add_argument("rest", nargs=argparse.REMAINDER, metavar="COMMAND [ARGS ...]")
    sub.add_parser(
        "config",
        parents=[common, as_json],
        help="show the configuration file in use and the effective settings",
        description="Show the configuration file in use (PLUGHOST_CONFIG, else the user"
        " config directory), the cache directory and the effective value of every setting,"
        " with where each comes from. `plughost config path` prints the file's path alone.",
    ).add_argument(
        "what",
        nargs="?",
        choices=["path"],
        metavar="path",
        help="print only the path of the config file",
    )
    p = sub.add_parser(
        "new",
        parents=[common, as_json],
        help="create a new plugin project, ready to install, test and publish",
        description="Create a complete plugin distribution for the plugin NAME: pyproject.toml"
        " with the entry point, src/plughost_NAME/ with an example command, tests that use"
        " plughost.testing, a README and a noxfile.",
    )
    p.add_argument("name", metavar="NAME", help="the plugin's name, such as word-count")
    p.add_argument(
        "--directory",
        metavar="DIR",
        help="where to create it (default: ./plughost-NAME)",
    )
    p = sub.add_parser(
        "verify",
        parents=[common, as_json],
        help="check the plugins' installed files against their RECORD hashes",
        description="Check every file of each plugin's distribution against the sha256 hash"
        " and size in its RECORD; report changed, missing and unverifiable files, .pth files"
        " that run code and files shared with another distribution. Exits 1 on a mismatch.",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="plugins to verify (default: all)")
    # install, upgrade, uninstall and freeze: pip, made safe (plughost._manage).
    install = sub.add_parser(
        "install",
        parents=[common, as_json],
        help="pip-install plugin distributions, check them, roll back if they are not ok",
        description="Install plugin distributions with pip into plughost's own environment,"
        " never changing plughost itself, and never overwriting a file of another"
        " distribution; then check the plugins they register in a child process, and roll"
        " back to exactly the previous files if one registers no plugin or a plugin that is"
        " not ok (unless --keep).",
        usage="%(prog)s [options] (SPEC... | -r FILE | -e PATH | --repair)",
    )
    install.add_argument("specs", nargs="*", metavar="SPEC", help="what pip should install")
    install.add_argument(
        "-r",
        "--requirement",
        action="append",
        default=[],
        metavar="FILE",
        help="install what the requirements file FILE names (as pip reads it; repeatable)",
    )
    install.add_argument("-U", "--upgrade", action="store_true", help="passed to pip")
    install.add_argument(
        "--force-reinstall",
        action="store_true",
        help="reinstall what is named even if it is up to date (not its dependencies)",
    )
    install.add_argument(
        "-e", "--editable", action="append", default=[], metavar="PATH", help="passed to pip"
    )
    upgrade = sub.add_parser(
        "upgrade",
        parents=[common, as_json],
        help="upgrade plugin distributions (all by default), checked and rolled back as install",
        description="Upgrade the named plugins or plugin distributions (default: every plugin"
        " distribution installed from an index) to the newest releases pip finds that fit"
        " this plughost: plughost install -U of those distributions, with the same checks"
        " and rollback.",
    )
    upgrade.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="plugins or distributions to upgrade (default: every plugin distribution)",
    )
    for p in (install, upgrade):
        p.add_argument("--pre", action="store_true", help="passed to pip")
        p.add_argument("--no-index", action="store_true", help="passed to pip")
        p.add_argument("-i", "--index-url", metavar="URL", help="passed to pip")
        p.add_argument(
            "--extra-index-url", action="append", default=[], metavar="URL", help="passed to pip"
        )
        p.add_argument(
            "-f", "--find-links", action="append", default=[], metavar="URL", help="passed to pip"
        )
        p.add_argument("--keep", action="store_true", help="keep what was installed even if not ok")
        p.add_argument(
            "--allow-pth",
            action="store_true",
            help="allow a .pth file (or sitecustomize) that runs code at every Python start",
        )
    install.add_argument(
        "--repair",
        action="store_true",
        help="undo what an interrupted install or uninstall left half-done (then install SPECs)",
    )
    uninstall = sub.add_parser(
        "uninstall",
        parents=[common, as_json],
        help="uninstall plugins by plugin or distribution name (works for broken ones too)",
        description="Uninstall the distributions behind the named plugins (or the named"
        " distributions), whatever state the plugins are in. plughost, pip and what"
        " plughost depends on are never removed.",
    )
    uninstall.add_argument("targets", nargs="+", metavar="NAME|DIST")
    uninstall.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    uninstall.add_argument(
        "--force",
        action="store_true",
        help="also remove a distribution that provides no plugin",
    )
    for p in (install, upgrade, uninstall):
        loud = p.add_mutually_exclusive_group()
        loud.add_argument(
            "-v",
            "--verbose",
            action="count",
            default=0,
            help="show pip's own output too (-vv: pip's verbose output)",
        )
        loud.add_argument(
            "-q",
            "--quiet",
            action="store_true",
            help="show no steps, only warnings and errors (and with --json, the outcome)",
        )
    sub.add_parser(
        "freeze",
        parents=[common, as_json],
        help="print the installed plugin distributions as pinned requirements",
        description="Print the installed plugin distributions, one requirement per line,"
        " sorted, as pip freeze writes them (name==version; a path, URL or editable project"
        " as installed), so that `plughost install -r FILE` installs the same set elsewhere.",
    )
    p = sub.add_parser(
        "check",
        parents=[common, as_json],
        help="import and validate plugins; exit 1 if any is not ok",
        description="Import and validate the plugins (all, or those named) and"
        " report every problem. Exits 1 when any plugin checked is not ok.",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="plugins to check (default: all)")
    p.add_argument(
        "--isolated",
        action="store_true",
        help="check each plugin in a worker process, never importing it here",
    )
    p.add_argument(
        "--timeout",
        type=_timeout,
        metavar="SECONDS",
        help="fail a plugin whose import and start take longer (implies --isolated)",
    )
    p = sub.add_parser(
        "completion",
        parents=[common],
        help="print the shell completion script for bash, zsh or fish",
        description="Print the script that completes plughost's commands, options, plugin"
        ' names and plugin commands in SHELL. bash: eval "$(plughost completion bash)" in'
        " ~/.bashrc; zsh: save it as _plughost in a folder of $fpath; fish: save it as"
        " ~/.config/fish/completions/plughost.fish. It imports no plugin.",
    )
    p.add_argument(
        "shell", choices=("bash", "zsh", "fish"), metavar="SHELL", help="bash, zsh or fish"
    )
    return parser


def _timeout(text: str) -> float:
    from .runargs import timeout_value

    return timeout_value(text)
