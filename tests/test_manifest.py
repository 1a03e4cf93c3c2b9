"""Manifest derivation from plugin classes, and the manifest's JSON form.

This module uses ``from __future__ import annotations`` on purpose: every
annotation below is a string that validation has to resolve.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
from typing import Any, ClassVar, Literal, Optional

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from plughost import (
    CommandSpec,
    Manifest,
    ManifestError,
    ParamSpec,
    Plugin,
    SettingSpec,
    TypeSpec,
    command,
)
from plughost._contract.validation import Validation, validate_plugin_class


def _validate(cls: object, name: str = "demo") -> Validation:
    validation = validate_plugin_class(cls, name=name)
    assert validation.problems == ()
    assert validation.manifest is not None
    return validation


def _manifest(cls: object, name: str = "demo") -> Manifest:
    manifest = _validate(cls, name).manifest
    assert manifest is not None
    return manifest


def _command(cls: object, command_name: str) -> CommandSpec:
    spec = _manifest(cls).command(command_name)
    assert spec is not None
    return spec


def _param(cls: object, command_name: str, param_name: str) -> ParamSpec:
    param = _command(cls, command_name).param(param_name)
    assert param is not None
    return param


# -- types -----------------------------------------------------------------


class Types(Plugin):
    """Every supported parameter type, all required."""

    @command
    def types(
        self,
        s: str,
        i: int,
        f: float,
        b: bool,
        lit_s: Literal["red", "green"],
        lit_i: Literal[1, 2, 3],
        list_s: list[str],
        list_i: list[int],
        list_f: list[float],
        list_b: list[bool],
        list_lit: list[Literal["x", "y"]],
        s_or_none: str | None,
        opt_i: Optional[int],  # noqa: UP045 - Optional[X] must be supported too
        list_or_none: list[str] | None,
        lit_or_none: Literal["a", "b"] | None,
        list_of_nullable: list[int | None],
    ) -> None:
        """Take one of everything."""


TYPE_CASES: list[tuple[str, dict[str, Any]]] = [
    ("s", {"type": "string"}),
    ("i", {"type": "integer"}),
    ("f", {"type": "number"}),
    ("b", {"type": "boolean"}),
    ("lit_s", {"type": "string", "enum": ["red", "green"]}),
    ("lit_i", {"type": "integer", "enum": [1, 2, 3]}),
    ("list_s", {"type": "array", "items": {"type": "string"}}),
    ("list_i", {"type": "array", "items": {"type": "integer"}}),
    ("list_f", {"type": "array", "items": {"type": "number"}}),
    ("list_b", {"type": "array", "items": {"type": "boolean"}}),
    ("list_lit", {"type": "array", "items": {"type": "string", "enum": ["x", "y"]}}),
    ("s_or_none", {"type": "string", "nullable": True}),
    ("opt_i", {"type": "integer", "nullable": True}),
    ("list_or_none", {"type": "array", "items": {"type": "string"}, "nullable": True}),
    ("lit_or_none", {"type": "string", "enum": ["a", "b"], "nullable": True}),
    ("list_of_nullable", {"type": "array", "items": {"type": "integer", "nullable": True}}),
]


@pytest.mark.parametrize(("param_name", "expected"), TYPE_CASES)
def test_parameter_type_maps_to_json_type(param_name: str, expected: dict[str, Any]) -> None:
    param = _param(Types, "types", param_name)
    assert param.type.to_dict() == expected
    assert param.required is True
    assert param.default is None


def test_parameters_keep_their_order() -> None:
    assert [p.name for p in _command(Types, "types").params] == [n for n, _ in TYPE_CASES]


def test_string_annotations_are_resolved() -> None:
    # The annotations really are strings here, and still become types.
    assert Types.types.__annotations__["opt_i"] == "Optional[int]"
    assert Types.types.__annotations__["return"] == "None"
    assert _param(Types, "types", "opt_i").type == TypeSpec("integer", nullable=True)


def test_choices_repeat_the_enum() -> None:
    assert _param(Types, "types", "lit_s").choices == ("red", "green")
    assert _param(Types, "types", "lit_i").choices == (1, 2, 3)
    assert _param(Types, "types", "lit_or_none").choices == ("a", "b")
    assert _param(Types, "types", "s").choices is None
    # list[Literal[...]]: the choices belong to the elements, not the list.
    assert _param(Types, "types", "list_lit").choices is None
    data = _param(Types, "types", "lit_s").to_dict()
    assert data["choices"] == ["red", "green"]
    assert _param(Types, "types", "s").to_dict()["choices"] is None


class Returns(Plugin):
    """Every supported return type."""

    @command
    def nothing(self) -> None:
        """Return nothing."""

    @command
    def text(self) -> str:
        """Return a string."""
        return ""

    @command
    def whole(self) -> int:
        """Return an integer."""
        return 0

    @command
    def real(self) -> float:
        """Return a number."""
        return 0.0

    @command
    def flag(self) -> bool:
        """Return a boolean."""
        return False

    @command
    def counts(self) -> dict[str, int]:
        """Return an object of integers."""
        return {}

    @command
    def maybe_counts(self) -> dict[str, int] | None:
        """Return an object of integers, or null."""
        return None

    @command
    def names(self) -> list[str]:
        """Return a list of strings."""
        return []

    @command
    def maybe(self) -> Optional[int]:  # noqa: UP045 - Optional[X] must be supported too
        """Return an integer or null."""
        return None

    @command
    def colour(self) -> Literal["red", "blue"]:
        """Return a colour."""
        return "red"

    @command
    def labelled(self) -> dict[str, str | None]:
        """Return an object of nullable strings."""
        return {}


RETURN_CASES: list[tuple[str, dict[str, Any]]] = [
    ("nothing", {"type": "null"}),
    ("text", {"type": "string"}),
    ("whole", {"type": "integer"}),
    ("real", {"type": "number"}),
    ("flag", {"type": "boolean"}),
    ("counts", {"type": "object", "values": {"type": "integer"}}),
    ("maybe_counts", {"type": "object", "values": {"type": "integer"}, "nullable": True}),
    ("names", {"type": "array", "items": {"type": "string"}}),
    ("maybe", {"type": "integer", "nullable": True}),
    ("colour", {"type": "string", "enum": ["red", "blue"]}),
    ("labelled", {"type": "object", "values": {"type": "string", "nullable": True}}),
]


@pytest.mark.parametrize(("command_name", "expected"), RETURN_CASES)
def test_return_type_maps_to_json_type(command_name: str, expected: dict[str, Any]) -> None:
    assert _command(Returns, command_name).returns.to_dict() == expected


# -- required, optional, defaults ------------------------------------------


class Defaults(Plugin):
    """Parameters with and without defaults."""

    @command
    def run(
        self,
        target: str,
        count: int = 3,
        ratio: float = 0.5,
        whole_ratio: float = 2,
        verbose: bool = False,
        tags: list[str] = ("a", "b"),  # type: ignore[assignment]
        sizes: list[int] = (),  # type: ignore[assignment]
        mode: Literal["fast", "slow"] = "slow",
        limit: int | None = None,
        label: str | None = "x",
    ) -> None:
        """Run it."""


DEFAULT_CASES: list[tuple[str, Any]] = [
    ("count", 3),
    ("ratio", 0.5),
    ("whole_ratio", 2),
    ("verbose", False),
    ("tags", ["a", "b"]),
    ("sizes", []),
    ("mode", "slow"),
    ("limit", None),
    ("label", "x"),
]


def test_parameter_without_default_is_required() -> None:
    param = _param(Defaults, "run", "target")
    assert param.required is True
    assert param.default is None
    assert param.to_dict() == {
        "name": "target",
        "type": {"type": "string"},
        "required": True,
        "default": None,
        "choices": None,
        "help": "",
    }


@pytest.mark.parametrize(("param_name", "default"), DEFAULT_CASES)
def test_parameter_with_default_is_optional(param_name: str, default: Any) -> None:
    param = _param(Defaults, "run", param_name)
    assert param.required is False
    assert param.default == default
    assert type(param.default) is type(default)
    assert param.to_dict()["default"] == default


def test_tuple_default_becomes_a_list() -> None:
    param = _param(Defaults, "run", "tags")
    assert param.default == ["a", "b"]
    assert isinstance(param.default, list)
    assert isinstance(_param(Defaults, "run", "sizes").default, list)


# -- help texts ------------------------------------------------------------


class Documented(Plugin):
    """Greets people politely.

    A longer description of the plugin,
    over two lines.

    And a second paragraph.
    """

    @command
    def greet(self, name: str, times: int = 1, loud: bool = False, tone: str = "warm") -> str:
        """Greet someone by name.

        Greets once per ``times``.

        Args:
            name: Who to greet; this
                goes on over a second line
                and a third.
            times (int): How many times: at least one.
            loud: Whether to shout.

        Returns:
            The greeting: a string.
        """
        return name

    @command
    def wave(self, hand: str, speed: float = 1.0, style: str = "") -> None:
        """Wave a hand.

        :param hand: Which hand to wave,
            left or right.
        :param float speed: How fast.
        :returns: nothing
        """

    @command
    def shrug(self, how: str) -> None:
        """Shrug."""

    @command
    def nod(self, depth: int) -> None:
        """Nod.

        Args:
            depth:
                How deep, on the next line.
        """


def test_summary_and_description_come_from_the_class_docstring() -> None:
    manifest = _manifest(Documented)
    assert manifest.summary == "Greets people politely."
    assert manifest.description == (
        "A longer description of the plugin,\nover two lines.\n\nAnd a second paragraph."
    )


def test_command_help_is_the_first_line_and_description_the_rest() -> None:
    greet = _command(Documented, "greet")
    assert greet.help == "Greet someone by name."
    assert greet.description == "Greets once per ``times``."
    shrug = _command(Documented, "shrug")
    assert shrug.help == "Shrug."
    assert shrug.description == ""


def test_google_args_section_gives_parameter_help() -> None:
    greet = _command(Documented, "greet")
    helps = {p.name: p.help for p in greet.params}
    assert helps == {
        "name": "Who to greet; this goes on over a second line and a third.",
        "times": "How many times: at least one.",
        "loud": "Whether to shout.",
        "tone": "",
    }


def test_google_help_on_the_line_after_the_name() -> None:
    assert _param(Documented, "nod", "depth").help == "How deep, on the next line."


def test_sphinx_param_lines_give_parameter_help() -> None:
    wave = _command(Documented, "wave")
    assert {p.name: p.help for p in wave.params} == {
        "hand": "Which hand to wave, left or right.",
        "speed": "How fast.",
        "style": "",
    }
    assert wave.help == "Wave a hand."
    assert wave.description == ""


def test_parameter_without_docs_has_empty_help() -> None:
    assert _param(Documented, "shrug", "how").help == ""


# -- names, inheritance, order ---------------------------------------------


class Renamed(Plugin):
    """A command whose name differs from its method's."""

    @command(name="to-upper")
    def upper(self, text: str) -> str:
        """Upper-case a text."""
        return text.upper()

    @command()
    def lower(self, text: str) -> str:
        """Lower-case a text."""
        return text.lower()


