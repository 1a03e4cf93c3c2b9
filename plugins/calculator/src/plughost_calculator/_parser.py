"""Reading and evaluating an expression, without eval and without recursion.

The grammar, with Python's precedence and associativity::

    expression := term (("+" | "-") term)*
    term       := factor (("*" | "/" | "//" | "%") factor)*
    factor     := ("+" | "-") factor | power
    power      := primary ["**" factor]
    primary    := number | constant | function "(" arguments ")" | "(" expression ")"
    arguments  := expression ("," expression)*

So ``**`` is right-associative and binds tighter than a sign on its left
(``-2 ** 2`` is -4) but not on its right (``2 ** -1`` is 0.5).

:func:`parse` turns the tokens into postfix steps with the shunting-yard
algorithm and :func:`run` evaluates them on a stack: both are loops, so a
chain of 5,000 additions or signs costs no Python recursion. Parentheses and
function calls may nest :data:`MAX_DEPTH` levels deep.
"""

from __future__ import annotations

import decimal
import difflib
from collections.abc import Callable
from dataclasses import dataclass

from plughost import CommandError

from ._format import Number, format_number
from ._functions import CONSTANTS, FUNCTIONS, NAME_HINTS
from ._limits import MAX_DEPTH, MAX_LENGTH
from ._numbers import (
    EvaluationProblem,
    add,
    divide,
    floor_divide,
    modulo,
    multiply,
    negate,
    power,
    subtract,
    translate_signal,
)
from ._tokenizer import Token, describe_token, syntax_error, tokenize

__all__ = ["Step", "calculate", "parse", "run"]

#: How much of a sub-expression an evaluation error quotes.
_QUOTE = 60

_BINARY: dict[str, Callable[[Number, Number], Number]] = {
    "+": add,
    "-": subtract,
    "*": multiply,
    "/": divide,
    "//": floor_divide,
    "%": modulo,
    "**": power,
}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "//": 2, "%": 2, "**": 4}
_SIGN_PRECEDENCE = 3
_KNOWN = ", ".join(sorted([*FUNCTIONS, *CONSTANTS]))
_EXPECT_OPERAND = "expected a number, a constant, a function call, a sign or '('"


@dataclass(frozen=True, slots=True)
class NumberStep:
    """Push a number."""

    value: Number
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ConstantStep:
    """Push a named constant."""

    name: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class SignStep:
    """Apply a unary ``+`` or ``-`` to the top of the stack."""

    operator: str
    start: int


@dataclass(frozen=True, slots=True)
class BinaryStep:
    """Combine the two values on top of the stack."""

    operator: str
    start: int


@dataclass(frozen=True, slots=True)
class CallStep:
    """Call a function on the ``count`` values on top of the stack."""

    name: str
    count: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class GroupStep:
    """Widen the span of the top value to its parentheses."""

    start: int
    end: int


Step = NumberStep | ConstantStep | SignStep | BinaryStep | CallStep | GroupStep


@dataclass(slots=True)
class _Open:
    """An open parenthesis on the operator stack, of a call if ``function``."""

    start: int
    function: str | None = None
    name_start: int = 0
    count: int = 1


def calculate(expression: str) -> str:
    """Evaluate ``expression`` and write the result as a person reads it.

    Raises CommandError for every problem: syntax, unknown names, limits,
    division by zero, domain errors, results out of range.
    """
    if len(expression) > MAX_LENGTH:
        raise CommandError(
            f"the expression is {len(expression):,} characters long; the limit is"
            f" {MAX_LENGTH:,} characters"
        )
    if not expression.strip():
        raise CommandError(
            "the expression is empty; write an arithmetic expression such as 2 * (3 + 4)"
        )
    return format_number(run(expression, parse(expression, tokenize(expression))))


def parse(text: str, tokens: list[Token]) -> list[Step]:
    """Turn ``tokens`` (of ``text``) into postfix steps, checking the syntax."""
    return _Parser(text, tokens).parse()


