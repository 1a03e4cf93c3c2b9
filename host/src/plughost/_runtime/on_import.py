"""Run a function the moment a module is first imported: how ``logging`` is set up late.

The console script's fast path of ``run`` and the worker import no
``logging`` of their own (with ``threading``, ``traceback`` and ``string``
it is a good part of a start), yet a plugin that logs must be heard exactly
as if logging had been configured first. :func:`when_imported` puts a
finder first in ``sys.meta_path`` that hands out the module's own spec with
a loader that runs the module and then the function, before the importing
code's next statement; every other import passes it by. If the module is
loaded already, the function runs at once.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["ImportHook", "when_imported"]


def when_imported(name: str, then: Callable[[], None]) -> ImportHook:
    """Call ``then`` once module ``name`` is imported (now, if it is already)."""
    hook = ImportHook(name, then)
    if name in sys.modules:
        then()
    else:
        sys.meta_path.insert(0, hook)
    return hook


class ImportHook:
    """A meta path finder for one module, whose loader runs a function after the module."""

    def __init__(self, name: str, then: Callable[[], None]) -> None:
        self.name = name
        self.then = then

    def remove(self) -> None:
        """Stop watching for the module."""
        if self in sys.meta_path:
            sys.meta_path.remove(self)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        """The module's spec from the other finders, with a loader that then calls ``then``."""
        if fullname != self.name:
            return None
        self.remove()
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Then(spec.loader, self.then)
                return spec
        return None


class _Then:
    """A loader that runs the module's own loader, then the function."""

    def __init__(self, loader: Any, then: Callable[[], None]) -> None:
        self.loader = loader
        self.then = then

    def create_module(self, spec: Any) -> Any:
        """The module object, as the real loader makes it."""
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        """Run the module, give it back its own loader, call the function."""
        self.loader.exec_module(module)
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        self.then()
