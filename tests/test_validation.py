"""Validation of plugin classes: every problem, with its plugin, distribution and fix.

Problems are checked by their parts, in order: what is wrong, where, and the
fix, so that rewording the glue between them does not break the tests.
"""

import abc
import json
import types
from pathlib import Path
from typing import ClassVar, Literal, Optional, Union

import pytest

import plughost
from plughost import Plugin, command
from plughost._contract.reserved import HOST_PLUGIN_KEYS
from plughost._contract.validation import RESERVED_OPTIONS, validate_plugin_class

#: The start of the list of supported types that the fixes name.
SUPPORTED = "str, int, float, bool, Literal[...], list[...] of those"
#: What the fix for a return annotation adds to that list.
RESULTS = "dict[str, ...] or None"
NAME_RULE = "must start with a letter and hold only letters, digits, '-' and '_' (64 at most)"


def problems_of(obj: object) -> list[str]:
    """Validate ``obj`` as plugin 'demo' of demo-dist 1.2; its problems without the origin.

    Every problem must name the plugin and its distribution before the first ': '.
    """
    validation = validate_plugin_class(obj, name="demo", distribution="demo-dist", version="1.2")
    if validation.problems:
        assert validation.manifest is None
        assert dict(validation.methods) == {}
    else:
        assert validation.manifest is not None
    stripped = []
    for text in validation.problems:
        origin, sep, rest = text.partition(": ")
        assert sep, text
        assert origin.startswith("plugin 'demo' "), text
        assert "demo-dist" in origin, text
        assert "1.2" in origin, text
        stripped.append(rest)
    return stripped


def expect(text: str, *parts: str) -> None:
    """Assert that ``parts`` occur in ``text`` in this order."""
    pos = 0
    for part in parts:
        found = text.find(part, pos)
        assert found >= 0, f"{part!r} missing from {text[pos:]!r} (in {text!r})"
        pos = found + len(part)


def only_problem(obj: object) -> str:
    problems = problems_of(obj)
    assert len(problems) == 1, problems
    return problems[0]


class Good(Plugin):
    """A valid plugin."""

    @command
    def run(self, value: int) -> int:
        """Run it."""
        return value


def test_valid_plugin_has_no_problems() -> None:
    assert problems_of(Good) == []


class NoDoc(Plugin):
    @command
    def run(self) -> None:
        """Run it."""


def test_problem_without_distribution_names_only_the_plugin() -> None:
    validation = validate_plugin_class(NoDoc, name="solo")
    [text] = validation.problems
    assert text.startswith("plugin 'solo': class NoDoc has no docstring")
    assert "None" not in text


def test_expect_helper_checks_order() -> None:
    expect("a b c", "a", "c")
    with pytest.raises(AssertionError):
        expect("a b c", "c", "a")


# -- what the entry point loads --------------------------------------------


def make_thing() -> None:
    """A function, not a class."""


class Widget:
    """Something with a short repr."""

    def __repr__(self) -> str:
        return "<widget>"


NOT_A_CLASS_FIX = "point the entry point at a class deriving from plughost.Plugin"


@pytest.mark.parametrize(
    ("obj", "described"),
    [
        (make_thing, "the function make_thing"),
        (len, "the function len"),
        (json, "the module json"),
        (types.ModuleType("fake_module"), "the module fake_module"),
        (Widget(), "Widget object <widget>"),
        (Good(), "Good object <"),
        (None, "NoneType object None"),
    ],
    ids=["function", "builtin", "module", "made-module", "instance", "plugin-instance", "none"],
)
def test_not_a_class(obj: object, described: str) -> None:
    expect(only_problem(obj), f"its entry point loads {described}", "not a class", NOT_A_CLASS_FIX)


class NotAPlugin:
    """Looks like a plugin, but does not derive from Plugin."""

    @command
    def run(self) -> None:
        """Run it."""


def test_class_not_deriving_from_plugin() -> None:
    expect(
        only_problem(NotAPlugin),
        "class NotAPlugin does not derive from plughost.Plugin",
        "`class NotAPlugin(plughost.Plugin)`",
    )


