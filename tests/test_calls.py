"""Calls, states and the public face of plughost, through ``Host.from_classes``.

The plugin classes are made per test by ``make_tool`` so that each test sees
its own record of what the plugin code did (``ran``): a refused call must
leave it empty.
"""

import inspect
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from typing import Any, Literal

import pytest

import plughost
from plughost import (
    ArgumentError,
    CommandError,
    CommandFailed,
    Host,
    Plugin,
    PluginNotFound,
    PluginState,
    PluginUnavailable,
    command,
)

Failure = Literal["command", "value", "exit", "exit-empty", "assert", "interrupt", "bare-assert"]
Wrong = Literal["str", "bool", "float", "none", "list", "nan"]


def expect(text: str, *parts: str) -> None:
    """Assert that ``parts`` occur in ``text`` in this order."""
    pos = 0
    for part in parts:
        found = text.find(part, pos)
        assert found >= 0, f"{part!r} missing from {text[pos:]!r} (in {text!r})"
        pos = found + len(part)


def make_tool(ran: list[Any], raised: list[BaseException] | None = None) -> type[Plugin]:
    """A plugin class whose commands record their calls (and arguments) in ``ran``."""

    class Tool(Plugin):
        """A tool for tests."""

        def __init__(self) -> None:
            ran.append("init")
            self.calls = 0

        @command
        def greet(self, name: str, times: int = 1, loud: bool = False) -> str:
            """Greet someone."""
            ran.append(("greet", name, times, loud))
            self.calls += 1
            text = " ".join([f"hello {name}"] * times)
            return text.upper() if loud else text

        @command
        def scale(self, value: float, factor: float = 2.0) -> float:
            """Scale a number."""
            ran.append(("scale", value, factor))
            return value * factor

        @command
        def pick(
            self,
            colour: Literal["red", "green"],
            sizes: list[int] = (),  # type: ignore[assignment]
            maybe: int | None = None,
            ratios: list[float] | None = None,
        ) -> list[str]:
            """Pick a colour and sizes."""
            ran.append(("pick", colour, sizes, maybe, ratios))
            return [colour, *(str(s) for s in sizes)]

        @command(name="count-words")
        def count_words(self, words: list[str]) -> dict[str, int]:
            """Count the words."""
            ran.append(("count-words", words))
            return {w: words.count(w) for w in words}

        @command
        def label(self, name: str, command: str) -> str:
            """Parameters called like Host.call's own."""
            ran.append(("label", name, command))
            return f"{name}:{command}"

        @command
        def pair(self) -> list[int]:
            """Return a tuple where a list is promised."""
            ran.append("pair")
            return (1, 2)  # type: ignore[return-value]

        @command
        def wrong(self, what: Wrong) -> int:
            """Return something that is not an integer."""
            ran.append(("wrong", what))
            values: dict[str, Any] = {
                "str": "3",
                "bool": True,
                "float": 3.0,
                "none": None,
                "list": [3],
                "nan": float("nan"),
            }
            return values[what]  # type: ignore[no-any-return]

        @command
        def fail(self, kind: Failure) -> None:
            """Fail in the way asked for."""
            ran.append(("fail", kind))
            if kind == "command":
                raise CommandError("no such file: data.csv; give an existing file")
            if kind == "value":
                raise ValueError("bad value 42")
            if kind == "exit":
                sys.exit(3)
            if kind == "exit-empty":
                sys.exit()
            if kind == "assert":
                raise AssertionError("invariant broken")
            if kind == "bare-assert":
                raise AssertionError
            exc = KeyboardInterrupt()
            if raised is not None:
                raised.append(exc)
            raise exc

    return Tool


def tool_host(ran: list[Any], raised: list[BaseException] | None = None) -> Host:
    return Host.from_classes({"tool": make_tool(ran, raised)})


def test_tool_is_valid() -> None:
    ran: list[Any] = []
    [info] = tool_host(ran).check()
    assert info.problems == ()
    assert info.state is PluginState.OK
    assert info.manifest is not None
    assert [c.name for c in info.manifest.commands] == [
        "greet",
        "scale",
        "pick",
        "count-words",
        "label",
        "pair",
        "wrong",
        "fail",
    ]
    assert ran == ["init"]


