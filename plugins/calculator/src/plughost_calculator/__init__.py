"""plughost-calculator: a plughost plugin that evaluates arithmetic exactly.

The expression parser is written by hand (see ``_parser``); user input never
reaches eval, exec, compile or the ast module.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

from plughost import CommandError, Plugin, command

from ._parser import calculate

__all__ = ["Calculator"]


class Calculator(Plugin):
    """Evaluate arithmetic expressions exactly, without eval.

    Integers and decimals are exact (0.1 + 0.2 is 0.3); irrational results
    such as sqrt(2) are computed with 50 significant digits and shown with 28.
    """

    @command
    def evaluate(self, expression: str) -> str:
        """Evaluate an arithmetic EXPRESSION and return the result.

        Supports + - * / // % **, parentheses, the functions sqrt, abs, round,
        floor, ceil, min, max, log, exp, sin, cos and tan, and the constants
        pi and e.

        Args:
            expression: The expression, for example "2 * (3 + 4) - 0.1".
        """
        return calculate(expression)

    @command
    def add(self, a: float, b: float) -> float:
        """Add two numbers exactly (0.1 + 0.2 is 0.3).

        Args:
            a: The first number.
            b: The number to add to it.
        """
        return _exactly(lambda x, y: x + y, a, b)

    @command
    def subtract(self, a: float, b: float) -> float:
        """Subtract B from A exactly.

        Args:
            a: The number to subtract from.
            b: The number to subtract.
        """
        return _exactly(lambda x, y: x - y, a, b)

    @command
    def multiply(self, a: float, b: float) -> float:
        """Multiply two numbers exactly.

        Args:
            a: The first factor.
            b: The second factor.
        """
        return _exactly(lambda x, y: x * y, a, b)

    @command
    def divide(self, a: float, b: float) -> float:
        """Divide A by B.

        Args:
            a: The dividend.
            b: The divisor, not 0.
        """
        _check_finite(a, b)
        if b == 0:
            raise CommandError("division by zero: b must not be 0")
        return _exactly(lambda x, y: x / y, a, b)


def _exactly(operation: Callable[[Fraction, Fraction], Fraction], a: float, b: float) -> float:
    """Apply ``operation`` to the decimal values of ``a`` and ``b``.

    Each float is taken as the shortest decimal that reads back as it
    (``Decimal(str(0.1))`` is 0.1, not 0.1000000000000000055...), so the
    arithmetic is the one a person does on paper. The result is an int when
    it is whole and otherwise the float nearest to it.
    """
    _check_finite(a, b)
    result = operation(_decimal(a), _decimal(b))
    if result.denominator == 1 and abs(result) <= _FLOAT_MAX:
        return result.numerator
    try:
        nearest = float(result)
    except OverflowError:
        nearest = math.inf
    if math.isinf(nearest):
        raise CommandError(
            "the result is beyond the range of a floating-point number; use"
            " evaluate for exact arithmetic on numbers of any size"
        )
    if nearest == 0 and result != 0:
        raise CommandError(
            "the result is too small for a floating-point number; use evaluate"
            " for exact arithmetic on numbers of any size"
        )
    return nearest


_FLOAT_MAX = Fraction(sys.float_info.max)


def _check_finite(a: float, b: float) -> None:
    """Refuse infinities, NaN and booleans."""
    for name, value in (("a", a), ("b", b)):
        if isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
            raise CommandError(f"{name} must be a finite number, got {value!r}")


def _decimal(value: float) -> Fraction:
    """The exact value of an int, or the shortest decimal that reads back as a float."""
    return Fraction(value) if isinstance(value, int) else Fraction(Decimal(str(value)))
