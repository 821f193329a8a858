"""``reopt validate``: markets read and checked without solving them, every problem listed.

For each CSV file it says how the file was read (``offers.csv: read as semicolon-separated
with decimal commas``), so that a file from a spreadsheet in another region is not misread
unnoticed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reopt.cli.common import EXIT_INPUT, EXIT_OPTIMAL, Subparsers, allow_outside_argument
from reopt.data.io import read_scenario
from reopt.errors import InputError

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Subparsers) -> None:
    """Add the ``validate`` subcommand to the subparsers of the ``reopt`` parser."""
    parser = subparsers.add_parser(
        "validate",
        help="check markets' files and list every problem",
        description=(
            "Read and check markets without solving them; prints how each CSV file was read "
            "and every problem found."
        ),
    )
    parser.add_argument("paths", type=Path, nargs="+", metavar="PATH")
    allow_outside_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check each path; the problems of one are printed and the next is still checked.

    Returns `EXIT_OPTIMAL` when every path is valid, else `EXIT_INPUT`.
    """
    code = EXIT_OPTIMAL
    for path in args.paths:
        try:
            _validate(path, args.allow_outside)
        except InputError as err:
            if len(args.paths) == 1:
                raise
            print(f"reopt: {path}: {err}", file=sys.stderr)
            code = EXIT_INPUT
    return code


def _validate(path: Path, allow_outside: bool) -> None:
    """Read one scenario and match its policies to the market; problems raise `InputError`."""
    scenario = read_scenario(path, allow_outside=allow_outside)
    for file, dialect in scenario.dialects.items():
        print(f"{file}: read as {dialect}")
    market = scenario.market
    print(f"{path}: valid. {market}")
    if scenario.china_cap is not None:
        print(f"china_cap: {scenario.china_cap:g}")
    for policy in scenario.policies:
        policy.matches(market)
        print(f"policy: {policy.name}")
