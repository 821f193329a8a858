"""Synthetic markets of any size, deterministic by seed, for tests and benchmarks.

The structure imitates the rare-earth trade: 17 oxides, sources in many countries, China
holding most of the cheap capacity and refining part of other countries' ore. Every market
is feasible by construction for any China cap of at least 0.25 (tonnes, per product): in each
product and period non-China capacity covers 75% of demand and all capacity covers 200%.
Prices are synthetic (loosely scaled to 2025 levels); do not read them as data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reopt.data.market import Market

__all__ = ["PRODUCTS", "synthetic", "synthetic_tables"]

#: The 17 rare-earth oxides with a synthetic reference price in USD/kg.
PRODUCTS: dict[str, float] = {
    "La oxide": 1.0,
    "Ce oxide": 1.7,
    "Pr oxide": 74.0,
    "Nd oxide": 73.0,
    "NdPr oxide": 69.0,
    "Sm oxide": 2.8,
    "Eu oxide": 27.0,
    "Gd oxide": 30.0,
    "Tb oxide": 1010.0,
    "Dy oxide": 239.0,
    "Ho oxide": 70.0,
    "Er oxide": 46.0,
    "Tm oxide": 500.0,
    "Yb oxide": 15.0,
    "Lu oxide": 888.0,
    "Y oxide": 9.0,
    "Sc oxide": 900.0,
}

_OTHER_COUNTRIES = (
    "AU",
    "MY",
    "US",
    "IN",
    "VN",
    "KZ",
    "JP",
    "MM",
    "TH",
    "BR",
    "CA",
    "ZA",
    "EE",
    "FR",
    "GL",
    "TZ",
    "MG",
    "RU",
    "NA",
    "KR",
)
_KINDS = ("mine", "refinery", "recycler", "spot")


def synthetic(
    n_offers: int = 200,
    *,
    n_products: int = 17,
    n_periods: int = 1,
    china_cap_feasible_from: float = 0.25,
    seed: int = 0,
) -> Market:
    """A feasible synthetic market with about ``n_offers`` offers.

    Parameters
    ----------
    n_offers : int, default=200
        Number of offers (rows of ``offers``); every source offers every product in every
        period, so sources = n_offers / (n_products * n_periods), the last one partly.
    n_products : int, default=17
        How many of the 17 oxides (in the order of `PRODUCTS`).
    n_periods : int, default=1
        Periods 1..n_periods; with 1, the market has no period column.
    china_cap_feasible_from : float, default=0.25
        Non-China capacity covers ``1 - china_cap_feasible_from`` of each demand, so any
        China cap at or above this value is feasible.
    seed : int, default=0

    Examples
    --------
    >>> synthetic(1000, seed=1)
    Market(1,000 offers from 59 sources, 17 products, demand ...)
    """
    return Market(
        *synthetic_tables(
            n_offers,
            n_products=n_products,
            n_periods=n_periods,
            china_cap_feasible_from=china_cap_feasible_from,
            seed=seed,
        )
    )


def synthetic_tables(
    n_offers: int = 200,
    *,
    n_products: int = 17,
    n_periods: int = 1,
    china_cap_feasible_from: float = 0.25,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The offers and demand tables of `synthetic`, not yet validated as a `Market`.

    Examples
    --------
    >>> offers, demand = synthetic_tables(1000, seed=1)
    >>> len(offers), len(demand)
    (1000, 17)
    """
    if n_offers < n_products * n_periods:
        raise ValueError(
            f"n_offers must be at least n_products * n_periods = {n_products * n_periods}"
        )
    rng = np.random.default_rng(seed)
    names = list(PRODUCTS)[:n_products]
    per_source = n_products * n_periods
    n_sources = -(-n_offers // per_source)

    # sources: ~35% Chinese; the rest spread over other countries with decreasing weight
    is_cn = rng.random(n_sources) < 0.35
    is_cn[0], is_cn[1 % n_sources] = True, False
    weights = 1.0 / np.arange(1, len(_OTHER_COUNTRIES) + 1)
    other = rng.choice(len(_OTHER_COUNTRIES), size=n_sources, p=weights / weights.sum())
    country = np.where(is_cn, "CN", np.asarray(_OTHER_COUNTRIES)[other])
    kind = np.asarray(_KINDS)[rng.choice(len(_KINDS), size=n_sources, p=[0.4, 0.4, 0.15, 0.05])]
    refined_cn = ~is_cn & (kind == "mine") & (rng.random(n_sources) < 0.5)
    refined_in = np.where(refined_cn, "CN", country)
    width = len(str(n_sources))
    source_ids = np.char.add("src", np.char.zfill(np.arange(n_sources).astype(str), width))

    # offers: source-major, then period, then product; trimmed to n_offers
    idx = np.arange(n_offers)
    s = idx // per_source
    t = (idx % per_source) // n_products
    p = idx % n_products
    base = np.asarray([PRODUCTS[name] for name in names])[p]
    cn = is_cn[s]
    factor = np.where(cn, rng.uniform(0.85, 1.05, n_offers), rng.uniform(1.0, 1.8, n_offers))
    price = np.round(base * factor, 4)
    capacity = np.round(rng.lognormal(mean=np.where(cn, 4.0, 3.0), sigma=0.8), 3) + 1.0

    # demand: per (product, period), sized so that the stated caps are feasible
    group = t * n_products + p
    n_groups = n_products * n_periods
    cap_all = np.bincount(group, weights=capacity, minlength=n_groups)
    cap_non_cn = np.bincount(group, weights=np.where(cn, 0.0, capacity), minlength=n_groups)
    demand = np.minimum(cap_all / 2.0, cap_non_cn / (1.0 - china_cap_feasible_from))
    demand = np.floor(demand * 1000) / 1000

    offers = pd.DataFrame(
        {
            "source": source_ids[s],
            "product": np.asarray(names, dtype=object)[p],
            "country": country[s],
            "refined_in": refined_in[s],
            "kind": kind[s],
            "capacity_t": capacity,
            "price_usd_per_kg": price,
        }
    )
    gp = np.arange(n_groups)
    demand_table = pd.DataFrame(
        {
            "product": np.asarray(names, dtype=object)[gp % n_products],
            "demand_t": demand,
        }
    )
    if n_periods > 1:
        offers.insert(2, "period", t + 1)
        demand_table.insert(1, "period", gp // n_products + 1)
    return offers, demand_table