class Abstract(Plugin):
    """Leaves abstract methods."""

    @abc.abstractmethod
    def setup(self) -> None:
        """To be implemented."""

    @abc.abstractmethod
    def prepare(self) -> None:
        """To be implemented."""

    @command
    def run(self) -> None:
        """Run it."""


def test_abstract_methods_left() -> None:
    expect(
        only_problem(Abstract),
        "class Abstract leaves abstract method(s) prepare, setup unimplemented",
        "implement them",
    )


class BlankDoc(Plugin):
    """ """

    @command
    def run(self) -> None:
        """Run it."""


class InheritsDoc(Good):
    @command
    def other(self) -> None:
        """Another command."""


@pytest.mark.parametrize("cls", [NoDoc, BlankDoc, InheritsDoc], ids=lambda c: c.__name__)
def test_class_without_docstring(cls: type[Plugin]) -> None:
    expect(
        only_problem(cls),
        f"class {cls.__name__} has no docstring",
        "its first line is the plugin's summary, so add one",
    )


class Empty(Plugin):
    """Has no commands."""

    def helper(self) -> None:
        """Not a command."""


class Unmarked(Good):
    """Turns the only command of its base into a plain method."""

    def run(self, value: int) -> int:
        """Not a command any more."""
        return value


@pytest.mark.parametrize("cls", [Empty, Unmarked], ids=lambda c: c.__name__)
def test_class_without_commands(cls: type[Plugin]) -> None:
    expect(
        only_problem(cls),
        f"class {cls.__name__} has no commands",
        "mark at least one method with @plughost.command",
    )


# -- commands --------------------------------------------------------------


class CommandNoDoc(Plugin):
    """Command without docstring."""

    @command
    def run(self) -> None:
        pass


def test_command_without_docstring() -> None:
    expect(
        only_problem(CommandNoDoc),
        "command 'run' (CommandNoDoc.run)",
        "has no docstring",
        "its first line is the command's help, so add one",
    )


class Unannotated(Plugin):
    """Unannotated parameter."""

    @command
    def run(self, value, other: int) -> None:  # type: ignore[no-untyped-def]
        """Run it."""


def test_unannotated_parameter() -> None:
    expect(
        only_problem(Unannotated),
        "command 'run' (Unannotated.run)",
        "parameter 'value' has no type annotation",
        f"annotate it with {SUPPORTED}",
        "X | None",
    )


class MissingReturn(Plugin):
    """Missing return annotation."""

    @command
    def run(self, value: int):  # type: ignore[no-untyped-def]
        """Run it."""


def test_missing_return_annotation() -> None:
    expect(
        only_problem(MissingReturn),
        "command 'run' (MissingReturn.run)",
        "has no return annotation",
        f"annotate it with {SUPPORTED}",
        RESULTS,
    )


class Unsupported(Plugin):
    """One unsupported parameter type per command."""

    @command
    def path(self, where: Path) -> None:
        """Path."""

    @command
    def a_set(self, tags: set[str]) -> None:
        """Set."""

    @command
    def a_dict(self, mapping: dict[str, int]) -> None:
        """A dict as a parameter."""

    @command
    def nested(self, grid: list[list[int]]) -> None:
        """Nested list."""

    @command
    def union(self, value: int | str) -> None:
        """Union of two non-None types."""

    @command
    def old_union(self, value: Union[int, str]) -> None:  # noqa: UP007 - the old spelling too
        """Old-style union."""

    @command
    def mixed(self, value: Literal["a", 1]) -> None:
        """Literal mixing str and int."""

    @command
    def bools(self, value: Literal[True, False]) -> None:
        """Literal of bools."""

    @command
    def bare_list(self, items: list) -> None:  # type: ignore[type-arg]
        """Bare list."""

    @command
    def bare_dict(self, items: dict) -> None:  # type: ignore[type-arg]
        """Bare dict."""

    @command
    def nested_optional(self, grid: Optional[list[list[str]]]) -> None:  # noqa: UP045
        """Nested list inside an Optional."""

    @command
    def none_alone(self, nothing: None) -> None:
        """None as a parameter type."""

    @command
    def list_of_none(self, items: list[None]) -> None:
        """A list of None."""


