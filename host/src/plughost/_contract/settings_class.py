"""A plugin's ``Settings`` class, read into the settings of its manifest.

A plugin declares its settings in a nested class, the way a pydantic-settings
model or a dataclass does: one annotated attribute per setting, its value the
default, its help the string right after it (or the class docstring's
``Attributes:`` section)::

    class Greeter(Plugin):
        class Settings:
            default_language: Literal["en", "fr"] = "en"
            \"""The language used when a call does not name one.\"""

The class is only read, never instantiated or called: its annotations are
resolved, its defaults looked up in the class dictionaries (so no descriptor
runs) and copied into plain data, its attribute docstrings read from the
source text. Like the rest of the class, it may fight being read; the caller
runs this under the same guard.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, get_origin

from .annotation_types import SUPPORTED, Unsupported, annotation_name, type_spec
from .docstrings import ATTRIBUTES_SECTIONS, attribute_docs, param_help
from .manifest import SETTING_NAME, SettingSpec
from .plugin import SETTINGS_CLASS
from .reserved import HOST_PLUGIN_KEYS
from .untrusted import NotPlain, class_name, describe_exception, plain, safe_repr, type_name

__all__ = ["declared_settings"]

_MISSING = object()


def declared_settings(cls: type, problem: Callable[[str], None]) -> tuple[SettingSpec, ...] | None:
    """The settings ``cls`` declares: None when it has no ``Settings`` class.

    Each problem found is passed to ``problem``, and then what is returned
    is incomplete; the caller makes no manifest.
    """
    declaration = _find(cls)
    if declaration is _MISSING:
        return None
    if not isinstance(declaration, type):
        problem(
            f"its {SETTINGS_CLASS} is {type_name(declaration)} {safe_repr(declaration)}, not a"
            f" class; declare the settings as a nested `class {SETTINGS_CLASS}:` with an"
            " annotated attribute for each"
        )
        return ()
    where = class_name(declaration)
    try:
        hints = typing.get_type_hints(declaration)
    except Exception as exc:
        problem(
            f"the annotations of {where} cannot be resolved ({describe_exception(exc)});"
            " import the names they use at module level"
        )
        return ()
    classes = [k for k in declaration.__mro__ if k is not object]
    namespaces: list[Mapping[str, Any]] = [vars(k) for k in classes]
    docs = param_help(inspect.getdoc(declaration) or "", ATTRIBUTES_SECTIONS)
    for klass in reversed(classes):
        docs.update(attribute_docs(klass))
    specs: list[SettingSpec] = []
    for name, annotation in hints.items():
        if not isinstance(name, str) or name.startswith("_"):
            continue  # private, as in pydantic: not a setting
        if get_origin(annotation) is ClassVar:
            continue
        spec = _setting(name, annotation, namespaces, docs, f"setting {name!r} ({where})", problem)
        if spec is not None:
            specs.append(spec)
    for namespace in namespaces:
        for name, value in namespace.items():
            if (
                isinstance(name, str)
                and not name.startswith("_")
                and name not in hints
                and not callable(value)
                and not isinstance(value, classmethod | staticmethod | property)
            ):
                problem(
                    f"{where}.{name} has no annotation, so it is not a setting; annotate it"
                    f" (`{name}: {type_name(value)} = ...`) or, if it is no setting, call it"
                    f" _{name}"
                )
    return tuple(specs)


def _find(cls: type) -> Any:
    """The ``Settings`` of ``cls`` or a base, read from the class dictionaries."""
    for klass in cls.__mro__:
        namespace = vars(klass)
        if SETTINGS_CLASS in namespace:
            return namespace[SETTINGS_CLASS]
    return _MISSING


def _setting(
    name: str,
    annotation: object,
    namespaces: list[Mapping[str, Any]],
    docs: Mapping[str, str],
    where: str,
    problem: Callable[[str], None],
) -> SettingSpec | None:
    if not SETTING_NAME.fullmatch(name):
        problem(f"{where}: a setting's name holds only ASCII letters, digits and '_'; rename it")
        return None
    if name in HOST_PLUGIN_KEYS:
        problem(
            f"{where}: plughost reads `{name}` in [plugins.NAME] itself, so this setting could"
            " never be set; rename it"
        )
        return None
    try:
        type_ = type_spec(annotation, result=False)
    except Unsupported as exc:
        problem(f"{where} is annotated {annotation_name(annotation)}, {exc}; use {SUPPORTED}")
        return None
    found = next((ns[name] for ns in namespaces if name in ns), _MISSING)
    if found is _MISSING:
        problem(
            f"{where} has no default; give it one (`{name}: ... = value`): it is what the"
            " plugin gets when the user leaves the setting out"
        )
        return None
    try:
        default = plain(found)
    except NotPlain as exc:
        problem(f"{where}: its default is {exc}; make it {type_.describe()}")
        return None
    if not type_.accepts(default):
        problem(
            f"{where}: its default {safe_repr(found)} is not {type_.describe()};"
            " change the default or the annotation"
        )
        return None
    return SettingSpec(name, type_, type_.normalise(default), docs.get(name, ""))