# -- successful calls ------------------------------------------------------


def test_host_call_returns_the_result() -> None:
    ran: list[Any] = []
    host = tool_host(ran)
    assert host.call("tool", "greet", name="Ann") == "hello Ann"
    assert host.call("tool", "greet", name="Bo", times=2, loud=True) == "HELLO BO HELLO BO"
    assert ran == ["init", ("greet", "Ann", 1, False), "init", ("greet", "Bo", 2, True)]


def test_loaded_plugin_call_and_context_manager() -> None:
    ran: list[Any] = []
    host = tool_host(ran)
    with host.load("tool", isolated=False) as plugin:
        assert plugin.name == "tool"
        assert plugin.manifest.name == "tool"
        assert plugin.call("greet", name="Ann") == "hello Ann"
        assert plugin.call("greet", name="Bo") == "hello Bo"
        assert getattr(plugin.plugin, "calls", None) == 2
    assert ran == ["init", ("greet", "Ann", 1, False), ("greet", "Bo", 1, False)]


def test_loaded_plugin_has_empty_settings() -> None:
    with tool_host([]).load("tool", isolated=False) as plugin:
        assert isinstance(plugin.plugin, Plugin)
        assert dict(plugin.plugin.settings) == {}


def test_parameters_named_like_the_call_arguments() -> None:
    ran: list[Any] = []
    host = tool_host(ran)
    assert host.call("tool", "label", name="n", command="c") == "n:c"
    with host.load("tool") as plugin:
        assert plugin.call("label", command="c2", name="n2") == "n2:c2"


def test_renamed_command_is_called_by_its_name() -> None:
    ran: list[Any] = []
    result = tool_host(ran).call("tool", "count-words", words=["a", "b", "a"])
    assert result == {"a": 2, "b": 1}


def test_int_is_accepted_for_float_and_converted() -> None:
    ran: list[Any] = []
    result = tool_host(ran).call("tool", "scale", value=3)
    assert result == 6.0
    assert isinstance(result, float)
    assert ran[-1] == ("scale", 3.0, 2.0)
    _, value, factor = ran[-1]
    assert type(value) is float
    assert type(factor) is float


def test_int_given_for_an_optional_float_is_converted() -> None:
    ran: list[Any] = []
    tool_host(ran).call("tool", "scale", value=1.5, factor=4)
    assert ran[-1] == ("scale", 1.5, 4.0)
    assert type(ran[-1][2]) is float


def test_ints_in_a_list_of_floats_are_converted() -> None:
    ran: list[Any] = []
    tool_host(ran).call("tool", "pick", colour="red", ratios=[1, 2.5])
    ratios = ran[-1][4]
    assert ratios == [1.0, 2.5]
    assert [type(r) for r in ratios] == [float, float]


def test_tuple_is_accepted_for_list_and_arrives_as_a_list() -> None:
    ran: list[Any] = []
    host = tool_host(ran)
    assert host.call("tool", "pick", colour="green", sizes=(1, 2)) == ["green", "1", "2"]
    sizes = ran[-1][2]
    assert sizes == [1, 2]
    assert type(sizes) is list
    words = ("x", "y", "x")
    assert host.call("tool", "count-words", words=words) == {"x": 2, "y": 1}
    assert type(ran[-1][1]) is list


def test_list_argument_is_a_copy() -> None:
    ran: list[Any] = []
    sizes = [1, 2]
    tool_host(ran).call("tool", "pick", colour="red", sizes=sizes)
    assert ran[-1][2] == sizes
    assert ran[-1][2] is not sizes


def test_nullable_parameter_accepts_none_and_default_applies() -> None:
    ran: list[Any] = []
    host = tool_host(ran)
    host.call("tool", "pick", colour="red", maybe=None)
    assert ran[-1] == ("pick", "red", (), None, None)
    host.call("tool", "pick", colour="red", maybe=5)
    assert ran[-1][3] == 5