UNSUPPORTED_CASES = [
    ("path", "where", "Path", "not a supported type"),
    ("a_set", "tags", "set[str]", "not a supported type"),
    ("a_dict", "mapping", "dict[str, int]", "not a supported type"),
    ("nested", "grid", "list[list[int]]", "a nested list"),
    ("union", "value", "int | str", "only X | None is supported"),
    ("old_union", "value", "Union[int, str]", "only X | None is supported"),
    ("mixed", "value", "Literal['a', 1]", "a Literal whose values are not all str or all int"),
    ("bools", "value", "Literal[True, False]", "not all str or all int"),
    ("bare_list", "items", "list", "does not say its element type"),
    ("bare_dict", "items", "dict", "does not say its element type"),
    ("nested_optional", "grid", "Optional[list[list[str]]]", "a nested list"),
    ("none_alone", "nothing", "NoneType", "None alone is not a value type"),
    ("list_of_none", "items", "list[None]", "None alone is not a value type"),
]


def test_unsupported_parameter_types_all_reported() -> None:
    problems = problems_of(Unsupported)
    assert len(problems) == len(UNSUPPORTED_CASES)
    for text, (cmd, param, annotation, why) in zip(problems, UNSUPPORTED_CASES, strict=True):
        expect(
            text,
            f"command {cmd!r} (Unsupported.{cmd})",
            f"parameter {param!r} is annotated {annotation},",
            why,
            f"use {SUPPORTED}",
        )


class BadReturns(Plugin):
    """Unsupported return types."""

    @command
    def a_set(self) -> set[str]:
        """Set."""
        return set()

    @command
    def int_keys(self) -> dict[int, str]:
        """Dict with int keys."""
        return {}

    @command
    def nested(self) -> list[list[int]]:
        """Nested list."""
        return []

    @command
    def list_of_dicts(self) -> list[dict[str, int]]:
        """A list of objects."""
        return []

    @command
    def union(self) -> int | str:
        """Union."""
        return 0

    @command
    def path(self) -> Path:
        """Path."""
        return Path()


BAD_RETURN_CASES = [
    ("a_set", "set[str]", "not a supported type"),
    ("int_keys", "dict[int, str]", "not a supported type"),
    ("nested", "list[list[int]]", "a nested list"),
    ("list_of_dicts", "list[dict[str, int]]", "a nested dict"),
    ("union", "int | str", "only X | None is supported"),
    ("path", "Path", "not a supported type"),
]


def test_unsupported_return_types_all_reported() -> None:
    problems = problems_of(BadReturns)
    assert len(problems) == len(BAD_RETURN_CASES)
    for text, (cmd, annotation, why) in zip(problems, BAD_RETURN_CASES, strict=True):
        expect(
            text,
            f"command {cmd!r} (BadReturns.{cmd})",
            f"its return is annotated {annotation},",
            why,
            f"use {SUPPORTED}",
            RESULTS,
        )


class VarArgs(Plugin):
    """Star arguments."""

    @command
    def star(self, *args: str) -> None:
        """Star args."""

    @command
    def double_star(self, first: int, **kwargs: str) -> None:
        """Star kwargs."""


def test_star_args_and_kwargs() -> None:
    star, double_star = problems_of(VarArgs)
    expect(star, "command 'star' (VarArgs.star)", "parameter 'args'", "name each parameter")
    expect(
        double_star,
        "command 'double_star' (VarArgs.double_star)",
        "parameter 'kwargs'",
        "name each parameter",
    )


class PositionalOnly(Plugin):
    """Positional-only parameter."""

    @command
    def run(self, value: int, /, other: int = 0) -> None:
        """Run it."""


def test_positional_only_parameter() -> None:
    expect(
        only_problem(PositionalOnly),
        "command 'run' (PositionalOnly.run)",
        "parameter 'value'",
        "positional-only",
        "remove the '/'",
    )


