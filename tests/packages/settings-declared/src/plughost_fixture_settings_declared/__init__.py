"""A plugin that declares settings of every supported type, one that declares none, one without.

Each has a command ``show`` that returns what it was given, as JSON
text, so that the tests see exactly the values (and their types) that
reached the plugin, in process and in a worker alike.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from plughost import CommandError, Plugin, command

Colour = Literal["red", "green", "blue"]


def _given(plugin: Plugin) -> str:
    return json.dumps(dict(plugin.settings))


def _created(name: str) -> None:
    """Leave a mark that the plugin was created (it must not be, with unfit settings)."""
    folder = os.environ.get("PLUGHOST_TEST_MARKER_DIR")
    if folder:
        Path(folder, f"{name}-created").write_text(str(os.getpid()))


class Configured(Plugin):
    """Greet with configurable words."""

    class Settings:
        """How the greeting is made.

        Attributes:
            retries: how often to retry; help from the docstring's section
        """

        greeting: str = "Hello"
        """The word that opens the greeting."""

        colour: Colour = "blue"
        """The colour of the greeting,
        on two lines in the source."""

        retries: int = 3
        ratio: float = 1
        loud: bool = False
        tags: list[str] = ["a", "b"]  # noqa: RUF012 - a default, never changed
        """Labels to attach."""

        limit: int | None = None
        weights: list[float] = (1, 2.5)  # type: ignore[assignment]

    def __init__(self) -> None:
        _created(type(self).__name__.lower())

    @command
    def greet(self, name: str) -> str:
        """Greet NAME with the configured greeting."""
        text = f"{self.settings['greeting']}, {name}!"
        return text.upper() if self.settings["loud"] else text

    @command
    def show(self) -> str:
        """Return the settings the plugin was given, as JSON."""
        return _given(self)

    @command
    def limit(self) -> int:
        """Return the limit, which must be set."""
        limit = self.settings["limit"]
        if limit is None:
            raise CommandError("set limit in [plugins.configured] to use this command")
        return int(limit)


class NoSettings(Plugin):
    """Take no settings at all."""

    class Settings:
        """None."""

    @command
    def show(self) -> str:
        """Return the settings the plugin was given, as JSON."""
        return _given(self)


class Undeclared(Plugin):
    """Declare nothing: every key of the table arrives, unchecked."""

    @command
    def show(self) -> str:
        """Return the settings the plugin was given, as JSON."""
        return _given(self)
