"""Bounded resources: length, depth, sizes; no recursion, no hang, no huge allocation."""

from __future__ import annotations

import json
import subprocess
import sys
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


_LARGE = "; the calculator handles numbers of at most 10,000 digits"
_SMALL = "; the smallest nonzero magnitude the calculator handles is 1e-10000"

#: Expressions whose size is refused before anything is computed, with the
#: first line of the message each gives.
HUGE = {
    "2 ** 10 ** 10": "result too large in '2 ** 10 ** 10': it would have about 3,010,299,957"
    " digits" + _LARGE,
    "10 ** 10 ** 10 ** 10": "result too large in '10 ** 10 ** 10': it would have about"
    " 10,000,000,001 digits" + _LARGE,
    "9 ** 9 ** 9": "result too large in '9 ** 9 ** 9': it would have about 369,693,100 digits"
    + _LARGE,
    "2 ** 2 ** 2 ** 2 ** 2 ** 2": "result too large in '2 ** 2 ** 2 ** 2 ** 2': it would have"
    " about 19,729 digits" + _LARGE,
    "(1/3) ** 10 ** 9": "result too small in '(1/3) ** 10 ** 9': its magnitude would be about"
    " 1e-477121255" + _SMALL,
    "1.0000001 ** 1e300": "result too large in '1.0000001 ** 1e300': it would have far more"
    " than 10,000 digits" + _LARGE,
    "pi ** 1e9999": "result too large in 'pi ** 1e9999': it would have far more than 10,000"
    " digits" + _LARGE,
    "0.5 ** 1e9999": "result too small in '0.5 ** 1e9999': its magnitude would be far below"
    " 1e-10000" + _SMALL,
    "exp(1e10)": "result too large in 'exp(1e10)': it would have about 4,342,944,820 digits"
    + _LARGE,
    "exp(-1e10)": "result too small in 'exp(-1e10)': its magnitude would be about"
    " 1e-4342944820" + _SMALL,
    "exp(exp(exp(10)))": "result too large in 'exp(exp(exp(10)))': it would have far more than"
    " 10,000 digits" + _LARGE,
    "1e999999999": "number too large at position 1; numbers must be below 1e+10000",
    "1e-999999999": "number too small at position 1; the smallest nonzero magnitude is 1e-10000",
    "1e" + "9" * 5000: "number too large at position 1; numbers must be below 1e+10000",
    "*".join(["9**9999"] * 1000): "result too large in '9**9999*9**9999': it would have about"
    " 19,083 digits" + _LARGE,
    "*".join(["9e9999"] * 1000): "result too large in '9e9999*9e9999': it would have about"
    " 20,000 digits" + _LARGE,
    "1e9999 // 1e-9999": "result too large in '1e9999 // 1e-9999': it would have about 19,999"
    " digits" + _LARGE,
    "sqrt(" * 100 + "10 ** 10 ** 10" + ")" * 100: "result too large in '10 ** 10 ** 10': it"
    " would have about 10,000,000,001 digits" + _LARGE,
}

_EVALUATE_ALL = """
import json, sys
from plughost import CommandError
from plughost_calculator import Calculator
out = {}
for expression in json.load(sys.stdin):
    try:
        out[expression] = ["result", Calculator().evaluate(expression)]
    except CommandError as error:
        out[expression] = ["error", str(error)]
print(json.dumps(out))
"""


def evaluate_in_a_child(expressions: list[str], timeout: float = 120) -> dict[str, list[str]]:
    """Evaluate ``expressions`` in a child process, which is killed if it hangs.

    An expression that the calculator computed instead of refusing would run
    for hours: the child's time limit keeps the test bounded.
    """
    result = subprocess.run(
        [sys.executable, "-c", _EVALUATE_ALL],
        input=json.dumps(expressions),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    outcomes: dict[str, list[str]] = json.loads(result.stdout)
    return outcomes


@pytest.fixture(scope="module")
def huge_outcomes() -> dict[str, list[str]]:
    return evaluate_in_a_child(list(HUGE))


@pytest.mark.parametrize("expression", list(HUGE), ids=lambda e: e[:30])
def test_huge_results_are_refused_before_they_are_computed(
    huge_outcomes: dict[str, list[str]], expression: str
) -> None:
    kind, message = huge_outcomes[expression]
    assert kind == "error", message
    assert message.split("\n")[0] == HUGE[expression]


def test_large_work_within_the_limits_is_done() -> None:
    expressions = [
        "9 ** 9999 + 1",
        "sin(1e9999)",
        "sin(10 ** 9999)",
        "+".join(["9**9999"] * 900),
        "sqrt(" + "9" * 9_990 + ")",
    ]
    outcomes = evaluate_in_a_child(expressions)
    kinds = {expression: outcomes[expression][0] for expression in expressions}
    assert kinds == dict.fromkeys(expressions, "result")
    values = [outcomes[expression][1] for expression in expressions]
    assert len(values[0]) == 9542
    assert values[1] == values[2]
    assert values[3].startswith("2661303427217")
    assert values[4] == "1e+4995"


def test_exact_values_too_long_become_inexact() -> None:
    # 3**-20000 needs 9,543 digits; 3**-21000 would need 10,020.
    assert ev("(2/3) ** 21000") == "1.212159670769450238938125182e-3698"
    assert ev("(2/3) ** 21000 * 1.5 ** 21000") == "1"
