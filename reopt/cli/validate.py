"""``reopt validate``: a market read and checked without solving it, every problem listed."""

from __future__ import annotations

import argparse
from pathlib import Path

from reopt.cli.common import EXIT_OPTIMAL, Subparsers, allow_outside_argument
from reopt.data.io import read_scenario

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Subparsers) -> None:
    """Add the ``validate`` subcommand to the subparsers of the ``reopt`` parser."""
    parser = subparsers.add_parser(
        "validate",
        help="check a market's files and list every problem",
        description="Read and check a market without solving it; prints every problem found.",
    )
    parser.add_argument("path", type=Path, metavar="PATH")
    allow_outside_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Read the scenario and match its policies to the market; problems raise `InputError`."""
    scenario = read_scenario(args.path, allow_outside=args.allow_outside)
    market = scenario.market
    print(f"{args.path}: valid. {market}")
    policies = list(scenario.policies)
    if scenario.china_cap is not None:
        print(f"china_cap: {scenario.china_cap:g}")
    for policy in policies:
        policy.matches(market)
        print(f"policy: {policy.name}")
    return EXIT_OPTIMAL