class BadDefaults(Plugin):
    """Defaults that do not match their types."""

    @command
    def run(
        self,
        count: int = "three",  # type: ignore[assignment]
        flag: bool = 0,  # type: ignore[assignment]
        ratio: float = True,
        colour: Literal["red", "blue"] = "green",  # type: ignore[assignment]
        tags: list[str] = ("a", 1),  # type: ignore[assignment]
        number: int = None,  # type: ignore[assignment]  # noqa: RUF013 - on purpose
        limit: float = float("inf"),
        fine: int | None = None,
        also_fine: float = 1,
    ) -> None:
        """Run it."""


BAD_DEFAULT_CASES = [
    ("count", "'three'", "an integer"),
    ("flag", "0", "true or false"),
    ("ratio", "True", "a number"),
    ("colour", "'green'", "one of 'red', 'blue'"),
    ("tags", "('a', 1)", "a list of strings"),
    ("number", "None", "an integer"),
    ("limit", "inf", "a number"),
]


def test_default_not_matching_the_type() -> None:
    problems = problems_of(BadDefaults)
    assert len(problems) == len(BAD_DEFAULT_CASES)
    for text, (param, default, type_text) in zip(problems, BAD_DEFAULT_CASES, strict=True):
        expect(
            text,
            "command 'run' (BadDefaults.run)",
            f"parameter {param!r}",
            f"its default {default} is not {type_text}",
            "change the default or the annotation",
        )


class Reserved(Plugin):
    """Optional parameters named like the host's own options."""

    @command
    def a(self, json: bool = False) -> None:
        """A."""

    @command
    def b(self, debug: int = 0) -> None:
        """B."""

    @command
    def c(self, help: str = "") -> None:
        """C."""

    @command
    def d(self, timeout: float | None = None) -> None:
        """D."""

    @command
    def e(self, isolated: bool = True) -> None:
        """E."""


RESERVED_CASES = [("a", "json"), ("b", "debug"), ("c", "help"), ("d", "timeout"), ("e", "isolated")]


def test_reserved_option_names_refused_for_optional_parameters() -> None:
    assert sorted(RESERVED_OPTIONS) == ["debug", "help", "isolated", "json", "timeout"]
    problems = problems_of(Reserved)
    assert len(problems) == len(RESERVED_CASES)
    for text, (cmd, option) in zip(problems, RESERVED_CASES, strict=True):
        expect(
            text,
            f"command {cmd!r} (Reserved.{cmd})",
            f"parameter {option!r}",
            f"--{option} is an option of plughost itself",
            "rename the parameter",
        )


class ReservedRequired(Plugin):
    """Required parameters may use the host's option names."""

    @command
    def run(self, json: str, debug: bool, help: str, timeout: float, isolated: int) -> None:
        """Run it."""


def test_reserved_names_are_fine_for_required_parameters() -> None:
    assert problems_of(ReservedRequired) == []


class DuplicateNames(Plugin):
    """Two methods with the same command name."""

    @command(name="go")
    def first(self) -> None:
        """First."""

    @command(name="go")
    def second(self) -> None:
        """Second."""

    @command
    def third(self) -> None:
        """Third."""


def test_duplicate_command_names() -> None:
    expect(
        only_problem(DuplicateNames),
        "command 'go' (DuplicateNames.second)",
        "another method (first) is also called 'go'",
        "give one of them another name",
    )


class DuplicateWithMethodName(Plugin):
    """A renamed command takes the name of another method's command."""

    @command
    def go(self) -> None:
        """Go."""

    @command(name="go")
    def leave(self) -> None:
        """Leave."""


def test_renamed_command_clashing_with_a_method_name() -> None:
    expect(
        only_problem(DuplicateWithMethodName),
        "command 'go' (DuplicateWithMethodName.leave)",
        "another method (go) is also called 'go'",
        "give one of them another name",
    )


def _named(name: str) -> type:
    def run(self: Plugin) -> None:
        """Run it."""

    return type("Named", (Plugin,), {"__doc__": "A named command.", "run": command(name=name)(run)})


@pytest.mark.parametrize(
    "name", ["1st", "-go", "_go", "has space", "dot.ted", "héllo", "a" * 65, "go!", "greet\n"]
)
def test_invalid_command_names(name: str) -> None:
    problems = problems_of(_named(name))
    assert problems, f"{name!r} was accepted as a command name"
    expect(problems[0], f"command {name!r} (Named.run)", NAME_RULE, "rename it")


