"""``python -m nn``: the command-line demo (see nn/cli.py)."""

import sys

from .cli import main

sys.exit(main())
