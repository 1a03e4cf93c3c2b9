"""The calculator's numbers: exact where possible, bounded always.

A value is either exact, a :class:`~fractions.Fraction`, or inexact, a
:class:`~decimal.Decimal` rounded to :data:`WORKING_DIGITS` significant
digits. Integers, terminating decimals and every rational result of
``+ - * / // %`` and of integer powers stay exact, so ``0.1 + 0.2`` is
exactly ``0.3`` and ``1/3*3`` exactly ``1``. An operation becomes inexact
only when one of its operands is inexact (``pi``, ``sqrt(2)``), when its
result is irrational, or when an exact result would need more than
:data:`MAX_DIGITS` digits in its numerator or denominator.

Every value's magnitude lies between ``1e-10000`` and ``1e10000`` (or it is
zero). Powers and ``exp`` estimate the size of their result before they
compute anything, so ``2 ** 10 ** 10`` is refused at once.

Inexact sums and remainders that cancel to less than ``10**-NOISE_DIGITS``
times their operands consist of rounding noise only, and are set to zero.
"""

from __future__ import annotations

import decimal
import math
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction

from ._format import Number, describe_number
from ._limits import MAX_DIGITS, MAX_EXTRA_DIGITS, NOISE_DIGITS, WORKING_DIGITS

__all__ = [
    "WORKING",
    "EvaluationProblem",
    "add",
    "check_magnitude",
    "divide",
    "exact",
    "exact_root",
    "floor_divide",
    "inexact",
    "integer_value",
    "is_negative",
    "is_zero",
    "log10_abs",
    "modulo",
    "multiply",
    "negate",
    "power",
    "snap",
    "subtract",
    "to_fraction",
    "too_large",
    "too_small",
    "translate_signal",
]

_LIMIT = 10**MAX_DIGITS

#: The context of every inexact operation. Overflow and underflow raise.
WORKING = Context(
    prec=WORKING_DIGITS,
    rounding=ROUND_HALF_EVEN,
    Emax=MAX_DIGITS - 1,
    Emin=-MAX_DIGITS,
    clamp=0,
    traps=[
        decimal.InvalidOperation,
        decimal.DivisionByZero,
        decimal.Overflow,
        decimal.Underflow,
        decimal.Subnormal,
    ],
)

# For estimates only: never traps, never overflows.
_WIDE = Context(prec=WORKING_DIGITS, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])

_ZERO = Decimal(0)


class EvaluationProblem(Exception):
    """A value the calculator cannot compute, such as a division by zero.

    ``headline`` names the problem ("division by zero"); ``detail`` says why
    or what is allowed. The evaluator adds the sub-expression it came from.
    """

    def __init__(self, headline: str, detail: str = "") -> None:
        super().__init__(f"{headline}: {detail}" if detail else headline)
        self.headline = headline
        self.detail = detail


def too_large(log10_magnitude: float | None) -> EvaluationProblem:
    """The problem of a result about ``10 ** log10_magnitude`` in size (None: unknown)."""
    if log10_magnitude is None:
        size = f"more than {MAX_DIGITS:,} digits"
    elif math.isfinite(log10_magnitude) and log10_magnitude < 1e15:
        size = f"about {math.floor(log10_magnitude) + 1:,} digits"
    else:
        size = f"far more than {MAX_DIGITS:,} digits"
    return EvaluationProblem(
        "result too large",
        f"it would have {size}; the calculator handles numbers of at most {MAX_DIGITS:,} digits",
    )


def too_small(log10_magnitude: float | None) -> EvaluationProblem:
    """The problem of a nonzero result about ``10 ** log10_magnitude`` (None: unknown)."""
    if log10_magnitude is None:
        size = f"below 1e-{MAX_DIGITS}"
    elif math.isfinite(log10_magnitude) and log10_magnitude > -1e15:
        size = f"about 1e{math.floor(log10_magnitude)}"
    else:
        size = f"far below 1e-{MAX_DIGITS}"
    return EvaluationProblem(
        "result too small",
        f"its magnitude would be {size}; the smallest nonzero magnitude the"
        f" calculator handles is 1e-{MAX_DIGITS}",
    )


