"""Breakpoints of the China-cap curve against kinks worked out exactly, in fractions.

Under a China cap per product, each product is its own market, so the curve is a sum of one
curve per product and its kinks are the union of theirs. For one product with demand D, let
g(q) be the cheapest cost of buying q tonnes from China and D - q from everyone else, each
side cheapest first. The cap c allows q <= cD, so the product's curve follows g(cD) while g
still falls and is flat after; it kinks where g's slope changes while falling, and where g
stops falling (its minimum, or China's capacity running out).
"""

from __future__ import annotations

import itertools
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from conftest import demand_table, offers_table
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reopt
import reopt.analysis.breakpoints
import reopt.analysis.points

Offer = tuple[Fraction, Fraction | None]  # price per tonne, capacity (None: unlimited)


def marginal(offers: list[Offer], q: Fraction) -> Fraction | None:
    """The price of the tonne just after ``q`` tonnes, buying the cheapest first."""
    bought = Fraction(0)
    for price, capacity in sorted(offers, key=lambda o: o[0]):
        if capacity is None or bought + capacity > q:
            return price
        bought += capacity
    return None


def product_kinks(china: list[Offer], others: list[Offer], demand: Fraction) -> set[Fraction]:
    """The caps (as shares) at which one product's cost curve kinks."""

    def total(offers: list[Offer]) -> Fraction | None:
        capacities = [c for _, c in offers]
        return None if None in capacities else sum(capacities, Fraction(0))  # type: ignore[arg-type]

    china_t, others_t = total(china), total(others)
    low = max(Fraction(0), demand - others_t) if others_t is not None else Fraction(0)
    high = min(demand, china_t) if china_t is not None else demand
    # where g's slope may change: a Chinese offer or another offer running out
    candidates = {low, high}
    for offers, flip in ((china, False), (others, True)):
        filled = Fraction(0)
        for _, capacity in sorted(offers, key=lambda o: o[0]):
            if capacity is None:
                break
            filled += capacity
            candidates.add(demand - filled if flip else filled)
    qs = sorted(q for q in candidates if low <= q <= high)

    def slope(q: Fraction) -> Fraction:
        cn, other = marginal(china, q), marginal(others, demand - q)
        assert cn is not None and other is not None
        return cn - other

    slopes = [slope((a + b) / 2) for a, b in itertools.pairwise(qs)]
    kinks = set()
    for i, q in enumerate(qs[1:], start=1):
        left = slopes[i - 1]
        right = slopes[i] if i < len(slopes) else Fraction(0)  # flat past China's capacity
        if left < 0 and right != left and q < demand:
            kinks.add(q / demand)
    return kinks


def exact_kinks(
    offers: pd.DataFrame, demand: pd.DataFrame, *, kind: str | None = None
) -> list[float]:
    """The kinks of the China-cap curve; with ``kind``, of the curve of a floor on the
    share of that kind of offer (a floor on it is a cap on everyone else's share)."""
    kinks: set[Fraction] = set()
    for product, demand_t in zip(demand["product"], demand["demand_t"], strict=True):
        mine = offers[offers["product"] == product]
        capped = (mine["country"] == "CN") if kind is None else (mine["kind"] != kind)
        table = [
            (
                Fraction(price) * 1000,
                Fraction(capacity) if np.isfinite(capacity) else None,
                in_group,
            )
            for price, capacity, in_group in zip(
                mine["price_usd_per_kg"], mine["capacity_t"], capped, strict=True
            )
        ]
        group = [(p, c) for p, c, g in table if g]
        others = [(p, c) for p, c, g in table if not g]
        found = product_kinks(group, others, Fraction(demand_t))
        kinks |= found if kind is None else {1 - k for k in found}
    return sorted(float(k) for k in kinks)


def found_kinks(curve: pd.DataFrame, column: str = "china_cap") -> list[float]:
    return sorted(curve.loc[curve["point"] == "breakpoint", column])


def inside(kinks: list[float], curve: pd.DataFrame, column: str = "china_cap") -> list[float]:
    """The kinks strictly between the curve's first and last optimal points, those closer
    than the sweep's resolution (`reopt.analysis.breakpoints.KINK_TOL`) counted once."""
    optimal = curve.loc[curve["status"] == "optimal", column]
    kept: list[float] = []
    for k in kinks:
        if optimal.min() + 1e-9 < k < optimal.max() - 1e-9:
            if not kept or k - kept[-1] > reopt.analysis.breakpoints.KINK_TOL:
                kept.append(k)
    return kept


