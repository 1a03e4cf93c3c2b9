"""Plugins ready to be called: in this process (``_runtime.loaded``), or in a worker.

Both handles have the same face (``manifest``, ``call``, ``submit``,
``acall``, ``close``, a context manager), the same argument checks before
any plugin code runs, and the same errors, so code and tests run unchanged
whichever way a plugin is loaded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._contract.calls import check_arguments, find_command
from .._errors import WorkerCrashed
from .._policy.config import DEFAULT_CALL_TIMEOUT
from .loaded import Handle, LoadedPlugin, checked_result, closed_error

if TYPE_CHECKING:
    from concurrent.futures import Future

    # The worker client (subprocess, threads) is not needed to run in process.
    from .client import WorkerProcess

__all__ = ["IsolatedPlugin", "LoadedPlugin"]

log = logging.getLogger(__name__)


class IsolatedPlugin(Handle):
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
            raise closed_error(self.name, self.manifest.distribution)
        spec = find_command(self.manifest, command)
        kwargs = check_arguments(self.manifest, spec, arguments)
        worker = self._ensure_worker()
        value = worker.call(spec.name, kwargs, timeout)
        return checked_result(self.manifest, spec, value)

    def submit(self, command: str, /, **arguments: Any) -> Future[Any]:
        """Send a call to ``command`` and return at once: a future of its result.

        Many calls may be in flight on one worker; the arguments are checked
        before anything is sent (a wrong argument raises here), and the
        future holds what :meth:`call` would have returned or raised. Its
        timeout is :attr:`call_timeout`, from the moment it is sent.
        """
        if self._closed:
            raise closed_error(self.name, self.manifest.distribution)
        spec = find_command(self.manifest, command)
        kwargs = check_arguments(self.manifest, spec, arguments)
        worker = self._ensure_worker()
        manifest = self.manifest
        return worker.submit(
            spec.name,
            kwargs,
            self.call_timeout,
            lambda value: checked_result(manifest, spec, value),
        )

    async def acall(self, command: str, /, **arguments: Any) -> Any:
        """Call ``command`` from asyncio: ``await plugin.acall("greet", name="Ada")``.

        The event loop is not blocked while the worker runs the call.
        """
        import asyncio

        return await asyncio.wrap_future(self.submit(command, **arguments))

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
