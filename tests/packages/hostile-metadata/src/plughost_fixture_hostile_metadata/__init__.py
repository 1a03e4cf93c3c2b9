"""A plugin whose every piece of text carries terminal escape sequences."""

import logging
import sys

from plughost import CommandError, Plugin, command

ESC = "\x1b"
#: Clears the screen, sets the window title, reverses the rest of the line.
NASTY = f"{ESC}[2J{ESC}]0;pwned\x07\u202e\x9b31m\x7f"


class Hostile(Plugin):
    __doc__ = f"Summary {NASTY} from the docstring.\n\nA description {NASTY}\nover lines."

    @command
    def shout(self, text: str, style: str = "plain") -> str:
        """Return TEXT with escapes around it."""
        return f"{NASTY}{text}{NASTY}\nsecond line\tand a tab"

    @command
    def fail(self) -> str:
        """Fail with escapes in the message."""
        raise CommandError(f"bad {NASTY} thing\nforged: error line")

    @command
    def crash(self) -> str:
        """Raise a plain exception with escapes in its message."""
        raise ValueError(f"crash {NASTY}")

    @command
    def chatter(self) -> str:
        """Write escapes to stderr and to the log, then return."""
        print(f"printed {NASTY}", file=sys.stderr)
        print(f"stdout {NASTY}")
        logging.getLogger("plughost.plugin.hostile-metadata").warning("logged %s", NASTY)
        return "done"

    shout.__doc__ = (
        f"Return TEXT {NASTY} with escapes around it.\n\n"
        f"Args:\n    text: the {NASTY} text\n    style: a {NASTY} style\n"
    )
