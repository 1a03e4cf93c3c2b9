"""Writing numbers as a person reads them.

A value is exact (a :class:`~fractions.Fraction`) or inexact (a
:class:`~decimal.Decimal` carrying the working precision). The rules:

* An exact value whose decimal expansion ends within MAX_DIGITS significant
  digits is written with every digit; any other value (``1/3``, ``sqrt(2)``,
  ``pi``, ``0.5 ** 20000``) is rounded half-even to DISPLAY_DIGITS
  significant digits. Trailing zeros never appear
  (``1.50`` is written ``1.5``, ``14.0`` is written ``14``).
* Plain notation (``1001``, ``-0.125``) is used from 0.000001 up to, not
  including, 10**21. Exact values of 10**21 or more stay plain while that takes
  at most :data:`MAX_PADDING_ZEROS` zeros after the last significant digit,
  so ``2 ** 100`` shows all its 31 digits. Everything else is written in
  scientific notation with an explicit exponent sign: ``1.5e+40``, ``1e-7``.
"""

from __future__ import annotations

import math
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from typing import TypeAlias

from ._limits import DISPLAY_DIGITS, MAX_DIGITS

__all__ = [
    "MAX_PADDING_ZEROS",
    "Number",
    "describe_number",
    "format_number",
]

#: A calculator value: a Fraction is exact, a Decimal is inexact.
Number: TypeAlias = Fraction | Decimal

#: The smallest and largest adjusted exponents written in plain notation.
PLAIN_MIN_EXPONENT = -6
PLAIN_MAX_EXPONENT = 20

#: How many zeros an exact value may need after its last significant digit
#: and still be written in plain notation.
MAX_PADDING_ZEROS = 20

_DISPLAY = Context(
    prec=DISPLAY_DIGITS, rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[]
)
_SHORT = Context(prec=6, rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])


def format_number(value: Number) -> str:
    """Write ``value`` following the rules in this module's docstring."""
    negative, digits, exponent, exact = _decompose(value)
    return _layout(negative, digits, exponent, exact=exact)


def describe_number(value: Number) -> str:
    """Write ``value`` for an error message: like :func:`format_number`, but short.

    A value whose usual form is longer than 30 characters is written with
    six significant digits in scientific notation.
    """
    text = format_number(value)
    if len(text) <= 30:
        return text
    short = _SHORT.plus(_as_decimal(value))
    negative, digits, exponent = _strip(short)
    adjusted = exponent + len(digits) - 1
    return _scientific(negative, digits, adjusted)


def _as_decimal(value: Number) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return _DISPLAY.divide(Decimal(value.numerator), Decimal(value.denominator))


def _decompose(value: Number) -> tuple[bool, str, int, bool]:
    """Sign, significant digits (no trailing zeros), exponent and exactness."""
    if isinstance(value, Fraction):
        if value == 0:
            return False, "0", 0, True
        den = value.denominator
        twos = (den & -den).bit_length() - 1
        fives = _power_of_five(den >> twos)
        if fives is not None:
            # A terminating decimal: scale it to an integer, digit for digit.
            shift = max(twos, fives)
            scaled = abs(value.numerator) * (1 << (shift - twos)) * 5 ** (shift - fives)
            _, digits, exponent = _strip(Decimal(scaled))
            if len(digits) <= MAX_DIGITS:
                return value < 0, digits, exponent - shift, True
        rounded = _DISPLAY.divide(Decimal(value.numerator), Decimal(den))
        return (*_strip(rounded), False)
    if value.is_zero():
        return False, "0", 0, False
    return (*_strip(_DISPLAY.plus(value)), False)


def _power_of_five(n: int) -> int | None:
    """The k with 5**k == n, or None if n is not a power of five."""
    if n == 1:
        return 0
    guess = round(math.log(n, 5))
    for k in (guess - 1, guess, guess + 1):
        if k > 0 and 5**k == n:
            return k
    return None


def _strip(value: Decimal) -> tuple[bool, str, int]:
    """Sign, digits without trailing zeros and the exponent of the last digit."""
    sign, digit_tuple, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite: the calculator never makes NaN or Infinity
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    if not digits:
        return False, "0", 0
    stripped = digits.rstrip("0")
    return bool(sign), stripped, exponent + len(digits) - len(stripped)


def _layout(negative: bool, digits: str, exponent: int, *, exact: bool) -> str:
    if digits == "0":
        return "0"
    adjusted = exponent + len(digits) - 1
    if adjusted < PLAIN_MIN_EXPONENT or (
        exponent > MAX_PADDING_ZEROS if exact else adjusted > PLAIN_MAX_EXPONENT
    ):
        return _scientific(negative, digits, adjusted)
    sign = "-" if negative else ""
    if exponent >= 0:
        return f"{sign}{digits}{'0' * exponent}"
    point = len(digits) + exponent
    if point > 0:
        return f"{sign}{digits[:point]}.{digits[point:]}"
    return f"{sign}0.{'0' * -point}{digits}"


def _scientific(negative: bool, digits: str, adjusted: int) -> str:
    sign = "-" if negative else ""
    mantissa = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
    return f"{sign}{mantissa}e{adjusted:+d}"
