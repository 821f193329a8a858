"""A China-cap sweep read off the greedy method's price order (`reopt.analysis.greedy_sweep`).

The same table as the general path (a solve per point, a search for breakpoints), checked
row by row on generated markets; a curve worked by hand; when the path applies; and that a
curve that disagreed with a full solve would be refused.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
import pandas as pd
import pytest
from conftest import demand_table, offers_table
from hypothesis import HealthCheck, assume, given, settings
from strategies import cases

import reopt
import reopt.analysis.greedy_sweep as greedy_sweep
from reopt.errors import SolverError


def market_with(seed: int, *, ties: bool, periods: int, some_empty: bool) -> reopt.Market:
    """A random market: 1-3 products, 40 offers in four countries, China and Australia with
    room enough for any cap; integer prices make ties; some offers with no capacity."""
    rng = np.random.default_rng(seed)
    products = [f"P{k}" for k in range(int(rng.integers(1, 4)))]
    countries = ["CN", "AU", "US", "VN"]
    rows = []
    for i in range(40):
        price = float(rng.integers(1, 6)) if ties else float(rng.uniform(1, 100))
        capacity = float(rng.integers(0, 4) * 10) if some_empty else float(rng.uniform(1, 50))
        rows.append(
            (f"s{i}", products[rng.integers(len(products))], countries[rng.integers(4)], "mine",
             capacity, price)
        )  # fmt: skip
    for p in products:
        rows.append((f"au_{p}", p, "AU", "mine", 1e3, float(rng.integers(50, 60))))
        rows.append((f"cn_{p}", p, "CN", "refinery", None, float(rng.integers(1, 6))))
    offers = offers_table(rows)
    demand = demand_table([(p, float(rng.integers(50, 900))) for p in products])
    if periods > 1:
        offers = pd.concat(
            [
                offers.assign(period=f"Y{k}", source=offers["source"] + f"_{k}")
                for k in range(periods)
            ],
            ignore_index=True,
        )
        offers["capacity_t"] = offers["capacity_t"] * rng.uniform(0.5, 1.5, len(offers))
        demand = pd.concat(
            [
                demand.assign(period=f"Y{k}", demand_t=demand["demand_t"] * (1 + k))
                for k in range(periods)
            ],
            ignore_index=True,
        )
    return reopt.Market(offers, demand)


def assert_same_table(curve: pd.DataFrame, solved: pd.DataFrame, *, shares: bool = True) -> None:
    """Row by row, as far as the two paths must agree (see docs/analysis.md).

    ``shares``: compare China's shares too (off breakpoints), which offers tied in price
    leave to each method's choice of plan.
    """
    assert curve.attrs["method"] == "greedy curve" and solved.attrs["method"] == "solves"
    assert list(curve["point"]) == list(solved["point"])
    assert list(curve["status"]) == list(solved["status"])
    parameter = curve.attrs["parameter"]
    assert solved.attrs["parameter"] == parameter
    np.testing.assert_allclose(curve[parameter], solved[parameter], rtol=0, atol=1e-9)
    np.testing.assert_allclose(curve["cost_usd"], solved["cost_usd"], rtol=1e-9)
    assert curve.attrs["breakpoints"] == pytest.approx(solved.attrs["breakpoints"], abs=1e-9)
    limit, solved_limit = curve.attrs["feasibility_limit"], solved.attrs["feasibility_limit"]
    assert (limit is None) == (solved_limit is None)
    if limit is not None:
        assert limit == pytest.approx(solved_limit, abs=1e-9)
    assert list(curve["entering"]) == list(solved["entering"])
    assert list(curve["leaving"]) == list(solved["leaving"])
    # the price off the kinks (at one, any slope between the pieces' is a solver's answer;
    # the limit may be one too)
    kinks = np.round([*solved.attrs["breakpoints"], *([solved_limit] if limit else [])], 9)
    off = ~np.isin(np.round(solved[parameter].to_numpy(), 9), kinks)
    np.testing.assert_allclose(
        curve["price_usd_per_pp"][off], solved["price_usd_per_pp"][off], rtol=1e-9, atol=1e-6
    )
    if not shares:
        return
    # China's share where the plan is unique enough: off the breakpoint rows
    columns = [c for c in curve.columns if c.startswith("china_share:")]
    rows = (solved["point"] != "breakpoint").to_numpy()
    np.testing.assert_allclose(
        curve.loc[rows, columns].to_numpy(float), solved.loc[rows, columns].to_numpy(float),
        rtol=0, atol=1e-9,
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(12))
def test_the_curve_gives_the_table_the_solves_give(monkeypatch, seed):
    """Against the general path with the same back end, and with HiGHS where no offers tie
    (with ties, the cheapest plans differ, and so may China's share in them)."""
    ties = seed % 2 == 1
    market = market_with(seed, ties=ties, periods=1 + seed % 3 // 2, some_empty=seed % 4 == 0)
    grid = sorted({0.0, 1.0, *np.round(np.random.default_rng(seed).uniform(0, 1, 6), 3).tolist()})
    curve = reopt.sweep(market, china_cap=grid, progress=False)
    if not ties:
        solved = reopt.sweep(market, china_cap=grid, solver="highs", progress=False)
        assert_same_table(curve, solved)
    monkeypatch.setattr(reopt.analysis.sweeps, "greedy_sweep", lambda *args, **kwargs: None)
    assert_same_table(curve, reopt.sweep(market, china_cap=grid, progress=False))


def golden() -> reopt.Market:
    """One product, 100 t. China: A 60 t at 10 $/kg, B 100 t at 30. Elsewhere: X 50 t at
    20, Y 100 t at 40.

    Under a cap of K tonnes China sells min(K, 60) from A; the rest comes from X, then Y.
    Up to K = 50, each tonne of China replaces one of Y: the cost falls 30 $/kg, so
    30,000 USD per tonne, 3,000,000 USD per unit share, 30,000 USD per point. From 50 to 60
    it replaces X: 10,000 USD per tonne, 10,000 USD per point. From 60 (China's uncapped
    60 t) the cap no longer binds. Costs: 3,000,000 USD at 0 (X 50 t, Y 50 t), 1,500,000 at
    50% (A 50, X 50), 1,400,000 from 60% (A 60, X 40).
    """
    offers = offers_table(
        [
            ("A", "P", "CN", "refinery", 60.0, 10.0),
            ("B", "P", "CN", "refinery", 100.0, 30.0),
            ("X", "P", "AU", "mine", 50.0, 20.0),
            ("Y", "P", "US", "mine", 100.0, 40.0),
        ]
    )
    return reopt.Market(offers, demand_table([("P", 100.0)]))


def test_a_curve_worked_by_hand():
    curve = reopt.sweep(golden(), china_cap=[0.0, 0.4, 0.8, 1.0], progress=False)
    assert curve.attrs["method"] == "greedy curve"
    rows = list(
        curve[
            ["china_cap", "point", "cost_usd", "price_usd_per_pp", "entering", "leaving"]
        ].itertuples(index=False, name=None)
    )
    assert rows == [
        (0.0, "grid", 3_000_000.0, 30_000.0, "", ""),
        (0.0, "min_feasible", 3_000_000.0, 30_000.0, "A / P", ""),
        (0.4, "grid", pytest.approx(1_800_000.0), pytest.approx(30_000.0), "", ""),
        (0.5, "breakpoint", pytest.approx(1_500_000.0), pytest.approx(10_000.0), "", "Y / P"),
        (0.6, "breakpoint", pytest.approx(1_400_000.0), 0.0, "", ""),
        (0.8, "grid", pytest.approx(1_400_000.0), 0.0, "", ""),
        (1.0, "grid", pytest.approx(1_400_000.0), 0.0, "", ""),
    ]
    assert curve["china_share:P"].tolist() == pytest.approx([0, 0, 0.4, 0.5, 0.6, 0.6, 0.6])
    assert curve.attrs["breakpoints"] == pytest.approx([0.5, 0.6])
    assert curve.attrs["feasibility_limit"] == 0.0


def test_a_grid_only_sweep_worked_by_hand():
    """Without breakpoints: the grid rows, each with what its plan buys that the previous
    optimal row's does not (golden(): A comes in with the cap, Y goes once A and X suffice)."""
    curve = reopt.sweep(golden(), china_cap=[1.0, 0.0, 0.4, 0.8], exact=False, progress=False)
    assert curve.attrs["method"] == "greedy curve"
    assert curve.attrs["breakpoints"] == [] and curve.attrs["feasibility_limit"] is None
    rows = list(
        curve[["china_cap", "point", "cost_usd", "entering", "leaving"]].itertuples(
            index=False, name=None
        )
    )
    assert rows == [
        (0.0, "grid", 3_000_000.0, "", ""),
        (0.4, "grid", pytest.approx(1_800_000.0), "A / P", ""),
        (0.8, "grid", pytest.approx(1_400_000.0), "", "Y / P"),
        (1.0, "grid", pytest.approx(1_400_000.0), "", ""),
    ]


@pytest.mark.parametrize("seed", range(8))
def test_a_grid_only_sweep_gives_the_table_the_solves_give(monkeypatch, seed):
    """``exact=False``: grid rows and the offers changing between optimal ones, against the
    general path with the same back end (infeasible rows between optimal ones included)."""
    ties = seed % 2 == 1
    market = market_with(seed, ties=ties, periods=1 + seed % 3 // 2, some_empty=seed % 4 == 0)
    rng = np.random.default_rng(100 + seed)
    grid = np.round(rng.uniform(0, 1, 12), 3).tolist()[::-1]  # not sorted
    curve = reopt.sweep(market, china_cap=grid, exact=False, progress=False)
    if not ties:
        solved = reopt.sweep(market, china_cap=grid, exact=False, solver="highs", progress=False)
        assert_same_table(curve, solved)
    monkeypatch.setattr(reopt.analysis.sweeps, "greedy_sweep", lambda *args, **kwargs: None)
    solved = reopt.sweep(market, china_cap=grid, exact=False, progress=False)
    assert_same_table(curve, solved)
    assert (curve["point"] == "grid").all() and len(curve) == len(grid)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"solver": "highs"},  # another back end: its own solves
        {"policies": [reopt.cap_share(0.5, country="AU")]},  # another cap
        {"policies": [reopt.min_share(0.1, country="AU")]},  # a floor: HiGHS
        {"options": reopt.SolverOptions(method="simplex")},  # a method chosen: HiGHS
    ],
)
def test_other_sweeps_are_solved_point_by_point(kwargs):
    curve = reopt.sweep(golden(), china_cap=[0.4, 0.8], progress=False, **kwargs)
    assert curve.attrs["method"] == "solves"


