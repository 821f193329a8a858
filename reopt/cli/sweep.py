"""``reopt sweep``: the cost of the cheapest plan along a range of China caps (the frontier).

Besides the caps given, the exact breakpoints of the cost curve and the minimum feasible cap
are added unless ``--grid-only`` is given. In Python: ``reopt.sweep(market, china_cap=[...],
exact=not grid_only)``.
"""

from __future__ import annotations

import argparse

from reopt.analysis import sweep
from reopt.cli.analysis import output_arguments, output_problems_of, report
from reopt.cli.common import (
    EXIT_INFEASIBLE,
    EXIT_INPUT,
    EXIT_OPTIMAL,
    Subparsers,
    chosen_scenario,
    market_arguments,
    outputs_ok,
    share_range,
    solver_arguments,
    solver_options,
)
from reopt.cli.workers import executor_for, worker_arguments

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Subparsers) -> None:
    """Add the ``sweep`` subcommand to the subparsers of the ``reopt`` parser."""
    parser = subparsers.add_parser(
        "sweep",
        help="cost of the cheapest plan along a range of China caps (the frontier)",
        description="Solve a market at each China cap of a range, and add the exact "
        "breakpoints of the cost curve and the minimum feasible cap. PATH is a market "
        "(folder, .xlsx, .toml) or, with --dataset, omitted.",
    )
    market_arguments(parser)
    parser.add_argument(
        "--china-cap",
        type=share_range,
        default=share_range("0:1:0.05"),
        metavar="START:STOP:STEP",
        help="caps to solve at, e.g. 0.2:0.95:0.05, 20%%:95%%:5%% or 0.5,0.6 "
        "(inclusive; default 0:1:0.05)",
    )
    parser.add_argument(
        "--grid-only",
        action="store_true",
        help="solve the caps given, without the exact breakpoints and minimum feasible cap",
    )
    output_arguments(parser)
    worker_arguments(parser)
    solver_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check the output paths, sweep the caps, print the curve and write its files."""
    if not outputs_ok(output_problems_of(args)):
        return EXIT_INPUT
    scenario = chosen_scenario(args)
    with executor_for(args) as executor:
        curve = sweep(
            scenario.market,
            china_cap=args.china_cap,
            policies=scenario.policies,
            solver=args.solver,
            options=solver_options(args),
            executor=executor,
            progress=False if args.no_progress else None,
            exact=not args.grid_only,
        )
    if not report(curve, args, "china_cap"):
        return EXIT_INPUT
    return EXIT_OPTIMAL if (curve["status"] == "optimal").any() else EXIT_INFEASIBLE
