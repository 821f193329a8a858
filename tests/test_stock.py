"""Periods with a stockpile, lead times and a strategic floor (reopt.data.stock, model.stock)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import RTOL, THREE_PERIOD_DEMAND, THREE_PERIOD_OFFERS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import stock_markets

import reopt
from reopt.errors import ReoptWarning


def three_periods(stock: pd.DataFrame | None = None, **extra: list[object]) -> reopt.Market:
    """The three-period market (`THREE_PERIOD_OFFERS`), with ``extra`` offer columns."""
    return reopt.Market(
        THREE_PERIOD_OFFERS.assign(**extra), THREE_PERIOD_DEMAND.copy(), stock=stock
    )


def golden_stock(**changes: object) -> pd.DataFrame:
    row = {"product": "A", "initial_t": 0.0, "min_t": 20.0, "max_t": 150.0}
    row["holding_usd_per_kg"] = 1.0
    row.update(changes)
    return pd.DataFrame([row])


def test_golden_three_periods_buys_ahead(solver: str) -> None:
    """Worked by hand (USD/kg, 1 USD/kg = 1,000 USD/t; holding 1 USD/kg per period).

    Period 2 costs 20; a tonne bought in period 1 and held one period costs 10 + 1 = 11, so
    period 2's 100 t come from period 1. The floor of 20 t at the end of period 2 is also
    bought in period 1 (10 + 2 = 12 < 20 + 1); period 3 buys its own 100 t at 11 (held from
    period 1 it would cost 12) and ends at the floor: x = (220, 0, 100), s = (120, 20, 20).
    Cost 220 * 10 + 100 * 11 = 3,300 USD/kg-t purchases + (120 + 20 + 20) * 1 holding
    = 3,460,000 USD. Floor values: period 1 not at the floor (0); period 2: one more tonne
    held comes from period 1 (12) instead of period 3 (11): 1 USD/kg; period 3: one more
    tonne bought at 11 and held at 1: 12 USD/kg.
    """
    plan = reopt.solve(three_periods(golden_stock()), solver=solver)
    rtol = RTOL.get(solver, 1e-7)
    assert plan.cost_usd == pytest.approx(3_460_000.0, rel=rtol)
    periods = plan.by_period
    assert periods["purchased_t"].to_numpy() == pytest.approx([220.0, 0.0, 100.0], rel=rtol)
    assert periods["arriving_t"].to_numpy() == pytest.approx([220.0, 0.0, 100.0], rel=rtol)
    stock = plan.stock
    assert list(stock["period"]) == [1, 2, 3]
    assert stock["stock_t"].to_numpy() == pytest.approx([120.0, 20.0, 20.0], rel=rtol)
    assert stock["holding_cost_usd"].sum() == pytest.approx(160_000.0, rel=rtol)
    assert list(stock["at_floor"]) == [False, True, True]
    values = stock["floor_value_usd_per_kg"].to_numpy()
    assert values == pytest.approx([0.0, 1.0, 12.0], rel=1e-6, abs=1e-6)
    demand = plan.shadow_prices.query("constraint == 'demand'")["value_usd_per_kg"]
    assert demand.to_numpy() == pytest.approx([10.0, 11.0, 11.0], rel=1e-6)


def test_lead_time_moves_arrivals(solver: str) -> None:
    """Period 1's offer arrives a period later: period 1's demand comes from initial stock.

    Lead times (1, 0, 0), initial stock 100 t, no floor, no holding cost: period 1's 100 t
    are the initial stock; periods 2 and 3 buy in period 1 (10, arriving in 2, the 100 t for
    period 3 held for free, max_t 150) rather than at 20 and 11. Cost 200 * 10 = 2,000,000.
    """
    stock = golden_stock(initial_t=100.0, min_t=0.0, holding_usd_per_kg=0.0)
    market = three_periods(stock, lead_time_periods=[1, 0, 0])
    plan = reopt.solve(market, solver=solver)
    assert plan.cost_usd == pytest.approx(2_000_000.0, rel=RTOL.get(solver, 1e-7))
    table = plan.by_period
    assert table["purchased_t"].to_numpy() == pytest.approx([200.0, 0.0, 0.0], abs=1e-6)
    assert table["arriving_t"].to_numpy() == pytest.approx([0.0, 200.0, 0.0], abs=1e-6)


def test_arrival_after_the_horizon_is_not_allowed() -> None:
    """Period 3's offer with a lead of 1 would arrive after the last period: bounded by 0."""
    with pytest.warns(ReoptWarning, match="after the"):
        market = three_periods(golden_stock(max_t=500.0), lead_time_periods=[0, 0, 1])
    lp = reopt.compile(market)
    assert lp.col_upper[2] == 0.0
    plan = reopt.solve(market)
    assert plan.by_period["purchased_t"].iloc[2] == pytest.approx(0.0, abs=1e-9)


