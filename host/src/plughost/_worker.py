"""The plugin worker: one plugin in a child process, behind protocol v1.

The host starts ``python -m plughost.worker`` with the magic cookie in the
environment and speaks newline-delimited JSON-RPC 2.0 over the child's stdin
and stdout. Before any plugin code runs the worker moves the channel to
private copies of fd 0 and fd 1, points fd 1 at stderr and fd 0 at
/dev/null: a plugin's ``print``, a C extension's write or a grandchild
process cannot corrupt the channel. It ignores SIGINT (the host orchestrates
shutdown) and exits as soon as its channel closes, so it never outlives the
host.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from typing import IO, Any

from . import __version__
from . import _protocol as p
from ._loading import Loaded, LoadFailure, load_plugin
from ._states import PluginState

__all__ = ["NOT_DIRECTLY", "main"]

NOT_DIRECTLY = (
    "this is a plughost plugin worker, started by plughost; it is not meant to be run directly"
)

_MAX_THREADS = 64


class _JsonLogHandler(logging.Handler):
    """Log records as JSON lines on stderr; the host re-emits them at their level."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = json.dumps(
                {
                    "level": record.levelname.lower(),
                    "logger": record.name,
                    "message": record.getMessage(),
                }
            )
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


class _Channel:
    """The private protocol channel: a line reader and a locked writer."""

    def __init__(self, reader: IO[bytes], writer_fd: int, max_line: int) -> None:
        self.lines = p.LineReader(reader, max_line)
        self._fd = writer_fd
        self._lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        try:
            data = p.encode(message)
        except (TypeError, ValueError) as exc:
            data = p.encode(
                p.error(message.get("id"), p.INTERNAL_ERROR, f"cannot encode the response: {exc}")
            )
        with self._lock:
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]


