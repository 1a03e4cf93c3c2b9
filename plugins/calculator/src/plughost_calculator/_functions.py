"""The calculator's functions and constants.

``sqrt``, ``log`` and ``exp`` use the correctly rounded operations of
:mod:`decimal`; ``sin``, ``cos`` and ``tan`` reduce their argument with as
many digits of pi as its size needs and sum Taylor series, all in
:class:`~decimal.Decimal` with :data:`~._limits.WORKING_DIGITS` digits and
guard digits, never in floats. Results are exact where the mathematics
allows it and the inputs are exact: ``sqrt(2.25)`` is ``1.5``,
``log(1000, 10)`` is ``3``, ``round``, ``floor``, ``ceil``, ``abs``, ``min``
and ``max`` of exact values are exact.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction

from ._format import Number, describe_number
from ._limits import MAX_DIGITS, WORKING_DIGITS
from ._numbers import (
    WORKING,
    EvaluationProblem,
    check_magnitude,
    exact,
    exact_root,
    inexact,
    integer_value,
    is_negative,
    is_zero,
    log10_abs,
    power,
    snap,
    to_fraction,
)

__all__ = ["CONSTANTS", "FUNCTIONS", "NAME_HINTS", "Function"]

#: Extra digits carried inside sin, cos, tan and near-1 logarithms.
_GUARD = 20

_LN10 = math.log(10)

_BASE = "the base of log(x, base) must be positive and not 1"


@dataclass(frozen=True)
class Function:
    """A function of the calculator: its arity, how to call it, what it does."""

    name: str
    min_args: int
    max_args: int | None
    usage: str
    apply: Callable[[Sequence[Number]], Number]

    def arity(self) -> str:
        """How many arguments it takes, in words ("exactly 1 argument")."""
        if self.max_args is None:
            count = f"at least {self.min_args}"
        elif self.max_args == self.min_args:
            count = f"exactly {self.min_args}"
        else:
            count = f"{self.min_args} or {self.max_args}"
        plural = "" if count.endswith(" 1") else "s"
        return f"{count} argument{plural}"

    def accepts(self, count: int) -> bool:
        """Whether it can be called with ``count`` arguments."""
        return count >= self.min_args and (self.max_args is None or count <= self.max_args)


def _domain(detail: str) -> EvaluationProblem:
    return EvaluationProblem("math domain error", detail)


@functools.lru_cache(maxsize=16)
def _pi_to(digits: int) -> Decimal:
    """Pi rounded to ``digits`` significant digits, by Machin's formula."""
    unity: int = 10 ** (digits + 10)

    def arccot(x: int) -> int:
        """``arccot(x) * unity``, by its alternating series."""
        total = power_of_x = unity // x
        n, sign, x_squared = 3, -1, x * x
        while True:
            power_of_x //= x_squared
            term = power_of_x // n
            if not term:
                return total
            total += sign * term
            sign, n = -sign, n + 2

    pi = 4 * (4 * arccot(5) - arccot(239))
    context = Context(prec=digits, rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX, Emin=MIN_EMIN)
    return context.divide(Decimal(pi), Decimal(unity))


def _pi(digits: int) -> Decimal:
    """Pi to at least ``digits`` digits, from a few cached precisions (100, 200, 400...)."""
    cached = 100
    while cached < digits:
        cached *= 2
    return _pi_to(cached)


def _sqrt(args: Sequence[Number]) -> Number:
    (x,) = args
    if is_negative(x):
        raise _domain(f"sqrt needs a number >= 0, got {describe_number(x)}")
    if isinstance(x, Fraction):
        root = exact_root(x, 2)
        if root is not None:
            return root
    return WORKING.sqrt(inexact(x))


def _abs(args: Sequence[Number]) -> Number:
    (x,) = args
    return abs(x) if isinstance(x, Fraction) else x.copy_abs()


def _keep_kind(x: Number, result: Fraction) -> Number:
    """``result`` exact if ``x`` was, else rounded to the working precision."""
    return exact(result) if isinstance(x, Fraction) else inexact(result)


