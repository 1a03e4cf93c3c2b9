"""A plugin whose failures are hard to report.

Its exception has a message, notes and a class name that all raise; one of
its methods cannot be looked up on the instance; its results cannot be
checked, encoded or sent on one line.
"""

from typing import Any

from plughost import Plugin, command


class _Nameless(type):
    @property
    def __name__(cls) -> str:  # type: ignore[override]
        raise RuntimeError("no name for you")


class Unprintable(Exception, metaclass=_Nameless):
    """An exception nothing can be read from."""

    def __str__(self) -> str:
        raise RuntimeError("no message for you")

    @property
    def __notes__(self) -> list[str]:
        raise RuntimeError("no notes for you")


class _Unreadable(dict[str, int]):
    def items(self) -> Any:
        raise RuntimeError("no items for you")


class Hostile(Plugin):
    """Fails in ways that are hard to report."""

    def __getattribute__(self, name: str) -> Any:
        if name == "trapped":
            raise RuntimeError("no method for you")
        return super().__getattribute__(name)

    @command
    def unprintable(self) -> str:
        """Raise an exception whose message, notes and class name raise."""
        raise Unprintable()

    @command
    def trapped(self) -> str:
        """A command whose method cannot be looked up on the instance."""
        return "never"

    @command(name="huge-int")
    def huge_int(self) -> int:
        """Return an integer too long for JSON's text (5001 digits)."""
        return 10**5000

    @command(name="too-long")
    def too_long(self, megabytes: int = 17) -> str:
        """Return MEGABYTES of text, more than fits on one line of the protocol."""
        return "x" * (megabytes * 1024 * 1024)

    @command(name="bad-mapping")
    def bad_mapping(self) -> dict[str, int]:
        """Return a mapping whose items cannot be read."""
        return _Unreadable(a=1)

    @command
    def ping(self) -> str:
        """Answer at once."""
        return "pong"
