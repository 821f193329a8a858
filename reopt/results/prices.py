"""Shadow prices in the buyer's units: per tonne in USD/kg, share policies in USD/pp.

Each policy prices its own rows (`reopt.model.policy.Policy.prices`); this module gathers
them with the demand prices into the plan's table, converts each to the unit prices are
given in, and marks the rows that bind.

One unit per column: a price per tonne (demand's marginal cost, a policy priced in USD/t)
is written in ``value_usd_per_kg``, the unit offers are priced in (USD/t / 1,000); a share
policy's price per percentage point in ``value_usd_per_pp``. A row's other value columns are
NaN, and ``unit`` names the column that holds its price. A policy of another kind with a
unit of its own gets a column of its own (``"USD/MWh"`` -> ``value_usd_per_mwh``).

A market with a stock table adds, after the rows, its stock bounds by product and period:
``stock floor`` (what one more tonne of floor at the end of the period costs, in USD per kg
of floor per period, >= 0; `reopt.results.periods`) for each floor above 0, and
``stock max`` (what one more tonne of room saves, >= 0) for each finite ``max_t``. A bound
is binding when the stock sits at it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from reopt.model.formulation import KG_PER_T
from reopt.model.program import RowFamily
from reopt.model.stock import stock_layout

if TYPE_CHECKING:
    from reopt.results.plan import Plan

__all__ = ["PER_KG", "PER_PP", "shadow_price_table", "unit_column"]

#: The columns every shadow-price table has: per kg (per tonne / 1,000) and per point.
PER_KG, PER_PP = "value_usd_per_kg", "value_usd_per_pp"


def unit_column(unit: str) -> tuple[str, float, str]:
    """The column a price in ``unit`` is written in, the factor to it, and its unit.

    Examples
    --------
    >>> unit_column("USD/t"), unit_column("USD/pp")
    (('value_usd_per_kg', 0.001, 'USD/kg'), ('value_usd_per_pp', 1.0, 'USD/pp'))
    >>> unit_column("USD/MWh")
    ('value_usd_per_mwh', 1.0, 'USD/MWh')
    """
    if unit == "USD/t":
        return PER_KG, 1.0 / KG_PER_T, "USD/kg"
    if unit == "USD/kg":
        return PER_KG, 1.0, "USD/kg"
    if unit == "USD/pp":
        return PER_PP, 1.0, "USD/pp"
    slug = re.sub(r"[^0-9a-z]+", "_", unit.lower().replace("/", "_per_")).strip("_")
    return f"value_{slug}", 1.0, unit


def shadow_price_table(plan: Plan) -> pd.DataFrame:
    """The plan's shadow prices: demand rows first, then each policy's rows (see `Plan`)."""
    row_dual, _ = plan.duals
    lp = plan.lp
    x = plan.solution.x
    assert x is not None
    activity = lp.row_activity(x)
    demand_row, period = lp.label("demand_row"), lp.label("period")
    parts = []
    demand = lp.family_rows(RowFamily.DEMAND)
    parts.append(
        pd.DataFrame(
            {
                "constraint": "demand",
                "demand_row": demand_row[demand],
                "period": period[demand],
                "group": "",
                PER_KG: plan.demand_prices(row_dual)[demand_row[demand]] / KG_PER_T + 0.0,
                "unit": "USD/kg",
                "binding": True,
            }
        )
    )
    for k, policy in enumerate(lp.policies):
        rows = lp.rows_of(k)
        low, up = lp.row_lower[rows], lp.row_upper[rows]
        tol = 1e-7 * np.maximum(1.0, np.maximum(np.abs(low), np.abs(up)))
        tol = np.where(np.isfinite(tol), tol, 1e-7)
        binding = (np.abs(activity[rows] - low) <= tol) | (np.abs(activity[rows] - up) <= tol)
        column, factor, unit = unit_column(policy.price_unit)
        parts.append(
            pd.DataFrame(
                {
                    "constraint": policy.name,
                    "demand_row": demand_row[rows],
                    "period": period[rows],
                    "group": policy.groups(plan.market, lp, rows),
                    column: np.asarray(policy.prices(lp, rows, row_dual, x)) * factor + 0.0,
                    "unit": unit,
                    "binding": binding,
                }
            )
        )
    parts.extend(_stock_bounds(plan))
    table = pd.concat(parts, ignore_index=True)
    values = [c for c in table.columns if c.startswith("value_")]
    others = sorted(set(values) - {PER_KG, PER_PP})
    for column in (PER_KG, PER_PP):
        if column not in table.columns:
            table[column] = np.nan
    table["demand_row"] = table["demand_row"].astype(np.int64)
    table["period"] = table["period"].astype(np.int64)
    table["binding"] = table["binding"].astype(bool)
    order = ["constraint", "demand_row", "period", "group", PER_KG, PER_PP, *others]
    return plan.label_units(table[[*order, "unit", "binding"]])


#: A stock is at a bound within this share of max(1, bound).
_AT_BOUND = 1e-7


def _stock_bounds(plan: Plan) -> list[pd.DataFrame]:
    """The stock floor and max of each stocked product and period, priced by reduced costs."""
    layout = stock_layout(plan.market)
    if layout.n_cols == 0:
        return []
    _, col_dual = plan.duals
    x = plan.solution.x
    assert x is not None
    held, dual = x[layout.columns], col_dual[layout.columns]
    enc = plan.market.encoded
    parts = []
    for name, bound, sign, kept in (
        ("stock floor", layout.floor_t, 1.0, layout.floor_t > 0),
        ("stock max", layout.max_t, -1.0, np.isfinite(layout.max_t)),
    ):
        at = np.abs(held - bound) <= _AT_BOUND * np.maximum(1.0, np.abs(np.nan_to_num(bound)))
        value = np.where(at, np.maximum(sign * dual, 0.0), 0.0) / KG_PER_T + 0.0
        rows = np.flatnonzero(kept)
        demand_row = layout.demand_row[rows]
        parts.append(
            pd.DataFrame(
                {
                    "constraint": name,
                    "demand_row": demand_row,
                    "period": enc.demand_period_code[demand_row],
                    "group": [f"{b:g} t" for b in bound[rows]],
                    PER_KG: value[rows],
                    "unit": "USD/kg",
                    "binding": at[rows],
                }
            )
        )
    return [part for part in parts if len(part)]