def _round(args: Sequence[Number]) -> Number:
    x = args[0]
    places = 0
    if len(args) > 1:
        whole = integer_value(args[1])
        if whole is None:
            raise EvaluationProblem(
                "invalid argument",
                "round(x, ndigits) needs a whole number of decimal places, got"
                f" {describe_number(args[1])}",
            )
        places = max(-MAX_DIGITS - 1, min(whole, MAX_DIGITS))
    scale = Fraction(10) ** places
    scaled = to_fraction(x) * scale
    # Halves round away from zero, as people round by hand.
    rounded = math.floor(abs(scaled) + Fraction(1, 2))
    return _keep_kind(x, Fraction(-rounded if scaled < 0 else rounded) / scale)


def _floor(args: Sequence[Number]) -> Number:
    (x,) = args
    return _keep_kind(x, Fraction(math.floor(to_fraction(x))))


def _ceil(args: Sequence[Number]) -> Number:
    (x,) = args
    return _keep_kind(x, Fraction(math.ceil(to_fraction(x))))


def _min(args: Sequence[Number]) -> Number:
    return min(args, key=to_fraction)


def _max(args: Sequence[Number]) -> Number:
    return max(args, key=to_fraction)


def _ln(x: Number, requirement: str) -> Decimal:
    """The natural logarithm of ``x``; ``requirement`` is the error message's start."""
    if is_zero(x) or is_negative(x):
        raise _domain(f"{requirement}, got {describe_number(x)}")
    if isinstance(x, Fraction):
        delta = x - 1
        if 0 < abs(delta) < Fraction(1, 1000):
            return _log1p(delta)
    return WORKING.ln(inexact(x))


def _log1p(delta: Fraction) -> Decimal:
    """``ln(1 + delta)`` for a small exact delta, to full relative precision."""
    context = Context(
        prec=WORKING_DIGITS + _GUARD, rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX, Emin=MIN_EMIN
    )
    d = context.divide(Decimal(delta.numerator), Decimal(delta.denominator))
    total = power_of_d = d
    n = 1
    while True:
        n += 1
        power_of_d = context.multiply(power_of_d, d).copy_negate()
        term = context.divide(power_of_d, n)
        if term.is_zero() or term.adjusted() < total.adjusted() - context.prec:
            return WORKING.plus(total)
        total = context.add(total, term)


def _log(args: Sequence[Number]) -> Number:
    x = args[0]
    if len(args) == 1:
        return (
            Fraction(0) if x == 1 and isinstance(x, Fraction) else _ln(x, "log needs a number > 0")
        )
    base = args[1]
    if base == 1:
        raise _domain(f"{_BASE}, got 1")
    ln_base = _ln(base, _BASE)
    if ln_base.is_zero():
        raise _domain(f"{_BASE}, got {describe_number(base)}")
    result = WORKING.divide(_ln(x, "log needs a number > 0"), ln_base)
    if isinstance(x, Fraction) and isinstance(base, Fraction):
        whole = _exact_log(x, base, result)
        if whole is not None:
            return whole
    return result


def _exact_log(x: Fraction, base: Fraction, approximation: Decimal) -> Fraction | None:
    """The whole k with base ** k == x when the approximation is near one."""
    k = approximation.to_integral_value(rounding=ROUND_HALF_EVEN, context=WORKING)
    if not snap(WORKING.subtract(approximation, k), approximation, Decimal(1)).is_zero():
        return None
    try:
        candidate = power(base, Fraction(int(k)))
    except EvaluationProblem:
        return None
    return Fraction(int(k)) if candidate == x and isinstance(candidate, Fraction) else None


def _exp(args: Sequence[Number]) -> Number:
    (x,) = args
    if is_zero(x):
        return Fraction(1) if isinstance(x, Fraction) else inexact(Fraction(1))
    try:
        magnitude = float(x) / _LN10
    except OverflowError:
        magnitude = math.inf if x > 0 else -math.inf
    check_magnitude(magnitude)
    return WORKING.exp(inexact(x))