def test_omitted_optional_parameters_use_the_plugin_default() -> None:
    ran: list[Any] = []
    tool_host(ran).call("tool", "greet", name="Ann")
    assert ran[-1] == ("greet", "Ann", 1, False)


def test_tuple_result_becomes_a_list() -> None:
    ran: list[Any] = []
    result = tool_host(ran).call("tool", "pair")
    assert result == [1, 2]
    assert type(result) is list


# -- refused before the plugin code runs -----------------------------------


REFUSED: list[tuple[str, str, dict[str, Any], tuple[str, ...]]] = [
    (
        "unknown-command",
        "gret",
        {"name": "Ann"},
        ("'tool'", "no command 'gret'", "did you mean 'greet'?", "greet, scale, pick"),
    ),
    (
        "unknown-command-no-hint",
        "zzzzzz",
        {},
        ("'tool'", "no command 'zzzzzz'", "greet, scale, pick, count-words"),
    ),
    (
        "unknown-parameter",
        "greet",
        {"nmae": "Ann"},
        ("tool greet", "no parameter 'nmae'", "did you mean 'name'?", "name, times, loud"),
    ),
    (
        "unknown-parameter-beside-valid",
        "greet",
        {"name": "Ann", "lowd": True},
        ("tool greet", "no parameter 'lowd'", "did you mean 'loud'?"),
    ),
    (
        "unknown-parameter-none-taken",
        "pair",
        {"x": 1},
        ("tool pair", "no parameter 'x'", "none"),
    ),
    (
        "missing-required",
        "greet",
        {"times": 2},
        ("tool greet", "'name'", "required", "a string"),
    ),
    (
        "str-for-int",
        "greet",
        {"name": "Ann", "times": "2"},
        ("tool greet", "'times'", "must be an integer", "a string '2'"),
    ),
    (
        "bool-for-int",
        "greet",
        {"name": "Ann", "times": True},
        ("tool greet", "'times'", "must be an integer", "a boolean"),
    ),
    (
        "float-for-int",
        "greet",
        {"name": "Ann", "times": 2.0},
        ("tool greet", "'times'", "must be an integer", "a number 2.0"),
    ),
    (
        "int-for-bool",
        "greet",
        {"name": "Ann", "loud": 1},
        ("tool greet", "'loud'", "must be true or false", "an integer 1"),
    ),
    (
        "str-for-bool",
        "greet",
        {"name": "Ann", "loud": "yes"},
        ("tool greet", "'loud'", "must be true or false", "a string 'yes'"),
    ),
    (
        "none-for-str",
        "greet",
        {"name": None},
        ("tool greet", "'name'", "must be a string", "null"),
    ),
    (
        "none-for-optional-int",
        "greet",
        {"name": "Ann", "times": None},
        ("tool greet", "'times'", "must be an integer", "null"),
    ),
    (
        "outside-literal",
        "pick",
        {"colour": "blue"},
        ("tool pick", "'colour'", "must be one of 'red', 'green'", "a string 'blue'"),
    ),
    (
        "wrong-case-literal",
        "pick",
        {"colour": "Red"},
        ("tool pick", "'colour'", "one of 'red', 'green'"),
    ),
    (
        "wrong-list-element",
        "pick",
        {"colour": "red", "sizes": [1, "2"]},
        ("tool pick", "'sizes'", "must be a list of integers", "a list"),
    ),
    (
        "bool-list-element",
        "pick",
        {"colour": "red", "sizes": [1, False]},
        ("tool pick", "'sizes'", "must be a list of integers"),
    ),
    (
        "str-for-list",
        "count-words",
        {"words": "a b"},
        ("tool count-words", "'words'", "must be a list of strings", "a string 'a b'"),
    ),
    (
        "set-for-list",
        "pick",
        {"colour": "red", "sizes": {1, 2}},
        ("tool pick", "'sizes'", "must be a list of integers", "set"),
    ),
    (
        "str-for-float",
        "scale",
        {"value": "1.5"},
        ("tool scale", "'value'", "must be a number", "a string '1.5'"),
    ),
    (
        "bool-for-float",
        "scale",
        {"value": False},
        ("tool scale", "'value'", "must be a number", "a boolean"),
    ),
    (
        "nan-for-float",
        "scale",
        {"value": float("nan")},
        ("tool scale", "'value'", "must be a number"),
    ),
    (
        "infinity-for-float",
        "scale",
        {"value": float("inf")},
        ("tool scale", "'value'", "must be a number"),
    ),
    (
        "none-in-list-of-floats",
        "pick",
        {"colour": "red", "ratios": [1.0, None]},
        ("tool pick", "'ratios'", "list of numbers"),
    ),
    (
        "huge-int-for-float",
        "scale",
        {"value": 10**400},
        ("tool scale", "'value'"),
    ),
]


