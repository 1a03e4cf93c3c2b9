"""A plugin whose import, creation and class change with the environment, its files the same.

``CHANGEABLE_TRACE`` names a file that gets a line each time the module is
imported and the class created; the other ``CHANGEABLE_*`` variables make
the import or the creation fail, add a command, or log at import.
"""

import os
from typing import Literal

from plughost import Plugin, command


def _trace(event: str) -> None:
    path = os.environ.get("CHANGEABLE_TRACE")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(event + "\n")


_trace("imported")
if os.environ.get("CHANGEABLE_IMPORT_FAILS"):
    raise ImportError("the changeable plugin was told to fail at import")
if os.environ.get("CHANGEABLE_LOG_AT_IMPORT"):
    import logging

    logging.getLogger("plughost.changeable").warning("logged at import")


class Changeable(Plugin):
    """Changes with its environment."""

    def __init__(self) -> None:
        _trace("created")
        if os.environ.get("CHANGEABLE_INIT_FAILS"):
            raise RuntimeError("the changeable plugin was told to fail in __init__")

    @command
    def hello(self, name: str, times: int = 1) -> str:
        """Greet NAME."""
        return " ".join([f"hello {name}"] * times)

    @command
    def scale(self, value: float, factor: int, loud: bool, unit: Literal["m", "km"]) -> str:
        """Scale VALUE by FACTOR, in UNIT."""
        text = f"{value * factor} {unit}"
        return text.upper() if loud else text

    @command
    def log(self, text: str) -> str:
        """Log TEXT as a warning on a plughost logger, importing logging only now."""
        import logging

        logging.getLogger("plughost.changeable").warning("%s", text)
        return "logged"


if os.environ.get("CHANGEABLE_EXTRA_COMMAND"):

    def extra(self: Changeable) -> str:
        """A command that only some environments have."""
        return "extra"

    Changeable.extra = command(extra)  # type: ignore[attr-defined]
