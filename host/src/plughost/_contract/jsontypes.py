"""The JSON types of a manifest: what a parameter, a setting or a result may hold.

:class:`TypeSpec` is one such type, with its strict conversion from JSON data
and the check of a JSON value against it; the readers at the end check the
shape of JSON data for every part of the manifest, naming the field that is
off in a :class:`ManifestError`.
"""

from __future__ import annotations

import math
import sys

from .._errors import ManifestError
from .._plain import frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

__all__ = [
    "SCALARS",
    "TypeSpec",
    "describe_value",
    "enum_kind",
    "json_field",
    "json_object",
]

#: The kinds of a single JSON value, which lists and objects may hold.
SCALARS = ("string", "integer", "number", "boolean")
_LARGEST_FLOAT = int(sys.float_info.max)
_KINDS = (*SCALARS, "array", "object", "null")


@frozen
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
        obj = json_object(data, where)
        kind = json_field(obj, "type", str, where)
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
        if inner is not None and inner.kind not in SCALARS:
            raise ManifestError(
                f"manifest field {where}.{'items' if items else 'values'}.type is"
                f" {inner.kind!r}; elements must be one of {', '.join(SCALARS)}"
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

    def normalise(self, value: Any) -> Any:
        """``value`` (which this type accepts) as it arrives after a trip through JSON.

        An integer given for a number becomes a float and a tuple a list;
        lists and objects are new ones, so the copy can be handed out.
        """
        if value is None:
            return None
        if self.kind == "number" and not isinstance(value, float):
            return float(value)
        if self.kind == "array" and self.items is not None:
            return [self.items.normalise(v) for v in value]
        if self.kind == "object" and self.values is not None:
            return {k: self.values.normalise(v) for k, v in value.items()}
        return value


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


def json_object(data: object, where: str) -> Mapping[str, Any]:
    """``data`` as a JSON object, or a ManifestError naming ``where``."""
    if not isinstance(data, dict):
        raise ManifestError(f"manifest field {where} is {describe_value(data)}; expected an object")
    return data


def json_field(obj: Mapping[str, Any], key: str, kind: type[Any], where: str) -> Any:
    """The field ``key`` of ``obj``, which must be there and of ``kind``."""
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


def enum_kind(values: Sequence[object]) -> str | None:
    """The JSON kind shared by all ``Literal`` values, or None if mixed."""
    if values and all(isinstance(v, str) for v in values):
        return "string"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "integer"
    return None