def test_command_name_can_be_given() -> None:
    validation = _validate(Renamed)
    assert validation.manifest is not None
    assert [c.name for c in validation.manifest.commands] == ["to-upper", "lower"]
    assert validation.manifest.command("upper") is None
    assert dict(validation.methods) == {"to-upper": "upper", "lower": "lower"}


class Ordered(Plugin):
    """Commands in definition order, not alphabetical."""

    @command
    def zeta(self) -> None:
        """Last letter, first command."""

    @command
    def alpha(self) -> None:
        """First letter, second command."""

    def helper(self) -> None:
        """Not a command."""

    @command
    def mid(self) -> None:
        """Third command."""


def test_commands_keep_definition_order_and_skip_unmarked_methods() -> None:
    assert [c.name for c in _manifest(Ordered).commands] == ["zeta", "alpha", "mid"]


class Base(Plugin):
    """A base plugin."""

    @command
    def alpha(self) -> str:
        """Alpha from the base."""
        return "base alpha"

    @command
    def beta(self) -> str:
        """Beta from the base."""
        return "base beta"


class Child(Base):
    """A child that adds a command."""

    @command
    def gamma(self) -> str:
        """Gamma from the child."""
        return "child gamma"


class Replacing(Base):
    """A child that replaces a command with its own."""

    @command
    def alpha(self) -> str:
        """Alpha from the child."""
        return "child alpha"