def test_the_oracle_on_a_market_worked_by_hand():
    """China 10 $/kg unlimited, Australia 15 $/kg for 70 t, the US 12 $/kg for 10 t; 100 t.
    From the limit, 0.2 (the others hold 80 t), China's tonnes replace Australia's, saving
    5 $/kg, up to 0.9; then the US's, saving 2 $/kg: one kink, at 0.9."""
    offers = offers_table(
        [
            ("cn", "A", "CN", "refinery", None, 10.0),
            ("au", "A", "AU", "mine", 70.0, 15.0),
            ("us", "A", "US", "mine", 10.0, 12.0),
        ]
    )
    market = reopt.Market(offers, demand_table([("A", 100.0)]))
    assert exact_kinks(market.offers, market.demand) == [0.9]


# --- hostile shapes that a tangent search alone gets wrong ---------------------------------
def steep_market(kink: float) -> reopt.Market:
    """A (20,000 t) kinks at 0.5, where Australia's 10,000 t run out, with slopes 1,000
    times B's; B (20 kg) kinks at ``kink``, where its own Australian offer runs out."""
    offers = offers_table(
        [
            ("cn", "A", "CN", "refinery", None, 69.0),
            ("au", "A", "AU", "mine", 10_000.0, 90.0),
            ("us", "A", "US", "refinery", None, 300.0),
            ("cn", "B", "CN", "refinery", None, 10.0),
            ("au", "B", "AU", "mine", 0.02 * (1 - kink), 12.0),
            ("us", "B", "US", "mine", None, 40.0),
        ]
    )
    return reopt.Market(offers, demand_table([("A", 20_000.0), ("B", 0.02)]))


@pytest.mark.parametrize("kink", [0.4, 0.7])
@pytest.mark.parametrize("grid", [[0.3, 0.9], [0.3, 0.5, 0.9]])
def test_a_small_kink_beside_a_steep_one_is_found_exactly(solver, kink, grid):
    market = steep_market(kink)
    expected = exact_kinks(market.offers, market.demand)
    assert expected == sorted([0.5, kink])
    curve = reopt.sweep(market, china_cap=grid, solver=solver, progress=False)
    assert found_kinks(curve) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("large_t", [1e5, 1e6])
@pytest.mark.parametrize("china_sells_a", [False, True])
def test_a_small_products_kinks_beside_a_large_product(solver, large_t, china_sells_a):
    """B (1 t) kinks at 0.4 and 0.7, where Australia's and then Malaysia's 0.3 t run out.
    A is up to a million times larger: bought from Australia alone, it adds a constant
    cost; with China selling it too, every tonne China may not supply costs 100 times more,
    so the curve's slope barely changes at B's kinks."""
    rows = [
        ("cn", "B", "CN", "refinery", None, 10.0),
        ("au", "B", "AU", "mine", 0.3, 10.5),
        ("my", "B", "MY", "refinery", 0.3, 10.8),
        ("us", "B", "US", "mine", None, 11.0),
        ("au", "A", "AU", "mine", None, 1000.0),
    ]
    if china_sells_a:
        rows.append(("cn", "A", "CN", "refinery", None, 10.0))
    market = reopt.Market(offers_table(rows), demand_table([("B", 1.0), ("A", large_t)]))
    assert exact_kinks(market.offers, market.demand) == [0.4, 0.7]
    curve = reopt.sweep(market, china_cap=[0.1, 0.9], solver=solver)
    assert found_kinks(curve) == pytest.approx([0.4, 0.7], abs=1e-9)


def test_a_straight_curve_of_a_ten_million_tonne_product_has_no_breakpoint(solver):
    """Two Chinese offers at the same price, one of them for a quarter of the demand: the
    cost falls by the same 12 $/kg at every cap, so there is no kink at 0.25 (where the
    smaller offer could run out) nor anywhere else."""
    demand_t = 1e7
    offers = offers_table(
        [
            ("cn", "P", "CN", "refinery", None, 40.0),
            ("us", "P", "US", "mine", None, 52.0),
            ("cn2", "P", "CN", "mine", 0.25 * demand_t, 40.0),
        ]
    )
    market = reopt.Market(offers, demand_table([("P", demand_t)]))
    assert exact_kinks(market.offers, market.demand) == []
    for grid in ([0.1, 0.5, 0.9], [0.5, 1.0]):
        curve = reopt.sweep(market, china_cap=grid, solver=solver, progress=False)
        assert found_kinks(curve) == []


