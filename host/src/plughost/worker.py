"""``python -m plughost.worker``: the child process of an isolated plugin.

Started by plughost; see docs/protocol.md. Run by hand it says so and exits.
The host itself starts it as ``python -P -c "from plughost.worker import
run; run()"`` (:func:`plughost._runtime.client.python_worker_command`): the
same worker, without the ``runpy`` and ``importlib.util`` that ``-m`` costs
every start.
"""

import gc
import sys

__all__ = ["run"]


def run() -> None:
    """Run the worker, then exit with its status."""
    # The cyclic garbage collector is off for the worker's own start, its
    # imports included, and on again before the plugin's code runs (see
    # plughost._runtime.server.main).
    gc.disable()
    from ._runtime.server import main

    sys.exit(main())


if __name__ == "__main__":
    run()
