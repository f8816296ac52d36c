"""``python -m p2psocial``: the same as the ``p2psocial`` command."""

import sys

from .cli import main

sys.exit(main())
