"""What a sweep varies: a share bound, offer prices or capacities, or demand, point by point.

`setup_sweep` checks the parameter a user chose (``china_cap`` as a list, ``vary`` with
``shares``, or one ``scale_*`` filter with ``factors``) and returns a `SweepSetup`, whose
`SweepSetup.build` gives the market and policies at any value of it. Each kind of change is
a small frozen dataclass with a ``build`` method:

- `ShareChange`: the market as it is, with the swept policy at the point's share;
- `OfferScale`: the price or capacity of the offers a filter picks, times a factor;
- `DemandScale`: the demand a filter picks, times a factor.

Filters (``{"country": "CN"}``) are read by `reopt.data.filters.match`, as policies read theirs.
A single ``china_cap`` (``0.6`` or ``"60%"``, by the rule of `reopt.share_rule`) is not swept:
it is ``cap_share(china_cap, country="CN")`` held at every point of another sweep, as
`reopt.solve` reads it and as ``reopt whatif --china-cap`` passes it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from reopt.data import filters
from reopt.data.market import Market
from reopt.errors import InputError, Problem, ProblemList
from reopt.model.policies import cap_share
from reopt.model.policy import Policy, policies_for
from reopt.model.shares import SharePolicy
from reopt.share_rule import share_value

__all__ = [
    "DEMAND_FILTERS",
    "OFFER_FILTERS",
    "DemandScale",
    "OfferScale",
    "ShareChange",
    "SweepSetup",
    "setup_sweep",
    "sweep_values",
]

#: Offer columns a what-if filter may name, and demand columns for ``scale_demand``.
OFFER_FILTERS = filters.FILTER_COLUMNS
DEMAND_FILTERS = ("product", "period")


@dataclass(frozen=True)
class ShareChange:
    """Each point: the market as it is, with the swept policy at the point's share."""

    market: Market
    fixed: tuple[Policy, ...]
    policy: SharePolicy

    def build(self, share: float) -> tuple[Market, tuple[Policy, ...]]:
        """The market and the policies (the swept one last) at ``share``."""
        return self.market, (*self.fixed, self.policy.with_share(share))


@dataclass(frozen=True)
class OfferScale:
    """Each point: one offer column (price or capacity) of the masked offers times a factor."""

    market: Market
    fixed: tuple[Policy, ...]
    column: str
    mask: np.ndarray

    def build(self, factor: float) -> tuple[Market, tuple[Policy, ...]]:
        """The market with the masked offers' ``column`` times ``factor``."""
        offers = self.market.offers.copy()
        scaled = offers[self.column].to_numpy(dtype=float).copy()
        part = scaled[self.mask]
        with np.errstate(invalid="ignore"):  # inf * 0: unlimited capacity scaled to nothing
            part = np.where(np.isinf(part) & (factor == 0), 0.0, part * factor)
        scaled[self.mask] = part  # unlimited capacity stays unlimited for factors > 0
        offers[self.column] = scaled
        if self.column == "capacity_t" and "min_order_t" in offers.columns:
            # an offer whose minimum order no longer fits its capacity cannot be bought
            minimum = offers["min_order_t"].to_numpy(dtype=float)
            shut = np.nan_to_num(minimum) > scaled
            offers.loc[shut, ["capacity_t", "min_order_t"]] = 0.0
        return self.market.replace(offers=offers), self.fixed


@dataclass(frozen=True)
class DemandScale:
    """Each point: the masked demand rows times a factor."""

    market: Market
    fixed: tuple[Policy, ...]
    mask: np.ndarray

    def build(self, factor: float) -> tuple[Market, tuple[Policy, ...]]:
        """The market with the masked demand times ``factor``."""
        demand = self.market.demand.copy()
        scaled = demand["demand_t"].to_numpy(dtype=float).copy()
        scaled[self.mask] = scaled[self.mask] * factor
        demand["demand_t"] = scaled
        return self.market.replace(demand=demand), self.fixed


@dataclass(frozen=True)
class SweepSetup:
    """What a sweep varies: the parameter's name and values, and how to build each point.

    Attributes
    ----------
    parameter : str
        The table's column for the parameter: ``china_cap``, ``share`` or ``factor``.
    values : tuple of float
        The grid, as given.
    change : ShareChange, OfferScale or DemandScale
        How each point's market and policies are built.
    market : Market
        The market as given.
    policy : SharePolicy or None
        The swept policy (share sweeps only).
    varied : int or None
        Its position among each point's policies.
    scaled : dict or None
        For a what-if: the ``column`` scaled and the ``filter`` that chose the offers or
        demand rows (copied to the sweep table's ``attrs["scaled"]`` for plots).
    """

    parameter: str
    values: tuple[float, ...]
    change: ShareChange | OfferScale | DemandScale
    market: Market
    policy: SharePolicy | None
    varied: int | None
    scaled: dict[str, object] | None = None

    def build(self, value: float) -> tuple[Market, tuple[Policy, ...]]:
        """The market and policies at ``value`` of the parameter."""
        return self.change.build(value)


