"""Checking and normalising the name to greet.

A name is one line of text. It may use any script, combining marks and emoji;
it may not contain control characters (tab, newline, NUL, ...), line or
paragraph separators, unpaired surrogates, or the bidirectional embedding,
override and isolate characters (U+202A to U+202E, U+2066 to U+2069), which
can make text display differently from what it holds.

A valid name is normalised: Unicode NFC, leading and trailing whitespace
removed, and each run of whitespace inside it replaced by one space. Its
length is then counted in Unicode code points (not in user-perceived
characters, which the standard library cannot segment): an emoji with a skin
tone, or a letter with a combining mark that has no precomposed form, counts
as more than one.
"""

from __future__ import annotations

import unicodedata

from plughost import CommandError

__all__ = ["MAX_NAME_LENGTH", "normalize_name"]

#: The longest name accepted, in Unicode code points after normalisation.
MAX_NAME_LENGTH = 200

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

#: Names for the control characters people actually meet; others are shown
#: by code point only (they have no Unicode character name).
_CONTROL_NAMES = {
    "\x00": "a NUL",
    "\t": "a tab",
    "\n": "a newline",
    "\x0b": "a vertical tab",
    "\x0c": "a form feed",
    "\r": "a carriage return",
    "\x1b": "an escape",
    "\x7f": "a delete",
    "\x85": "a next line",
}

#: Categories that show nothing by themselves: format characters, spaces and
#: combining marks. A name needs at least one character of another category.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zs", "Mn", "Me"})


def _code_point(char: str) -> str:
    return f"U+{ord(char):04X}"


def _refusal(char: str) -> str | None:
    """Why ``char`` may not appear in a name, or None when it may."""
    category = unicodedata.category(char)
    if category == "Cc":
        label = _CONTROL_NAMES.get(char, "a control character")
        return f"{label} ({_code_point(char)})"
    if category in ("Zl", "Zp"):
        return f"a {unicodedata.name(char).lower()} ({_code_point(char)})"
    if char in _BIDI_CONTROLS:
        return f"the text-direction control {_code_point(char)} {unicodedata.name(char)}"
    if category == "Cs":
        return f"an unpaired surrogate ({_code_point(char)}, not valid text)"
    return None


def normalize_name(name: str) -> str:
    """Check ``name`` and return it normalised for a greeting.

    The result is NFC, trimmed, with inner runs of whitespace collapsed to
    one space. Raises :class:`plughost.CommandError` when the name is not a
    string, holds a character a name may not hold (the message gives its
    position in ``name``, counting from 1), is empty or invisible once
    trimmed, or is longer than :data:`MAX_NAME_LENGTH` code points.
    """
    value: object = name
    if not isinstance(value, str):
        raise CommandError(f"the name must be text, not {type(value).__name__}")
    for position, char in enumerate(value, start=1):
        reason = _refusal(char)
        if reason is not None:
            raise CommandError(
                f"the name contains {reason} at character {position}; a name must"
                " be a single line of text without control, text-direction or"
                " invalid characters: remove it"
            )
    normalised = " ".join(unicodedata.normalize("NFC", value).split())
    if not normalised:
        raise CommandError(
            "the name is empty"
            + (" (only whitespace)" if value else "")
            + "; give the name of the person to greet"
        )
    if all(unicodedata.category(c) in _INVISIBLE_CATEGORIES for c in normalised):
        shown = [_code_point(c) for c in dict.fromkeys(normalised)]
        listed = ", ".join(shown[:5]) + (", ..." if len(shown) > 5 else "")
        raise CommandError(
            f"the name has no visible characters (only {listed});"
            " give the name of the person to greet"
        )
    if len(normalised) > MAX_NAME_LENGTH:
        raise CommandError(
            f"the name is {len(normalised)} characters (Unicode code points) long"
            f" once trimmed; the limit is {MAX_NAME_LENGTH}: shorten it"
        )
    return normalised
