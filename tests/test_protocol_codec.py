"""The protocol v1 codec: ``decode`` and ``LineReader`` against hostile input.

docs/protocol.md sets the rules (strict JSON-RPC 2.0 objects, one per line,
no NaN or Infinity, no duplicate keys, at most 64 levels deep, integers of at
most 4300 digits, lines of at most the limit); ``_protocol`` promises that
decoding returns a well-formed message or raises ``ProtocolViolation``, never
anything else, and never holds more than the line limit in memory.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plughost._runtime.protocol import (
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
    # Objects and arrays count as levels, the values inside them do not.
    deepest = "[" * (MAX_DEPTH - 2) + '{"a":1}' + "]" * (MAX_DEPTH - 2)
    assert decode(response(deepest))["result"] == json.loads(deepest)
    assert decode(response("[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1)))["result"]
    assert decode(response("9" * MAX_INT_DIGITS))["result"] == int("9" * MAX_INT_DIGITS)
    assert decode(response("-" + "9" * MAX_INT_DIGITS))["result"] == -int("9" * MAX_INT_DIGITS)


@pytest.mark.parametrize(
    "result",
    ["1e400", "-1e400", "1" + "0" * 400 + ".0"],
    ids=["1e400", "-1e400", "401-digit-float"],
)
def test_a_float_beyond_a_double_is_refused(result: str) -> None:
    # Python would read it as inf, which JSON cannot carry.
    with pytest.raises(ProtocolViolation) as caught:
        decode(response(result))
    assert str(caught.value) == (
        f"the message contains the number {result[:40]}, too large for JSON"
    )


@pytest.mark.parametrize(
    ("result", "text"),
    [('"\\ud800"', "\ud800"), ('"a\\udc00b"', "a\udc00b")],
    ids=["lone-high-surrogate", "lone-low-surrogate"],
)
def test_a_lone_surrogate_is_accepted_and_sent_on_as_it_came(result: str, text: str) -> None:
    # A str that is not Unicode text: decode accepts it, encode sends it on
    # as the same escape, so a message survives passing through.
    message = decode(response(result))
    assert message["result"] == text
    line = encode(message)
    assert line.isascii()
    assert decode(line[:-1]) == message


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


# -- every kind of input, with what it must give -------------------------------------------
#
# Each strategy makes inputs of one kind, whose outcome is known in advance:
# the standard library's own parser (which knows nothing of the protocol's
# rules) and the documented rules say what decode must return or refuse.

PLAIN = json.JSONDecoder()


def levels(value: Any) -> int:
    """How deep objects and arrays nest in ``value``."""
    if isinstance(value, dict):
        return 1 + max(map(levels, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(levels, value), default=0)
    return 0


def refusal(line: bytes) -> str:
    """decode's message for ``line``."""
    with pytest.raises(ProtocolViolation) as caught:
        decode(line)
    text = str(caught.value)
    assert text.splitlines() == [text]
    return text


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
#: Ways to spell the same JSON: compact or spaced, escaped or raw UTF-8.
SPELLINGS = st.sampled_from(
    [
        {"separators": (",", ":"), "ensure_ascii": False},
        {"separators": (", ", ": "), "ensure_ascii": True},
        {"indent": None, "ensure_ascii": False},
    ]
)
#: JSON-like text without quotes (so no keys, no strings), without e, E, N
#: and I (so no exponents, true, false, NaN or Infinity) and short: no rule of
#: the protocol can apply before the standard parser's own verdict.
NO_RULE_TEXT = st.text(alphabet="{}[]:,0123456789.+-nul \t\r", max_size=80)
NO_RULE_BYTES = st.binary(max_size=200).map(lambda b: b.translate(None, b'"eENI'))


@FUZZ
@given(st.integers(min_value=0, max_value=2**31), VALUES)
def test_round_trip(id_: int, value: Any) -> None:
    message = {"jsonrpc": "2.0", "id": id_, "result": value}
    line = encode(message)
    assert b"\n" not in line[:-1]
    assert decode(line[:-1]) == message


@FUZZ
@given(VALUES, SPELLINGS)
def test_every_well_formed_message_is_accepted_as_the_json_it_is(
    value: Any, spelling: dict[str, Any]
) -> None:
    text = json.dumps({"jsonrpc": "2.0", "id": 1, "result": value}, **spelling)
    assert decode(text.encode()) == PLAIN.decode(text)


#: Byte sequences that are not UTF-8 whatever follows them: a byte that is
#: never UTF-8, a stray continuation byte, an overlong form, an encoded
#: surrogate, a code point beyond U+10FFFF, a sequence cut short by ASCII.
NOT_UTF8 = st.sampled_from(
    [b"\xff", b"\x80", b"\xc0\x80", b"\xed\xa0\x80", b"\xf5\x80\x80\x80", b"\xe2\x82!"]
)


@FUZZ
@given(st.text(max_size=50), NOT_UTF8, st.binary(max_size=50))
def test_bytes_that_are_not_utf8_are_refused_at_the_first_bad_byte(
    before: str, bad: bytes, after: bytes
) -> None:
    head = before.encode()
    line = head + bad + after
    assert refusal(line) == f"the message is not valid UTF-8 (byte {len(head)})"


