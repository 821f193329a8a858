"""The two-stage disruption model: contracts first, then each scenario's spot buys and shortage.

`build_two_stage` takes the deterministic program of `reopt.compile` (first stage: contracted
tonnes ``c[o]`` per offer, the demand rows and every policy's rows) and appends, per
scenario ``s`` (see docs/risk.md for the whole model):

- columns ``spot[o, s] >= 0`` (an offer the scenario still delivers from) and
  ``short[d, s] >= 0`` (per demand row with positive demand);
- rows `RowFamily.SCENARIO_DEMAND`: delivered contracts arriving in the row's period, plus
  spot, plus shortage, at least the demand;
- rows `RowFamily.SCENARIO_CAPACITY`: ``spot[o, s] + f[s, o] c[o] <= f[s, o] capacity[o]``
  for offers with finite capacity;
- with a stock table, each scenario's own stock columns, drawn down in a disruption, and
  the stocked products' scenario rows as balances (`reopt.model.scenario_stock`);
- with a `reopt.model.risk.CVaR` of positive weight: a free column ``eta``, columns
  ``z[s] >= 0`` and rows `RowFamily.RISK`: ``z[s] + eta - cost[s] >= 0``.

The objective is ``(1 - w) sum_s p_s cost[s] + w (eta + sum_s p_s z[s] / (1 - alpha))``
(``w = 0`` without a risk term, or below `MIN_RISK_WEIGHT`). Rows carry a ``scenario``
label (-1 for first-stage rows).
`TwoStageModel` keeps where everything is, computes each scenario's cost from a solution in
numpy, and the `Scaling` the solve and the check use (spot and shortage columns counted in
their product's demand, ``eta`` and ``z`` in the money a scenario's cost can reach, divided
by the CVaR weight).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from reopt.data.encoding import Encoded
from reopt.data.market import Market, readonly
from reopt.data.scenarios import ScenarioFactors
from reopt.model.blocks import RowFamily, filled, row_order
from reopt.model.formulation import KG_PER_T
from reopt.model.program import LinearProgram
from reopt.model.risk import CVaR
from reopt.model.scaling import Scaling, scaling_for, scaling_with
from reopt.model.scenario_factors import arrival_rows
from reopt.model.scenario_stock import ScenarioStock, scenario_stock
from reopt.model.stock import StockLayout, stock_layout

__all__ = ["MIN_RISK_WEIGHT", "TwoStageModel", "build_two_stage"]

#: A CVaR weight below this is solved risk neutral: the risk term would move the objective
#: by less than the solvers' optimality tolerance, and its columns' costs would be noise.
MIN_RISK_WEIGHT = 1e-6


@dataclass(frozen=True, eq=False)
class TwoStageModel:
    """The extensive-form program and where its parts are.

    Attributes
    ----------
    lp : LinearProgram
        The whole program: the compile's columns and rows first, then the scenarios'.
    factors : ScenarioFactors
        The scenarios it was built for.
    risk : CVaR or None
        The risk preference (None: risk neutral).
    n_first_cols, n_first_rows : int
        Columns and rows of the first stage (the compile).
    spot_scenario, spot_offer, spot_row : ndarray
        Per spot column (columns ``n_first_cols ..``): its scenario, offer and the demand
        row (of the market) it arrives in.
    short_scenario, short_row : ndarray
        Per shortage column (after the spot columns): its scenario and demand row.
    eta_col : int
        The VaR column (-1 without a risk term); ``z`` columns follow it.
    cost_scenario, cost_col, cost_coef : ndarray
        The terms of the scenario costs: ``cost[s] = sum cost_coef * x[cost_col]`` over the
        terms with ``cost_scenario == s`` (USD).
    first : LinearProgram
        The first stage (the compile) the program was built on.
    demand_t : ndarray
        Each demand row's tonnes (``market.demand`` order).
    cost_part : ndarray
        Per cost term: 0 contract, 1 spot, 2 shortage, 3 holding stock.
    layout : StockLayout or None
        The plan's stock columns (None: the market carries no stock).
    stock : ScenarioStock or None
        The scenarios' stock columns (after the shortage columns; None without stock).

    `scaling` (the units the program is solved and checked in) is worked out on first use.
    """

    lp: LinearProgram
    factors: ScenarioFactors
    risk: CVaR | None
    n_first_cols: int
    n_first_rows: int
    spot_scenario: np.ndarray
    spot_offer: np.ndarray
    spot_row: np.ndarray
    short_scenario: np.ndarray
    short_row: np.ndarray
    eta_col: int
    cost_scenario: np.ndarray
    cost_col: np.ndarray
    cost_coef: np.ndarray
    first: LinearProgram
    demand_t: np.ndarray
    cost_part: np.ndarray
    layout: StockLayout | None = None
    stock: ScenarioStock | None = None

    @property
    def first_spot_col(self) -> int:
        """The first spot column."""
        return self.n_first_cols

    @property
    def first_short_col(self) -> int:
        """The first shortage column."""
        return self.n_first_cols + len(self.spot_scenario)

    @cached_property
    def scaling(self) -> Scaling:
        """The units the program is solved and checked in (see `_scaling`)."""
        return _scaling(self, self.first, self.demand_t)

    def scenario_costs(self, x: np.ndarray) -> np.ndarray:
        """Each scenario's cost in USD for the columns' values ``x``."""
        return np.bincount(
            self.cost_scenario,
            weights=self.cost_coef * x[self.cost_col],
            minlength=self.factors.n_scenarios,
        )

    def spot(self, x: np.ndarray) -> np.ndarray:
        """Spot tonnes per spot column."""
        return x[self.first_spot_col : self.first_short_col]

    def shortage(self, x: np.ndarray) -> np.ndarray:
        """Unmet tonnes per shortage column."""
        return x[self.first_short_col : self.first_short_col + len(self.short_scenario)]

    def with_first_stage(self, x: np.ndarray) -> LinearProgram:
        """The program with every offer's contracted tonnes fixed at ``x[:n_offers]``."""
        offers = np.arange(self.lp.n_offers)
        fixed = np.clip(x[offers], self.lp.col_lower[offers], self.lp.col_upper[offers])
        return self.lp.with_col_bounds(offers, lower=fixed, upper=fixed)


