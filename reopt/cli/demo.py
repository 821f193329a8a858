"""``reopt demo``: a bundled dataset solved with and without a China cap, and what the cap costs.

The capped plan is printed as `reopt.cli.output` says (``--format``): the headline cost,
what the cap costs and China's share before and after, the order sheet, the binding limits.
"""

from __future__ import annotations

import argparse

from reopt import datasets
from reopt.cli.common import Subparsers, exit_code, share
from reopt.cli.output import cost_of_policies, format_argument, plan_data, print_json, show
from reopt.results.planning import solve
from reopt.results.report import Lines, plan_report

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Subparsers) -> None:
    """Add the ``demo`` subcommand to the subparsers of the ``reopt`` parser."""
    parser = subparsers.add_parser(
        "demo",
        help="solve the bundled Japan dataset at a 60%% China cap and print the plan",
        description="Solve a bundled dataset with and without a China cap, and show what "
        "the cap costs.",
    )
    parser.add_argument(
        "--dataset",
        default="japan_2025",
        choices=list(datasets.NAMES),
        help="bundled dataset (default: japan_2025)",
    )
    parser.add_argument(
        "--china-cap",
        type=share,
        default=0.6,
        metavar="SHARE",
        help="China's maximum share of each product, a fraction (default: 0.6)",
    )
    format_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the capped plan: its cost, what the cap costs, what to buy, what binds."""
    market = datasets.load(args.dataset)
    capped = solve(market, china_cap=args.china_cap)
    free = solve(market) if capped.is_optimal else None
    if args.format == "json":
        data = {"dataset": args.dataset, "china_cap": args.china_cap, **plan_data(capped)}
        if free is not None and free.is_optimal:
            data["uncapped_cost_usd"] = free.cost_usd
            data["cost_of_cap_usd"] = capped.cost_usd - free.cost_usd
        print_json(data)
        return exit_code(capped)
    sections = plan_report(capped, "cli")
    label = f"the {args.china_cap:.0%} cap"
    sections[1:1] = cost_of_policies(capped, free, label)
    sections.insert(0, Lines("", (f"dataset {args.dataset}: {market}",)))
    show(sections, args.format)
    return exit_code(capped)
