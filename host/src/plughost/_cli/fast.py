"""The console script's fast path: a plain ``plughost list`` without the parser.

``console`` asks :func:`answer` first. For exactly ``plughost list`` it reads
the discovery index and the check records with ``os`` and ``json`` alone
(``_discovery.lean``, ``_discovery.index_data``: the same checks ``_index``
and ``_records`` make) and prints the table through the same code as the
full path (:func:`list_lines`, ``_terminal``). Whenever it cannot be sure
the full path would print the same bytes, it answers None and the full path
runs, from the start, as if it had not been asked:

- any other word on the command line (``--json``, ``--debug``, ``--refresh``,
  ``--no-plugins``, another command);
- a variable that changes the outcome (``PLUGHOST_NO_INDEX``,
  ``PLUGHOST_PLUGINS``, ``PLUGHOST_DISABLE``, ``PLUGHOST_ISOLATE``), a
  config file that is not empty (reading TOML needs ``tomllib``, and the
  policy's checks), ``PLUGHOST_CONFIG`` naming nothing, or any file there
  that cannot be read;
- a closed standard descriptor, an interrupted install to report;
- an index that is missing, stale, damaged or that names an entry point its
  distribution does not declare; a plugin name that is provided twice, or
  is shadowed by a stale copy (each says something on
  stderr or in the table that only the full path words);
- a check record that matches its plugin's fingerprint but whose manifest is
  not the one plughost recorded (``manifest_sha256``), which only the full
  path can judge;
- text that the output streams cannot encode, or anything unexpected.

``PLUGHOST_NO_FAST_PATH=1`` turns it off (the tests compare both paths).
"""

from __future__ import annotations

import os
import sys

from .. import ENTRY_POINT_GROUP
from .._discovery.index_data import index_entries, undeclared
from .._discovery.lean import (
    cache_dir,
    config_path,
    editable_project,
    fingerprint,
    journal_present,
    manifest_digest,
    own_metadata,
    read_bounded,
    read_records,
    record_key,
)
from .._discovery.names import bad_name_reason, is_plugin_name
from .._terminal import SafeStream, cut, escape, one_line, terminal_width

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

__all__ = [
    "CONFIG_LIMIT",
    "OUTCOME_VARIABLES",
    "Row",
    "answer",
    "list_lines",
    "quiet_entries",
    "quiet_policy",
    "reader_gone",
    "standard_streams",
]

#: A plugin as ``list`` shows it: name, state, distribution, version, summary, reason.
Row = tuple[str, str, "str | None", "str | None", str, str]

#: The variables that change what ``list`` shows; when one is set, the full path runs.
OUTCOME_VARIABLES = (
    "PLUGHOST_NO_INDEX",
    "PLUGHOST_PLUGINS",
    "PLUGHOST_DISABLE",
    "PLUGHOST_ISOLATE",
)
#: The largest config file read (``_policy.config``'s limit).
CONFIG_LIMIT = 1 << 20
_STATES = frozenset(
    {"ok", "disabled", "conflict", "incompatible", "broken", "invalid", "unchecked"}
)
#: The widest a plugin's name or distribution is shown in a table.
_CELL = 40
#: The widest a summary is shown in a table when the output is not a terminal.
_SUMMARY = 80


def list_lines(rows: Sequence[Row], width: int) -> tuple[list[str], str | None]:
    """The lines ``list`` prints on stdout for ``rows``, and its note for stderr.

    ``width`` is the terminal's (0 when stdout is not a terminal). Shared by
    the full path (``_cli.commands``) and the fast path.
    """
    if not rows:
        return ["no plugins installed; install one with `pip install plughost-greeter`"], None
    table = [("NAME", "STATE", "DISTRIBUTION", "SUMMARY")]
    for name, state, dist, version, _, _ in rows:
        shown = f"{dist} {version}" if dist else "-"
        table.append((cut(name, _CELL), state, cut(shown, _CELL), ""))
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    # On a terminal the summary fills the rest of the line; elsewhere (a pipe,
    # a file) it is cut at 80 characters.
    room = max(width - sum(widths) - 2 * len(widths), 20) if width else _SUMMARY
    lines = ["  ".join([*(c.ljust(w) for c, w in zip(table[0], widths, strict=False)), "SUMMARY"])]
    for cells, (_, state, _, _, summary, reason) in zip(table[1:], rows, strict=True):
        # A summary is cut so that the table stays one line per plugin; a
        # reason is shown whole: it says what to do.
        last = cut(summary, room) if state in ("ok", "unchecked") else one_line(reason)
        padded = [c.ljust(w) for c, w in zip(cells, widths, strict=False)]
        lines.append("  ".join([*padded, last]).rstrip())
    unchecked = sum(1 for row in rows if row[1] == "unchecked")
    if not unchecked:
        return lines, None
    plugins = "1 plugin" if unchecked == 1 else f"{unchecked} plugins"
    return lines, (
        f"note: {plugins} not checked since installed or changed;"
        " `plughost check` imports and validates them"
    )


def reader_gone(stream: Any) -> int:
    """The reader went away (`plughost list | head -1`): stop quietly, with status 0."""
    import contextlib

    devnull = os.open(os.devnull, os.O_WRONLY)
    for each in (stream, sys.stdout):
        # Nothing more may reach the pipe: not even the flush at exit.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(devnull, each.fileno())
    os.close(devnull)
    return 0