@FUZZ
@given(st.text(alphabet=" \t\r\x0b\x0c\x1c\x85\u2028\u3000", max_size=40))
def test_blank_lines_are_empty(text: str) -> None:
    assert refusal(text.encode()) == "the message is empty"


@FUZZ
@given(NO_RULE_BYTES)
def test_arbitrary_bytes_are_refused_with_the_reason_that_applies(line: bytes) -> None:
    # Without quotes no such line can hold "jsonrpc": every one is refused.
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        assert refusal(line) == f"the message is not valid UTF-8 (byte {exc.start})"
        return
    if not text.strip():
        assert refusal(line) == "the message is empty"
        return
    try:
        value = PLAIN.decode(text)
    except json.JSONDecodeError as exc:
        assert refusal(line) == f"the message is not JSON ({exc.msg} at column {exc.colno})"
        return
    if levels(value) > MAX_DEPTH:
        assert refusal(line) == f"the message nests deeper than {MAX_DEPTH} levels"
    elif isinstance(value, dict):
        assert refusal(line) == 'the message lacks "jsonrpc": "2.0"'
    else:
        assert refusal(line) == f"the message is a JSON {type(value).__name__}, not an object"


@FUZZ
@given(NO_RULE_TEXT)
def test_json_like_results_are_accepted_exactly_when_they_are_json(text: str) -> None:
    line = '{"jsonrpc":"2.0","id":1,"result":' + text + "}"
    try:
        value = PLAIN.decode(line)
    except json.JSONDecodeError as exc:
        assert refusal(line.encode()) == (
            f"the message is not JSON ({exc.msg} at column {exc.colno})"
        )
        return
    if levels(value) > MAX_DEPTH:
        assert refusal(line.encode()) == f"the message nests deeper than {MAX_DEPTH} levels"
    else:
        assert decode(line.encode()) == value


@FUZZ
@given(VALUES.filter(lambda v: not isinstance(v, dict)), SPELLINGS)
def test_json_that_is_not_an_object_is_refused(value: Any, spelling: dict[str, Any]) -> None:
    line = json.dumps(value, **spelling).encode()
    assert refusal(line) == f"the message is a JSON {type(value).__name__}, not an object"


@FUZZ
@given(st.dictionaries(st.text(max_size=8), VALUES, max_size=4), st.sampled_from([None, "1.0", 2]))
def test_objects_without_jsonrpc_2_0_are_refused(members: dict[str, Any], version: Any) -> None:
    members.pop("jsonrpc", None)
    if version is not None:
        members["jsonrpc"] = version
    assert refusal(json.dumps(members).encode()) == 'the message lacks "jsonrpc": "2.0"'


@FUZZ
@given(VALUES, st.data())
def test_a_message_cut_short_is_not_json(value: Any, data: st.DataObject) -> None:
    text = json.dumps({"jsonrpc": "2.0", "id": 1, "result": value}, ensure_ascii=False)
    cut = data.draw(st.integers(min_value=1, max_value=len(text) - 1))
    prefix = text[:cut]
    with pytest.raises(json.JSONDecodeError) as plain:
        PLAIN.decode(prefix)
    expected = f"the message is not JSON ({plain.value.msg} at column {plain.value.colno})"
    assert refusal(prefix.encode()) == expected


@FUZZ
@given(VALUES, st.sampled_from(["NaN", "Infinity", "-Infinity"]), st.data())
def test_nan_and_infinity_are_refused_wherever_they_are(
    value: Any, constant: str, data: st.DataObject
) -> None:
    # Put the constant in place of one value of the result. The marker is a
    # lone surrogate, which no value of VALUES holds.
    marker = "\ud800"
    spot = data.draw(st.sampled_from(list(_places(value))))
    text = json.dumps({"jsonrpc": "2.0", "id": 1, "result": _replace(value, spot, marker)})
    line = text.replace(json.dumps(marker), constant, 1).encode()
    assert refusal(line) == f"the message contains {constant}, which JSON does not allow"


@FUZZ
@given(st.text(max_size=5), VALUES, VALUES)
def test_a_repeated_key_is_refused(key: str, first: Any, second: Any) -> None:
    inner = "{" + json.dumps(key) + ":" + json.dumps(first) + ","
    inner += json.dumps(key) + ":" + json.dumps(second) + "}"
    line = response(inner)
    assert refusal(line) == f"the message repeats the key {key!r} in one object"


@FUZZ
@given(st.integers(min_value=MAX_INT_DIGITS + 1, max_value=3 * MAX_INT_DIGITS), st.booleans())
def test_an_integer_of_too_many_digits_is_refused(digits: int, negative: bool) -> None:
    line = response(("-" if negative else "") + "7" * digits)
    assert refusal(line) == f"the message contains an integer of more than {MAX_INT_DIGITS} digits"


@FUZZ
@given(st.integers(min_value=MAX_DEPTH, max_value=4 * MAX_DEPTH), st.sampled_from("[{"))
def test_nesting_deeper_than_the_limit_is_refused(extra: int, opener: str) -> None:
    # The message is level 1; ``extra`` more levels go beyond the limit.
    inner = "[" * (extra - 1) + ("{}" if opener == "{" else "[]") + "]" * (extra - 1)
    assert refusal(response(inner)) == f"the message nests deeper than {MAX_DEPTH} levels"


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every position of a value inside ``value``, itself included."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _places(item, (*path, index))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(value[path[0]], path[1:], new)
    return copy
