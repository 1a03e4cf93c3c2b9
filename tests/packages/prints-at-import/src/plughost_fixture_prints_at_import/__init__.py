"""Prints to stdout while being imported, and when called."""

import os

from plughost import Plugin, command

print("prints-at-import: hello from import time")
os.write(1, b"prints-at-import: raw bytes on fd 1\n")


class FixturePlugin(Plugin):
    """Chatty."""

    @command
    def hello(self) -> str:
        """Say hello, noisily."""
        print("prints-at-import: noise during the call")
        return "hello"