def test_floor_shadow_price_is_the_finite_difference() -> None:
    """Raising min_t by one tonne raises every period's floor: the sum of the floor values."""
    base = reopt.solve(three_periods(golden_stock()))
    more = reopt.solve(three_periods(golden_stock(min_t=21.0)))
    per_tonne = base.stock["floor_value_usd_per_kg"].sum() * 1000.0
    assert more.cost_usd - base.cost_usd == pytest.approx(per_tonne, rel=1e-7)


def test_floor_in_days_of_demand() -> None:
    """min_days = 73 is 73/365 = 20% of each period's 100 t: the same as min_t = 20."""
    days = golden_stock(min_days=73.0)
    days["min_t"] = np.nan
    plan = reopt.solve(three_periods(days))
    assert plan.stock["floor_t"].to_numpy() == pytest.approx([20.0] * 3)
    assert plan.cost_usd == pytest.approx(3_460_000.0, rel=1e-9)


def test_empty_stock_gives_the_market_without_stock() -> None:
    """Zero holding cost, zero initial stock and zero floor: the same cost as no stock.

    With one period, the balance is the demand row itself (and nothing else differs).
    """
    market = reopt.datasets.japan_2025()
    products = list(market.products)
    stock = pd.DataFrame({"product": products, "initial_t": 0.0, "min_t": 0.0, "max_t": 0.0})
    held = market.replace(stock=stock)
    assert held.has_stock_balance and not market.has_stock_balance
    for cap in (None, 0.6):
        assert reopt.solve(held, china_cap=cap).cost_usd == pytest.approx(
            reopt.solve(market, china_cap=cap).cost_usd, rel=1e-9
        )


def test_market_without_stock_compiles_as_before() -> None:
    """No stock table and no lead time: demand rows, no extra columns (compile unchanged)."""
    market = reopt.datasets.japan_2025()
    lp = reopt.compile(market, [reopt.cap_share(0.6, country="CN")])
    assert lp.n_cols == market.n_offers
    zero_lead = market.replace(offers=market.offers.assign(lead_time_periods=0))
    assert not zero_lead.has_stock_balance
    again = reopt.compile(zero_lead, [reopt.cap_share(0.6, country="CN")])
    assert np.array_equal(lp.row_upper, again.row_upper)
    assert np.array_equal(lp.value, again.value)


def china_market(stock: pd.DataFrame) -> reopt.Market:
    offers = pd.DataFrame(
        {
            "source": ["x", "y"] * 3,
            "product": ["A"] * 6,
            "period": [1, 1, 2, 2, 3, 3],
            "country": ["AU", "CN"] * 3,
            "capacity_t": [300.0] * 6,
            "price_usd_per_kg": [10.0, 8.0, 20.0, 9.0, 11.0, 12.0],
        }
    )
    demand = pd.DataFrame({"product": ["A"] * 3, "period": [1, 2, 3], "demand_t": [100.0] * 3})
    return reopt.Market(offers, demand, stock=stock)


def test_caps_count_each_periods_purchases(solver: str) -> None:
    """With stock, a 60% China cap holds on each period's purchases, not on its demand.

    Worked by hand (USD/kg): CN is cheapest in periods 1 and 2 (8, 9), AU in period 3 (11).
    Uncapped: buy all in period 1 from CN at 8, holding 1 per period (period 2: 9 < 9 + ...)
    is checked against the plan below by the numbers, not the tonnes. The cap binds in
    periods 1 and 2: their CN tonnes are at most 60% of their purchases.
    """
    plan = reopt.solve(china_market(golden_stock()), china_cap=0.6, solver=solver)
    alloc = plan.allocation
    for _, part in alloc.groupby("period"):
        total = part["tonnes"].sum()
        assert part.loc[part["country"] == "CN", "tonnes"].sum() <= 0.6 * total + 1e-6
    free = reopt.solve(china_market(golden_stock()), solver=solver)
    assert plan.cost_usd >= free.cost_usd - 1e-6
    per_pp = plan.shadow_prices.dropna(subset=["value_usd_per_pp"])
    assert (per_pp["value_usd_per_pp"] >= -1e-9).all()