def translate_signal(signal: decimal.DecimalException) -> EvaluationProblem:
    """The problem that a trapped :mod:`decimal` signal stands for."""
    if isinstance(signal, decimal.Overflow):
        return too_large(None)
    if isinstance(signal, decimal.Subnormal | decimal.Underflow):
        return too_small(None)
    if isinstance(signal, decimal.DivisionByZero):
        return EvaluationProblem("division by zero")
    return EvaluationProblem("invalid operation", str(signal))


def log10_abs(value: Number) -> float:
    """``log10(abs(value))`` for a nonzero value of any size, as a float."""
    if isinstance(value, Fraction):
        return math.log10(abs(value.numerator)) - math.log10(value.denominator)
    adjusted = value.adjusted()
    mantissa = value.copy_abs().scaleb(-adjusted, context=_WIDE)
    return adjusted + math.log10(float(mantissa))


def _times(factor: Number, log10_magnitude: float) -> float:
    """``factor * log10_magnitude`` without float overflow errors."""
    if log10_magnitude == 0 or is_zero(factor):
        return 0.0
    try:
        scale = float(factor)
    except OverflowError:
        scale = math.inf if factor > 0 else -math.inf
    return scale * log10_magnitude


def check_magnitude(log10_magnitude: float) -> None:
    """Refuse a result estimated at ``10 ** log10_magnitude`` if clearly out of range.

    Estimates within one order of magnitude of the limits pass; the exact
    checks after the computation decide those.
    """
    if log10_magnitude > MAX_DIGITS + 1:
        raise too_large(log10_magnitude)
    if log10_magnitude < -MAX_DIGITS - 1:
        raise too_small(log10_magnitude)


def exact(value: Fraction) -> Number:
    """Keep ``value`` exact if its numerator and denominator fit, else round it."""
    if abs(value.numerator) < _LIMIT and value.denominator <= _LIMIT:
        return value
    return inexact(value)


def inexact(value: Number) -> Decimal:
    """``value`` rounded to the working precision (refused if out of range)."""
    if isinstance(value, Decimal):
        return value
    if value == 0:
        return _ZERO
    magnitude = log10_abs(value)
    if magnitude >= MAX_DIGITS:
        raise too_large(magnitude)
    if magnitude < -MAX_DIGITS:
        raise too_small(magnitude)
    return WORKING.divide(Decimal(value.numerator), Decimal(value.denominator))


def to_fraction(value: Number) -> Fraction:
    """The exact value of ``value`` (of an inexact one: of its digits)."""
    return value if isinstance(value, Fraction) else Fraction(value)


def is_zero(value: Number) -> bool:
    """Whether ``value`` is zero."""
    return value == 0


def is_negative(value: Number) -> bool:
    """Whether ``value`` is below zero."""
    return value < 0


def integer_value(value: Number) -> int | None:
    """``value`` as an int if it is a whole number, else None."""
    fraction = to_fraction(value)
    return fraction.numerator if fraction.denominator == 1 else None


def snap(result: Decimal, *operands: Decimal) -> Decimal:
    """Zero if ``result`` is NOISE_DIGITS below the largest of ``operands``."""
    if result.is_zero():
        return _ZERO
    largest = max((op.adjusted() for op in operands if not op.is_zero()), default=None)
    if largest is not None and result.adjusted() < largest - NOISE_DIGITS:
        return _ZERO
    return result


def negate(a: Number) -> Number:
    """``-a``."""
    return -a if isinstance(a, Fraction) else a.copy_negate()


