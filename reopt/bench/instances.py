"""Benchmark instances: procurement markets of named sizes and variants, deterministic by seed.

Sizes (offers, periods): ``xs`` 200, ``s`` 5,000, ``m`` 50,000, ``l`` 200,000, ``xl``
1,000,000 and ``xxl`` 5,000,000 offer-periods, all from `reopt.datasets.synthetic` (17
oxides, hundreds to tens of thousands of sources in 21 countries, China with most of the
cheap capacity).

Variants:

- ``cap``: China capped at 60% of each product (the model the baselines also build);
- ``periods``: the same offers spread over 4 periods;
- ``policies``: the China cap, an EU-CRMA-style cap on every single country, and a floor on
  recycled supply of every product;
- ``milp``: the China cap, with minimum order sizes on a tenth of the non-Chinese offers;
- ``refining``: the China cap and a cap on what is refined in China (in these markets every
  Chinese offer is refined in China, so the China cap nests inside the refining cap).

Every instance is feasible by construction: the synthetic markets are feasible for any
China cap from 25%, and the each-country cap and the recycled floor are set from the market's
own feasibility limits (`reopt.feasibility_limit`), computed once by the runner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from reopt.analysis import feasibility_limit
from reopt.data.market import Market
from reopt.datasets.synthetic import synthetic_tables
from reopt.model.policies import SharePolicy, cap_share, min_share

__all__ = ["SIZES", "VARIANTS", "Instance", "instance"]

#: Named sizes: offer-periods.
SIZES: dict[str, int] = {
    "xs": 200,
    "s": 5_000,
    "m": 50_000,
    "l": 200_000,
    "xl": 1_000_000,
    "xxl": 5_000_000,
}
VARIANTS = ("cap", "periods", "policies", "milp", "refining")
CHINA_CAP = 0.6
CRMA_CAP = 0.65  # the EU Critical Raw Materials Act's 65% benchmark, raised if infeasible
RECYCLED_FLOOR = 0.05
MIN_ORDER_FRACTION = 0.1
PERIODS = 4


@dataclass(frozen=True)
class Instance:
    """One benchmark market: its size, variant, seed and the bounds of its policies."""

    size: str
    variant: str
    seed: int = 0
    each_country_cap: float = CRMA_CAP
    recycled_floor: float = RECYCLED_FLOOR
    refining_cap: float = CRMA_CAP

    @property
    def name(self) -> str:
        return f"{self.size}-{self.variant}"

    @property
    def offers(self) -> int:
        return SIZES[self.size]

    @property
    def periods(self) -> int:
        return PERIODS if self.variant == "periods" else 1

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The offers and demand tables (not validated)."""
        offers, demand = synthetic_tables(self.offers, n_periods=self.periods, seed=self.seed)
        if self.variant == "milp":
            rng = np.random.default_rng(self.seed + 1)
            eligible = (offers["country"] != "CN").to_numpy()
            chosen = eligible & (rng.random(len(offers)) < MIN_ORDER_FRACTION)
            capacity = offers["capacity_t"].to_numpy(dtype=float)
            offers["min_order_t"] = np.where(chosen, np.round(0.3 * capacity, 3), 0.0)
        if self.variant == "policies" and not (offers["kind"] == "recycler").any():
            # small markets may draw no recycler; make the first non-Chinese source one
            first = offers.loc[offers["country"] != "CN", "source"].iloc[0]
            offers.loc[offers["source"] == first, "kind"] = "recycler"
        return offers, demand

    def policies(self) -> tuple[SharePolicy, ...]:
        china = cap_share(CHINA_CAP, country="CN")
        if self.variant == "refining":
            return (china, cap_share(self.refining_cap, refined_in="CN"))
        if self.variant != "policies":
            return (china,)
        return (
            china,
            cap_share(self.each_country_cap, each="country"),
            min_share(self.recycled_floor, kind="recycler"),
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "size": self.size,
            "variant": self.variant,
            "seed": self.seed,
            "each_country_cap": self.each_country_cap,
            "recycled_floor": self.recycled_floor,
            "refining_cap": self.refining_cap,
        }


def instance(size: str, variant: str, *, seed: int = 0) -> Instance:
    """The instance ``size``-``variant``, with its policy bounds made feasible.

    Examples
    --------
    >>> instance("xs", "cap").name
    'xs-cap'
    """
    if size not in SIZES or variant not in VARIANTS:
        raise ValueError(f"unknown instance {size}-{variant}; sizes {list(SIZES)}, {VARIANTS}")
    base = Instance(size, variant, seed)
    if variant not in ("policies", "refining"):
        return base
    market = Market(*base.tables())
    china = cap_share(CHINA_CAP, country="CN")
    if variant == "refining":
        lowest = feasibility_limit(market, cap_share(1.0, refined_in="CN"), policies=[china])
        return Instance(size, variant, seed, refining_cap=max(CRMA_CAP, round(lowest + 0.02, 4)))
    lowest = feasibility_limit(market, cap_share(1.0, each="country"), policies=[china])
    each = max(CRMA_CAP, round(lowest + 0.02, 4))
    crma = cap_share(each, each="country")
    highest = feasibility_limit(market, min_share(0.0, kind="recycler"), policies=[china, crma])
    floor = min(RECYCLED_FLOOR, round(0.5 * highest, 4))
    return Instance(size, variant, seed, each, floor)
