"""Sensitivity ranges checked by re-solving at their ends; plots drawn without errors."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from conftest import demand_table, offers_table

import reopt
import reopt.plot

matplotlib.use("Agg")


def test_ranges_on_the_three_supplier_market(three_suppliers):
    """At a 60% cap, its 5,000 USD/pp holds for caps 50%..100%; demand's 15,000 USD/t for
    60..110 t; China's price may rise to 15 $/kg, Australia's move within 10..20."""
    plan = reopt.solve(three_suppliers, china_cap=0.6)
    ranges = plan.shadow_price_ranges.set_index("constraint")
    cap = ranges.loc["cap_share(0.6, country='CN')"]
    assert (cap["valid_from"], cap["valid_to"], cap["range_unit"]) == (
        pytest.approx(0.5),
        pytest.approx(1.0),
        "share",
    )
    demand = ranges.loc["demand"]
    assert (demand["valid_from"], demand["valid_to"]) == (pytest.approx(60), pytest.approx(110))
    prices = plan.price_ranges.set_index("source")
    assert prices.loc["cn", "price_high_usd_per_kg"] == pytest.approx(15)
    assert prices.loc["cn", "price_low_usd_per_kg"] == -np.inf
    assert prices.loc["au", ["price_low_usd_per_kg", "price_high_usd_per_kg"]].tolist() == (
        pytest.approx([10, 20])
    )


def product_cap_price(market: reopt.Market, product: str, share: float) -> float:
    """The price of China's cap on ``product`` at ``share``, the others held at 60%."""
    policies = [
        reopt.cap_share(share if p == product else 0.6, country="CN", product=p)
        for p in market.products
    ]
    prices = reopt.solve(market, policies=policies).shadow_prices
    return float(prices.loc[prices["product"] == product, "value"].iloc[-1])


def test_each_shadow_price_holds_across_its_range():
    """HiGHS's ranges are those of the plan's basis: the price holds at least that far."""
    market = reopt.datasets.japan_2025()
    table = reopt.solve(market, china_cap=0.6).shadow_price_ranges
    caps = table[table["range_unit"] == "share"]
    assert len(caps) == len(market.products)
    for row in caps.itertuples():
        assert row.valid_from <= 0.6 <= row.valid_to
        width = row.valid_to - row.valid_from
        for share in (row.valid_from + 1e-3 * width, row.valid_to - 1e-3 * width):
            assert product_cap_price(market, row.product, share) == pytest.approx(
                row.value, rel=1e-7
            ), (row.product, share)


def test_the_plan_holds_across_each_price_range():
    market = reopt.datasets.japan_2025()
    plan = reopt.solve(market, china_cap=0.6)
    expected = plan.allocation.set_index(["source", "product"])["tonnes"].to_dict()
    offers = market.offers
    ranges = plan.price_ranges
    checked = 0
    for row in ranges.itertuples():
        at = (offers["source"] == row.source) & (offers["product"] == row.product)
        for price in (
            row.price_low_usd_per_kg * (1 + 1e-6),
            row.price_high_usd_per_kg * (1 - 1e-6),
        ):
            if not np.isfinite(price) or price < 0:
                continue
            changed = offers.assign(
                price_usd_per_kg=np.where(at, price, offers["price_usd_per_kg"])
            )
            moved = reopt.solve(market.replace(offers=changed), china_cap=0.6)
            bought = moved.allocation.set_index(["source", "product"])["tonnes"].to_dict()
            assert bought == pytest.approx(expected, rel=1e-9, abs=1e-9), (row.source, price)
            checked += 1
    assert checked >= 10


def test_no_ranges_for_milp_or_infeasible(three_suppliers):
    offers = offers_table(
        [("cn", "A", "CN", "refinery", None, 10.0), ("au", "A", "AU", "mine", 80.0, 15.0)]
    )
    milp = reopt.Market(offers.assign(min_order_t=[0.0, 50.0]), demand_table([("A", 100.0)]))
    with pytest.raises(reopt.NoSolutionError, match="MILP"):
        reopt.solve(milp, china_cap=0.6).price_ranges  # noqa: B018
    infeasible = reopt.solve(three_suppliers, policies=[reopt.cap_share(0.0, country=["CN", "US"])])
    with pytest.raises(reopt.NoSolutionError, match="infeasible"):
        infeasible.shadow_price_ranges  # noqa: B018


def test_value_basis_ranges_are_not_claimed(three_suppliers):
    plan = reopt.solve(
        three_suppliers, policies=[reopt.cap_share(0.5, country="CN", basis="value")]
    )
    assert plan.price_ranges["price_low_usd_per_kg"].isna().all()
    policy = plan.shadow_price_ranges
    assert policy.loc[policy["unit"] == "USD/pp", "valid_from"].isna().all()


def test_plots_return_their_axes_with_labels():
    import matplotlib.pyplot as plt

    market = reopt.datasets.japan_2025()
    curve = reopt.sweep(market, china_cap=np.linspace(0.4, 1, 7).tolist())
    _, axes = plt.subplots(1, 3)
    assert reopt.plot.frontier(curve, ax=axes[0], label="2025") is axes[0]
    assert "USD million" in axes[0].get_ylabel()
    assert any("minimum feasible cap" in t.get_text() for t in axes[0].get_legend().get_texts())
    plan = reopt.solve(market, china_cap=0.6)
    assert reopt.plot.supply_mix(plan, ax=axes[1]) is axes[1]
    names = [t.get_text() for t in axes[1].get_legend().get_texts()]
    assert "China" in names and "Australia" in names
    assert reopt.plot.sweep_shares(curve, ax=axes[2]) is axes[2]
    what_if = reopt.sweep(market, scale_price={"country": "CN"}, factors=[1, 2])
    reopt.plot.frontier(what_if)
    with pytest.raises(reopt.InputError, match=r"not a table from reopt\.sweep"):
        reopt.plot.frontier(plan.allocation)
    plt.close("all")


def test_a_slack_caps_zero_price_holds_while_it_stays_slack():
    market = reopt.datasets.japan_2025()
    policies = [reopt.cap_share(0.8, country="CN", product=p) for p in market.products]
    table = reopt.solve(market, policies=policies).shadow_price_ranges
    slack = table[(table["unit"] == "USD/pp") & ~table["binding"]]
    assert len(slack) >= 1
    for row in slack.itertuples():
        assert row.value == 0 and row.valid_to == 1.0 and row.valid_from < 0.8
        assert product_cap_price(market, row.product, row.valid_from + 1e-3) == 0.0


def test_frontier_marks_breakpoints_that_fall_on_grid_caps():
    import matplotlib.pyplot as plt

    market = reopt.datasets.japan_2025()
    kinks = reopt.sweep(market, china_cap=[0.6, 1.0])
    found = kinks.loc[kinks["point"] == "breakpoint", "china_cap"].tolist()
    curve = reopt.sweep(market, china_cap=[0.6, *found, 1.0])
    ax = reopt.plot.frontier(curve)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"breakpoints ({len(found)})" in labels
    plt.close("all")
