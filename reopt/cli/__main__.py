"""``python -m reopt.cli``: the ``reopt`` command."""

import sys

from reopt.cli.app import main

sys.exit(main())
