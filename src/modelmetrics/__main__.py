"""``python -m modelmetrics``: the command-line interface."""

import sys

from modelmetrics._cli import main

sys.exit(main())
