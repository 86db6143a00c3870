"""``python -m keyturn``: the same command line as ``keyturn``."""

import sys

from keyturn.cli import main

sys.exit(main())
