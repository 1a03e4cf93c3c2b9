"""The one exception hierarchy of plughost.

Every exception carries its context (plugin name, distribution) and a message
that says what to do. Only the CLI turns them into ``error: ...`` lines and
exit codes; library users catch them by class.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


__all__ = [
    "ArgumentError",
    "CallTimeout",
    "CommandError",
    "CommandFailed",
    "ManifestError",
    "PlughostError",
    "PluginNotFound",
    "PluginUnavailable",
    "ProtocolError",
    "WorkerCrashed",
    "WorkerError",
    "WorkerStartError",
]


class PlughostError(Exception):
    """The root of every error plughost raises on purpose.

    ``plugin`` and ``distribution`` name what the error is about, when it is
    about a plugin; ``str(error)`` is one readable line that ends with the fix.
    """

    def __init__(
        self,
        message: str,
        *,
        plugin: str | None = None,
        distribution: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.plugin = plugin
        self.distribution = distribution

    def __str__(self) -> str:
        return self.message


class CommandError(PlughostError):
    """Raised by a plugin's command for an expected failure.

    Its message is shown to the user as it is (``error: greeter greet: ...``),
    so write it for the person who ran the command: what was wrong and what
    to do instead. Any other exception a command raises is reported too, but
    prefixed with its type, because it usually means a bug in the plugin.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)


class PluginUnavailable(PlughostError):
    """The plugin exists but cannot be used: it is not in state ``ok``.

    ``state`` is the :class:`plughost.PluginState` value and the message
    holds the reason and the fix.
    """

    def __init__(
        self,
        message: str,
        *,
        plugin: str | None = None,
        distribution: str | None = None,
        state: str = "broken",
    ) -> None:
        super().__init__(message, plugin=plugin, distribution=distribution)
        self.state = state


class PluginNotFound(PluginUnavailable):
    """No plugin of that name is installed; ``suggestions`` holds close names."""

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        hint = (
            f"did you mean {' or '.join(repr(s) for s in suggestions)}?"
            if suggestions
            else "run `plughost list` to see the installed plugins"
        )
        super().__init__(
            f"no plugin named {name!r} is installed; {hint}",
            plugin=name,
            state="missing",
        )
        self.suggestions = tuple(suggestions)


class ArgumentError(PlughostError):
    """The arguments of a call do not fit the command's manifest.

    Raised before any plugin code runs; the message names the command, the
    parameter and what it accepts.
    """

    def __init__(
        self,
        message: str,
        *,
        plugin: str | None = None,
        distribution: str | None = None,
        command: str | None = None,
    ) -> None:
        super().__init__(message, plugin=plugin, distribution=distribution)
        self.command = command


class CommandFailed(PlughostError):
    """A plugin's command raised an exception.

    ``error_type`` is the exception's class name (``CommandError`` for the
    failures a plugin reports on purpose), ``error_message`` its message,
    ``details`` the traceback text when it was kept, and ``expected`` whether
    the plugin raised a :class:`CommandError` (or a subclass) on purpose.
    The same fields arrive whether the plugin ran in this process or in a
    worker.
    """

    def __init__(
        self,
        *,
        plugin: str,
        command: str,
        error_type: str,
        error_message: str,
        distribution: str | None = None,
        details: str | None = None,
        expected: bool | None = None,
    ) -> None:
        if expected is None:
            expected = error_type == "CommandError"
        if expected:
            message = f"{plugin} {command}: {error_message}"
        else:
            message = (
                f"{plugin} {command} failed with {error_type}: {error_message}"
                " (this is a bug in the plugin; run with --debug for the"
                " traceback and report it to its authors)"
            )
        super().__init__(message, plugin=plugin, distribution=distribution)
        self.command = command
        self.error_type = error_type
        self.error_message = error_message
        self.details = details
        self.expected = expected


class ManifestError(PlughostError):
    """A manifest (as JSON data) is not of the documented shape.

    The message names the field by its path, for example
    ``commands[0].params[1].type``.
    """


class WorkerError(PlughostError):
    """An isolated plugin's worker failed: it would not start, crashed, hung or broke the protocol.

    ``exit_status`` is the worker's exit status (negative: the signal that
    killed it) when it has exited, and ``stderr_tail`` the last lines it wrote
    to stderr. The message names the plugin, what happened and those lines.
    """

    def __init__(
        self,
        message: str,
        *,
        plugin: str | None = None,
        distribution: str | None = None,
        exit_status: int | None = None,
        stderr_tail: Sequence[str] = (),
    ) -> None:
        super().__init__(message, plugin=plugin, distribution=distribution)
        self.exit_status = exit_status
        self.stderr_tail = tuple(stderr_tail)


class WorkerStartError(WorkerError):
    """The worker could not be started, or did not complete the handshake."""


class WorkerCrashed(WorkerError):
    """The worker exited (or was killed) while calls were in flight."""


class CallTimeout(WorkerError):
    """A call to an isolated plugin did not finish within its timeout."""


class ProtocolError(WorkerError):
    """The worker sent something that breaks protocol v1."""
