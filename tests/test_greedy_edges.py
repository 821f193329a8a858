"""The greedy method and its cap curve at the edges: slivers, rounding, ties, no room.

Each market is small and worked by hand. `"auto"` (the greedy method, and a sweep read off
its cap curve) must give what HiGHS gives point by point: the same status at caps a hair
below the feasibility limit, the same cost where the optimum costs nothing and a running sum
leaves a rounding of room, the true cost at a breakpoint just past an offer of a few grams,
and a table, not an exception, where no cap is feasible or no offer has room.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from certificates import assert_certificate
from hypothesis import given, settings
from hypothesis import strategies as st

import reopt


def market(rows: list[tuple], demand: dict[str, float]) -> reopt.Market:
    """Offers as (source, product, country, capacity_t, price_usd_per_kg)."""
    offers = pd.DataFrame(
        rows, columns=["source", "product", "country", "capacity_t", "price_usd_per_kg"]
    )
    table = pd.DataFrame({"product": list(demand), "demand_t": list(demand.values())})
    return reopt.Market(offers, table)


def half_from_china() -> reopt.Market:
    """10 t: China unlimited at 1 USD/kg, Australia 5 t at 2: feasible from a 50% cap."""
    return market([("cn", "X", "CN", np.nan, 1.0), ("au", "X", "AU", 5.0, 2.0)], {"X": 10.0})


def assert_rows_match_solves(mkt: reopt.Market, table: pd.DataFrame) -> None:
    """Every row of a sweep has the status and cost of a HiGHS solve at its cap."""
    for row in table.itertuples(index=False):
        solved = reopt.solve(mkt, china_cap=row.china_cap, solver="highs")
        assert row.status == solved.status.value, row
        if solved.is_optimal:
            assert row.cost_usd == pytest.approx(solved.cost_usd, rel=1e-9, abs=1e-9), row


@pytest.mark.parametrize("below", [1e-7, 2e-9, 1e-9, 9e-10, 5e-10, 1e-12])
def test_a_cap_a_hair_below_the_limit_has_the_status_highs_gives(below):
    mkt = half_from_china()
    auto = reopt.solve(mkt, china_cap=0.5 - below)
    highs = reopt.solve(mkt, china_cap=0.5 - below, solver="highs")
    assert auto.status is highs.status
    if auto.is_optimal:
        assert auto.cost_usd == pytest.approx(highs.cost_usd, rel=1e-9)


def test_a_sweep_below_the_limit_reports_no_plan_the_solves_do_not_find():
    mkt = half_from_china()
    table = reopt.sweep(mkt, china_cap=[0.5 - 1e-9, 0.5 - 5e-10, 0.5], progress=False)
    assert table.attrs["feasibility_limit"] == 0.5
    assert_rows_match_solves(mkt, table)


def test_a_breakpoint_just_past_an_offer_of_a_few_grams_costs_what_a_solve_does():
    """1000 t. China: 800 t at 1 USD/kg and any amount at 30; elsewhere 1 g at 70 and 300 t
    at 25. From the limit China displaces the gram (69 USD/kg) and then 300 t at 25 (24
    USD/kg) up to 800 t: the breakpoint at 80% costs 800 t at 1 and 200 t at 25."""
    mkt = market(
        [
            ("a", "P", "CN", 800.0, 1.0),
            ("b", "P", "CN", np.nan, 30.0),
            ("x", "P", "AU", 1e-6, 70.0),
            ("y", "P", "US", 300.0, 25.0),
        ],
        {"P": 1000.0},
    )
    table = reopt.sweep(mkt, china_cap=np.linspace(0.0, 1.0, 11).tolist(), progress=False)
    assert table.attrs["method"] == "greedy curve"
    kink = table[table["point"] == "breakpoint"]
    assert kink["china_cap"].tolist() == [0.8]
    assert kink["cost_usd"].iloc[0] == pytest.approx(800 * 1000 + 200 * 25_000, rel=1e-12)
    assert_rows_match_solves(mkt, table[table["status"] == "optimal"])
    costs = table[table["status"] == "optimal"].sort_values("china_cap")["cost_usd"]
    assert (np.diff(costs.to_numpy()) <= 1e-9 * costs.max()).all()  # never up as it loosens


def test_a_rounding_of_room_buys_nothing_dear():
    """Two products 1e13 apart; China 1/2 and the US 2/3 of each demand free, Australia 1/3
    at 1 USD/kg; a 1/3 China cap. China's 1/3 and the US's 2/3 meet each demand at no cost;
    the rounding of 1/3 + 2/3 must not buy Australia's."""
    rows = []
    for product, d in (("S", 1e-6), ("B", 1e7)):
        rows += [
            ("cn", product, "CN", d * 0.5, 0.0),
            ("au", product, "AU", d / 3, 1.0),
            ("us", product, "US", d * (1 - 1 / 3), 0.0),
        ]
    mkt = market(rows, {"S": 1e-6, "B": 1e7})
    auto = reopt.solve(mkt, china_cap=1 / 3)
    highs = reopt.solve(mkt, china_cap=1 / 3, solver="highs")
    assert set(auto.methods["method"]) == {"greedy"}
    assert auto.cost_usd == pytest.approx(highs.cost_usd, abs=1e-9)
    assert_certificate(auto)


