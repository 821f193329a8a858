"""Risk results of a two-stage plan: per-scenario tables, and the solves behind VSS and EVPI.

Every figure is computed in numpy from the checked solution and the model's cost terms
(`reopt.model.two_stage.TwoStageModel.scenario_costs`), not read from the solver's
objective. For a minimisation with risk measure ``rho`` (the expected cost, or
``(1 - w) E + w CVaR_alpha``; `reopt.model.risk.risk_value`):

- ``RP = rho(cost of the stochastic plan)``, the optimal objective;
- ``EEV = rho(cost of the mean-value plan)``: the first stage of the problem with one
  scenario of probability-weighted factors (`reopt.model.two_stage.mean_value_factors`),
  fixed, and the recourse re-optimised under ``rho``; infinite when that fixed plan has no
  feasible recourse; ``VSS = EEV - RP >= 0``;
- ``WS = rho(c*)`` with ``c*[s]`` the cost of scenario ``s`` solved alone (perfect
  information); ``EVPI = RP - WS >= 0``.

A tiny negative VSS or EVPI (solver tolerances) is returned as it is. The solves behind
them are plain-data tasks (`MeanValueSolve`, one `AloneSolve` per scenario) that build
their model where they run, so that ``executor=`` can run them in worker processes or on a
Dask cluster (`reopt.results.in_order`), with the same figures as in this process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from reopt.data.market import Market
from reopt.data.scenarios import ScenarioFactors
from reopt.model.formulation import KG_PER_T
from reopt.model.policy import Policy
from reopt.model.program import LinearProgram
from reopt.model.risk import CVaR, risk_value
from reopt.model.scaling import Scaling
from reopt.model.scenario_factors import mean_value_factors, one_scenario
from reopt.model.scenario_stock import start_of_period
from reopt.model.two_stage import TwoStageModel, build_two_stage
from reopt.results.in_order import run_in_order
from reopt.results.plan import Plan
from reopt.status import Status

__all__ = [
    "AloneSolve",
    "MeanValueSolve",
    "PlanOf",
    "PlanPath",
    "Resolver",
    "expected_value_of_perfect_information",
    "scenario_product_table",
    "scenario_stock_table",
    "scenario_table",
    "shortage_table",
    "value_of_stochastic_solution",
]

#: How a program becomes a checked plan: the back end, the numpy check, the `Plan`.
PlanOf = Callable[[LinearProgram, Scaling], Plan]


@dataclass(frozen=True)
class PlanPath:
    """A `PlanOf` as plain data, so that it can be sent to a worker process.

    Called with a program and its scaling: ``solve(backend, lp, options, scaling=...)``,
    then ``check(market, policies, lp, solution, backend, options, scaling=...)`` (reopt's
    `reopt.results.planning.solve_with` and `make_plan`, module-level functions, which
    pickle by name).
    """

    market: Market
    policies: tuple[Policy, ...]
    backend: Any
    options: Any
    solve: Callable[..., Any]
    check: Callable[..., Plan]

    def __call__(self, lp: LinearProgram, scaling: Scaling) -> Plan:
        solution = self.solve(self.backend, lp, self.options, scaling=scaling)
        return self.check(
            self.market, self.policies, lp, solution, self.backend, self.options, scaling=scaling
        )


@dataclass(frozen=True, eq=False)
class Resolver:
    """Builds and solves two-stage programs of one market through one checked solve path."""

    market: Market
    first: LinearProgram
    plan_of: PlanOf
    notes: list[str] = field(default_factory=list)

    def solve(self, factors: ScenarioFactors, risk: CVaR | None) -> tuple[TwoStageModel, Plan]:
        """The model for ``factors`` and ``risk``, and its checked plan."""
        model = build_two_stage(self.market, self.first, factors, risk)
        return model, self.plan_of(model.lp, model.scaling)


def _labels(market: Market, demand_rows: np.ndarray) -> dict[str, np.ndarray]:
    """Product (and period) of demand rows."""
    enc = market.encoded
    out = {"product": enc.demand_product[demand_rows].astype(str)}
    if market.has_periods:
        out["period"] = enc.labels["period"][enc.demand_period_code[demand_rows]]
    return out


def _delivered(model: TwoStageModel, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Contract tonnes arriving per (scenario, demand row) and delivered per scenario."""
    lp, f = model.lp, np.asarray(model.factors.capacity_factor, dtype=float)
    n_s, n_d = model.factors.n_scenarios, len(model.factors.lost_usd_per_kg)
    delivered = f[:, : lp.n_offers] @ x[: lp.n_offers]
    arriving = np.zeros((n_s, n_d))
    s, o = model.spot_scenario, model.spot_offer  # each (scenario, offer) that arrives
    np.add.at(arriving, (s, model.spot_row), f[s, o] * x[o])
    return arriving, delivered


