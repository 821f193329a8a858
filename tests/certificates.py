"""Check an LP solution with its duals as an optimality certificate, from reopt's arrays.

For ``min c x, l <= A x <= u, lo <= x <= up`` with row duals ``y`` and column duals ``z``
(HiGHS's convention: the change of the objective per unit increase of a bound):

- stationarity: ``c - A^T y - z = 0``;
- sign and complementary slackness: ``y_i > 0`` only where row ``i`` sits at its lower
  bound, ``y_i < 0`` only at its upper bound (likewise ``z`` for columns);
- strong duality: ``c x`` equals the sum of each dual times the bound it sits at.
"""

from __future__ import annotations

import numpy as np

import reopt


def assert_certificate(plan: reopt.Plan, rtol: float = 1e-7) -> None:
    lp, sol = plan.lp, plan.solution
    assert plan.status is reopt.Status.OPTIMAL
    x, y, z = sol.x, sol.row_dual, sol.col_dual
    assert x is not None and y is not None and z is not None, "no duals"
    price_scale = max(1.0, float(np.abs(lp.cost).max()))

    residual = lp.cost - lp.column_activity(y) - z
    assert np.abs(residual).max() <= rtol * price_scale, "stationarity fails"

    activity = lp.row_activity(x)
    primal = float(lp.cost @ x)
    money = max(1.0, abs(primal))
    _check_side(y, activity, lp.row_lower, lp.row_upper, rtol, price_scale, "row", money)
    _check_side(z, x, lp.col_lower, lp.col_upper, rtol, price_scale, "column", money)

    dual = _bound_value(y, lp.row_lower, lp.row_upper) + _bound_value(z, lp.col_lower, lp.col_upper)
    assert abs(primal - dual) <= rtol * max(1.0, abs(primal)), (primal, dual)


def _check_side(dual, value, lower, upper, rtol, price_scale, what, money_scale):
    """A dual beyond ``tol_d`` must sit at the bound it prices, unless the distance to it
    is worth no more than ``rtol`` of the objective (an offer of 1e-9 of its product's
    demand, left unbought at a price a little above the marginal one)."""
    tol_d = rtol * price_scale
    tol_v = 1e-7 * np.maximum(1.0, np.abs(value))
    to_lower = np.abs(value - np.where(np.isfinite(lower), lower, np.inf))
    to_upper = np.abs(value - np.where(np.isfinite(upper), upper, np.inf))
    worth = rtol * money_scale
    with np.errstate(invalid="ignore"):  # a zero dual times an infinite distance
        at_lower = (to_lower <= tol_v) | (np.abs(dual) * to_lower <= worth)
        at_upper = (to_upper <= tol_v) | (np.abs(dual) * to_upper <= worth)
    bad_pos = (dual > tol_d) & ~at_lower
    bad_neg = (dual < -tol_d) & ~at_upper
    assert not bad_pos.any(), (
        f"{what} duals > 0 away from the lower bound: {np.flatnonzero(bad_pos)}"
    )
    assert not bad_neg.any(), (
        f"{what} duals < 0 away from the upper bound: {np.flatnonzero(bad_neg)}"
    )


def _bound_value(dual, lower, upper) -> float:
    bound = np.where(dual > 0, lower, upper)
    active = dual != 0
    return float(np.sum(dual[active] * bound[active]))


def unique_row_duals(plan: reopt.Plan, rtol: float = 1e-6) -> np.ndarray | None:
    """The rows whose duals every optimal dual solution shares, when all of them are fixed.

    Any dual optimum is complementary to the plan's point: zero on rows away from their
    bounds and on columns strictly inside theirs. The duals of the rows at a bound (``R``)
    then solve ``A[R, J]^T y_R = c_J`` over the inside columns ``J``; where ``A[R, J]`` has
    full row rank they are unique. Near a bound counts as at it and near a bound as not
    inside (``rtol``), so that doubt makes fewer duals unique, never more. Returns the mask
    of rows at a bound, or None when their duals are not unique. Dense: small programs only.
    """
    lp, x = plan.lp, plan.solution.x
    assert x is not None
    a = np.zeros((lp.n_rows, lp.n_cols))
    np.add.at(a, (lp.entry_row, lp.col_index), lp.value)
    activity = a @ x

    def near(value, bound):
        return np.isfinite(bound) & (
            np.abs(value - np.where(np.isfinite(bound), bound, 0))
            <= rtol * np.maximum(1.0, np.abs(value))
        )

    at_bound = near(activity, lp.row_lower) | near(activity, lp.row_upper)
    inside = ~near(x, lp.col_lower) & ~near(x, lp.col_upper)
    block = a[np.ix_(at_bound, inside)]
    if not at_bound.any():
        return at_bound
    if np.linalg.matrix_rank(block) < int(at_bound.sum()):
        return None
    return at_bound