def test_a_tie_beside_a_rounding_of_room_is_solved_by_the_greedy_method_and_swept():
    """A product met free by India with a China gram at 1 USD/kg beside it (the rounding of
    the fill's running sum once left the gram room), and a product whose China offer ties
    with an Indian sliver: the greedy method solves it, and its sweep agrees with solves."""
    offers = pd.DataFrame(
        {
            "source": ["s1", "s3", "s4", "s0", "s2", "s4", "s4"],
            "product": ["P1", "P1", "P1", "P0", "P0", "P0", "P2"],
            "period": [0, 0, 0, 1, 1, 1, 1],
            "country": ["AU", "CN", "IN", "CN", "VN", "IN", "IN"],
            "capacity_t": [0.0, 1e-6, np.nan, np.nan, 500.0, 0.00045359237, np.nan],
            "price_usd_per_kg": [0.0, 1.0, 0.0, 2.0, 0.0, 2.0, 0.0],
        }
    )
    demand = pd.DataFrame(
        {"product": ["P1", "P0", "P2"], "period": [0, 1, 1], "demand_t": [500.0, 1000.0, 0.0]}
    )
    mkt = reopt.Market(offers, demand)
    plan = reopt.solve(mkt, china_cap=0.5)
    assert set(plan.methods["method"]) == {"greedy"}
    assert plan.cost_usd == pytest.approx(1e6, rel=1e-12)
    table = reopt.sweep(mkt, china_cap=[0.4, 0.5, 0.9], progress=False)
    assert_rows_match_solves(mkt, table)


def test_a_sweep_where_the_optimum_is_free_has_no_cost_from_rounding():
    """1e7 t: China 10 kg and any amount free, Vietnam at 5 USD/kg. At a 100% cap it is free;
    China's running sum must not leave a rounding for Vietnam to sell."""
    mkt = market(
        [
            ("s0", "P", "CN", 0.01, 0.0),
            ("s1", "P", "VN", np.nan, 5.0),
            ("s5", "P", "CN", np.nan, 0.0),
        ],
        {"P": 1e7},
    )
    table = reopt.sweep(mkt, china_cap=[0.5, 1.0], progress=False)
    assert table.attrs["method"] == "greedy curve"
    assert_rows_match_solves(mkt, table)
    assert table.loc[table["china_cap"] == 1.0, "cost_usd"].iloc[0] == 0.0


