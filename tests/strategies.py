"""Hypothesis strategies: small procurement markets that are feasible by construction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from hypothesis import strategies as st

import reopt

#: Every generated market is feasible for any China cap at or above this share.
MIN_FEASIBLE_CAP = 0.3

COUNTRIES = ["CN", "AU", "US", "VN", "MY", "IN"]
KINDS = ["mine", "refinery", "recycler"]


@dataclass(frozen=True)
class Case:
    """A generated market with the raw tables it was built from."""

    offers: pd.DataFrame
    demand: pd.DataFrame

    @property
    def market(self) -> reopt.Market:
        return reopt.Market(self.offers, self.demand)


@st.composite
def cases(draw: st.DrawFn, max_products: int = 3, max_sources: int = 6) -> Case:
    """Source 0 is Chinese with unlimited capacity; source 1 is Australian with enough
    capacity for (1 - MIN_FEASIBLE_CAP) of every demand; the rest are random."""
    n_products = draw(st.integers(1, max_products))
    n_sources = draw(st.integers(2, max_sources))
    products = [f"P{k}" for k in range(n_products)]
    demand = [draw(st.floats(1.0, 1000.0)) for _ in products]
    price = st.floats(0.5, 500.0)
    rows = []
    for s in range(n_sources):
        if s == 0:
            country, kind = "CN", "refinery"
        elif s == 1:
            country, kind = "AU", "mine"
        else:
            country = draw(st.sampled_from(COUNTRIES))
            kind = draw(st.sampled_from(KINDS))
        for p, product in enumerate(products):
            if s >= 2 and not draw(st.booleans()):
                continue
            if s == 0:
                capacity = np.nan
            elif s == 1:
                capacity = demand[p] * (1 - MIN_FEASIBLE_CAP)
            else:
                capacity = draw(st.one_of(st.just(np.nan), st.floats(0.0, 1000.0)))
            rows.append((f"s{s}", product, country, kind, capacity, draw(price)))
    offers = pd.DataFrame(
        rows, columns=["source", "product", "country", "kind", "capacity_t", "price_usd_per_kg"]
    )
    return Case(offers, pd.DataFrame({"product": products, "demand_t": demand}))


caps = st.floats(MIN_FEASIBLE_CAP, 1.0)
