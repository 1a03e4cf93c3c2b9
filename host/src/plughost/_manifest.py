"""The manifest: THE description of a plugin, as plain JSON-able data.

The CLI builds its arguments from it, the isolated protocol sends it in the
handshake, and a plugin in another language sends the same shape. This module
holds the data classes, their conversion to and from JSON data (strict: a
malformed manifest is a :class:`ManifestError` naming the field), and the
check of a JSON value against a declared type.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._errors import ManifestError

__all__ = [
    "MANIFEST_VERSION",
    "CommandSpec",
    "Manifest",
    "ParamSpec",
    "TypeSpec",
    "describe_value",
]

#: The version of the manifest's JSON shape.
MANIFEST_VERSION = 1

_SCALARS = ("string", "integer", "number", "boolean")
_LARGEST_FLOAT = int(sys.float_info.max)
_KINDS = (*_SCALARS, "array", "object", "null")


@dataclass(frozen=True)
class TypeSpec:
    """A JSON type: ``kind`` is string, integer, number, boolean, array,
    object (results only) or null (results only).

    ``items`` is the element type of an array, ``values`` the value type of an
    object, ``enum`` the allowed values (from ``Literal[...]``) and
    ``nullable`` says whether ``null`` is accepted too (from ``X | None``).
    """

    kind: str
    items: TypeSpec | None = None
    values: TypeSpec | None = None
    enum: tuple[str | int, ...] | None = None
    nullable: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON data of this type."""
        data: dict[str, Any] = {"type": self.kind}
        if self.items is not None:
            data["items"] = self.items.to_dict()
        if self.values is not None:
            data["values"] = self.values.to_dict()
        if self.enum is not None:
            data["enum"] = list(self.enum)
        if self.nullable:
            data["nullable"] = True
        return data

    @classmethod
    def from_dict(cls, data: object, where: str) -> TypeSpec:
        """Read a type from JSON data; ``where`` names it in errors."""
        obj = _object(data, where)
        kind = _field(obj, "type", str, where)
        if kind not in _KINDS:
            raise ManifestError(
                f"manifest field {where}.type is {kind!r}; expected one of " + ", ".join(_KINDS)
            )
        items = values = None
        if kind == "array":
            items = cls.from_dict(obj.get("items"), f"{where}.items")
        if kind == "object":
            values = cls.from_dict(obj.get("values"), f"{where}.values")
        inner = items or values
        if inner is not None and inner.kind not in _SCALARS:
            raise ManifestError(
                f"manifest field {where}.{'items' if items else 'values'}.type is"
                f" {inner.kind!r}; elements must be one of {', '.join(_SCALARS)}"
            )
        enum: tuple[str | int, ...] | None = None
        if "enum" in obj:
            raw = obj["enum"]
            if not isinstance(raw, list) or not raw or not all(_is_scalar_of(v, kind) for v in raw):
                raise ManifestError(
                    f"manifest field {where}.enum must be a non-empty list of {kind} values"
                )
            enum = tuple(raw)
        nullable = obj.get("nullable", False)
        if not isinstance(nullable, bool):
            raise ManifestError(f"manifest field {where}.nullable must be a boolean")
        return cls(kind, items, values, enum, nullable)

    def describe(self) -> str:
        """A short human name for the type, as used in error messages."""
        if self.enum is not None:
            text = "one of " + ", ".join(repr(v) for v in self.enum)
        elif self.kind == "array" and self.items is not None:
            text = f"a list of {self.items.describe_plural()}"
        elif self.kind == "object" and self.values is not None:
            text = f"an object whose values are {self.values.describe_plural()}"
        else:
            text = {
                "string": "a string",
                "integer": "an integer",
                "number": "a number",
                "boolean": "true or false",
                "null": "null",
            }.get(self.kind, self.kind)
        return f"{text} or null" if self.nullable else text

    def describe_plural(self) -> str:
        """Like :meth:`describe`, for the elements of a list."""
        if self.enum is not None:
            text = "values among " + ", ".join(repr(v) for v in self.enum)
        else:
            text = {
                "string": "strings",
                "integer": "integers",
                "number": "numbers",
                "boolean": "booleans",
            }.get(self.kind, self.describe())
        return f"{text} (or null)" if self.nullable else text

    def accepts(self, value: object) -> bool:
        """Whether the JSON value ``value`` is of this type."""
        if value is None:
            return self.nullable or self.kind == "null"
        if self.enum is not None:
            return _is_scalar_of(value, self.kind) and value in self.enum
        if self.kind == "array":
            assert self.items is not None
            return isinstance(value, list | tuple) and all(self.items.accepts(v) for v in value)
        if self.kind == "object":
            assert self.values is not None
            return isinstance(value, dict) and all(
                isinstance(k, str) and self.values.accepts(v) for k, v in value.items()
            )
        return _is_scalar_of(value, self.kind)


