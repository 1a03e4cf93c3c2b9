"""Every way evaluate refuses an expression, and the messages it gives."""

from __future__ import annotations

import pytest

from plughost import CommandError
from plughost_calculator import Calculator


def err(expression: str) -> str:
    """The message of the CommandError that evaluating ``expression`` raises."""
    with pytest.raises(CommandError) as info:
        Calculator().evaluate(expression)
    return str(info.value)


def caret_position(message: str) -> int:
    """The 1-based position a three-line message's caret points at."""
    _, shown, caret = message.split("\n")
    assert shown.startswith("  ")
    assert caret.startswith("  ")
    assert caret.strip() == "^"
    return caret.index("^") - 1


def test_syntax_error_message_has_position_expression_and_caret() -> None:
    assert err("2 * (3 +) - 1") == (
        "unexpected ')' at position 9; expected a number, a constant, a function call,"
        " a sign or '('\n"
        "  2 * (3 +) - 1\n"
        "          ^"
    )


@pytest.mark.parametrize(
    ("expression", "first_line", "position"),
    [
        ("2 * (3 +) - 1", "unexpected ')' at position 9", 9),
        ("2 +", "unexpected end of expression at position 4", 4),
        ("2 +   ", "unexpected end of expression at position 4", 4),
        ("*2", "unexpected '*' at position 1", 1),
        ("2 * * 3", "unexpected '*' at position 5", 5),
        ("2 ** ** 3", "unexpected '**' at position 6", 6),
        ("(", "unexpected end of expression at position 2", 2),
        ("()", "unexpected ')' at position 2", 2),
        ("(1", "unclosed '(' at position 1; add a ')' to close it", 1),
        ("((1)", "unclosed '(' at position 1", 1),
        ("(1 + (2)", "unclosed '(' at position 1", 1),
        ("1 + (2 * (3)", "unclosed '(' at position 5", 5),
        ("sqrt(4", "unclosed '(' at position 5", 5),
        ("1)", "unmatched ')' at position 2; remove it or add a '(' before it", 2),
        ("(1))", "unmatched ')' at position 4", 4),
        ("2 3", "unexpected number '3' at position 3; expected an operator or the end", 3),
        ("2 (3)", "unexpected '(' at position 3", 3),
        ("2pi", "unexpected name 'pi' at position 2", 2),
        ("(2 3)", "unexpected number '3' at position 4; expected an operator or ')'", 4),
        ("max(1 2)", "unexpected number '2' at position 7; expected an operator, ',' or ')'", 7),
        ("1.2.3", "malformed number '1.2.3' at position 1; a number has at most one decimal", 1),
        ("1 + 1..2", "malformed number '1..2' at position 5", 5),
        ("1e", "malformed number '1e' at position 1; the exponent needs digits", 1),
        ("1e+", "malformed number '1e+' at position 1", 1),
        ("2 * 3e-", "malformed number '3e-' at position 5", 5),
        ("1e3.5", "malformed number '1e3.5' at position 1; the exponent must be a whole", 1),
        (".", "malformed number '.' at position 1; a number needs at least one digit", 1),
        ("2 $ 3", "unknown character '$' at position 3", 3),
        ("2 ^ 3", "unknown character '^' at position 3; write ** for powers", 3),
        ("2 \u00d7 3", "unknown character '\u00d7' at position 3; write * to multiply", 3),
        ("\u03c0", "unknown character '\u03c0' at position 1; write pi", 1),
        ("[1]", "unknown character '[' at position 1; use ( and ) for grouping", 1),
        ("1 = 1", "unknown character '=' at position 3", 3),
        ("1 +\x00", "unknown character U+0000 at position 4", 4),
        (",", "unexpected ',' at position 1", 1),
        ("1, 2", "unexpected ',' at position 2; commas separate the arguments", 2),
        ("(1, 2)", "unexpected ',' at position 3; commas separate the arguments", 3),
        ("max(1,)", "unexpected ')' at position 7", 7),
        ("max(,1)", "unexpected ',' at position 5", 5),
        (
            "sqrt(1, 2)",
            "wrong number of arguments for sqrt at position 1; sqrt takes"
            " exactly 1 argument (2 given): sqrt(x)",
            1,
        ),
        (
            "1 + round(1, 2, 3)",
            "wrong number of arguments for round at position 5;"
            " round takes 1 or 2 arguments (3 given)",
            5,
        ),
        ("log()", "wrong number of arguments for log at position 1", 1),
        (
            "min()",
            "wrong number of arguments for min at position 1; min takes at least"
            " 1 argument (0 given)",
            1,
        ),
        ("sin(1, 2)", "wrong number of arguments for sin at position 1", 1),
        ("foo(2)", "unknown name 'foo' at position 1; did you mean 'floor'?", 1),
        (
            "x + 1",
            "unknown name 'x' at position 1; the calculator has no variables; the"
            " known names are abs, ceil, cos, e, exp, floor, log, max, min, pi, round, sin,"
            " sqrt, tan",
            1,
        ),
        ("2 * PI", "unknown name 'PI' at position 5; did you mean 'pi'?", 5),
        ("Sqrt(4)", "unknown name 'Sqrt' at position 1; did you mean 'sqrt'?", 1),
        ("sqr(4)", "unknown name 'sqr' at position 1; did you mean 'sqrt'?", 1),
        ("ln(2)", "unknown name 'ln' at position 1; write log(x) for the natural log", 1),
        ("log10(2)", "unknown name 'log10' at position 1; write log(x, 10)", 1),
        ("inf", "unknown name 'inf' at position 1; the calculator works with finite", 1),
        (
            "sqrt + 1",
            "function 'sqrt' without arguments at position 6; call it with parentheses: sqrt(x)",
            6,
        ),
        ("sqrt", "function 'sqrt' without arguments at position 5", 5),
        ("pi(2)", "'pi' is a constant, not a function at position 3", 3),
        ("1e999999999", "number too large at position 1; numbers must be below 1e+10000", 1),
        ("1 + 1e10000", "number too large at position 5", 5),
        ("1e-10001", "number too small at position 1; the smallest nonzero magnitude", 1),
        ("1e-99999999999999999999", "number too small at position 1", 1),
    ],
)
def test_syntax_errors(expression: str, first_line: str, position: int) -> None:
    message = err(expression)
    assert message.split("\n")[0].startswith(first_line)
    assert caret_position(message) == position