@pytest.mark.parametrize(
    ("command_name", "arguments", "parts"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_refused_before_plugin_code_runs(
    command_name: str, arguments: dict[str, Any], parts: tuple[str, ...]
) -> None:
    ran: list[Any] = []
    host = tool_host(ran)
    with pytest.raises(ArgumentError) as info:
        host.call("tool", command_name, **arguments)
    expect(str(info.value), *parts)
    assert info.value.plugin == "tool"
    assert info.value.command == command_name
    assert info.value.distribution is None
    assert ran == ["init"]  # created, but no command ran

    with host.load("tool") as plugin, pytest.raises(ArgumentError) as again:
        plugin.call(command_name, **arguments)
    assert str(again.value) == str(info.value)
    assert ran == ["init", "init"]


def test_argument_error_is_a_plughost_error() -> None:
    with pytest.raises(ArgumentError) as info:
        tool_host([]).call("tool", "greet")
    assert isinstance(info.value, plughost.PlughostError)


# -- failures of the plugin code -------------------------------------------


def test_command_error_gives_command_failed_with_the_message_as_given() -> None:
    ran: list[Any] = []
    with pytest.raises(CommandFailed) as info:
        tool_host(ran).call("tool", "fail", kind="command")
    error = info.value
    assert error.error_type == "CommandError"
    assert error.error_message == "no such file: data.csv; give an existing file"
    assert str(error) == "tool fail: no such file: data.csv; give an existing file"
    assert (error.plugin, error.command, error.distribution) == ("tool", "fail", None)
    assert isinstance(error.__cause__, CommandError)
    assert ran == ["init", ("fail", "command")]


class QuotaExceeded(CommandError):
    """An expected failure of its own kind."""


class Quota(Plugin):
    """Reports an expected failure through a CommandError subclass."""

    @command
    def use(self) -> None:
        """Use some quota."""
        raise QuotaExceeded("quota exceeded; wait an hour")


def test_command_error_subclass_is_an_expected_failure_too() -> None:
    # A subclass of CommandError is a CommandError: shown as given, not as a plugin bug.
    with pytest.raises(CommandFailed) as info:
        Host.from_classes({"quota": Quota}).call("quota", "use")
    error = info.value
    assert error.error_message == "quota exceeded; wait an hour"
    assert "bug in the plugin" not in str(error)
    assert str(error).endswith("quota exceeded; wait an hour")


@pytest.mark.parametrize(
    ("kind", "error_type", "message"),
    [
        ("value", "ValueError", "bad value 42"),
        ("exit", "SystemExit", "3"),
        ("exit-empty", "SystemExit", "SystemExit"),
        ("assert", "AssertionError", "invariant broken"),
        ("bare-assert", "AssertionError", "AssertionError"),
    ],
)
def test_other_exceptions_give_command_failed_with_a_traceback(
    kind: str, error_type: str, message: str
) -> None:
    ran: list[Any] = []
    with pytest.raises(CommandFailed) as info:
        tool_host(ran).call("tool", "fail", kind=kind)
    error = info.value
    assert error.error_type == error_type
    assert error.error_message == message
    assert (error.plugin, error.command) == ("tool", "fail")
    expect(str(error), "tool", "fail", error_type, message)
    assert error.details is not None
    expect(error.details, "Traceback (most recent call last)", "in fail", error_type)
    assert type(error.__cause__).__name__ == error_type
    assert ran == ["init", ("fail", kind)]


def test_system_exit_in_a_command_does_not_exit() -> None:
    with tool_host([]).load("tool") as plugin:
        with pytest.raises(CommandFailed):
            plugin.call("fail", kind="exit")
        # The plugin is still usable afterwards.
        assert plugin.call("greet", name="Ann") == "hello Ann"


def test_keyboard_interrupt_propagates_unchanged() -> None:
    ran: list[Any] = []
    raised: list[BaseException] = []
    with pytest.raises(KeyboardInterrupt) as info:
        tool_host(ran, raised).call("tool", "fail", kind="interrupt")
    assert info.type is KeyboardInterrupt
    assert info.value is raised[0]


@pytest.mark.parametrize(
    ("what", "shown"),
    [
        ("str", "'3'"),
        ("bool", "True"),
        ("float", "3.0"),
        ("none", "None"),
        ("list", "[3]"),
        ("nan", "nan"),
    ],
)
def test_result_not_matching_the_annotation(what: str, shown: str) -> None:
    ran: list[Any] = []
    with pytest.raises(CommandFailed) as info:
        tool_host(ran).call("tool", "wrong", what=what)
    error = info.value
    assert error.error_type == "TypeError"
    expect(error.error_message, shown, "an integer")
    assert (error.plugin, error.command) == ("tool", "wrong")
    assert ran == ["init", ("wrong", what)]


def test_call_after_close_is_refused() -> None:
    ran: list[Any] = []
    host = tool_host(ran)
    plugin = host.load("tool")
    assert plugin.call("greet", name="Ann") == "hello Ann"
    plugin.close()
    plugin.close()  # idempotent
    with pytest.raises(PluginUnavailable) as info:
        plugin.call("greet", name="Bo")
    assert info.value.plugin == "tool"
    assert info.value.state == "closed"
    expect(str(info.value), "'tool'", "closed", "load it again")
    assert ran == ["init", ("greet", "Ann", 1, False)]


def test_call_after_leaving_the_with_block_is_refused() -> None:
    ran: list[Any] = []
    with tool_host(ran).load("tool") as plugin:
        pass
    with pytest.raises(PluginUnavailable):
        plugin.call("greet", name="Ann")
    assert ran == ["init"]


# -- states ----------------------------------------------------------------


class Fine(Plugin):
    """A plugin that works."""

    @command
    def ping(self) -> str:
        """Answer pong."""
        return "pong"


class NoDocstring(Plugin):
    @command
    def ping(self) -> str:
        """Answer pong."""
        return "pong"


class RaisingInit(Plugin):
    """A plugin whose constructor fails."""

    def __init__(self) -> None:
        raise RuntimeError("no configuration found")

    @command
    def ping(self) -> str:
        """Answer pong."""
        return "pong"


class ExitingInit(Plugin):
    """A plugin whose constructor exits."""

    def __init__(self) -> None:
        sys.exit(2)

    @command
    def ping(self) -> str:
        """Answer pong."""
        return "pong"


class InterruptedInit(Plugin):
    """A plugin whose constructor is interrupted."""

    def __init__(self) -> None:
        raise KeyboardInterrupt

    @command
    def ping(self) -> str:
        """Answer pong."""
        return "pong"


def test_check_ok() -> None:
    [info] = Host.from_classes({"fine": Fine}).check()
    assert info.name == "fine"
    assert info.state is PluginState.OK
    assert info.reason == ""
    assert info.problems == ()
    assert info.checked is True
    assert info.summary == "A plugin that works."
    assert info.manifest is not None
    assert info.manifest.name == "fine"
    assert info.distribution is None
    assert info.version is None


def test_check_invalid_lists_the_problems() -> None:
    [info] = Host.from_classes({"nodoc": NoDocstring}).check()
    assert info.state is PluginState.INVALID
    assert info.manifest is None
    assert len(info.problems) == 1
    expect(info.problems[0], "plugin 'nodoc'", "class NoDocstring has no docstring")
    assert info.reason == info.problems[0]


@pytest.mark.parametrize(
    ("obj", "described"),
    [(len, "the function len"), (Fine(), "Fine object"), (inspect, "the module inspect")],
    ids=["function", "instance", "module"],
)
def test_check_invalid_for_what_is_not_a_class(obj: object, described: str) -> None:
    [info] = Host.from_classes({"odd": obj}).check()
    assert info.state is PluginState.INVALID
    expect(info.reason, "plugin 'odd'", described, "not a class")


def test_check_broken_for_a_raising_init() -> None:
    [info] = Host.from_classes({"raising": RaisingInit}).check()
    assert info.state is PluginState.BROKEN
    assert info.problems == ()
    expect(info.reason, "plugin 'raising'", "RuntimeError: no configuration found", "__init__")


def test_check_broken_for_system_exit_in_init() -> None:
    [info] = Host.from_classes({"exiting": ExitingInit}).check()
    assert info.state is PluginState.BROKEN
    expect(info.reason, "plugin 'exiting'", "SystemExit", "2", "__init__")


def test_keyboard_interrupt_in_init_propagates() -> None:
    with pytest.raises(KeyboardInterrupt):
        Host.from_classes({"interrupted": InterruptedInit}).check()


def test_one_failing_plugin_does_not_stop_the_others() -> None:
    host = Host.from_classes(
        {"zeta": Fine, "raising": RaisingInit, "nodoc": NoDocstring, "exiting": ExitingInit}
    )
    infos = host.check()
    assert [(i.name, i.state) for i in infos] == [
        ("exiting", PluginState.BROKEN),
        ("nodoc", PluginState.INVALID),
        ("raising", PluginState.BROKEN),
        ("zeta", PluginState.OK),
    ]
    assert [i.name for i in host.check(["zeta", "nodoc"])] == ["zeta", "nodoc"]


class ReadOnlySettings(Plugin):
    """Makes ``settings`` a read-only property, so the host cannot set it."""

    @property
    def settings(self) -> Mapping[str, Any]:  # type: ignore[override]
        return {}

    @command
    def ping(self) -> str:
        """Answer pong."""
        return "pong"


def test_plugin_whose_settings_cannot_be_set_does_not_stop_the_others() -> None:
    host = Host.from_classes({"fine": Fine, "readonly": ReadOnlySettings})
    states = {i.name: i.state for i in host.check()}
    assert states["fine"] is PluginState.OK
    # The host cannot give it its settings: it fails to start, it is broken.
    assert states["readonly"] is PluginState.BROKEN
    with pytest.raises(
        PluginUnavailable,
        match=r"plugin .readonly. failed to start: AttributeError: .* raised when plughost set"
        " its settings",
    ):
        host.load("readonly")


def test_disabled_plugin_is_never_instantiated() -> None:
    ran: list[Any] = []
    host = Host.from_classes({"tool": make_tool(ran), "fine": Fine}, disable=["tool", "absent"])
    infos = {i.name: i for i in host.check()}
    assert infos["tool"].state is PluginState.DISABLED
    expect(infos["tool"].reason, "'tool'", "disabled")
    assert infos["fine"].state is PluginState.OK
    assert host.info("tool").state is PluginState.DISABLED
    assert [(i.name, i.state) for i in host.plugins()] == [
        ("fine", PluginState.UNCHECKED),
        ("tool", PluginState.DISABLED),
    ]
    assert host.names() == ["fine", "tool"]
    with pytest.raises(PluginUnavailable) as info:
        host.load("tool")
    assert info.value.state == "disabled"
    assert info.value.plugin == "tool"
    expect(str(info.value), "'tool'", "disabled")
    with pytest.raises(PluginUnavailable):
        host.call("tool", "greet", name="Ann")
    assert ran == []


@pytest.mark.parametrize(
    ("cls", "state"),
    [(NoDocstring, "invalid"), (RaisingInit, "broken"), (ExitingInit, "broken")],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_load_of_an_unusable_plugin(cls: type[Plugin], state: str) -> None:
    host = Host.from_classes({"bad": cls})
    with pytest.raises(PluginUnavailable) as info:
        host.load("bad")
    error = info.value
    assert not isinstance(error, PluginNotFound)
    assert error.state == state
    assert error.plugin == "bad"
    [checked] = host.check()
    assert str(error) == checked.reason
    with pytest.raises(PluginUnavailable) as again:
        host.call("bad", "ping")
    assert again.value.state == state


def test_unknown_plugin_name_suggests_close_names() -> None:
    host = Host.from_classes({"tool": make_tool([]), "tools-extra": Fine})
    with pytest.raises(PluginNotFound) as info:
        host.load("tol")
    error = info.value
    assert isinstance(error, PluginUnavailable)
    assert error.suggestions == ("tool",)
    assert error.plugin == "tol"
    assert error.state == "missing"
    expect(str(error), "no plugin named 'tol'", "did you mean 'tool'")
    with pytest.raises(PluginNotFound):
        host.call("tol", "greet", name="Ann")
    with pytest.raises(PluginNotFound):
        host.check(["tol"])
    with pytest.raises(PluginNotFound):
        host.info("tol")


def test_unknown_plugin_name_without_close_names() -> None:
    with pytest.raises(PluginNotFound) as info:
        Host.from_classes({"tool": make_tool([])}).load("zzzzzz")
    assert info.value.suggestions == ()
    expect(str(info.value), "no plugin named 'zzzzzz'", "plughost list")


def test_from_classes_knows_only_the_given_classes() -> None:
    empty = Host.from_classes({})
    assert empty.names() == []
    assert empty.plugins() == []
    assert empty.check() == []
    host = Host.from_classes({"b": Fine, "a": Fine})
    assert host.names() == ["a", "b"]
    assert [(i.name, i.state) for i in host.plugins()] == [
        ("a", PluginState.UNCHECKED),
        ("b", PluginState.UNCHECKED),
    ]


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_from_classes_does_no_discovery() -> None:
    output = run_python(
        """
        import sys
        import plughost

        class P(plughost.Plugin):
            '''A plugin.'''

            @plughost.command
            def go(self) -> int:
                '''Go.'''
                return 1

        host = plughost.Host.from_classes({"p": P})
        assert host.names() == ["p"], host.names()
        assert [i.state.value for i in host.check()] == ["ok"]
        assert [i.name for i in host.plugins()] == ["p"]
        assert host.call("p", "go") == 1
        print("stevedore" in sys.modules, "plughost._host" in sys.modules)
        """
    )
    assert output == "False True"


# -- the public face -------------------------------------------------------


def test_all_public_names_are_importable_and_documented() -> None:
    assert len(plughost.__all__) == len(set(plughost.__all__))
    for name in plughost.__all__:
        obj = getattr(plughost, name)
        assert name in dir(plughost)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            doc = inspect.getdoc(obj)
            assert doc, f"plughost.{name} has no docstring"
            # A dataclass without a docstring gets its signature as one.
            assert not (obj.__doc__ or "").startswith(f"{name}("), name


def test_public_names_are_what_they_say() -> None:
    assert plughost.API_VERSION == "1.0"
    assert plughost.ENTRY_POINT_GROUP == "plughost.plugins"
    assert isinstance(plughost.__version__, str)
    assert issubclass(plughost.CommandFailed, plughost.PlughostError)
    assert issubclass(plughost.PluginNotFound, plughost.PluginUnavailable)
    assert plughost.PluginState("ok") is plughost.PluginState.OK
    from plughost import _host

    assert plughost.Host is _host.Host


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        plughost.Nothing  # noqa: B018


def test_import_plughost_is_cheap() -> None:
    output = run_python(
        """
        import sys
        import plughost

        assert plughost.API_VERSION == "1.0"
        assert plughost.__version__
        print(sorted(m for m in ("plughost._host", "stevedore") if m in sys.modules))
        """
    )
    assert output == "[]"


def test_importing_a_plugin_api_name_does_not_load_the_host() -> None:
    output = run_python(
        """
        import sys
        from plughost import Plugin, command, CommandError

        print(sorted(m for m in ("plughost._host", "stevedore") if m in sys.modules))
        """
    )
    assert output == "[]"
