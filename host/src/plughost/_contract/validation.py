"""Is this really a plughost plugin? Derive the manifest from a class.

Validation collects every problem at once: the author fixes them in one go
instead of one per release. Each problem names the plugin, its distribution
and what to change. The commands are read here; their types come from
``_annotations``, their help from ``_docstrings``, and the settings the
plugin declares from ``_settings_class``.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from .._plain import field, frozen
from .annotation_types import SUPPORTED, SUPPORTED_RESULTS, Unsupported, annotation_name, type_spec
from .docstrings import param_help, split_doc
from .manifest import CommandSpec, Manifest, ParamSpec
from .plugin import COMMAND_MARK, Plugin, command_functions
from .settings_class import declared_settings
from .untrusted import class_name, describe_exception, plain, safe_repr, safe_str, type_name

__all__ = ["RESERVED_OPTIONS", "Validation", "validate_plugin_class"]

#: Options the host itself takes on ``plughost run ... COMMAND``; a plugin's
#: optional parameter may not be called this (its ``--option`` would clash).
RESERVED_OPTIONS = frozenset({"help", "json", "debug", "isolated", "timeout"})

_COMMAND_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


@frozen
class Validation:
    """The outcome of validating a plugin class: a manifest, or problems.

    ``methods`` maps each command's name to the method that implements it.
    """

    manifest: Manifest | None
    problems: tuple[str, ...]
    methods: Mapping[str, str] = field(default_factory=dict)


def validate_plugin_class(
    obj: object,
    *,
    name: str,
    distribution: str | None = None,
    version: str | None = None,
) -> Validation:
    """Check ``obj`` against the plugin contract and derive its manifest.

    Returns every problem found (empty when the plugin is valid, and then a
    manifest).
    """
    label = " ".join(x for x in (distribution, version) if x)
    origin = f"plugin {name!r}" + (f" ({label})" if label else "")
    problems: list[str] = []

    def problem(text: str) -> None:
        problems.append(f"{origin}: {text}")

    if not isinstance(obj, type):
        problem(
            f"its entry point loads {_describe_object(obj)}, not a class;"
            " point the entry point at a class deriving from plughost.Plugin"
        )
        return Validation(None, tuple(problems))
    cls = obj
    qualname = class_name(cls)
    if not issubclass(cls, Plugin):
        problem(
            f"class {qualname} does not derive from plughost.Plugin;"
            f" declare it as `class {class_name(cls, qualified=False)}(plughost.Plugin)`"
        )
    abstract = sorted(getattr(cls, "__abstractmethods__", ()))
    if abstract:
        problem(
            f"class {qualname} leaves abstract method(s) "
            + ", ".join(abstract)
            + " unimplemented; implement them in the plugin class"
        )
    summary, description = split_doc(inspect.getdoc(cls) if cls.__doc__ else None)
    if not summary:
        problem(
            f"class {qualname} has no docstring; its first line is the plugin's summary, so add one"
        )

    commands: list[CommandSpec] = []
    seen: dict[str, str] = {}
    marked = command_functions(cls)
    for attr_name, func in marked:
        cmd_name = getattr(func, COMMAND_MARK)
        where = f"command {cmd_name!r} ({qualname}.{attr_name})"
        if not isinstance(cmd_name, str) or not _COMMAND_NAME.fullmatch(cmd_name):
            problem(
                f"{where}: the name must start with a letter and hold only"
                " letters, digits, '-' and '_' (64 at most); rename it"
            )
            continue
        if cmd_name in seen:
            problem(
                f"{where}: another method ({seen[cmd_name]}) is also called"
                f" {cmd_name!r}; give one of them another name"
            )
            continue
        seen[cmd_name] = attr_name
        spec = _command_spec(func, cmd_name, where, problem)
        if spec is not None:
            commands.append(spec)
    if not marked:
        problem(
            f"class {qualname} has no commands; mark at least one method with @plughost.command"
        )
    settings = declared_settings(cls, problem)
    if problems:
        return Validation(None, tuple(problems))
    manifest = Manifest(
        name=name,
        summary=summary,
        description=description,
        commands=tuple(commands),
        distribution=distribution,
        version=version,
        settings=settings,
    )
    # What came from the class (names, docstrings, defaults, choices) may be
    # subclasses of str or int with methods of their own: keep plain copies.
    methods = {str.__str__(k): str.__str__(v) for k, v in seen.items()}
    return Validation(Manifest.from_dict(plain(manifest.to_dict())), (), methods)


def _describe_object(obj: object) -> str:
    if isinstance(obj, types.FunctionType | types.BuiltinFunctionType):
        return f"the function {safe_str(obj.__qualname__)}"
    if isinstance(obj, types.ModuleType):
        return f"the module {safe_str(obj.__name__)}"
    return f"{type_name(obj)} object {safe_repr(obj)}"


def _command_spec(
    func: Callable[..., Any],
    cmd_name: str,
    where: str,
    problem: Callable[[str], None],
) -> CommandSpec | None:
    count = 0

    def fail(text: str) -> None:
        nonlocal count
        count += 1
        problem(f"{where}: {text}")

    help_, description = split_doc(inspect.getdoc(func))
    if not help_:
        fail("has no docstring; its first line is the command's help, so add one")
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError) as exc:
        fail(f"its signature cannot be read ({exc}); make it a plain method")
        return None
    try:
        hints = typing.get_type_hints(func)
    except Exception as exc:
        fail(
            f"its annotations cannot be resolved ({describe_exception(exc)});"
            " import the names they use at module level"
        )
        return None
    helps = param_help(inspect.getdoc(func) or "")
    params: list[ParamSpec] = []
    parameters = list(signature.parameters.values())
    if parameters and parameters[0].name in ("self", "cls"):
        parameters = parameters[1:]
    options: dict[str, str] = {}
    for p in parameters:
        pwhere = f"parameter {p.name!r}"
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            fail(f"{pwhere}: *args and **kwargs cannot be described; name each parameter")
            continue
        if p.kind is p.POSITIONAL_ONLY:
            fail(f"{pwhere} is positional-only, but commands are called by keyword; remove the '/'")
            continue
        if p.name not in hints:
            fail(f"{pwhere} has no type annotation; annotate it with {SUPPORTED}")
            continue
        try:
            type_ = type_spec(hints[p.name], result=False)
        except Unsupported as exc:
            fail(f"{pwhere} is annotated {annotation_name(hints[p.name])}, {exc}; use {SUPPORTED}")
            continue
        required = p.default is inspect.Parameter.empty
        default = None if required else p.default
        if not required and not type_.accepts(default):
            fail(
                f"{pwhere}: its default {safe_repr(default)} is not {type_.describe()};"
                " change the default or the annotation"
            )
            continue
        if isinstance(default, tuple):
            default = list(default)
        if not required:
            option = p.name.replace("_", "-")
            spellings = [option, f"no-{option}"] if type_.kind == "boolean" else [option]
            if option in RESERVED_OPTIONS:
                fail(f"{pwhere}: --{option} is an option of plughost itself; rename the parameter")
                continue
            clash = next((s for s in spellings if s in options), None)
            if clash is not None:
                fail(f"{pwhere}: its option --{clash} clashes with {options[clash]!r}; rename one")
                continue
            options.update(dict.fromkeys(spellings, p.name))
        params.append(ParamSpec(p.name, type_, required, default, helps.get(p.name, "")))
    if "return" not in hints:
        fail(f"has no return annotation; annotate it with {SUPPORTED_RESULTS}")
        returns = None
    else:
        try:
            returns = type_spec(hints["return"], result=True)
        except Unsupported as exc:
            fail(
                f"its return is annotated {annotation_name(hints['return'])}, {exc};"
                f" use {SUPPORTED_RESULTS}"
            )
            returns = None
    if count or returns is None:
        return None
    return CommandSpec(cmd_name, help_, tuple(params), returns, description)
