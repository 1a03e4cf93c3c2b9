"""Every limit and precision of the calculator, in one place (see README.md)."""

from __future__ import annotations

__all__ = [
    "DISPLAY_DIGITS",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_EXTRA_DIGITS",
    "MAX_LENGTH",
    "NOISE_DIGITS",
    "WORKING_DIGITS",
]

#: The longest expression accepted, in characters.
MAX_LENGTH = 10_000

#: How deeply parentheses and function calls may nest.
MAX_DEPTH = 200

#: The most digits an exact numerator, denominator or written result may
#: have; no magnitude may reach ``1e10000`` or fall below ``1e-10000``.
MAX_DIGITS = 10_000

#: Significant digits of inexact values while computing.
WORKING_DIGITS = 50

#: Significant digits shown for a result that is not an exact terminating decimal.
DISPLAY_DIGITS = 28

#: An inexact sum this many digits below its largest operand is rounding
#: noise, and so zero (likewise sin, cos and tan of an inexact argument).
NOISE_DIGITS = 40

#: The most digits a power may add to the working precision for a large
#: exponent of an exact base the working precision cannot hold.
MAX_EXTRA_DIGITS = 100
