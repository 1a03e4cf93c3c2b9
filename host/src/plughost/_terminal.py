"""Text on its way to a terminal: nothing a plugin supplies arrives raw.

Plugin metadata, docstrings, help, error messages, results, a worker's
manifest and its stderr lines are all written by someone else. A control
character in any of them could move the cursor, rewrite what ``plughost
list`` just printed, set the window title or hide text behind a bidi
override. Everything the console script writes passes :func:`escape`:

- C0 controls, DEL, C1 controls (which include the 8-bit CSI and OSC), lone
  surrogates and the Unicode bidi and line-separator controls are shown as
  ``\\x1b`` or ``\\u202e``, visible and inert;
- newlines and tabs are kept only where text may span lines (a result, help);
  in a one-line field (a name, a summary, a reason) they are escaped too.

JSON output stays exact JSON: :func:`dumps` lets JSON's own ``\\u`` escapes
carry the same characters, so a program reading it gets the original text.
"""

from __future__ import annotations

import json
import os
import re

# Not imported from typing: the console script's fast path never imports it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any

__all__ = ["SafeStream", "cut", "dumps", "escape", "one_line", "show_value", "terminal_width"]

_CONTROLS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 but tab and newline, DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings, isolates
    "\u2028\u2029"  # line and paragraph separators
    "\ud800-\udfff"  # lone surrogates (cannot even be encoded)
)
# Compiled on first need: most text is printable, and then no pattern runs.
_PATTERNS: dict[str, re.Pattern[str]] = {}


def _pattern(which: str) -> re.Pattern[str]:
    found = _PATTERNS.get(which)
    if found is None:
        source = {
            "block": f"[{_CONTROLS}]",
            "line": f"[{_CONTROLS}\t\n]",
            # What JSON itself leaves raw with ensure_ascii=False (it escapes C0 already).
            "json": "[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
            "\ud800-\udfff]",
        }[which]
        found = _PATTERNS[which] = re.compile(source)
    return found


def _printable(text: str) -> bool:
    # Every character plughost escapes is one that str.isprintable() refuses
    # (Cc, Cf, Cs, Zl, Zp), so printable text needs no pattern at all.
    return text.isprintable()


_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: str) -> str:
    """``text`` with every control character shown as an escape; newlines and tabs kept."""
    if _printable(text) or _printable(text.replace("\n", "").replace("\t", "")):
        return text
    block = _pattern("block")
    if block.search(text) is None:
        return text
    return block.sub(_shown, text)


def one_line(text: str) -> str:
    """``text`` escaped for a one-line field: newlines and tabs escaped too."""
    if _printable(text):
        return text
    line = _pattern("line")
    if line.search(text) is None:
        return text
    return line.sub(_shown, text)


def cut(text: str, width: int) -> str:
    """``text`` as one line of at most ``width`` characters (``...`` marks a cut)."""
    line = one_line(text)
    if len(line) <= width:
        return line
    return line[: max(width - 3, 0)] + "..."


def show_value(value: object) -> str:
    """A JSON value as a person reads it, the same wherever plughost shows one.

    ``null``, ``true`` and ``false`` as in JSON (and in ``--json`` output);
    a string as it is (``""`` when empty); a list as ``[a, b]`` (``[]``); an
    object as ``{key: value}``.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value else '""'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def terminal_width(stream: IO[str] | SafeStream | None, default: int = 80) -> int:
    """The width of the terminal ``stream`` writes to, or ``default`` when it is not one."""
    try:
        if stream is not None and stream.isatty():
            return max(os.get_terminal_size(stream.fileno()).columns, 20)
    except (AttributeError, OSError, ValueError):
        pass
    return default


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def dumps(data: Any, *, indent: int | None = None) -> str:
    """``data`` as JSON text, readable (not ASCII-only) yet free of raw control characters."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    if _printable(text.replace("\n", "")):
        return text
    raw = _pattern("json")
    if raw.search(text) is None:
        return text
    # Inside JSON these characters only occur in strings, where a \u escape
    # means the same character.
    return raw.sub(_json_escape, text)


class SafeStream:
    """A text stream whose writes are escaped with :func:`escape`.

    The console script writes its stdout and stderr through one of these, so
    that text from plugins, wherever it comes from (a table cell, a log
    record, a traceback under ``--debug``, a plugin's own ``print`` while
    plughost runs it), cannot reach the terminal raw.
    """

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        """Write ``text``, escaped."""
        self.stream.write(escape(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        """Write each line, escaped."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Flush the stream underneath."""
        self.stream.flush()

    def fileno(self) -> int:
        """The file descriptor underneath."""
        return self.stream.fileno()

    def isatty(self) -> bool:
        """Whether the stream underneath is a terminal."""
        try:
            return self.stream.isatty()
        except (AttributeError, OSError, ValueError):
            return False

    def __getattr__(self, name: str) -> Any:
        # encoding, errors, buffer, closed...: those of the stream underneath.
        return getattr(self.stream, name)
