"""Sensitivity ranges: over what span each shadow price and each offer's price hold.

For an optimal LP plan, HiGHS's ranging (on the simplex basis of the plan) gives:

- for every demand and share-policy row, an interval of its right-hand side over which its
  shadow price holds: tonnes of demand, or a share as a fraction;
- for every offer, an interval of its price (USD/kg) over which the plan stays optimal.

The intervals are those over which the plan's basis stays optimal: the price or the plan
is guaranteed across them, and may hold further where the basis changes without the price
or the plan changing (a degenerate step).

reopt re-solves the plan's LP with HiGHS's dual simplex (presolve off) to get a basis, and
checks that it reaches the plan's cost. Where the optimum is not unique (degenerate), the
ranges belong to HiGHS's basis, which may differ from another back end's. Ranging needs an
LP: a plan with minimum orders (a MILP) has none.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from reopt.backends.highs import apply_settings, map_status, new_highs, pass_model, run
from reopt.errors import NoSolutionError, SolverError
from reopt.formulation import KG_PER_T
from reopt.policies import Bound
from reopt.status import Status

if TYPE_CHECKING:
    from reopt.plan import Plan

__all__ = ["price_ranges", "shadow_price_ranges"]


def shadow_price_ranges(plan: Plan) -> pd.DataFrame:
    """`Plan.shadow_prices` with ``valid_from``, ``valid_to`` and ``range_unit``.

    For a share policy on a tonnes basis, the range is of the share (a fraction: the cap or
    floor at which the shadow price stops holding); for demand, of the tonnes demanded. A
    value-basis policy's bound sits in the matrix, not the right-hand side, so its range is
    NaN.
    """
    ranging, lp = _ranging(plan), plan.lp
    rows = lp.rows
    family = rows["family"].to_numpy()
    keep = np.flatnonzero((family == "demand") | (family == "policy"))
    # the table lists demand rows first, then policy rows, each in row order
    order = np.concatenate([keep[family[keep] == "demand"], keep[family[keep] == "policy"]])
    up = np.asarray(ranging.row_bound_up.value_, dtype=float)[order]
    down = np.asarray(ranging.row_bound_dn.value_, dtype=float)[order]
    base = rows["base_t"].to_numpy()[order]
    tonnes_policy = (family[order] == "policy") & (rows["value_col"].to_numpy()[order] < 0)
    demand = family[order] == "demand"
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(demand, down, np.where(tonnes_policy, down / base, np.nan))
        high = np.where(demand, up, np.where(tonnes_policy, up / base, np.nan))
    table = plan.shadow_prices
    # a slack policy row's price (0) holds for as long as the bound stays slack: from the
    # share reached up to 100% for a cap, from 0% up to the share reached for a floor
    assert plan.solution.x is not None
    reached = lp.row_activity(plan.solution.x)[order]
    slack = tonnes_policy & ~table["binding"].to_numpy(dtype=bool)
    is_cap = np.array(
        [
            lp.policies[k].bound is Bound.MAX if k >= 0 else False
            for k in rows["policy"].to_numpy()[order]
        ]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(base > 0, reached / base, 0.0)
    low = np.where(slack, np.where(is_cap, share, 0.0), low)
    high = np.where(slack, np.where(is_cap, 1.0, share), high)
    table["valid_from"] = np.where(tonnes_policy, np.clip(low, 0.0, 1.0), low) + 0.0
    table["valid_to"] = np.where(tonnes_policy, np.clip(high, 0.0, 1.0), high) + 0.0
    table["range_unit"] = np.where(demand, "t", np.where(tonnes_policy, "share", ""))
    return table


def price_ranges(plan: Plan) -> pd.DataFrame:
    """For every offer of a demanded product: the price interval over which the plan holds.

    Columns: source, product, [period], country, tonnes, price_usd_per_kg,
    price_low_usd_per_kg, price_high_usd_per_kg (-inf / inf when unbounded). With a
    value-basis policy in force, prices also sit in that policy's rows, which ranging does
    not cover; the bounds are then NaN.
    """
    ranging, lp = _ranging(plan), plan.lp
    enc = plan.market.encoded
    offers = np.flatnonzero(enc.group >= 0)
    table = plan._offer_table(offers, extra=False)
    table["country"] = enc.labels["country"][enc.codes["country"][offers]]
    table["tonnes"] = plan.solution.x[offers] if plan.solution.x is not None else np.nan
    table["price_usd_per_kg"] = enc.price_usd_per_kg[offers]
    low = np.asarray(ranging.col_cost_dn.value_, dtype=float)[offers] / KG_PER_T
    high = np.asarray(ranging.col_cost_up.value_, dtype=float)[offers] / KG_PER_T
    if (lp.rows["value_col"].to_numpy() >= 0).any():
        low = high = np.full(len(offers), np.nan)
    table["price_low_usd_per_kg"] = low + 0.0
    table["price_high_usd_per_kg"] = high + 0.0
    return table


def _ranging(plan: Plan) -> Any:
    if not plan.is_optimal:
        raise NoSolutionError(f"the plan is {plan.status.value}, so it has no ranges")
    if plan.lp.is_mip:
        raise NoSolutionError(
            "no ranges for this plan: minimum orders make the model a MILP, and ranging needs an LP"
        )
    h = new_highs()
    apply_settings(h, {"presolve": "off", "solver": "simplex", "threads": 1})
    pass_model(h, plan.lp)
    run(h)
    status = map_status(h.getModelStatus())
    objective = float(h.getInfo().objective_function_value)
    if status is not Status.OPTIMAL or not math.isclose(
        objective, plan.solution.objective, rel_tol=1e-7, abs_tol=1e-6
    ):
        raise SolverError(
            f"ranging: HiGHS's re-solve ended {status.value} at {objective:.10g}, not at the "
            f"plan's optimum {plan.solution.objective:.10g}"
        )
    _, ranging = h.getRanging()
    if not ranging.valid:
        raise SolverError("HiGHS could not compute ranges for this plan")
    return ranging
