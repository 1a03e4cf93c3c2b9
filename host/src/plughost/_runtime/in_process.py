"""The in-process runtime: import, validate and create the plugin here, call it directly.

The default, and the fastest: nothing crosses a process boundary, and
nothing of the worker client (``subprocess``, threads) is imported.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from .interface import StartFailure, StartSettings
from .loaded import LoadedPlugin
from .loading import Loaded, load_plugin

if TYPE_CHECKING:
    from .._policy.decide import Entry

__all__ = ["RUNTIME", "InProcessRuntime"]

log = logging.getLogger(__name__)


class InProcessRuntime:
    """Runs a plugin in plughost's own process (``runtime = "in-process"``)."""

    name = "in-process"

    def start(self, entry: Entry, start: StartSettings, /) -> LoadedPlugin:
        """Import, validate and instantiate the plugin; :class:`StartFailure` if it cannot."""
        cand = entry.candidate
        dist = cand.dist if cand else None
        began = time.monotonic()
        if cand is not None:
            outcome = load_plugin(
                name=entry.name,
                target=cand.value,
                distribution=dist.name if dist else None,
                version=dist.version if dist else None,
                settings=start.settings,
                config=start.config,
            )
        else:
            outcome = load_plugin(
                name=entry.name, obj=entry.cls, settings=start.settings, config=start.config
            )
        log.debug(
            "plugin %r imported, validated and started in this process in %.1f ms: %s",
            entry.name,
            (time.monotonic() - began) * 1000,
            "ok" if isinstance(outcome, Loaded) else outcome.state.value,
        )
        if not isinstance(outcome, Loaded):
            raise StartFailure(
                outcome.reason,
                plugin=entry.name,
                distribution=dist.name if dist else None,
                state=outcome.state.value,
                problems=outcome.problems,
                manifest=outcome.manifest,
            )
        return LoadedPlugin(outcome.manifest, outcome.instance, outcome.methods)


#: The runtime, as the registry finds it.
RUNTIME = InProcessRuntime()
