"""Commands that return (or raise) objects that fight whoever looks at them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from plughost import CommandError, Plugin, command


class Trap(Exception):
    """An exception whose str() raises."""

    def __str__(self) -> str:
        raise RuntimeError("str() of the trap")


class Unprintable:
    """An object that cannot be shown."""

    def __repr__(self) -> str:
        raise Trap

    def __str__(self) -> str:
        raise Trap


class SneakyStr(str):
    """A str whose every method a host might call raises."""

    def __str__(self) -> str:
        raise Trap

    def __repr__(self) -> str:
        raise Trap

    def __eq__(self, other: object) -> bool:
        raise Trap

    def __hash__(self) -> int:
        raise Trap

    def encode(self, *args: Any, **kwargs: Any) -> bytes:
        raise Trap


class SneakyList(list):  # type: ignore[type-arg]
    """A list that lies when iterated."""

    def __iter__(self) -> Iterator[Any]:
        raise Trap

    def __len__(self) -> int:
        raise Trap


class SneakyDict(dict):  # type: ignore[type-arg]
    """A dict that lies when asked for its items."""

    def items(self) -> Any:
        raise Trap

    def __iter__(self) -> Iterator[Any]:
        raise Trap


class LyingMeta(type):
    """Exceptions of this class lie about their name."""

    @property
    def __name__(cls) -> str:  # type: ignore[override]
        raise Trap


class LyingError(Exception, metaclass=LyingMeta):
    """An exception whose class name cannot be read the usual way."""


class LyingCommandError(CommandError):
    """A CommandError whose message cannot be read."""

    def __str__(self) -> str:
        raise Trap


class HostileResults(Plugin):
    """Commands whose results and exceptions fight the host."""

    @command
    def unprintable(self) -> str:
        """Return an object that is no str and cannot be shown."""
        return Unprintable()  # type: ignore[return-value]

    @command
    def sneaky_str(self) -> str:
        """Return a str subclass whose methods raise."""
        return SneakyStr("sneaky but a string")

    @command
    def sneaky_list(self) -> list[str]:
        """Return a list subclass that lies when iterated."""
        return SneakyList(["a", "b"])

    @command
    def sneaky_dict(self) -> dict[str, int]:
        """Return a dict subclass that lies about its items."""
        return SneakyDict(a=1)

    @command
    def recursive(self) -> list[int]:
        """Return a list that contains itself."""
        loop: list[Any] = [1]
        loop.append(loop)
        return loop

    @command
    def generator(self) -> list[int]:
        """Return a generator where a list is promised."""
        return (i for i in range(3))  # type: ignore[return-value]

    @command
    def int_keys(self) -> dict[str, int]:
        """Return an object whose keys are integers."""
        return {1: 1}  # type: ignore[dict-item]

    @command
    def huge_int(self) -> int:
        """Return an integer far too long for JSON."""
        return 10**5000

    @command
    def nan(self) -> float:
        """Return NaN."""
        return float("nan")

    @command
    def raises_unprintable(self) -> str:
        """Raise an exception whose str() raises."""
        raise Trap

    @command
    def raises_lying(self) -> str:
        """Raise an exception whose class lies about its name."""
        raise LyingError("the message is fine")

    @command
    def raises_lying_command_error(self) -> str:
        """Raise a CommandError whose str() raises."""
        raise LyingCommandError("hidden")

    @command
    def raises_interrupt(self) -> str:
        """Raise KeyboardInterrupt though no one pressed Ctrl-C."""
        raise KeyboardInterrupt

    @command
    def raises_exit(self) -> str:
        """Call sys.exit from a command."""
        raise SystemExit(4)