def answer(argv: Sequence[str]) -> int | None:
    """Print ``plughost list`` and return its exit code, or None: the full path must run."""
    if list(argv) != ["list"] or os.environ.get("PLUGHOST_NO_FAST_PATH"):
        return None
    try:
        try:
            rows = _rows()
            prepared = None if rows is None else _prepare(rows)
        except KeyboardInterrupt:
            raise
        except Exception:
            return None  # nothing written yet: the full path decides
        return None if prepared is None else _show(*prepared)
    except KeyboardInterrupt:
        err = SafeStream(sys.stderr)
        err.write(one_line("plughost: interrupted") + "\n")
        err.flush()
        return 130


def quiet_policy() -> bool:
    """Whether the user's policy is the default one and says nothing on stderr."""
    if any(name in os.environ for name in OUTCOME_VARIABLES):
        return False
    try:
        raw = read_bounded(config_path(), CONFIG_LIMIT)
    except FileNotFoundError:
        # Named by PLUGHOST_CONFIG but missing is an error of the full path's.
        return not os.environ.get("PLUGHOST_CONFIG")
    except OSError:
        return False
    return not raw.strip()  # an empty file says nothing: no TOML parser needed


def standard_streams() -> bool:
    if sys.stdout is None or sys.stderr is None:
        return False
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
    except OSError:
        return False
    return True


def _rows() -> list[Row] | None:
    """Every plugin as the full path's ``Host.plugins()`` would show it, or None if unsure."""
    if not standard_streams() or not quiet_policy():
        return None
    if journal_present():
        from .._manage.interrupted import interrupted_install_warning

        if interrupted_install_warning() is not None:
            return None
    cache = cache_dir()
    raw = index_entries(cache, ENTRY_POINT_GROUP)
    if raw is None:
        return None
    if not quiet_entries(raw):
        return None
    records = read_records(cache) or {}
    rows: list[Row] = []
    for cand in sorted(raw, key=lambda c: str(c["name"])):
        row = _row(cand, records)
        if row is None:
            return None
        rows.append(row)
    return rows


def quiet_entries(raw: list[dict[str, Any]]) -> bool:
    """Whether the full path says nothing about these index entries but their rows.

    Each entry point is still declared by its distribution, no name is
    provided twice (a conflict), and no stale copy of a distribution lies
    further on ``sys.path``: each of those is a warning of the full path's.
    """
    entries = [(c["name"], c["value"], c["dist"]["path"]) for c in raw]
    covered = {c["dist"]["path"] for c in raw}
    if undeclared(entries, ENTRY_POINT_GROUP, covered) is not None:
        return False
    names = [c["name"] for c in raw]
    if len(set(names)) != len(names):
        return False  # a conflict, or two entry points of one name: the full path words it
    for cand in raw:
        dist = cand["dist"]
        project = editable_project(dist["path"]) if cand["shadowed"] else None
        for copy in cand["shadowed"]:
            if not own_metadata(project, dist["version"], copy["version"], copy["path"]):
                return False
    return True


def _row(cand: dict[str, Any], records: dict[str, Any]) -> Row | None:
    """One plugin's row: from its index entry, and its check record if that still holds."""
    dist = cand["dist"]
    name, summary = cand["name"], dist["summary"]
    compat = cand["compat"]
    if not is_plugin_name(name):
        label = f"{dist['name']} {dist['version']}"
        return name, "invalid", dist["name"], dist["version"], summary, bad_name_reason(name, label)
    if not compat["ok"]:
        return name, "incompatible", dist["name"], dist["version"], summary, compat["reason"]
    unchecked: Row = (name, "unchecked", dist["name"], dist["version"], summary, "")
    record = records.get(record_key(name, cand["value"], dist["name"], dist["path"]))
    if not isinstance(record, dict):
        return unchecked
    # No settings without a config file: the key's settings digest is "".
    made_for = fingerprint(
        dist["name"], dist["version"], dist["path"], dist["files"], cand["value"]
    )
    state, reason, manifest = record.get("state"), record.get("reason"), record.get("manifest")
    if (
        record.get("fingerprint") != made_for
        or not isinstance(state, str)
        or not isinstance(reason, str)
        or not (manifest is None or isinstance(manifest, dict))
    ):
        return unchecked
    if manifest is not None and record.get("manifest_sha256") != manifest_digest(manifest):
        return None  # only the full path's parser can say what this manifest is
    if state not in _STATES:
        return unchecked
    if state == "invalid":
        reason = reason.split("\n")[0]
    if not summary and manifest is not None:
        summary = manifest.get("summary")
        if not isinstance(summary, str):
            return None
    return name, state, dist["name"], dist["version"], summary, reason


def _encodes(text: str, stream: Any) -> bool:
    try:
        text.encode(stream.encoding or "utf-8", stream.errors or "strict")
    except (UnicodeError, LookupError, AttributeError, TypeError):
        return False
    return True


def _prepare(rows: list[Row]) -> tuple[list[str], str | None] | None:
    """The lines and the note for ``rows``; None if a stream could not take them."""
    lines, note = list_lines(rows, terminal_width(SafeStream(sys.stdout), default=0))
    shown = "".join(escape(line + "\n") for line in lines)
    noted = escape(one_line(note) + "\n") if note else ""
    if not _encodes(shown, sys.stdout) or not _encodes(noted, sys.stderr):
        return None  # the full path fails half-way through; let it
    return lines, note


def _show(lines: list[str], note: str | None) -> int:
    """Write what the full path's ``list`` writes, the way it writes it."""
    out, err = SafeStream(sys.stdout), SafeStream(sys.stderr)
    try:
        for line in lines:
            out.write(line + "\n")
        if note:
            err.write(one_line(note) + "\n")
            err.flush()
        out.flush()
        err.flush()
    except BrokenPipeError:
        return reader_gone(out)
    return 0
