"""The order sheet: what a plan buys from whom, and the limits it runs into.

`order_table` lists the offers a plan buys, product by product (in the order of the demand
table), largest order first. `binding_limit_table` lists the capacities and policies the
plan runs into, each with what loosening it is worth, in the buyer's units: one more tonne
of capacity in USD/kg (the unit offers are priced in), one more percentage point of a share
policy in USD/pp. Both are plain DataFrames with the unit in every column name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from reopt.model.formulation import KG_PER_T
from reopt.model.program import RowFamily
from reopt.results.prices import PER_KG, PER_PP

if TYPE_CHECKING:
    from reopt.results.plan import Plan

__all__ = ["binding_limit_table", "capacity_table", "order_table"]


def order_table(plan: Plan) -> pd.DataFrame:
    """What to buy from whom: one row per offer bought (`Plan.orders`).

    Columns: product, [period], source, country, refined_in, kind, tonnes,
    price_usd_per_kg, cost_usd and share (of the product's tonnes, a fraction).
    """
    table = plan.allocation
    keys = plan.market.demand_keys
    table["_position"] = _positions(plan, table)
    totals = table.groupby("_position")["tonnes"].transform("sum")
    table["share"] = np.where(totals > 0, table["tonnes"] / totals.where(totals > 0, 1.0), 0.0)
    table = table.sort_values(
        ["_position", "tonnes", "source"], ascending=[True, False, True], kind="stable"
    )
    columns = [*keys, "source", "country", "refined_in", "kind"]
    columns += ["tonnes", "price_usd_per_kg", "cost_usd", "share"]
    return table[columns].reset_index(drop=True)


def capacity_table(plan: Plan, rtol: float) -> pd.DataFrame:
    """What one more tonne of each finite capacity is worth, in USD/kg (`Plan.capacity_values`).

    An offer binds when it is bought to within ``rtol`` of its capacity.
    """
    _, col_dual = plan.duals
    enc = plan.market.encoded
    x = plan.solution.x
    assert x is not None
    offers = np.flatnonzero(np.isfinite(enc.capacity_t) & (enc.group >= 0))
    table = plan.offer_table(offers, extra=False)
    table["capacity_t"] = enc.capacity_t[offers]
    table["tonnes"] = x[offers]
    table[PER_KG] = np.maximum(-col_dual[offers], 0.0) / KG_PER_T + 0.0
    table["binding"] = x[offers] >= enc.capacity_t[offers] * (1 - rtol)
    return table


def binding_limit_table(plan: Plan) -> pd.DataFrame:
    """The capacities and policies that bind, by product, most valuable first.

    Columns: limit (``capacity`` or the policy's name), product, [period], applies_to
    (``source lynas`` or the policy's group, e.g. ``country CN``), capacity_t (capacities),
    share (a share policy's bound, a fraction), value_usd_per_kg (one more tonne of capacity),
    value_usd_per_pp (one more percentage point), NaN where a column does not apply.
    """
    keys = plan.market.demand_keys
    capacity = plan.capacity_values
    capacity = capacity[capacity["binding"] & (capacity["capacity_t"] > 0)]
    capacities = pd.DataFrame(
        {
            "limit": "capacity",
            **{key: capacity[key] for key in keys},
            "applies_to": "source " + capacity["source"],
            "capacity_t": capacity["capacity_t"],
            "share": np.nan,
            PER_KG: capacity[PER_KG],
            PER_PP: np.nan,
        }
    )
    prices = plan.shadow_prices
    lp = plan.lp
    rows = np.concatenate([lp.family_rows(RowFamily.DEMAND), lp.family_rows(RowFamily.POLICY)])
    share = np.full(len(prices), np.nan)  # stock bounds, after the rows, have no share
    share[: len(rows)] = lp.label("share")[rows]
    prices = prices.assign(share=share)
    prices = prices[prices["binding"] & (prices["constraint"] != "demand")]
    policies = pd.DataFrame(
        {
            "limit": prices["constraint"],
            **{key: prices[key] for key in keys},
            "applies_to": prices["group"],
            "capacity_t": np.nan,
            "share": prices["share"],
            PER_KG: prices[PER_KG],
            PER_PP: prices[PER_PP],
        }
    )
    parts = [part for part in (capacities, policies) if not part.empty]
    if not parts:
        return capacities.iloc[:0].reset_index(drop=True)
    table = pd.concat(parts, ignore_index=True)
    worth = table[PER_PP].fillna(0.0) + table[PER_KG].fillna(0.0)
    table["_policy"] = table["limit"] != "capacity"
    table["_position"] = _positions(plan, table)
    table["_worth"] = worth
    order = ["_policy", "_position", "_worth"]
    table = table.sort_values(order, ascending=[True, True, False], kind="stable")
    return table.drop(columns=order).reset_index(drop=True)


def _positions(plan: Plan, table: pd.DataFrame) -> list[int]:
    """Each row's product (and period) by its place in the demand table (others last)."""
    keys = plan.market.demand_keys
    demand = plan.market.demand[keys].astype(str)
    position = {tuple(row): i for i, row in enumerate(demand.itertuples(index=False))}
    rows = table[keys].astype(str).itertuples(index=False)
    return [position.get(tuple(row), len(position)) for row in rows]