def test_caret_follows_the_expression_as_typed() -> None:
    message = err("1 +\t\u3000 $")
    assert message.split("\n")[1] == "  1 +   $"
    assert caret_position(message) == 7


def test_long_expression_shows_a_window_around_the_position() -> None:
    expression = "1+" * 3000 + ")" + "+1" * 1000
    message = err(expression)
    first, shown, caret = message.split("\n")
    assert first.startswith("unexpected ')' at position 6001")
    assert shown.startswith("  ...") and shown.endswith("...")
    assert len(shown) < 80
    assert shown[caret.index("^")] == ")"


def test_control_characters_are_not_echoed() -> None:
    message = err("1 + \x1b[31m")
    assert "\x1b" not in message
    assert message.split("\n")[0] == "unknown character U+001B at position 5"


@pytest.mark.parametrize("expression", ["", " ", "\t\n  "])
def test_empty_expression(expression: str) -> None:
    assert err(expression) == (
        "the expression is empty; write an arithmetic expression such as 2 * (3 + 4)"
    )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("1 / 0", "division by zero in '1 / 0'"),
        ("1 / (2 - 2)", "division by zero in '1 / (2 - 2)'"),
        ("1 + 1 // 0", "division by zero in '1 // 0'"),
        ("5 % 0", "division by zero in '5 % 0'"),
        ("5 % (0.5 - 0.5)", "division by zero in '5 % (0.5 - 0.5)'"),
        ("pi / 0", "division by zero in 'pi / 0'"),
        ("1 / sin(pi)", "division by zero in '1 / sin(pi)'"),
        ("pi // 0", "division by zero in 'pi // 0'"),
        ("pi % 0", "division by zero in 'pi % 0'"),
        ("0 ** -1", "division by zero in '0 ** -1': 0 cannot be raised to a negative power"),
        ("sqrt(-1)", "math domain error in 'sqrt(-1)': sqrt needs a number >= 0, got -1"),
        (
            "sqrt(-pi)",
            "math domain error in 'sqrt(-pi)': sqrt needs a number >= 0, got"
            " -3.141592653589793238462643383",
        ),
        ("log(0)", "math domain error in 'log(0)': log needs a number > 0, got 0"),
        ("log(-1)", "math domain error in 'log(-1)': log needs a number > 0, got -1"),
        (
            "log(8, 1)",
            "math domain error in 'log(8, 1)': the base of log(x, base) must be"
            " positive and not 1, got 1",
        ),
        (
            "log(8, 0)",
            "math domain error in 'log(8, 0)': the base of log(x, base) must be"
            " positive and not 1, got 0",
        ),
        (
            "log(8, -2)",
            "math domain error in 'log(8, -2)': the base of log(x, base) must be"
            " positive and not 1, got -2",
        ),
        ("log(0, 10)", "math domain error in 'log(0, 10)': log needs a number > 0, got 0"),
        (
            "tan(pi / 2)",
            "math domain error in 'tan(pi / 2)': tan is undefined at odd"
            " multiples of pi/2, such as 1.570796326794896619231321692",
        ),
        (
            "(-8) ** (1 / 3)",
            "not a real number in '(-8) ** (1 / 3)': a negative number (-8)"
            " raised to the fractional power 0.3333333333333333333333333333 has no real value",
        ),
        ("(-2) ** 0.5", "not a real number in '(-2) ** 0.5'"),
        (
            "round(2, 0.5)",
            "invalid argument in 'round(2, 0.5)': round(x, ndigits) needs a"
            " whole number of decimal places, got 0.5",
        ),
        (
            "2 ** 10 ** 10",
            "result too large in '2 ** 10 ** 10': it would have about"
            " 3,010,299,957 digits; the calculator handles numbers of at most 10,000 digits",
        ),
        ("10 ** 10000", "result too large in '10 ** 10000': it would have about 10,001 digits"),
        (
            "10 ** 9999 * 10",
            "result too large in '10 ** 9999 * 10': it would have about 10,001 digits",
        ),
        (
            "9 ** 9999 * 9 ** 9999 * 9 ** 9999",
            "result too large in '9 ** 9999 * 9 ** 9999': it would have about 19,083 digits",
        ),
        ("1e9999 + 9e9999", "result too large in '1e9999 + 9e9999'"),
        (
            "1e9999 // 1e-9999",
            "result too large in '1e9999 // 1e-9999': it would have about 19,999 digits",
        ),
        ("exp(1e10)", "result too large in 'exp(1e10)': it would have about 4,342,944,820 digits"),
        ("exp(23026)", "result too large in 'exp(23026)': it would have more than 10,000 digits"),
        (
            "exp(1e9999)",
            "result too large in 'exp(1e9999)': it would have far more than 10,000 digits",
        ),
        ("pi ** 1e9999", "result too large in 'pi ** 1e9999'"),
        ("pi * 4e9999", "result too large in 'pi * 4e9999'"),
        (
            "0.1 ** 20000",
            "result too small in '0.1 ** 20000': its magnitude would be about"
            " 1e-20000; the smallest nonzero magnitude the calculator handles is 1e-10000",
        ),
        (
            "exp(-1e10)",
            "result too small in 'exp(-1e10)': its magnitude would be about 1e-4342944820",
        ),
        ("1e-9999 / 1e9999", "result too small in '1e-9999 / 1e9999'"),
        ("pi * 1e-9999 * 1e-9999", "result too small in 'pi * 1e-9999 * 1e-9999'"),
        ("(1 + 1e-200) ** 1e200", "exponent too large in '(1 + 1e-200) ** 1e200'"),
    ],
)
def test_evaluation_errors(expression: str, message: str) -> None:
    text = err(expression)
    assert "\n" not in text
    assert text.startswith(message)


def test_evaluation_errors_quote_long_sub_expressions_briefly() -> None:
    expression = "2 + 1 / (" + "+".join(["1"] * 50) + " - 50)"
    assert err(expression) == (
        "division by zero in '1 / (1+1+1+1+1+1+1+1+1+1+1+1 ... +1+1+1+1+1+1+1+1+1+1+1 - 50)'"
    )
