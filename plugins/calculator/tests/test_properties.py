"""Property-based tests: evaluate against an independent reference.

Random expression trees are rendered to text (with Python's precedence rules,
random redundant parentheses and random spacing) and evaluated twice: by the
plugin from the text, and directly from the tree with fractions.Fraction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from plughost import CommandError
from plughost_calculator import Calculator

CALCULATOR = Calculator()
NUMBER_SHAPE = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?|-?[1-9](\.[0-9]*[1-9])?e[+-][0-9]+")


def value_of(text: str) -> Fraction:
    """The exact value of a result (Fraction(str) refuses more than 4,300 digits)."""
    return Fraction(Decimal(text))


# --- Expression trees --------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: Fraction
    text: str


@dataclass(frozen=True)
class Sign:
    sign: str
    operand: Node


@dataclass(frozen=True)
class Bin:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Pow:
    base: Node
    exponent: int


@dataclass(frozen=True)
class Paren:
    inner: Node


Node = Num | Sign | Bin | Pow | Paren

ATOM, POWER, UNARY, MULTIPLICATIVE, ADDITIVE = 5, 4, 3, 2, 1
LEVEL = {
    "+": ADDITIVE,
    "-": ADDITIVE,
    "*": MULTIPLICATIVE,
    "/": MULTIPLICATIVE,
    "//": MULTIPLICATIVE,
    "%": MULTIPLICATIVE,
}


@st.composite
def numbers(draw: st.DrawFn) -> Num:
    """A non-negative literal in one of its spellings, with its exact value."""
    whole = draw(st.integers(0, 10**6))
    places = draw(st.integers(0, 4))
    value = Fraction(whole, 10**places)
    digits = str(whole).rjust(places + 1, "0")
    head, tail = digits[: len(digits) - places], digits[len(digits) - places :]
    spellings = [f"{whole}e-{places}", f"{whole}E-{places}"]
    if places:
        spellings.append(f"{head}.{tail}")
        if head == "0":
            spellings.append(f".{tail}")
    else:
        spellings += [str(whole), f"{whole}.", f"{whole}.0", f"0{whole}"]
    return Num(value, draw(st.sampled_from(spellings)))


def extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        st.builds(Sign, st.sampled_from(["-", "+"]), children),
        st.builds(Bin, st.sampled_from(sorted(LEVEL)), children, children),
        st.builds(Pow, children, st.integers(-3, 3)),
        st.builds(Paren, children),
    )


trees = st.recursive(numbers(), extend, max_leaves=10)


def render(node: Node) -> tuple[list[str], int]:
    """The tokens of ``node`` with the fewest parentheses Python needs, and its level."""
    if isinstance(node, Num):
        return [node.text], ATOM
    if isinstance(node, Paren):
        return ["(", *render(node.inner)[0], ")"], ATOM
    if isinstance(node, Sign):
        return [node.sign, *wrap(node.operand, UNARY)], UNARY
    if isinstance(node, Pow):
        exponent = [str(node.exponent)] if node.exponent >= 0 else ["-", str(-node.exponent)]
        return [*wrap(node.base, ATOM), "**", *exponent], POWER
    level = LEVEL[node.op]
    return [*wrap(node.left, level), node.op, *wrap(node.right, level + 1)], level


def wrap(node: Node, at_least: int) -> list[str]:
    tokens, level = render(node)
    return tokens if level >= at_least else ["(", *tokens, ")"]


def reference(node: Node) -> Fraction:
    """The exact value, straight from the tree (ZeroDivisionError as Python)."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Paren):
        return reference(node.inner)
    if isinstance(node, Sign):
        value = reference(node.operand)
        return -value if node.sign == "-" else value
    if isinstance(node, Pow):
        return reference(node.base) ** node.exponent
    left, right = reference(node.left), reference(node.right)
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    if node.op == "/":
        return left / right
    if node.op == "//":
        return Fraction(left // right)
    return left % right


def terminates(value: Fraction) -> bool:
    den = value.denominator
    for prime in (2, 5):
        while den % prime == 0:
            den //= prime
    return den == 1


spacing = st.sampled_from(["", "", " ", "  ", "\t", "\n"])


# --- Properties --------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(tree=trees, data=st.data())
def test_evaluate_matches_exact_reference(tree: Node, data: st.DataObject) -> None:
    tokens, _ = render(tree)
    gaps = data.draw(st.lists(spacing, min_size=len(tokens) + 1, max_size=len(tokens) + 1))
    text = gaps[0] + "".join(token + gap for token, gap in zip(tokens, gaps[1:], strict=True))
    try:
        expected = reference(tree)
    except ZeroDivisionError:
        with pytest.raises(CommandError, match=r"^division by zero in '"):
            CALCULATOR.evaluate(text)
        return
    result = CALCULATOR.evaluate(text)
    assert NUMBER_SHAPE.fullmatch(result), result
    got = value_of(result)
    if terminates(expected):
        assert got == expected
        assert CALCULATOR.evaluate(result) == result
    else:
        # Rounded to 28 significant digits: within half a unit in the 28th.
        assert abs(got - expected) <= abs(expected) * Fraction(5, 10**28)


#: What an expression may hold besides whitespace: digits, the decimal point,
#: letters and underscores (names), operators, parentheses and commas.
EXPRESSION_CHARACTERS = frozenset(
    "0123456789.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_+-*/%(),"
)
#: Characters whose refusal comes with a hint of what to write instead.
HINTED = frozenset("^\u00d7\u00b7\u00f7\u2212\u2013\u03c0\u221a\u00b2\u00b3[]{}=!")

#: Text that reads as tokens without complaint: names, operators, parentheses,
#: commas and spaces (no digits or points, so no number can be malformed).
clean_tokens = st.text(alphabet="abcxyz_ +-*/%(),\t", max_size=30)
foreign = st.characters().filter(
    lambda c: not c.isspace() and c not in EXPRESSION_CHARACTERS and c not in HINTED
)


def caret(text: str, index: int) -> str:
    """The two lines under the first line of an error found at ``text[index]``.

    As the README says: the expression, or for a long one the 60 characters
    around the position with ``...`` where text was left out; then a caret.
    """
    start, end = 0, len(text)
    if len(text) > 70:
        start = max(0, index - 30)
        end = min(len(text), start + 60)
        start = max(0, end - 60)
    prefix = "..." if start > 0 else ""
    suffix = "..." if end < len(text) else ""
    shown = "".join(" " if c.isspace() else c if c.isprintable() else "?" for c in text[start:end])
    return f"\n  {prefix}{shown}{suffix}\n  {' ' * (len(prefix) + index - start)}^"


EMPTY = "the expression is empty; write an arithmetic expression such as 2 * (3 + 4)"
SYNTAX = re.compile(r"(?P<what>\S.*?) at position (?P<position>\d+)(?P<hint>; .+)?")
EVALUATION = re.compile(r"(?P<what>[a-z][a-z ]*) in '(?P<quoted>[^']+)'(?P<detail>: .+)?")


def assert_points_into(text: str, message: str) -> None:
    """A refusal of ``text`` says where: a position with a caret under it, or
    the part of the expression whose evaluation failed, quoted."""
    if not text.strip():
        assert message == EMPTY
        return
    first, *rest = message.split("\n")
    syntax = SYNTAX.fullmatch(first)
    if rest:
        assert syntax, message
        index = int(syntax["position"]) - 1
        assert 0 <= index <= len(text), message
        assert "\n" + "\n".join(rest) == caret(text, index), message
        return
    evaluation = EVALUATION.fullmatch(first)
    assert evaluation, message
    quoted = evaluation["quoted"]
    if " ... " not in quoted:  # a long part is quoted by its two ends
        assert quoted in " ".join(text.split()), message


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(categories=["Zs", "Zl", "Zp", "Cc"]).filter(str.isspace)))
def test_blank_text_is_refused_as_empty(text: str) -> None:
    with pytest.raises(CommandError) as info:
        CALCULATOR.evaluate(text)
    assert str(info.value) == (
        "the expression is empty; write an arithmetic expression such as 2 * (3 + 4)"
    )


