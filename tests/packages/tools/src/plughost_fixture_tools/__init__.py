"""A valid plugin whose commands exercise the host's edges."""

import os
import sys
import time
from typing import Literal

from plughost import CommandError, Plugin, command


class Tools(Plugin):
    """Commands that exercise the host.

    Used by plughost's own tests.
    """

    @command
    def echo(
        self,
        text: str,
        count: int = 1,
        shout: bool = False,
        mode: Literal["plain", "quoted"] = "plain",
        tags: list[str] | None = None,
        ratio: float | None = None,
    ) -> dict[str, str]:
        """Echo TEXT back with what else was given.

        Args:
            text: the text to echo
            count: how many times to repeat it
            shout: upper-case it
            mode: how to present it
            tags: labels to attach
            ratio: any number
        """
        body = " ".join([text.upper() if shout else text] * count)
        if mode == "quoted":
            body = f'"{body}"'
        return {
            "text": body,
            "tags": ",".join(tags or []),
            "ratio": "none" if ratio is None else repr(ratio),
        }

    @command
    def add(self, numbers: list[int]) -> int:
        """Add NUMBERS."""
        return sum(numbers)

    @command
    def chatter(self) -> list[str]:
        """Print to stdout and fd 1, then return a list."""
        print("chatter: print() from the plugin")
        sys.stdout.flush()
        os.write(1, b"chatter: raw bytes on fd 1\n")
        return ["one", "two"]

    @command
    def wait(self, seconds: float) -> str:
        """Sleep SECONDS, announcing it on stderr first."""
        print("tools: waiting", file=sys.stderr, flush=True)
        time.sleep(seconds)
        return "done"

    @command
    def refuse(self, reason: str = "no reason") -> None:
        """Fail the way a plugin reports an expected failure."""
        raise CommandError(f"refused: {reason}; try another command")

    @command
    def crash(self) -> int:
        """Fail with an unexpected exception."""
        return {}["missing"]  # type: ignore[no-any-return]

    @command
    def exit(self, code: int = 3) -> None:
        """Call sys.exit from within a command."""
        sys.exit(code)

    @command
    def lie(self) -> int:
        """Return something other than what the annotation promises."""
        return "not an int"  # type: ignore[return-value]

    @command(name="flag-check")
    def flag_check(self, enabled: bool) -> bool:
        """Return ENABLED as given (a required bool)."""
        return enabled
