"""``python -m gidr_xl``: the same command line as ``gidr``."""

import sys

from gidr_xl.cli import main

sys.exit(main())