class _Parser:
    """The shunting-yard algorithm, with the state of one expression."""

    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.next = 0
        self.output: list[Step] = []
        self.stack: list[SignStep | BinaryStep | _Open] = []
        self.depth = 0

    def take(self) -> Token:
        """The next token, consumed."""
        token = self.tokens[self.next]
        self.next += 1
        return token

    def parse(self) -> list[Step]:
        """Read all tokens and return the postfix steps."""
        expect_operand = True
        while True:
            token = self.take()
            if expect_operand:
                expect_operand = self.operand(token)
            elif token.kind == "operator":
                self.pop_operators(_PRECEDENCE[token.text], right=token.text == "**")
                self.stack.append(BinaryStep(token.text, token.start))
                expect_operand = True
            elif token.kind == "comma":
                self.comma(token)
                expect_operand = True
            elif token.kind == "rparen":
                self.close(token)
            elif token.kind == "end":
                self.pop_operators()
                if self.stack:
                    opened = self.stack[-1]
                    assert isinstance(opened, _Open)
                    raise syntax_error(
                        "unclosed '('", self.text, opened.start, "add a ')' to close it"
                    )
                return self.output
            else:
                raise syntax_error(
                    f"unexpected {describe_token(token)}",
                    self.text,
                    token.start,
                    _expect_operator(self.stack, token),
                )

    def operand(self, token: Token) -> bool:
        """Handle ``token`` where an operand must start; True if one still must."""
        if token.kind == "number":
            assert token.value is not None
            self.output.append(NumberStep(token.value, token.start, token.end))
            return False
        if token.kind == "name":
            following = self.tokens[self.next]
            _check_name(self.text, token, following)
            if token.text in CONSTANTS:
                self.output.append(ConstantStep(token.text, token.start, token.end))
                return False
            self.open(self.take(), token)
            if self.tokens[self.next].kind == "rparen":
                _wrong_count(self.text, token.text, token.start, 0)
            return True
        if token.kind == "operator" and token.text in "+-":
            self.stack.append(SignStep(token.text, token.start))
            return True
        if token.kind == "lparen":
            self.open(token, None)
            return True
        raise syntax_error(
            f"unexpected {describe_token(token)}", self.text, token.start, _EXPECT_OPERAND
        )

    def open(self, paren: Token, function: Token | None) -> None:
        """Push an opening parenthesis (of a call of ``function``)."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise syntax_error(
                "too deeply nested",
                self.text,
                paren.start,
                f"parentheses and function calls may nest at most {MAX_DEPTH} levels deep",
            )
        if function is None:
            self.stack.append(_Open(paren.start))
        else:
            self.stack.append(_Open(paren.start, function.text, function.start))

    def comma(self, token: Token) -> None:
        """Start the next argument of the innermost function call."""
        self.pop_operators()
        opened = self.stack[-1] if self.stack else None
        if not isinstance(opened, _Open) or opened.function is None:
            raise syntax_error(
                "unexpected ','",
                self.text,
                token.start,
                "commas separate the arguments of a function call",
            )
        opened.count += 1

    def close(self, token: Token) -> None:
        """Close the innermost parenthesis or function call."""
        self.pop_operators()
        if not self.stack:
            raise syntax_error(
                "unmatched ')'", self.text, token.start, "remove it or add a '(' before it"
            )
        opened = self.stack.pop()
        assert isinstance(opened, _Open)
        self.depth -= 1
        if opened.function is None:
            self.output.append(GroupStep(opened.start, token.end))
            return
        if not FUNCTIONS[opened.function].accepts(opened.count):
            _wrong_count(self.text, opened.function, opened.name_start, opened.count)
        self.output.append(CallStep(opened.function, opened.count, opened.name_start, token.end))

    def pop_operators(self, precedence: int = 0, *, right: bool = False) -> None:
        """Move operators binding at least as tightly as ``precedence`` to the output.

        Stops at an opening parenthesis; with ``right`` (for ``**``), stops at
        an operator of equal precedence too.
        """
        while self.stack:
            top = self.stack[-1]
            if isinstance(top, _Open):
                return
            above = _SIGN_PRECEDENCE if isinstance(top, SignStep) else _PRECEDENCE[top.operator]
            if above < precedence or (above == precedence and right):
                return
            self.stack.pop()
            self.output.append(top)


def _expect_operator(stack: list[SignStep | BinaryStep | _Open], token: Token) -> str:
    """What could have come instead of ``token`` after a complete operand."""
    opened = next((s for s in reversed(stack) if isinstance(s, _Open)), None)
    if opened is None:
        expected = "expected an operator or the end of the expression"
    elif opened.function is not None:
        expected = f"expected an operator, ',' or ')' in the call of {opened.function}"
    else:
        expected = "expected an operator or ')'"
    if token.kind in ("number", "name", "lparen"):
        expected += " (write * to multiply)"
    return expected


def _check_name(text: str, token: Token, following: Token) -> None:
    """Refuse unknown names, constants called like functions and the reverse."""
    name = token.text
    if name in CONSTANTS:
        if following.kind == "lparen":
            raise syntax_error(
                f"'{name}' is a constant, not a function",
                text,
                following.start,
                f"write {name} without parentheses",
            )
        return
    if name in FUNCTIONS:
        if following.kind != "lparen":
            usage = FUNCTIONS[name].usage
            raise syntax_error(
                f"function '{name}' without arguments",
                text,
                following.start,
                f"call it with parentheses: {usage}",
            )
        return
    if name in NAME_HINTS:
        hint = NAME_HINTS[name]
    else:
        lower = name.lower()
        close = [lower] if lower in FUNCTIONS or lower in CONSTANTS else []
        close = close or difflib.get_close_matches(lower, [*FUNCTIONS, *CONSTANTS], n=1)
        if close:
            hint = f"did you mean '{close[0]}'?"
        else:
            hint = f"the calculator has no variables; the known names are {_KNOWN}"
    raise syntax_error(f"unknown name '{name}'", text, token.start, hint)


def _wrong_count(text: str, name: str, start: int, count: int) -> None:
    function = FUNCTIONS[name]
    raise syntax_error(
        f"wrong number of arguments for {name}",
        text,
        start,
        f"{name} takes {function.arity()} ({count} given): {function.usage}",
    )


def run(text: str, steps: list[Step]) -> Number:
    """Evaluate the postfix ``steps`` of ``text`` and return the value.

    Raises CommandError, quoting the sub-expression, for a value that cannot
    be computed.
    """
    stack: list[tuple[Number, int, int]] = []
    for step in steps:
        if isinstance(step, NumberStep):
            stack.append((step.value, step.start, step.end))
        elif isinstance(step, ConstantStep):
            stack.append((CONSTANTS[step.name], step.start, step.end))
        elif isinstance(step, GroupStep):
            value = stack.pop()[0]
            stack.append((value, step.start, step.end))
        elif isinstance(step, SignStep):
            value, _, end = stack.pop()
            result = value if step.operator == "+" else negate(value)
            stack.append((result, step.start, end))
        elif isinstance(step, BinaryStep):
            right, _, end = stack.pop()
            left, start, _ = stack.pop()
            operation = _BINARY[step.operator]
            stack.append((_apply(text, start, end, operation, left, right), start, end))
        else:
            arguments = [value for value, _, _ in stack[len(stack) - step.count :]]
            del stack[len(stack) - step.count :]
            apply = FUNCTIONS[step.name].apply
            stack.append(
                (_apply(text, step.start, step.end, apply, arguments), step.start, step.end)
            )
    ((value, _, _),) = stack
    return value


def _apply(
    text: str, start: int, end: int, operation: Callable[..., Number], *args: object
) -> Number:
    """Run one operation, turning its problems into messages quoting ``text[start:end]``."""
    try:
        return operation(*args)
    except EvaluationProblem as problem:
        raise _problem(problem, text, start, end) from None
    except decimal.DecimalException as signal:
        raise _problem(translate_signal(signal), text, start, end) from None


def _problem(problem: EvaluationProblem, text: str, start: int, end: int) -> CommandError:
    quoted = " ".join(text[start:end].split())
    if len(quoted) > _QUOTE:
        half = _QUOTE // 2 - 2
        quoted = f"{quoted[:half]} ... {quoted[-half:]}"
    message = f"{problem.headline} in '{quoted}'"
    return CommandError(f"{message}: {problem.detail}" if problem.detail else message)
