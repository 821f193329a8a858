"""``python -m benchmarks``: the same as ``reopt bench`` (see `reopt.bench.cli`)."""

import sys

from reopt.bench.cli import main

sys.exit(main())
