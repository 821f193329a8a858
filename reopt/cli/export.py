"""``reopt export``: a market's linear program written as an MPS or LP file for other solvers.

Next to the model file goes ``NAME.names.csv``, saying what each column and row name stands
for (`reopt.backends.export.write_model`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reopt.backends.export import FORMATS, write_model
from reopt.cli.common import (
    EXIT_INPUT,
    EXIT_OPTIMAL,
    Subparsers,
    allow_outside_argument,
    china_cap_argument,
)
from reopt.data.io import read_scenario

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Subparsers) -> None:
    """Add the ``export`` subcommand to the subparsers of the ``reopt`` parser."""
    parser = subparsers.add_parser(
        "export",
        help="write a market's model as an MPS or LP file for other solvers",
        description="Compile a market (and its scenario's policies) and write the linear "
        "program as an MPS or LP file, with a NAME.names.csv saying what each column and "
        "row name stands for.",
    )
    parser.add_argument("path", type=Path, metavar="PATH")
    allow_outside_argument(parser)
    parser.add_argument(
        "--format",
        choices=[suffix.lstrip(".") for suffix in FORMATS],
        default=None,
        help="file format (default: from --out's suffix, else mps)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="model file to write (default: model.FORMAT in the current folder)",
    )
    china_cap_argument(
        parser, "cap China's share of each product; overrides the scenario's china_cap"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the model file in the format ``--format`` or ``--out``'s suffix names."""
    fmt = args.format
    if args.out is not None and fmt is not None and args.out.suffix.lower() != f".{fmt}":
        print(f"reopt: --out {args.out} does not end in .{fmt}", file=sys.stderr)
        return EXIT_INPUT
    if fmt is None:
        fmt = args.out.suffix.lower().lstrip(".") if args.out is not None else "mps"
    out = args.out if args.out is not None else Path(f"model.{fmt}")
    scenario = read_scenario(args.path, allow_outside=args.allow_outside)
    china_cap = args.china_cap if args.china_cap is not None else scenario.china_cap
    written = write_model(scenario.market, out, china_cap=china_cap, policies=scenario.policies)
    print(f"wrote {written} and {written}.names.csv")
    return EXIT_OPTIMAL
