"""Share policies over the whole horizon (``over="horizon"``) instead of in each period."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import RTOL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reopt


def two_periods(**stock: object) -> reopt.Market:
    """China at 8 then 9 USD/kg, Australia at 10 in both periods; 100 t a period; unlimited."""
    offers = pd.DataFrame(
        {
            "source": ["cn", "au"] * 2,
            "product": ["A"] * 4,
            "period": [1, 1, 2, 2],
            "country": ["CN", "AU"] * 2,
            "capacity_t": [None] * 4,
            "price_usd_per_kg": [8.0, 10.0, 9.0, 10.0],
        }
    )
    demand = pd.DataFrame({"product": ["A", "A"], "period": [1, 2], "demand_t": [100.0, 100.0]})
    held = pd.DataFrame([{"product": "A", **stock}]) if stock else None
    return reopt.Market(offers, demand, stock=held)


def test_golden_horizon_cap_lets_the_share_vary(solver: str) -> None:
    """Worked by hand, a 40% China cap.

    Per period: 40 t from China and 60 t from Australia in each period:
    40 * 8 + 60 * 10 + 40 * 9 + 60 * 10 = 1,880 USD/kg-t = 1,880,000 USD.
    Over the horizon: China may sell 40% of 200 t = 80 t in all. A tonne from China saves
    2 USD/kg in period 1 and 1 USD/kg in period 2, so all 80 t go to period 1 (China's share
    80% there, 0% in period 2): 80 * 8 + 20 * 10 + 100 * 10 = 1,840,000 USD. One more point
    of cap is 2 t more from China in period 1, saving 2 USD/kg each: 4,000 USD/pp.
    """
    market = two_periods()
    rtol = RTOL.get(solver, 1e-7)
    per_period = reopt.solve(market, china_cap=0.4, solver=solver)
    horizon = reopt.cap_share(0.4, country="CN", over="horizon")
    plan = reopt.solve(market, policies=[horizon], solver=solver)
    assert per_period.cost_usd == pytest.approx(1_880_000.0, rel=rtol)
    assert plan.cost_usd == pytest.approx(1_840_000.0, rel=rtol)
    china = plan.shares("country")["CN"].to_numpy()
    assert china == pytest.approx([0.8, 0.0], abs=1e-6)
    row = plan.shadow_prices.query("constraint == @horizon.name")
    assert len(row) == 1 and row["period"].item() == "all periods"
    assert row["value_usd_per_pp"].item() == pytest.approx(4000.0, rel=1e-6)
    assert plan.binding_limits["value_usd_per_pp"].tolist() == pytest.approx([4000.0])


def test_golden_horizon_floor(solver: str) -> None:
    """A 25% floor on Australia: per period 25 t in each period at a premium of 2 and 1
    (75 * 8 + 25 * 10 + 75 * 9 + 25 * 10 = 1,775,000); over the horizon the 50 t go where
    Australia costs least extra, period 2: 100 * 8 + 50 * 9 + 50 * 10 = 1,750,000 USD."""
    market = two_periods()
    rtol = RTOL.get(solver, 1e-7)
    floors = [reopt.min_share(0.25, country="AU", over=over) for over in ("period", "horizon")]
    costs = [reopt.solve(market, policies=[f], solver=solver).cost_usd for f in floors]
    assert costs == pytest.approx([1_775_000.0, 1_750_000.0], rel=rtol)


def test_horizon_cap_on_a_stock_market(solver: str) -> None:
    """With stock, the horizon cap counts all purchases: buying 200 t in period 1 and holding
    100 t (free) is capped at 100 t from China; the rest from Australia at 10 in period 1.
    Cheapest: 100 t China in period 1 (8), 100 t Australia (10): 1,800,000 USD."""
    market = two_periods(max_t=500.0)
    cap = reopt.cap_share(0.5, country="CN", over="horizon")
    plan = reopt.solve(market, policies=[cap], solver=solver)
    assert plan.cost_usd == pytest.approx(1_800_000.0, rel=RTOL.get(solver, 1e-7))
    bought = plan.allocation.groupby("country")["tonnes"].sum()
    assert bought["CN"] <= 0.5 * bought.sum() + 1e-6


def test_demand_price_under_a_horizon_cap_is_the_finite_difference() -> None:
    """One more tonne in a period raises the horizon's allowance by 0.4 t."""
    cap = reopt.cap_share(0.4, country="CN", over="horizon")
    market = two_periods()
    plan = reopt.solve(market, policies=[cap])
    demand = plan.shadow_prices.query("constraint == 'demand'")["value_usd_per_kg"].to_numpy()
    for row in range(2):
        more = market.demand.assign(demand_t=market.demand["demand_t"] + np.eye(2)[row])
        bigger = reopt.solve(market.replace(demand=more), policies=[cap])
        assert demand[row] * 1000 == pytest.approx(bigger.cost_usd - plan.cost_usd, rel=1e-7)


def test_without_periods_horizon_is_the_period() -> None:
    market = reopt.datasets.japan_2025()
    per = reopt.solve(market, china_cap=0.6)
    over = reopt.solve(market, policies=[reopt.cap_share(0.6, country="CN", over="horizon")])
    assert over.cost_usd == pytest.approx(per.cost_usd, rel=1e-12)
    a = per.shadow_prices["value_usd_per_pp"].to_numpy()
    b = over.shadow_prices["value_usd_per_pp"].to_numpy()
    assert np.allclose(a, b, equal_nan=True, rtol=1e-9)


