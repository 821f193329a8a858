"""``reopt tune``: the fastest back end and settings on your market, as a ``[solver]`` section.

Runs `reopt.bench.tune.tune` on a market (``PATH`` or ``--dataset``, with a scenario's
policies and ``--china-cap``), prints the ranked table (``--format``) and the winning
settings as TOML, and with ``--out FILE.toml`` writes them for ``reopt solve --solver-file``.
The output path is checked before anything runs.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pandas as pd

from reopt.bench.tune import TuneResult, tune
from reopt.cli.common import (
    EXIT_INPUT,
    EXIT_OPTIMAL,
    EXIT_SOLVER,
    Subparsers,
    china_cap_argument,
    chosen_scenario,
    market_arguments,
    output_problems,
    outputs_ok,
    write_output,
)
from reopt.cli.exits import check_available
from reopt.cli.output import format_argument, print_json, records, show
from reopt.errors import InputError, Problem
from reopt.results.report import Lines, Table

__all__ = ["add_parser", "run"]

_SUFFIXES = (".toml",)


def add_parser(subparsers: Subparsers) -> None:
    """Add the ``tune`` subcommand to the subparsers of the ``reopt`` parser."""
    parser = subparsers.add_parser(
        "tune",
        help="find the fastest back end and settings on your market",
        description="Try every available back end with a grid of settings on a market, drop "
        "those whose answer differs from the others, repeat the promising ones within a time "
        "budget, and print the ranked table and the winning settings as a [solver] section "
        "(reopt solve --solver-file reads it).",
    )
    market_arguments(parser)
    china_cap_argument(parser, "cap China's share (e.g. 0.6 or 60%%; overrides the scenario's)")
    parser.add_argument(
        "--budget",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="time for everything (default: 120)",
    )
    parser.add_argument(
        "--solvers",
        default=None,
        help="comma-separated back ends to try (default: every available one, e.g. highs,cbc)",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, metavar="N", help="runs of each promising setting"
    )
    parser.add_argument(
        "--out", type=Path, default=None, metavar="FILE", help="write the [solver] section (.toml)"
    )
    format_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Tune, print the table and the section, write ``--out``; returns the exit code.

    Returns
    -------
    int
        0 when a setting is recommended, 3 (`EXIT_SOLVER`) when none agreed, 2 when
        ``--out`` cannot be written.
    """
    if not outputs_ok(output_problems("--out", args.out, _SUFFIXES)):
        return EXIT_INPUT
    solvers = None
    if args.solvers is not None:
        solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
        if not solvers:
            raise InputError(
                [Problem("options", "reopt tune", "--solvers", args.solvers, "names no solver")]
            )
        check_available(solvers)
    scenario = chosen_scenario(args)
    result = tune(
        scenario.market,
        china_cap=args.china_cap if args.china_cap is not None else scenario.china_cap,
        policies=scenario.policies,
        solvers=solvers,
        budget_s=args.budget,
        repeats=args.repeats,
    )
    toml = result.to_toml() if result.best is not None else ""
    if args.format == "json":
        print_json(
            {
                "best": None if result.best is None else toml,
                "reference": result.reference,
                "budget_s": result.budget_s,
                "elapsed_s": result.elapsed_s,
                "notes": list(result.notes),
                "table": records(result.table.astype(object).where(result.table.notna(), None)),
            }
        )
    else:
        show(_sections(result, toml), args.format)
    if result.best is None:
        return EXIT_SOLVER
    if args.out is not None:
        if not write_output("--out", args.out, lambda path: path.write_text(toml, "utf-8")):
            return EXIT_INPUT
        print(f"wrote {args.out}", file=sys.stderr if args.format == "json" else None)
    return EXIT_OPTIMAL


def _sections(result: TuneResult, toml: str) -> list[Lines | Table]:
    header = ("rank", "solver", "options", "median s", "min s", "runs", "status", "dropped")
    rows = tuple(
        (
            "" if pd.isna(row.rank) else str(row.rank),
            str(row.solver),
            str(row.options),
            _seconds(row.median_s),
            _seconds(row.min_s),
            str(row.runs),
            str(row.status),
            str(row.dropped),
        )
        for row in result.table.itertuples()
    )
    numeric = (True, False, False, True, True, True, False, False)
    head = (
        f"{len(result.table)} candidates in {result.elapsed_s:.1f} s of a {result.budget_s:g} s "
        f"budget; answer: {result.reference or 'none agreed'}",
        *result.notes,
    )
    sections: list[Lines | Table] = [Lines("reopt tune", head), Table("", header, rows, numeric)]
    if toml:
        sections.append(Lines("winning settings", tuple(toml.rstrip("\n").splitlines())))
    return sections


def _seconds(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.4g}"
