"""``python -m plughost.worker``: the child process of an isolated plugin.

Started by plughost; see docs/protocol.md. Run by hand it says so and exits.
"""

import sys

from ._runtime.server import main

if __name__ == "__main__":
    sys.exit(main())
