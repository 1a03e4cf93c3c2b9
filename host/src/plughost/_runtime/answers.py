"""What the host makes of a worker's answers: to ``initialize``, and to ``call``.

The answer to ``initialize`` must pick a protocol version the host offered
and carry a manifest of the documented shape for the plugin the host asked
for; any other answer becomes one error that says which side to fix. The
answer to a ``call`` becomes its result, or the exception the caller would
have had in process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._contract.manifest import Manifest
from .._errors import (
    ArgumentError,
    CallTimeout,
    CommandFailed,
    PluginUnavailable,
    ProtocolError,
    WorkerError,
    WorkerStartError,
)
from .._plain import frozen
from . import protocol as p

__all__ = ["Accepted", "ErrorFactory", "accept_initialize", "call_result", "initialize_params"]

#: Makes the error of a worker from its kind and what the worker did.
ErrorFactory = Callable[[type[WorkerError], str], WorkerError]


@frozen
class Accepted:
    """A completed handshake."""

    protocol_version: int
    manifest: Manifest
    worker_info: dict[str, Any]


def _data(err: dict[str, Any]) -> dict[str, Any]:
    data = err.get("data")
    return data if isinstance(data, dict) else {}


def initialize_params(
    plugin: Mapping[str, Any], settings: Mapping[str, Any], *, debug: bool
) -> dict[str, Any]:
    """The params of the host's ``initialize`` request."""
    from .. import __version__

    return {
        "protocol_versions": list(p.PROTOCOL_VERSIONS),
        "plugin": dict(plugin),
        "settings": dict(settings),
        "debug": debug,
        "host": {"name": "plughost", "version": str(__version__)},
    }


def accept_initialize(
    name: str, expected: str, response: dict[str, Any], error: ErrorFactory
) -> Accepted:
    """Check the worker's answer to ``initialize``; raise the error it deserves."""
    if "error" in response:
        raise _refusal(name, response["error"], error)
    result = response.get("result")
    if not isinstance(result, dict):
        raise error(WorkerStartError, "answered initialize without a result object")
    version = result.get("protocol_version")
    if type(version) is not int or version not in p.PROTOCOL_VERSIONS:
        raise error(
            WorkerStartError,
            f"chose protocol version {version!r}, which this plughost did not offer"
            f" (it speaks {list(p.PROTOCOL_VERSIONS)}); install releases of plughost"
            " and of the plugin that share a protocol version",
        )
    try:
        manifest = Manifest.from_dict(result.get("manifest"))
    except Exception as exc:
        raise error(WorkerStartError, f"sent a malformed manifest: {exc}") from None
    if manifest.name != expected:
        raise error(
            WorkerStartError,
            f"describes a plugin named {manifest.name!r} instead of {name!r};"
            " a worker must serve the plugin it was started for",
        )
    worker = result.get("worker")
    return Accepted(version, manifest, worker if isinstance(worker, dict) else {})


def _refusal(name: str, err: dict[str, Any], error: ErrorFactory) -> Exception:
    data = _data(err)
    if err.get("code") == p.UNSUPPORTED_VERSION:
        theirs = data.get("supported", "?")
        return error(
            WorkerStartError,
            f"speaks protocol version(s) {theirs}, this plughost speaks"
            f" {list(p.PROTOCOL_VERSIONS)}; install releases of plughost and of the"
            " plugin that share a protocol version",
        )
    if err.get("code") == p.PLUGIN_UNAVAILABLE:
        state = data.get("state")
        state = state if isinstance(state, str) else "broken"
        message = err.get("message")
        reason = message if isinstance(message, str) and message else data.get("reason")
        text = " ".join(str(reason).split())
        if repr(name) not in text:
            text = f"plugin {name!r}: {text}"
        return PluginUnavailable(text, plugin=name, state=state)
    return error(WorkerStartError, f"refused to initialize: {err.get('message')}")


def call_result(
    name: str,
    distribution: str | None,
    command: str,
    response: dict[str, Any],
    error: ErrorFactory,
) -> Any:
    """The result of a call, or the exception its error answer stands for, raised.

    A command's failure carries the worker's traceback in ``details``: the
    command line shows it only with ``--debug``.
    """
    if "result" in response:
        return response["result"]
    err = response["error"]
    code, message = err.get("code"), str(err.get("message", ""))
    data = _data(err)
    if code == p.COMMAND_FAILED:
        details = data.get("traceback")
        raise CommandFailed(
            plugin=name,
            distribution=distribution,
            command=command,
            error_type=str(data.get("type") or "Exception"),
            error_message=str(data.get("message") or message),
            details=details if isinstance(details, str) else None,
            expected=bool(data.get("expected", False)),
        )
    if code == p.INVALID_PARAMS:
        raise ArgumentError(message, plugin=name, distribution=distribution, command=command)
    if code == p.CANCELLED:
        raise CallTimeout(f"plugin {name!r}: the call to {command!r} was cancelled", plugin=name)
    raise error(ProtocolError, f"answered a call with error {code}: {message}")
