"""``reopt solve``: a market solved and its plan printed, with ``--ranges`` its sensitivity.

The market is a folder of CSVs, an .xlsx workbook or a .toml scenario; ``--out`` writes the
plan as a CSV (the allocation) or a workbook (every table).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from reopt.cli.common import (
    EXIT_INPUT,
    PLAN_SUFFIXES,
    Subparsers,
    allow_outside_argument,
    china_cap_argument,
    exit_code,
    output_problems,
    outputs_ok,
    solver_arguments,
    solver_options,
    write_output,
)
from reopt.data.io import read_scenario
from reopt.results.plan import Plan
from reopt.results.planning import solve
from reopt.status import Status

__all__ = ["add_parser", "print_ranges", "run"]


def add_parser(subparsers: Subparsers) -> None:
    """Add the ``solve`` subcommand to the subparsers of the ``reopt`` parser."""
    parser = subparsers.add_parser(
        "solve",
        help="solve a market from a CSV folder, .xlsx workbook or .toml scenario",
        description="Solve a market and print the plan. PATH is a folder with offers.csv "
        "and demand.csv (and optionally sources.csv), an .xlsx workbook with sheets of those "
        "names, or a .toml scenario file.",
    )
    parser.add_argument("path", type=Path, metavar="PATH")
    allow_outside_argument(parser)
    china_cap_argument(
        parser,
        "cap China's share of each product (a fraction, e.g. 0.6); "
        "overrides the scenario's china_cap",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the plan: .csv (allocation) or .xlsx (all tables)",
    )
    parser.add_argument(
        "--ranges",
        action="store_true",
        help="also print over what span each shadow price and each offer's price hold",
    )
    solver_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check ``--out``, solve, print the plan (and its ranges), then write ``--out``."""
    if not outputs_ok(output_problems("--out", args.out, PLAN_SUFFIXES)):
        return EXIT_INPUT
    scenario = read_scenario(args.path, allow_outside=args.allow_outside)
    china_cap = args.china_cap if args.china_cap is not None else scenario.china_cap
    plan = solve(
        scenario.market,
        china_cap=china_cap,
        policies=scenario.policies,
        solver=args.solver,
        options=solver_options(args),
    )
    print(plan.summary())
    if args.ranges and plan.is_optimal:
        print_ranges(plan)
    if args.out is not None and plan.status in (Status.OPTIMAL, Status.INFEASIBLE):
        excel = args.out.suffix.lower() == ".xlsx"
        if excel or plan.is_optimal:  # the CSV is the allocation, which only a plan has
            if not write_output("--out", args.out, plan.to_excel if excel else plan.to_csv):
                return EXIT_INPUT
            print(f"\nwrote {args.out}")
    return exit_code(plan)


def print_ranges(plan: Plan) -> None:
    """Print over what span each shadow price and each offer's price hold.

    A MILP (minimum orders) has no ranges; one line says so.
    """
    if plan.lp.is_mip:
        print("\n(no ranges: minimum orders make this a MILP)")
        return
    prices = plan.shadow_price_ranges
    grouped = _grouped_constraints(prices)
    print("\nshadow prices hold while the bound stays within:")
    for _, row in prices.iterrows():
        if row["range_unit"] == "share":
            span = f"{row['valid_from']:.2%} .. {row['valid_to']:.2%}"
        elif row["range_unit"] == "t":
            span = f"{row['valid_from']:,.1f} .. {row['valid_to']:,.1f} t"
        else:
            span = "(not available for a value-basis policy)"
        group = f" [{row['group']}]" if row["constraint"] in grouped else ""
        print(
            f"  {row['constraint']}{group}, {_where(row, prices)}: "
            f"{row['value']:,.0f} {row['unit']}  [{span}]"
        )
    offers = plan.price_ranges
    print("\nthe plan stays optimal while each offer's price stays within (USD/kg):")
    for _, row in offers.iterrows():
        print(
            f"  {row['source']} / {_where(row, offers)}: {row['price_usd_per_kg']:,.4g} "
            f"[{row['price_low_usd_per_kg']:,.4g} .. {row['price_high_usd_per_kg']:,.4g}]"
        )


def _grouped_constraints(prices: pd.DataFrame) -> set[str]:
    """The constraints of a shadow-price table whose rows need their group to tell apart.

    Those are the policies with ``each=`` (one bound per country, kind, ...), and any
    constraint whose rows carry more than one group.
    """
    named = prices[prices["group"] != ""]
    varied = named.groupby("constraint")["group"].nunique()
    grouped = set(varied.index[varied > 1])
    grouped.update(c for c in named["constraint"] if "each=" in c)
    return grouped


def _where(row: pd.Series, table: pd.DataFrame) -> str:
    """A row's product, and its period when the market has periods: ``"Dy oxide 2026"``."""
    period = f" {row['period']}" if "period" in table.columns else ""
    return f"{row['product']}{period}"
