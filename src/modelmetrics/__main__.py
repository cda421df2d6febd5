"""``python -m modelmetrics``: the command-line interface."""

import sys

from modelmetrics._cli.main import main

sys.exit(main())