def _sin_cos(x: Number) -> tuple[Decimal, Decimal]:
    """sin(x) and cos(x) rounded to the working precision.

    The argument is reduced modulo pi/2 with as many digits as its integer
    part has plus guard digits, so even ``sin(1e100)`` is right to the last
    digit. For an inexact x, a result NOISE_DIGITS below x is rounding noise
    (``sin(pi)``) and becomes 0.
    """
    extra = max(0, math.ceil(log10_abs(x)))
    wide = Context(
        prec=WORKING_DIGITS + _GUARD + extra, rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX, Emin=MIN_EMIN
    )
    fraction = to_fraction(x)
    x_wide = wide.divide(Decimal(fraction.numerator), Decimal(fraction.denominator))
    half_pi = wide.divide(_pi(wide.prec), 2)
    quadrant = wide.divide(x_wide, half_pi).to_integral_value(
        rounding=ROUND_HALF_EVEN, context=wide
    )
    reduced = wide.subtract(x_wide, wide.multiply(quadrant, half_pi))
    narrow = Context(
        prec=WORKING_DIGITS + _GUARD, rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX, Emin=MIN_EMIN
    )
    sin_r, cos_r = _taylor(narrow.plus(reduced), narrow)
    sin_x, cos_x = {
        0: (sin_r, cos_r),
        1: (cos_r, sin_r.copy_negate()),
        2: (sin_r.copy_negate(), cos_r.copy_negate()),
        3: (cos_r.copy_negate(), sin_r),
    }[int(wide.remainder(quadrant, 4)) % 4]
    sin_x, cos_x = WORKING.plus(sin_x), WORKING.plus(cos_x)
    if isinstance(x, Decimal):
        sin_x, cos_x = snap(sin_x, x), snap(cos_x, x)
    return sin_x, cos_x


def _taylor(r: Decimal, context: Context) -> tuple[Decimal, Decimal]:
    """sin(r) and cos(r) for |r| <= pi/4 by their Taylor series."""
    if r.is_zero():
        return Decimal(0), Decimal(1)
    r_squared = context.multiply(r, r)
    sums = []
    for first, n in ((r, 1), (Decimal(1), 0)):
        total = term = first
        while True:
            term = context.divide(context.multiply(term, r_squared), (n + 1) * (n + 2))
            term = term.copy_negate()
            n += 2
            if term.is_zero() or term.adjusted() < total.adjusted() - context.prec:
                break
            total = context.add(total, term)
        sums.append(total)
    return sums[0], sums[1]


def _sin(args: Sequence[Number]) -> Number:
    (x,) = args
    return x if is_zero(x) else _sin_cos(x)[0]


def _cos(args: Sequence[Number]) -> Number:
    (x,) = args
    if is_zero(x):
        return Fraction(1) if isinstance(x, Fraction) else inexact(Fraction(1))
    return _sin_cos(x)[1]


def _tan(args: Sequence[Number]) -> Number:
    (x,) = args
    if is_zero(x):
        return x
    sin_x, cos_x = _sin_cos(x)
    if cos_x.is_zero():
        raise _domain(f"tan is undefined at odd multiples of pi/2, such as {describe_number(x)}")
    return WORKING.divide(sin_x, cos_x)


def _function(
    name: str,
    apply: Callable[[Sequence[Number]], Number],
    usage: str,
    low: int = 1,
    high: int | None = 1,
) -> tuple[str, Function]:
    return name, Function(name, low, high, usage, apply)


#: The functions, by name.
FUNCTIONS: dict[str, Function] = dict(
    [
        _function("abs", _abs, "abs(x)"),
        _function("ceil", _ceil, "ceil(x)"),
        _function("cos", _cos, "cos(x) with x in radians"),
        _function("exp", _exp, "exp(x)"),
        _function("floor", _floor, "floor(x)"),
        _function("log", _log, "log(x) or log(x, base)", 1, 2),
        _function("max", _max, "max(x, ...)", 1, None),
        _function("min", _min, "min(x, ...)", 1, None),
        _function("round", _round, "round(x) or round(x, ndigits)", 1, 2),
        _function("sin", _sin, "sin(x) with x in radians"),
        _function("sqrt", _sqrt, "sqrt(x)"),
        _function("tan", _tan, "tan(x) with x in radians"),
    ]
)

#: The constants, by name, rounded to the working precision (so inexact).
CONSTANTS: dict[str, Decimal] = {
    "e": WORKING.exp(Decimal(1)),
    "pi": WORKING.plus(_pi(WORKING_DIGITS)),
}

#: What to write instead of some names people try.
NAME_HINTS: dict[str, str] = {
    "ln": "write log(x) for the natural logarithm",
    "log10": "write log(x, 10)",
    "log2": "write log(x, 2)",
    "pow": "write x ** y",
    "mod": "write x % y",
    "fabs": "write abs(x)",
    "tau": "write 2 * pi",
    "inf": "the calculator works with finite numbers only",
    "infinity": "the calculator works with finite numbers only",
    "nan": "the calculator works with finite numbers only",
}
