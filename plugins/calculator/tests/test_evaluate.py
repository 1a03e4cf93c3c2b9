"""What evaluate computes: operators, precedence, numbers, functions, formatting."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from plughost_calculator import Calculator
from plughost_calculator._format import describe_number, format_number


def ev(expression: str) -> str:
    return Calculator().evaluate(expression)


def cases(table: str) -> list[tuple[str, str]]:
    """Parse lines of ``expression => result``."""
    pairs = []
    for line in table.strip().splitlines():
        expression, result = line.split("=>")
        pairs.append((expression.strip(), result.strip()))
    return pairs


@pytest.mark.parametrize(
    ("expression", "expected"),
    cases("""
        1 + 2                => 3
        5 - 8                => -3
        6 * 7                => 42
        7 / 2                => 3.5
        7 // 2               => 3
        7 % 3                => 1
        2 ** 10              => 1024
        -7 // 2              => -4
        7 // -2              => -4
        -7 // -2             => 3
        -7 % 3               => 2
        7 % -3               => -2
        -7 % -3              => -1
        7.5 // 2             => 3
        -7.5 // 2            => -4
        -7.5 % 2             => 0.5
        7.5 % -2             => -0.5
        5.5 % 2.5            => 0.5
        0 % 5                => 0
        -0.1 % 1             => 0.9
        +5                   => 5
        -5                   => -5
        --5                  => 5
        ---5                 => -5
        +-+5                 => -5
        1 - -1               => 2
        2 * -3               => -6
        2 ** 0.5 ** 2        => 1.189207115002721066717499971
    """),
)
def test_operators(expression: str, expected: str) -> None:
    assert ev(expression) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    cases("""
        2 + 3 * 4            => 14
        (2 + 3) * 4          => 20
        2 * 3 + 4            => 10
        10 - 2 - 3           => 5
        10 - (2 - 3)         => 11
        100 / 10 / 5         => 2
        100 / (10 / 5)       => 50
        2 ** 3 ** 2          => 512
        (2 ** 3) ** 2        => 64
        -2 ** 2              => -4
        (-2) ** 2            => 4
        2 ** -1              => 0.5
        2 ** -2 ** 2         => 0.0625
        -2 ** -2             => -0.25
        2 * 3 ** 2           => 18
        2 * -3 ** 2          => -18
        -3 ** 2 * 2          => -18
        2 ** 3 * 4           => 32
        2 ** -3 * 4          => 0.5
        7 // 2 * 2           => 6
        7 % 4 * 3 // 2       => 4
        1 + 7 % 4            => 4
        1 - 2 + 3            => 2
        -(2 + 3)             => -5
        ((((1))))            => 1
        2 * (3 + 4) - 0.1    => 13.9
    """),
)
def test_precedence_and_associativity(expression: str, expected: str) -> None:
    assert ev(expression) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    cases("""
        0                    => 0
        007                  => 7
        12.5                 => 12.5
        .5                   => 0.5
        5.                   => 5
        1e3                  => 1000
        1E3                  => 1000
        2.5E-4               => 0.00025
        2.5e+2               => 250
        .5e1                 => 5
        5.e-1                => 0.5
        1.50                 => 1.5
        -0                   => 0
        -0.0                 => 0
        0e999999999999       => 0
        1e9999               => 1e+9999
        1e-10000             => 1e-10000
    """),
)
def test_number_literals(expression: str, expected: str) -> None:
    assert ev(expression) == expected


def test_whitespace_is_ignored_between_tokens() -> None:
    assert ev(" \t2\n*\r(3 +\u00a04)\u3000") == "14"
    assert ev("2*(3+4)") == "14"


@pytest.mark.parametrize(
    ("expression", "expected"),
    cases("""
        0.1 + 0.2                => 0.3
        0.1 + 0.2 - 0.3          => 0
        1 / 3 * 3                => 1
        1 / 3                    => 0.3333333333333333333333333333
        2 / 3                    => 0.6666666666666666666666666667
        1 / 7 * 7                => 1
        10 / 4                   => 2.5
        -1 / 8                   => -0.125
        1.1 * 1.1                => 1.21
        2 ** 100                 => 1267650600228229401496703205376
        2 ** 100 - 2 ** 100 + 1  => 1
        3 ** 200 % 1000          => 1
        (1 / 3) ** 2             => 0.1111111111111111111111111111
        0.5 ** 20                => 9.5367431640625e-7
        0.5 ** 40                => 9.094947017729282379150390625e-13
        8 ** (1 / 3)             => 2
        27 ** (2 / 3)            => 9
        4 ** 0.5                 => 2
        0.25 ** -0.5             => 2
        (16 / 81) ** 0.25        => 0.6666666666666666666666666667
        0 ** 0                   => 1
        0 ** 2.5                 => 0
        (-2) ** 3                => -8
        (-1) ** 1001             => -1
        1 ** 1e9999              => 1
        (-1) ** (10 ** 9999)     => 1
    """),
)
def test_exact_arithmetic(expression: str, expected: str) -> None:
    assert ev(expression) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    cases("""
        sqrt(2)              => 1.414213562373095048801688724
        sqrt(16)             => 4
        sqrt(2.25)           => 1.5
        sqrt(1 / 4)          => 0.5
        sqrt(0)              => 0
        sqrt(10 ** 400)      => 1e+200
        abs(-3.5)            => 3.5
        abs(3)               => 3
        abs(-pi)             => 3.141592653589793238462643383
        round(2.5)           => 3
        round(3.5)           => 4
        round(-2.5)          => -3
        round(2.4)           => 2
        round(2.675, 2)      => 2.68
        round(1234.5, -2)    => 1200
        round(1250, -2)      => 1300
        round(-1250, -2)     => -1300
        round(1 / 3, 5)      => 0.33333
        round(pi, 2)         => 3.14
        round(pi, 2) * 100   => 314
        round(5, 2)          => 5
        round(2.5, 0)        => 3
        round(1.5, 1e9999)   => 1.5
        round(123, -99999)   => 0
        floor(2.5)           => 2
        floor(-2.5)          => -3
        floor(3)             => 3
        floor(pi)            => 3
        ceil(2.1)            => 3
        ceil(-2.5)           => -2
        ceil(-pi)            => -3
        min(3, 1, 2)         => 1
        min(7)               => 7
        max(1, 2.5, -3)      => 2.5
        max(-1, -2)          => -1
        max(pi, 3.15)        => 3.15
        min(pi, 3.15)        => 3.141592653589793238462643383
        log(1)               => 0
        log(e)               => 1
        log(exp(2))          => 2
        log(10)              => 2.302585092994045684017991455
        log(1000, 10)        => 3
        log(8, 2)            => 3
        log(0.001, 10)       => -3
        log(1 / 8, 2)        => -3
        log(2, 8)            => 0.3333333333333333333333333333
        log(1 + 1e-30)       => 1e-30
        log(100, 0.1)        => -2
        exp(0)               => 1
        exp(1)               => 2.718281828459045235360287471
        exp(-1)              => 0.3678794411714423215955237702
        exp(log(7))          => 7
        sin(0)               => 0
        sin(1)               => 0.8414709848078965066525023216
        sin(-1)              => -0.8414709848078965066525023216
        sin(pi)              => 0
        sin(pi / 2)          => 1
        sin(pi / 6)          => 0.5
        sin(1e22)            => -0.8522008497671888017727058938
        cos(0)               => 1
        cos(1)               => 0.5403023058681397174009366074
        cos(pi)              => -1
        cos(pi / 2)          => 0
        cos(pi / 3)          => 0.5
        tan(0)               => 0
        tan(1)               => 1.557407724654902230506974807
        tan(pi / 4)          => 1
        tan(pi)              => 0
        tan(-pi / 4)         => -1
        pi                   => 3.141592653589793238462643383
        e                    => 2.718281828459045235360287471
        2 * pi               => 6.283185307179586476925286767
        sqrt(2) ** 2         => 2
        sqrt(2) ** 2 - 2     => 0
        2 ** 0.5             => 1.414213562373095048801688724
        3 * pi % pi          => 0
        pi // 1              => 3
        (1 + 1e-60) ** 1e60  => 2.718281828459045235360287471
        (1 + 1e-20) ** 1e20  => 2.718281828459045235346696062
    """),
)
def test_functions_and_constants(expression: str, expected: str) -> None:
    assert ev(expression) == expected


def test_functions_nest() -> None:
    assert ev("sqrt(" * 200 + "16" + ")" * 200) == "1"
    assert ev("max(1, min(5, abs(-3)), floor(2.5))") == "3"
    assert ev("round(sqrt(2), 3) + 1") == "2.414"


@pytest.mark.parametrize(
    ("expression", "expected"),
    cases("""
        14.0                 => 14
        1001                 => 1001
        1.001e3              => 1001
        2.5                  => 2.5
        -0.125               => -0.125
        1.50                 => 1.5
        100                  => 100
        0.000001             => 0.000001
        0.0000015            => 0.0000015
        0.0000001            => 1e-7
        -0.00000012          => -1.2e-7
        99999999999999999999 => 99999999999999999999
        1e20                 => 100000000000000000000
        1e21                 => 1e+21
        1.5e40               => 1.5e+40
        -1.5e40              => -1.5e+40
        2 ** 100 * 10 ** 20  => 126765060022822940149670320537600000000000000000000
        2 ** 100 * 10 ** 21  => 1.267650600228229401496703205376e+51
        1e25 + 0.5           => 10000000000000000000000000.5
        exp(40)              => 235385266837019985.4078999107
        exp(50)              => 5.184705528587072464087453323e+21
        exp(-20)             => 2.06115362243855782796594038e-9
        1 / 3 * 1e-7         => 3.333333333333333333333333333e-8
        2 / 3 * 1e30         => 6.666666666666666666666666667e+29
    """),
)
def test_formatting(expression: str, expected: str) -> None:
    assert ev(expression) == expected


def test_exact_integers_are_written_in_full() -> None:
    result = ev("9 ** 9999")
    assert len(result) == 9542
    assert result == format(Decimal(9**9999), "f")


def test_long_terminating_decimals_are_rounded() -> None:
    # 1/2**33000 has about 23,000 significant digits: more than 10,000.
    assert ev("0.5 ** 33000") == "1.023630195981182684587454845e-9934"
    assert ev("(2 / 3) ** 30000") == "1.829061589325530003629796904e-5283"


def test_format_number_directly() -> None:
    assert format_number(Fraction(0)) == "0"
    assert format_number(Decimal("-0")) == "0"
    assert format_number(Decimal("1.2300")) == "1.23"
    assert format_number(Decimal("1E+3")) == "1000"
    assert format_number(Fraction(1, 3)) == "0.3333333333333333333333333333"
    assert format_number(Fraction(-5, 4)) == "-1.25"


def test_describe_number_is_short() -> None:
    assert describe_number(Fraction(-1)) == "-1"
    assert describe_number(Fraction(2**200)) == "1.60694e+60"
