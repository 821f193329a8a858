"""``reopt bench``: the benchmarks of `reopt.bench`, on your own market or the generated suite.

The options and what they run belong to `reopt.bench.cli`; this module makes them an
ordinary subcommand of the one ``reopt`` parser, whose `reopt.cli.app.main` runs it and
turns its errors into exit codes like every other subcommand's.
"""

from __future__ import annotations

import argparse

from reopt.bench import cli as bench_cli
from reopt.cli.common import Subparsers

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Subparsers) -> None:
    """Add the ``bench`` subcommand to the subparsers of the ``reopt`` parser."""
    parser = subparsers.add_parser(
        "bench",
        help="benchmark back ends and HiGHS settings (see reopt bench --help)",
        description=bench_cli.DESCRIPTION,
    )
    bench_cli.add_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run what the ``bench`` options ask for; returns the exit code."""
    return bench_cli.run(args)
