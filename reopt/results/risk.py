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

A tiny negative VSS or EVPI (solver tolerances) is returned as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from reopt.data.market import Market
from reopt.data.scenarios import ScenarioFactors
from reopt.model.program import LinearProgram
from reopt.model.risk import CVaR, risk_value
from reopt.model.scaling import Scaling
from reopt.model.scenario_factors import mean_value_factors, one_scenario
from reopt.model.two_stage import TwoStageModel, build_two_stage
from reopt.results.plan import Plan
from reopt.status import Status

__all__ = [
    "PlanOf",
    "Resolver",
    "expected_value_of_perfect_information",
    "scenario_product_table",
    "scenario_table",
    "shortage_table",
    "value_of_stochastic_solution",
]

#: How a program becomes a checked plan: the back end, the numpy check, the `Plan`.
PlanOf = Callable[[LinearProgram, Scaling], Plan]


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
    arriving_t (of those, arriving within the horizon), spot_t, shortage_t.
    """
    fac = model.factors
    n_s = fac.n_scenarios
    n_spot, n_short = len(model.spot_scenario), len(model.short_scenario)
    n_contract = len(model.cost_scenario) - n_spot - n_short
    part = np.repeat([0, 1, 2], [n_contract, n_spot, n_short])
    terms = model.cost_coef * x[model.cost_col]
    costs = np.zeros((3, n_s))
    np.add.at(costs, (part, model.cost_scenario), terms)
    arriving, delivered = _delivered(model, x)
    return pd.DataFrame(
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


def value_of_stochastic_solution(
    resolver: Resolver, model: TwoStageModel, rp: float
) -> tuple[float, float]:
    """``(EEV, VSS)``: see the module docstring (``inf`` when the fixed plan fails)."""
    _, mean_plan = resolver.solve(mean_value_factors(model.factors), None)
    if mean_plan.status is not Status.OPTIMAL or mean_plan.solution.x is None:
        return float("nan"), float("nan")
    fixed = resolver.plan_of(model.with_first_stage(mean_plan.solution.x), model.scaling)
    if fixed.status is Status.INFEASIBLE:
        resolver.notes.append(
            "VSS is infinite: the mean-value plan's contracts cannot be carried out in some "
            "scenario"
        )
        return float("inf"), float("inf")
    if fixed.status is not Status.OPTIMAL or fixed.solution.x is None:
        return float("nan"), float("nan")
    p = np.asarray(model.factors.probability, dtype=float)
    eev = risk_value(model.scenario_costs(fixed.solution.x), p, model.risk)
    return eev, eev - rp


def expected_value_of_perfect_information(
    resolver: Resolver, model: TwoStageModel, rp: float
) -> tuple[float, float]:
    """``(WS, EVPI)``: see the module docstring (NaN when a scenario alone does not solve)."""
    fac = model.factors
    alone = np.zeros(fac.n_scenarios)
    for s in range(fac.n_scenarios):
        single, plan = resolver.solve(one_scenario(fac, s), None)
        if plan.status is not Status.OPTIMAL or plan.solution.x is None:
            return float("nan"), float("nan")
        alone[s] = single.scenario_costs(plan.solution.x)[0]
    ws = risk_value(alone, np.asarray(fac.probability, dtype=float), model.risk)
    return ws, rp - ws
