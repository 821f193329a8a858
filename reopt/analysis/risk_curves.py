"""Risk curves: many two-stage solves along one setting, as tables.

`risk_frontier` solves a scenario model for each weight of CVaR in the objective and gives the
expected cost against the tail cost (CVaR) of each plan: how much expected cost each step of
protection from the worst scenarios costs. `cap_risk_curve` does the same along a China cap,
so that what a cap buys in tail risk can be set beside what it costs.

Each point is an independent `reopt.solve` of the two-stage model (`reopt.model.two_stage`),
checked like any plan; with ``executor=`` (any `concurrent.futures.Executor`, or a Dask
client; `reopt.analysis.executors`) the points are solved there, and the table is the same,
in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from reopt.analysis.executors import as_executor, results_in_order
from reopt.analysis.whatif import sweep_values
from reopt.data.market import Market
from reopt.errors import InputError, Problem
from reopt.model.policy import Policy
from reopt.model.risk import CVaR
from reopt.options import SolverOptions
from reopt.progress import Progress
from reopt.results.planning import solve
from reopt.results.scenario_plan import ScenarioPlan
from reopt.status import Status

__all__ = ["cap_risk_curve", "risk_frontier"]

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
    solver: str | Any = "highs",
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
    solver: str | Any = "highs",
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


# ------------------------------------------------------------------------------------------
def solve_point(
    market: Market,
    scenarios: Any,
    point: dict[str, Any],
    solver: str | Any,
    options: SolverOptions | None,
) -> dict[str, Any]:
    """One two-stage solve, as a small record (module level, so that workers can run it)."""
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


def _numbers(values: Iterable[float], name: str, *, low: float, high: float) -> list[float]:
    problems = []
    out = []
    try:
        items = list(values)
    except TypeError:
        items = []
        problems.append(Problem("options", "risk_frontier()", name, values, "expected a list"))
    for i, v in enumerate(items):
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and low <= float(v) <= high
        if not ok:
            rule = f"a weight is a number in [{low:g}, {high:g}]"
            problems.append(Problem("options", f"risk_frontier() {name}[{i}]", name, v, rule))
        else:
            out.append(float(v))
    if not items and not problems:
        problems.append(Problem("options", "risk_frontier()", name, values, "the list is empty"))
    if problems:
        raise InputError(problems)
    return out
