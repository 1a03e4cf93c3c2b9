"""Check a call against the manifest before plugin code runs, and its result after."""

from __future__ import annotations

from .._errors import ArgumentError
from .manifest import CommandSpec, Manifest, TypeSpec, describe_value
from .untrusted import NotPlain, plain

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = ["WrongResult", "check_arguments", "find_command", "normalise_result"]


def find_command(manifest: Manifest, command: str) -> CommandSpec:
    """The command called ``command``, or an ArgumentError listing the commands."""
    spec = manifest.command(command)
    if spec is not None:
        return spec
    names = [c.name for c in manifest.commands]
    close = _close(command, names)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ArgumentError(
        f"plugin {manifest.name!r} has no command {command!r}; {hint}its commands:"
        f" {', '.join(names)}",
        plugin=manifest.name,
        distribution=manifest.distribution,
        command=command,
    )


def check_arguments(
    manifest: Manifest, spec: CommandSpec, arguments: Mapping[str, Any]
) -> dict[str, Any]:
    """Return the arguments ready for the call, or raise ArgumentError.

    Unknown and missing parameters and values of the wrong type are refused;
    an integer given for a number becomes a float and a tuple a list, as
    they would after a trip through JSON.
    """
    where = f"{manifest.name} {spec.name}"

    def fail(text: str) -> ArgumentError:
        return ArgumentError(
            f"{where}: {text}",
            plugin=manifest.name,
            distribution=manifest.distribution,
            command=spec.name,
        )

    names = [p.name for p in spec.params]
    for key in arguments:
        if spec.param(key) is None:
            close = _close(key, names)
            hint = f"did you mean {close[0]!r}? " if close else ""
            listed = ", ".join(names) if names else "none"
            raise fail(f"no parameter {key!r}; {hint}its parameters: {listed}")
    result: dict[str, Any] = {}
    for p in spec.params:
        if p.name not in arguments:
            if p.required:
                raise fail(f"the parameter {p.name!r} is required ({p.type.describe()})")
            continue
        value = arguments[p.name]
        if not p.type.accepts(value):
            raise fail(f"the parameter {p.name!r} must be {p.type.describe()}, not {_show(value)}")
        result[p.name] = _as_json(value, p.type)
    return result


def _close(word: str, names: list[str]) -> list[str]:
    """The name closest to ``word``, for a hint (``difflib`` only once a call is refused)."""
    import difflib

    return difflib.get_close_matches(word, names, n=1)


def _show(value: object) -> str:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return f"{describe_value(value)} {value!r:.80}"
    return describe_value(value)


def _as_json(value: Any, type_: TypeSpec) -> Any:
    """``value`` as it would arrive after a trip through JSON."""
    if value is None:
        return None
    if type_.kind == "number" and not isinstance(value, float):
        return float(value)
    if type_.kind == "array" and type_.items is not None:
        return [_as_json(v, type_.items) for v in value]
    if type_.kind == "object" and type_.values is not None:
        return {k: _as_json(v, type_.values) for k, v in value.items()}
    return value


class WrongResult(Exception):
    """A command returned a value its return annotation does not allow."""


def normalise_result(spec: CommandSpec, value: Any) -> Any:
    """Check a command's result against its declared return type.

    Returns the result as plain JSON data (:func:`plughost._contract.untrusted.plain`:
    tuples become lists, subclasses of built-in types plain copies, and no
    method of the result itself ever runs); raises WrongResult, whose message
    says what came back and what was promised, when it does not fit.
    """
    promised = spec.returns.describe()
    try:
        data = plain(value)
    except NotPlain as exc:
        raise WrongResult(f"returned {exc}, but its annotation promises {promised}") from None
    if not spec.returns.accepts(data):
        raise WrongResult(f"returned {_shown(data)}, but its annotation promises {promised}")
    return data


def _shown(data: Any) -> str:
    """A short picture of plain data for an error message."""
    if isinstance(data, list | dict) and len(data) > 10:
        return f"{describe_value(data)} of {len(data)} items"
    text = repr(data)
    if len(text) <= 60:
        return text
    if isinstance(data, list | dict):
        return f"{describe_value(data)} of {len(data)} item(s)"
    return text[:57] + "..."
