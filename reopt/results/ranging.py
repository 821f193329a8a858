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
found them (`reopt.backends.highs_tools.cost_ranges_at`), and reopt checks that the basis
keeps the plan's tonnes. The intervals are those over which that basis stays optimal: the
plan is guaranteed across them, and may hold further where the basis changes without the
plan changing (a degenerate step).
Ranging needs an LP: a plan with minimum orders (a MILP) has none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from reopt.backends.highs import HighsSession
from reopt.backends.highs_tools import cost_ranges_at
from reopt.errors import NoSolutionError, SolverError
from reopt.model.formulation import KG_PER_T
from reopt.model.program import LinearProgram, RowFamily
from reopt.model.shares import demand_coupling
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
    family = lp.row_family
    # the table lists demand rows first, then policy rows, each in row order
    order = np.concatenate([lp.family_rows(RowFamily.DEMAND), lp.family_rows(RowFamily.POLICY)])
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
        elif rows["value_col"].iat[r] < 0 and np.isfinite(rows["share"].iat[r]):
            share, base = float(rows["share"].iat[r]), float(rows["base_t"].iat[r])
            t_low, t_high = face.span(np.array([r]), np.array([base]), -share, 1.0 - share)
            low[i], high[i], unit[i] = share + t_low, share + t_high, "share"
    table = plan.shadow_prices
    extra = len(table) - len(order)  # stock bounds after the rows: not ranged here
    table["valid_from"] = np.append(low, np.full(extra, np.nan)) + 0.0
    table["valid_to"] = np.append(high, np.full(extra, np.nan)) + 0.0
    table["range_unit"] = np.append(unit, np.full(extra, "", dtype=object))
    return table


def policy_span(plan: Plan, k: int) -> tuple[float, float]:
    """The shares of policy ``k`` (all its rows at once) over which the plan's prices hold.

    For a tonnes-basis policy of an optimal LP plan: the piece of the cost-against-share
    curve the plan sits on, from one kink (or the end of the feasible shares) to the next.
    """
    _require_lp(plan)
    lp = plan.lp
    mine = lp.rows_of(k)
    share = lp.policies[k].share
    base = lp.label("base_t")[mine]
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
        row_dual, col_dual = plan.duals
        rows_of = lp.entry_row
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
        face = LinearProgram.from_arrays(
            cost=np.zeros(self._t + 1),
            col_lower=np.append(lp.col_lower[free] / col_scale[free], 0.0),
            col_upper=np.append(lp.col_upper[free] / col_scale[free], 0.0),
            row_lower=self._lower,
            row_upper=self._upper,
            row_start=starts,
            col_index=new_col[lp.col_index[keep]],
            value=value[keep],
        )
        settings = {"presolve": "off", "threads": 1, "small_matrix_value": SMALLEST_ENTRY}
        self._session = HighsSession(face, settings=settings)
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
        session = self._session
        rows = np.asarray(rows, dtype=np.int64)
        coef = np.asarray(coef, dtype=float) * self._row_scale[rows]
        t_min, t_max = self._bounds_alone(rows, coef, t_min, t_max)
        rows, coef = rows[~self._alone[rows]], coef[~self._alone[rows]]
        scale = float(np.max(np.abs(coef), initial=0.0)) or 1.0
        t = np.array([self._t])
        session.set_coefficients(
            self._direction, np.full(len(self._direction), self._t), 0.0 * self._direction
        )
        session.set_coefficients(rows, np.full(len(rows), self._t), -coef / scale)
        self._direction = rows
        session.set_col_bounds(t, float(t_min) * scale, float(t_max) * scale)
        ends = []
        for sense in (1.0, -1.0) if t_min < t_max else (1.0,):  # a fixed t: one feasibility LP
            session.set_costs(t, np.array([sense]))
            solution = session.run()
            status = solution.status
            if status is Status.OPTIMAL and solution.x is not None:
                at = float(solution.x[self._t]) / scale
                ends.append(min(max(at, t_min), t_max))  # within tolerance of them, or there
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
    rows_of = lp.entry_row
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
    _require_lp(plan)
    lp = plan.lp
    assert plan.solution.x is not None
    ranges = cost_ranges_at(lp, plan.solution.x)
    enc = plan.market.encoded
    offers = np.flatnonzero(enc.group >= 0)
    table = plan.offer_table(offers, extra=False)
    table["country"] = enc.labels["country"][enc.codes["country"][offers]]
    table["tonnes"] = plan.solution.x[offers] if plan.solution.x is not None else np.nan
    table["price_usd_per_kg"] = enc.price_usd_per_kg[offers]
    low = ranges.low[offers] / KG_PER_T
    high = ranges.high[offers] / KG_PER_T
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
