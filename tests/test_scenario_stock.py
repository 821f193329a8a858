"""Stock in the two-stage model: a golden case by hand, balances, and the deterministic case."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import RTOL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_stock import stock_markets

import reopt
from reopt.data.scenarios import ScenarioFactors
from reopt.model.program import RowFamily

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def stocked_market(holding: float = 1.0) -> reopt.Market:
    """X over periods 1 and 2, 10 t each; per period a (CN, 10 USD/kg, 10 t) and b (AU, 20
    USD/kg, 6 t); 4 t in stock, a floor of 4 t, holding 1 USD/kg per period."""
    rows = [
        (src, "X", cn, "mine", cap, price, t)
        for t in (1, 2)
        for src, cn, cap, price in (("a", "CN", 10.0, 10.0), ("b", "AU", 6.0, 20.0))
    ]
    columns = ["source", "product", "country", "kind", "capacity_t", "price_usd_per_kg"]
    offers = pd.DataFrame(rows, columns=[*columns, "period"])
    demand = pd.DataFrame({"product": "X", "period": [1, 2], "demand_t": [10.0, 10.0]})
    stock = pd.DataFrame(
        {"product": ["X"], "initial_t": [4.0], "min_t": [4.0], "holding_usd_per_kg": [holding]}
    )
    return reopt.Market(offers, demand, stock=stock)


def factors_for(
    market: reopt.Market, capacity: list[list[float]], probability: list[float], **extra: object
) -> ScenarioFactors:
    n_s, n = len(probability), market.n_offers
    return ScenarioFactors(
        names=tuple(f"s{i}" for i in range(n_s)) if n_s > 2 else ("normal", "halt")[:n_s],
        probability=np.array(probability),
        capacity_factor=np.array(capacity, dtype=float),
        price_factor=np.ones((n_s, n)),
        delay_periods=np.asarray(extra.get("delay", np.zeros((n_s, n))), dtype=np.int64),
        lost_usd_per_kg=np.full(len(market.demand), 100.0),
        spot_premium=0.5,
    )


def close(a: float, b: float, rtol: float) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=rtol * 1e3)


# --- golden ----------------------------------------------------------------------------------
def test_golden_two_periods_one_disruption_stock_drawn(solver: str) -> None:
    """Worked by hand (kUSD; offers in order a1, b1, a2, b2; x = tonnes contracted from b1).

    Plan: the floor holds 4 t at the end of both periods, so 10 t are bought per period:
    a1 = 10 - x, a2 = 10 (cheapest; building stock with b1 costs 20 + 1 against 10 later).
    normal (p .9): 10 (10 - x) + 20 x + 100 + holding (4 + 4) x 1 = 208 + 10 x.
    halt (p .1, a1 delivers nothing): period 1 takes x from b1, spot from b1 at 30 within
      6 - x, and draws the 4 t of stock (below the floor, no penalty):
      x + (6 - x) + 4 = 10; period 2: a2's 10 t; no stock is held: 20 x + 30 (6 - x) + 100
      = 280 - 10 x.
    E = 0.9 (208 + 10 x) + 0.1 (280 - 10 x) = 215.2 + 8 x -> x = 0: E = 215.2.
    Wait and see: normal alone 208; halt alone x = 6: 120 + 100 = 220;
      WS = 0.9 x 208 + 0.1 x 220 = 209.2, EVPI = 6.
    Mean value (a1's factor 0.9): 90 - 9 x + 20 x + 100 + holding (3 + 0.1 x) x 2, x = 0:
      the same contracts, so EEV = RP and VSS = 0.
    """
    rtol = RTOL[solver]
    market = stocked_market()
    halt = factors_for(market, [[1, 1, 1, 1], [0, 1, 1, 1]], [0.9, 0.1])
    plan = reopt.solve(market, scenarios=halt, solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    tonnes = plan.allocation.set_index(["source", "period"])["tonnes"]
    assert close(float(tonnes.get(("a", 1), 0.0)), 10.0, rtol)
    assert close(float(tonnes.get(("a", 2), 0.0)), 10.0, rtol)
    assert close(float(tonnes.get(("b", 1), 0.0)), 0.0, rtol)
    table = plan.scenarios.set_index("scenario")
    for name, cost in (("normal", 208e3), ("halt", 280e3)):
        assert close(float(table.loc[name, "cost_usd"]), cost, rtol)
    assert close(float(table.loc["normal", "holding_cost_usd"]), 8e3, rtol)
    assert close(float(table.loc["halt", "spot_t"]), 6.0, rtol)
    assert close(float(table.loc["halt", "stock_drawn_t"]), 4.0, rtol)
    assert close(float(table.loc["normal", "stock_drawn_t"]), 0.0, rtol)
    assert close(plan.expected_cost_usd, 215.2e3, rtol)
    held = plan.scenario_stock.set_index(["scenario", "period"])
    assert close(float(held.loc[("halt", 1), "stock_t"]), 0.0, rtol)
    assert close(float(held.loc[("halt", 1), "drawn_t"]), 4.0, rtol)
    assert close(float(held.loc[("halt", 1), "below_floor_t"]), 4.0, rtol)
    assert close(float(held.loc[("normal", 2), "stock_t"]), 4.0, rtol)
    assert close(float(held.loc[("normal", 2), "planned_t"]), 4.0, rtol)
    assert close(plan.evpi_usd, 6e3, rtol)
    assert close(plan.ws_usd, 209.2e3, rtol)
    assert close(plan.vss_usd, 0.0, rtol)


def test_single_period_days_of_stock_are_drawn_in_a_halt() -> None:
    """One period, 365 t: 60 days of stock (60 t) in hand and as the floor; China halts.

    The plan buys 365 t from China (10 USD/kg); in the halt the 60 t are drawn and the rest,
    305 t, goes short (no other supplier): cost 305 x 100 = 30,500 kUSD.
    """
    offers = pd.DataFrame(
        {
            "source": ["cn"],
            "product": ["X"],
            "country": ["CN"],
            "capacity_t": [None],
            "price_usd_per_kg": [10.0],
        }
    )
    demand = pd.DataFrame({"product": ["X"], "demand_t": [365.0]})
    stock = pd.DataFrame({"product": ["X"], "initial_t": [60.0], "min_days": [60.0]})
    market = reopt.Market(offers, demand, stock=stock)
    halt = factors_for(market, [[1.0], [0.0]], [0.5, 0.5])
    plan = reopt.solve(market, scenarios=halt)
    assert plan.is_optimal
    table = plan.scenarios.set_index("scenario")
    assert table.loc["halt", "stock_drawn_t"] == pytest.approx(60.0)
    assert table.loc["halt", "shortage_t"] == pytest.approx(305.0)
    assert table.loc["halt", "cost_usd"] == pytest.approx(30_500e3)
    assert table.loc["normal", "cost_usd"] == pytest.approx(3_650e3)
    no_stock = reopt.solve(reopt.Market(offers, demand), scenarios=halt)
    assert no_stock.shortage["expected_shortage_t"].sum() == pytest.approx(0.5 * 365.0)
    assert plan.shortage["expected_shortage_t"].sum() == pytest.approx(0.5 * 305.0)


def test_a_delay_past_the_horizon_never_arrives_and_stock_covers_it() -> None:
    """b2 delayed one period in the last period never arrives (still paid); stock draws."""
    market = stocked_market(holding=0.0)
    delay = np.zeros((2, 4))
    delay[1, 2] = 1  # a2 (10 t) arrives after period 2: never
    late = factors_for(market, [[1, 1, 1, 1], [1, 1, 1, 1]], [0.5, 0.5], delay=delay)
    plan = reopt.solve(market, scenarios=late)
    assert plan.is_optimal
    products = plan.scenario_products.set_index(["scenario", "period"])
    assert products.loc[("halt", 2), "arriving_t"] == pytest.approx(
        10.0 - float(plan.allocation.set_index(["source", "period"])["tonnes"].get(("a", 2), 0))
    )
    held = plan.scenario_stock.set_index(["scenario", "period"])
    assert held.loc[("halt", 2), "drawn_t"] > 0  # the floor's 4 t are drawn


def test_scenario_rows_of_a_stocked_product_are_balances() -> None:
    market = stocked_market()
    plan = reopt.solve(market, scenarios=factors_for(market, [[1] * 4, [0, 1, 1, 1]], [0.9, 0.1]))
    lp = plan.lp
    rows = lp.family_rows(RowFamily.SCENARIO_DEMAND)
    assert len(rows) == 4
    assert np.array_equal(lp.row_lower[rows], lp.row_upper[rows])


# --- properties ------------------------------------------------------------------------------
@st.composite
def stock_scenarios(draw: st.DrawFn) -> tuple[reopt.Market, ScenarioFactors]:
    market = draw(stock_markets())
    n_s, n = draw(st.integers(1, 3)), market.n_offers
    probability = np.array(draw(st.lists(st.floats(0.1, 1.0), min_size=n_s, max_size=n_s)))
    choices = st.sampled_from([0.0, 0.5, 1.0, 1.5])
    capacity = draw(st.lists(choices, min_size=n_s * n, max_size=n_s * n))
    delay = draw(st.lists(st.integers(0, 2), min_size=n_s * n, max_size=n_s * n))
    factors = ScenarioFactors(
        names=tuple(f"s{i}" for i in range(n_s)),
        probability=probability / probability.sum(),
        capacity_factor=np.array(capacity).reshape(n_s, n),
        price_factor=np.ones((n_s, n)),
        delay_periods=np.array(delay, dtype=np.int64).reshape(n_s, n),
        lost_usd_per_kg=np.full(len(market.demand), draw(st.floats(50.0, 1e3))),
        spot_premium=draw(st.floats(0.0, 1.0)),
    )
    return market, factors


@SETTINGS
@given(drawn=stock_scenarios(), weight=st.sampled_from([0.0, 0.5]))
def test_stock_balances_hold_in_every_period_and_scenario(
    drawn: tuple[reopt.Market, ScenarioFactors], weight: float
) -> None:
    """From the plan's tables alone: start + arrivals + spot + shortage - demand = end."""
    market, factors = drawn
    plan = reopt.solve(market, scenarios=factors, risk=reopt.CVaR(0.9, weight))
    assert plan.is_optimal
    held = plan.scenario_stock
    if market.stock is None:
        assert held.empty
        return
    keys = ["scenario", "product", "period"]
    flows = plan.scenario_products.merge(held, on=keys)
    assert len(flows) == len(held)
    inflow = flows["arriving_t"] + flows["spot_t"] + flows["shortage_t"] - flows["demand_t"]
    size = np.maximum(1.0, flows["demand_t"].abs().max())
    assert np.allclose(flows["drawn_t"] + inflow, 0.0, atol=1e-6 * size)
    assert (held["stock_t"] >= -1e-7 * size).all()
    # the scenario costs add up, holding included
    table = plan.scenarios
    parts = ["contract_cost_usd", "spot_cost_usd", "shortage_cost_usd", "holding_cost_usd"]
    assert np.allclose(table[parts].sum(axis=1), table["cost_usd"], rtol=1e-9)
    hold = held.groupby("scenario", sort=False)["holding_cost_usd"].sum()
    assert np.allclose(hold.reindex(table["scenario"]).to_numpy(), table["holding_cost_usd"])


@SETTINGS
@given(market=stock_markets(), premium=st.floats(0.0, 1.0))
def test_one_unchanged_scenario_with_stock_is_the_deterministic_model(
    market: reopt.Market, premium: float
) -> None:
    n = market.n_offers
    nothing = ScenarioFactors(
        names=("base",),
        probability=np.ones(1),
        capacity_factor=np.ones((1, n)),
        price_factor=np.ones((1, n)),
        delay_periods=np.zeros((1, n), dtype=np.int64),
        lost_usd_per_kg=np.full(len(market.demand), 1e4),
        spot_premium=premium,
    )
    deterministic = reopt.solve(market, china_cap=0.6)
    plan = reopt.solve(market, china_cap=0.6, scenarios=nothing)
    assert plan.status is deterministic.status
    if deterministic.is_optimal:
        size = max(1.0, deterministic.cost_usd)
        assert plan.expected_cost_usd == pytest.approx(deterministic.cost_usd, abs=1e-7 * size)


# --- hostile input ---------------------------------------------------------------------------
def test_a_bad_change_on_a_stock_market_names_its_cell() -> None:
    market = stocked_market()
    scenarios = reopt.ScenarioSet.from_tables(
        pd.DataFrame({"scenario": ["normal", "halt"], "probability": [0.9, 0.1]}),
        pd.DataFrame({"scenario": ["halt"], "source": ["aa"], "delay_periods": [5]}),
        pd.DataFrame({"product": ["X"], "value_usd_per_kg": [100.0]}),
    )
    with pytest.raises(reopt.InputError) as err:
        reopt.solve(market, scenarios=scenarios)
    assert [(p.table, p.column, p.value) for p in err.value.problems] == [
        ("changes", "source", "aa")
    ]


def test_a_delay_far_past_the_horizon_is_no_error_and_never_arrives() -> None:
    """Delays are whole periods >= 0 (checked per cell); past the last period a delivery
    never arrives, is still paid, and the stock and spot cover what they can."""
    market = stocked_market(holding=0.0)
    scenarios = reopt.ScenarioSet.from_tables(
        pd.DataFrame({"scenario": ["normal", "late"], "probability": [0.5, 0.5]}),
        pd.DataFrame({"scenario": ["late"], "source": ["a"], "delay_periods": [5]}),
        pd.DataFrame({"product": ["X"], "value_usd_per_kg": [100.0]}),
    )
    plan = reopt.solve(market, scenarios=scenarios)
    late = plan.scenarios.set_index("scenario").loc["late"]
    tonnes = plan.allocation.groupby("source")["tonnes"].sum()
    assert late["arriving_t"] == pytest.approx(float(tonnes.get("b", 0.0)))  # a's never do
    assert late["delivered_t"] == pytest.approx(float(tonnes.sum()))
    assert late["contract_cost_usd"] == pytest.approx(float(plan.allocation["cost_usd"].sum()))
    assert late["stock_drawn_t"] == pytest.approx(4.0)


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(drawn=stock_scenarios(), weight=st.sampled_from([0.0, 0.5]))
def test_vss_and_evpi_with_stock_are_not_negative(
    drawn: tuple[reopt.Market, ScenarioFactors], weight: float
) -> None:
    market, factors = drawn
    plan = reopt.solve(market, scenarios=factors, risk=reopt.CVaR(0.9, weight))
    assert plan.is_optimal
    size = max(1.0, abs(plan.objective_usd))
    assert plan.vss_usd >= -1e-7 * size
    assert plan.evpi_usd >= -1e-7 * size
    assert plan.solution.objective == pytest.approx(plan.objective_usd, rel=2e-6)
