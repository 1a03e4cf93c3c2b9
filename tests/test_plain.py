"""``@frozen`` and ``@mutable``: record classes that behave as data classes do.

Each behaviour is checked on its own, and against a ``dataclasses`` twin of
the same class: the same constructor errors, ``repr``, ``==`` and hash.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

import plughost
from plughost import Manifest, ParamSpec, TypeSpec
from plughost._plain import FIELDS, Field, FrozenInstanceError, field, frozen, mutable
from plughost.testing import Sample


@frozen
class Point:
    """A frozen record: two required fields, one default, a factory, a ClassVar."""

    x: int
    y: int
    label: str = "p"
    tags: tuple[str, ...] = field(default_factory=tuple)
    hidden: str = field(default="", repr=False, compare=False)
    dimensions: ClassVar[int] = 2


@dataclasses.dataclass(frozen=True)
class PointTwin:
    """The same class as a frozen data class."""

    x: int
    y: int
    label: str = "p"
    tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)
    hidden: str = dataclasses.field(default="", repr=False, compare=False)
    dimensions: ClassVar[int] = 2


@mutable
class Bag:
    """A mutable record whose default is made afresh for each instance."""

    name: str
    items: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    open: bool = True


@frozen
class Labelled(Point):
    """A record deriving from a record: the base's fields come first."""

    colour: str = "red"


@mutable
class Checked:
    """A record with ``__post_init__``."""

    value: int
    doubled: int = 0

    def __post_init__(self) -> None:
        self.doubled = 2 * self.value


@frozen
class Custom:
    """A record that defines its own ``__repr__``, which is kept."""

    a: int

    def __repr__(self) -> str:
        return "custom"


def test_construction_positional_keyword_and_mixed() -> None:
    assert Point(1, 2) == Point(x=1, y=2) == Point(1, y=2)
    p = Point(1, 2, "q", ("a",), "h")
    assert (p.x, p.y, p.label, p.tags, p.hidden) == (1, 2, "q", ("a",), "h")
    assert Point(y=2, x=1, tags=("b",)).tags == ("b",)


def test_defaults_and_factories() -> None:
    p = Point(1, 2)
    assert (p.label, p.tags, p.hidden) == ("p", (), "")
    first, second = Bag("a"), Bag("b")
    assert first.items == [] and first.items is not second.items
    assert first.counts is not second.counts
    first.items.append("x")
    assert second.items == [] and Bag("c").items == []
    # As with dataclasses: a class attribute holds a plain default; a
    # factory's field has none.
    assert Point.label == "p" and Point.hidden == ""
    assert "tags" not in vars(Point) and "items" not in vars(Bag)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda cls: cls(), "missing 2 required positional arguments: 'x' and 'y'"),
        (lambda cls: cls(1), "missing 1 required positional argument: 'y'"),
        (lambda cls: cls(1, 2, "a", (), "", 6), "takes from 3 to 6 positional arguments"),
        (lambda cls: cls(1, 2, x=3), "got multiple values for argument 'x'"),
        (lambda cls: cls(1, 2, colour="red"), "got an unexpected keyword argument 'colour'"),
    ],
)
def test_wrong_calls_fail_as_a_data_class_fails(
    call: Callable[[type], object], message: str
) -> None:
    with pytest.raises(TypeError) as ours:
        call(Point)
    with pytest.raises(TypeError) as twins:
        call(PointTwin)
    assert message in str(ours.value)
    assert str(ours.value) == str(twins.value).replace("PointTwin", "Point")


def test_class_variables_are_not_fields() -> None:
    assert Point.__match_args__ == ("x", "y", "label", "tags", "hidden")
    assert [f.name for f in getattr(Point, FIELDS)] == list(Point.__match_args__)
    assert Point.dimensions == 2
    with pytest.raises(TypeError):
        Point(1, 2, dimensions=3)  # type: ignore[call-arg]


def test_repr_eq_and_hash() -> None:
    p = Point(1, 2, "q", ("a",), hidden="secret")
    assert repr(p) == "Point(x=1, y=2, label='q', tags=('a',))"
    assert p == Point(1, 2, "q", ("a",)) and hash(p) == hash(Point(1, 2, "q", ("a",)))
    assert p != Point(1, 3, "q", ("a",))
    twin: object = PointTwin(1, 2, "q", ("a",))
    assert p != twin and twin != p  # another class is never equal
    assert p.__eq__(object()) is NotImplemented
    assert {p, Point(1, 2, "q", ("a",))} == {p}
    assert repr(Bag("b", ["x"])) == "Bag(name='b', items=['x'], counts={}, open=True)"
    assert repr(Custom(1)) == "custom" and Custom(1) == Custom(1)


def test_frozen_refuses_assignment_and_deletion() -> None:
    p = Point(1, 2)
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'x'"):
        p.x = 3  # type: ignore[misc]
    with pytest.raises(AttributeError, match="cannot assign to field 'other'"):
        p.other = 3  # type: ignore[attr-defined]
    with pytest.raises(FrozenInstanceError, match="cannot delete field 'y'"):
        del p.y
    assert (p.x, p.y) == (1, 2)
    assert issubclass(FrozenInstanceError, AttributeError)


