"""Bounded resources: length, depth, sizes; no recursion, no hang, no huge allocation."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import pytest

from plughost import CommandError
from plughost_calculator import Calculator
from plughost_calculator._limits import MAX_DEPTH, MAX_DIGITS, MAX_LENGTH


def ev(expression: str) -> str:
    return Calculator().evaluate(expression)


def err(expression: str) -> str:
    with pytest.raises(CommandError) as info:
        Calculator().evaluate(expression)
    return str(info.value)


@contextmanager
def shallow_stack(room: int = 40) -> Iterator[None]:
    """Allow only ``room`` more Python frames than the caller has."""
    depth = 0
    frame: FrameType | None = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + room)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def test_documented_limits() -> None:
    assert (MAX_LENGTH, MAX_DEPTH, MAX_DIGITS) == (10_000, 200, 10_000)


def test_length_limit() -> None:
    assert ev("+".join(["1"] * 5000)) == "5000"  # 9,999 characters
    assert ev("1" + " " * 9_999) == "1"
    assert err("1" + " " * 10_000) == (
        "the expression is 10,001 characters long; the limit is 10,000 characters"
    )
    assert err("1+" * 50_000 + "1").startswith("the expression is 100,001 characters long")


def test_nesting_limit() -> None:
    assert ev("(" * MAX_DEPTH + "7" + ")" * MAX_DEPTH) == "7"
    assert ev("abs(" * MAX_DEPTH + "-7" + ")" * MAX_DEPTH) == "7"
    message = err("(" * (MAX_DEPTH + 1) + "7" + ")" * (MAX_DEPTH + 1))
    assert message.split("\n")[0] == (
        "too deeply nested at position 201; parentheses and function calls may nest"
        " at most 200 levels deep"
    )
    message = err("sqrt(" * 150 + "(" * 51 + "1")
    assert message.startswith("too deeply nested at position 801")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("+".join(["1"] * 5000), "5000"),
        ("-".join(["1"] * 5000), "-4998"),
        ("*".join(["1"] * 5000), "1"),
        ("/".join(["1"] * 5000), "1"),
        ("//".join(["7"] * 3333), "0"),
        ("%".join(["7"] * 5000), "0"),
        ("**".join(["1"] * 3333), "1"),
        ("-" * 9_999 + "1", "-1"),
        ("+" * 9_999 + "1", "1"),
        ("-+" * 4_999 + "1", "-1"),
        ("2" + "**-1" * 2_499, "0.5"),
        ("1" + "+1-1" * 2_499, "1"),
        ("+".join(["pi"] * 3333), "10470.9283144147808637959904"),
        ("+".join(["0.1"] * 2500), "250"),
        ("max(" + ",".join(["1"] * 4998) + ")", "1"),
    ],
)
def test_long_chains_evaluate_without_recursion(expression: str, expected: str) -> None:
    assert len(expression) <= MAX_LENGTH
    with shallow_stack():
        assert ev(expression) == expected


def test_deep_nesting_is_refused_without_recursion() -> None:
    for expression in ("(" * 4_999 + "1" + ")" * 4_999, "sqrt(" * 1_600 + "1" + ")" * 1_600):
        with shallow_stack():
            assert err(expression).startswith("too deeply nested at position ")


@pytest.mark.parametrize(
    "expression",
    [
        "2 ** 10 ** 10",
        "10 ** 10 ** 10 ** 10",
        "9 ** 9 ** 9",
        "2 ** 2 ** 2 ** 2 ** 2 ** 2",
        "(1/3) ** 10 ** 9",
        "1.0000001 ** 1e300",
        "pi ** 1e9999",
        "0.5 ** 1e9999",
        "exp(1e10)",
        "exp(-1e10)",
        "exp(exp(exp(10)))",
        "1e999999999",
        "1e-999999999",
        "1e" + "9" * 5000,
        "*".join(["9**9999"] * 1000),
        "*".join(["9e9999"] * 1000),
        "1e9999 // 1e-9999",
        "sqrt(" * 100 + "10 ** 10 ** 10" + ")" * 100,
    ],
)
def test_huge_results_are_refused_at_once(expression: str) -> None:
    start = time.perf_counter()
    message = err(expression)
    assert time.perf_counter() - start < 2
    assert "too large" in message or "too small" in message


def test_large_work_within_the_limits_is_quick() -> None:
    start = time.perf_counter()
    assert len(ev("9 ** 9999 + 1")) == 9542
    assert ev("sin(1e9999)") == ev("sin(10 ** 9999)")
    assert ev("+".join(["9**9999"] * 900)).startswith("2661303427217")
    assert ev("sqrt(" + "9" * 9_990 + ")") == "1e+4995"
    assert time.perf_counter() - start < 10


def test_exact_values_too_long_become_inexact() -> None:
    # 3**-20000 needs 9,543 digits; 3**-21000 would need 10,020.
    assert ev("(2/3) ** 21000") == "1.212159670769450238938125182e-3698"
    assert ev("(2/3) ** 21000 * 1.5 ** 21000") == "1"
