"""Shadow prices in the buyer's units: demand in USD/t, each policy in its own unit.

Each policy prices its own rows (`reopt.model.policy.Policy.prices`); this module gathers
them with the demand prices into the plan's table, and marks the rows that bind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from reopt.model.program import RowFamily

if TYPE_CHECKING:
    from reopt.results.plan import Plan

__all__ = ["shadow_price_table"]


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
                "value": plan.demand_prices(row_dual)[demand_row[demand]],
                "unit": "USD/t",
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
        parts.append(
            pd.DataFrame(
                {
                    "constraint": policy.name,
                    "demand_row": demand_row[rows],
                    "period": period[rows],
                    "group": policy.groups(plan.market, lp, rows),
                    "value": np.asarray(policy.prices(lp, rows, row_dual, x)) + 0.0,
                    "unit": policy.price_unit,
                    "binding": binding,
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    table["demand_row"] = table["demand_row"].astype(np.int64)
    table["period"] = table["period"].astype(np.int64)
    table["binding"] = table["binding"].astype(bool)
    return plan.label_units(table)
