"""``reopt export``: a market's linear program written as an MPS or LP file for other solvers.

Next to the model file goes ``NAME.names.csv``, saying what each column and row name stands
for (`reopt.backends.export.write_model`). An existing file is never replaced without
``--force``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from reopt.backends.export import FORMATS, write_model
from reopt.cli.common import (
    EXIT_INPUT,
    EXIT_OPTIMAL,
    Subparsers,
    allow_outside_argument,
    china_cap_argument,
    output_problems,
    outputs_ok,
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
        "row name stands for. An existing file is kept unless --force is given.",
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
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace the model file and its .names.csv if they exist",
    )
    china_cap_argument(
        parser, "cap China's share of each product; overrides the scenario's china_cap"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the model file in the format ``--format`` or ``--out``'s suffix names."""
    fmt = args.format
    if args.out is not None and fmt is not None and args.out.suffix.lower() != f".{fmt}":
        return _refused(f"--out {args.out} does not end in .{fmt}")
    if fmt is None:
        fmt = args.out.suffix.lower().lstrip(".") if args.out is not None else "mps"
    out = args.out if args.out is not None else Path(f"model.{fmt}")
    flag = "--out" if args.out is not None else "model file"
    problems = output_problems(flag, out, tuple(FORMATS))
    if not args.force:
        problems += [
            f"{flag} {existing}: exists (give --force to replace it, or another --out)"
            for existing in (out, Path(f"{out}.names.csv"))
            if existing.exists() and not existing.is_dir()
        ]
    if not outputs_ok(problems):
        return EXIT_INPUT
    scenario = read_scenario(args.path, allow_outside=args.allow_outside)
    china_cap = args.china_cap if args.china_cap is not None else scenario.china_cap
    written = write_model(scenario.market, out, china_cap=china_cap, policies=scenario.policies)
    print(f"wrote {written} and {written}.names.csv")
    return EXIT_OPTIMAL


def _refused(message: str) -> int:
    outputs_ok([message])
    return EXIT_INPUT
