"""``reopt scenarios``: contracts planned against disruption scenarios, and what they buy.

The market is PATH (a folder, workbook or .toml file, as for ``reopt solve``) or a bundled
``--dataset``; the scenario set is ``--scenarios SET`` (a folder of ``scenarios.csv``,
``changes.csv``, ``lost_supply.csv``, a workbook with those sheets, or a .toml file), else the
one PATH holds (a .toml file may hold the market, the scenario set and ``[risk]`` with
``alpha`` and ``weight``), else the bundled set made for ``--dataset``. ``--cvar 0.95:0.5``
sets the risk term. Printed: the first-stage plan (the contracts to sign), the table of
scenarios, the expected cost, VaR and CVaR, shortage per product, and VSS and EVPI; for a
market with a stock table also the planned stock and each scenario's stock and draws.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from reopt import datasets
from reopt.cli.common import (
    EXIT_INPUT,
    Subparsers,
    china_cap_argument,
    chosen_scenario,
    exit_code,
    market_arguments,
    output_problems,
    outputs_ok,
    solver_arguments,
    solver_options,
    write_output,
)
from reopt.cli.output import format_argument, print_json, records, show
from reopt.data.scenario_files import read_scenarios
from reopt.data.scenarios import ScenarioSet
from reopt.data.tomlfiles import read_toml
from reopt.data.writing import Sheet, write_workbook
from reopt.errors import InputError, Problem
from reopt.model.risk import CVaR
from reopt.results.planning import solve
from reopt.results.report import Lines, Table, money, number, percent, plan_report
from reopt.results.scenario_plan import ScenarioPlan

__all__ = ["add_parser", "run"]

#: The bundled scenario set made for each bundled dataset.
_PAIRED = {"japan_2025": "japan_2025_scenarios", "japan_2010": "japan_2010_scenarios"}


def add_parser(subparsers: Subparsers) -> None:
    """Add the ``scenarios`` subcommand to the subparsers of the ``reopt`` parser."""
    parser = subparsers.add_parser(
        "scenarios",
        help="contracts planned against disruption scenarios, with VSS and EVPI",
        description="Plan contracts against disruption scenarios (two-stage, optionally "
        "with CVaR) and print the contracts, each scenario's cost and shortage, and what "
        "planning for the scenarios is worth (VSS, EVPI).",
    )
    market_arguments(parser)
    parser.add_argument(
        "--scenarios",
        type=Path,
        default=None,
        metavar="SET",
        help="the scenario set: a folder of CSVs, an .xlsx workbook or a .toml file",
    )
    parser.add_argument(
        "--cvar",
        type=_cvar,
        default=None,
        metavar="ALPHA:WEIGHT",
        help="minimise (1-WEIGHT) E[cost] + WEIGHT CVaR_ALPHA(cost), e.g. 0.95:0.5",
    )
    china_cap_argument(parser, "cap China's share of each product's contracts (0.6 or 60%%)")
    parser.add_argument(
        "--out", type=Path, default=None, metavar="FILE", help="write the results: .xlsx"
    )
    format_argument(parser)
    solver_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check ``--out``, read market and scenarios, solve, print, then write ``--out``."""
    if not outputs_ok(output_problems("--out", args.out, (".xlsx",))):
        return EXIT_INPUT
    market = chosen_scenario(args)
    scenarios = _scenario_set(args)
    risk = args.cvar if args.cvar is not None else _toml_risk(args.path)
    china_cap = args.china_cap if args.china_cap is not None else market.china_cap
    plan = solve(
        market.market,
        china_cap=china_cap,
        policies=market.policies,
        scenarios=scenarios,
        risk=risk,
        solver=args.solver,
        options=solver_options(args),
    )
    assert isinstance(plan, ScenarioPlan)
    if args.format == "json":
        print_json(_data(plan))
    else:
        show([*plan_report(plan, "cli"), *_risk_sections(plan)], args.format)
    if args.out is not None and plan.is_optimal:

        def write(path: Path) -> None:
            write_workbook(path, _sheets(plan))

        if not write_output("--out", args.out, write):
            return EXIT_INPUT
        print(f"\nwrote {args.out}", file=sys.stderr if args.format == "json" else None)
    return exit_code(plan)


def _scenario_set(args: argparse.Namespace) -> ScenarioSet:
    """``--scenarios``, else the set PATH holds, else the bundled set of ``--dataset``."""
    if args.scenarios is not None:
        return read_scenarios(args.scenarios, allow_outside=args.allow_outside)
    if args.path is not None:
        return read_scenarios(args.path, allow_outside=args.allow_outside)
    if args.dataset in _PAIRED:
        return datasets.load_scenarios(_PAIRED[args.dataset])
    raise InputError(
        [
            Problem(
                "options",
                "command line",
                "--scenarios",
                None,
                f"the dataset {args.dataset!r} has no bundled scenario set",
                "give --scenarios SET",
            )
        ]
    )


def _toml_risk(path: Path | None) -> CVaR | None:
    """``[risk]`` (``alpha``, ``weight``) of a .toml PATH, if it has one."""
    if path is None or path.suffix.lower() != ".toml" or not path.is_file():
        return None
    risk = read_toml(path).get("risk")
    if risk is None:
        return None
    if not isinstance(risk, dict) or set(risk) - {"alpha", "weight"}:
        rule = "expected [risk] with alpha and weight"
        hint = "e.g. [risk]\nalpha = 0.95\nweight = 0.5"
        raise InputError([Problem("file", str(path), "risk", risk, rule, hint)])
    return CVaR(alpha=risk.get("alpha", 0.95), weight=risk.get("weight", 1.0))