def build_two_stage(
    market: Market, first: LinearProgram, factors: ScenarioFactors, risk: CVaR | None
) -> TwoStageModel:
    """The extensive form of ``market``'s two-stage model on top of ``first`` (the compile)."""
    enc = market.encoded
    n_s, n = factors.n_scenarios, market.n_offers
    n_demand = len(enc.demand_t)
    f = np.asarray(factors.capacity_factor, dtype=float)
    p = np.asarray(factors.probability, dtype=float)
    layout = stock_layout(market) if market.has_stock_balance else None
    lead = market.stock_data.lead if market.has_stock_balance else None
    arrive = arrival_rows(enc, factors.delay_periods, lead)
    demanded = enc.demand_t > 0
    stocked = np.zeros(n_demand, dtype=bool)
    if layout is not None:
        stocked[layout.demand_row] = True
    has_row = demanded | stocked  # a stocked product's row carries its stock, even at 0 t
    row_of = np.full((n_s, n_demand), -1, dtype=np.int64)
    k = int(has_row.sum())
    row_of[:, has_row] = np.arange(n_s * k).reshape(n_s, k)
    counts = (arrive >= 0) & (f > 0) & has_row[np.maximum(arrive, 0)]
    s_of, o_of = np.nonzero(counts)  # contract deliveries that count, and spot columns
    d_of = arrive[s_of, o_of]
    n_spot = len(s_of)
    short_s, short_d = _grid(n_s, np.flatnonzero(demanded))
    n_short = len(short_s)
    spot_cols = first.n_cols + np.arange(n_spot)
    short_cols = first.n_cols + n_spot + np.arange(n_short)
    # demand rows of the scenarios
    rows = [row_of[s_of, d_of], row_of[s_of, d_of], row_of[short_s, short_d]]
    cols = [o_of, spot_cols, short_cols]
    vals = [f[s_of, o_of], np.ones(n_spot), np.ones(n_short)]
    scenario_of_row, demand_of_row = _grid(n_s, np.flatnonzero(has_row))
    lower = [enc.demand_t[demand_of_row].astype(float)]
    upper = [np.where(stocked[demand_of_row], lower[0], np.inf)]  # balances: equal
    labels = {
        "scenario": [scenario_of_row],
        "demand_row": [demand_of_row],
        "family": [filled(n_s * k, RowFamily.SCENARIO_DEMAND)],
    }
    # spot within what the scenario leaves of each offer's capacity
    capped = np.flatnonzero(np.isfinite(enc.capacity_t[o_of]))
    first_cap = n_s * k
    cap_rows = first_cap + np.arange(len(capped))
    fc = f[s_of[capped], o_of[capped]]
    rows += [cap_rows, cap_rows]
    cols += [spot_cols[capped], o_of[capped]]
    vals += [np.ones(len(capped)), fc]
    lower.append(np.full(len(capped), -np.inf))
    upper.append(fc * enc.capacity_t[o_of[capped]])
    labels["scenario"].append(s_of[capped])
    labels["demand_row"].append(enc.group[o_of[capped]])
    labels["family"].append(filled(len(capped), RowFamily.SCENARIO_CAPACITY))
    # each scenario's stock: its columns and their entries in the scenario balance rows
    held = None
    if layout is not None:
        held = scenario_stock(layout, row_of, first.n_cols + n_spot + n_short)
        rows.append(held.rows)
        cols.append(held.cols)
        vals.append(held.values)
    n_held = held.n_cols if held is not None else 0
    # the scenario costs (USD): contracts delivered, spot, shortage, holding stock
    bought = np.nonzero((enc.group >= 0)[None, :] & (f > 0))
    spot_price = enc.price_usd_per_kg[o_of] * (1.0 + factors.spot_premium)
    hold_s, hold_col, hold_coef = (
        (held.cost_scenario, held.cost_col, held.cost_coef)
        if held is not None
        else (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    )
    cost_scenario = np.concatenate([bought[0], s_of, short_s, hold_s])
    cost_col = np.concatenate([bought[1], spot_cols, short_cols, hold_col])
    cost_coef = np.concatenate(
        [
            KG_PER_T * enc.price_usd_per_kg[bought[1]] * f[bought],
            KG_PER_T * spot_price * np.asarray(factors.price_factor, dtype=float)[s_of, o_of],
            KG_PER_T * np.asarray(factors.lost_usd_per_kg, dtype=float)[short_d],
            hold_coef,
        ]
    )
    parts = np.arange(4, dtype=np.int8)  # contracts, spot, shortage, holding
    cost_part = np.repeat(parts, [len(bought[0]), n_spot, n_short, len(hold_s)])
    active = risk is not None and risk.weight >= MIN_RISK_WEIGHT
    weight = risk.weight if active and risk is not None else 0.0
    n_new = n_spot + n_short + n_held + (1 + n_s if active else 0)
    n_cols = first.n_cols + n_new
    cost = np.zeros(n_cols)
    cost[: first.n_cols] = first.cost
    cost[:n] = 0.0  # contracts are paid as delivered, in each scenario
    if layout is not None:
        cost[layout.columns] = 0.0  # stock is paid for as held, in each scenario
    cost += np.bincount(
        cost_col, weights=(1.0 - weight) * p[cost_scenario] * cost_coef, minlength=n_cols
    )
    col_lower, col_upper = np.zeros(n_new), np.full(n_new, np.inf)
    eta_col = -1
    if active and risk is not None:
        eta_col = first.n_cols + n_spot + n_short + n_held
        z_cols = eta_col + 1 + np.arange(n_s)
        cost[eta_col] = weight
        cost[z_cols] = weight * p / (1.0 - risk.alpha)
        col_lower[n_spot + n_short + n_held] = -np.inf
        risk_rows = first_cap + len(capped) + np.arange(n_s)
        rows += [risk_rows[cost_scenario], risk_rows, risk_rows]
        cols += [cost_col, np.full(n_s, eta_col), z_cols]
        vals += [-cost_coef, np.ones(n_s), np.ones(n_s)]
        lower.append(np.zeros(n_s))
        upper.append(np.full(n_s, np.inf))
        labels["scenario"].append(np.arange(n_s))
        labels["demand_row"].append(np.full(n_s, -1))
        labels["family"].append(filled(n_s, RowFamily.RISK))
    row_start, col_index, value = _stacked(
        first, n_cols, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    )
    row_lower, row_upper, row_labels = _rows_of(
        first, np.concatenate(lower), np.concatenate(upper), labels, enc
    )
    lp = replace(
        first,
        row_start=row_start,
        col_index=col_index,
        value=value,
        row_lower=row_lower,
        row_upper=row_upper,
        row_labels=row_labels,
        cost=readonly(cost),
        col_lower=readonly(np.concatenate([first.col_lower, col_lower])),
        col_upper=readonly(np.concatenate([first.col_upper, col_upper])),
        integrality=readonly(np.concatenate([first.integrality, np.zeros(n_new, dtype=np.int32)])),
        col_offer=readonly(np.concatenate([first.col_offer, np.full(n_new, -1)])),
    )
    model = TwoStageModel(
        lp=lp,
        factors=factors,
        risk=risk,
        n_first_cols=first.n_cols,
        n_first_rows=first.n_rows,
        spot_scenario=readonly(s_of),
        spot_offer=readonly(o_of),
        spot_row=readonly(d_of),
        short_scenario=readonly(short_s),
        short_row=readonly(short_d),
        eta_col=eta_col,
        cost_scenario=readonly(cost_scenario),
        cost_col=readonly(cost_col),
        cost_coef=readonly(cost_coef),
        first=first,
        demand_t=readonly(enc.demand_t.astype(float)),
        cost_part=readonly(cost_part),
        layout=layout,
        stock=held,
    )
    return model


def _grid(n_s: int, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (scenario, item) pair, scenario-major: ``(scenario, item)`` arrays."""
    scenario = np.repeat(np.arange(n_s), len(items))
    return scenario, np.broadcast_to(items, (n_s, len(items))).ravel()


def _stacked(
    first: LinearProgram, n_cols: int, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``first``'s matrix with new rows below it (``rows`` counted from 0 among the new).

    As ``(row_start, col_index, value)``.
    """
    n_new_rows = int(rows.max()) + 1 if len(rows) else 0
    # 32-bit indices where they fit, as the compile's and HiGHS's own (no copy at hand-off)
    small = len(first.value) + len(vals) < 2**31 and n_cols < 2**31
    index = np.int32 if small else np.int64
    counts = np.bincount(rows, minlength=n_new_rows)
    start = np.empty(first.n_rows + n_new_rows + 1, dtype=index)
    start[: first.n_rows + 1] = first.row_start
    start[first.n_rows + 1 :] = np.cumsum(counts) + first.row_start[-1]
    # the new entries sorted by row, written straight after ``first``'s
    order = row_order(rows, n_new_rows)
    n_old = len(first.value)
    col_index = np.empty(n_old + len(vals), dtype=index)
    col_index[:n_old] = first.col_index
    np.take(cols.astype(index, copy=False), order, out=col_index[n_old:], mode="clip")
    value = np.empty(n_old + len(vals))
    value[:n_old] = first.value
    np.take(vals.astype(float, copy=False), order, out=value[n_old:], mode="clip")
    return readonly(start), readonly(col_index), readonly(value)


def _rows_of(
    first: LinearProgram,
    lower: np.ndarray,
    upper: np.ndarray,
    labels: dict[str, list[np.ndarray]],
    enc: Encoded,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Row bounds and labels: ``first``'s and the new rows' (``scenario`` -1 on ``first``'s).

    As ``(row_lower, row_upper, row_labels)``.
    """
    n_old, n_new = first.n_rows, len(lower)
    demand_row = np.concatenate(labels["demand_row"])
    given = {
        "family": np.concatenate(labels["family"]),
        "demand_row": demand_row,
        "period": np.where(demand_row >= 0, enc.demand_period_code[np.maximum(demand_row, 0)], -1),
    }
    table = {}
    for name, old in first.row_labels.items():
        column = np.empty(n_old + n_new, dtype=old.dtype)
        column[:n_old] = old
        column[n_old:] = given.get(name, np.nan if old.dtype.kind == "f" else -1)  # n/a
        table[name] = readonly(column)
    table["scenario"] = readonly(
        np.concatenate([np.full(first.n_rows, -1), *labels["scenario"]]).astype(np.int64)
    )
    return (
        readonly(np.concatenate([first.row_lower, lower])),
        readonly(np.concatenate([first.row_upper, upper])),
        table,
    )


def _scaling(model: TwoStageModel, first: LinearProgram, demand_t: np.ndarray) -> Scaling:
    """The units: spot and shortage in demand, ``eta`` and ``z`` in money, costs by part.

    Spot and shortage columns count in their product's demand; ``eta`` and ``z`` in the
    money a scenario's cost can reach, over the weight; each part's costs relative to its
    dearest purchase.
    """
    lp = model.lp
    col = np.ones(lp.n_cols)
    col[: first.n_cols] = scaling_for(first).col
    by_demand_row = np.where(demand_t > 0, demand_t, 1.0)
    col[model.first_spot_col : model.first_short_col] = by_demand_row[model.spot_row]
    short = model.first_short_col + np.arange(len(model.short_row))
    col[short] = by_demand_row[model.short_row]
    if model.stock is not None and model.layout is not None:  # as the plan's stock column
        col[model.stock.columns] = col[model.layout.columns[model.stock.entry]]
    if model.eta_col >= 0:
        # in money / weight, so that their scaled costs stay well above solver tolerances at
        # small weights (down to 1e-4; below it the risk rows' entries would fall too far)
        money = float(np.max(np.abs(model.cost_coef) * col[model.cost_col], initial=0.0))
        weight = model.risk.weight if model.risk is not None else 1.0
        col[model.eta_col :] = (money if money > 0 else 1.0) / max(weight, 1e-4)
    # each part's costs in units of its largest purchase cost (contracts and spot), so that
    # near-equal prices stay apart by more than a solver's tolerance; shortage and the risk
    # columns, often far dearer, are then large rather than the prices small
    priced = np.zeros(lp.n_cols, dtype=bool)
    priced[: model.first_short_col] = True
    return scaling_with(lp, col, priced=priced)
