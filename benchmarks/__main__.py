"""``python -m benchmarks``: the benchmark suite (see `reopt.bench.runner`)."""

import sys

from reopt.bench.runner import main

sys.exit(main())
