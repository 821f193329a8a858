"""`SweepPoint`: one solved point of a sweep, reduced to what its row of the table needs.

A sweep makes hundreds of plans; `summarise` keeps of each only its status, cost, the swept
policy's price, China's share of each product and the offers bought, computed in numpy.
`with_span` adds the piece of the cost curve the point is on (for the breakpoint search).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from reopt.data.market import Market
from reopt.errors import SolverError
from reopt.model.shares import Bound
from reopt.results.plan import Plan
from reopt.results.ranging import policy_span
from reopt.status import Status

__all__ = ["SweepPoint", "demand_names", "policy_price", "summarise", "with_span"]


@dataclass(frozen=True)
class SweepPoint:
    """One solved point.

    Attributes
    ----------
    value : float
        The parameter's value.
    kind : str
        ``grid``, ``breakpoint``, ``min_feasible`` or ``max_feasible``.
    status : Status
    cost_usd : float
    price_usd_per_pp : float
        The swept policy's price, all its rows together (NaN without one).
    china : mapping of str to float
        China's share of each product (by `demand_names`).
    bought : frozenset of int
        Offers bought (positions in the market).
    span : tuple of float, optional
        The piece of the curve this point is on (its ends, in shares).
    """

    value: float
    kind: str
    status: Status
    cost_usd: float
    price_usd_per_pp: float
    china: Mapping[str, float]
    bought: frozenset[int]
    span: tuple[float, float] | None = None


def summarise(plan: Plan, varied: int | None, value: float, kind: str) -> SweepPoint:
    """The plan's row of the table; ``varied`` is the swept policy's position, if any."""
    china: dict[str, float] = {}
    bought: frozenset[int] = frozenset()
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
        bought = frozenset(np.flatnonzero(plan.bought).tolist())
        if varied is not None and plan.has_prices:
            price = policy_price(plan, varied, x)
            bound = plan.lp.policies[varied].bound
            if value >= 1.0 if bound is Bound.MAX else value <= 0.0:
                # a cap of 100% (floor of 0%) cannot bind: loosening it saves nothing, and
                # the solver's dual there is only one of many
                price = 0.0
    return SweepPoint(value, kind, plan.status, plan.cost_usd, price, china, bought)


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


def demand_names(market: Market) -> list[str]:
    """A name for each demand row: its product (``product / period`` with periods)."""
    keys = market.demand_keys
    if len(keys) == 1:
        return [str(v) for v in market.demand[keys[0]].tolist()]
    rows = market.demand[keys].itertuples(index=False, name=None)
    return [" / ".join(map(str, key)) for key in rows]
