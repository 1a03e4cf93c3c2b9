"""Protocol v1 between the host and a plugin worker: the wire format.

Newline-delimited JSON-RPC 2.0 over a pair of pipes; docs/protocol.md is the
specification. This module is shared by both sides: it encodes messages, and
decodes them defensively. Whatever arrives (invalid UTF-8, NaN, duplicate
keys, nesting a thousand deep, a number with a million digits, a line of a
gigabyte), decoding either returns a well-formed message or raises
:class:`ProtocolViolation` with a one-line reason; it never raises anything
else and never holds more than the line limit in memory.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import IO, Any

__all__ = [
    "CANCELLED",
    "COMMAND_FAILED",
    "COOKIE_NAME",
    "COOKIE_VALUE",
    "DEFAULT_MAX_LINE",
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "PARSE_ERROR",
    "PLUGIN_UNAVAILABLE",
    "PROTOCOL_VERSIONS",
    "UNSUPPORTED_VERSION",
    "LineReader",
    "ProtocolViolation",
    "decode",
    "encode",
]

#: Protocol versions this host and worker speak, oldest first.
PROTOCOL_VERSIONS = (1,)

#: The environment variable (and its value) that marks a child as started by
#: plughost. A guard against running a worker by hand, not a secret.
COOKIE_NAME = "PLUGHOST_MAGIC_COOKIE"
COOKIE_VALUE = "c6ae7bd2f1e94b0a8d5b3e1f7a9c0d24"

#: The longest line either side accepts, in bytes (newline excluded).
DEFAULT_MAX_LINE = 16 * 1024 * 1024
#: The deepest nesting of arrays and objects accepted in a message.
MAX_DEPTH = 64
#: The most digits accepted in an integer (Python's own default limit).
MAX_INT_DIGITS = 4300

# JSON-RPC 2.0 error codes, and ours in the server-error range.
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
COMMAND_FAILED = -32000
UNSUPPORTED_VERSION = -32001
PLUGIN_UNAVAILABLE = -32002
CANCELLED = -32800


class ProtocolViolation(Exception):
    """A message that breaks the protocol; the text says how."""


def _no_constants(name: str) -> Any:
    raise ProtocolViolation(f"the message contains {name}, which JSON does not allow")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ProtocolViolation(
            f"the message contains an integer of more than {MAX_INT_DIGITS} digits"
        )
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ProtocolViolation(f"the message contains the number {text[:40]}, too large for JSON")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ProtocolViolation(f"the message repeats the key {key!r} in one object")
            seen.add(key)
    return result


def _check_depth(value: Any) -> None:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH and isinstance(item, dict | list):
            raise ProtocolViolation(f"the message nests deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


_DECODER = json.JSONDecoder(
    object_pairs_hook=_unique_keys,
    parse_constant=_no_constants,
    parse_int=_bounded_int,
    parse_float=_finite_float,
)


def decode(line: bytes) -> dict[str, Any]:
    """Decode one line into a JSON-RPC message object, or raise ProtocolViolation."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolViolation(f"the message is not valid UTF-8 (byte {exc.start})") from None
    if not text.strip():
        raise ProtocolViolation("the message is empty")
    try:
        value = _DECODER.decode(text)
    except ProtocolViolation:
        raise
    except json.JSONDecodeError as exc:
        raise ProtocolViolation(
            f"the message is not JSON ({exc.msg} at column {exc.colno})"
        ) from None
    except RecursionError:
        # The C parser stops at the interpreter's recursion limit.
        raise ProtocolViolation(f"the message nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise ProtocolViolation(f"the message cannot be decoded ({exc})") from None
    _check_depth(value)
    if not isinstance(value, dict):
        raise ProtocolViolation(f"the message is a JSON {type(value).__name__}, not an object")
    if value.get("jsonrpc") != "2.0":
        raise ProtocolViolation('the message lacks "jsonrpc": "2.0"')
    return value


def encode(message: dict[str, Any]) -> bytes:
    """Encode a message as one line (no NaN: the protocol is strict JSON)."""
    text = json.dumps(message, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    try:
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate cannot be UTF-8; JSON's \u escapes can carry it.
        return (json.dumps(message, allow_nan=False, separators=(",", ":")) + "\n").encode()


class LineReader:
    """Reads newline-terminated lines of at most ``max_line`` bytes.

    ``read`` returns a line without its newline, or None at end of stream.
    A line longer than the limit (including endless bytes with no newline)
    raises ProtocolViolation after reading at most ``max_line + 1`` bytes.
    """

    def __init__(self, stream: IO[bytes], max_line: int = DEFAULT_MAX_LINE) -> None:
        self._stream = stream
        self.max_line = max_line

    def read(self) -> bytes | None:
        """The next line, or None at end of stream."""
        line = self._stream.readline(self.max_line + 1)
        if not line:
            return None
        if line.endswith(b"\n"):
            return line[:-1]
        if len(line) > self.max_line:
            raise ProtocolViolation(f"a message is longer than the limit of {self.max_line} bytes")
        # End of stream in the middle of a line.
        raise ProtocolViolation("the stream ended in the middle of a message")


def request(id_: int, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A JSON-RPC request object."""
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": id_, "method": method}
    if params is not None:
        message["params"] = params
    return message


def notification(method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A JSON-RPC notification object (no id, no response)."""
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        message["params"] = params
    return message


def result(id_: Any, value: Any) -> dict[str, Any]:
    """A JSON-RPC success response."""
    return {"jsonrpc": "2.0", "id": id_, "result": value}


def error(id_: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    """A JSON-RPC error response."""
    err: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    return {"jsonrpc": "2.0", "id": id_, "error": err}


Handler = Callable[[dict[str, Any]], None]
