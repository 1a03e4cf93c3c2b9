"""Splitting an expression into tokens, and errors that point into it.

Positions in messages count characters from 1. An error found while reading
the expression is three lines: the message, the expression (or the part of
it around the position, for a long one) and a caret under the position.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from plughost import CommandError

from ._format import Number
from ._limits import MAX_DIGITS
from ._numbers import exact

__all__ = ["Token", "TokenKind", "describe_token", "syntax_error", "tokenize"]

TokenKind = Literal["number", "name", "operator", "lparen", "rparen", "comma", "end"]

_DIGITS = frozenset("0123456789")
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _NAME_START | _DIGITS
_SINGLE: dict[str, TokenKind] = {
    "+": "operator",
    "-": "operator",
    "*": "operator",
    "/": "operator",
    "%": "operator",
    "(": "lparen",
    ")": "rparen",
    ",": "comma",
}

#: The longest exponent (in digits) a literal may spell out; longer ones are
#: out of range whatever the mantissa.
_EXPONENT_DIGITS = 7

#: How much of a long expression an error shows around the position.
_WINDOW = 60

# Characters people paste from documents, with what to write instead:
# multiplication sign, middle dot, division sign, minus sign, en dash, pi,
# square root, superscript two and three.
_CHARACTER_HINTS = {
    "^": "write ** for powers",
    "\u00d7": "write * to multiply",
    "\u00b7": "write * to multiply",
    "\u00f7": "write / to divide",
    "\u2212": "write - (the ASCII minus sign)",
    "\u2013": "write - (the ASCII minus sign)",
    "\u03c0": "write pi",
    "\u221a": "write sqrt(x)",
    "\u00b2": "write ** 2",
    "\u00b3": "write ** 3",
    "[": "use ( and ) for grouping",
    "]": "use ( and ) for grouping",
    "{": "use ( and ) for grouping",
    "}": "use ( and ) for grouping",
    "=": "write only the expression, without =",
    "!": "there is no factorial operator",
}


@dataclass(frozen=True, slots=True)
class Token:
    """A piece of the expression: its kind, text, index and (numbers) value."""

    kind: TokenKind
    text: str
    start: int
    value: Number | None = None

    @property
    def end(self) -> int:
        """The index just after the token."""
        return self.start + len(self.text)


def syntax_error(message: str, text: str, index: int, hint: str = "") -> CommandError:
    """A CommandError for a problem at ``text[index]`` (``index`` counts from 0).

    Its first line is ``<message> at position <index + 1>[; <hint>]``, its
    second the expression and its third a caret under the position.
    """
    first = f"{message} at position {index + 1}" + (f"; {hint}" if hint else "")
    shown, column = _excerpt(text, index)
    return CommandError(f"{first}\n  {shown}\n  {' ' * column}^")


def _excerpt(text: str, index: int) -> tuple[str, int]:
    """The part of ``text`` to show around ``index``, and the caret's column.

    Everything before an error's position was read without complaint, so it
    is ASCII or whitespace (shown as spaces): one column per character.
    """
    start, end = 0, len(text)
    if len(text) > _WINDOW + 10:
        start = max(0, index - _WINDOW // 2)
        end = min(len(text), start + _WINDOW)
        start = max(0, end - _WINDOW)
    prefix = "..." if start > 0 else ""
    suffix = "..." if end < len(text) else ""
    shown = "".join(_printable(ch) for ch in text[start:end])
    return f"{prefix}{shown}{suffix}", len(prefix) + index - start


def _printable(ch: str) -> str:
    if ch.isspace():
        return " "
    return ch if ch.isprintable() else "?"


def describe_token(token: Token) -> str:
    """How an error message names a token: ``')'``, ``number '12'``, ``name 'pi'``."""
    if token.kind == "end":
        return "end of expression"
    if token.kind in ("number", "name"):
        return f"{token.kind} '{token.text}'"
    return f"'{token.text}'"


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an ``end`` token.

    Raises CommandError (with a caret) for an unknown character or a
    malformed or out-of-range number.
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in _DIGITS or ch == ".":
            token = _number(text, i)
            tokens.append(token)
            i = token.end
        elif ch in _NAME_START:
            j = i + 1
            while j < n and text[j] in _NAME_CHARS:
                j += 1
            tokens.append(Token("name", text[i:j], i))
            i = j
        elif text.startswith(("**", "//"), i):
            tokens.append(Token("operator", text[i : i + 2], i))
            i += 2
        elif ch in _SINGLE:
            tokens.append(Token(_SINGLE[ch], ch, i))
            i += 1
        else:
            shown = f"'{ch}'" if ch.isprintable() else f"U+{ord(ch):04X}"
            raise syntax_error(f"unknown character {shown}", text, i, _CHARACTER_HINTS.get(ch, ""))
    tokens.append(Token("end", "", len(text.rstrip())))
    return tokens


def _number(text: str, start: int) -> Token:
    """Read the number literal at ``text[start]``."""
    n = len(text)
    i = start
    while i < n and (text[i] in _DIGITS or text[i] == "."):
        i += 1
    mantissa = text[start:i]
    if mantissa.count(".") > 1:
        _malformed(text, start, i, "a number has at most one decimal point")
    if mantissa == ".":
        _malformed(text, start, i, "a number needs at least one digit")
    exponent = ""
    if i < n and text[i] in "eE":
        j = i + 1
        if j < n and text[j] in "+-":
            j += 1
        if j < n and text[j] in _DIGITS:
            while j < n and text[j] in _DIGITS:
                j += 1
            exponent = text[i:j]
            i = j
        elif j > i + 1 or j >= n or text[j] not in _NAME_CHARS:
            _malformed(text, start, j, "the exponent needs digits, as in 1e3 or 2.5e-4")
        # Otherwise a name follows the number (2exp(1)); the parser reports it.
    if i < n and (text[i] == "." or text[i] in _DIGITS):
        _malformed(text, start, i, "the exponent must be a whole number")
    literal = text[start:i]
    return Token("number", literal, start, _value(literal, mantissa, exponent, text, start))


def _malformed(text: str, start: int, end: int, hint: str) -> None:
    while end < len(text) and (text[end] in _DIGITS or text[end] in ".eE+-"):
        if text[end] in "+-" and text[end - 1] not in "eE":
            break
        end += 1
    raise syntax_error(f"malformed number '{text[start:end]}'", text, start, hint)


def _value(literal: str, mantissa: str, exponent: str, text: str, start: int) -> Number:
    """The exact value of a literal, refusing magnitudes out of range."""
    if not mantissa.strip("0."):
        return Fraction(0)
    exponent_digits = exponent[1:].lstrip("+-").lstrip("0")
    if len(exponent_digits) > _EXPONENT_DIGITS:
        negative = exponent[1:].startswith("-")
        _out_of_range(literal, text, start, small=negative)
    decimal = Decimal(literal)
    if decimal.adjusted() >= MAX_DIGITS:
        _out_of_range(literal, text, start, small=False)
    if decimal.adjusted() < -MAX_DIGITS:
        _out_of_range(literal, text, start, small=True)
    return exact(Fraction(decimal))


def _out_of_range(literal: str, text: str, start: int, *, small: bool) -> None:
    if small:
        problem, limit = "too small", f"the smallest nonzero magnitude is 1e-{MAX_DIGITS}"
    else:
        problem, limit = "too large", f"numbers must be below 1e+{MAX_DIGITS}"
    raise syntax_error(f"number {problem}", text, start, limit)