def test_empty_command_name_is_invalid() -> None:
    # An explicit empty name is a mistake to report, not a request for the method's name.
    problems = problems_of(_named(""))
    assert problems, "'' was accepted as a command name"
    expect(problems[0], "command '' (Named.run)", NAME_RULE, "rename it")


@pytest.mark.parametrize("name", ["a", "A", "go-on", "go_on", "x1", "a" * 64, "Run-2_b"])
def test_valid_command_names(name: str) -> None:
    assert problems_of(_named(name)) == []


class BoolOptionClash(Plugin):
    """A bool option's --no- form clashes with another option."""

    @command
    def run(self, verbose: bool = False, no_verbose: bool = False) -> None:
        """Run it."""


def test_bool_negation_clashing_with_another_option() -> None:
    # ``verbose`` becomes --verbose/--no-verbose, so --no-verbose would be taken twice.
    problems = problems_of(BoolOptionClash)
    assert problems, "--no-verbose is given to two parameters without a problem"
    expect(problems[0], "command 'run' (BoolOptionClash.run)", "--no-verbose")


def test_classmethod_and_staticmethod_commands_are_valid() -> None:
    class Mixed(Plugin):
        """Commands of every method kind."""

        @staticmethod
        @command
        def static(value: int) -> int:
            """Static."""
            return value

        @classmethod
        @command
        def klass(cls, value: int) -> int:
            """Class method."""
            return value

    validation = validate_plugin_class(Mixed, name="mixed")
    assert validation.problems == ()
    assert validation.manifest is not None
    assert [(c.name, [p.name for p in c.params]) for c in validation.manifest.commands] == [
        ("static", ["value"]),
        ("klass", ["value"]),
    ]


def test_unresolvable_string_annotation() -> None:
    class Forward(Plugin):
        """Uses a name that does not exist."""

        @command
        def run(self, value: "Missing") -> None:  # type: ignore[name-defined]  # noqa: F821
            """Run it."""

    expect(
        only_problem(Forward),
        f"command 'run' ({Forward.__qualname__}.run)",
        "its annotations cannot be resolved",
        "NameError",
        "Missing",
    )


# -- all problems at once --------------------------------------------------


class ManyProblems(Plugin):
    @command
    def first(self, a, b: Path):  # type: ignore[no-untyped-def]
        pass

    @command
    def second(self, *rest: str, json: bool = False) -> set[str]:
        """Second."""
        return set()

    @command(name="bad name")
    def third(self) -> None:
        """Third."""

    @command
    def fourth(self, count: int = "x") -> None:  # type: ignore[assignment]
        """Fourth."""


MANY_PROBLEMS = [
    ("class ManyProblems has no docstring",),
    ("command 'first' (ManyProblems.first)", "has no docstring"),
    ("command 'first' (ManyProblems.first)", "parameter 'a' has no type annotation"),
    ("command 'first' (ManyProblems.first)", "parameter 'b' is annotated Path"),
    ("command 'first' (ManyProblems.first)", "has no return annotation"),
    ("command 'second' (ManyProblems.second)", "parameter 'rest'", "name each parameter"),
    ("command 'second' (ManyProblems.second)", "parameter 'json'", "--json"),
    ("command 'second' (ManyProblems.second)", "its return is annotated set[str]"),
    ("command 'bad name' (ManyProblems.third)", NAME_RULE),
    ("command 'fourth' (ManyProblems.fourth)", "parameter 'count'", "its default 'x'"),
]


def test_all_problems_are_reported_at_once() -> None:
    problems = problems_of(ManyProblems)
    assert len(problems) == 10
    for text, parts in zip(problems, MANY_PROBLEMS, strict=True):
        expect(text, *parts)


def test_all_problems_reach_host_check() -> None:
    host = plughost.Host.from_classes({"many": ManyProblems})
    [info] = host.check()
    assert info.state is plughost.PluginState.INVALID
    assert info.manifest is None
    assert len(info.problems) == 10
    for text, parts in zip(info.problems, MANY_PROBLEMS, strict=True):
        expect(text, "plugin 'many'", *parts)
    assert info.reason.startswith(info.problems[0])
    assert "9 more problem" in info.reason


