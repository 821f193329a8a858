"""`SweepPoint`: one solved point of a sweep, reduced to what its row of the table needs.

A sweep makes hundreds of plans; `summarise` keeps of each only its status, cost, the swept
policy's price, China's share of each product and the offers bought, computed in numpy.
`with_span` adds the piece of the cost curve the point is on (for the breakpoint search).
`cheapest_plans_buy` names the offers bought in at least one cheapest plan: where offers tie
in price, the plan a solver returns buys some of them, and which is its own choice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from reopt.backends.highs import solve_highs
from reopt.data.market import Market
from reopt.errors import SolverError
from reopt.model.shares import Bound
from reopt.options import Method, SolverOptions
from reopt.results.plan import Plan
from reopt.results.ranging import DUAL_ATOL, DUAL_RTOL, SMALLEST_ENTRY, policy_span, size_scales
from reopt.status import Status

__all__ = [
    "FACE_TOL",
    "SweepPoint",
    "bought_mask",
    "cheapest_plans_buy",
    "demand_names",
    "offer_names",
    "policy_price",
    "summarise",
    "with_span",
]

#: Tonnes (as a share of their product's demand) that an LP over the cheapest plans must give
#: an offer to count it as bought there: HiGHS's feasibility tolerance, so that no rounding
#: passes for a purchase.
FACE_TOL = 1e-7


@dataclass(frozen=True)
class SweepPoint:
    """One solved point.

    Attributes
    ----------
    value : float
        The parameter's value.
    kind : str
        ``grid``, ``breakpoint``, ``min_feasible`` or ``max_feasible``; ``piece`` for a point
        solved inside a piece of the curve only to say which offers the piece buys (it is
        not a row of the table).
    status : Status
    cost_usd : float
    price_usd_per_pp : float
        The swept policy's price, all its rows together (NaN without one).
    china : mapping of str to float
        China's share of each product (by `demand_names`).
    bought : bytes
        Offers bought: one bit per offer of the market, in its order (`numpy.packbits`;
        `bought_mask` reads it back).
    span : tuple of float, optional
        The piece of the curve this point is on (its ends, in shares).
    cheapest : frozenset of int, optional
        Offers bought in at least one cheapest plan at this value (`cheapest_plans_buy`),
        where it was asked for.
    """

    value: float
    kind: str
    status: Status
    cost_usd: float
    price_usd_per_pp: float
    china: Mapping[str, float]
    bought: bytes
    span: tuple[float, float] | None = None
    cheapest: frozenset[int] | None = None


def summarise(plan: Plan, varied: int | None, value: float, kind: str) -> SweepPoint:
    """The plan's row of the table; ``varied`` is the swept policy's position, if any."""
    china: dict[str, float] = {}
    bought = b""
    price = math.nan
    x = plan.solution.x
    if plan.is_optimal and x is not None:
        enc = plan.market.encoded
        offers = x[: plan.lp.n_offers]
        labels = list(enc.labels["country"])
        cn = enc.codes["country"] == labels.index("CN") if "CN" in labels else None
        china_t: np.ndarray = np.zeros(len(enc.demand_t))
        if cn is not None:
            counted = cn & (enc.group >= 0)
            china_t = np.bincount(
                enc.group[counted], weights=offers[counted], minlength=len(enc.demand_t)
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(enc.demand_t > 0, china_t / enc.demand_t, 0.0)
        china = dict(zip(demand_names(plan.market), share.tolist(), strict=True))
        bought = np.packbits(plan.bought).tobytes()
        if varied is not None and plan.has_prices:
            price = policy_price(plan, varied, x)
            bound = plan.lp.policies[varied].bound
            if value >= 1.0 if bound is Bound.MAX else value <= 0.0:
                # a cap of 100% (floor of 0%) cannot bind: loosening it saves nothing, and
                # the solver's dual there is only one of many
                price = 0.0
    return SweepPoint(value, kind, plan.status, plan.cost_usd, price, china, bought)


def bought_mask(point: SweepPoint, n_offers: int) -> np.ndarray:
    """Which of the market's ``n_offers`` offers ``point`` buys (none without a plan).

    Examples
    --------
    >>> import reopt
    >>> plan = reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6)
    >>> point = summarise(plan, None, 0.6, "grid")
    >>> bool((bought_mask(point, plan.market.n_offers) == plan.bought).all())
    True
    """
    bits = np.frombuffer(point.bought, dtype=np.uint8)
    if not len(bits):
        return np.zeros(n_offers, dtype=bool)
    return np.unpackbits(bits, count=n_offers).astype(bool)


def policy_price(plan: Plan, k: int, x: np.ndarray) -> float:
    """USD saved by loosening policy ``k`` by one percentage point on all its rows."""
    lp = plan.lp
    row_dual = plan.solution.row_dual
    assert row_dual is not None
    prices = lp.policies[k].prices(lp, lp.rows_of(k), row_dual, x)
    return float(np.sum(prices)) + 0.0


def with_span(point: SweepPoint, plan: Plan, varied: int | None) -> SweepPoint:
    """The point with its piece of the curve, where the plan's prices give one."""
    if varied is None or not plan.has_prices:
        return point
    try:
        return replace(point, span=policy_span(plan, varied))
    except SolverError:
        return point  # the breakpoint search then falls back on the tangents alone