class Removing(Base):
    """A child that turns a command into a plain method."""

    def beta(self) -> str:
        """No longer a command."""
        return "plain"


def test_commands_are_inherited() -> None:
    manifest = _manifest(Child)
    assert [c.name for c in manifest.commands] == ["alpha", "beta", "gamma"]
    assert manifest.summary == "A child that adds a command."


def test_subclass_replaces_a_command_in_place() -> None:
    manifest = _manifest(Replacing)
    assert [c.name for c in manifest.commands] == ["alpha", "beta"]
    alpha = manifest.command("alpha")
    assert alpha is not None
    assert alpha.help == "Alpha from the child."


def test_subclass_overriding_with_unmarked_method_removes_the_command() -> None:
    validation = _validate(Removing)
    assert validation.manifest is not None
    assert [c.name for c in validation.manifest.commands] == ["alpha"]
    assert dict(validation.methods) == {"alpha": "alpha"}


def test_manifest_names_the_plugin_and_distribution() -> None:
    validation = validate_plugin_class(
        Renamed, name="renamer", distribution="renamer-dist", version="2.1"
    )
    manifest = validation.manifest
    assert manifest is not None
    assert (manifest.name, manifest.distribution, manifest.version) == (
        "renamer",
        "renamer-dist",
        "2.1",
    )
    assert manifest.api_version == "1.0"
    assert _manifest(Renamed).distribution is None
    assert _manifest(Renamed).version is None


# -- JSON ------------------------------------------------------------------


ROUND_TRIP_PLUGINS = [Types, Returns, Defaults, Documented, Renamed, Ordered, Child, Removing]


@pytest.mark.parametrize("cls", ROUND_TRIP_PLUGINS, ids=lambda c: c.__name__)
def test_manifest_round_trips_through_json(cls: type[Plugin]) -> None:
    manifest = _manifest(cls, name=cls.__name__.lower())
    text = json.dumps(manifest.to_dict())
    again = Manifest.from_dict(json.loads(text))
    assert again == manifest
    assert again.to_dict() == manifest.to_dict()


def test_manifest_round_trip_keeps_distribution_and_version() -> None:
    manifest = validate_plugin_class(
        Documented, name="documented", distribution="documented-dist", version="0.3"
    ).manifest
    assert manifest is not None
    again = Manifest.from_dict(json.loads(json.dumps(manifest.to_dict())))
    assert again == manifest
    assert again.distribution == "documented-dist"
    assert again.version == "0.3"