@pytest.mark.parametrize("large_t", [1e6, 1e7])
def test_a_one_kilogram_products_kink_where_the_large_products_curve_is_flat(solver, large_t):
    """A kinks at 0.2, where its Chinese offer runs out, and is flat from there on; B (1 kg)
    kinks at 0.25, where its own does. Past 0.2 only B's rows move with the cap."""
    offers = offers_table(
        [
            ("cn", "A", "CN", "refinery", 0.2 * large_t, 5.0),
            ("au", "A", "AU", "refinery", None, 40.0),
            ("my", "B", "MY", "refinery", 3.7e-4, 15.0),
            ("au", "B", "AU", "recycler", 1e-3 / 3, 10.0),
            ("my2", "B", "MY", "mine", 2.5e-4, 10.0),
            ("cn", "B", "CN", "refinery", 2.5e-4, 5.0),
        ]
    )
    market = reopt.Market(offers, demand_table([("A", large_t), ("B", 1e-3)]))
    assert exact_kinks(market.offers, market.demand) == [0.2, 0.25]
    for grid in ([0.3, 0.7], [0.1, 0.22, 0.3]):
        curve = reopt.sweep(market, china_cap=grid, solver=solver, progress=False)
        assert found_kinks(curve) == pytest.approx([0.2, 0.25], abs=1e-9)


def china_in_tranches(*tranches: tuple[float, float]) -> reopt.Market:
    """One product, 100 t: the US unlimited at 50 $/kg, China in (tonnes, $/kg) tranches."""
    rows = [("us", "P", "US", "mine", None, 50.0)]
    rows += [(f"cn{i}", "P", "CN", "refinery", t, p) for i, (t, p) in enumerate(tranches)]
    return reopt.Market(offers_table(rows), demand_table([("P", 100.0)]))


@pytest.mark.parametrize(
    ("grid", "expected"),
    [
        ([0.1, 0.2 + 5e-8], [0.2]),
        ([0.19999999, 0.20000001], [0.2]),
        ([0.2 - 5e-8, 0.9], [0.2, 0.5]),
        ([0.1, 0.9], [0.2, 0.5]),
    ],
)
def test_a_kink_a_hair_from_a_grid_point_is_found_where_it_is(solver, grid, expected):
    """China's 20 t and 30 t run out at caps 0.2 and 0.5, which grid points come within
    5e-8 of (or straddle, 1e-8 either side)."""
    market = china_in_tranches((20.0, 10.0), (30.0, 20.0))
    assert exact_kinks(market.offers, market.demand) == [0.2, 0.5]
    curve = reopt.sweep(market, china_cap=grid, solver=solver, progress=False)
    assert found_kinks(curve) == pytest.approx(expected, abs=1e-9)


def test_a_kink_just_short_of_where_the_tangents_meet_is_found_exactly(solver):
    """The grid's tangents meet at 0.50000005, 5e-8 past the kink at 0.5; the point solved
    there must not stand for the kink."""
    market = china_in_tranches((20.0, 10.0), (30.0, 20.0), (15.00001, 30.0))
    expected = exact_kinks(market.offers, market.demand)
    assert expected == pytest.approx([0.2, 0.5, 0.6500001], abs=1e-12)
    curve = reopt.sweep(market, china_cap=[0.1, 0.9], solver=solver, progress=False)
    assert found_kinks(curve) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("demand_t", [1e5, 1e8])
