"""How a word of ``plughost run``'s command line becomes a parameter's value.

One reading for both paths: the parser built from a manifest
(``_cli.runargs``) and the fast path of ``run`` (``_cli.fast_run``), which
must take a word exactly as the parser would. Imports nothing but ``math``.
"""

from __future__ import annotations

import math

__all__ = ["FALSE_WORDS", "TRUE_WORDS", "word_value"]

#: The words taken for true and for false (in any case, around spaces).
TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")


def word_value(kind: str, text: str) -> object:
    """``text`` as a value of the JSON type ``kind``; ValueError, whose message says why not.

    An integer as ``int`` reads it, a finite number as ``float`` reads it, a
    boolean from :data:`TRUE_WORDS` or :data:`FALSE_WORDS`; any other kind
    takes the text as it is.
    """
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{text!r} is not an integer") from None
    if kind == "number":
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"{text!r} is not a finite number")
        return value
    if kind == "boolean":
        word = text.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(f"{text!r} is not true or false")
    return text