def test_not_a_subclass_and_other_problems_together() -> None:
    class Stray:
        @command
        def run(self, value) -> None:  # type: ignore[no-untyped-def]
            """Run it."""

    problems = problems_of(Stray)
    assert len(problems) == 3
    expect(problems[0], f"class {Stray.__qualname__} does not derive from plughost.Plugin")
    expect(problems[1], f"class {Stray.__qualname__} has no docstring")
    expect(
        problems[2], f"command 'run' ({Stray.__qualname__}.run)", "parameter 'value' has no type"
    )


# -- settings ----------------------------------------------------------------


def _declaring(settings: object) -> type[Plugin]:
    """A valid plugin whose only flaw can be its ``Settings``."""
    return type(
        "Declaring",
        (Plugin,),
        {"__doc__": "Declare settings.", "Settings": settings, "go": command(name="go")(_go)},
    )


def _go(self: Plugin) -> None:
    """Go."""


def _settings(namespace: dict[str, object]) -> type:
    return type("Settings", (), namespace)


@pytest.mark.parametrize(
    ("namespace", "parts"),
    [
        (
            {"__annotations__": {"level": int}},
            ("setting 'level' (Settings) has no default; give it one", "`level: ... = value`"),
        ),
        (
            {"__annotations__": {"level": int}, "level": "high"},
            ("setting 'level' (Settings): its default 'high' is not an integer",
             "change the default or the annotation"),
        ),
        (
            {"__annotations__": {"level": set[int]}, "level": set()},
            ("setting 'level' (Settings) is annotated set[int], which is not a supported type",
             f"use {SUPPORTED}"),
        ),
        (
            {"__annotations__": {"level": dict[str, int]}, "level": {}},
            ("setting 'level' (Settings) is annotated dict[str, int]",),
        ),
        (
            {"__annotations__": {"level": int | str}, "level": 1},
            ("which is a union; only X | None is supported",),
        ),
        (
            {"__annotations__": {"level": int}, "level": {1, 2}},
            ("setting 'level' (Settings): its default is a Python set; make it an integer",),
        ),
        (
            {"__annotations__": {"niveau_élevé": int}, "niveau_élevé": 1},
            ("setting 'niveau_élevé' (Settings): a setting's name holds only ASCII letters",
             "rename it"),
        ),
        (
            {"level": 1},
            ("Settings.level has no annotation, so it is not a setting; annotate it",
             "(`level: int = ...`)", "call it _level"),
        ),
    ],
)  # fmt: skip
def test_a_wrong_setting_is_one_problem_with_its_fix(
    namespace: dict[str, object], parts: tuple[str, ...]
) -> None:
    expect(only_problem(_declaring(_settings(namespace))), *parts)


@pytest.mark.parametrize("key", sorted(HOST_PLUGIN_KEYS))
def test_a_setting_may_not_take_a_key_plughost_reads(key: str) -> None:
    cls = _declaring(_settings({"__annotations__": {key: str}, key: "x"}))
    expect(
        only_problem(cls),
        f"setting {key!r} (Settings): plughost reads `{key}` in [plugins.NAME] itself",
        "rename it",
    )


def test_settings_that_are_not_a_class() -> None:
    expect(
        only_problem(_declaring({"level": 1})),
        "its Settings is dict {'level': 1}, not a class",
        "nested `class Settings:`",
    )


def test_settings_whose_annotations_cannot_be_resolved() -> None:
    cls = _declaring(_settings({"__annotations__": {"when": "Moment"}, "when": None}))
    expect(
        only_problem(cls),
        "the annotations of Settings cannot be resolved (NameError: name 'Moment' is not defined)",
        "import the names they use at module level",
    )


