"""The bundle's entry point: the same as the ``p2psocial`` console script."""

import sys

from p2psocial.cli import main

if __name__ == "__main__":
    sys.exit(main())
