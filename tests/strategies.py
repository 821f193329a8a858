"""Hypothesis strategies: small procurement markets that are feasible by construction."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from hypothesis import strategies as st

import reopt
from reopt.errors import ReoptWarning

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
                # below 1e-9 t, 0: scaled by a property test, such a capacity could fall
                # below the smallest normal float, which the market refuses
                tiny_as_zero = st.floats(0.0, 1000.0).map(lambda c: 0.0 if c < 1e-9 else c)
                capacity = draw(st.one_of(st.just(np.nan), tiny_as_zero))
            rows.append((f"s{s}", product, country, kind, capacity, draw(price)))
    offers = pd.DataFrame(
        rows, columns=["source", "product", "country", "kind", "capacity_t", "price_usd_per_kg"]
    )
    return Case(offers, pd.DataFrame({"product": products, "demand_t": demand}))


caps = st.floats(MIN_FEASIBLE_CAP, 1.0)


def offers_t(offers: pd.DataFrame) -> pd.DataFrame:
    """Source 1 (Australia) unlimited too: purchases may exceed demand, caps count them."""
    return offers.assign(capacity_t=offers["capacity_t"].where(offers["source"] != "s1"))


@st.composite
def stock_markets(draw: st.DrawFn) -> reopt.Market:
    """A generated market over 1-3 periods, with stock rows and lead times.

    Sources 0 and 1 (unlimited, lead 0) keep it feasible under a 60% cap;
    initial stock <= max_t >= floor.
    """
    case = draw(cases(max_products=2, max_sources=4))
    n_periods = draw(st.integers(1, 3))
    offers, demand = [], []
    for t in range(n_periods):
        factor = draw(st.floats(0.5, 2.0))
        part = offers_t(case.offers).assign(
            period=t, price_usd_per_kg=case.offers["price_usd_per_kg"] * factor
        )
        leads = [0 if s in ("s0", "s1") else draw(st.integers(0, 1)) for s in part["source"]]
        offers.append(part.assign(lead_time_periods=leads))
        scale = draw(st.one_of(st.just(0.0), st.floats(0.1, 2.0)))
        demand.append(case.demand.assign(period=t, demand_t=case.demand["demand_t"] * scale))
    rows = []
    for product in case.demand["product"]:
        if not draw(st.booleans()):
            continue
        floor = draw(st.floats(0.0, 500.0, allow_subnormal=False))
        top = floor + draw(st.one_of(st.just(np.inf), st.floats(0.0, 500.0, allow_subnormal=False)))
        initial = draw(st.floats(0.0, min(top, 1000.0), allow_subnormal=False))
        holding = draw(st.floats(0.0, 5.0, allow_subnormal=False))
        rows.append((product, initial, floor, top, holding))
    stock = pd.DataFrame(
        rows, columns=["product", "initial_t", "min_t", "max_t", "holding_usd_per_kg"]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReoptWarning)
        return reopt.Market(
            pd.concat(offers, ignore_index=True),
            pd.concat(demand, ignore_index=True),
            stock=stock if len(stock) else None,
        )