class Worker:
    """Serves one plugin over a channel until shutdown or end of input."""

    def __init__(self, channel: _Channel) -> None:
        self.channel = channel
        self.plugin: Any = None
        self.manifest: Any = None
        self.methods: dict[str, str] = {}
        self._debug = False
        self._tasks: queue.SimpleQueue[tuple[Any, dict[str, Any]] | None] = queue.SimpleQueue()
        self._idle = 0
        self._threads = 0
        self._lock = threading.Lock()
        self._cancelled: set[Any] = set()
        self._running: set[Any] = set()

    # -- the loop ------------------------------------------------------------

    def serve(self) -> int:
        while True:
            try:
                line = self.channel.lines.read()
            except p.ProtocolViolation as exc:
                self.channel.send(p.error(None, p.PARSE_ERROR, str(exc)))
                return 1
            if line is None:
                return 0
            try:
                message = p.decode(line)
            except p.ProtocolViolation as exc:
                self.channel.send(p.error(None, p.PARSE_ERROR, str(exc)))
                continue
            if self._dispatch(message):
                return 0

    def _dispatch(self, message: dict[str, Any]) -> bool:
        """Handle one message; True when the worker should exit."""
        method = message.get("method")
        id_ = message.get("id")
        params = message.get("params", {})
        if not isinstance(method, str) or not isinstance(params, dict):
            if "id" in message:
                self.channel.send(
                    p.error(id_, p.INVALID_REQUEST, "a request needs a method and object params")
                )
            return False
        if "id" not in message:  # a notification
            if method == "cancel":
                self._cancel(params.get("id"))
            return False
        if method == "initialize":
            if self.plugin is not None:
                self.channel.send(p.error(id_, p.INVALID_REQUEST, "already initialized"))
            else:
                self.channel.send(self._initialize(id_, params))
        elif method == "ping":
            self.channel.send(p.result(id_, {}))
        elif method == "shutdown":
            self.channel.send(p.result(id_, None))
            return True
        elif method == "call":
            if self.plugin is None:
                self.channel.send(
                    p.error(id_, p.INVALID_REQUEST, "call before a successful initialize")
                )
            else:
                self._submit(id_, params)
        else:
            self.channel.send(p.error(id_, p.METHOD_NOT_FOUND, f"no method {method!r}"))
        return False

    # -- initialize ------------------------------------------------------------

    def _initialize(self, id_: Any, params: dict[str, Any]) -> dict[str, Any]:
        offered = params.get("protocol_versions")
        if not isinstance(offered, list) or not all(type(v) is int for v in offered):
            return p.error(id_, p.INVALID_PARAMS, "protocol_versions must be a list of integers")
        common = set(offered) & set(p.PROTOCOL_VERSIONS)
        if not common:
            return p.error(
                id_,
                p.UNSUPPORTED_VERSION,
                f"the host offers protocol versions {offered}, this worker speaks"
                f" {list(p.PROTOCOL_VERSIONS)}",
                {"supported": list(p.PROTOCOL_VERSIONS), "offered": offered},
            )
        plugin = params.get("plugin")
        if not isinstance(plugin, dict) or not isinstance(plugin.get("name"), str):
            return p.error(id_, p.INVALID_PARAMS, "plugin.name must be a string")
        self._debug = bool(params.get("debug", False))
        settings = params.get("settings") or {}
        if not isinstance(settings, dict):
            return p.error(id_, p.INVALID_PARAMS, "settings must be an object")
        outcome = _load(plugin, settings)
        if isinstance(outcome, LoadFailure):
            return p.error(
                id_,
                p.PLUGIN_UNAVAILABLE,
                outcome.reason,
                {
                    "state": outcome.state.value,
                    "reason": outcome.reason,
                    "problems": list(outcome.problems),
                },
            )
        manifest = outcome.manifest
        self.plugin, self.manifest, self.methods = outcome.instance, manifest, dict(outcome.methods)
        return p.result(
            id_,
            {
                "protocol_version": max(common),
                "manifest": manifest.to_dict(),
                "worker": {
                    "name": "plughost.worker",
                    "version": __version__,
                    "pid": os.getpid(),
                    "python": sys.version.split()[0],
                },
            },
        )

    # -- calls -------------------------------------------------------------------

    def _submit(self, id_: Any, params: dict[str, Any]) -> None:
        with self._lock:
            self._running.add(id_)
            spawn = self._idle == 0 and self._threads < _MAX_THREADS
            if spawn:
                self._threads += 1
        if spawn:
            threading.Thread(target=self._work, daemon=True).start()
        self._tasks.put((id_, params))

    def _work(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
            task = self._tasks.get()
            with self._lock:
                self._idle -= 1
            if task is None:
                return
            id_, params = task
            response = self._call(id_, params)
            with self._lock:
                self._running.discard(id_)
                if id_ in self._cancelled:
                    self._cancelled.discard(id_)
                    continue
            self.channel.send(response)

    def _cancel(self, id_: Any) -> None:
        with self._lock:
            if id_ not in self._running or id_ in self._cancelled:
                return
            self._cancelled.add(id_)
        self.channel.send(p.error(id_, p.CANCELLED, "the call was cancelled"))

    def _call(self, id_: Any, params: dict[str, Any]) -> dict[str, Any]:
        from ._calls import WrongResult, check_arguments, normalise_result
        from ._errors import ArgumentError, CommandError

        command = params.get("command")
        arguments = params.get("arguments", {})
        if not isinstance(command, str) or not isinstance(arguments, dict):
            return p.error(
                id_, p.INVALID_PARAMS, "call needs a command name and an arguments object"
            )
        spec = self.manifest.command(command)
        if spec is None:
            names = ", ".join(c.name for c in self.manifest.commands)
            return p.error(
                id_,
                p.INVALID_PARAMS,
                f"plugin {self.manifest.name!r} has no command {command!r}; its commands: {names}",
                {"type": "ArgumentError"},
            )
        try:
            kwargs = check_arguments(self.manifest, spec, arguments)
        except ArgumentError as exc:
            return p.error(id_, p.INVALID_PARAMS, str(exc), {"type": "ArgumentError"})
        method: Callable[..., Any] = getattr(self.plugin, self.methods[spec.name])
        try:
            value = method(**kwargs)
        except BaseException as exc:
            return p.error(
                id_,
                p.COMMAND_FAILED,
                str(exc) or type(exc).__name__,
                {
                    "type": type(exc).__name__,
                    "message": str(exc) or type(exc).__name__,
                    "expected": isinstance(exc, CommandError),
                    "traceback": "".join(traceback.format_exception(exc)),
                },
            )
        try:
            value = normalise_result(spec, value)
        except WrongResult as exc:
            message = str(exc)
            return p.error(
                id_,
                p.COMMAND_FAILED,
                message,
                {"type": "TypeError", "message": message, "expected": False},
            )
        return p.result(id_, value)


def _load(plugin: dict[str, Any], settings: dict[str, Any]) -> Loaded | LoadFailure:
    """Load the plugin the host named, finding it here when no entry point is given."""
    name = plugin["name"]
    target = plugin.get("entry_point")
    distribution = plugin.get("distribution")
    version = plugin.get("version")
    if not isinstance(target, str):
        found = _find_entry_point(name)
        if isinstance(found, str):
            return LoadFailure(PluginState.BROKEN, found)
        target, distribution, version = found
    return load_plugin(
        name=name,
        target=target,
        distribution=distribution if isinstance(distribution, str) else None,
        version=version if isinstance(version, str) else None,
        settings=settings,
    )


def _find_entry_point(name: str) -> tuple[str, str | None, str | None] | str:
    """Find plugin ``name`` in this interpreter's environment (its own venv)."""
    import importlib.metadata

    from . import ENTRY_POINT_GROUP

    found = [
        ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP) if ep.name == name
    ]
    dists = {ep.dist.name if ep.dist else None: ep for ep in found}
    if not found:
        return (
            f"plugin {name!r} is not installed for {sys.executable}; install it into that"
            " environment"
        )
    if len(dists) > 1:
        return (
            f"plugin name {name!r} is provided by several distributions for {sys.executable}"
            f" ({', '.join(sorted(str(d) for d in dists))}); uninstall all but one"
        )
    ep = found[0]
    return ep.value, ep.dist.name if ep.dist else None, ep.dist.version if ep.dist else None


def _take_channel() -> tuple[IO[bytes], int]:
    """Move the channel off fds 0 and 1 before any plugin code runs."""
    read_fd = os.dup(0)
    write_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout.flush()
    os.dup2(2, 1)
    for fd in (read_fd, write_fd):
        os.set_inheritable(fd, False)
    return os.fdopen(read_fd, "rb", buffering=256 * 1024), write_fd


def main() -> int:
    """Run the worker; the exit status when the channel closes or on shutdown."""
    if os.environ.get(p.COOKIE_NAME) != p.COOKIE_VALUE:
        print(NOT_DIRECTLY, file=sys.stderr)
        return 1
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    reader, write_fd = _take_channel()
    max_line = p.DEFAULT_MAX_LINE
    with contextlib.suppress(ValueError):
        max_line = int(os.environ.get("PLUGHOST_MAX_MESSAGE", max_line))
    logging.basicConfig(level=logging.INFO, handlers=[_JsonLogHandler()], force=True)
    worker = Worker(_Channel(reader, write_fd, max_line))
    code = worker.serve()
    sys.stderr.flush()
    # Plugin threads still running (a cancelled or hung call) must not keep
    # the process alive once the host has let go.
    os._exit(code)
