"""Risk curves: many two-stage solves along one setting, as tables.

`risk_frontier` solves a scenario model for each weight of CVaR in the objective and gives the
expected cost against the tail cost (CVaR) of each plan: how much expected cost each step of
protection from the worst scenarios costs. `cap_risk_curve` does the same along a China cap,
so that what a cap buys in tail risk can be set beside what it costs, and
`stock_risk_curve` along a stockpile held in days of demand: what the stock buys.

Each point is an independent `reopt.solve` of the two-stage model (`reopt.model.two_stage`),
checked like any plan; with ``executor=`` (any `concurrent.futures.Executor`, or a Dask
client; `reopt.analysis.executors`) the points are solved there, and the table is the same,
in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from reopt.analysis.executors import as_executor, results_in_order
from reopt.analysis.whatif import sweep_values
from reopt.data.market import Market
from reopt.data.stock import DAYS_PER_PERIOD
from reopt.errors import InputError, Problem
from reopt.model.policy import Policy
from reopt.model.risk import CVaR
from reopt.options import DEFAULT_SOLVER, SolverOptions
from reopt.progress import Progress
from reopt.results.planning import solve
from reopt.results.scenario_plan import ScenarioPlan
from reopt.status import Status

__all__ = ["cap_risk_curve", "risk_frontier", "stock_risk_curve"]

#: The columns every row of a risk curve has, after the swept setting: the plan's status, its
#: expected cost, VaR and CVaR (USD), the expected tonnes short summed over products, and the
#: largest China share of any product's contracts.
RISK_COLUMNS = (
    "status",
    "expected_cost_usd",
    "var_usd",
    "cvar_usd",
    "expected_shortage_t",
    "china_share",
)


def risk_frontier(
    market: Market,
    scenarios: Any,
    *,
    weights: Iterable[float],
    alpha: float = 0.95,
    china_cap: float | str | None = None,
    policies: Iterable[Policy] = (),
    solver: str | Any = DEFAULT_SOLVER,
    options: SolverOptions | None = None,
    executor: Any = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Expected cost against CVaR, one row per weight of CVaR in the objective.

    Each row is the plan minimising ``(1 - w) E[cost] + w CVaR_alpha(cost)`` for one weight
    ``w`` (`reopt.CVaR`). As ``w`` rises, CVaR never rises and the expected cost never falls.

    Parameters
    ----------
    market : Market
    scenarios : ScenarioSet
        The disruption scenarios (`reopt.data.scenarios.ScenarioSet`).
    weights : iterable of float
        Weights in [0, 1].
    alpha : float, default 0.95
        The CVaR level, in [0, 1).
    china_cap, policies, solver, options
        As for `reopt.solve`.
    executor : concurrent.futures.Executor or distributed.Client, optional
        Solve the points there (same table, same order): a `reopt.process_executor`, a Dask
        client or any executor; a worker that dies is a `SolverError` naming the point.
    progress : bool, optional
        Show a progress bar (default: only when someone is watching).

    Returns
    -------
    DataFrame
        ``weight``, ``alpha``, then `RISK_COLUMNS`; ``attrs["parameter"] = "weight"``.
    """
    values = _numbers(weights, "weights", low=0.0, high=1.0)
    executor = as_executor(executor)
    points = [
        {"china_cap": china_cap, "risk": CVaR(alpha=alpha, weight=w), "policies": tuple(policies)}
        for w in values
    ]
    names = [f"the point weight={w:g}" for w in values]
    rows = _solve_all(market, scenarios, points, names, solver, options, executor, progress)
    table = pd.DataFrame({"weight": values, "alpha": float(alpha)})
    return _with_results(table, rows, "weight")