def scenario_table(model: TwoStageModel, x: np.ndarray) -> pd.DataFrame:
    """One row per scenario: probability, cost and its parts (USD), tonnes delivered.

    Columns: scenario, probability, cost_usd, contract_cost_usd, spot_cost_usd,
    shortage_cost_usd, delivered_t (contracted tonnes the scenario delivers, paid for),
    arriving_t (of those, arriving within the horizon), spot_t, shortage_t; with a stock
    table also holding_cost_usd and stock_drawn_t (the tonnes drawn from stock, summed over
    the periods where the stock fell).
    """
    fac = model.factors
    n_s = fac.n_scenarios
    terms = model.cost_coef * x[model.cost_col]
    costs = np.zeros((4, n_s))
    np.add.at(costs, (model.cost_part, model.cost_scenario), terms)
    arriving, delivered = _delivered(model, x)
    table = pd.DataFrame(
        {
            "scenario": list(fac.names),
            "probability": np.asarray(fac.probability, dtype=float),
            "cost_usd": costs.sum(axis=0),
            "contract_cost_usd": costs[0],
            "spot_cost_usd": costs[1],
            "shortage_cost_usd": costs[2],
            "delivered_t": delivered,
            "arriving_t": arriving.sum(axis=1),
            "spot_t": np.bincount(model.spot_scenario, model.spot(x), minlength=n_s),
            "shortage_t": np.bincount(model.short_scenario, model.shortage(x), minlength=n_s),
        }
    )
    if model.stock is not None and model.layout is not None:
        table["holding_cost_usd"] = costs[3]
        held = _held(model, x)
        drawn = start_of_period(model.layout, held) - held
        table["stock_drawn_t"] = np.maximum(drawn, 0.0).sum(axis=1)
    return table


def _held(model: TwoStageModel, x: np.ndarray) -> np.ndarray:
    """Each scenario's stock at the end of each period, shape (scenarios, stock entries)."""
    assert model.stock is not None and model.layout is not None
    held = np.zeros((model.factors.n_scenarios, model.layout.n_cols))
    held[model.stock.scenario, model.stock.entry] = x[model.stock.columns]
    return held


def scenario_stock_table(model: TwoStageModel, market: Market, x: np.ndarray) -> pd.DataFrame:
    """One row per scenario, stocked product and period: the stock and what was drawn.

    Columns: scenario, product, [period], planned_t (the plan's stock at the end of the
    period), stock_t (the scenario's), floor_t, drawn_t (stock at the start of the period
    less at its end: positive when drawn, negative when built), below_floor_t (how far the
    scenario's stock is below the floor), holding_cost_usd. Empty without a stock table.
    """
    layout = model.layout
    if layout is None or model.stock is None:
        columns = ["scenario", "product", "planned_t", "stock_t", "floor_t", "drawn_t"]
        return pd.DataFrame(columns=[*columns, "below_floor_t", "holding_cost_usd"])
    fac = model.factors
    n_s, n_j = fac.n_scenarios, layout.n_cols
    held = _held(model, x)
    rows = np.tile(layout.demand_row, n_s)
    table = pd.DataFrame({"scenario": np.repeat(np.asarray(fac.names, dtype=object), n_j)})
    for name, values in _labels(market, rows).items():
        table[name] = values
    table["planned_t"] = np.tile(x[layout.columns], n_s) + 0.0
    table["stock_t"] = held.ravel() + 0.0
    table["floor_t"] = np.tile(layout.floor_t, n_s).astype(float)
    table["drawn_t"] = (start_of_period(layout, held) - held).ravel() + 0.0
    table["below_floor_t"] = np.maximum(table["floor_t"] - table["stock_t"], 0.0)
    hold = np.tile(KG_PER_T * layout.holding_usd_per_kg, n_s)
    table["holding_cost_usd"] = hold * held.ravel() + 0.0
    return table


def scenario_product_table(model: TwoStageModel, market: Market, x: np.ndarray) -> pd.DataFrame:
    """One row per scenario and demand row (product, [period]).

    Columns: scenario, product, [period], demand_t, arriving_t (contract deliveries
    arriving there), spot_t, shortage_t.
    """
    fac = model.factors
    n_s, n_d = fac.n_scenarios, len(fac.lost_usd_per_kg)
    arriving, _ = _delivered(model, x)
    spot = np.zeros((n_s, n_d))
    np.add.at(spot, (model.spot_scenario, model.spot_row), model.spot(x))
    short = np.zeros((n_s, n_d))
    np.add.at(short, (model.short_scenario, model.short_row), model.shortage(x))
    rows = np.tile(np.arange(n_d), n_s)
    table = pd.DataFrame({"scenario": np.repeat(np.asarray(fac.names, dtype=object), n_d)})
    for name, values in _labels(market, rows).items():
        table[name] = values
    table["demand_t"] = market.encoded.demand_t[rows]
    table["arriving_t"] = arriving.ravel()
    table["spot_t"] = spot.ravel()
    table["shortage_t"] = short.ravel()
    return table