def add(a: Number, b: Number) -> Number:
    """``a + b``."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return exact(a + b)
    x, y = inexact(a), inexact(b)
    return snap(WORKING.add(x, y), x, y)


def subtract(a: Number, b: Number) -> Number:
    """``a - b``."""
    return add(a, negate(b))


def multiply(a: Number, b: Number) -> Number:
    """``a * b``, refusing a product clearly out of range before computing it."""
    if not (is_zero(a) or is_zero(b)):
        check_magnitude(log10_abs(a) + log10_abs(b))
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return exact(a * b)
    return WORKING.multiply(inexact(a), inexact(b))


def _check_quotient(a: Number, b: Number) -> None:
    """Refuse ``a / b`` if b is zero or the quotient is clearly out of range."""
    if is_zero(b):
        raise EvaluationProblem("division by zero")
    if not is_zero(a):
        check_magnitude(log10_abs(a) - log10_abs(b))


def divide(a: Number, b: Number) -> Number:
    """``a / b``."""
    _check_quotient(a, b)
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return exact(a / b)
    return WORKING.divide(inexact(a), inexact(b))


def floor_divide(a: Number, b: Number) -> Number:
    """``a // b``: the floor of the quotient, as in Python."""
    _check_quotient(a, b)
    quotient = Fraction(to_fraction(a) // to_fraction(b))
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return exact(quotient)
    return inexact(quotient)


def modulo(a: Number, b: Number) -> Number:
    """``a % b``: the remainder of ``a // b``, with the sign of ``b`` as in Python."""
    if is_zero(b):
        raise EvaluationProblem("division by zero")
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return exact(a % b)
    x, y = inexact(a), inexact(b)
    remainder = snap(inexact(Fraction(x) % Fraction(y)), x, y)
    # A remainder a hair below the divisor is the noise of a whole quotient.
    if not remainder.is_zero() and snap(WORKING.subtract(y, remainder), y).is_zero():
        return _ZERO
    return remainder


def power(a: Number, b: Number) -> Number:
    """``a ** b``, refusing results too large or too small before computing them."""
    both_exact = isinstance(a, Fraction) and isinstance(b, Fraction)
    if is_zero(a):
        if is_negative(b):
            raise EvaluationProblem("division by zero", "0 cannot be raised to a negative power")
        one_or_zero = Fraction(1 if is_zero(b) else 0)
        return one_or_zero if both_exact else inexact(one_or_zero)
    k = integer_value(b)
    if k is not None:
        if a in (1, -1):
            one = Fraction(-1 if a < 0 and k % 2 else 1)
            return one if both_exact else inexact(one)
        check_magnitude(_times(b, log10_abs(a)))
        if isinstance(a, Fraction) and both_exact:
            digits = _times(b, math.log10(max(abs(a.numerator), a.denominator)))
            if abs(digits) <= MAX_DIGITS + 1:
                return exact(a**k)
        return _inexact_power(a, Decimal(k))
    if is_negative(a):
        raise EvaluationProblem(
            "not a real number",
            f"a negative number ({describe_number(a)}) raised to the fractional"
            f" power {describe_number(b)} has no real value",
        )
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        root = exact_root(a, b.denominator)
        if root is not None:
            return power(root, Fraction(b.numerator))
    check_magnitude(_times(b, log10_abs(a)))
    return _inexact_power(a, b)


def _inexact_power(a: Number, b: Number) -> Decimal:
    """``a ** b`` rounded to the working precision.

    A large exponent magnifies the rounding error of the base: an exact base
    that the working precision cannot hold is rounded with as many more
    digits as the exponent has (up to MAX_EXTRA_DIGITS more).
    """
    x = inexact(a)
    extra = 0 if is_zero(b) else math.ceil(log10_abs(b))
    if extra <= 0 or x == a:
        return WORKING.power(x, inexact(b))
    if extra > MAX_EXTRA_DIGITS:
        raise EvaluationProblem(
            "exponent too large",
            f"raising a number with more than {WORKING_DIGITS} significant digits"
            f" to a power of {describe_number(b)} would need more than"
            f" {WORKING_DIGITS + MAX_EXTRA_DIGITS} digits of precision",
        )
    context = WORKING.copy()
    context.prec = WORKING_DIGITS + extra
    fraction = to_fraction(a)
    x = context.divide(Decimal(fraction.numerator), Decimal(fraction.denominator))
    return WORKING.plus(context.power(x, inexact(b)))


def exact_root(value: Fraction, degree: int) -> Fraction | None:
    """The exact ``degree``-th root of a positive fraction, if it is rational."""
    if degree > 32:
        return None
    num = _integer_root(value.numerator, degree)
    den = _integer_root(value.denominator, degree)
    if num is None or den is None:
        return None
    return Fraction(num, den)


def _integer_root(n: int, degree: int) -> int | None:
    """The integer r with r**degree == n, or None."""
    if n < 2:
        return n
    if degree == 2:
        root = math.isqrt(n)
    else:
        # Newton's method from above: it decreases until it reaches the floor.
        root = 1 << -(-n.bit_length() // degree)
        while True:
            better = ((degree - 1) * root + n // root ** (degree - 1)) // degree
            if better >= root:
                break
            root = better
    return root if root**degree == n else None
