"""A plugin ready to be called in this process: ``LoadedPlugin``, and what both handles share.

The console script's fast path calls plugins through this module, so it
imports no ``logging``, ``threading`` or ``typing``: only the argument and
result checks of ``_contract.calls``.
"""

from __future__ import annotations

from .._contract.calls import WrongResult, check_arguments, find_command, normalise_result
from .._contract.untrusted import (
    format_traceback,
    is_user_interrupt,
    plugin_code,
    safe_str,
    type_name,
)
from .._errors import CommandError, CommandFailed, PluginUnavailable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from concurrent.futures import Future, ThreadPoolExecutor
    from types import TracebackType
    from typing import Any, Self

    from .._contract.manifest import CommandSpec, Manifest

__all__ = ["Handle", "LoadedPlugin", "checked_result", "closed_error", "command_failed"]


class Handle:
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


def checked_result(manifest: Manifest, spec: CommandSpec, value: Any) -> Any:
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


def closed_error(name: str, distribution: str | None) -> PluginUnavailable:
    return PluginUnavailable(
        f"plugin {name!r} was closed; load it again with Host.load",
        plugin=name,
        distribution=distribution,
        state="closed",
    )


class LoadedPlugin(Handle):
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
        self._pool: ThreadPoolExecutor | None = None

    @property
    def name(self) -> str:
        """The plugin's name."""
        return self.manifest.name

    def call(self, command: str, /, **arguments: Any) -> Any:
        """Call ``command`` with keyword ``arguments`` and return its result."""
        if self._closed:
            raise closed_error(self.name, self.manifest.distribution)
        spec = find_command(self.manifest, command)
        kwargs = check_arguments(self.manifest, spec, arguments)
        return self._run(spec, kwargs)

    def submit(self, command: str, /, **arguments: Any) -> Future[Any]:
        """Start a call to ``command`` on a thread and return at once: a future of its result.

        As for a plugin in a worker, the arguments are checked here (a wrong
        argument raises at once) and the future holds what :meth:`call`
        would have returned or raised. The calls run on up to four threads
        of this handle's own.
        """
        if self._closed:
            raise closed_error(self.name, self.manifest.distribution)
        spec = find_command(self.manifest, command)
        kwargs = check_arguments(self.manifest, spec, arguments)
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(4, thread_name_prefix=f"plughost-{self.name}")
        return self._pool.submit(self._run, spec, kwargs)

    async def acall(self, command: str, /, **arguments: Any) -> Any:
        """Call ``command`` from asyncio, on a thread, without blocking the event loop."""
        import asyncio

        return await asyncio.wrap_future(self.submit(command, **arguments))

    def _run(self, spec: CommandSpec, kwargs: dict[str, Any]) -> Any:
        with plugin_code():
            try:
                value = getattr(self.plugin, self._methods[spec.name])(**kwargs)
            except BaseException as exc:
                if is_user_interrupt(exc):
                    raise
                raise command_failed(self.manifest, spec.name, exc) from exc
            return checked_result(self.manifest, spec, value)

    def close(self) -> None:
        """Release the plugin; idempotent. Submitted calls not started yet are cancelled."""
        self._closed = True
        if self._pool is not None:
            # A call already running cannot be stopped in this process.
            self._pool.shutdown(wait=False, cancel_futures=True)
