"""Python annotations mapped onto the manifest's JSON types.

The same mapping serves a command's parameters and result and a plugin's
settings; an annotation that has no JSON type is an :class:`Unsupported`
whose message says which and why, for the problem that names the fix.
"""

from __future__ import annotations

import types
from typing import Any, Literal, Union, get_args, get_origin

from .jsontypes import TypeSpec, enum_kind
from .untrusted import class_name, safe_repr

__all__ = ["SUPPORTED", "SUPPORTED_RESULTS", "Unsupported", "annotation_name", "type_spec"]

#: The types a parameter or a setting may have, as the fixes name them.
SUPPORTED = "str, int, float, bool, Literal[...], list[...] of those, or X | None"
#: The types a result may have.
SUPPORTED_RESULTS = (
    "str, int, float, bool, Literal[...], list[...] of those, X | None, dict[str, ...] or None"
)
_SCALAR_KINDS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


class Unsupported(Exception):
    """An annotation is not a supported type; the message says which and why."""


def annotation_name(annotation: object) -> str:
    """An annotation as a problem shows it (``Path``, ``set[str]``), whatever it is."""
    if isinstance(annotation, type) and not get_args(annotation):
        return class_name(annotation)
    return safe_repr(annotation, limit=80).replace("typing.", "")


def type_spec(annotation: object, *, result: bool, inner: bool = False) -> TypeSpec:
    """Map a Python annotation onto a JSON type, or raise Unsupported."""
    if annotation is None or annotation is type(None):
        if result and not inner:
            return TypeSpec("null")
        raise Unsupported("None alone is not a value type")
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1 or len(rest) == len(args):
            raise Unsupported("which is a union; only X | None is supported")
        base = type_spec(rest[0], result=result, inner=inner)
        if base.nullable:
            return base
        return TypeSpec(base.kind, base.items, base.values, base.enum, nullable=True)
    if origin is Literal:
        kind = enum_kind(args)
        if kind is None:
            raise Unsupported("a Literal whose values are not all str or all int")
        return TypeSpec(kind, enum=tuple(args))
    try:
        hash(annotation)
    except TypeError:  # a dict or a list, say: not a type at all
        raise Unsupported("which is not a type") from None
    if annotation in _SCALAR_KINDS:
        return TypeSpec(_SCALAR_KINDS[annotation])
    if origin is list and len(args) == 1:
        if inner:
            raise Unsupported("a nested list")
        return TypeSpec("array", items=type_spec(args[0], result=result, inner=True))
    if result and origin is dict and len(args) == 2 and args[0] is str:
        if inner:
            raise Unsupported("a nested dict")
        return TypeSpec("object", values=type_spec(args[1], result=result, inner=True))
    if annotation is list or annotation is dict:
        raise Unsupported("which does not say its element type")
    raise Unsupported("which is not a supported type")
