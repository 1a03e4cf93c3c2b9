"""The worker's logging, configured the moment anything in the worker imports ``logging``.

The worker itself logs nothing, so it does not import ``logging`` (with
``threading``, ``traceback``, ``string`` and more, a good part of its start)
before it answers the handshake. A plugin that logs imports the module
first: the import hook here configures it as soon as the module has run,
before the plugin's next statement, so its records reach the host
(``_runtime.json_log``) exactly as if the worker had configured logging
before it loaded the plugin.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["configure_logging_on_import"]


def configure_logging_on_import() -> None:
    """Configure the worker's logging now if ``logging`` is loaded already, else when it is."""
    if "logging" in sys.modules:
        _configure()
    else:
        sys.meta_path.insert(0, _LoggingHook())


def _configure() -> None:
    from .json_log import configure

    configure()


class _LoggingHook:
    """A meta path finder that hands out ``logging`` with a loader that configures it."""

    def remove(self) -> None:
        """Stop watching for ``logging``."""
        if self in sys.meta_path:
            sys.meta_path.remove(self)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        """The spec of ``logging`` from the other finders, with a loader that configures it."""
        if fullname != "logging":
            return None
        self.remove()
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Configuring(spec.loader)
                return spec
        return None


class _Configuring:
    """A loader that runs ``logging``'s own loader, then configures the worker's logging."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: Any) -> Any:
        """The module object, as the real loader makes it."""
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        """Run ``logging``, give it back its own loader, configure it."""
        self.loader.exec_module(module)
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        _configure()
