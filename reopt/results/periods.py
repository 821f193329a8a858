"""A plan over time: purchases, arrivals and stock by product and period, and holding cost.

`period_table` is ``Plan.by_period`` (what is bought in a period, what arrives in it after
the offers' lead times, and its demand), `stock_table` is ``Plan.stock`` (the stock held at
the end of each period, its bounds, its holding cost, and what one more tonne of floor
costs) and `holding_cost_usd` the money the plan spends holding stock, which
``Plan.cost_usd`` includes. See `reopt.model.stock` for the balance they come from.

The floor's shadow price is the cost added, per period, by one more tonne of floor at the
end of that period, in USD/kg (USD per tonne / 1,000, the unit prices are given in, as for
every value per tonne): the stock column's reduced cost when it sits at its floor, 0 when
the stock is above it. Raising ``min_t`` by one tonne raises every period's floor, so it
costs the sum of that product's ``floor_value_usd_per_kg``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from reopt.model.formulation import KG_PER_T
from reopt.model.stock import stock_layout

if TYPE_CHECKING:
    from reopt.results.plan import Plan

__all__ = ["PERIOD_COLUMNS", "STOCK_COLUMNS", "holding_cost_usd", "period_table", "stock_table"]

#: Columns of ``Plan.by_period`` after the product and [period].
PERIOD_COLUMNS = ("purchased_t", "arriving_t", "demand_t")
#: Columns of ``Plan.stock`` after the product and [period].
STOCK_COLUMNS = (
    "stock_t",
    "floor_t",
    "max_t",
    "holding_cost_usd",
    "floor_value_usd_per_kg",
    "at_floor",
)
#: A stock is at its floor within this share of max(1, floor).
_AT_FLOOR = 1e-7


def _keys(plan: Plan, demand_rows: np.ndarray) -> pd.DataFrame:
    """Product and [period] labels of ``demand_rows``."""
    market = plan.market
    enc = market.encoded
    table = pd.DataFrame({"product": enc.demand_product[demand_rows].astype(str)})
    if market.has_periods:
        table["period"] = enc.labels["period"][enc.demand_period_code[demand_rows]]
    return table


def period_table(plan: Plan) -> pd.DataFrame:
    """Per product and period: tonnes bought, tonnes arriving, and demand (``Plan.by_period``).

    Without lead times, what arrives in a period is what is bought in it.
    """
    plan.allocation  # noqa: B018 - raises NoSolutionError for a plan without a solution
    enc = plan.market.encoded
    assert plan.solution.x is not None
    x = plan.solution.x[: plan.lp.n_offers]
    n_rows = len(enc.demand_t)
    bought = enc.group >= 0
    arrival = plan.market.stock_data.arrival
    arrived = arrival >= 0
    table = _keys(plan, np.arange(n_rows))
    table["purchased_t"] = np.bincount(enc.group[bought], x[bought], minlength=n_rows) + 0.0
    table["arriving_t"] = np.bincount(arrival[arrived], x[arrived], minlength=n_rows) + 0.0
    table["demand_t"] = enc.demand_t.astype(float)
    return table


def stock_table(plan: Plan) -> pd.DataFrame:
    """Per stocked product and period: the stock at the end of the period (``Plan.stock``).

    Columns: product, [period], stock_t, floor_t, max_t (inf: no limit), holding_cost_usd,
    floor_value_usd_per_kg (see the module; NaN without shadow prices), at_floor. Empty
    for a market without a stock table.
    """
    plan.allocation  # noqa: B018 - raises NoSolutionError for a plan without a solution
    layout = stock_layout(plan.market)
    x = plan.solution.x
    assert x is not None
    held = x[layout.columns]
    table = _keys(plan, layout.demand_row)
    table["stock_t"] = held + 0.0
    table["floor_t"] = layout.floor_t.astype(float)
    table["max_t"] = layout.max_t.astype(float)
    table["holding_cost_usd"] = KG_PER_T * layout.holding_usd_per_kg * held + 0.0
    at_floor = held <= layout.floor_t + _AT_FLOOR * np.maximum(1.0, layout.floor_t)
    if plan.has_prices:
        _, col_dual = plan.duals
        value = np.where(at_floor, np.maximum(col_dual[layout.columns], 0.0), 0.0)
        table["floor_value_usd_per_kg"] = value / KG_PER_T + 0.0
    else:
        table["floor_value_usd_per_kg"] = np.nan
    table["at_floor"] = at_floor
    return table


def holding_cost_usd(plan: Plan) -> float:
    """The money an optimal plan spends holding stock (0 without a stock table)."""
    layout = stock_layout(plan.market)
    if layout.n_cols == 0 or plan.solution.x is None:
        return 0.0
    held = plan.solution.x[layout.columns]
    return float(KG_PER_T * layout.holding_usd_per_kg @ held)