def test_manifest_to_dict_shape() -> None:
    data = _manifest(Renamed, name="renamer").to_dict()
    assert data == {
        "manifest_version": 1,
        "name": "renamer",
        "distribution": None,
        "version": None,
        "api_version": "1.0",
        "summary": "A command whose name differs from its method's.",
        "description": "",
        "commands": [
            {
                "name": "to-upper",
                "help": "Upper-case a text.",
                "description": "",
                "params": [
                    {
                        "name": "text",
                        "type": {"type": "string"},
                        "required": True,
                        "default": None,
                        "choices": None,
                        "help": "",
                    }
                ],
                "returns": {"type": "string"},
            },
            {
                "name": "lower",
                "help": "Lower-case a text.",
                "description": "",
                "params": [
                    {
                        "name": "text",
                        "type": {"type": "string"},
                        "required": True,
                        "default": None,
                        "choices": None,
                        "help": "",
                    }
                ],
                "returns": {"type": "string"},
            },
        ],
    }


def test_minimal_manifest_fills_optional_fields() -> None:
    manifest = Manifest.from_dict(
        {
            "manifest_version": 1,
            "name": "tiny",
            "summary": "A tiny plugin.",
            "commands": [
                {
                    "name": "go",
                    "help": "Go.",
                    "params": [
                        {"name": "n", "type": {"type": "integer"}, "required": False, "default": 2}
                    ],
                    "returns": {"type": "null"},
                }
            ],
        }
    )
    assert manifest == Manifest(
        name="tiny",
        summary="A tiny plugin.",
        commands=(
            CommandSpec(
                name="go",
                help="Go.",
                params=(ParamSpec("n", TypeSpec("integer"), False, 2, ""),),
                returns=TypeSpec("null"),
            ),
        ),
    )


_SCALAR_KINDS = st.sampled_from(["string", "integer", "number", "boolean"])


def _scalar(kind: str, nullable: bool) -> TypeSpec:
    return TypeSpec(kind, nullable=nullable)


def _string_enum(values: list[str], nullable: bool) -> TypeSpec:
    return TypeSpec("string", enum=tuple(values), nullable=nullable)


def _integer_enum(values: list[int], nullable: bool) -> TypeSpec:
    return TypeSpec("integer", enum=tuple(values), nullable=nullable)


def _array(items: TypeSpec, nullable: bool) -> TypeSpec:
    return TypeSpec("array", items=items, nullable=nullable)


def _object(values: TypeSpec, nullable: bool) -> TypeSpec:
    return TypeSpec("object", values=values, nullable=nullable)


_LEAVES = st.one_of(
    st.builds(_scalar, _SCALAR_KINDS, st.booleans()),
    st.builds(_string_enum, st.lists(st.text(), min_size=1, max_size=4), st.booleans()),
    st.builds(
        _integer_enum,
        st.lists(st.integers(-(2**53), 2**53), min_size=1, max_size=4),
        st.booleans(),
    ),
)

# Containers hold scalars only, as the types a manifest can be derived from.
TYPE_SPECS = st.one_of(
    st.just(TypeSpec("null")),
    _LEAVES,
    st.builds(_array, _LEAVES, st.booleans()),
    st.builds(_object, _LEAVES, st.booleans()),
)


@given(TYPE_SPECS)
def test_type_spec_round_trips_through_json(spec: TypeSpec) -> None:
    data = json.loads(json.dumps(spec.to_dict()))
    assert TypeSpec.from_dict(data, "t") == spec


@given(TYPE_SPECS, st.booleans(), st.text(max_size=20))
def test_manifest_with_generated_types_round_trips(
    spec: TypeSpec, required: bool, help_text: str
) -> None:
    params: tuple[ParamSpec, ...] = ()
    if spec.kind not in ("object", "null"):
        # An optional parameter's default must fit its type: null needs nullable.
        assume(required or spec.nullable)
        params = (ParamSpec("p", spec, required, None, help_text),)
    manifest = Manifest(
        name="gen",
        summary="Generated.",
        commands=(CommandSpec("go", help_text, params, spec),),
    )
    assert Manifest.from_dict(json.loads(json.dumps(manifest.to_dict()))) == manifest


# -- malformed manifests ---------------------------------------------------

_DELETE = object()


def _valid_data() -> dict[str, Any]:
    return _manifest(Defaults, name="defaults").to_dict()


def _set(data: Any, path: tuple[str | int, ...], value: object) -> None:
    for key in path[:-1]:
        data = data[key]
    if value is _DELETE:
        del data[path[-1]]
    else:
        data[path[-1]] = value


