"""Commands that try to keep plughost running, print twice or lose its output."""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time

from plughost import CommandError, Plugin, command


class _Broken:
    """A stream whose every use raises."""

    def write(self, text: str) -> int:
        raise OSError("this stream is broken")

    def flush(self) -> None:
        raise OSError("this stream is broken")


def _forever() -> None:
    while True:
        time.sleep(3600)


class HostileProcess(Plugin):
    """Commands that fight the process they run in."""

    @command
    def thread(self) -> str:
        """Leave a non-daemon thread running forever, then return."""
        threading.Thread(target=_forever, name="left-behind", daemon=False).start()
        return "returned"

    @command
    def fork(self) -> str:
        """Fork, and return in both processes."""
        pid = os.fork()
        if pid == 0:
            return "child"  # the child returns too
        os.waitpid(pid, 0)
        return "parent"

    @command
    def close_stdout(self) -> str:
        """Close fd 1 and sys.stdout, then return."""
        sys.stdout.flush()
        os.close(1)
        sys.stdout.close()
        return "kept"

    @command
    def close_stderr(self, fail: bool = False) -> str:
        """Close fd 2 and sys.stderr, then return (or fail)."""
        os.close(2)
        sys.stderr = _Broken()  # type: ignore[assignment]
        if fail:
            raise CommandError("failed after closing stderr")
        return "kept"

    @command
    def replace_streams(self) -> str:
        """Replace sys.stdout and sys.stderr with streams that raise, and hang at exit."""
        sys.stdout = _Broken()  # type: ignore[assignment]
        sys.stderr = _Broken()  # type: ignore[assignment]
        atexit.register(_forever)
        return "kept"

    @command
    def exit_code(self) -> str:
        """Return, but ask the interpreter to exit with status 9 later."""
        atexit.register(os._exit, 9)
        return "returned"
