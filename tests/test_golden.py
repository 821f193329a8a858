"""Hand-solved markets: exact optima, shares and shadow prices, on every back end."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import demand_table, offers_table

import reopt


def tonnes(plan: reopt.Plan) -> dict[str, float]:
    return dict(zip(plan.allocation["source"], plan.allocation["tonnes"], strict=True))


def price_of(plan: reopt.Plan, constraint: str, product: str = "A", group: str | None = None):
    table = plan.shadow_prices
    rows = table[(table["constraint"] == constraint) & (table["product"] == product)]
    if group is not None:
        rows = rows[rows["group"] == group]
    assert len(rows) == 1, rows
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("cap", "cost", "expected"),
    [
        (None, 1_000_000, {"cn": 100}),
        (0.6, 1_200_000, {"cn": 60, "au": 40}),
        (0.3, 1_450_000, {"cn": 30, "au": 50, "us": 20}),
        (0.0, 1_750_000, {"au": 50, "us": 50}),
    ],
)
def test_three_suppliers_optimum(three_suppliers, solver, cap, cost, expected):
    plan = reopt.solve(three_suppliers, china_cap=cap, solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    assert plan.cost_usd == pytest.approx(cost, rel=1e-9)
    got = tonnes(plan)
    assert got.keys() == expected.keys()
    for source, t in expected.items():
        assert got[source] == pytest.approx(t, rel=1e-9)


def test_three_suppliers_shadow_prices(three_suppliers, solver):
    plan = reopt.solve(three_suppliers, china_cap=0.6, solver=solver)
    cap = price_of(plan, "cap_share(0.6, country='CN')")
    assert cap["value_usd_per_pp"] == pytest.approx(5_000, rel=1e-9)
    assert cap["unit"] == "USD/pp"
    assert bool(cap["binding"])
    demand = price_of(plan, "demand")
    # one more tonne: 0.6 t more from China at 10 $/kg and 0.4 t more from Australia at 15
    assert demand["value_usd_per_kg"] == pytest.approx(0.6 * 10 + 0.4 * 15, rel=1e-9)
    assert demand["unit"] == "USD/kg"

    plan = reopt.solve(three_suppliers, china_cap=0.3, solver=solver)
    cap = price_of(plan, "cap_share(0.3, country='CN')")
    assert cap["value_usd_per_pp"] == pytest.approx(10_000)
    assert price_of(plan, "demand")["value_usd_per_kg"] == pytest.approx(0.3 * 10 + 0.7 * 20)
    capacity = plan.capacity_values.set_index("source")
    assert capacity.loc["au", "value_usd_per_kg"] == pytest.approx(5)
    assert bool(capacity.loc["au", "binding"])


def test_three_suppliers_reduced_costs(three_suppliers, solver):
    plan = reopt.solve(three_suppliers, china_cap=0.6, solver=solver)
    reduced = plan.reduced_costs.set_index("source")
    # US is unused at 20 $/kg; Australia's marginal tonne costs 15, so US must fall by 5
    assert list(reduced.index) == ["us"]
    assert reduced.loc["us", "reduced_cost_usd_per_kg"] == pytest.approx(5.0)


def test_three_suppliers_shares(three_suppliers, solver):
    plan = reopt.solve(three_suppliers, china_cap=0.6, solver=solver)
    shares = plan.shares("country")
    assert shares.loc["A", "CN"] == pytest.approx(0.6)
    assert shares.loc["A", "AU"] == pytest.approx(0.4)
    value = plan.shares("country", basis="value")
    assert value.loc["A", "CN"] == pytest.approx(600_000 / 1_200_000)
    kinds = plan.shares("kind")
    assert kinds.loc["A", "refinery"] == pytest.approx(0.6)


def test_min_share_floor(solver):
    """min_share(0.2, kind=recycler): 20 t from the 12 $/kg recycler instead of China at 10.

    cost = 80 * 10,000 + 20 * 12,000 = 1,040,000; lowering the floor 1 pp saves 2,000.
    With a 50% China cap as well, the recycler (12) beats Australia (15): 50 CN + 30 JP +
    20 AU = 1,160,000 and the floor no longer binds.
    """
    offers = offers_table(
        [
            ("cn", "A", "CN", "refinery", None, 10.0),
            ("jp", "A", "JP", "recycler", 30.0, 12.0),
            ("au", "A", "AU", "mine", None, 15.0),
        ]
    )
    market = reopt.Market(offers, demand_table([("A", 100.0)]))
    floor = reopt.min_share(0.2, kind="recycler")
    plan = reopt.solve(market, policies=[floor], solver=solver)
    assert plan.cost_usd == pytest.approx(1_040_000)
    assert price_of(plan, floor.name)["value_usd_per_pp"] == pytest.approx(2_000)

    plan = reopt.solve(market, china_cap=0.5, policies=[floor], solver=solver)
    assert plan.cost_usd == pytest.approx(1_160_000)
    assert tonnes(plan) == pytest.approx({"cn": 50, "jp": 30, "au": 20})
    row = price_of(plan, floor.name)
    assert not row["binding"]
    assert row["value_usd_per_pp"] == pytest.approx(0.0, abs=1e-6)


def test_total_scope_moves_independence_to_the_cheapest_product(solver):
    """CN <= 60% of all tonnes (120 of 200 t): leave China where the premium is largest.

    A: China 10, Australia 15 (premium 5); B: China 10, Australia 30 (premium 20).
    Optimal: B all from China (1,000,000), A 20 t from China and 80 t from Australia
    (200,000 + 1,200,000): 2,400,000. One pp of the total (2 t) either way moves 2 t of
    A between China and Australia: 10,000. (At 50%, A all Australian, the price would be
    10,000 to loosen and 40,000 to tighten, and a solver may report either.)
    """
    offers = offers_table(
        [
            ("cn", "A", "CN", "refinery", None, 10.0),
            ("au", "A", "AU", "mine", None, 15.0),
            ("cn", "B", "CN", "refinery", None, 10.0),
            ("au", "B", "AU", "mine", None, 30.0),
        ]
    )
    market = reopt.Market(offers, demand_table([("A", 100.0), ("B", 100.0)]))
    policy = reopt.cap_share(0.6, country="CN", scope="total")
    plan = reopt.solve(market, policies=[policy], solver=solver)
    assert plan.cost_usd == pytest.approx(2_400_000)
    shares = plan.shares("country")
    assert shares.loc["A", "AU"] == pytest.approx(0.8)
    assert shares.loc["B", "CN"] == pytest.approx(1.0)
    total = price_of(plan, policy.name, product="all products")
    assert total["value_usd_per_pp"] == pytest.approx(10_000)


def test_demand_price_counts_only_the_products_a_total_cap_covers(solver):
    """China <= 50% of A and B together; C is outside the cap.

    A: China 10, Australia 15; B: China 10, Australia 15; C: China 10, Australia 12.
    One tonne more of A (or B) raises the cap by 0.5 t: 0.5 t China + 0.5 t Australia
    = 12,500. One tonne more of C is Chinese (10,000) and leaves the cap where it is.
    """
    offers = offers_table(
        [
            (source, product, country, "mine", None, price)
            for product, au_price in (("A", 15.0), ("B", 15.0), ("C", 12.0))
            for source, country, price in (("cn", "CN", 10.0), ("au", "AU", au_price))
        ]
    )
    market = reopt.Market(offers, demand_table([("A", 100.0), ("B", 100.0), ("C", 100.0)]))
    policy = reopt.cap_share(0.5, country="CN", product=["A", "B"], scope="total")
    plan = reopt.solve(market, policies=[policy], solver=solver)
    demand = plan.shadow_prices.query("constraint == 'demand'").set_index("product")
    prices = demand["value_usd_per_kg"]
    assert prices.to_dict() == pytest.approx({"A": 12.5, "B": 12.5, "C": 10})
    # nothing runs short, so each price holds for any demand and the cap's for any share
    ranges = plan.shadow_price_ranges
    assert ranges["valid_from"].tolist() == pytest.approx([0, 0, 0, 0], abs=1e-9)
    assert ranges["valid_to"].tolist() == [np.inf, np.inf, np.inf, pytest.approx(1.0)]
    assert ranges["value_usd_per_pp"].iloc[-1] == pytest.approx(10_000)  # 1 pp = 2 t from AU to CN


def test_value_basis_cap(solver):
    """China's share of money spent <= 50%: 10 x_cn <= 15 x_au, x_cn + x_au = 100.

    So x_cn = 60, x_au = 40, cost 1,200,000. With r = a/(1-a), x_au = 1000 / (10 + 15 r):
    d x_au / d a = -15,000 / (10 + 15)^2 * 4 = -96 at a = 0.5, and cost = 1e6 + 5,000 x_au,
    so one pp saves 5,000 * 96 / 100 = 4,800.
    """
    offers = offers_table(
        [
            ("cn", "A", "CN", "refinery", None, 10.0),
            ("au", "A", "AU", "mine", None, 15.0),
        ]
    )
    market = reopt.Market(offers, demand_table([("A", 100.0)]))
    policy = reopt.cap_share(0.5, country="CN", basis="value")
    plan = reopt.solve(market, policies=[policy], solver=solver)
    assert plan.cost_usd == pytest.approx(1_200_000)
    assert plan.shares("country", basis="value").loc["A", "CN"] == pytest.approx(0.5)
    assert price_of(plan, policy.name)["value_usd_per_pp"] == pytest.approx(4_800, rel=1e-7)


def test_each_country_cap_price_lies_between_one_sided_derivatives(solver):
    """Every country <= 50%: 50 t CN at 10 + 50 t AU at 12 = 1,100,000.

    Loosening China's cap 1 pp swaps 1 t of Australia (12) for China: saves 2,000; tightening
    it forces 1 t of USA (20): costs 10,000. The dual is any value in between; the price of
    demand (both caps grow with it) is unique: 0.5 * 10,000 + 0.5 * 12,000 = 11,000.
    """
    offers = offers_table(
        [
            ("cn", "A", "CN", "refinery", None, 10.0),
            ("au1", "A", "AU", "mine", None, 12.0),
            ("au2", "A", "AU", "mine", None, 13.0),
            ("us", "A", "US", "refinery", None, 20.0),
        ]
    )
    market = reopt.Market(offers, demand_table([("A", 100.0)]))
    policy = reopt.cap_share(0.5, each="country")
    plan = reopt.solve(market, policies=[policy], solver=solver)
    assert plan.cost_usd == pytest.approx(1_100_000)
    cn = price_of(plan, policy.name, group="country CN")["value_usd_per_pp"]
    assert 2_000 - 1e-6 <= cn <= 10_000 + 1e-6
    assert price_of(plan, "demand")["value_usd_per_kg"] == pytest.approx(11)
    groups = set(plan.shadow_prices["group"])
    assert {"country CN", "country AU", "country US"} <= groups


def test_refined_in_counts_ore_refined_in_china(solver):
    """Australian ore refined in China is not China-origin, but is China-refined."""
    offers = pd.DataFrame(
        {
            "source": ["cn", "au_via_cn", "my"],
            "product": ["A"] * 3,
            "country": ["CN", "AU", "AU"],
            "refined_in": ["CN", "CN", "MY"],
            "capacity_t": [None, None, None],
            "price_usd_per_kg": [10.0, 11.0, 15.0],
        }
    )
    market = reopt.Market(offers, demand_table([("A", 100.0)]))
    origin = reopt.solve(market, china_cap=0.5, solver=solver)
    assert tonnes(origin) == pytest.approx({"cn": 50, "au_via_cn": 50})
    refined = reopt.solve(market, policies=[reopt.cap_share(0.5, refined_in="CN")], solver=solver)
    assert tonnes(refined) == pytest.approx({"cn": 50, "my": 50})


def test_periods_are_separate_markets(solver):
    offers = pd.DataFrame(
        {
            "source": ["cn", "au", "cn", "au"],
            "product": ["A"] * 4,
            "period": [2026, 2026, 2027, 2027],
            "country": ["CN", "AU", "CN", "AU"],
            "capacity_t": [None, None, None, 10.0],
            "price_usd_per_kg": [10.0, 15.0, 10.0, 15.0],
        }
    )
    demand = pd.DataFrame({"product": ["A", "A"], "period": [2026, 2027], "demand_t": [100, 50]})
    plan = reopt.solve(reopt.Market(offers, demand), china_cap=0.7, solver=solver)
    # 2026: 70 CN + 30 AU; 2027: 35 CN + 15 AU needed but AU has 10 -> infeasible
    assert plan.status is reopt.Status.INFEASIBLE
    table = plan.infeasibility
    assert list(table["period"]) == [2027]
    plan = reopt.solve(reopt.Market(offers, demand), china_cap=0.8, solver=solver)
    assert plan.cost_usd == pytest.approx(80 * 10_000 + 20 * 15_000 + 40 * 10_000 + 10 * 15_000)
    assert list(plan.allocation["period"].unique()) == [2026, 2027]


def test_unlimited_capacity_and_zero_demand(solver):
    offers = offers_table(
        [("cn", "A", "CN", "refinery", math.inf, 10.0), ("cn", "B", "CN", "refinery", None, 5.0)]
    )
    market = reopt.Market(offers, demand_table([("A", 100.0), ("B", 0.0)]))
    plan = reopt.solve(market, solver=solver)
    assert plan.cost_usd == pytest.approx(1_000_000)
    assert plan.shares("country").loc["B"].sum() == 0.0


def test_offers_for_undemanded_products_are_not_bought(solver):
    offers = offers_table(
        [("cn", "A", "CN", "refinery", None, 10.0), ("cn", "Z", "CN", "refinery", None, 0.0)]
    )
    market = reopt.Market(offers, demand_table([("A", 100.0)]))
    plan = reopt.solve(market, solver=solver)
    assert list(plan.allocation["product"]) == ["A"]


def test_infeasible_capacity_short_is_explained(three_suppliers, solver):
    offers = offers_table(
        [
            ("cn", "Dy oxide", "CN", "refinery", None, 239.0),
            ("lynas", "Dy oxide", "AU", "refinery", 120.0, 400.0),
            ("cn", "Tb oxide", "CN", "refinery", 50.0, 1010.0),
        ]
    )
    market = reopt.Market(offers, demand_table([("Dy oxide", 400.0), ("Tb oxide", 60.0)]))
    plan = reopt.solve(market, china_cap=0.6, solver=solver)
    assert plan.status is reopt.Status.INFEASIBLE
    assert math.isnan(plan.cost_usd)
    with pytest.raises(reopt.NoSolutionError, match="infeasible"):
        _ = plan.allocation
    table = plan.infeasibility.set_index(["constraint", "product"])
    # Tb: 50 t of capacity for 60 t of demand; Dy: non-China 120 t < 40% of 400 t
    assert table.loc[("demand", "Tb oxide"), "change_t"] == pytest.approx(10.0)
    assert table.loc[("cap_share(0.6, country='CN')", "Dy oxide"), "change_t"] == pytest.approx(
        40.0
    )
    text = plan.explain()
    assert "Dy oxide: capacity outside country CN 120 t < 40% of 400 t demand" in text
    assert "Tb oxide: demand 60 t but all offers together can supply only 50 t" in text
    assert "must rise to at least 70.0%" in text
    # HiGHS's irreducible conflict: either Tb's demand against its capacity, or Dy's demand,
    # China cap and Lynas's capacity
    conflict = set(plan.conflict)
    assert conflict in (
        {"demand for Tb oxide (60 t)", "capacity of cn for Tb oxide (50 t)"},
        {
            "demand for Dy oxide (400 t)",
            "cap_share(0.6, country='CN') on Dy oxide",
            "capacity of lynas for Dy oxide (120 t)",
        },
    )


def test_infeasible_floor_is_explained(solver):
    offers = offers_table(
        [("cn", "A", "CN", "refinery", None, 10.0), ("jp", "A", "JP", "recycler", 5.0, 12.0)]
    )
    market = reopt.Market(offers, demand_table([("A", 100.0)]))
    plan = reopt.solve(market, policies=[reopt.min_share(0.25, kind="recycler")], solver=solver)
    assert plan.status is reopt.Status.INFEASIBLE
    (message,) = plan.infeasibility["message"]
    assert "needs 25 t (25% of 100 t) from kind recycler, but only 5 t" in message
    assert "at most 5.0%" in message


def test_cost_is_recomputed_from_inputs(three_suppliers, solver):
    plan = reopt.solve(three_suppliers, china_cap=0.3, solver=solver)
    alloc = plan.allocation.merge(three_suppliers.offers, on=["source", "product"])
    assert plan.cost_usd == pytest.approx(
        float((alloc["tonnes"] * alloc["price_usd_per_kg_y"] * 1000).sum()), rel=1e-12
    )
    assert np.allclose(alloc["cost_usd"], alloc["tonnes"] * alloc["price_usd_per_kg_x"] * 1000)