def _is_scalar_of(value: object, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        if isinstance(value, float):
            return math.isfinite(value)
        if isinstance(value, int) and not isinstance(value, bool):
            # An int becomes a float on the way in; one too large cannot.
            return abs(value) <= _LARGEST_FLOAT
        return False
    return False


def describe_value(value: object) -> str:
    """Name a value's JSON type, for messages such as 'got a list'."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a Python {type(value).__name__}"


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a command.

    Required parameters become positional arguments on the command line,
    the others ``--options`` (bools ``--x/--no-x``). ``choices`` repeats the
    type's ``enum`` for readers of the manifest; ``default`` is meaningful only
    when ``required`` is false.
    """

    name: str
    type: TypeSpec
    required: bool
    default: Any = None
    help: str = ""

    @property
    def choices(self) -> tuple[str | int, ...] | None:
        """The allowed values, or None when any value of the type is allowed."""
        return self.type.enum

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON data of this parameter."""
        return {
            "name": self.name,
            "type": self.type.to_dict(),
            "required": self.required,
            "default": self.default,
            "choices": None if self.choices is None else list(self.choices),
            "help": self.help,
        }

    @classmethod
    def from_dict(cls, data: object, where: str) -> ParamSpec:
        """Read a parameter from JSON data; ``where`` names it in errors."""
        obj = _object(data, where)
        name = _field(obj, "name", str, where)
        type_ = TypeSpec.from_dict(obj.get("type"), f"{where}.type")
        if type_.kind not in (*_SCALARS, "array"):
            raise ManifestError(
                f"manifest field {where}.type is {type_.kind!r}, which only results"
                f" may be; parameters are one of {', '.join(_SCALARS)} or array"
            )
        choices = obj.get("choices")
        if choices is not None and choices != list(type_.enum or ()):
            raise ManifestError(
                f"manifest field {where}.choices must repeat {where}.type.enum (or be null)"
            )
        required = _field(obj, "required", bool, where)
        default = obj.get("default")
        if not required and not type_.accepts(default):
            raise ManifestError(
                f"manifest field {where}.default is {describe_value(default)};"
                f" expected {type_.describe()}"
            )
        help_ = obj.get("help", "")
        if not isinstance(help_, str):
            raise ManifestError(f"manifest field {where}.help must be a string")
        return cls(name, type_, required, default, help_)


@dataclass(frozen=True)
class CommandSpec:
    """One command of a plugin: its name, help, parameters and result type."""

    name: str
    help: str
    params: tuple[ParamSpec, ...]
    returns: TypeSpec
    description: str = ""

    def param(self, name: str) -> ParamSpec | None:
        """Return the parameter called ``name``, or None."""
        for p in self.params:
            if p.name == name:
                return p
        return None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON data of this command."""
        return {
            "name": self.name,
            "help": self.help,
            "description": self.description,
            "params": [p.to_dict() for p in self.params],
            "returns": self.returns.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: object, where: str) -> CommandSpec:
        """Read a command from JSON data; ``where`` names it in errors."""
        obj = _object(data, where)
        name = _field(obj, "name", str, where)
        help_ = _field(obj, "help", str, where)
        description = obj.get("description", "")
        if not isinstance(description, str):
            raise ManifestError(f"manifest field {where}.description must be a string")
        raw_params = _field(obj, "params", list, where)
        params = tuple(
            ParamSpec.from_dict(p, f"{where}.params[{i}]") for i, p in enumerate(raw_params)
        )
        names = [p.name for p in params]
        if len(set(names)) != len(names):
            raise ManifestError(f"manifest field {where}.params repeats a parameter name")
        returns = TypeSpec.from_dict(obj.get("returns"), f"{where}.returns")
        return cls(name, help_, params, returns, description)


@dataclass(frozen=True)
class Manifest:
    """Everything the host knows about a plugin without running it.

    ``name`` is the plugin's name (its entry point's name), ``distribution``
    and ``version`` the distribution that provides it (None for a plugin
    given to :class:`plughost.Host` directly), ``summary`` the first line of
    the class docstring.
    """

    name: str
    summary: str
    commands: tuple[CommandSpec, ...]
    distribution: str | None = None
    version: str | None = None
    description: str = ""
    api_version: str = field(default="1.0")

    def command(self, name: str) -> CommandSpec | None:
        """Return the command called ``name``, or None."""
        for c in self.commands:
            if c.name == name:
                return c
        return None

    def to_dict(self) -> dict[str, Any]:
        """Return the manifest as JSON data (see docs/protocol.md)."""
        return {
            "manifest_version": MANIFEST_VERSION,
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "api_version": self.api_version,
            "summary": self.summary,
            "description": self.description,
            "commands": [c.to_dict() for c in self.commands],
        }

    @classmethod
    def from_dict(cls, data: object) -> Manifest:
        """Read a manifest from JSON data, checking its whole shape.

        Raises :class:`ManifestError` naming the first field that is off.
        """
        obj = _object(data, "manifest")
        version = obj.get("manifest_version")
        if type(version) is not int or version != MANIFEST_VERSION:
            raise ManifestError(
                f"manifest_version is {version!r}; this plughost reads version"
                f" {MANIFEST_VERSION}: upgrade plughost or rebuild the plugin"
            )
        name = _field(obj, "name", str, "manifest")
        summary = _field(obj, "summary", str, "manifest")
        description = obj.get("description", "")
        if not isinstance(description, str):
            raise ManifestError("manifest field manifest.description must be a string")
        distribution = _optional_str(obj, "distribution")
        dist_version = _optional_str(obj, "version")
        api_version = obj.get("api_version", "1.0")
        if not isinstance(api_version, str):
            raise ManifestError("manifest field manifest.api_version must be a string")
        raw = _field(obj, "commands", list, "manifest")
        commands = tuple(CommandSpec.from_dict(c, f"commands[{i}]") for i, c in enumerate(raw))
        names = [c.name for c in commands]
        if len(set(names)) != len(names):
            raise ManifestError("manifest field manifest.commands repeats a command name")
        return cls(name, summary, commands, distribution, dist_version, description, api_version)


def _object(data: object, where: str) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise ManifestError(f"manifest field {where} is {describe_value(data)}; expected an object")
    return data


def _field(obj: Mapping[str, Any], key: str, kind: type[Any], where: str) -> Any:
    if key not in obj:
        raise ManifestError(f"manifest field {where}.{key} is missing")
    value = obj[key]
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ManifestError(
            f"manifest field {where}.{key} is {describe_value(value)};"
            f" expected {_KIND_NAMES.get(kind, kind.__name__)}"
        )
    return value


_KIND_NAMES: dict[type[Any], str] = {
    str: "a string",
    bool: "a boolean",
    list: "a list",
    dict: "an object",
}


def _optional_str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise ManifestError(f"manifest field manifest.{key} must be a string or null")
    return value


def enum_kind(values: Sequence[object]) -> str | None:
    """The JSON kind shared by all ``Literal`` values, or None if mixed."""
    if values and all(isinstance(v, str) for v in values):
        return "string"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "integer"
    return None