def _cvar(text: str) -> CVaR:
    """``--cvar ALPHA:WEIGHT`` (or ``ALPHA`` alone, weight 1)."""
    alpha, _, weight = text.partition(":")
    try:
        return CVaR(alpha=float(alpha), weight=float(weight) if weight else 1.0)
    except (ValueError, InputError):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not ALPHA:WEIGHT with ALPHA in [0, 1) and WEIGHT in [0, 1], e.g. 0.95:0.5"
        ) from None


def _risk_sections(plan: ScenarioPlan) -> list[Lines | Table]:
    if not plan.is_optimal:
        return []
    table = plan.scenarios
    rows: tuple[tuple[str, ...], ...] = tuple(
        (
            str(r.scenario),
            percent(r.probability),
            money(r.cost_usd),
            number(r.spot_t),
            number(r.shortage_t),
        )
        for r in table.itertuples()
    )
    header: tuple[str, ...] = ("scenario", "probability", "cost (USD)", "spot (t)", "shortage (t)")
    if "stock_drawn_t" in table.columns:
        header = (*header, "stock drawn (t)")
        drawn = table["stock_drawn_t"].to_numpy()
        rows = tuple((*row, number(d)) for row, d in zip(rows, drawn, strict=True))
    short = plan.shortage
    short_rows = tuple(
        (str(r.product), number(r.expected_shortage_t), number(r.worst_shortage_t))
        for r in short.itertuples()
    )
    figures = [
        f"expected cost: USD {money(plan.expected_cost_usd)}",
        f"VaR {plan.alpha:.0%}: USD {money(plan.var_usd)}; "
        f"CVaR {plan.alpha:.0%}: USD {money(plan.cvar_usd)}",
        "VSS (what planning for the scenarios saves over planning for the average one): "
        + _usd(plan.vss_usd),
        "EVPI (what knowing the scenario in advance would be worth): " + _usd(plan.evpi_usd),
        *(f"note: {note}" for note in plan.risk_notes),
    ]
    return [
        *_stock_sections(plan),
        Table("scenarios:", header, rows, (False,) + (True,) * (len(header) - 1)),
        Table(
            "shortage per product:",
            ("product", "expected (t)", "worst (t)"),
            short_rows,
            (False, True, True),
        ),
        Lines("", tuple(figures)),
    ]


def _stock_sections(plan: ScenarioPlan) -> list[Lines | Table]:
    """The planned stock per product and period, then each scenario's stock and draws."""
    held = plan.scenario_stock
    if held.empty:
        return []
    keys = ["product", "period"] if "period" in held.columns else ["product"]
    planned = plan.stock
    plan_rows = tuple(
        (*(str(r[k]) for k in keys), number(r["stock_t"]), number(r["floor_t"]))
        for _, r in planned.iterrows()
    )
    scenario_rows = tuple(
        (
            str(r["scenario"]),
            *(str(r[k]) for k in keys),
            number(r["stock_t"]),
            number(r["drawn_t"]),
            number(r["below_floor_t"]),
        )
        for _, r in held.iterrows()
    )
    return [
        Table(
            "planned stock (end of period):",
            (*keys, "stock (t)", "floor (t)"),
            plan_rows,
            (False,) * len(keys) + (True, True),
        ),
        Table(
            "stock by scenario (end of period):",
            ("scenario", *keys, "stock (t)", "drawn (t)", "below floor (t)"),
            scenario_rows,
            (False,) * (1 + len(keys)) + (True, True, True),
        ),
    ]


def _usd(value: float) -> str:
    """USD, or "infinite" (VSS when the average scenario's plan fails in some scenario)."""
    return "infinite" if value == float("inf") else f"USD {money(value)}"


def _data(plan: ScenarioPlan) -> dict[str, Any]:
    data: dict[str, Any] = {"status": plan.status.value}
    if not plan.is_optimal:
        return data | {"explanation": plan.explain("cli")}
    return data | {
        "expected_cost_usd": plan.expected_cost_usd,
        "var_usd": plan.var_usd,
        "cvar_usd": plan.cvar_usd,
        "alpha": plan.alpha,
        "vss_usd": plan.vss_usd,
        "evpi_usd": plan.evpi_usd,
        "contracts": records(plan.orders),
        "scenarios": records(plan.scenarios),
        "shortage": records(plan.shortage),
        "stock": records(plan.stock),
        "scenario_stock": records(plan.scenario_stock),
    }


def _sheets(plan: ScenarioPlan) -> list[Sheet]:
    figures = pd.DataFrame(
        {
            "figure": ["expected cost", "VaR", "CVaR", "VSS", "EVPI"],
            "value_usd": [
                plan.expected_cost_usd,
                plan.var_usd,
                plan.cvar_usd,
                plan.vss_usd,
                plan.evpi_usd,
            ],
        }
    )
    return [
        Sheet("Risk", figures, number_formats=(("value_usd", "#,##0"),), laid_out=True),
        Sheet("Contracts", plan.orders, laid_out=True),
        Sheet("Scenarios", plan.scenarios, laid_out=True),
        Sheet("Scenario products", plan.scenario_products, laid_out=True),
        Sheet("Shortage", plan.shortage, laid_out=True),
        *(
            [
                Sheet("Stock", plan.stock, laid_out=True),
                Sheet("Scenario stock", plan.scenario_stock, laid_out=True),
            ]
            if not plan.scenario_stock.empty
            else []
        ),
    ]