def test_the_limit_and_the_one_kink_of_a_hundred_million_tonne_product(solver, demand_t):
    """China unlimited at 10 $/kg, the US at 20 $/kg and a recycler at 30 $/kg for 12.3...%
    of the demand each: the limit is 1 - 2f, the one kink 1 - f, whatever the size."""
    f = 0.123456789012345
    rows = [
        ("cn", "P", "CN", "refinery", None, 10.0),
        ("us", "P", "US", "mine", f * demand_t, 20.0),
        ("rc", "P", "JP", "recycler", f * demand_t, 30.0),
    ]
    market = reopt.Market(offers_table(rows), demand_table([("P", demand_t)]))
    limit = reopt.feasibility_limit(market, reopt.cap_share(1, country="CN"))
    assert limit == pytest.approx(1 - 2 * f, abs=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", reopt.ReoptWarning)  # no spent budget
        curve = reopt.sweep(market, china_cap=[0.8, 0.9, 1.0], solver=solver, progress=False)
    edge = curve.loc[curve["point"] == "min_feasible", "china_cap"].item()
    assert edge == pytest.approx(1 - 2 * f, abs=1e-9)
    assert found_kinks(curve) == pytest.approx([1 - f], abs=1e-9)


def test_limits_and_breakpoints_are_the_decimals_they_equal(solver):
    """The LP gives 0.20000000000000007 for a limit of 0.2, and an edge of 0.9 as
    0.9000000000000001; the table holds 0.2 and 0.9, so they meet the grid values."""
    offers = offers_table(
        [
            ("cn", "A", "CN", "refinery", None, 10.0),
            ("au", "A", "AU", "mine", 0.7, 15.0),
            ("us", "A", "US", "mine", 0.1, 12.0),
        ]
    )
    market = reopt.Market(offers, demand_table([("A", 1.0)]))
    assert reopt.feasibility_limit(market, reopt.cap_share(1, country="CN")) == 0.2
    curve = reopt.sweep(market, china_cap=[0.2, 0.3, 1.0], solver=solver)
    assert curve.loc[curve["point"] == "min_feasible", "china_cap"].tolist() == [0.2]
    assert found_kinks(curve) == [0.9]


def test_every_kink_of_a_larger_market_is_found_by_each_back_end(solver):
    market = reopt.datasets.synthetic(150, seed=3)
    caps = np.round(np.arange(0.2, 1.0001, 0.01), 2).tolist()
    curve = reopt.sweep(market, china_cap=caps, solver=solver, progress=False)
    expected = inside(exact_kinks(market.offers, market.demand), curve)
    assert len(expected) > len(caps)  # more kinks than grid points: most lie between them
    assert found_kinks(curve) == pytest.approx(expected, abs=1e-7)


# --- generated markets ---------------------------------------------------------------------
@st.composite
def separable_markets(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Products of very different sizes, whole-dollar prices (ties are common), capacities
    that are fractions of demand or arbitrary, some unlimited; one unlimited Chinese and
    one unlimited other offer per product, so every cap from 0 to 1 is feasible; one
    recycler per product and maybe others, for floors (feasible up to some share)."""
    rows = []
    demand = []
    for p in range(draw(st.integers(1, 4))):
        product = f"P{p}"
        demand_t = draw(st.sampled_from([0.001, 1.0, 37.5, 1000.0, 250_000.0]))
        demand.append((product, demand_t))
        price = st.integers(5, 40).map(float)
        rows.append(("cn", product, "CN", "refinery", None, draw(price)))
        rows.append(("row", product, "US", "mine", None, draw(price) + 40.0))
        recycled = draw(st.sampled_from([0.4, 1.0, None]))
        rows.append(
            ("rc", product, "JP", "recycler", recycled and demand_t * recycled, draw(price))
        )
        for s in range(draw(st.integers(0, 8))):
            share = draw(st.sampled_from([0.1, 0.2, 0.25, 0.3, 0.5, 0.123]))
            capacity = draw(st.sampled_from([demand_t * share, None, round(demand_t * 0.37, 3)]))
            country = draw(st.sampled_from(["CN", "AU", "MY"]))
            kind = draw(st.sampled_from(["mine", "recycler"]))
            rows.append((f"s{s}", product, country, kind, capacity, draw(price)))
    return offers_table(rows), demand_table(demand)


@settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    tables=separable_markets(),
    grid=st.sampled_from([[0.0, 1.0], [0.5], [0.05, 0.5, 0.95], [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]]),
)
def test_breakpoints_are_exactly_the_kinks_on_generated_markets(tables, grid):
    market = reopt.Market(*tables)
    curve = reopt.sweep(market, china_cap=grid, progress=False)
    expected = inside(exact_kinks(market.offers, market.demand), curve)
    assert found_kinks(curve) == pytest.approx(expected, abs=1e-7)


def test_without_pieces_the_search_falls_back_on_the_tangents(monkeypatch):
    """Where ranging a point fails, its neighbours' tangents still locate the kink."""

    def fail(plan, k):
        raise reopt.SolverError("ranging failed")

    monkeypatch.setattr(reopt.analysis.points, "policy_span", fail)
    market = steep_market(0.7)
    curve = reopt.sweep(market, china_cap=[0.3, 0.6, 0.9], progress=False)
    assert found_kinks(curve) == pytest.approx([0.5, 0.7], abs=1e-9)


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    tables=separable_markets(),
    grid=st.sampled_from([[0.0, 1.0], [0.0, 0.5], [0.0, 0.05, 0.3, 0.95]]),
)
def test_a_recycled_floors_breakpoints_are_exactly_its_kinks(tables, grid):
    market = reopt.Market(*tables)
    floor = reopt.min_share(0, kind="recycler")
    curve = reopt.sweep(market, vary=floor, shares=grid, progress=False)
    if (curve["status"] == "optimal").sum() < 2:
        return  # the curve is a point: nothing lies between
    expected = inside(exact_kinks(market.offers, market.demand, kind="recycler"), curve, "share")
    assert found_kinks(curve, "share") == pytest.approx(expected, abs=1e-7)