def test_mutable_is_assignable_and_unhashable() -> None:
    bag = Bag("b")
    bag.name = "c"
    bag.open = False
    assert bag == Bag("c", open=False)
    del bag.open
    assert "open" not in vars(bag) and Bag("d").open
    unhashable: object = Bag("b")
    with pytest.raises(TypeError, match="unhashable type: 'Bag'"):
        hash(unhashable)
    assert Bag.__hash__ is None


def test_match_statements() -> None:
    def describe(value: object) -> str:
        match value:
            case Point(0, 0):
                return "origin"
            case Point(x, y, label="p"):
                return f"p at {x},{y}"
            case Bag(name, [first, *_]):
                return f"{name} starts with {first}"
            case Bag(name):
                return f"{name} is empty"
        return "other"

    assert describe(Point(0, 0)) == "origin"
    assert describe(Point(3, 4)) == "p at 3,4"
    assert describe(Point(3, 4, "q")) == "other"
    assert describe(Bag("b", ["x", "y"])) == "b starts with x"
    assert describe(Bag("b")) == "b is empty"


def test_inheritance_and_post_init() -> None:
    lab = Labelled(1, 2, colour="blue")
    assert lab.__match_args__ == ("x", "y", "label", "tags", "hidden", "colour")
    assert repr(lab) == "Labelled(x=1, y=2, label='p', tags=(), colour='blue')"
    assert lab != Point(1, 2)
    with pytest.raises(FrozenInstanceError):
        lab.colour = "green"  # type: ignore[misc]
    assert Checked(4).doubled == 8


def test_class_definitions_refused_as_dataclasses_refuses_them() -> None:
    with pytest.raises(ValueError, match="mutable default list for field items"):

        @mutable
        class Shared:
            """A list as a default would be shared by every instance."""

            items: list[str] = []  # noqa: RUF012

    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):

        @frozen
        class Order:
            """A required field after one with a default."""

            a: int = 0
            b: int  # type: ignore[misc]

    with pytest.raises(ValueError, match="both a default and a default_factory"):
        Field(1, list)


def test_copies_and_pickles_are_equal() -> None:
    p = Point(1, 2, "q", ("a",))
    assert copy.copy(p) == p and copy.deepcopy(p) == p
    assert pickle.loads(pickle.dumps(p)) == p
    bag = Bag("b", ["x"])
    deep = copy.deepcopy(bag)
    assert deep == bag and deep.items is not bag.items


_values = st.one_of(st.integers(), st.text(max_size=8), st.none(), st.floats(allow_nan=False))


@given(
    x=st.integers(),
    y=st.integers(),
    label=st.text(max_size=10),
    tags=st.lists(st.text(max_size=4), max_size=3).map(tuple),
    other=st.tuples(st.integers(), st.integers(), st.text(max_size=10)),
)
def test_like_the_data_class_twin(
    x: int, y: int, label: str, tags: tuple[str, ...], other: tuple[int, int, str]
) -> None:
    ours, theirs = Point(x, y, label, tags), PointTwin(x, y, label, tags)
    assert repr(ours) == repr(theirs).replace("PointTwin", "Point", 1)
    assert hash(ours) == hash(theirs)
    assert (ours == Point(*other)) == (theirs == PointTwin(*other))
    assert ours == Point(x=x, y=y, label=label, tags=tags, hidden="not compared")


@given(st.lists(_values, min_size=1, max_size=3), st.lists(_values, min_size=1, max_size=3))
def test_mutable_equality_follows_the_fields(a: list[Any], b: list[Any]) -> None:
    assert (Bag("n", a) == Bag("n", b)) == (a == b)
    assert repr(Bag("n", a)) == f"Bag(name='n', items={a!r}, counts={{}}, open=True)"


def test_the_public_records_keep_their_behaviour() -> None:
    string = TypeSpec("string")
    param = ParamSpec("name", string, required=True)
    manifest = Manifest("tools", "Tools.", (), version="1.0")
    assert (
        repr(string)
        == "TypeSpec(kind='string', items=None, values=None, enum=None, nullable=False)"
    )
    assert param == ParamSpec("name", TypeSpec("string"), True) and hash(param) == hash(
        ParamSpec("name", TypeSpec("string"), True)
    )
    assert manifest.api_version == "1.0" and manifest.settings is None
    assert Manifest.from_dict(manifest.to_dict()) == manifest
    with pytest.raises(AttributeError):
        manifest.name = "other"  # type: ignore[misc]
    sample = Sample("echo", {"text": "a"}, expected="a")
    assert Sample("echo").arguments == {} and Sample("echo").arguments is not sample.arguments
    assert Sample.__match_args__ == ("command", "arguments", "expected", "error", "settings")
    assert not dataclasses.is_dataclass(manifest)  # said so in docs/architecture.md


def test_the_module_imports_nothing_heavy() -> None:
    code = "import sys\nimport plughost._plain\nprint(' '.join(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(result.stdout.split())
    assert "plughost._plain" in loaded
    assert not {"dataclasses", "typing", "inspect", "ast", "re", "enum"} & loaded
    assert plughost.__name__ == "plughost"
