"""The argument parser of every plughost command line: one-line errors that say what was meant.

Both the console script's own parser and the parsers built from a plugin's
manifest (``plughost run NAME COMMAND ...``) are :class:`Parser`\\ s: an error
is a :class:`plughost._cli.output.UsageError` (one line, exit status 2) naming
the command it happened in; a word that is not one of the choices (a
subcommand, a plugin's command, a ``Literal`` value) and an option that
does not exist come with a "did you mean"; and ``-1e3`` or ``-.5`` is a
negative number, not an unknown option.
"""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

from .output import UsageError

__all__ = ["REACHED", "Parser", "did_you_mean"]

#: The attribute of a parsed namespace that lists the parsers reached, outermost first.
REACHED = "plughost:parsers"

# What a person writes for a negative number: argparse on its own takes only
# -1 and -.5 for numbers, and -1e3 or -inf for unknown options.
_NEGATIVE_NUMBER = re.compile(
    r"^-(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity|nan)$", re.IGNORECASE
)


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``word``, if one is close enough to be what was meant."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.75)
    return close[0] if close else None


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, exit with status 2 and suggest."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def error(self, message: str) -> NoReturn:
        """Raise the one-line UsageError for ``message``."""
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        # argparse's own message lists the choices; add the one most likely meant.
        choices = action.choices
        if choices is not None and isinstance(value, str) and value not in choices:
            shown = ", ".join(repr(c) for c in choices)
            meant = did_you_mean(value, (str(c) for c in choices))
            hint = f" (did you mean {meant!r}?)" if meant else ""
            raise argparse.ArgumentError(
                action, f"invalid choice: {value!r}{hint}; the choices are {shown}"
            )
        super()._check_value(action, value)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Parse what this parser knows; note in the result which parsers were reached."""
        parsed, extras = super().parse_known_args(args, namespace)
        # A sub-parser finishes first: the innermost one ends up last.
        setattr(parsed, REACHED, [self, *getattr(parsed, REACHED, [])])
        return parsed, extras

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        """Parse ``args``; an unknown option names the command it was given to, and a near miss."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            self.unknown(extras, parsed)
        return parsed

    def unknown(self, extras: Sequence[str], parsed: argparse.Namespace) -> NoReturn:
        """Refuse words no parser took, from the innermost parser that was reached."""
        parser = self
        for sub in getattr(parsed, REACHED, ()):
            parser = sub
        word = extras[0]
        if word.startswith("-") and not _NEGATIVE_NUMBER.match(word):
            option = word.partition("=")[0]
            known = [o for a in parser._actions for o in a.option_strings if o.startswith("--")]
            meant = did_you_mean(option, known)
            parser.error(f"no option {option}" + (f"; did you mean {meant}?" if meant else ""))
        parser.error(f"unexpected {' '.join(extras)!r}")
