"""Plain record classes: ``@frozen`` and ``@mutable``, without ``dataclasses``.

The classes on the way from the console script to a call (manifests,
candidates, policies, the outcome of loading) are records: named fields, a
constructor, ``repr``, equality, and for most of them immutability and a
hash. ``dataclasses`` would give them that, but importing it costs
``inspect``, ``ast``, ``dis`` and ``tokenize``, and every class it makes
``exec``\\ s generated source. These decorators read the class's annotations
(only their names and order; they are strings) and its class-level defaults
or :func:`field` specifiers, and give the class methods made of closures, so
that making one costs a few microseconds and this module imports nothing but
``operator``, which ``collections`` has loaded already.

What the methods do is what ``@dataclass(frozen=True)`` and ``@dataclass``
do: the same ``__init__`` (positional or keyword, defaults and default
factories applied, a mutable default refused), ``repr`` as ``Name(a=1,
b='x')``, ``==`` between instances of the same class comparing the fields
in order, a hash of the fields for frozen records (mutable ones are
unhashable), :class:`FrozenInstanceError` on assigning or deleting a field
of a frozen one, ``__match_args__``, and ``__post_init__`` called when the
class has one. ``ClassVar`` annotations are not fields; fields of a base
record come first. A method the class defines itself is kept. What is left
out: ``order``, ``slots``, ``kw_only``, ``InitVar``, ``asdict``,
``replace`` and ``fields`` (``dataclasses.fields()`` does not know these
classes).
"""

from __future__ import annotations

from operator import attrgetter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform, overload

    _T = TypeVar("_T")
else:

    def dataclass_transform(**kwargs: object) -> Callable[[_T], _T]:
        """Run time: the decorators need nothing of it (PEP 681 is for type checkers)."""
        return lambda function: function


__all__ = ["FIELDS", "Field", "FrozenInstanceError", "field", "frozen", "mutable"]

#: The attribute that holds a record class's :class:`Field`\\ s, in order.
FIELDS = "__plain_fields__"

_MISSING = object()


class FrozenInstanceError(AttributeError):
    """An assignment to, or a deletion of, a field of a frozen record."""