def assert_names_field(text: str, model: str) -> None:
    """Assert that ``text`` names the same field and says the same as ``model``.

    ``model`` is 'manifest field FIELD DETAIL'. The field path must appear as
    a whole word, and what follows 'missing', 'expected' or 'must be' (or the
    whole detail) must appear after it.
    """
    field, _, detail = model.removeprefix("manifest field ").partition(" ")
    assert re.search(rf"(^|\s){re.escape(field)}(\s|$)", text), (field, text)
    for key in ("missing", "expected ", "must be ", "repeats "):
        if key in detail:
            detail = detail[detail.index(key) :]
            break
    tail = text[text.index(field) + len(field) :]
    assert detail in tail, (detail, text)


# (path to change, new value, model message: see assert_names_field)
MALFORMED: list[tuple[tuple[str | int, ...], object, str]] = [
    (("name",), _DELETE, "manifest field manifest.name is missing"),
    (("name",), 3, "manifest field manifest.name is an integer; expected a string"),
    (("summary",), _DELETE, "manifest field manifest.summary is missing"),
    (("summary",), ["x"], "manifest field manifest.summary is a list; expected a string"),
    (("description",), 1, "manifest field manifest.description must be a string"),
    (("distribution",), 1, "manifest field manifest.distribution must be a string or null"),
    (("version",), 1.5, "manifest field manifest.version must be a string or null"),
    (("api_version",), 1, "manifest field manifest.api_version must be a string"),
    (("commands",), _DELETE, "manifest field manifest.commands is missing"),
    (("commands",), {}, "manifest field manifest.commands is an object; expected a list"),
    (("commands", 0), "run", "manifest field commands[0] is a string; expected an object"),
    (("commands", 0, "name"), _DELETE, "manifest field commands[0].name is missing"),
    (("commands", 0, "name"), None, "manifest field commands[0].name is null; expected a string"),
    (
        ("commands", 0, "help"),
        True,
        "manifest field commands[0].help is a boolean; expected a string",
    ),
    (("commands", 0, "description"), [], "manifest field commands[0].description must be a string"),
    (("commands", 0, "params"), _DELETE, "manifest field commands[0].params is missing"),
    (
        ("commands", 0, "params"),
        "x",
        "manifest field commands[0].params is a string; expected a list",
    ),
    (
        ("commands", 0, "params", 1),
        None,
        "manifest field commands[0].params[1] is null; expected an object",
    ),
    (
        ("commands", 0, "params", 1, "name"),
        7,
        "manifest field commands[0].params[1].name is an integer; expected a string",
    ),
    (
        ("commands", 0, "params", 1, "required"),
        "yes",
        "manifest field commands[0].params[1].required is a string; expected a boolean",
    ),
    (
        ("commands", 0, "params", 1, "required"),
        1,
        "manifest field commands[0].params[1].required is an integer; expected a boolean",
    ),
    (
        ("commands", 0, "params", 1, "help"),
        None,
        "manifest field commands[0].params[1].help must be a string",
    ),
    (
        ("commands", 0, "params", 1, "type"),
        _DELETE,
        "manifest field commands[0].params[1].type is null; expected an object",
    ),
    (
        ("commands", 0, "params", 1, "type"),
        "integer",
        "manifest field commands[0].params[1].type is a string; expected an object",
    ),
    (
        ("commands", 0, "params", 1, "type", "type"),
        _DELETE,
        "manifest field commands[0].params[1].type.type is missing",
    ),
    (
        ("commands", 0, "params", 1, "type", "type"),
        "int",
        "manifest field commands[0].params[1].type.type is 'int'; expected one of"
        " string, integer, number, boolean, array, object, null",
    ),
    (
        ("commands", 0, "params", 1, "type", "nullable"),
        "no",
        "manifest field commands[0].params[1].type.nullable must be a boolean",
    ),
    (
        ("commands", 0, "params", 1, "default"),
        "3",
        "manifest field commands[0].params[1].default is a string; expected an integer",
    ),
    (
        ("commands", 0, "params", 1, "default"),
        True,
        "manifest field commands[0].params[1].default is a boolean; expected an integer",
    ),
    (
        ("commands", 0, "params", 1, "default"),
        _DELETE,
        "manifest field commands[0].params[1].default is null; expected an integer",
    ),
    (
        ("commands", 0, "params", 5, "type", "items"),
        _DELETE,
        "manifest field commands[0].params[5].type.items is null; expected an object",
    ),
    (
        ("commands", 0, "params", 5, "type", "items", "type"),
        "text",
        "manifest field commands[0].params[5].type.items.type is 'text'; expected one of"
        " string, integer, number, boolean, array, object, null",
    ),
    (
        ("commands", 0, "params", 5, "default"),
        ["a", 1],
        "manifest field commands[0].params[5].default is a list; expected a list of strings",
    ),
    (
        ("commands", 0, "params", 7, "type", "enum"),
        [1, 2],
        "manifest field commands[0].params[7].type.enum must be a non-empty list of string values",
    ),
    (
        ("commands", 0, "params", 7, "type", "enum"),
        [],
        "manifest field commands[0].params[7].type.enum must be a non-empty list of string values",
    ),
    (
        ("commands", 0, "params", 7, "type", "enum"),
        "fast",
        "manifest field commands[0].params[7].type.enum must be a non-empty list of string values",
    ),
    (
        ("commands", 0, "params", 7, "default"),
        "medium",
        "manifest field commands[0].params[7].default is a string; expected one of 'fast', 'slow'",
    ),
    (
        ("commands", 0, "params", 1, "type", "enum"),
        [1, True],
        "manifest field commands[0].params[1].type.enum must be a non-empty list of integer values",
    ),
    (
        ("commands", 0, "returns"),
        _DELETE,
        "manifest field commands[0].returns is null; expected an object",
    ),
    (
        ("commands", 0, "returns", "type"),
        "void",
        "manifest field commands[0].returns.type is 'void'; expected one of"
        " string, integer, number, boolean, array, object, null",
    ),
    (
        ("commands", 0, "returns"),
        {"type": "object"},
        "manifest field commands[0].returns.values is null; expected an object",
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    MALFORMED,
    ids=[".".join(map(str, p)) + f"={v!r:.20}" for p, v, _ in MALFORMED],
)
def test_from_dict_refuses_malformed_data(
    path: tuple[str | int, ...], value: object, message: str
) -> None:
    data = _valid_data()
    assert Manifest.from_dict(copy.deepcopy(data)) is not None  # valid before the change
    _set(data, path, value)
    with pytest.raises(ManifestError) as info:
        Manifest.from_dict(data)
    assert_names_field(str(info.value), message)


def test_defaults_fixture_parameter_positions() -> None:
    # MALFORMED relies on these positions.
    names = [p["name"] for p in _valid_data()["commands"][0]["params"]]
    assert names[1] == "count"
    assert names[5] == "tags"
    assert names[7] == "mode"


@pytest.mark.parametrize("data", [[], "manifest", None, 1, [{"name": "x"}]])
def test_from_dict_refuses_a_non_object(data: object) -> None:
    with pytest.raises(ManifestError, match=r"manifest field manifest is .*expected an object"):
        Manifest.from_dict(data)


def test_from_dict_refuses_duplicate_command_names() -> None:
    data = _manifest(Ordered, name="ordered").to_dict()
    data["commands"][2]["name"] = "zeta"
    with pytest.raises(ManifestError) as info:
        Manifest.from_dict(data)
    assert_names_field(str(info.value), "manifest field manifest.commands repeats a command name")


def test_from_dict_refuses_duplicate_parameter_names() -> None:
    data = _valid_data()
    data["commands"][0]["params"][2]["name"] = "count"
    data["commands"][0]["params"][2]["type"] = {"type": "integer"}
    data["commands"][0]["params"][2]["default"] = 1
    with pytest.raises(ManifestError) as info:
        Manifest.from_dict(data)
    assert_names_field(
        str(info.value), "manifest field commands[0].params repeats a parameter name"
    )


def test_from_dict_names_the_field_of_a_later_command() -> None:
    data = _manifest(Ordered, name="ordered").to_dict()
    data["commands"][2]["returns"] = {"type": "array"}
    with pytest.raises(ManifestError) as info:
        Manifest.from_dict(data)
    assert_names_field(
        str(info.value), "manifest field commands[2].returns.items is null; expected an object"
    )


def test_manifest_error_is_a_plughost_error_with_a_message() -> None:
    with pytest.raises(ManifestError) as info:
        Manifest.from_dict({"manifest_version": 1})
    assert_names_field(info.value.message, "manifest field manifest.name is missing")
    assert info.value.plugin is None


@pytest.mark.parametrize(
    "version",
    [_DELETE, 2, 0, "1", None, 1.5, True],
    ids=["missing", "2", "0", "string", "null", "float", "true"],
)
def test_from_dict_refuses_a_wrong_manifest_version(version: object) -> None:
    # JSON ``true`` is not the number 1, even though True == 1 in Python.
    data = _valid_data()
    _set(data, ("manifest_version",), version)
    with pytest.raises(ManifestError) as info:
        Manifest.from_dict(data)
    shown = "None" if version is _DELETE else repr(version)
    expect_parts(str(info.value), "manifest_version", shown, "version 1", "upgrade plughost")


def expect_parts(text: str, *parts: str) -> None:
    """Assert that ``parts`` occur in ``text`` in this order."""
    pos = 0
    for part in parts:
        found = text.find(part, pos)
        assert found >= 0, f"{part!r} missing from {text[pos:]!r} (in {text!r})"
        pos = found + len(part)


@pytest.mark.parametrize(
    ("param_type", "kind"),
    [({"type": "object", "values": {"type": "string"}}, "object"), ({"type": "null"}, "null")],
    ids=["object", "null"],
)
def test_from_dict_refuses_result_only_kinds_for_parameters(
    param_type: dict[str, Any], kind: str
) -> None:
    # TypeSpec documents object and null as "results only".
    data = _valid_data()
    data["commands"][0]["params"][0]["type"] = param_type
    with pytest.raises(ManifestError) as info:
        Manifest.from_dict(data)
    assert str(info.value) == (
        f"manifest field commands[0].params[0].type is '{kind}', which only results may be;"
        " parameters are one of string, integer, number, boolean or array"
    )


@pytest.mark.parametrize(
    ("returns", "field", "kind"),
    [
        (
            {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
            "items",
            "array",
        ),
        (
            {"type": "object", "values": {"type": "object", "values": {"type": "string"}}},
            "values",
            "object",
        ),
        ({"type": "array", "items": {"type": "null"}}, "items", "null"),
    ],
)
def test_from_dict_refuses_containers_of_containers(
    returns: dict[str, Any], field: str, kind: str
) -> None:
    data = _valid_data()
    data["commands"][0]["returns"] = returns
    with pytest.raises(ManifestError) as info:
        Manifest.from_dict(data)
    assert str(info.value) == (
        f"manifest field commands[0].returns.{field}.type is '{kind}'; elements must be one of"
        " string, integer, number, boolean"
    )


def test_from_dict_refuses_choices_that_disagree_with_the_enum() -> None:
    data = _valid_data()
    param = data["commands"][0]["params"][0]
    param["type"] = {"type": "string", "enum": ["a", "b"]}
    param["choices"] = ["a", "c"]
    with pytest.raises(ManifestError, match=r"params\[0\]\.choices must repeat"):
        Manifest.from_dict(data)


# -- settings ----------------------------------------------------------------

Shade = Literal["light", "dark"]


class Configurable(Plugin):
    """Declare settings of every supported type."""

    class Settings:
        """The settings.

        Attributes:
            count: from the docstring's section
            shade: the section's help, which the attribute's docstring beats
        """

        name: str = "x"
        """From the string after the attribute."""

        count: int = 2
        ratio: float = 1
        on: bool = True
        shade: Shade = "dark"
        """The attribute's own help."""

        sizes: list[int] = (1, 2)  # type: ignore[assignment]
        weights: list[float] = [1, 2.5]  # noqa: RUF012 - a default, never changed
        level: int | None = None
        picked: list[Literal[1, 2]] | None = None
        _private: int = 3
        constant: ClassVar[int] = 4

        def helper(self) -> int:
            """Not a setting: a method."""
            return 1

    @command
    def go(self) -> None:
        """Go."""


SETTING_CASES: list[tuple[str, dict[str, Any], object, str]] = [
    ("name", {"type": "string"}, "x", "From the string after the attribute."),
    ("count", {"type": "integer"}, 2, "from the docstring's section"),
    ("ratio", {"type": "number"}, 1.0, ""),
    ("on", {"type": "boolean"}, True, ""),
    ("shade", {"type": "string", "enum": ["light", "dark"]}, "dark", "The attribute's own help."),
    ("sizes", {"type": "array", "items": {"type": "integer"}}, [1, 2], ""),
    ("weights", {"type": "array", "items": {"type": "number"}}, [1.0, 2.5], ""),
    ("level", {"type": "integer", "nullable": True}, None, ""),
    (
        "picked",
        {"type": "array", "items": {"type": "integer", "enum": [1, 2]}, "nullable": True},
        None,
        "",
    ),
]


def test_settings_are_derived_in_order_with_types_defaults_and_help() -> None:
    settings = _manifest(Configurable).settings
    assert settings is not None
    assert [s.name for s in settings] == [name for name, *_ in SETTING_CASES]
    for spec, (name, type_, default, help_) in zip(settings, SETTING_CASES, strict=True):
        assert spec.to_dict() == {"name": name, "type": type_, "default": default, "help": help_}
    # A number's integer default is a float, as after JSON; a tuple a list.
    assert type(settings[2].default) is float
    assert settings[5].default == [1, 2]


def test_a_plugin_without_a_settings_class_declares_none() -> None:
    manifest = _manifest(Renamed)
    assert manifest.settings is None
    assert "settings" not in manifest.to_dict()
    assert manifest.setting("anything") is None


class TakesNothing(Plugin):
    """Take no settings."""

    class Settings:
        """Nothing to set."""

    @command
    def go(self) -> None:
        """Go."""


def test_an_empty_settings_class_declares_that_there_are_none() -> None:
    manifest = _manifest(TakesNothing)
    assert manifest.settings == ()
    assert manifest.to_dict()["settings"] == []
    assert Manifest.from_dict(manifest.to_dict()).settings == ()


class Inheriting(Configurable):
    """Inherit the settings, and add one."""

    class Settings(Configurable.Settings):
        """One more."""

        extra: str = "e"
        """The one more."""


class KeepsItsBase(Configurable):
    """Inherit the settings as they are."""


def test_settings_are_inherited_and_extended() -> None:
    extended = _manifest(Inheriting).settings
    assert extended is not None
    assert [s.name for s in extended] == [name for name, *_ in SETTING_CASES] + ["extra"]
    assert extended[-1].help == "The one more."
    assert extended[0].help == "From the string after the attribute."
    assert _manifest(KeepsItsBase).settings == _manifest(Configurable).settings


def _two_local_plugins() -> tuple[type, type]:
    # Two classes called Settings in one function, the first under a `with`:
    # each is found by its qualified name, as inspect finds a class.
    with contextlib.nullcontext():

        class First(Plugin):
            """The first."""

            class Settings:
                """Its settings."""

                colour: str = "red"
                """The first's colour."""

            @command
            def go(self) -> None:
                """Go."""

    class Second(Plugin):
        """The second."""

        class Settings:
            """Its settings."""

            colour: str = "blue"
            """The second's colour."""

        @command
        def go(self) -> None:
            """Go."""

    return First, Second


def test_attribute_help_comes_from_the_class_itself_wherever_it_is_defined() -> None:
    first, second = (_manifest(cls).settings for cls in _two_local_plugins())
    assert first is not None and second is not None
    assert [(s.default, s.help) for s in first + second] == [
        ("red", "The first's colour."),
        ("blue", "The second's colour."),
    ]


@pytest.mark.parametrize("cls", [Configurable, TakesNothing, Inheriting], ids=lambda c: c.__name__)
def test_a_manifest_with_settings_round_trips_through_json(cls: type[Plugin]) -> None:
    manifest = _manifest(cls)
    assert Manifest.from_dict(json.loads(json.dumps(manifest.to_dict()))) == manifest
    spec = manifest.settings[0] if manifest.settings else None
    if spec is not None:
        assert manifest.setting(spec.name) is spec


def test_null_settings_in_json_declare_none() -> None:
    data = _manifest(Renamed).to_dict()
    data["settings"] = None
    assert Manifest.from_dict(data).settings is None


_SETTING_TYPES = TYPE_SPECS.filter(lambda t: t.kind not in ("object", "null"))


@given(_SETTING_TYPES, st.text(max_size=20))
def test_manifest_with_generated_settings_round_trips(spec: TypeSpec, help_text: str) -> None:
    default: Any = None
    if not spec.nullable:
        default = [] if spec.kind == "array" else spec.enum[0] if spec.enum else None
        assume(default is not None)
    manifest = Manifest(
        name="gen",
        summary="Generated.",
        commands=(CommandSpec("go", "Go.", (), TypeSpec("null")),),
        settings=(SettingSpec("s", spec, default, help_text),),
    )
    assert Manifest.from_dict(json.loads(json.dumps(manifest.to_dict()))) == manifest


def _with_settings() -> dict[str, Any]:
    return _manifest(Configurable).to_dict()


MALFORMED_SETTINGS: list[tuple[tuple[str | int, ...], object, str]] = [
    (
        ("settings",),
        {"name": "x"},
        "manifest field manifest.settings is an object; expected a list",
    ),
    (("settings", 0), "name", "manifest field settings[0] is a string; expected an object"),
    (("settings", 0, "name"), _DELETE, "manifest field settings[0].name is missing"),
    (
        ("settings", 0, "name"),
        "two words",
        "manifest field settings[0].name is 'two words'; a setting's name starts with a letter",
    ),
    (("settings", 0, "name"), "", "manifest field settings[0].name is ''; a setting's name"),
    (
        ("settings", 0, "type"),
        _DELETE,
        "manifest field settings[0].type is null; expected an object",
    ),
    (
        ("settings", 0, "type"),
        {"type": "object", "values": {"type": "string"}},
        "manifest field settings[0].type is 'object'; settings are one of string, integer,"
        " number, boolean or array",
    ),
    (("settings", 0, "default"), _DELETE, "manifest field settings[0].default is missing"),
    (
        ("settings", 1, "default"),
        "two",
        "manifest field settings[1].default is a string; expected an integer",
    ),
    (
        ("settings", 4, "default"),
        "grey",
        "manifest field settings[4].default is a string; expected one of 'light', 'dark'",
    ),
    (("settings", 0, "default"), None, "manifest field settings[0].default is null; expected"),
    (("settings", 0, "help"), 3, "manifest field settings[0].help must be a string"),
]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    MALFORMED_SETTINGS,
    ids=[".".join(map(str, p)) + f"={v!r:.20}" for p, v, _ in MALFORMED_SETTINGS],
)
def test_from_dict_refuses_malformed_settings(
    path: tuple[str | int, ...], value: object, message: str
) -> None:
    data = _with_settings()
    assert Manifest.from_dict(copy.deepcopy(data)) is not None  # valid before the change
    _set(data, path, value)
    with pytest.raises(ManifestError) as info:
        Manifest.from_dict(data)
    assert str(info.value).startswith(message), str(info.value)


def test_from_dict_refuses_duplicate_setting_names() -> None:
    data = _with_settings()
    data["settings"][1] = {**data["settings"][0]}
    with pytest.raises(ManifestError, match=r"manifest field manifest\.settings repeats a setting"):
        Manifest.from_dict(data)


def test_help_is_optional_in_json() -> None:
    data = _with_settings()
    del data["settings"][0]["help"]
    settings = Manifest.from_dict(data).settings
    assert settings is not None
    assert settings[0].help == ""
