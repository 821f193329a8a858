"""``reopt whatif``: cost and China's share as prices, capacities or demand are scaled.

A SPEC is ``[COLUMN:]VALUE=F1,F2,...``: the offers (or the demand) whose COLUMN is VALUE are
scaled by each factor F in turn. In Python: ``reopt.sweep(market, scale_price={COLUMN: VALUE},
factors=[F1, F2, ...], china_cap=...)``, the same names.
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
    china_cap_argument,
    chosen_scenario,
    market_arguments,
    outputs_ok,
    solver_arguments,
    solver_options,
)
from reopt.cli.workers import executor_for, worker_arguments

__all__ = ["add_parser", "run", "what_if"]


def add_parser(subparsers: Subparsers) -> None:
    """Add the ``whatif`` subcommand to the subparsers of the ``reopt`` parser."""
    parser = subparsers.add_parser(
        "whatif",
        help="cost and China's share as prices, capacities or demand change",
        description="Solve a market with the prices or capacities of some offers, or some "
        "demand, multiplied by each factor. SPEC is [COLUMN:]VALUE=F1,F2,...: for prices and "
        "capacities COLUMN is an offers column (default country), e.g. CN=1,1.5,2,3 or "
        "source:lynas_malaysia=0,0.5,1,1.5; for demand COLUMN is product (default), and "
        "VALUE * means every product.",
    )
    market_arguments(parser)
    change = parser.add_mutually_exclusive_group(required=True)
    change.add_argument("--scale-price", type=what_if, metavar="SPEC", help="scale prices")
    change.add_argument("--scale-capacity", type=what_if, metavar="SPEC", help="scale capacities")
    change.add_argument("--scale-demand", type=what_if, metavar="SPEC", help="scale demand")
    china_cap_argument(
        parser, "a China cap held at every point; overrides the scenario's china_cap"
    )
    output_arguments(parser)
    worker_arguments(parser)
    solver_arguments(parser)
    parser.set_defaults(run=run)


def what_if(text: str) -> tuple[str | None, str, list[float]]:
    """A SPEC ``[COLUMN:]VALUE=F1,F2,...`` as ``(COLUMN or None, VALUE, [F1, F2, ...])``.

    Raises
    ------
    argparse.ArgumentTypeError
        When the text is not of that form.
    """
    target, sep, numbers = text.rpartition("=")
    column, colon, value = target.partition(":")
    if not colon:
        column, value = "", target
    try:
        factors = [float(f) for f in numbers.split(",")]
    except ValueError:
        factors = []
    if not sep or not value or not factors:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected [COLUMN:]VALUE=F1,F2,... (e.g. CN=1,1.5,2,3)"
        )
    return (column or None), value, factors


def run(args: argparse.Namespace) -> int:
    """Check the output paths, solve at each factor, print the curve and write its files."""
    if not outputs_ok(output_problems_of(args)):
        return EXIT_INPUT
    scenario = chosen_scenario(args)
    china_cap = args.china_cap if args.china_cap is not None else scenario.china_cap
    if args.scale_demand is not None:
        column, value, factors = args.scale_demand
        where = {} if value == "*" else {column or "product": value}
        kwargs = {"scale_demand": where}
    else:
        name = "scale_price" if args.scale_price is not None else "scale_capacity"
        column, value, factors = getattr(args, name)
        kwargs = {name: {column or "country": value}}
    with executor_for(args) as executor:
        curve = sweep(
            scenario.market,
            factors=factors,
            china_cap=china_cap,
            policies=scenario.policies,
            solver=args.solver,
            options=solver_options(args),
            executor=executor,
            progress=False if args.no_progress else None,
            **kwargs,  # type: ignore[arg-type]
        )
    if not report(curve, args, "factor"):
        return EXIT_INPUT
    return EXIT_OPTIMAL if (curve["status"] == "optimal").any() else EXIT_INFEASIBLE