def test_cap_price_is_the_finite_difference() -> None:
    """The homogeneous share rows price a point by the envelope theorem (dual x purchases)."""
    market = china_market(golden_stock())
    base = reopt.solve(market, china_cap=0.6)
    up = reopt.solve(market, china_cap=0.6 + 1e-4)
    down = reopt.solve(market, china_cap=0.6 - 1e-4)
    price = base.shadow_prices.dropna(subset=["value_usd_per_pp"])["value_usd_per_pp"].sum()
    left = (down.cost_usd - base.cost_usd) / 1e-2
    right = (base.cost_usd - up.cost_usd) / 1e-2
    assert min(left, right) - 1e-3 <= price <= max(left, right) + 1e-3


def test_sweep_on_a_stock_market_solves_every_point() -> None:
    """The sweep compiles each point (its shares are coefficients); feasibility_limit refuses."""
    market = china_market(golden_stock())
    curve = reopt.sweep(market, china_cap=[0.3, 0.6, 1.0], exact=False)
    for cap, cost in zip(curve["china_cap"], curve["cost_usd"], strict=True):
        assert cost == pytest.approx(reopt.solve(market, china_cap=cap).cost_usd, rel=1e-9)
    exact = reopt.sweep(market, china_cap=[0.3, 0.6])
    grid = exact[exact["point"] == "grid"]
    assert grid["cost_usd"].to_numpy() == pytest.approx(curve["cost_usd"].to_numpy()[:2])
    with pytest.raises(reopt.InputError, match="without stock"):
        reopt.feasibility_limit(market, reopt.cap_share(1, country="CN"))


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"min_t": 200.0}, "min_t"),  # floor above max_t = 150
        ({"initial_t": -1.0}, "initial_t"),
        ({"holding_usd_per_kg": -0.5}, "holding_usd_per_kg"),
        ({"product": "B"}, "product"),  # nobody demands it
        ({"min_days": 30.0}, "min_days"),  # both min_t and min_days
        ({"max_t": "lots"}, "max_t"),
        ({"min_t": np.nan, "min_days": 1000.0}, "min_days"),  # 1000 days of 100 t > 150 t
    ],
)
def test_hostile_stock_tables_name_the_cell(change: dict[str, object], column: str) -> None:
    stock = golden_stock(**change)
    with pytest.raises(reopt.InputError) as err:
        three_periods(stock)
    cells = [(p.table, p.where, p.column) for p in err.value.problems]
    assert ("stock", "stock row 0", column) in cells, cells


def test_every_stock_problem_in_one_error() -> None:
    stock = pd.concat([golden_stock(initial_t=-1.0), golden_stock(product="A ", min_t=900.0)])
    stock = stock.reset_index(drop=True)
    with pytest.raises(reopt.InputError) as err:
        three_periods(stock)
    found = {(p.where, p.column) for p in err.value.problems}
    assert ("stock row 0", "initial_t") in found
    assert ("stock row 1", "min_t") in found
    assert ("stock row 1", "product") in found  # duplicate of row 0 once spaces are trimmed


