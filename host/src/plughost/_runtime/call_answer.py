"""The worker's answer to one call, whatever the plugin does.

Every step of a call can fail in a hostile plugin: looking up the method
(an instance whose ``__getattribute__`` raises), running it, describing
what it raised (an exception whose ``__str__``, ``__notes__`` or class name
raise, a traceback that cannot be formatted), checking the result and
encoding it (an integer JSON cannot print, a result longer than the line
limit). :func:`answer_call` always returns one line that answers the call:
the result, or an error (``-32000``) that names the plugin, the command
and the step that failed, with the worker's traceback in its data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._contract.calls import WrongResult, check_arguments, normalise_result
from .._contract.untrusted import format_traceback, safe_str, type_name
from .._errors import ArgumentError, CommandError
from . import protocol as p

__all__ = ["answer_call", "failure"]

# Kept in an error answer that would otherwise not fit on one line.
_SHORT = 1000
# The longest message of an exception carried (as for a plugin in process).
_MESSAGE = 2000


def _message(exc: BaseException) -> str:
    return safe_str(exc, limit=_MESSAGE)


def _expected(exc: BaseException) -> bool:
    try:
        return issubclass(type(exc), CommandError)
    except BaseException:
        return False


def failure(
    id_: Any,
    plugin: str,
    command: str,
    kind: str,
    message: str,
    *,
    expected: bool = False,
    details: str | None = None,
) -> dict[str, Any]:
    """The error answer (``-32000``) for a call that failed."""
    data: dict[str, Any] = {"type": kind, "message": message, "expected": expected}
    if details is not None:
        data["traceback"] = details
    text = f"plugin {plugin!r}, command {command!r}: {kind}: {message}"
    return p.error(id_, p.COMMAND_FAILED, text, data)


def _broken(id_: Any, plugin: str, command: str, step: str, exc: BaseException) -> dict[str, Any]:
    """The answer when a step around the plugin's code failed."""
    message = _message(exc) or type_name(exc)
    return failure(
        id_, plugin, command, type_name(exc), f"{step}: {message}", details=format_traceback(exc)
    )


def _fit(response: dict[str, Any], max_line: int) -> bytes:
    """An error answer as one line of at most ``max_line`` bytes: shortened if need be."""
    line = p.encode(response)
    err = response["error"]
    if len(line) - 1 <= max_line:
        return line
    data = {k: v[:_SHORT] if isinstance(v, str) else v for k, v in err["data"].items()}
    data.pop("traceback", None)
    return p.encode(p.error(response["id"], err["code"], err["message"][:_SHORT], data))


def answer_call(
    id_: Any,
    params: Mapping[str, Any],
    *,
    instance: Any,
    manifest: Any,
    methods: Mapping[str, str],
    max_line: int,
) -> bytes:
    """The line that answers call ``id_`` (never raises, short of a crash)."""
    plugin = str(manifest.name)
    command = params.get("command")
    arguments = params.get("arguments", {})
    if not isinstance(command, str) or not isinstance(arguments, dict):
        return p.encode(
            p.error(id_, p.INVALID_PARAMS, "call needs a command name and an arguments object")
        )
    step = "the worker could not check the arguments"
    try:
        spec = manifest.command(command)
        if spec is None:
            names = ", ".join(c.name for c in manifest.commands)
            return p.encode(
                p.error(
                    id_,
                    p.INVALID_PARAMS,
                    f"plugin {plugin!r} has no command {command!r}; its commands: {names}",
                    {"type": "ArgumentError"},
                )
            )
        try:
            kwargs = check_arguments(manifest, spec, arguments)
        except ArgumentError as exc:
            return p.encode(p.error(id_, p.INVALID_PARAMS, str(exc), {"type": "ArgumentError"}))
        step = "its method cannot be looked up on the plugin"
        method = getattr(instance, methods[spec.name])
        step = "the worker could not report what it raised"
        try:
            value = method(**kwargs)
        except BaseException as exc:
            return _fit(
                failure(
                    id_,
                    plugin,
                    command,
                    type_name(exc),
                    _message(exc) or type_name(exc),
                    expected=_expected(exc),
                    details=format_traceback(exc),
                ),
                max_line,
            )
        step = "its result cannot be checked"
        try:
            value = normalise_result(spec, value)
        except WrongResult as exc:
            return _fit(failure(id_, plugin, command, "TypeError", str(exc)), max_line)
        step = "its result cannot be sent"
        response = p.result(id_, value)
        line = p.encode(response)
        if len(line) - 1 > max_line:
            message = (
                f"its result is {len(line) - 1} bytes as JSON, more than the limit of"
                f" {max_line} bytes (PLUGHOST_MAX_MESSAGE)"
            )
            return _fit(failure(id_, plugin, command, "ValueError", message), max_line)
        return line
    except BaseException as exc:
        return _fit(_broken(id_, plugin, command, step, exc), max_line)