def cheapest_plans_buy(plan: Plan) -> frozenset[int]:
    """The offers (positions in the market) bought in at least one cheapest plan.

    Any optimal shadow prices and reduced costs describe every cheapest plan (complementary
    slackness): an offer whose reduced cost is positive is bought in none of them, one whose
    reduced cost is negative up to its capacity in all, and the rest -- offers priced at the
    margin, such as two offers tied in price -- in any amounts that keep every row with a
    shadow price at its bound. Whatever the plan itself buys is in; each marginal offer it
    leaves out is tested by LPs over that set, in units of each product's demand: the most
    the untested offers can buy together, where those bought join, until the rest can buy
    nothing (one LP per group of tied offers, and one more). The answer is the same whichever
    cheapest plan the solver returned. Without shadow prices: the offers the plan buys.
    """
    bought = plan.bought.copy()
    if not plan.has_prices:
        return frozenset(np.flatnonzero(bought).tolist())
    lp, enc = plan.lp, plan.market.encoded
    row_dual, col_dual = plan.duals
    # a reduced cost or a dual is zero when small against the terms it is made of
    terms = np.abs(lp.cost) + np.bincount(
        lp.col_index, weights=np.abs(lp.value * row_dual[lp.entry_row]), minlength=lp.n_cols
    )
    at_lower = col_dual > DUAL_RTOL * terms + DUAL_ATOL
    at_upper = col_dual < -DUAL_RTOL * terms - DUAL_ATOL
    row_terms = np.zeros(lp.n_rows)
    np.maximum.at(row_terms, lp.entry_row, terms[lp.col_index] / np.abs(lp.value))
    tight_low = row_dual > DUAL_RTOL * row_terms + DUAL_ATOL
    tight_high = row_dual < -DUAL_RTOL * row_terms - DUAL_ATOL
    n = lp.n_offers
    col_scale, row_scale = size_scales(lp, enc)
    demanded = enc.group >= 0
    open_ = demanded & (lp.col_upper[:n] / col_scale[:n] > FACE_TOL)
    bought |= at_upper[:n] & open_
    unknown = open_ & ~bought & ~at_lower[:n] & ~at_upper[:n]
    if not unknown.any():
        return frozenset(np.flatnonzero(bought).tolist())
    # the cheapest plans: offers with a reduced cost at their bound, priced rows at theirs
    lower = np.where(at_lower, lp.col_lower, np.where(at_upper, lp.col_upper, lp.col_lower))
    upper = np.where(at_lower, lp.col_lower, np.where(at_upper, lp.col_upper, lp.col_upper))
    if not (np.all(np.isfinite(lower)) and np.all(lower <= upper)):
        return frozenset(np.flatnonzero(bought).tolist())  # duals at an infinite bound
    everything = np.arange(lp.n_cols)
    rows = np.arange(lp.n_rows)
    face = (
        lp.with_col_bounds(everything, lower=lower, upper=upper)
        .with_row_bounds(
            rows,
            lower=np.where(tight_high, lp.row_upper, lp.row_lower),
            upper=np.where(tight_low, lp.row_lower, lp.row_upper),
        )
        .scaled(col_scale, row_scale)
    )
    options = SolverOptions(
        method=Method.SIMPLEX, presolve=False, extra={"small_matrix_value": SMALLEST_ENTRY}
    )
    while unknown.any():
        cost = np.zeros(lp.n_cols)
        cost[:n][unknown] = -1.0  # as much as the untested offers can buy together
        solution = solve_highs(face.with_costs(cost), options)
        if solution.status is not Status.OPTIMAL or solution.x is None:
            break
        new = unknown & (solution.x[:n] > FACE_TOL)
        if not new.any():
            break
        bought |= new
        unknown &= ~new
    return frozenset(np.flatnonzero(bought).tolist())


def demand_names(market: Market) -> list[str]:
    """A name for each demand row: its product (``product / period`` with periods)."""
    enc = market.encoded  # the demand table's labels, without copying the table
    products = [str(v) for v in enc.demand_product.tolist()]
    if not market.has_periods:
        return products
    periods = enc.labels["period"][enc.demand_period_code].tolist()
    return [f"{product} / {period}" for product, period in zip(products, periods, strict=True)]


def offer_names(market: Market) -> np.ndarray:
    """``source / product`` (``/ period``) for every offer of ``market``."""
    enc = market.encoded
    names = np.char.add(
        np.char.add(enc.labels["source"][enc.codes["source"]].astype(str), " / "),
        enc.labels["product"][enc.codes["product"]].astype(str),
    )
    if market.has_periods:
        periods = enc.labels["period"][enc.codes["period"]].astype(str)
        names = np.char.add(np.char.add(names, " / "), periods)
    return names
