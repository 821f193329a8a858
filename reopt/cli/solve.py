"""``reopt solve``: a market solved and its plan printed, with ``--ranges`` its sensitivity.

The market is a folder of CSVs, an .xlsx workbook or a .toml scenario. The plan is printed
as `reopt.cli.output` says (``--format``): the headline cost, what the policies cost against
the plan without them, the order sheet, the binding limits. ``--out`` writes the plan as a
CSV (the allocation, rounded to ``--precision`` significant digits) or a workbook (every
table). Output paths are checked before anything is solved.
"""

from __future__ import annotations

import argparse
import math
import sys
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
from reopt.cli.output import (
    cost_of_policies,
    format_argument,
    plan_data,
    print_json,
    records,
    show,
)
from reopt.data.io import read_scenario
from reopt.errors import InputError
from reopt.results.plan import Plan
from reopt.results.planning import solve
from reopt.results.precision import SIGNIFICANT_DIGITS, check_digits
from reopt.results.report import NO_LIMIT, method_sections, number, plan_report, price
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
        "--precision",
        type=_digits,
        default=SIGNIFICANT_DIGITS,
        metavar="N",
        help=f"significant digits of the numbers in a .csv --out (default: {SIGNIFICANT_DIGITS})",
    )
    format_argument(parser)
    parser.add_argument(
        "--ranges",
        action="store_true",
        help="also print over what span each shadow price and each offer's price hold",
    )
    parser.add_argument(
        "--explain-method",
        action="store_true",
        help="also print which method solved each product (and period) and why "
        "(the greedy method where caps nest, else HiGHS; see --solver auto)",
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
    free = None
    if plan.is_optimal and plan.policies:
        free = solve(scenario.market, solver=args.solver, options=solver_options(args))
    label = f"the {china_cap:.0%} cap" if china_cap is not None else "the policies"
    if len(plan.policies) > 1:
        label = "the policies"
    if args.format == "json":
        data = plan_data(plan, ranges=args.ranges)
        if args.explain_method:
            data["methods"] = records(plan.methods)
        if free is not None and free.is_optimal:
            data["uncapped_cost_usd"] = free.cost_usd
            data["cost_of_policies_usd"] = plan.cost_usd - free.cost_usd
        print_json(data)
    else:
        sections = plan_report(plan, "cli")
        sections[1:1] = cost_of_policies(plan, free, label, china=china_cap is not None)
        if args.explain_method:
            sections += method_sections(plan)
        show(sections, args.format)
        if args.ranges and plan.is_optimal:
            print_ranges(plan)
    if args.out is not None and plan.status in (Status.OPTIMAL, Status.INFEASIBLE):
        excel = args.out.suffix.lower() == ".xlsx"
        if excel or plan.is_optimal:  # the CSV is the allocation, which only a plan has

            def write(path: Path) -> None:
                if excel:
                    plan.to_excel(path)
                else:
                    plan.to_csv(path, precision=args.precision)

            if not write_output("--out", args.out, write):
                return EXIT_INPUT
            print(f"\nwrote {args.out}", file=sys.stderr if args.format == "json" else None)
    return exit_code(plan)


def _digits(text: str) -> int:
    """``--precision``: a whole number of significant digits from 1 to 17."""
    try:
        return check_digits(int(text), where="--precision")
    except (ValueError, InputError):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of significant digits from 1 to 17"
        ) from None


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
        low, high = row["valid_from"], row["valid_to"]
        if row["range_unit"] == "share":
            span = f"{_share_end(low)} .. {_share_end(high)}"
        elif row["range_unit"] == "t":
            span = f"{_tonnes_end(low)} .. {_tonnes_end(high)}"
        else:
            span = "(not available for a value-basis policy)"
        group = f" [{row['group']}]" if row["constraint"] in grouped else ""
        print(f"  {row['constraint']}{group}, {_where(row, prices)}: {_price(row)}  [{span}]")
    offers = plan.price_ranges
    print("\nthe plan stays optimal while each offer's price stays within (USD/kg):")
    for _, row in offers.iterrows():
        print(
            f"  {row['source']} / {_where(row, offers)}: {price(row['price_usd_per_kg'])} "
            f"[{price(row['price_low_usd_per_kg'])} .. {price(row['price_high_usd_per_kg'])}]"
        )


def _price(row: pd.Series) -> str:
    """A shadow price with its unit: ``71.76 USD/kg`` or ``379,500 USD/pp``."""
    if pd.notna(row.get("value_usd_per_pp")):
        return f"{row['value_usd_per_pp']:,.0f} USD/pp"
    if pd.notna(row.get("value_usd_per_kg")):
        return f"{price(row['value_usd_per_kg'])} USD/kg"
    others = [c for c in row.index if str(c).startswith("value_") and pd.notna(row[c])]
    return f"{price(row[others[0]])} {row['unit']}" if others else "no price"


def _share_end(value: float) -> str:
    """One end of a share range: ``60.00%``, or ``no limit`` for an infinite end."""
    return NO_LIMIT if math.isinf(value) else f"{value:.2%}"


def _tonnes_end(value: float) -> str:
    """One end of a tonnes range: ``1,234.5 t``, or ``no limit`` for an infinite end."""
    return NO_LIMIT if math.isinf(value) else f"{number(value, 1)} t"


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
