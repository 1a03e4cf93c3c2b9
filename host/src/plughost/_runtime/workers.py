"""The runtimes of a plugin in a process of its own, over protocol v1.

``worker`` runs plughost's Python worker (``python -P -c WORKER_CODE``),
under this interpreter or another one (a plugin in its own virtual
environment, found there by name). ``executable`` runs a program the user
named (``command = [...]``), in any language, that speaks protocol v1
itself. Both hand back an :class:`~plughost.IsolatedPlugin`, which restarts
a crashed worker on the next call, and both refuse settings that do not fit
what the plugin declares, whatever the worker itself checked.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._policy.settings import require_fitting_settings
from .client import WorkerProcess, python_worker_command
from .handles import IsolatedPlugin
from .interface import StartFailure, StartSettings

if TYPE_CHECKING:
    from .._policy.decide import Entry

__all__ = ["EXECUTABLE", "WORKER", "ExecutableRuntime", "WorkerRuntime"]


def _initialize_plugin(entry: Entry, start: StartSettings) -> dict[str, Any]:
    """What ``initialize`` tells the worker of the plugin it is to load."""
    cand = entry.candidate
    plugin: dict[str, Any] = {"name": entry.name}
    if cand is not None and start.python is None:
        dist = cand.dist
        plugin.update(
            entry_point=cand.value,
            distribution=dist.name if dist else None,
            version=dist.version if dist else None,
        )
    elif cand is None and entry.cls is not None:
        module = getattr(entry.cls, "__module__", "")
        plugin["entry_point"] = f"{module}:{getattr(entry.cls, '__qualname__', '')}"
    if start.config is not None:
        plugin["config"] = start.config  # named if the settings do not fit
    return plugin


def start_worker(
    entry: Entry,
    start: StartSettings,
    command: Sequence[str],
    env: dict[str, str] | None = None,
) -> IsolatedPlugin:
    """Start ``command`` as the worker of ``entry``; the handle, its settings checked."""
    plugin = _initialize_plugin(entry, start)
    settings = start.settings

    def spawn() -> WorkerProcess:
        return WorkerProcess(
            entry.name,
            command,
            plugin=plugin,
            settings=settings,
            env=env,
            start_timeout=start.start_timeout,
        )

    handle = IsolatedPlugin(spawn, call_timeout=start.call_timeout)
    try:
        # plughost's worker refuses unfit settings itself; another may not.
        require_fitting_settings(handle.manifest, settings, config=start.config)
    except BaseException:
        handle.close()
        raise
    return handle


class WorkerRuntime:
    """plughost's Python worker, under this interpreter or ``start.python``."""

    name = "worker"

    def start(self, entry: Entry, start: StartSettings, /) -> IsolatedPlugin:
        """Start the worker, hand it the plugin, and wait for its manifest."""
        env = None
        if start.python is not None:
            # This interpreter's search path is not the other one's.
            env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        return start_worker(entry, start, python_worker_command(start.python), env)


class ExecutableRuntime:
    """A program the user named that speaks protocol v1 (``command = [...]``)."""

    name = "executable"

    def start(self, entry: Entry, start: StartSettings, /) -> IsolatedPlugin:
        """Start ``entry.command`` and wait for its manifest."""
        if not entry.command:
            where = f" in {start.config}" if start.config else ""
            raise StartFailure(
                f"plugin {entry.name!r} runs as an executable but names none; set"
                f' command = ["program", "argument"] in [plugins.{entry.name}]{where}',
                plugin=entry.name,
            )
        return start_worker(entry, start, entry.command)


#: The runtimes, as the registry finds them.
WORKER = WorkerRuntime()
EXECUTABLE = ExecutableRuntime()
