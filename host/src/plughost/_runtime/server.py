"""The plugin worker: one plugin in a child process, behind protocol v1.

The host starts it (``python -P -c "from plughost.worker import run;
run()"``, the same as ``python -m plughost.worker`` without ``runpy``) with
the magic cookie in the environment and speaks newline-delimited JSON-RPC
2.0 over the child's stdin and stdout. Before any plugin code runs the worker moves the channel to
private copies of fd 0 and fd 1, points fd 1 at stderr and fd 0 at
/dev/null: a plugin's ``print``, a C extension's write or a grandchild
process cannot corrupt the channel. It ignores SIGINT (the host orchestrates
shutdown) and exits as soon as its channel closes, so it never outlives the
host; it is a child subreaper (``_reaper``), so whatever the plugin starts
stays in its tree, and it ends all of that when it exits (end of input,
``shutdown``, SIGTERM, a channel that cannot be written). Every call gets
exactly one answer, whatever the plugin does (``_call_answer``). The
channel itself and the leaving live in ``_server_channel``, the loop that
runs calls in the thread that read them in ``_server_loop``; this module is
the dispatch and the handshake.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys

from .. import __version__
from .._contract.untrusted import type_name
from . import protocol as p
from .loading import Loaded, LoadFailure, load_failure, load_plugin
from .reaper import become_subreaper
from .server_channel import ServerChannel, leave, take_channel
from .server_logs import configure_logging_on_import
from .server_loop import Serving

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["NOT_DIRECTLY", "main"]

NOT_DIRECTLY = (
    "this is a plughost plugin worker, started by plughost; it is not meant to be run directly"
)

# Whether the cyclic garbage collector is still off for the worker's own start.
_start_collector_off = False


class Worker:
    """Serves one plugin over a channel until shutdown or end of input."""

    def __init__(self, channel: ServerChannel) -> None:
        self.channel = channel
        self.plugin: Any = None
        self.manifest: Any = None
        self.methods: dict[str, str] = {}
        self._debug = False
        self.serving = Serving(channel, self._dispatch)
        self._failure: Any = None

    def serve(self) -> None:
        """Answer requests until ``shutdown`` or end of input, when the worker leaves."""
        self.serving.serve()

    def _dispatch(self, message: dict[str, Any]) -> bool:
        """Handle a message (a call only before the handshake); True: the worker is to exit."""
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
            return False
        if method == "initialize":
            if self.plugin is not None:
                self.channel.send(p.error(id_, p.INVALID_REQUEST, "already initialized"))
            else:
                answer = self._initialize(id_, params)
                self.channel.send(answer)
                if "result" in answer:
                    self._ready()
        elif method == "ping":
            self.channel.send(p.result(id_, {}))
        elif method == "shutdown":
            self.channel.send(p.result(id_, None))
            return True
        elif method == "call":
            self.channel.send(
                p.error(id_, p.INVALID_REQUEST, "call before a successful initialize")
            )
        else:
            self.channel.send(p.error(id_, p.METHOD_NOT_FOUND, f"no method {method!r}"))
        return False

    def _ready(self) -> None:
        # What calls need is imported now, not before the handshake.
        from . import call_answer

        answer_call, self._failure = call_answer.answer_call, call_answer.failure
        instance, manifest, methods = self.plugin, self.manifest, self.methods
        max_line = self.channel.max_line

        def answer(id_: Any, params: dict[str, Any]) -> bytes:
            return answer_call(
                id_,
                params,
                instance=instance,
                manifest=manifest,
                methods=methods,
                max_line=max_line,
            )

        self.serving.ready(answer, self._last_resort)

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

    def _last_resort(self, id_: Any, params: dict[str, Any], exc: BaseException) -> bytes:
        failure = self._failure
        command = params.get("command")
        name = str(self.manifest.name)
        try:
            return p.encode(
                failure(
                    id_,
                    name,
                    command if isinstance(command, str) else "?",
                    type_name(exc),
                    "the worker could not answer the call",
                )
            )
        except BaseException:
            return p.encode(p.error(id_, p.INTERNAL_ERROR, "the worker could not answer the call"))


def _load(plugin: dict[str, Any], settings: dict[str, Any]) -> Loaded | LoadFailure:
    """Load the plugin the host named, finding it here when no entry point is given."""
    _collect_from_now_on()
    name = plugin["name"]
    target = plugin.get("entry_point")
    distribution = plugin.get("distribution")
    version = plugin.get("version")
    config = plugin.get("config")
    if not isinstance(target, str):
        found = _find_entry_point(name)
        if isinstance(found, str):
            return load_failure("broken", found)
        target, distribution, version = found
    return load_plugin(
        name=name,
        target=target,
        distribution=distribution if isinstance(distribution, str) else None,
        version=version if isinstance(version, str) else None,
        settings=settings,
        config=config if isinstance(config, str) else None,
    )


def _find_entry_point(name: str) -> tuple[str, str | None, str | None] | str:
    """Find plugin ``name`` in this interpreter's environment (its own venv)."""
    import importlib.metadata

    from .. import ENTRY_POINT_GROUP

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


def _collect_from_now_on() -> None:
    """Turn the cyclic garbage collector on again, before the plugin's code first runs.

    What the worker's start made (the interpreter's modules and plughost's)
    lives as long as the process: it is frozen (``gc.freeze``), so that no
    collection walks it again. The plugin's import, and everything after,
    run with the collector on, as in any process.
    """
    global _start_collector_off
    if _start_collector_off:
        _start_collector_off = False
        gc.freeze()
        gc.enable()


def main() -> int:
    """Run the worker; the exit status when the channel closes or on shutdown.

    The cyclic garbage collector is off until the plugin is loaded
    (``plughost.worker.run`` turns it off before the worker's imports): the
    start makes modules, classes and functions, all kept, and collections
    that walk them again and again, made more frequent by every import,
    would cost the start about 3 ms.
    """
    global _start_collector_off
    gc.disable()
    _start_collector_off = True
    if os.environ.get(p.COOKIE_NAME) != p.COOKIE_VALUE:
        print(NOT_DIRECTLY, file=sys.stderr)
        return 1
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    become_subreaper()
    signal.signal(signal.SIGTERM, lambda signum, frame: leave(-signal.SIGTERM))
    reader, write_fd = take_channel()
    max_line = p.DEFAULT_MAX_LINE
    with contextlib.suppress(ValueError):
        max_line = int(os.environ.get("PLUGHOST_MAX_MESSAGE", max_line))
    configure_logging_on_import()
    Worker(ServerChannel(reader, write_fd, max_line)).serve()
    return 0
