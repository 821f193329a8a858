"""Shared fixtures: small hand-solved markets and the list of back ends to run against."""

from __future__ import annotations

import functools

import pandas as pd
import pytest

import reopt

#: Back ends every golden and property test runs on: every one the registry knows. CI
#: installs all of them (see .ci/run); elsewhere a missing one is skipped, and the skip is
#: listed in pytest's summary.
SOLVERS = list(reopt.known_solvers())


#: Relative accuracy each back end's answers carry. CBC's solution file prints about eight
#: significant digits, so its tonnes and costs agree to 1e-7, the others to 1e-9.
RTOL = {"highs": 1e-9, "auto": 1e-9, "pulp-highs": 1e-9, "glpk": 1e-9, "cbc": 1e-7}

#: One product, 100 t a period; one Australian offer at 10, 20 and 11 USD/kg (300 t).
THREE_PERIOD_OFFERS = pd.DataFrame(
    {
        "source": ["x"] * 3,
        "product": ["A"] * 3,
        "period": [1, 2, 3],
        "country": ["AU"] * 3,
        "capacity_t": [300.0] * 3,
        "price_usd_per_kg": [10.0, 20.0, 11.0],
    }
)
THREE_PERIOD_DEMAND = pd.DataFrame(
    {"product": ["A"] * 3, "period": [1, 2, 3], "demand_t": [100.0] * 3}
)


@functools.cache
def available(name: str) -> bool:
    return name in reopt.available_solvers()


def offers_table(rows: list[tuple]) -> pd.DataFrame:
    """Offers from (source, product, country, kind, capacity_t, price_usd_per_kg) tuples."""
    return pd.DataFrame(
        rows, columns=["source", "product", "country", "kind", "capacity_t", "price_usd_per_kg"]
    )


def three_product_rows() -> list[tuple]:
    """Offers of products A, B and C: China at 10 $/kg (no limit), Australia 60 t at 20,
    a Japanese recycler 30 t at 25 (rows for `offers_table`)."""
    rows: list[tuple] = []
    for p in ("A", "B", "C"):
        rows += [
            (f"cn_{p}", p, "CN", "refinery", None, 10.0),
            (f"au_{p}", p, "AU", "mine", 60.0, 20.0),
            (f"rc_{p}", p, "JP", "recycler", 30.0, 25.0),
        ]
    return rows


def demand_table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["product", "demand_t"])


@pytest.fixture(params=SOLVERS)
def solver(request: pytest.FixtureRequest) -> str:
    if not available(request.param):
        pytest.skip(f"{request.param} is not installed here")
    return request.param


@pytest.fixture
def three_suppliers() -> reopt.Market:
    """One product, 100 t: China at 10 $/kg (unlimited), Australia 15 $/kg (50 t), USA 20 $/kg.

    Hand-solved optima (cost = tonnes x price x 1000):
      uncapped:  100 t CN                       -> 1,000,000
      cap 0.6:   60 t CN + 40 t AU              -> 1,200,000; 1 pp = 1 t AU->CN saves 5,000
      cap 0.3:   30 t CN + 50 t AU + 20 t US    -> 1,450,000; 1 pp = 1 t US->CN saves 10,000;
                 AU capacity worth 20 - 15 = 5 $/kg = 5,000 USD/t
      cap 0.0:   50 t AU + 50 t US              -> 1,750,000
    """
    offers = offers_table(
        [
            ("cn", "A", "CN", "refinery", None, 10.0),
            ("au", "A", "AU", "mine", 50.0, 15.0),
            ("us", "A", "US", "refinery", None, 20.0),
        ]
    )
    return reopt.Market(offers, demand_table([("A", 100.0)]))
