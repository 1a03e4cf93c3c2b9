"""Objects a plugin controls, handled without trusting them.

A plugin's classes, instances, exceptions and results are Python objects
whose every attribute access, ``str()``, ``repr()``, ``==`` and ``hash()``
may run plugin code: raise anything, return something of the wrong type, or
lie. plughost never keeps such an object past the boundary where it meets
it: what it needs (a name, a message, a result) is read once, in a guard,
and copied into plain built-in data (``str``, ``int``, ``float``, ``bool``,
``None``, ``list``, ``dict``) through the built-in types' own methods, which
a subclass cannot override. Everything after the boundary works on that copy.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

# The console script's fast path runs plugins through this module: no typing.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

__all__ = [
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "NotPlain",
    "describe_exception",
    "format_traceback",
    "install_interrupt_handler",
    "class_name",
    "is_user_interrupt",
    "plain",
    "plugin_code",
    "safe_repr",
    "safe_str",
    "type_name",
]

#: The deepest nesting of lists and objects a result may have (as in protocol v1).
MAX_DEPTH = 64
#: The most digits an integer may have (Python's own limit for int <-> str).
MAX_INT_DIGITS = 4300
_MAX_INT_BITS = int(MAX_INT_DIGITS * 3.3219280948873626)  # log2(10)

_NAME = type.__dict__["__name__"]
_QUALNAME = type.__dict__["__qualname__"]


def type_name(obj: object, *, qualified: bool = False) -> str:
    """The name of ``obj``'s class, read past any metaclass that would lie about it."""
    descriptor = _QUALNAME if qualified else _NAME
    return str.__str__(descriptor.__get__(type(obj), type))


def class_name(cls: type, *, qualified: bool = True) -> str:
    """The (qualified) name of the class ``cls`` itself, read the same way."""
    descriptor = _QUALNAME if qualified else _NAME
    return str.__str__(descriptor.__get__(cls, type))


def safe_str(obj: object, *, limit: int = 300) -> str:
    """``str(obj)`` as a plain string of at most ``limit`` characters, whatever ``obj`` does."""
    return _shown(obj, str, limit)


def safe_repr(obj: object, *, limit: int = 60) -> str:
    """``repr(obj)`` as a plain string of at most ``limit`` characters, whatever ``obj`` does."""
    return _shown(obj, repr, limit)


def _shown(obj: object, how: Callable[[object], str], limit: int) -> str:
    try:
        text = str.__str__(how(obj))
    except BaseException as exc:
        if is_user_interrupt(exc):
            raise
        text = f"<{type_name(obj)} object; {how.__name__}() raised {type_name(exc)}>"
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def describe_exception(exc: BaseException) -> str:
    """``Type: message`` on one line, shortened, for reasons and errors."""
    if isinstance(exc, SystemExit):
        try:
            code = exc.code
            text = "no status" if code is None else f"exit status {safe_repr(code)}"
        except Exception:
            text = "an unreadable status"
    else:
        text = " ".join(safe_str(exc, limit=2000).split())
        if len(text) > 300:
            text = text[:297] + "..."
    name = type_name(exc)
    return f"{name}: {text}" if text else name


def format_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` as text, as far as it can be formatted at all."""
    import traceback

    try:
        return "".join(traceback.format_exception(exc))
    except BaseException as inner:
        broken = f"(the traceback cannot be formatted: {type_name(inner)})\n"
    head = "Traceback (most recent call last):\n"
    try:
        return head + "".join(traceback.format_tb(exc.__traceback__)) + broken
    except BaseException:
        return head + broken


class NotPlain(Exception):
    """A value that is not plain JSON data; the message says what it is instead."""


def plain(value: object, depth: int = 0) -> Any:
    """A copy of ``value`` made of built-in JSON data only, or :class:`NotPlain`.

    Subclasses of ``str``, ``int``, ``float``, ``list``, ``tuple`` and
    ``dict`` are copied through the built-in types' own methods, so their
    overrides of ``__str__``, ``__eq__``, ``__iter__`` or ``items`` never run;
    anything else (a generator, a set, a custom object) is refused, as are
    dictionaries with keys that are not strings, integers too long for JSON
    and nesting deeper than :data:`MAX_DEPTH` (a list that contains itself).
    """
    kind = type(value)  # type() cannot be fooled; isinstance() asks __class__
    obj: Any = value
    if obj is None or kind is bool:
        return obj
    if issubclass(kind, str):
        return str.__str__(obj)
    if issubclass(kind, int):
        number = int.__int__(obj)
        if number.bit_length() > _MAX_INT_BITS:
            raise NotPlain(f"an integer of more than {MAX_INT_DIGITS} digits")
        return number
    if issubclass(kind, float):
        return float.__float__(obj)
    if depth >= MAX_DEPTH:
        raise NotPlain(f"data nested more than {MAX_DEPTH} levels deep (or containing itself)")
    if issubclass(kind, list):
        return [plain(v, depth + 1) for v in list.__iter__(obj)]
    if issubclass(kind, tuple):
        return [plain(v, depth + 1) for v in tuple.__iter__(obj)]
    if issubclass(kind, dict):
        copy: dict[str, Any] = {}
        for key, item in dict.items(obj):
            if not issubclass(type(key), str):
                raise NotPlain(f"an object with a key that is {_article(type_name(key))}")
            copy[str.__str__(key)] = plain(item, depth + 1)
        return copy
    raise NotPlain(f"a Python {type_name(obj)}")


def _article(name: str) -> str:
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


@contextlib.contextmanager
def plugin_code() -> Iterator[None]:
    """Around plugin code run in this process: a fork it returns from ends there.

    A plugin that calls ``os.fork()`` and returns in both processes would
    have plughost finish its work twice (print a result twice, write records
    twice). The child ends quietly instead, without flushing anything that
    was buffered before the fork.
    """
    pid = os.getpid()
    try:
        yield
    finally:
        if os.getpid() != pid:
            os._exit(0)


# -- interrupts -----------------------------------------------------------------------

_handler_installed = False
_user_interrupted = False


def _on_sigint(signum: int, frame: object) -> None:
    global _user_interrupted
    _user_interrupted = True
    raise KeyboardInterrupt


def install_interrupt_handler() -> None:
    """Tell Ctrl-C from a plugin that raises ``KeyboardInterrupt`` itself (the console script)."""
    global _handler_installed
    try:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _on_sigint)
            _handler_installed = True
    except ValueError:  # not the main thread
        pass


def is_user_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is the user's Ctrl-C rather than plugin code raising it.

    Without the console script's handler (a library user's process) every
    ``KeyboardInterrupt`` counts as the user's.
    """
    if not isinstance(exc, KeyboardInterrupt):
        return False
    return _user_interrupted or not _handler_installed or sys.is_finalizing()
