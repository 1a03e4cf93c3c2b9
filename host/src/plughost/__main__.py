"""``python -m plughost``: the same as the ``plughost`` console script."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
