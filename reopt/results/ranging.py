"""Sensitivity ranges: over what span each shadow price and each offer's price hold.

For an optimal LP plan:

- every demand and share-policy row gets the interval of its bound over which its shadow
  price holds: tonnes of demand, or a share as a fraction;
- every offer gets the interval of its price (USD/kg) over which the plan stays optimal.

Shadow prices are ranged exactly, from the plan's own prices: the price of a row holds for
every bound at which the plan's shadow prices and reduced costs stay optimal, that is where
some purchase with the same binding rows and unused offers exists. reopt finds the two ends
with two small LPs over that set (the optimal face). Demand moves the bounds of the share
rows that are shares of it too, so demand is ranged along that direction, the same one its
shadow price is the slope of. The spans are the widest over which the price holds.

Offer prices are ranged by HiGHS on a basis of the plan's own tonnes, whichever back end
found them (see `_ranging`), and reopt checks that the basis keeps the plan's tonnes. The
intervals are those over which that basis stays optimal: the plan is guaranteed across them,
and may hold further where the basis changes without the plan changing (a degenerate step).
Ranging needs an LP: a plan with minimum orders (a MILP) has none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import highspy
import numpy as np
import pandas as pd

from reopt.backends.highs import apply_settings, map_status, new_highs, pass_model, run
from reopt.errors import NoSolutionError, SolverError
from reopt.model.formulation import KG_PER_T, LinearProgram, demand_coupling
from reopt.status import Status

if TYPE_CHECKING:
    from reopt.data.market import Encoded
    from reopt.results.plan import Plan

__all__ = ["policy_span", "price_ranges", "shadow_price_ranges"]

#: A reduced cost or dual smaller than this, relative to the terms it is made of, is zero.
DUAL_RTOL = 1e-7
#: ... and one smaller than this is zero whatever its terms (a solver's 2e-13 where all are 0).
DUAL_ATOL = 1e-9
#: Matrix entries HiGHS may drop as noise in reopt's scaled ranging and limit LPs (its least).
SMALLEST_ENTRY = 1e-12
#: How close to a bound a value must be to sit at it, relative to its size: tried in turn,
#: exact first (a simplex answer), then looser for answers printed with fewer digits.
AT_BOUND_RTOLS = (0.0, 1e-9, 1e-7)


def shadow_price_ranges(plan: Plan) -> pd.DataFrame:
    """`Plan.shadow_prices` with ``valid_from``, ``valid_to`` and ``range_unit``.

    For a share policy on a tonnes basis, the range is of the share (a fraction: the cap or
    floor at which the shadow price stops holding); for demand, of the tonnes demanded,
    with the share rules' bounds moving along. A value-basis policy's bound sits in the
    matrix, not the right-hand side, so its range is NaN.
    """
    _require_lp(plan)
    lp, enc = plan.lp, plan.market.encoded
    rows = lp.rows
    family = rows["family"].to_numpy()
    # the table lists demand rows first, then policy rows, each in row order
    order = np.concatenate([np.flatnonzero(family == "demand"), np.flatnonzero(family == "policy")])
    face = _OptimalFace(plan)
    coupled_row, coupled_demand, coupled_coef = demand_coupling(lp, enc)
    low = np.full(len(order), np.nan)
    high = np.full(len(order), np.nan)
    unit = np.full(len(order), "", dtype=object)
    for i, r in enumerate(order):
        if family[r] == "demand":
            d = int(rows["demand_row"].iat[r])
            along = coupled_demand == d
            demand = float(enc.demand_t[d])
            t_low, t_high = face.span(coupled_row[along], coupled_coef[along], -demand, np.inf)
            low[i], high[i], unit[i] = demand + t_low, demand + t_high, "t"
        elif rows["value_col"].iat[r] < 0:
            share, base = float(rows["share"].iat[r]), float(rows["base_t"].iat[r])
            t_low, t_high = face.span(np.array([r]), np.array([base]), -share, 1.0 - share)
            low[i], high[i], unit[i] = share + t_low, share + t_high, "share"
    table = plan.shadow_prices
    table["valid_from"] = low + 0.0
    table["valid_to"] = high + 0.0
    table["range_unit"] = unit
    return table


def policy_span(plan: Plan, k: int) -> tuple[float, float]:
    """The shares of policy ``k`` (all its rows at once) over which the plan's prices hold.

    For a tonnes-basis policy of an optimal LP plan: the piece of the cost-against-share
    curve the plan sits on, from one kink (or the end of the feasible shares) to the next.
    """
    _require_lp(plan)
    lp = plan.lp
    rows = lp.rows
    mine = np.flatnonzero(
        (rows["family"].to_numpy() == "policy") & (rows["policy"].to_numpy() == k)
    )
    share = lp.policies[k].share
    base = rows["base_t"].to_numpy()[mine]
    low, high = _OptimalFace(plan).span(mine, base, -share, 1.0 - share)
    return share + low, share + high


class _OptimalFace:
    """The purchases that keep the plan's shadow prices and reduced costs optimal.

    With the plan's duals fixed, a purchase is optimal exactly when every row with a
    non-zero shadow price sits at its bound and every offer with a non-zero reduced cost
    sits at its own (complementary slackness). `span` moves some row bounds by ``t`` times
    a direction and finds, by two LPs over the remaining free columns, how far ``t`` can go
    either way with such a purchase still possible: the span of the prices.
    """

    def __init__(self, plan: Plan) -> None:
        lp = plan.lp
        row_dual, col_dual = plan._duals
        rows_of = np.repeat(np.arange(lp.n_rows), np.diff(lp.row_start))
        # a reduced cost is c_j - sum_i a_ij y_i: it counts as zero when small against the
        # terms it is made of, so an expensive offer elsewhere changes nothing here
        terms = np.abs(lp.cost) + np.bincount(
            lp.col_index, weights=np.abs(lp.value * row_dual[rows_of]), minlength=lp.n_cols
        )
        at_lower = col_dual > DUAL_RTOL * terms + DUAL_ATOL
        at_upper = col_dual < -DUAL_RTOL * terms - DUAL_ATOL
        fixed_value = np.where(at_lower, lp.col_lower, np.where(at_upper, lp.col_upper, 0.0))
        free = ~(at_lower | at_upper)
        if not np.all(np.isfinite(fixed_value)):
            raise SolverError("ranging: the plan's reduced costs point at an infinite bound")
        constant = lp.row_activity(fixed_value)
        # a row's dual, likewise, against the reduced-cost terms of its own columns
        filled = np.diff(lp.row_start) > 0
        first = lp.row_start[:-1][filled]
        row_terms = np.zeros(lp.n_rows)
        row_terms[filled] = np.maximum.reduceat(terms[lp.col_index], first) / np.maximum.reduceat(
            np.abs(lp.value), first
        )
        tight_low = row_dual > DUAL_RTOL * row_terms + DUAL_ATOL
        tight_high = row_dual < -DUAL_RTOL * row_terms - DUAL_ATOL
        lower = np.where(tight_high, lp.row_upper, lp.row_lower) - constant
        upper = np.where(tight_low, lp.row_lower, lp.row_upper) - constant
        keep = free[lp.col_index]
        new_col = np.cumsum(free) - 1
        starts = np.concatenate([[0], np.cumsum(np.bincount(rows_of[keep], minlength=lp.n_rows))])
        # tonnes in units of their product's demand, rows in units of their size
        col_scale, self._row_scale = size_scales(lp, plan.market.encoded)
        value = lp.value * col_scale[lp.col_index] * self._row_scale[rows_of]
        self._alone = starts[1:] == starts[:-1]  # rows with no free offer: bounds on t alone
        self._lower, self._upper = lower * self._row_scale, upper * self._row_scale
        self._t = int(free.sum())
        self._direction = np.array([], dtype=np.int64)
        h = new_highs()
        apply_settings(h, {"presolve": "off", "threads": 1, "small_matrix_value": SMALLEST_ENTRY})
        status = h.passModel(
            self._t + 1,
            lp.n_rows,
            int(keep.sum()),
            int(highspy.MatrixFormat.kRowwise),
            int(highspy.ObjSense.kMinimize),
            0.0,
            np.zeros(self._t + 1),
            np.append(lp.col_lower[free] / col_scale[free], 0.0),
            np.append(lp.col_upper[free] / col_scale[free], 0.0),
            self._lower,
            self._upper,
            starts.astype(np.int32),
            new_col[lp.col_index[keep]].astype(np.int32),
            value[keep],
            np.zeros(self._t + 1, dtype=np.int32),
        )
        if status == highspy.HighsStatus.kError:
            raise SolverError("ranging: HiGHS rejected the optimal-face model")
        self._h = h
        # the plan itself lies on the face (t = 0), or its tonnes and duals do not fit
        self.span(np.array([], dtype=np.int64), np.array([]), 0.0, 0.0)

    def span(
        self, rows: np.ndarray, coef: np.ndarray, t_min: float, t_max: float
    ) -> tuple[float, float]:
        """Lowest and highest ``t`` in ``[t_min, t_max]`` for bounds moved by ``t * coef``.

        The LPs move ``u = scale * t``, with ``scale`` the largest scaled ``|coef|``, so that
        no step of ``t`` a column can make is small enough to pass for zero within HiGHS's
        dual tolerance, which would stop the LP short.
        """
        h = self._h
        rows = np.asarray(rows, dtype=np.int64)
        coef = np.asarray(coef, dtype=float) * self._row_scale[rows]
        t_min, t_max = self._bounds_alone(rows, coef, t_min, t_max)
        rows, coef = rows[~self._alone[rows]], coef[~self._alone[rows]]
        scale = float(np.max(np.abs(coef), initial=0.0)) or 1.0
        for r in self._direction:
            h.changeCoeff(int(r), self._t, 0.0)
        for r, c in zip(rows, coef, strict=True):
            h.changeCoeff(int(r), self._t, -float(c) / scale)
        self._direction = rows
        h.changeColBounds(self._t, float(t_min) * scale, float(t_max) * scale)
        ends = []
        for sense in (1.0, -1.0) if t_min < t_max else (1.0,):  # a fixed t: one feasibility LP
            h.changeColCost(self._t, sense)
            run(h)
            status = map_status(h.getModelStatus())
            if status is Status.OPTIMAL:
                t = float(h.getSolution().col_value[self._t]) / scale
                ends.append(min(max(t, t_min), t_max))  # within tolerance of them, or there
            elif status is Status.UNBOUNDED:
                ends.append(-sense * np.inf)
            else:
                raise SolverError(
                    f"ranging: the LP over the plan's optimal face ended {status.value}; the "
                    "plan's tonnes and shadow prices do not fit together (a first-order "
                    "answer, from method='pdlp', is too rough: use method='simplex')"
                )
        return ends[0], ends[-1]

    def _bounds_alone(
        self, rows: np.ndarray, coef: np.ndarray, t_min: float, t_max: float
    ) -> tuple[float, float]:
        """``[t_min, t_max]`` narrowed by the moved rows that hold no free offer.

        Such a row reads ``lower <= -coef * t <= upper``: an interval of ``t``, worked out
        here rather than left to the LP, where its coefficient could be far smaller than
        the others' and dropped as noise.
        """
        alone = self._alone[rows] & (coef != 0)
        c, lower, upper = coef[alone], self._lower[rows[alone]], self._upper[rows[alone]]
        with np.errstate(divide="ignore", invalid="ignore"):
            low = np.where(c > 0, -upper / c, -lower / c)
            high = np.where(c > 0, -lower / c, -upper / c)
        low_t, high_t = (
            max(t_min, float(np.max(low, initial=-np.inf))),
            min(t_max, float(np.min(high, initial=np.inf))),
        )
        if low_t > high_t:  # rounding, about the plan itself (t = 0)
            low_t = high_t = min(max(0.0, t_min), t_max)
        return low_t, high_t


def size_scales(lp: LinearProgram, enc: Encoded) -> tuple[np.ndarray, np.ndarray]:
    """Scales that make a 1 kg product and a 10 Mt one look alike to HiGHS's tolerances.

    Returns the tonnes in one unit of each column (its product's demand, for an offer) and
    the factor for each row (one over its largest entry in those units, or over what it is
    a share of if that is larger; one for an empty row). An LP that moves shares by a
    column ``t`` then has entries near one for ``t`` and for every tonne of the products a
    row is about, so that neither a small product's rows nor a large product's tonnes pass
    for zero. (A 1 kg product's entry in a row about 10 Mt is 1e-10, as it should be: HiGHS
    must keep it, `SMALLEST_ENTRY`.)
    """
    group = np.where(lp.col_offer >= 0, enc.group[np.maximum(lp.col_offer, 0)], -1)
    size = np.where(group >= 0, enc.demand_t[np.maximum(group, 0)], 1.0)
    col_scale = np.where(size > 0, size, 1.0)
    rows_of = np.repeat(np.arange(lp.n_rows), np.diff(lp.row_start))
    # a share row is as large as what it is a share of, however small its own entries:
    # "Vietnam's 1 kg at most 66% of 10 Mt" is a row about 10 Mt
    base = np.nan_to_num(np.abs(lp.rows["base_t"].to_numpy(dtype=float)))
    largest = base.copy()
    np.maximum.at(largest, rows_of, np.abs(lp.value * col_scale[lp.col_index]))
    row_scale = 1.0 / np.where(largest > 0, largest, 1.0)
    return col_scale, row_scale


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


def _require_lp(plan: Plan) -> None:
    if not plan.is_optimal:
        raise NoSolutionError(f"the plan is {plan.status.value}, so it has no ranges")
    if plan.lp.is_mip:
        raise NoSolutionError(
            "no ranges for this plan: minimum orders make the model a MILP, and ranging needs an LP"
        )


def _ranging(plan: Plan) -> Any:
    """HiGHS's ranging on a basis at the plan's own tonnes, whichever back end found them.

    First every offer at a bound is fixed there and every row at a bound made an equality:
    at a vertex only the plan's tonnes are left, and simplex finds a basis for them. Then the
    bounds are restored and primal simplex (without bound perturbation) makes that basis
    optimal for the whole LP; from an optimal point its pivots cannot move the tonnes.
    """
    _require_lp(plan)
    lp, x = plan.lp, plan.solution.x
    assert x is not None
    activity = lp.row_activity(x)
    for rtol in (*AT_BOUND_RTOLS, None):  # the first that leaves exactly the plan's tonnes
        h = new_highs()
        apply_settings(h, {"presolve": "off", "solver": "simplex", "threads": 1})
        pass_model(h, lp)
        cols = np.arange(lp.n_cols, dtype=np.int32)
        rows = np.arange(lp.n_rows, dtype=np.int32)
        if rtol is None:  # last: HiGHS's own vertex, if it is the plan's within its digits
            at_lower = at_upper = np.zeros(lp.n_cols, dtype=bool)
            row_low = row_up = np.zeros(lp.n_rows, dtype=bool)
        else:
            at_lower, at_upper = _at_bounds(x, lp.col_lower, lp.col_upper, rtol)
            row_low, row_up = _at_bounds(activity, lp.row_lower, lp.row_upper, rtol)
            h.changeColsBounds(
                lp.n_cols, cols, *_pinned(lp.col_lower, lp.col_upper, at_lower, at_upper)
            )
            h.changeRowsBounds(
                lp.n_rows, rows, *_pinned(lp.row_lower, lp.row_upper, row_low, row_up)
            )
        run(h)
        if _keeps(h, x):
            break
    else:
        raise NoSolutionError(
            "no price ranges for this plan: no basis holds its tonnes, which are not at a "
            "vertex of the LP (a first-order or interior-point answer); solve with the "
            "simplex method (method='simplex', or --method simplex) for ranges"
        )
    # HiGHS marks a fixed value "at lower"; say which bound each nonbasic one really is at
    basis = h.getBasis()
    basis.col_status = _statuses_at(basis.col_status, at_lower, at_upper)
    basis.row_status = _statuses_at(basis.row_status, row_low, row_up)
    h.changeColsBounds(lp.n_cols, cols, lp.col_lower, lp.col_upper)
    h.changeRowsBounds(lp.n_rows, rows, lp.row_lower, lp.row_upper)
    h.setBasis(basis)
    h.setOptionValue("simplex_strategy", 4)  # primal simplex
    h.setOptionValue("primal_simplex_bound_perturbation_multiplier", 0.0)
    run(h)
    if not _keeps(h, x):
        raise SolverError("ranging: HiGHS moved off the plan's tonnes while finding its basis")
    _, ranging = h.getRanging()
    if not ranging.valid:
        raise SolverError("HiGHS could not compute ranges for this plan")
    return ranging


def _at_bounds(
    value: np.ndarray, lower: np.ndarray, upper: np.ndarray, rtol: float
) -> tuple[np.ndarray, np.ndarray]:
    """Which values sit at their lower bound, and which (of the others) at their upper."""
    tol = rtol * np.maximum(1.0, np.abs(value))
    low = np.abs(value - lower) <= tol
    return low, ~low & (np.abs(value - upper) <= tol)


def _pinned(
    lower: np.ndarray, upper: np.ndarray, low: np.ndarray, up: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds with every value at a bound fixed there."""
    at = np.where(low, lower, upper)
    pinned = low | up
    return np.where(pinned, at, lower), np.where(pinned, at, upper)


def _statuses_at(status: Any, low: np.ndarray, up: np.ndarray) -> list[Any]:
    """Basis statuses with every nonbasic entry set to the bound it sits at."""
    out = np.array(list(status), dtype=object)
    nonbasic = out != highspy.HighsBasisStatus.kBasic
    out[low & nonbasic] = highspy.HighsBasisStatus.kLower
    out[up & nonbasic] = highspy.HighsBasisStatus.kUpper
    return out.tolist()


def _keeps(h: Any, x: np.ndarray) -> bool:
    """Whether ``h`` ended optimal at the tonnes ``x``."""
    if map_status(h.getModelStatus()) is not Status.OPTIMAL:
        return False
    at = np.asarray(h.getSolution().col_value, dtype=float)
    scale = max(1.0, float(np.abs(x).max(initial=0.0)))
    return bool(np.allclose(at, x, rtol=1e-7, atol=1e-7 * scale))