def shortage_table(model: TwoStageModel, market: Market, x: np.ndarray) -> pd.DataFrame:
    """Per product: expected and worst shortage (tonnes over the horizon) and where.

    Columns: product, expected_shortage_t, worst_shortage_t, worst_scenario.
    """
    fac = model.factors
    table = scenario_product_table(model, market, x)
    per = table.groupby(["product", "scenario"], sort=False)["shortage_t"].sum().unstack()
    per = per.reindex(columns=list(fac.names))
    p = np.asarray(fac.probability, dtype=float)
    values = per.to_numpy()
    worst = values.argmax(axis=1)
    return pd.DataFrame(
        {
            "product": per.index.astype(str),
            "expected_shortage_t": values @ p,
            "worst_shortage_t": values.max(axis=1),
            "worst_scenario": np.asarray(fac.names, dtype=object)[worst],
        }
    )


@dataclass(frozen=True)
class AloneSolve:
    """The wait-and-see problem of one scenario, as plain data (a picklable task).

    Called where it runs (this process, a pool's worker, a Dask worker), it builds the
    two-stage model of ``factors`` (one scenario, probability 1) on ``first`` and solves it
    through ``plan_of``; the answer is ``(status, cost of the scenario in USD)``.
    """

    market: Market
    first: LinearProgram
    factors: ScenarioFactors
    plan_of: PlanOf

    def __call__(self) -> tuple[str, float]:
        model = build_two_stage(self.market, self.first, self.factors, None)
        plan = self.plan_of(model.lp, model.scaling)
        if plan.status is not Status.OPTIMAL or plan.solution.x is None:
            return plan.status.value, float("nan")
        return plan.status.value, float(model.scenario_costs(plan.solution.x)[0])


@dataclass(frozen=True)
class MeanValueSolve:
    """EEV as plain data (a picklable task): the mean-value plan, fixed, in every scenario.

    Called, it solves the mean-value problem of ``factors``, fixes its contracts in the
    model of ``factors`` and ``risk``, re-optimises the recourse and answers
    ``(status of the fixed model, the scenario costs in USD)``: ``"infeasible"`` when the
    fixed plan cannot be carried out, NaN costs when a solve did not end optimal.
    """

    market: Market
    first: LinearProgram
    factors: ScenarioFactors
    risk: CVaR | None
    plan_of: PlanOf

    def __call__(self) -> tuple[str, np.ndarray]:
        nothing = np.full(self.factors.n_scenarios, np.nan)
        mean = build_two_stage(self.market, self.first, mean_value_factors(self.factors), None)
        mean_plan = self.plan_of(mean.lp, mean.scaling)
        if mean_plan.status is not Status.OPTIMAL or mean_plan.solution.x is None:
            return mean_plan.status.value, nothing
        model = build_two_stage(self.market, self.first, self.factors, self.risk)
        fixed = self.plan_of(model.with_first_stage(mean_plan.solution.x), model.scaling)
        if fixed.status is not Status.OPTIMAL or fixed.solution.x is None:
            return fixed.status.value, nothing
        return fixed.status.value, model.scenario_costs(fixed.solution.x)


def value_of_stochastic_solution(
    resolver: Resolver, model: TwoStageModel, rp: float, executor: object = None
) -> tuple[float, float]:
    """``(EEV, VSS)``: see the module docstring (``inf`` when the fixed plan fails).

    The mean-value solves run as one task on ``executor`` (None: here).
    """
    task = MeanValueSolve(
        resolver.market, resolver.first, model.factors, model.risk, resolver.plan_of
    )
    (status, costs), *_ = run_in_order([task], ["the mean-value plan (EEV)"], executor)
    if status == Status.INFEASIBLE.value:
        resolver.notes.append(
            "VSS is infinite: the mean-value plan's contracts cannot be carried out in some "
            "scenario"
        )
        return float("inf"), float("inf")
    if status != Status.OPTIMAL.value or not np.all(np.isfinite(costs)):
        return float("nan"), float("nan")
    p = np.asarray(model.factors.probability, dtype=float)
    eev = risk_value(costs, p, model.risk)
    return eev, eev - rp


def expected_value_of_perfect_information(
    resolver: Resolver, model: TwoStageModel, rp: float, executor: object = None
) -> tuple[float, float]:
    """``(WS, EVPI)``: see the module docstring (NaN when a scenario alone does not solve).

    One task per scenario, run on ``executor`` (None: here), collected in scenario order.
    """
    fac = model.factors
    tasks = [
        AloneSolve(resolver.market, resolver.first, one_scenario(fac, s), resolver.plan_of)
        for s in range(fac.n_scenarios)
    ]
    names = [f"scenario {name!r} alone (wait and see)" for name in fac.names]
    answers = run_in_order(tasks, names, executor)
    if any(status != Status.OPTIMAL.value for status, _ in answers):
        return float("nan"), float("nan")
    alone = np.array([cost for _, cost in answers])
    ws = risk_value(alone, np.asarray(fac.probability, dtype=float), model.risk)
    return ws, rp - ws
