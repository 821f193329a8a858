"""``reopt datasets``: the bundled datasets listed, or one copied out as a template."""

from __future__ import annotations

import argparse

from reopt import datasets
from reopt.cli.common import EXIT_OPTIMAL, Subparsers

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Subparsers) -> None:
    """Add the ``datasets`` subcommand to the subparsers of the ``reopt`` parser."""
    parser = subparsers.add_parser(
        "datasets",
        help="list the bundled datasets, or export one as a template",
        description="Without arguments, list the bundled datasets. With --export NAME DIR, "
        "copy a dataset's CSVs and README into DIR as a template for your own data.",
    )
    parser.add_argument(
        "--export", nargs=2, metavar=("NAME", "DIR"), help="copy dataset NAME into folder DIR"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """List the datasets, or with ``--export NAME DIR`` copy one into ``DIR``."""
    if args.export:
        name, folder = args.export
        out = datasets.export(name, folder)
        print(f"exported {name} to {out}: " + ", ".join(sorted(p.name for p in out.iterdir())))
        print(f"edit the CSVs, then: reopt solve {out} --china-cap 0.6")
        return EXIT_OPTIMAL
    table = datasets.available()
    for row in table.itertuples():
        print(f"{row.name:<12} {row.offers:>3} offers, {row.products} products  {row.description}")
    return EXIT_OPTIMAL
