"""Cache files with one entry a line, so that one plugin's entry is read without the rest.

The discovery index and the check records are JSON objects that grow with
what is installed and checked: a thousand plugins make a 1 MB index whose
parse costs ``plughost run`` 5 ms. They are written (:func:`dumps`) as
ordinary JSON, so every reader that parses the whole file still can, but
laid out so: the object's other members on the first line, then each named
list or object with one item a line::

    {"format": 3, "host": "1.0.0",
    "candidates": [
    {"name": "greeter", ...},
    {"name": "calculator", ...}
    ]}

:func:`sections` splits such a text into its first line's members and each
section's block of lines, and refuses (None) a text not laid out so. A
reader of one plugin parses only the lines that can be its own
(:func:`lines_with` finds them by a substring, at the speed of ``str.find``;
each is then parsed and checked whole); the other lines stay unparsed, so a
damaged line elsewhere is found only by the readers of everything.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

__all__ = ["dumps", "lines_with", "sections"]


def dumps(data: dict[str, Any], listed: Sequence[str]) -> str:
    """``data`` as JSON, each item of the members named in ``listed`` on a line of its own.

    Those members come last, in the order given; each is a list or an object.
    """
    import json

    head = {k: v for k, v in data.items() if k not in listed}
    lines = ["{" + json.dumps(head)[1:-1] + ("," if head and listed else "")]
    for n, key in enumerate(listed):
        value = data[key]
        if isinstance(value, dict):
            opener, closer = "{", "}"
            items = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in value.items()]
        else:
            opener, closer = "[", "]"
            items = [json.dumps(v) for v in value]
        lines.append(f"{json.dumps(key)}: {opener}")
        lines.extend(item + "," for item in items[:-1])
        lines.extend(items[-1:])
        lines.append(closer + ("," if n < len(listed) - 1 else ""))
    if not listed:
        return lines[0] + "}"
    lines[-1] += "}"
    return "\n".join(lines)


def sections(text: str, listed: Sequence[str]) -> tuple[dict[str, Any], dict[str, str]] | None:
    """The first line's members and each listed section's block of item lines, or None.

    None when the text is not laid out so: its first line, each section's
    opening and closing lines and their order are checked; the items are
    not (only the lines a reader takes, with :func:`lines_with`, are parsed).
    """
    import json

    end = text.find("\n")
    first = text[:end] if end >= 0 else text
    if not listed or end < 0 or not first.startswith("{") or not first.endswith(","):
        return None
    try:
        head = json.loads(first[:-1] + "}")
    except (ValueError, RecursionError):
        return None
    if not isinstance(head, dict):
        return None
    blocks: dict[str, str] = {}
    at = end + 1
    for n, key in enumerate(listed):
        last = n == len(listed) - 1
        name = json.dumps(key)
        if text.startswith(f"{name}: [\n", at):
            closer = "]"
        elif text.startswith(f"{name}: {{\n", at):
            closer = "}"
        else:
            return None
        at += len(name) + 4
        stop = "\n" + closer + ("}" if last else ",\n")
        if text.startswith(stop[1:], at):  # an empty section
            blocks[key] = ""
            at += len(stop) - 1
            continue
        found = text.find(stop, at)
        if found < 0:
            return None
        blocks[key] = text[at:found]
        at = found + len(stop)
    if at != len(text):
        return None
    return head, blocks


def lines_with(block: str, needle: str) -> list[str]:
    """The item lines of ``block`` that contain ``needle``, each without its separating comma."""
    found: list[str] = []
    at = block.find(needle)
    while at >= 0:
        start = block.rfind("\n", 0, at) + 1
        end = block.find("\n", at)
        end = len(block) if end < 0 else end
        line = block[start:end]
        found.append(line[:-1] if line.endswith(",") else line)
        at = block.find(needle, end)
    return found
