"""Plugins ready to be called: in this process, or in a worker.

Both handles have the same face (``manifest``, ``call``, ``close``, a context
manager), the same argument checks before any plugin code runs, and the same
errors, so code and tests run unchanged whichever way a plugin is loaded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from .._contract.calls import WrongResult, check_arguments, find_command, normalise_result
from .._contract.manifest import CommandSpec, Manifest
from .._contract.untrusted import (
    format_traceback,
    is_user_interrupt,
    plugin_code,
    safe_str,
    type_name,
)
from .._errors import CommandError, CommandFailed, PluginUnavailable, WorkerCrashed
from .._policy.config import DEFAULT_CALL_TIMEOUT

if TYPE_CHECKING:
    # The worker client (subprocess, threads) is not needed to run in process.
    from .client import WorkerProcess

__all__ = ["IsolatedPlugin", "LoadedPlugin"]

log = logging.getLogger(__name__)


class _Handle:
    """What both handles share: closing, also as a context manager."""

    def close(self) -> None:
        """Release the plugin; idempotent."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def command_failed(manifest: Manifest, command: str, exc: BaseException) -> CommandFailed:
    """The :class:`CommandFailed` for ``exc``, raised by the command, read without trusting it."""
    name = type_name(exc)
    return CommandFailed(
        plugin=manifest.name,
        distribution=manifest.distribution,
        command=command,
        error_type=name,
        error_message=safe_str(exc, limit=2000) or name,
        expected=issubclass(type(exc), CommandError),
        details=format_traceback(exc),
    )


def _checked_result(manifest: Manifest, spec: CommandSpec, value: Any) -> Any:
    """The result as JSON data, or CommandFailed when it breaks the annotation."""
    try:
        return normalise_result(spec, value)
    except WrongResult as exc:
        raise CommandFailed(
            plugin=manifest.name,
            distribution=manifest.distribution,
            command=spec.name,
            error_type="TypeError",
            error_message=str(exc),
        ) from None


def _closed(name: str, distribution: str | None) -> PluginUnavailable:
    return PluginUnavailable(
        f"plugin {name!r} was closed; load it again with Host.load",
        plugin=name,
        distribution=distribution,
        state="closed",
    )


class LoadedPlugin(_Handle):
    """A plugin ready to be called, made by :meth:`Host.load`.

    Use it as a context manager, or call :meth:`close` when done; calls after
    ``close`` are refused. ``call`` checks the arguments against the manifest
    before any plugin code runs and raises :class:`plughost.CommandFailed`
    when the command raises.
    """

    def __init__(self, manifest: Manifest, plugin: object, methods: Mapping[str, str]) -> None:
        self.manifest = manifest
        self.plugin = plugin
        self._methods = dict(methods)
        self._closed = False

    @property
    def name(self) -> str:
        """The plugin's name."""
        return self.manifest.name

    def call(self, command: str, /, **arguments: Any) -> Any:
        """Call ``command`` with keyword ``arguments`` and return its result."""
        if self._closed:
            raise _closed(self.name, self.manifest.distribution)
        spec = find_command(self.manifest, command)
        kwargs = check_arguments(self.manifest, spec, arguments)
        with plugin_code():
            try:
                value = getattr(self.plugin, self._methods[spec.name])(**kwargs)
            except BaseException as exc:
                if is_user_interrupt(exc):
                    raise
                raise command_failed(self.manifest, spec.name, exc) from exc
            return _checked_result(self.manifest, spec, value)

    def close(self) -> None:
        """Release the plugin; idempotent."""
        self._closed = True


class IsolatedPlugin(_Handle):
    """A plugin running in a worker, used like an in-process one.

    Made by ``Host.load(name, isolated=True)``; a context manager. ``call``
    checks the arguments against the manifest before anything is sent. When
    the worker has crashed, or timed out and could not even answer a ping
    (it was killed then), the next call starts a new one, up to
    ``max_restarts`` times with a growing pause between attempts. ``close``
    ends the worker and everything it started within two seconds.
    """

    def __init__(
        self,
        worker_factory: Callable[[], WorkerProcess],
        *,
        call_timeout: float | None = DEFAULT_CALL_TIMEOUT,
        max_restarts: int = 3,
    ) -> None:
        self._factory = worker_factory
        self._worker: WorkerProcess = worker_factory()
        self.manifest = self._worker.start()
        self.call_timeout = call_timeout
        self.max_restarts = max_restarts
        self.restarts = 0
        self._lock = threading.Lock()
        self._closed = False

    @property
    def name(self) -> str:
        """The plugin's name."""
        return self.manifest.name

    @property
    def worker(self) -> WorkerProcess:
        """The current worker process."""
        return self._worker

    def call(self, command: str, /, **arguments: Any) -> Any:
        """Call ``command`` with keyword ``arguments`` in the worker."""
        return self.call_with_timeout(command, arguments, self.call_timeout)

    def call_with_timeout(
        self, command: str, arguments: Mapping[str, Any], timeout: float | None
    ) -> Any:
        """Like :meth:`call`, with a timeout for this call alone."""
        if self._closed:
            raise _closed(self.name, self.manifest.distribution)
        spec = find_command(self.manifest, command)
        kwargs = check_arguments(self.manifest, spec, arguments)
        worker = self._ensure_worker()
        value = worker.call(spec.name, kwargs, timeout)
        return _checked_result(self.manifest, spec, value)

    def _ensure_worker(self) -> WorkerProcess:
        with self._lock:
            if self._worker.alive:
                return self._worker
            if self.restarts >= self.max_restarts:
                raise WorkerCrashed(
                    f"plugin {self.name!r}: its worker failed and was restarted"
                    f" {self.restarts} time(s) already; not restarting it again (load the"
                    " plugin anew to retry)",
                    plugin=self.name,
                )
            self._worker.close()
            time.sleep(min(0.05 * 2**self.restarts, 2.0))
            self.restarts += 1
            log.warning("restarting the worker of plugin %r (restart %d)", self.name, self.restarts)
            worker: WorkerProcess = self._factory()
            self.manifest = worker.start()
            self._worker = worker
            return worker

    def close(self) -> None:
        """Shut the worker down; idempotent."""
        self._closed = True
        self._worker.close()
