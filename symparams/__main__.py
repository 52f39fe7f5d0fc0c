"""``python -m symparams``: the ``symparams`` command."""

import sys

from symparams.cli import main

if __name__ == "__main__":
    sys.exit(main())
