"""The worker's logging, configured the moment anything in the worker imports ``logging``.

The worker itself logs nothing, so it does not import ``logging`` (with
``threading``, ``traceback``, ``string`` and more, a good part of its start)
before it answers the handshake. A plugin that logs imports the module
first: an import hook (``_runtime.on_import``) configures it as soon as the
module has run, before the plugin's next statement, so its records reach
the host (``_runtime.json_log``) exactly as if the worker had configured
logging before it loaded the plugin.
"""

from __future__ import annotations

from .on_import import when_imported

__all__ = ["configure_logging_on_import"]


def configure_logging_on_import() -> None:
    """Configure the worker's logging now if ``logging`` is loaded already, else when it is."""
    when_imported("logging", _configure)


def _configure() -> None:
    from .json_log import configure

    configure()