@settings(max_examples=300, deadline=None)
@given(clean_tokens, foreign, st.text(max_size=30))
def test_a_character_no_expression_holds_is_refused_where_it_is(
    before: str, char: str, after: str
) -> None:
    text = before + char + after
    shown = f"'{char}'" if char.isprintable() else f"U+{ord(char):04X}"
    with pytest.raises(CommandError) as info:
        CALCULATOR.evaluate(text)
    expected = f"unknown character {shown} at position {len(before) + 1}"
    assert str(info.value) == expected + caret(text, len(before))


PIECES = [
    *"0123456789.eE+-*/%(),  ",
    "**",
    "//",
    "pi",
    "e",
    "sqrt(",
    "log(",
    "round(",
    "max(",
    "min(",
    "exp(",
    "sin(",
    "tan(",
    "1e9999",
    "9**9999",
    "1e-9999",
    "x",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_expression_like_text_gives_a_result_or_says_where_it_fails(text: str) -> None:
    # Whether such a text has a value depends on all of the calculator (an
    # exact reference for the arithmetic is test_evaluate_matches_exact_reference):
    # what is pinned is that a result reads back and a refusal points into it.
    try:
        result = CALCULATOR.evaluate(text)
    except CommandError as error:
        assert_points_into(text, str(error))
    else:
        assert NUMBER_SHAPE.fullmatch(result)
        assert value_of(CALCULATOR.evaluate(result)) == value_of(result)


@settings(max_examples=300, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimal_literals_round_trip(value: Decimal) -> None:
    assume(value.is_zero() or -10_000 <= value.adjusted() < 10_000)
    assume(len(value.as_tuple().digits) <= 1000)
    result = CALCULATOR.evaluate(str(value))
    assert value_of(result) == Fraction(value)
    assert NUMBER_SHAPE.fullmatch(result)


@settings(max_examples=300, deadline=None)
@given(st.fractions(max_denominator=10**6))
def test_results_read_back_as_the_same_number(value: Fraction) -> None:
    text = f"{value.numerator} / {value.denominator}"
    result = CALCULATOR.evaluate(text)
    again = CALCULATOR.evaluate(result)
    assert value_of(again) == value_of(result)
    if terminates(value):
        assert value_of(result) == value


finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(finite, finite, st.sampled_from(["add", "subtract", "multiply", "divide"]))
def test_typed_commands_round_the_exact_decimal_result(a: float, b: float, name: str) -> None:
    assume(name != "divide" or b != 0)
    x, y = Fraction(Decimal(repr(a))), Fraction(Decimal(repr(b)))
    operations = {
        "add": x.__add__,
        "subtract": x.__sub__,
        "multiply": x.__mul__,
        "divide": x.__truediv__,
    }
    exact = operations[name](y)
    assume(exact == 0 or 1e-300 < abs(exact) < 1e300)
    result = getattr(CALCULATOR, name)(a, b)
    if exact.denominator == 1:
        assert type(result) is int
        assert result == exact
    else:
        assert type(result) is float
        assert result == float(exact)


FLOAT_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "exp": math.exp,
    "abs": abs,
    "floor": math.floor,
    "ceil": math.ceil,
}

moderate = st.floats(min_value=-50, max_value=50, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(moderate, st.sampled_from(["sin", "cos", "tan", "exp", "abs", "floor", "ceil"]))
def test_functions_agree_with_floats(x: float, name: str) -> None:
    if name == "tan":
        assume(abs(math.cos(x)) > 1e-3)
    reference = FLOAT_FUNCTIONS[name]
    got = float(value_of(CALCULATOR.evaluate(f"{name}({x!r})")))
    assert math.isclose(got, reference(x), rel_tol=1e-12, abs_tol=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1e-100, max_value=1e100, allow_nan=False, allow_infinity=False))
def test_sqrt_and_log_agree_with_floats(x: float) -> None:
    root = value_of(CALCULATOR.evaluate(f"sqrt({x!r})"))
    assert math.isclose(float(root), math.sqrt(x), rel_tol=1e-14)
    assert abs(root**2 - Fraction(Decimal(repr(x)))) <= Fraction(Decimal(repr(x))) / 10**26
    log = float(value_of(CALCULATOR.evaluate(f"log({x!r})")))
    assert math.isclose(log, math.log(x), rel_tol=1e-12, abs_tol=1e-15)
    log2 = float(value_of(CALCULATOR.evaluate(f"log({x!r}, 2)")))
    assert math.isclose(log2, math.log2(x), rel_tol=1e-12, abs_tol=1e-15)


@settings(max_examples=200, deadline=None)
@given(st.integers(-(10**30), 10**30), st.integers(-40, 40))
def test_round_matches_a_fraction_reference(n: int, places: int) -> None:
    value = Fraction(n, 1000)
    scaled = value * Fraction(10) ** places
    rounded = math.floor(abs(scaled) + Fraction(1, 2)) * (1 if scaled >= 0 else -1)
    expected = rounded / Fraction(10) ** places
    result = CALCULATOR.evaluate(f"round({n} / 1000, {places})")
    assert value_of(result) == expected