def test_stocked_product_needs_every_period() -> None:
    offers = pd.DataFrame(
        {
            "source": ["x", "x"],
            "product": ["A", "A"],
            "period": [1, 2],
            "country": ["AU", "AU"],
            "capacity_t": [300.0, 300.0],
            "price_usd_per_kg": [10.0, 20.0],
        }
    )
    demand = pd.DataFrame({"product": ["A"], "period": [1], "demand_t": [100.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReoptWarning)
        with pytest.raises(reopt.InputError, match="every period"):
            reopt.Market(offers, demand, stock=golden_stock())


@pytest.mark.parametrize("lead", [-1, 0.5, "soon", np.inf])
def test_bad_lead_times_are_refused(lead: object) -> None:
    with pytest.raises(reopt.InputError) as err:
        three_periods(golden_stock(), lead_time_periods=[0, lead, 0])
    cells = [(p.table, p.where, p.column) for p in err.value.problems]
    assert ("offers", "offers row 1", "lead_time_periods") in cells, cells


def test_stock_market_pickles() -> None:
    import pickle

    market = three_periods(golden_stock())
    again = pickle.loads(pickle.dumps(market))
    assert again.stock is not None and again.has_stock_balance
    assert reopt.solve(again).cost_usd == pytest.approx(3_460_000.0)


def test_stock_csv_in_a_folder(tmp_path) -> None:
    market = three_periods(golden_stock())
    reopt.write_market(market, tmp_path)
    market.stock.to_csv(tmp_path / "stock.csv", index=False)
    read = reopt.read_market(tmp_path)
    assert read.has_stock_balance
    assert reopt.solve(read).cost_usd == pytest.approx(3_460_000.0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stock_markets(), st.sampled_from([None, 0.6]))
def test_stock_balance_holds_in_every_period(market: reopt.Market, cap: float | None) -> None:
    plan = reopt.solve(market, china_cap=cap)
    assert plan.is_optimal
    flows = plan.by_period
    held = plan.stock
    stock = market.stock
    for product, part in flows.groupby("product", sort=False):
        part = part.sort_values("period")
        size = max(1.0, float(part["demand_t"].abs().max()))
        if stock is not None and product in set(stock["product"]):
            mine = held[held["product"] == product].sort_values("period")
            end = mine["stock_t"].to_numpy()
            initial = float(stock.set_index("product").loc[product, "initial_t"])
            start = np.concatenate([[initial], end[:-1]])
            floor, top = mine["floor_t"].to_numpy(), mine["max_t"].to_numpy()
            assert (end >= floor - 1e-7 * np.maximum(1.0, floor)).all()
            assert (end <= top + 1e-7 * np.maximum(1.0, np.where(np.isfinite(top), top, 1))).all()
        else:
            start = end = np.zeros(len(part))
        balance = part["arriving_t"].to_numpy() + start - end
        assert balance == pytest.approx(part["demand_t"].to_numpy(), abs=1e-6 * size)
    price = market.encoded.price_usd_per_kg
    x = plan.solution.x[: market.n_offers]
    expected = 1000.0 * price @ x + held["holding_cost_usd"].sum()
    assert plan.cost_usd == pytest.approx(expected, rel=1e-9)


def test_an_infeasible_stock_market_is_explained_in_tonnes():
    """The share rows of a stock market have no fixed base: the explanation reads the
    period's purchases from the elastic solution instead of printing nan."""
    offers = pd.DataFrame(
        [("cn", "A", "CN", "mine", None, 10.0, 1), ("au", "A", "AU", "mine", 5.0, 15.0, 1)],
        columns=[
            "source",
            "product",
            "country",
            "kind",
            "capacity_t",
            "price_usd_per_kg",
            "period",
        ],
    )
    demand = pd.DataFrame([("A", 100.0, 1)], columns=["product", "demand_t", "period"])
    stock = pd.DataFrame(
        [("A", 0.0, 0.0, None, 0.1)],
        columns=["product", "initial_t", "min_t", "max_t", "holding_usd_per_kg"],
    )
    plan = reopt.solve(reopt.Market(offers, demand, stock=stock), china_cap=0.3)
    assert plan.status is reopt.Status.INFEASIBLE
    text = plan.explain()
    assert "nan" not in text
    assert "at least 95.0% (65 t over the cap)" in text


def _late_offers(lead: list[int], capacity: list[float | None]) -> pd.DataFrame:
    """cn and au offer A in periods 1 and 2, with the lead times and capacities given."""
    return pd.DataFrame(
        {
            "source": ["cn", "au", "cn", "au"],
            "product": "A",
            "country": ["CN", "AU", "CN", "AU"],
            "period": [1, 1, 2, 2],
            "capacity_t": capacity,
            "price_usd_per_kg": [10.0, 20.0, 10.0, 20.0],
            "lead_time_periods": lead,
        }
    )


def test_a_demand_nothing_can_reach_in_time_is_explained_by_arrivals():
    """Unlimited offers that all arrive a period late leave the first period short: the
    explanation counts what arrives in it (0 t), not what is bought in it (no limit)."""
    demand = pd.DataFrame({"product": "A", "period": [1, 2], "demand_t": [100.0, 100.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReoptWarning)  # period 2's offers arrive too late
        market = reopt.Market(_late_offers([1, 1, 1, 1], [None] * 4), demand)
    plan = reopt.solve(market, china_cap=0.6)
    assert plan.status is reopt.Status.INFEASIBLE
    text = plan.explain()
    assert "unlimited" not in text
    assert "demand 100 t but the offers arriving in that period can supply only 0 t" in text
    assert plan.infeasibility["available_t"].tolist() == [0.0]


def test_a_stocked_demand_is_explained_by_what_can_be_held_until_then():
    """With a stock row, the offers arriving by a period and the initial stock meet the
    product's demand up to that period."""
    demand = pd.DataFrame({"product": "A", "period": [1, 2], "demand_t": [100.0, 100.0]})
    stock = pd.DataFrame({"product": ["A"], "initial_t": [30.0], "holding_usd_per_kg": [0.1]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReoptWarning)
        market = reopt.Market(
            _late_offers([0, 0, 1, 1], [20.0, 20.0, None, None]), demand, stock=stock
        )
    plan = reopt.solve(market, china_cap=0.6)
    table = plan.infeasibility
    assert table["available_t"].tolist() == [70.0, 70.0]  # 2 x 20 t arriving + 30 t held
    assert table["change_t"].sum() == pytest.approx(130.0)  # 200 t asked, 70 t to be had
    assert (
        "demand 100 t (200 t up to then) but the initial stock and the offers arriving by "
        "then can supply only 70 t" in plan.explain()
    )


def test_golden_stock_bounds_in_shadow_prices(solver: str) -> None:
    """The golden case with max_t = 100 t, worked by hand (USD/kg).

    Period 1 buys ahead at 10 + 1 holding, up to the 100 t limit; period 2 buys the rest of
    its 100 t and its 20 t floor at 20; period 3 buys 100 t at 11: x = (200, 20, 100),
    s = (100, 20, 20), cost 2,000 + 400 + 1,100 + 140 holding = 3,640,000 USD. One more tonne
    of room at the end of period 1 replaces a tonne bought at 20 by one at 10 + 1: 9 USD/kg.
    One more tonne of floor at the end of period 2 is bought at 20, held at 1, and saves a
    tonne at 11 in period 3: 10 USD/kg; at the end of period 3: 11 + 1 = 12 USD/kg.
    """
    plan = reopt.solve(three_periods(golden_stock(max_t=100.0)), solver=solver)
    assert plan.cost_usd == pytest.approx(3_640_000.0, rel=RTOL.get(solver, 1e-7))
    prices = plan.shadow_prices
    floor = prices.query("constraint == 'stock floor'")
    assert list(floor["period"]) == [1, 2, 3] and set(floor["product"]) == {"A"}
    assert floor["value_usd_per_kg"].to_numpy() == pytest.approx([0.0, 10.0, 12.0], abs=1e-6)
    assert list(floor["binding"]) == [False, True, True]
    assert set(floor["unit"]) == {"USD/kg"} and floor["value_usd_per_pp"].isna().all()
    room = prices.query("constraint == 'stock max'")
    assert room["value_usd_per_kg"].to_numpy() == pytest.approx([9.0, 0.0, 0.0], abs=1e-6)
    limits = plan.binding_limits
    assert list(limits["limit"]) == ["stock max", "stock floor", "stock floor"]
    assert limits["value_usd_per_kg"].to_numpy() == pytest.approx([9.0, 10.0, 12.0], rel=1e-6)
    assert plan.stock["floor_value_usd_per_kg"].to_numpy() == pytest.approx(
        floor["value_usd_per_kg"].to_numpy(), abs=1e-9
    )
    ranges = plan.shadow_price_ranges  # the bounds are listed, not ranged
    assert len(ranges) == len(prices)
    assert ranges.query("constraint == 'stock floor'")["valid_from"].isna().all()


def test_no_floor_no_max_no_stock_rows() -> None:
    """A floor of 0 and an unlimited stock add no rows; a market without stock none."""
    plan = reopt.solve(three_periods(golden_stock(min_t=0.0, max_t=np.inf)))
    assert set(plan.shadow_prices["constraint"]) == {"demand"}