def cap_risk_curve(
    market: Market,
    scenarios: Any,
    *,
    china_cap: Iterable[float | str],
    risk: CVaR | None = None,
    policies: Iterable[Policy] = (),
    solver: str | Any = DEFAULT_SOLVER,
    options: SolverOptions | None = None,
    executor: Any = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """The scenario model along a China cap: expected cost, VaR and CVaR of each cap's plan.

    Parameters
    ----------
    market : Market
    scenarios : ScenarioSet
    china_cap : iterable of share
        Caps, each as `reopt.solve` takes one (``0.6`` or ``"60%"``).
    risk : CVaR, optional
        The objective's risk term (None: expected cost only; CVaR is still reported).
    policies, solver, options, executor, progress
        As for `risk_frontier`.

    Returns
    -------
    DataFrame
        ``china_cap``, then `RISK_COLUMNS`; ``attrs["parameter"] = "china_cap"``.
    """
    given = [china_cap] if isinstance(china_cap, (str, int, float)) else china_cap
    caps = list(sweep_values(given, "china_cap", caller="cap_risk_curve()"))
    executor = as_executor(executor)
    points = [{"china_cap": cap, "risk": risk, "policies": tuple(policies)} for cap in caps]
    names = [f"the point china_cap={cap:g}" for cap in caps]
    rows = _solve_all(market, scenarios, points, names, solver, options, executor, progress)
    return _with_results(pd.DataFrame({"china_cap": caps}), rows, "china_cap")


def stock_risk_curve(
    market: Market,
    scenarios: Any,
    *,
    days: Iterable[float],
    products: Iterable[str] | None = None,
    holding_usd_per_kg: float | Mapping[str, float] = 0.0,
    risk: CVaR | None = None,
    china_cap: float | str | None = None,
    policies: Iterable[Policy] = (),
    solver: str | Any = DEFAULT_SOLVER,
    options: SolverOptions | None = None,
    executor: Any = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """The scenario model along a stockpile: what ``d`` days of demand in stock buy.

    For each level ``d`` the market gets a stock table: for each of ``products`` (default:
    every demanded product) ``d`` days of its first period's demand in stock at the start
    (``initial_t``) and as the strategic floor (``min_days = d``) that the plan keeps and a
    disruption may draw (docs/risk.md), held at ``holding_usd_per_kg`` per period (the
    stockpile's carrying cost: what it costs when nothing happens). Rows of the market's own
    stock table for other products are kept.

    Parameters
    ----------
    market : Market
    scenarios : ScenarioSet
    days : iterable of float
        Levels in days of demand (periods are years: ``d / 365`` of a period's demand).
    products : iterable of str, optional
        The products stocked (default: every demanded product).
    holding_usd_per_kg : float or mapping of product to float, default 0
        Holding cost per kg and period.
    risk, china_cap, policies, solver, options, executor, progress
        As for `cap_risk_curve` (``china_cap``: one cap for every level).

    Returns
    -------
    DataFrame
        ``stock_days``, ``stock_t`` (tonnes in stock at the start, all products), then
        `RISK_COLUMNS`; ``attrs["parameter"] = "stock_days"``.
    """
    levels = _numbers(days, "days", low=0.0, high=DAYS_PER_PERIOD * 100, where="stock_risk_curve()")
    tables = [_stock_table(market, d, products, holding_usd_per_kg) for d in levels]
    executor = as_executor(executor)
    points = [
        {"china_cap": china_cap, "risk": risk, "policies": tuple(policies), "stock": table}
        for table in tables
    ]
    names = [f"the point stock_days={d:g}" for d in levels]
    rows = _solve_all(market, scenarios, points, names, solver, options, executor, progress)
    held = [float(t["initial_t"].sum()) for t in tables]
    table = pd.DataFrame({"stock_days": levels, "stock_t": held})
    return _with_results(table, rows, "stock_days")


def _stock_table(
    market: Market,
    days: float,
    products: Iterable[str] | None,
    holding: float | Mapping[str, float],
) -> pd.DataFrame:
    """The stock table of one level: ``days`` of demand in hand and as the floor."""
    demand = market.demand
    demanded = [str(p) for p in pd.unique(demand["product"])]
    chosen = demanded if products is None else [str(p) for p in products]
    problems = [
        Problem("options", "stock_risk_curve()", "products", p, "nobody demands this product")
        for p in chosen
        if p not in demanded
    ]
    cost = holding if isinstance(holding, Mapping) else dict.fromkeys(chosen, holding)
    given = holding.values() if isinstance(holding, Mapping) else [holding]
    for value in given:
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
            rule = "a holding cost is a number >= 0 (USD/kg per period)"
            problems.append(
                Problem("options", "stock_risk_curve()", "holding_usd_per_kg", value, rule)
            )
    if problems:
        raise InputError(problems)
    if "period" in demand.columns:
        demand = demand.sort_values("period", kind="stable")
    first = demand.groupby("product", sort=False)["demand_t"].first()
    rows = pd.DataFrame(
        {
            "product": chosen,
            "initial_t": [days / DAYS_PER_PERIOD * float(first[p]) for p in chosen],
            "min_days": float(days),
            "holding_usd_per_kg": [float(cost.get(p, 0.0)) for p in chosen],
        }
    )
    own = market.stock
    if own is not None:
        kept = own[~own["product"].isin(chosen)]
        rows = pd.concat([kept, rows], ignore_index=True) if len(kept) else rows
    return rows


# ------------------------------------------------------------------------------------------
def solve_point(
    market: Market,
    scenarios: Any,
    point: dict[str, Any],
    solver: str | Any,
    options: SolverOptions | None,
) -> dict[str, Any]:
    """One two-stage solve, as a small record (module level, so that workers can run it)."""
    if point.get("stock") is not None:
        market = market.replace(stock=point["stock"])
    plan = solve(
        market,
        china_cap=point["china_cap"],
        policies=point["policies"],
        scenarios=scenarios,
        risk=point["risk"],
        solver=solver,
        options=options,
    )
    record: dict[str, Any] = {"status": plan.status.value}
    if plan.status is not Status.OPTIMAL or not isinstance(plan, ScenarioPlan):
        return record | {column: float("nan") for column in RISK_COLUMNS[1:]}
    shares = plan.shares("country", basis="tonnes")
    china = float(shares["CN"].max()) if "CN" in shares.columns else 0.0
    return record | {
        "expected_cost_usd": float(plan.expected_cost_usd),
        "var_usd": float(plan.var_usd),
        "cvar_usd": float(plan.cvar_usd),
        "expected_shortage_t": float(plan.shortage["expected_shortage_t"].sum()),
        "china_share": china,
    }


def _solve_all(
    market: Market,
    scenarios: Any,
    points: Sequence[dict[str, Any]],
    names: Sequence[str],
    solver: str | Any,
    options: SolverOptions | None,
    executor: Any,
    progress: bool | None,
) -> list[dict[str, Any]]:
    bar = Progress(len(points), label="risk", enabled=progress)
    rows: list[dict[str, Any]] = []
    with bar:
        if executor is None:
            for point in points:
                rows.append(solve_point(market, scenarios, point, solver, options))
                bar.update()
            return rows
        futures = [
            executor.submit(solve_point, market, scenarios, point, solver, options)
            for point in points
        ]
        return results_in_order(futures, names, lambda _: bar.update())  # in order


def _with_results(table: pd.DataFrame, rows: list[dict[str, Any]], parameter: str) -> pd.DataFrame:
    results = pd.DataFrame(rows, columns=list(RISK_COLUMNS))
    out = pd.concat([table.reset_index(drop=True), results], axis=1)
    out.attrs["parameter"] = parameter
    return out


def _numbers(
    values: Iterable[float],
    name: str,
    *,
    low: float,
    high: float,
    where: str = "risk_frontier()",
) -> list[float]:
    problems = []
    out = []
    try:
        items = list(values)
    except TypeError:
        items = []
        problems.append(Problem("options", where, name, values, "expected a list"))
    for i, v in enumerate(items):
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and low <= float(v) <= high
        if not ok:
            rule = f"expected a number in [{low:g}, {high:g}]"
            problems.append(Problem("options", f"{where} {name}[{i}]", name, v, rule))
        else:
            out.append(float(v))
    if not items and not problems:
        problems.append(Problem("options", where, name, values, "the list is empty"))
    if problems:
        raise InputError(problems)
    return out
