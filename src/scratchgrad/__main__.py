"""``python -m scratchgrad``: the same as the ``scratchgrad`` command."""

import sys

from .cli import main

sys.exit(main())