class Field:
    """One field of a record class: its name, default or default factory.

    ``repr`` and ``compare`` say whether the field is shown by ``repr`` and
    takes part in ``==`` and the hash, as for ``dataclasses.field``.
    """

    __slots__ = ("compare", "default", "default_factory", "name", "repr")

    def __init__(
        self,
        default: object = _MISSING,
        default_factory: Callable[[], object] | None = None,
        *,
        repr: bool = True,
        compare: bool = True,
    ) -> None:
        if default is not _MISSING and default_factory is not None:
            raise ValueError("a field cannot have both a default and a default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare

    @property
    def required(self) -> bool:
        """True when a value must be given: the field has no default of either kind."""
        return self.default is _MISSING and self.default_factory is None

    def __repr__(self) -> str:
        default = "" if self.default is _MISSING else f", default={self.default!r}"
        factory = (
            "" if self.default_factory is None else f", default_factory={self.default_factory!r}"
        )
        return f"Field({self.name!r}{default}{factory})"


if TYPE_CHECKING:

    @overload
    def field(*, default: _T, repr: bool = True, compare: bool = True) -> _T: ...

    @overload
    def field(
        *, default_factory: Callable[[], _T], repr: bool = True, compare: bool = True
    ) -> _T: ...

    @overload
    def field(*, repr: bool = True, compare: bool = True) -> Any: ...


def field(
    *,
    default: Any = _MISSING,
    default_factory: Callable[[], Any] | None = None,
    repr: bool = True,
    compare: bool = True,
) -> Any:
    """Specify a field: its ``default``, or a ``default_factory`` called for each instance."""
    return Field(default, default_factory, repr=repr, compare=compare)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen(cls: type[_T]) -> type[_T]:
    """Make ``cls`` an immutable record class (like ``@dataclass(frozen=True)``)."""
    return _record(cls, frozen=True)


@dataclass_transform(field_specifiers=(field,))
def mutable(cls: type[_T]) -> type[_T]:
    """Make ``cls`` a mutable, unhashable record class (like ``@dataclass``)."""
    return _record(cls, frozen=False)


def _is_class_var(annotation: object) -> bool:
    text = annotation if isinstance(annotation, str) else repr(annotation)
    head = text.split("[", 1)[0].strip()
    return head == "ClassVar" or head.endswith(".ClassVar")


def _fields(cls: type) -> tuple[Field, ...]:
    """The fields of ``cls``: those of its record bases, then its own annotations."""
    inherited: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for f in base.__dict__.get(FIELDS, ()):
            inherited[f.name] = f
    own: dict[str, Field] = {}
    for name, annotation in cls.__annotations__.items():
        if _is_class_var(annotation):
            continue
        value = cls.__dict__.get(name, _MISSING)
        f = value if isinstance(value, Field) else Field(value)
        f.name = name
        if f.default is not _MISSING and type(f.default).__hash__ is None:
            raise ValueError(
                f"mutable default {type(f.default).__name__} for field {name} is not allowed:"
                " use default_factory"
            )
        if isinstance(value, Field):
            # As dataclasses do: the class attribute is the default, or absent.
            if f.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
        own[name] = f
    fields = tuple({**inherited, **own}.values())
    seen_default = False
    for f in fields:
        if not f.required:
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
    return fields


def _getter(names: tuple[str, ...]) -> Callable[[object], tuple[Any, ...]]:
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _make_init(cls: type, fields: tuple[Field, ...]) -> Callable[..., None]:
    name_of = f"{cls.__qualname__}.__init__()"
    names = tuple(f.name for f in fields)
    count = len(names)
    # (name, default, factory) for each field, the default _MISSING when none.
    fills = tuple((f.name, f.default, f.default_factory) for f in fields)
    post_init = getattr(cls, "__post_init__", None) is not None
    required = sum(f.required for f in fields)
    takes = f"{count + 1}" if required == count else f"from {required + 1} to {count + 1}"

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        given = len(args)
        if given > count:
            raise TypeError(
                f"{name_of} takes {takes} positional arguments but {given + 1} were given"
            )
        values = self.__dict__
        values.update(zip(names, args, strict=False))
        missing = []
        for name, default, factory in fills[given:]:
            if name in kwargs:
                values[name] = kwargs.pop(name)
            elif default is not _MISSING:
                values[name] = default
            elif factory is not None:
                values[name] = factory()
            else:
                missing.append(name)
        if kwargs:
            for key in kwargs:
                if key in values:
                    raise TypeError(f"{name_of} got multiple values for argument {key!r}")
                raise TypeError(f"{name_of} got an unexpected keyword argument {key!r}")
        if missing:
            s = "s" if len(missing) > 1 else ""
            listed = ", ".join(repr(m) for m in missing[:-1])
            listed = f"{listed} and {missing[-1]!r}" if listed else repr(missing[-1])
            raise TypeError(
                f"{name_of} missing {len(missing)} required positional argument{s}: {listed}"
            )
        if post_init:
            self.__post_init__()

    return __init__


def _record(cls: type[_T], *, frozen: bool) -> type[_T]:
    fields = _fields(cls)
    setattr(cls, FIELDS, fields)
    names = tuple(f.name for f in fields)
    shown = tuple(f.name for f in fields if f.repr)
    shown_values = _getter(shown)
    key = _getter(tuple(f.name for f in fields if f.compare))

    def __repr__(self: Any) -> str:
        pairs = zip(shown, shown_values(self), strict=True)
        return f"{type(self).__qualname__}(" + ", ".join(f"{n}={v!r}" for n, v in pairs) + ")"

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return bool(key(self) == key(other))
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(key(self))

    def __setattr__(self: Any, name: str, value: object) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    methods: dict[str, object] = {
        "__init__": _make_init(cls, fields),
        "__repr__": __repr__,
        "__eq__": __eq__,
        "__match_args__": names,
    }
    if frozen:
        methods |= {"__setattr__": __setattr__, "__delattr__": __delattr__}
    own = cls.__dict__
    for name, method in methods.items():
        if name not in own:
            if callable(method):
                setattr(method, "__qualname__", f"{cls.__qualname__}.{name}")  # noqa: B010
            setattr(cls, name, method)
    # As dataclasses do with eq=True: a hash of the fields when frozen, none
    # when mutable, unless the class body defines __hash__ itself.
    explicit_hash = own.get("__hash__", None) is not None
    if not explicit_hash:
        __hash__.__qualname__ = f"{cls.__qualname__}.__hash__"
        cls.__hash__ = __hash__ if frozen else None  # type: ignore[assignment,method-assign]
    return cls