def test_private_names_class_variables_and_methods_are_not_settings() -> None:
    class Quiet(Plugin):
        """Declare one setting among other things."""

        class Settings:
            """One setting."""

            level: int = 1
            _hidden: int = 2
            _unannotated = 3
            limit: ClassVar[int] = 4

            def method(self) -> int:
                return 1

            @property
            def computed(self) -> int:
                return 1

        @command
        def go(self) -> None:
            """Go."""

    validation = validate_plugin_class(Quiet, name="quiet")
    assert validation.problems == ()
    assert validation.manifest is not None
    assert [s.name for s in validation.manifest.settings or ()] == ["level"]


def test_setting_problems_are_collected_with_every_other_problem() -> None:
    class Everything(Plugin):
        @command
        def go(self, value) -> None:  # type: ignore[no-untyped-def]
            """Go."""

        class Settings:
            """Two mistakes."""

            missing: int
            timeout: int = 3

    problems = problems_of(Everything)
    assert len(problems) == 4
    expect(problems[0], "class", "has no docstring")
    expect(problems[1], "command 'go'", "parameter 'value' has no type annotation")
    expect(problems[2], "setting 'missing'", "has no default")
    expect(problems[3], "setting 'timeout'", "plughost reads `timeout`")


def test_the_settings_class_is_read_never_run() -> None:
    ran: list[str] = []

    class Tripwire:
        def __get__(self, obj: object, owner: object = None) -> int:
            ran.append("descriptor")
            return 1

    class Meta(type):
        def __call__(cls, *args: object, **kwargs: object) -> object:
            ran.append("created")
            return super().__call__(*args, **kwargs)

    class Settings(metaclass=Meta):
        """Watched."""

        level: int = 1
        other: int = Tripwire()  # type: ignore[assignment]

        def __init_subclass__(cls) -> None:
            ran.append("subclassed")

    expect(
        only_problem(_declaring(Settings)),
        "setting 'other'",
        "its default is a Python Tripwire; make it an integer",
    )
    assert ran == []


def test_hostile_strings_in_settings_are_copied_plain() -> None:
    class Loud(str):
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("compared")

        __hash__ = str.__hash__

    cls = _declaring(_settings({"__annotations__": {"mode": Literal["a", "b"]}, "mode": Loud("a")}))
    validation = validate_plugin_class(cls, name="loud")
    assert validation.problems == ()
    assert validation.manifest is not None
    [spec] = validation.manifest.settings or ()
    assert type(spec.default) is str
    assert spec.default == "a"


class _Trap(Exception):
    """Raised by the traps below."""


class _MroMeta(type):
    def __getattribute__(cls, name: str) -> object:
        if name == "__mro__":
            raise _Trap("no __mro__ for you")
        return super().__getattribute__(name)


def test_settings_whose_annotations_cannot_even_be_looked_up() -> None:
    # A metaclass that refuses __mro__: typing.get_type_hints raises, which is
    # a problem like any annotation that does not resolve.
    settings = _MroMeta("Settings", (), {"__annotations__": {"level": int}, "level": 1})
    expect(
        only_problem(_declaring(settings)),
        "the annotations of Settings cannot be resolved (_Trap: no __mro__ for you)",
    )


class _ExitingSettings:
    """Resolving this annotation exits the interpreter."""

    level: "__import__('sys').exit(3)" = 1  # type: ignore[valid-type]


def test_a_settings_class_that_exits_while_read_is_invalid_and_the_host_goes_on() -> None:
    host = plughost.Host.from_classes({"exits": _declaring(_ExitingSettings), "fine": Good})
    states = {info.name: info for info in host.check()}
    assert states["fine"].state is plughost.PluginState.OK
    assert states["exits"].state is plughost.PluginState.INVALID
    assert "examining its class raised SystemExit: exit status 3" in states["exits"].reason


def test_a_settings_class_without_source_has_no_attribute_help() -> None:
    settings = type("Settings", (), {"__annotations__": {"level": int}, "level": 2})
    settings.__module__ = "nowhere.to.be.found"
    validation = validate_plugin_class(_declaring(settings), name="nosource")
    assert validation.problems == ()
    assert validation.manifest is not None
    assert [s.to_dict() for s in validation.manifest.settings or ()] == [
        {"name": "level", "type": {"type": "integer"}, "default": 2, "help": ""}
    ]
