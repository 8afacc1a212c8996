"""``python -m nn``: the command-line demo (see nn/cli.py)."""

import sys

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl-C while Python is still loading: end quietly
    sys.exit(130)

sys.exit(main())