def setup_sweep(
    market: Market,
    *,
    china_cap: float | str | Iterable[float | str] | None,
    vary: SharePolicy | None,
    shares: Iterable[float] | None,
    scale_price: Mapping[str, object] | None,
    scale_capacity: Mapping[str, object] | None,
    scale_demand: Mapping[str, object] | None,
    factors: Iterable[float] | None,
    policies: Iterable[Policy],
) -> SweepSetup:
    """Check the sweep's parameter (exactly one) and its values; see `reopt.sweep`.

    A single ``china_cap`` (a number or text) is a cap held at every point, not the parameter.
    """
    fixed = policies_for(market, policies=policies)
    swept: Iterable[object] | None = None
    if isinstance(china_cap, (int, float, str, numbers.Real)):  # one cap, held
        cap = share_value(china_cap, where="sweep()", column="china_cap")
        fixed = (cap_share(cap, country="CN"), *fixed)
    else:
        swept = china_cap
    modes = {
        "china_cap": swept is not None,
        "vary": vary is not None or shares is not None,
        "scale_price": scale_price is not None,
        "scale_capacity": scale_capacity is not None,
        "scale_demand": scale_demand is not None,
    }
    chosen = [name for name, on in modes.items() if on]
    if len(chosen) != 1:
        raise InputError(
            [
                Problem(
                    "options",
                    "sweep()",
                    "parameter",
                    ", ".join(chosen) or None,
                    "give exactly one parameter to sweep",
                    "china_cap=[...], vary=policy with shares=[...], or scale_price / "
                    "scale_capacity / scale_demand with factors=[...]; a single china_cap "
                    "(not a list) is held at every point of one of those",
                )
            ]
        )
    mode = chosen[0]
    if factors is not None and mode in ("china_cap", "vary"):
        raise InputError(
            [
                Problem(
                    "options",
                    "sweep()",
                    "factors",
                    factors,
                    f"factors go with scale_price, scale_capacity or scale_demand, not {mode}",
                    "drop factors=, or sweep a scale_* what-if instead",
                )
            ]
        )
    if mode == "china_cap":
        policy = cap_share(1.0, country="CN")
        values = sweep_values(swept, "china_cap")
        change = ShareChange(market, fixed, policy)
        return SweepSetup("china_cap", values, change, market, policy, len(fixed))
    if mode == "vary":
        if not isinstance(vary, SharePolicy) or shares is None:
            raise InputError(
                [
                    Problem(
                        "options",
                        "sweep()",
                        "vary",
                        vary,
                        "vary needs a policy and shares a list of bounds",
                        "e.g. vary=reopt.min_share(0, kind='recycler'), shares=[0, 0.1, 0.2]",
                    )
                ]
            )
        vary.matches(market)
        values = sweep_values(shares, "shares")
        change = ShareChange(market, fixed, vary)
        return SweepSetup("share", values, change, market, vary, len(fixed))
    values = sweep_values(factors, "factors")
    what: OfferScale | DemandScale
    if mode == "scale_price":
        mask = _offer_mask(market, scale_price, mode)
        what = OfferScale(market, fixed, "price_usd_per_kg", mask)
        where = scale_price
    elif mode == "scale_capacity":
        what = OfferScale(market, fixed, "capacity_t", _offer_mask(market, scale_capacity, mode))
        where = scale_capacity
    else:
        demand = filters.match(
            market.demand, scale_demand or {}, allowed=DEMAND_FILTERS, argument="scale_demand"
        )
        what = DemandScale(market, fixed, demand)
        where = scale_demand
    column = what.column if isinstance(what, OfferScale) else "demand_t"
    scaled: dict[str, object] = {"column": column, "filter": dict(where or {})}
    return SweepSetup("factor", values, what, market, None, None, scaled)


def sweep_values(
    values: Iterable[object] | None, name: str, *, caller: str = "sweep()"
) -> tuple[float, ...]:
    """Shares (``china_cap``, ``shares``; `reopt.share_rule`) or factors >= 0, checked together.

    Problems name ``caller`` (the function the values were given to).
    """
    problems = ProblemList()
    try:
        items = list(values) if values is not None else []
    except TypeError:
        items = []
        problems.add("options", caller, name, values, "expected a list of numbers")
    out = []
    for i, v in enumerate(items):
        where = f"{caller} {name}[{i}]"
        if name != "factors":
            try:
                out.append(share_value(v, where=where, column=name))
            except InputError as err:
                problems.extend(err.problems)
        elif isinstance(v, numbers.Real) and not isinstance(v, bool) and 0 <= float(v) < math.inf:
            out.append(float(v))
        else:
            problems.add("options", where, name, v, "must be a finite number >= 0")
    if not items and not problems:
        problems.add("options", caller, name, items, "needs at least one value")
    problems.raise_if_any()
    return tuple(out)


def _offer_mask(market: Market, where: Mapping[str, object] | None, argument: str) -> np.ndarray:
    return filters.match(market.offers, where or {}, allowed=OFFER_FILTERS, argument=argument)
