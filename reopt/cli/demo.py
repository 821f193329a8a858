"""``reopt demo``: a bundled dataset solved with and without a China cap, and what the cap costs."""

from __future__ import annotations

import argparse

from reopt import datasets
from reopt.cli.common import EXIT_OPTIMAL, Subparsers, exit_code, share
from reopt.results.planning import solve

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
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the capped plan, then what the cap costs and China's share before and after."""
    market = datasets.load(args.dataset)
    print(f"dataset {args.dataset}: {market}")
    print()
    capped = solve(market, china_cap=args.china_cap)
    print(capped.summary())
    if not capped.is_optimal:
        return exit_code(capped)
    free = solve(market)
    print()
    if free.is_optimal:
        extra = capped.cost_usd - free.cost_usd
        print(
            f"what the {args.china_cap:.0%} cap costs: USD {extra:,.0f} a year more than the "
            f"uncapped plan (USD {free.cost_usd:,.0f}), +{extra / free.cost_usd:.1%}"
        )
        cn_free = free.shares("country").get("CN")
        cn_capped = capped.shares("country").get("CN")
        if cn_free is not None:
            print("China's share of each product, uncapped -> capped:")
            for product in cn_free.index:
                after = 0.0 if cn_capped is None else float(cn_capped.get(product, 0.0))
                print(f"  {product:<14} {cn_free[product]:6.1%} -> {after:6.1%}")
    return EXIT_OPTIMAL
