"""``python -m plughost``: the same as the ``plughost`` console script."""

import os
import sys

# `python -m` puts the current directory first on sys.path, where a hostile
# folder could hold plugin metadata or modules; the console script does not.
# plughost itself is imported by now, so the entry can go.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from ._cli.main import console

if __name__ == "__main__":
    sys.exit(console())
