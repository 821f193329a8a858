"""The two-stage disruption model with CVaR: golden cases by hand, invariants, hostile input."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import RTOL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import Case, cases

import reopt
from reopt.data.scenarios import ScenarioFactors
from reopt.model.program import RowFamily
from reopt.model.risk import conditional_value_at_risk, value_at_risk

SETTINGS = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def two_offer_market() -> reopt.Market:
    """Product X, 10 t: offer a (CN, 10 USD/kg, 10 t), offer b (AU, 20 USD/kg, 6 t)."""
    offers = pd.DataFrame(
        [("a", "X", "CN", "mine", 10.0, 10.0), ("b", "X", "AU", "mine", 6.0, 20.0)],
        columns=["source", "product", "country", "kind", "capacity_t", "price_usd_per_kg"],
    )
    return reopt.Market(offers, pd.DataFrame({"product": ["X"], "demand_t": [10.0]}))


def halt_factors() -> ScenarioFactors:
    """normal (p 0.9, nothing changes), halt (p 0.1, offer a delivers nothing)."""
    return ScenarioFactors(
        names=("normal", "halt"),
        probability=np.array([0.9, 0.1]),
        capacity_factor=np.array([[1.0, 1.0], [0.0, 1.0]]),
        price_factor=np.ones((2, 2)),
        delay_periods=np.zeros((2, 2), dtype=np.int64),
        lost_usd_per_kg=np.array([100.0]),
        spot_premium=0.5,
    )


def close(a: float, b: float, rtol: float) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=rtol * 1e3)


# --- golden ----------------------------------------------------------------------------------
def test_golden_two_offers_two_scenarios(solver: str) -> None:
    """Worked by hand (costs in kUSD; b = contracted tonnes from b, a = 10 - b, b <= 6).

    normal: both deliver; cost = 10 a + 20 b = 100 + 10 b.
    halt:   a delivers nothing (and is not paid); b delivers b at 20; spot only from b (a's
            factor is 0), at 20 x 1.5 = 30 within 6 - b; the remaining 10 - b - (6 - b) = 4 t
            go short at 100: cost = 20 b + 30 (6 - b) + 400 = 580 - 10 b.
    E = 0.9 (100 + 10 b) + 0.1 (580 - 10 b) = 148 + 8 b.

    Risk neutral: b = 0; E = 148; costs 100 (p .9), 580 (p .1).
      VaR_0.95 = 580 (cumulative .9 < .95); CVaR_0.95 = 580.
      At alpha 0.8 (weight 0): VaR = 100 (cumulative .9 >= .8), CVaR = 100 + 0.1 x 480 / 0.2 = 340.
    CVaR(0.95, 0.5): CVaR = 580 - 10 b, objective 0.5 (148 + 8 b) + 0.5 (580 - 10 b) = 364 - b
      -> b = 6: costs 160, 520; E = 196; VaR = CVaR = 520; objective 358.
    Mean-value problem (a's factor 0.9): b = 1 is optimal (114.5); its contracts fixed:
      costs 110, 570: EEV = 156 neutral (VSS = 8), 0.5 x 156 + 0.5 x 570 = 363 with CVaR (VSS = 5).
    Wait and see: normal alone b = 0: 100; halt alone b = 6: 520.
      WS = 0.9 x 100 + 0.1 x 520 = 142 neutral (EVPI = 6); 0.5 x 142 + 0.5 x 520 = 331 (EVPI = 27).
    """
    rtol = RTOL[solver]
    market, factors = two_offer_market(), halt_factors()
    expected = {
        None: dict(b=0, e=148e3, var=580e3, cvar=580e3, rp=148e3, vss=8e3, evpi=6e3),
        reopt.CVaR(0.95, 0.5): dict(
            b=6, e=196e3, var=520e3, cvar=520e3, rp=358e3, vss=5e3, evpi=27e3
        ),
        reopt.CVaR(0.8, 0.0): dict(
            b=0, e=148e3, var=100e3, cvar=340e3, rp=148e3, vss=8e3, evpi=6e3
        ),
    }
    for risk, want in expected.items():
        plan = reopt.solve(market, scenarios=factors, risk=risk, solver=solver)
        assert plan.status is reopt.Status.OPTIMAL
        x = plan.solution.x
        assert close(float(x[1]), want["b"], rtol) and close(float(x[0]), 10 - want["b"], rtol)
        assert close(plan.expected_cost_usd, want["e"], rtol)
        assert close(plan.var_usd, want["var"], rtol)
        assert close(plan.cvar_usd, want["cvar"], rtol)
        assert close(plan.objective_usd, want["rp"], rtol)
        assert close(plan.solution.objective, want["rp"], rtol)  # the LP says the same
        assert close(plan.vss_usd, want["vss"], rtol), (risk, plan.vss_usd)
        assert close(plan.evpi_usd, want["evpi"], rtol), (risk, plan.evpi_usd)
        table = plan.scenarios.set_index("scenario")
        assert close(float(table.loc["halt", "shortage_t"]), 4.0, rtol)
        assert close(float(table.loc["halt", "spot_t"]), 6.0 - want["b"], rtol)
        assert list(plan.orders["source"]) == (["a"] if want["b"] == 0 else ["b", "a"])
    shortage = plan.shortage.set_index("product")
    assert close(float(shortage.loc["X", "expected_shortage_t"]), 0.4, rtol)
    assert shortage.loc["X", "worst_scenario"] == "halt"


def test_golden_delay_past_the_horizon_never_arrives() -> None:
    """Two periods, 10 t each; one offer per period (10 USD/kg, unlimited). A one-period delay
    in scenario 'late' (p 0.5) moves period 1's delivery into period 2 and period 2's out of
    the horizon; spot arrives late too. Period 1: 10 t short at 50 (500k); period 2: 10 t
    arrive from period 1 (both contracts are paid: 200k). late = 700k, on time = 200k."""
    offers = pd.DataFrame(
        {
            "source": ["s", "s"],
            "product": ["X", "X"],
            "period": [1, 2],
            "country": ["AU", "AU"],
            "capacity_t": [np.nan, np.nan],
            "price_usd_per_kg": [10.0, 10.0],
        }
    )
    demand = pd.DataFrame({"product": ["X", "X"], "period": [1, 2], "demand_t": [10.0, 10.0]})
    market = reopt.Market(offers, demand)
    factors = ScenarioFactors(
        names=("on time", "late"),
        probability=np.array([0.5, 0.5]),
        capacity_factor=np.ones((2, 2)),
        price_factor=np.ones((2, 2)),
        delay_periods=np.array([[0, 0], [1, 1]]),
        lost_usd_per_kg=np.array([50.0, 50.0]),
        spot_premium=0.2,
    )
    plan = reopt.solve(market, scenarios=factors)
    costs = plan.scenarios.set_index("scenario")["cost_usd"]
    assert costs["on time"] == pytest.approx(200e3, rel=1e-9)
    assert costs["late"] == pytest.approx(700e3, rel=1e-9)
    by_row = plan.scenario_products.set_index(["scenario", "period"])
    assert by_row.loc[("late", 1), "shortage_t"] == pytest.approx(10.0)
    assert by_row.loc[("late", 2), "arriving_t"] == pytest.approx(10.0)


def test_scenario_rows_are_labelled() -> None:
    plan = reopt.solve(two_offer_market(), scenarios=halt_factors(), risk=reopt.CVaR(0.9, 0.5))
    lp = plan.lp
    assert len(lp.family_rows(RowFamily.SCENARIO_DEMAND)) == 2
    assert len(lp.family_rows(RowFamily.SCENARIO_CAPACITY)) == 3  # a's factor 0 in halt
    risk_rows = lp.family_rows(RowFamily.RISK)
    assert list(lp.label("scenario")[risk_rows]) == [0, 1]
    assert (lp.label("scenario")[lp.family_rows(RowFamily.DEMAND)] == -1).all()


# --- hypothesis --------------------------------------------------------------------------------
@st.composite
def scenario_cases(draw: st.DrawFn) -> tuple[Case, ScenarioFactors]:
    case = draw(cases(max_products=2, max_sources=4))
    n_offers, n_demand = len(case.offers), len(case.demand)
    n_s = draw(st.integers(1, 3))
    weights = np.array([draw(st.floats(0.05, 1.0)) for _ in range(n_s)])
    grid = (n_s, n_offers)
    unit = st.floats(0.01, 1.2)
    factors = ScenarioFactors(
        names=tuple(f"s{k}" for k in range(n_s)),
        probability=weights / weights.sum(),
        capacity_factor=np.array(
            [draw(st.sampled_from([0.0, 1.0]) | unit) for _ in range(n_s * n_offers)]
        ).reshape(grid),
        price_factor=np.array([draw(st.floats(0.5, 3.0)) for _ in range(n_s * n_offers)]).reshape(
            grid
        ),
        delay_periods=np.array(
            [draw(st.sampled_from([0, 0, 0, 1])) for _ in range(n_s * n_offers)]
        ).reshape(grid),
        lost_usd_per_kg=np.array([draw(st.floats(1.0, 3000.0)) for _ in range(n_demand)]),
        spot_premium=draw(st.floats(0.0, 1.0)),
    )
    return case, factors


@SETTINGS
@given(case=cases(max_products=2, max_sources=4), premium=st.floats(0.0, 1.0))
def test_one_unchanged_scenario_is_the_deterministic_model(case: Case, premium: float) -> None:
    market = case.market
    nothing = ScenarioFactors(
        names=("base",),
        probability=np.ones(1),
        capacity_factor=np.ones((1, market.n_offers)),
        price_factor=np.ones((1, market.n_offers)),
        delay_periods=np.zeros((1, market.n_offers), dtype=np.int64),
        lost_usd_per_kg=np.full(len(case.demand), 1e4),
        spot_premium=premium,
    )
    plan = reopt.solve(market, china_cap=0.6, scenarios=nothing)
    deterministic = reopt.solve(market, china_cap=0.6)
    assert plan.expected_cost_usd == pytest.approx(deterministic.cost_usd, rel=1e-7)
    assert plan.cvar_usd == pytest.approx(deterministic.cost_usd, rel=1e-7)


@SETTINGS
@given(drawn=scenario_cases(), alpha=st.floats(0.0, 0.99), weight=st.floats(0.0, 1.0))
def test_vss_and_evpi_are_not_negative(
    drawn: tuple[Case, ScenarioFactors], alpha: float, weight: float
) -> None:
    case, factors = drawn
    for risk in (None, reopt.CVaR(alpha, weight)):
        plan = reopt.solve(case.market, scenarios=factors, risk=risk)
        assert plan.status is reopt.Status.OPTIMAL
        size = max(1.0, abs(plan.objective_usd))
        assert plan.vss_usd >= -1e-7 * size
        assert plan.evpi_usd >= -1e-7 * size
        assert plan.ws_usd - 1e-7 * size <= plan.objective_usd <= plan.eev_usd + 1e-7 * size
        assert plan.solution.objective == pytest.approx(plan.objective_usd, rel=2e-6)


@SETTINGS
@given(
    drawn=scenario_cases(),
    alpha=st.floats(0.0, 0.99),
    weights=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=3, unique=True),
)
def test_more_cvar_weight_never_raises_cvar_nor_lowers_expected_cost(
    drawn: tuple[Case, ScenarioFactors], alpha: float, weights: list[float]
) -> None:
    case, factors = drawn
    plans = [
        reopt.solve(case.market, scenarios=factors, risk=reopt.CVaR(alpha, w))
        for w in sorted(weights)
    ]
    for low, high in itertools.pairwise(plans):
        tol = 1e-7 * max(1.0, abs(low.cvar_usd), abs(low.expected_cost_usd))
        assert high.cvar_usd <= low.cvar_usd + tol
        assert high.expected_cost_usd >= low.expected_cost_usd - tol


@SETTINGS
@given(drawn=scenario_cases(), weight=st.floats(0.0, 1.0))
def test_cvar_at_alpha_zero_is_the_expected_cost(
    drawn: tuple[Case, ScenarioFactors], weight: float
) -> None:
    case, factors = drawn
    plan = reopt.solve(case.market, scenarios=factors, risk=reopt.CVaR(0.0, weight))
    assert plan.cvar_usd == pytest.approx(plan.expected_cost_usd, rel=1e-9)
    risk_neutral = reopt.solve(case.market, scenarios=factors)
    assert plan.objective_usd == pytest.approx(risk_neutral.objective_usd, rel=1e-7)


@given(
    costs=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=6),
    alpha=st.floats(0.0, 0.999),
    data=st.data(),
)
@settings(max_examples=50, deadline=None)
def test_cvar_is_the_rockafellar_uryasev_minimum(
    costs: list[float], alpha: float, data: st.DataObject
) -> None:
    """CVaR = min over eta of eta + E[(cost - eta)+] / (1 - alpha), attained at VaR."""
    w = np.array(
        data.draw(st.lists(st.floats(0.01, 1.0), min_size=len(costs), max_size=len(costs)))
    )
    p, c = w / w.sum(), np.array(costs)
    cvar = conditional_value_at_risk(c, p, alpha)
    candidates = [e + p @ np.maximum(c - e, 0) / (1 - alpha) for e in c]
    assert cvar == pytest.approx(min(candidates), rel=1e-9, abs=1e-6)
    assert value_at_risk(c, p, alpha) in set(c.tolist())
    assert cvar >= p @ c - 1e-6 * max(1.0, np.abs(c).max())


# --- hostile ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"alpha": 1.0}, "alpha"),
        ({"alpha": -0.1}, "alpha"),
        ({"weight": 1.5}, "weight"),
        ({"alpha": float("nan")}, "alpha"),
        ({"alpha": "0.95"}, "alpha"),
        ({"weight": True}, "weight"),
    ],
)
def test_cvar_refuses_out_of_range_arguments(kwargs: dict[str, object], argument: str) -> None:
    with pytest.raises(reopt.InputError) as err:
        reopt.CVaR(**kwargs)  # type: ignore[arg-type]
    assert [p.column for p in err.value.problems] == [argument]


def test_solve_refuses_a_risk_without_scenarios_and_a_wrong_risk() -> None:
    market = two_offer_market()
    with pytest.raises(reopt.InputError) as err:
        reopt.solve(market, risk=reopt.CVaR())
    assert [p.column for p in err.value.problems] == ["scenarios"]
    with pytest.raises(reopt.InputError) as err:
        reopt.solve(market, scenarios=halt_factors(), risk=0.95)  # type: ignore[arg-type]
    assert [p.column for p in err.value.problems] == ["risk"]


def test_factors_that_do_not_fit_the_market_are_refused() -> None:
    market = two_offer_market()
    wrong = halt_factors()
    bad = ScenarioFactors(
        names=wrong.names,
        probability=np.array([0.5, 0.4]),
        capacity_factor=np.ones((2, 3)),
        price_factor=wrong.price_factor,
        delay_periods=wrong.delay_periods,
        lost_usd_per_kg=wrong.lost_usd_per_kg,
        spot_premium=0.5,
    )
    with pytest.raises(reopt.InputError) as err:
        reopt.solve(market, scenarios=bad)
    assert {p.column for p in err.value.problems} == {"capacity_factor"}
    with pytest.raises(reopt.InputError) as err:
        reopt.solve(
            market, scenarios=bad.__class__(**{**bad.__dict__, "capacity_factor": np.ones((2, 2))})
        )
    assert {p.column for p in err.value.problems} == {"probability"}
    with pytest.raises(reopt.InputError):
        reopt.solve(market, scenarios="halt")  # type: ignore[arg-type]


# --- the Japan case through a ScenarioSet ---------------------------------------------------
def japan_scenarios() -> reopt.ScenarioSet:
    """Plausible numbers for a test, not a dataset: a Dy/Tb licence freeze, a full China
    halt, a Lynas outage, and business as usual."""
    scenarios = pd.DataFrame(
        {
            "scenario": ["normal", "dy_tb_freeze", "china_halt", "lynas_outage"],
            "probability": [0.85, 0.08, 0.02, 0.05],
        }
    )
    changes = pd.DataFrame(
        [
            ("dy_tb_freeze", "CN", None, "Dy oxide", 0.2, 3.0),
            ("dy_tb_freeze", "CN", None, "Tb oxide", 0.2, 3.0),
            ("china_halt", "CN", None, None, 0.0, 4.0),
            ("lynas_outage", None, "lynas_malaysia", None, 0.0, 1.0),
        ],
        columns=["scenario", "country", "source", "product", "capacity_factor", "price_factor"],
    )
    lost = pd.DataFrame(
        {
            "product": ["NdPr oxide", "Dy oxide", "Tb oxide", "Ce oxide", "La oxide"],
            "value_usd_per_kg": [500.0, 2000.0, 8000.0, 20.0, 15.0],
        }
    )
    return reopt.ScenarioSet.from_tables(scenarios, changes, lost, spot_premium=0.5)


def test_japan_2025_with_cvar() -> None:
    market = reopt.datasets.japan_2025()
    plan = reopt.solve(
        market, china_cap=0.6, scenarios=japan_scenarios(), risk=reopt.CVaR(alpha=0.95, weight=0.5)
    )
    assert plan.status is reopt.Status.OPTIMAL
    assert list(plan.scenarios["scenario"]) == [
        "normal",
        "dy_tb_freeze",
        "china_halt",
        "lynas_outage",
    ]
    costs = plan.scenarios.set_index("scenario")["cost_usd"]
    assert costs["china_halt"] == costs.max()
    assert plan.expected_cost_usd <= plan.cvar_usd <= costs.max() * (1 + 1e-9)
    assert plan.var_usd <= plan.cvar_usd
    size = plan.objective_usd
    assert plan.vss_usd >= -1e-7 * size and plan.evpi_usd >= -1e-7 * size
    assert (plan.shares("country")["CN"] <= 0.6 + 1e-9).all()
    neutral = reopt.solve(market, china_cap=0.6, scenarios=japan_scenarios())
    assert neutral.expected_cost_usd <= plan.expected_cost_usd * (1 + 1e-9)
    assert plan.cvar_usd <= neutral.cvar_usd * (1 + 1e-9)


def test_lead_times_carry_into_the_scenarios() -> None:
    """Offer a of period 1 arrives in period 2 (lead 1), as in the deterministic model."""
    offers = pd.DataFrame(
        {
            "source": ["a", "a"],
            "product": ["X", "X"],
            "period": [1, 2],
            "country": ["AU", "AU"],
            "capacity_t": [np.nan, np.nan],
            "price_usd_per_kg": [10.0, 10.0],
            "lead_time_periods": [1, 0],
        }
    )
    demand = pd.DataFrame({"product": ["X", "X"], "period": [1, 2], "demand_t": [0.0, 10.0]})
    market = reopt.Market(offers, demand)
    nothing = ScenarioFactors(
        names=("base",),
        probability=np.ones(1),
        capacity_factor=np.ones((1, 2)),
        price_factor=np.ones((1, 2)),
        delay_periods=np.zeros((1, 2), dtype=np.int64),
        lost_usd_per_kg=np.full(2, 100.0),
        spot_premium=0.5,
    )
    plan = reopt.solve(market, scenarios=nothing)
    assert plan.expected_cost_usd == pytest.approx(reopt.solve(market).cost_usd)
    arriving = plan.scenario_products.set_index("period")["arriving_t"]
    bought = plan.allocation.set_index("period")["tonnes"]
    assert float(arriving.loc[2]) == pytest.approx(10.0)
    assert float(bought.get(1, 0.0)) + float(bought.get(2, 0.0)) == pytest.approx(10.0)
    halted = replace(nothing, capacity_factor=np.array([[1.0, 0.0]]))
    assert reopt.solve(market, scenarios=halted).shortage["expected_shortage_t"].sum() >= 0


def test_vss_and_evpi_are_solved_once_on_first_use() -> None:
    plan = reopt.solve(two_offer_market(), scenarios=halt_factors())
    assert "_vss" not in plan.__dict__ and "_evpi" not in plan.__dict__
    first = plan.vss_usd
    assert "_vss" in plan.__dict__ and "_evpi" not in plan.__dict__
    assert plan.vss_usd is first
    assert plan.evpi_usd == pytest.approx(6e3)
    assert plan.risk_notes == ()


def test_an_infeasible_scenario_plan_has_no_figures() -> None:
    offers = pd.DataFrame(
        [("a", "X", "CN", "mine", np.nan, 10.0)],
        columns=["source", "product", "country", "kind", "capacity_t", "price_usd_per_kg"],
    )
    market = reopt.Market(offers, pd.DataFrame({"product": ["X"], "demand_t": [10.0]}))
    factors = ScenarioFactors(
        names=("only",),
        probability=np.ones(1),
        capacity_factor=np.ones((1, 1)),
        price_factor=np.ones((1, 1)),
        delay_periods=np.zeros((1, 1), dtype=np.int64),
        lost_usd_per_kg=np.array([100.0]),
        spot_premium=0.5,
    )
    plan = reopt.solve(market, china_cap=0.5, scenarios=factors, risk=reopt.CVaR(0.9, 1.0))
    assert plan.status is reopt.Status.INFEASIBLE
    assert math.isnan(plan.expected_cost_usd) and math.isnan(plan.cvar_usd)
    assert math.isnan(plan.vss_usd) and math.isnan(plan.evpi_usd)
    with pytest.raises(reopt.NoSolutionError):
        plan.scenarios  # noqa: B018


def test_ranges_are_refused_rather_than_misread() -> None:
    plan = reopt.solve(two_offer_market(), scenarios=halt_factors())
    for name in ("price_ranges", "shadow_price_ranges"):
        with pytest.raises(reopt.NoSolutionError, match="two-stage"):
            getattr(plan, name)
