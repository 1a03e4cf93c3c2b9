"""A plugin whose import never ends (it says so on stderr first)."""

import os
import sys
import time

from plughost import Plugin, command

print(f"slow-import: importing in pid {os.getpid()}", file=sys.stderr, flush=True)
while True:
    time.sleep(3600)


class Slow(Plugin):
    """Never defined."""

    @command
    def hello(self) -> str:
        """Never runs."""
        return "hello"