@pytest.mark.parametrize(
    "policy",
    [
        reopt.min_share(0.1, country="AU"),  # a floor
        reopt.cap_share(0.5, each="country"),  # several caps in one product
        reopt.cap_share(0.5, country="CN", basis="value"),  # a share of money
    ],
)
def test_a_sweep_of_another_policy_is_solved_point_by_point(policy):
    curve = reopt.sweep(golden(), vary=policy, shares=[0.4, 0.8], progress=False)
    assert curve.attrs["method"] == "solves"


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("exact", [True, False])
def test_a_swept_cap_on_any_one_group_is_read_off_the_curve(monkeypatch, seed, exact):
    """``vary=cap_share(...)``: the swept cap is on Australia, or on China and Australia
    together; China's share comes from the offers each side buys. Against the general path
    with the same back end, and HiGHS where no offers tie."""
    ties = seed % 2 == 1
    market = market_with(seed, ties=ties, periods=1 + seed % 3 // 2, some_empty=seed % 4 == 0)
    group = {"country": "AU"} if seed % 3 else {"country": ["CN", "AU"]}
    cap = reopt.cap_share(0.5, **group)
    grid = sorted({0.0, 1.0, *np.round(np.random.default_rng(seed).uniform(0, 1, 6), 3).tolist()})
    kwargs = {"vary": cap, "shares": grid, "exact": exact, "progress": False}
    curve = reopt.sweep(market, **kwargs)
    assert curve.attrs["method"] == "greedy curve"
    if not ties:
        assert_same_table(curve, reopt.sweep(market, solver="highs", **kwargs))
    monkeypatch.setattr(reopt.analysis.sweeps, "greedy_sweep", lambda *args, **kwargs: None)
    assert_same_table(curve, reopt.sweep(market, **kwargs))


def test_a_curve_that_disagrees_with_a_full_solve_is_refused(monkeypatch):
    real = greedy_sweep.evaluate

    def a_dollar_off(*args, **kwargs):
        values = real(*args, **kwargs)
        values.cost = values.cost + 1.0
        return values

    monkeypatch.setattr(greedy_sweep, "evaluate", a_dollar_off)
    with pytest.raises(SolverError, match="cap curve disagrees with a solve at china_cap"):
        reopt.sweep(golden(), china_cap=[0.4, 0.8], progress=False)


def test_an_infeasible_market_has_no_limit_and_no_breakpoints():
    offers = offers_table(
        [("A", "P", "CN", "refinery", 10.0, 10.0), ("X", "P", "AU", "mine", 10.0, 20.0)]
    )
    market = reopt.Market(offers, demand_table([("P", 100.0)]))
    curve = reopt.sweep(market, china_cap=[0.5, 1.0], progress=False)
    assert curve.attrs["method"] == "greedy curve"
    assert curve["status"].tolist() == ["infeasible", "infeasible"]
    assert curve.attrs["feasibility_limit"] is None and curve.attrs["breakpoints"] == []


@pytest.mark.parametrize(
    ("rows", "demand"),
    [
        (  # China and Australia tie in P0; in P1 China's uncapped tonnes are the limit
            [("s0", "P0", "CN", 1.0, None), ("s0", "P1", "CN", 2.0, None),
             ("s0", "P2", "CN", 1.0, None), ("s1", "P0", "AU", 1.0, 0.7),
             ("s1", "P1", "AU", 1.0, 0.7), ("s1", "P2", "AU", 2.0, 0.7),
             ("s3", "P2", "AU", 1.0, 0.25)],
            [("P0", 1.0), ("P1", 1.0), ("P2", 1.0)],
        ),
        (
            [("s0", "P0", "CN", 1.0, None), ("s0", "P1", "CN", 4.0, None),
             ("s0", "P2", "CN", 2.0, None), ("s1", "P0", "AU", 1.0, 0.7),
             ("s1", "P1", "AU", 1.0, 0.7), ("s1", "P2", "AU", 2.0, 2.1),
             ("s3", "P2", "CN", 1.0, 1.0)],
            [("P0", 1.0), ("P1", 1.0), ("P2", 3.0)],
        ),
    ],
)  # fmt: skip
def test_a_cap_at_chinas_uncapped_tonnes_is_flat_to_the_right(monkeypatch, rows, demand):
    """Where the cap meets what China sells uncapped (t*), rounding must not make the
    slope to the right that of a binding cap (the curve rose there, and its cost after)."""
    offers = offers_table([(s, p, c, "mine", cap, price) for s, p, c, price, cap in rows])
    market = reopt.Market(offers, demand_table(demand))
    grid = np.linspace(0.0, 1.0, 11).tolist()
    curve = reopt.sweep(market, china_cap=grid, progress=False)
    optimal = curve[curve["status"] == "optimal"]
    assert (np.diff(optimal["cost_usd"]) <= 1e-9).all()  # never rises with the cap
    assert (optimal["price_usd_per_pp"] >= 0).all()
    monkeypatch.setattr(reopt.analysis.sweeps, "greedy_sweep", lambda *args, **kwargs: None)
    assert_same_table(curve, reopt.sweep(market, china_cap=grid, progress=False))


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(case=cases())
def test_on_generated_markets_the_curve_gives_the_solves_table(case):
    """Away from the general path's tolerances: it takes prices 1e-7 apart for equal
    (docs/analysis.md), and an offer of less than 1e-7 of its demand for one it cannot
    count as bought; the curve takes the numbers as they are."""
    market = case.market
    prices = np.unique(market.encoded.price_usd_per_kg)
    assume(bool((np.diff(prices) > 1e-6 * prices[1:]).all()))
    enc = market.encoded
    demand_of = enc.demand_t[np.maximum(enc.group, 0)]
    assume(bool((enc.capacity_t > 1e-6 * demand_of).all()))
    tied = len(prices) < market.n_offers
    grid = np.linspace(0.0, 1.0, 11).tolist()
    for exact in (True, False):
        curve = reopt.sweep(market, china_cap=grid, exact=exact, progress=False)
        with mock.patch.object(reopt.analysis.sweeps, "greedy_sweep", lambda *a, **k: None):
            solved = reopt.sweep(market, china_cap=grid, exact=exact, progress=False)
        assert_same_table(curve, solved, shares=not tied)