@pytest.mark.parametrize("exact", [True, False])
def test_a_sweep_with_no_feasible_grid_cap_is_a_table_of_infeasible_rows(exact):
    mkt = half_from_china()
    table = reopt.sweep(mkt, china_cap=[0.1, 0.2], exact=exact, progress=False)
    grid = table[table["point"] == "grid"]
    assert grid["status"].tolist() == ["infeasible", "infeasible"]
    assert grid["cost_usd"].isna().all()


@pytest.mark.parametrize(
    ("capacity", "demand_t", "status"),
    [(0.0, 10.0, "infeasible"), (np.nan, 0.0, "optimal")],
    ids=["no capacity", "no demand"],
)
def test_a_sweep_where_no_offer_has_room_gives_the_table_highs_gives(capacity, demand_t, status):
    mkt = market(
        [("cn", "X", "CN", capacity, 1.0), ("au", "X", "AU", 0.0 if capacity == 0 else 5.0, 2.0)],
        {"X": demand_t},
    )
    table = reopt.sweep(mkt, china_cap=[0.5, 1.0], progress=False)
    highs = reopt.sweep(mkt, china_cap=[0.5, 1.0], solver="highs", progress=False)
    assert table["status"].tolist() == highs["status"].tolist()
    assert table["china_cap"].tolist() == highs["china_cap"].tolist()
    grid = table[table["point"] == "grid"]
    assert grid["status"].tolist() == [status, status]
    if status == "optimal":
        assert (table["cost_usd"] == 0.0).all()
    else:
        assert all(math.isnan(c) for c in table["cost_usd"])


@st.composite
def edge_markets(draw) -> reopt.Market:
    """1-2 products of 1 g to 10 Mt; 3-6 offers each, from China, Australia or the US, of
    any amount, a few grams, a sliver of the demand or a part of it, priced in a few levels
    (ties, and free offers)."""
    rows, demand = [], {}
    for p in range(draw(st.integers(1, 2))):
        d = draw(st.sampled_from([1e-6, 1.0, 1000.0, 1e7]))
        demand[f"P{p}"] = d
        for k in range(draw(st.integers(3, 6))):
            capacity = draw(st.sampled_from([np.nan, 1e-6, d * 1e-9, d * 1e-12, d * 0.2, d * 0.45]))
            rows.append(
                (
                    f"s{k}",
                    f"P{p}",
                    draw(st.sampled_from(["CN", "CN", "AU", "US"])),
                    capacity,
                    draw(st.sampled_from([0.0, 1.0, 2.0, 5.0, 70.0])),
                )
            )
    return market(rows, demand)


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(mkt=edge_markets(), cap=st.sampled_from([0.0, 0.3, 0.5, 0.6, 1.0]))
def test_on_markets_of_slivers_and_ties_auto_and_its_sweep_give_what_highs_gives(mkt, cap):
    money = float(
        (mkt.offers.groupby("product")["price_usd_per_kg"].max() * 1000)
        .mul(mkt.demand.set_index("product")["demand_t"])
        .sum()
    )
    auto = reopt.solve(mkt, china_cap=cap)
    highs = reopt.solve(mkt, china_cap=cap, solver="highs")
    assert auto.status is highs.status
    if auto.is_optimal:
        assert auto.cost_usd == pytest.approx(highs.cost_usd, rel=1e-9, abs=1e-9 * money)
    table = reopt.sweep(mkt, china_cap=[0.2, 0.5, 0.8, 1.0], progress=False)
    limit = table.attrs["feasibility_limit"]
    near = [limit - 1e-9, limit - 5e-10] if limit is not None and limit >= 1e-6 else []
    for row in table.itertuples(index=False):
        solved = reopt.solve(mkt, china_cap=row.china_cap, solver="highs")
        assert row.status == solved.status.value, row
        if solved.is_optimal:
            assert row.cost_usd == pytest.approx(solved.cost_usd, rel=1e-9, abs=1e-9 * money)
    for below in near:  # a hair below the limit, where a looser tolerance said "optimal"
        auto = reopt.solve(mkt, china_cap=below)
        assert auto.status is reopt.solve(mkt, china_cap=below, solver="highs").status
