"""A valid plugin whose commands exercise the host's edges."""

import os
import subprocess
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
        subprocess.run([sys.executable, "-c", "print('chatter: from a grandchild')"], check=True)
        return ["one", "two"]

    @command
    def wait(self, seconds: float) -> str:
        """Sleep SECONDS, announcing it on stderr first."""
        print(f"tools: waiting in process {os.getpid()}", file=sys.stderr, flush=True)
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

    @command
    def parent(self) -> int:
        """Return the id of the process that started the plugin's process."""
        return os.getppid()

    @command
    def die(self, code: int = 9) -> None:
        """End the plugin's process at once with exit status CODE."""
        os._exit(code)

    @command(name="flag-check")
    def flag_check(self, enabled: bool) -> bool:
        """Return ENABLED as given (a required bool)."""
        return enabled