def test_horizon_total_scope_and_each_group() -> None:
    market = reopt.datasets.japan_outlook()
    total = reopt.cap_share(0.6, country="CN", scope="total", over="horizon")
    each = reopt.cap_share(0.7, each="country", over="horizon")
    plan = reopt.solve(market, policies=[total, each])
    assert plan.is_optimal
    tonnes = plan.allocation.groupby("country")["tonnes"].sum()
    assert tonnes["CN"] <= 0.6 * tonnes.sum() * (1 + 1e-7)
    rows = plan.shadow_prices.query("constraint == @total.name")
    assert list(rows["product"]) == ["all products"] and list(rows["period"]) == ["all periods"]
    per = reopt.solve(market, policies=[total.with_share(0.6)])
    assert per.cost_usd == pytest.approx(reopt.solve(market, policies=[total]).cost_usd)


def test_a_bad_over_is_refused() -> None:
    with pytest.raises(reopt.InputError) as info:
        reopt.cap_share(0.6, country="CN", over="year")
    assert info.value.problems[0].column == "over"
    assert "'period', 'horizon'" in info.value.problems[0].rule


def test_over_from_a_toml_scenario(tmp_path: Path) -> None:
    market = two_periods()
    reopt.write_market(market, tmp_path)
    path = tmp_path / "case.toml"
    path.write_text(
        'folder = "."\n[[policies]]\ncap_share = 0.5\ncountry = "CN"\nover = "horizon"\n'
    )
    scenario = reopt.read_scenario(path)
    assert scenario.policies[0].over == "horizon"
    assert reopt.solve(scenario.market, policies=scenario.policies).cost_usd == pytest.approx(
        1_800_000.0
    )
    path.write_text('folder = "."\n[[policies]]\ncap_share = 0.5\ncountry = "CN"\nover = 2\n')
    with pytest.raises(reopt.InputError, match="over"):
        reopt.read_scenario(path)


@st.composite
def markets(draw: st.DrawFn) -> tuple[reopt.Market, float, str]:
    """1-3 periods, 1-2 products, a Chinese and an unlimited Australian offer and one more."""
    n_periods, n_products = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    price = st.floats(1.0, 100.0)
    rows, demand = [], []
    for t in range(n_periods):
        for k in range(n_products):
            product = f"P{k}"
            for source, country, cap in (("cn", "CN", None), ("au", "AU", None), ("us", "US", 5.0)):
                rows.append((source, product, t, country, cap, draw(price)))
            demand.append((product, t, draw(st.sampled_from([0.0, 1.0]) | st.floats(0.1, 50.0))))
    offers = pd.DataFrame(
        rows, columns=["source", "product", "period", "country", "capacity_t", "price_usd_per_kg"]
    )
    table = pd.DataFrame(demand, columns=["product", "period", "demand_t"])
    stock = None
    if draw(st.booleans()):
        stock = pd.DataFrame({"product": ["P0"], "max_t": [draw(st.floats(0.1, 100.0))]})
        stock["holding_usd_per_kg"] = draw(st.floats(0.0, 5.0, allow_subnormal=False))
    market = reopt.Market(offers, table, stock=stock)
    return market, draw(st.floats(0.0, 1.0)), draw(st.sampled_from(["tonnes", "value"]))


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(case=markets(), scope=st.sampled_from(["product", "total"]))
def test_horizon_costs_no_more_than_per_period(
    case: tuple[reopt.Market, float, str], scope: str
) -> None:
    """Every plan that keeps the share in each period keeps it over the horizon."""
    market, share, basis = case
    costs = []
    for make in (reopt.cap_share, reopt.min_share):
        for over in ("period", "horizon"):
            policy = make(share, country="CN", scope=scope, basis=basis, over=over)
            plan = reopt.solve(market, policies=[policy])
            costs.append(plan.cost_usd if plan.is_optimal else np.inf)
    for per, whole in (costs[:2], costs[2:]):
        assert whole <= per * (1 + 1e-7) + 1e-6


def test_an_infeasible_horizon_cap_is_explained_with_its_own_offers() -> None:
    """Y's rows come first, so X's unit over the horizon (1) is not its first demand row (2).

    X needs 10 t in each period; only 2 t a period come from outside China, so China must
    have 80% of the horizon's 20 t, over a 30% cap: 4 t outside China < 70% of 20 t.
    """
    rows = []
    for period in (1, 2):
        for product in ("Y", "X"):
            rows.append(("cn", product, period, "CN", np.nan, 1.0))
            rows.append(("au", product, period, "AU", 2.0 if product == "X" else 50.0, 3.0))
    offers = pd.DataFrame(
        rows,
        columns=["source", "product", "period", "country", "capacity_t", "price_usd_per_kg"],
    )
    demand = pd.DataFrame(
        {"product": ["Y", "Y", "X", "X"], "period": [1, 2, 1, 2], "demand_t": 10.0}
    )
    cap = reopt.cap_share(0.3, country="CN", product="X", over="horizon")
    plan = reopt.solve(reopt.Market(offers, demand), policies=[cap])
    assert plan.status is reopt.Status.INFEASIBLE
    text = plan.explain()
    assert "capacity outside country CN 4 t" in text, text
