"""The protocol v1 codec: ``decode`` and ``LineReader`` against hostile input.

docs/protocol.md sets the rules (strict JSON-RPC 2.0 objects, one per line,
no NaN or Infinity, no duplicate keys, at most 64 levels deep, integers of at
most 4300 digits, lines of at most the limit); ``_protocol`` promises that
decoding returns a well-formed message or raises ``ProtocolViolation``, never
anything else, and never holds more than the line limit in memory.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plughost._protocol import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    LineReader,
    ProtocolViolation,
    decode,
    encode,
)

FUZZ = settings(max_examples=300, deadline=None, database=None)


def response(result: str) -> bytes:
    """A response line (without newline) whose result is the JSON text ``result``."""
    return b'{"jsonrpc":"2.0","id":1,"result":' + result.encode() + b"}"


def nested(depth: int) -> str:
    """A JSON array nested ``depth`` deep (the message object adds one more level)."""
    return "[" * depth + "]" * depth


def test_a_good_message_decodes() -> None:
    assert decode(response('{"a":[1,2.5,"é",null,true]}')) == {
        "jsonrpc": "2.0",
        "id": 1,
        "result": {"a": [1, 2.5, "é", None, True]},
    }


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        (b"", "empty"),
        (b"   ", "empty"),
        (b"Hello there!", "not JSON"),
        (b'{"jsonrpc":"2.0","id":1,"result":1}{}', "not JSON"),
        (b'{"jsonrpc":"2.0","id":1,"result":"\xff"}', "not valid UTF-8"),
        (b"\xef\xbb\xbf" + response("1"), "not JSON"),
        (b"[1,2]", "not an object"),
        (b'"hi"', "not an object"),
        (b"null", "not an object"),
        (b'{"id":1,"result":1}', '"jsonrpc": "2.0"'),
        (b'{"jsonrpc":"1.0","id":1,"result":1}', '"jsonrpc": "2.0"'),
        (response("NaN"), "NaN"),
        (response("Infinity"), "Infinity"),
        (response("-Infinity"), "-Infinity"),
        (b'{"jsonrpc":"2.0","id":1,"id":2,"result":1}', "repeats the key 'id'"),
        (response('{"a":{"b":1,"b":1}}'), "repeats the key 'b'"),
        (response(nested(100_000)), f"deeper than {MAX_DEPTH}"),
        (response(nested(MAX_DEPTH)), f"deeper than {MAX_DEPTH}"),
        (response("9" * 1_000_000), f"more than {MAX_INT_DIGITS} digits"),
        (response("9" * (MAX_INT_DIGITS + 1)), f"more than {MAX_INT_DIGITS} digits"),
        (response("-" + "9" * (MAX_INT_DIGITS + 1)), f"more than {MAX_INT_DIGITS} digits"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_rule_breaking_lines_are_refused(line: bytes, rule: str) -> None:
    with pytest.raises(ProtocolViolation) as caught:
        decode(line)
    text = str(caught.value)
    assert rule in text
    assert text.splitlines() == [text]


def test_limits_are_inclusive() -> None:
    # The message object is level 1: MAX_DEPTH - 1 more levels fit.
    assert decode(response(nested(MAX_DEPTH - 1)))["result"] is not None
    assert decode(response("9" * MAX_INT_DIGITS))["result"] == int("9" * MAX_INT_DIGITS)
    assert decode(response("-" + "9" * MAX_INT_DIGITS))["result"] == -int("9" * MAX_INT_DIGITS)


@pytest.mark.parametrize(
    "result",
    [
        "1e400",  # a float beyond the range of a double: decodes to inf
        "-1e400",
        "1" + "0" * 400 + ".0",
        '"\\ud800"',  # a lone surrogate: a str that is not Unicode text
        '"a\\udc00b"',
    ],
    ids=["1e400", "-1e400", "401-digit-float", "lone-high-surrogate", "lone-low-surrogate"],
)
def test_what_decode_accepts_encode_can_send(result: str) -> None:
    # "JSON is strict: no NaN or Infinity" and messages are UTF-8: a decoded
    # message must be a well-formed one, which encode (strict) can send on.
    try:
        message = decode(response(result))
    except ProtocolViolation:
        return
    encode(message)


def test_encode_then_decode_is_the_identity() -> None:
    message: dict[str, Any] = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "call",
        "params": {"command": "greet", "arguments": {"name": "Ada\u202f!\n\u2028", "n": -3.5}},
    }
    line = encode(message)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode(line[:-1]) == message


def test_a_lone_surrogate_goes_through_as_an_escape() -> None:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "result": "a\ud800b"}
    line = encode(message)
    assert line.isascii()
    assert decode(line[:-1]) == message


# -- LineReader ----------------------------------------------------------------------------


def test_line_reader_lines_and_end_of_stream() -> None:
    reader = LineReader(io.BytesIO(b"one\n\ntwo\n"), 10)
    assert reader.read() == b"one"
    assert reader.read() == b""
    assert reader.read() == b"two"
    assert reader.read() is None
    assert reader.read() is None


def test_line_reader_limit_is_inclusive() -> None:
    reader = LineReader(io.BytesIO(b"x" * 10 + b"\n" + b"y" * 11 + b"\n"), 10)
    assert reader.read() == b"x" * 10
    with pytest.raises(ProtocolViolation, match="longer than the limit of 10 bytes"):
        reader.read()


def test_line_reader_stream_ending_mid_line() -> None:
    reader = LineReader(io.BytesIO(b'{"jsonrpc":"2.0","id":1,"res'), 100)
    with pytest.raises(ProtocolViolation, match="ended in the middle of a message"):
        reader.read()


class Endless(io.RawIOBase):
    """A stream of ``x`` without end and without a newline; counts what was read."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        view[:] = b"x" * len(view)
        self.given += len(view)
        return len(view)


def test_line_reader_stops_reading_endless_bytes_at_the_limit() -> None:
    raw = Endless()
    limit = 1 << 20
    reader = LineReader(io.BufferedReader(raw, buffer_size=8192), limit)
    with pytest.raises(ProtocolViolation, match=f"longer than the limit of {limit} bytes"):
        reader.read()
    # At most the limit, plus one byte, plus what the buffer read ahead.
    assert raw.given <= limit + 1 + 8192


# -- never anything but ProtocolViolation --------------------------------------------------

JSONISH = st.text(alphabet='{}[]":,0123456789.eE+-truefalsn\\ u"jsonrpcid', max_size=80)


@FUZZ
@given(st.binary(max_size=200))
def test_arbitrary_bytes_decode_or_violate(line: bytes) -> None:
    try:
        message = decode(line)
    except ProtocolViolation as exc:
        assert str(exc).splitlines() == [str(exc)]
        return
    assert isinstance(message, dict)
    assert message["jsonrpc"] == "2.0"


@FUZZ
@given(JSONISH)
def test_json_like_text_decodes_or_violates(text: str) -> None:
    line = ('{"jsonrpc":"2.0","id":1,"result":' + text + "}").encode()
    try:
        message = decode(line)
    except ProtocolViolation:
        return
    assert isinstance(message, dict)


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**100), max_value=10**100)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"]))
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@FUZZ
@given(st.integers(min_value=0, max_value=2**31), VALUES)
def test_round_trip(id_: int, value: Any) -> None:
    message = {"jsonrpc": "2.0", "id": id_, "result": value}
    line = encode(message)
    assert b"\n" not in line[:-1]
    assert decode(line[:-1]) == message
