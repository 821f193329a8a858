"""Risk curves: expected cost against CVaR along the CVaR weight, and along a China cap."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import reopt
from reopt.analysis.risk_curves import stock_risk_curve


@pytest.fixture(scope="module")
def japan() -> reopt.Market:
    return reopt.datasets.japan_2025()


@pytest.fixture(scope="module")
def scenarios() -> reopt.ScenarioSet:
    return reopt.datasets.japan_2025_scenarios()


def test_more_weight_on_cvar_never_raises_cvar_nor_lowers_expected_cost(japan, scenarios):
    curve = reopt.risk_frontier(
        japan, scenarios, weights=[0.0, 0.25, 0.5, 0.75, 1.0], china_cap=0.6, progress=False
    )
    assert list(curve.columns[:2]) == ["weight", "alpha"]
    assert (curve["status"] == "optimal").all()
    cvar, expected = curve["cvar_usd"].to_numpy(), curve["expected_cost_usd"].to_numpy()
    assert np.all(np.diff(cvar) <= 1e-7 * cvar[:-1])
    assert np.all(np.diff(expected) >= -1e-7 * expected[:-1])
    assert cvar[-1] < cvar[0]  # the bundled set has a tail worth protecting against


def test_each_row_is_the_plan_solve_gives(japan, scenarios):
    curve = reopt.risk_frontier(japan, scenarios, weights=[0.5], alpha=0.9, progress=False)
    plan = reopt.solve(japan, scenarios=scenarios, risk=reopt.CVaR(alpha=0.9, weight=0.5))
    row = curve.iloc[0]
    assert row["expected_cost_usd"] == pytest.approx(plan.expected_cost_usd, rel=1e-9)
    assert row["cvar_usd"] == pytest.approx(plan.cvar_usd, rel=1e-9)
    assert row["var_usd"] == pytest.approx(plan.var_usd, rel=1e-9)


def test_an_executor_gives_the_same_table_in_the_same_order(japan, scenarios):
    weights = [1.0, 0.0, 0.5]
    serial = reopt.risk_frontier(japan, scenarios, weights=weights, progress=False)
    with ThreadPoolExecutor(2) as pool:
        pooled = reopt.risk_frontier(
            japan, scenarios, weights=weights, executor=pool, progress=False
        )
    pd.testing.assert_frame_equal(serial, pooled)


def test_a_cap_curve_reports_the_tail_each_cap_leaves(japan, scenarios):
    curve = reopt.cap_risk_curve(
        japan, scenarios, china_cap=["60%", 0.8, 1.0], risk=reopt.CVaR(0.95, 0.5), progress=False
    )
    assert curve["china_cap"].tolist() == [0.6, 0.8, 1.0]
    assert curve.attrs["parameter"] == "china_cap"
    assert (curve["status"] == "optimal").all()
    assert (curve["china_share"] <= curve["china_cap"] + 1e-9).all()


def test_an_infeasible_cap_is_a_row_not_an_error(japan, scenarios):
    curve = reopt.cap_risk_curve(japan, scenarios, china_cap=[0.0, 0.6], progress=False)
    assert curve["status"].tolist() == ["infeasible", "optimal"]
    assert np.isnan(curve.loc[0, "cvar_usd"])


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda m, s: reopt.risk_frontier(m, s, weights=[0.5, 1.5]), "weights[1]"),
        (lambda m, s: reopt.risk_frontier(m, s, weights=[]), "empty"),
        (lambda m, s: reopt.cap_risk_curve(m, s, china_cap=[60]), "did you mean 0.6"),
        (lambda m, s: reopt.risk_frontier(m, s, weights=[0.5], alpha=1.0), "alpha"),
    ],
)
def test_bad_settings_are_input_errors(japan, scenarios, call, words):
    with pytest.raises(reopt.InputError, match=words.replace("[", r"\[").replace("]", r"\]")):
        call(japan, scenarios)


# --- the stock risk curve --------------------------------------------------------------------
def test_stock_risk_curve_by_hand() -> None:
    """One product, 365 t a year, China only; halt (p 0.1) stops China.

    d days in stock: d t held and drawn in the halt, so the shortage there is 365 - d and the
    expected shortage 0.1 (365 - d); holding 1 USD/kg a period costs d x 1,000 USD in the
    normal year (the stock is drawn to 0 in the halt, so held at no cost there).
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
    market = reopt.Market(offers, pd.DataFrame({"product": ["X"], "demand_t": [365.0]}))
    scenarios = reopt.ScenarioSet.from_tables(
        pd.DataFrame({"scenario": ["normal", "halt"], "probability": [0.9, 0.1]}),
        pd.DataFrame({"scenario": ["halt"], "country": ["CN"], "capacity_factor": [0.0]}),
        pd.DataFrame({"product": ["X"], "value_usd_per_kg": [100.0]}),
    )
    curve = stock_risk_curve(
        market, scenarios, days=[0, 60, 365], holding_usd_per_kg=1.0, progress=False
    )
    assert curve.attrs["parameter"] == "stock_days"
    assert list(curve.columns[:3]) == ["stock_days", "stock_t", "status"]
    assert curve["stock_t"].tolist() == pytest.approx([0.0, 60.0, 365.0])
    assert curve["expected_shortage_t"].tolist() == pytest.approx([36.5, 30.5, 0.0])
    normal = [3_650e3 + d * 1e3 for d in (0, 60, 365)]
    halt = [(365 - d) * 100e3 for d in (0, 60, 365)]
    expected = [0.9 * n + 0.1 * h for n, h in zip(normal, halt, strict=True)]
    assert curve["expected_cost_usd"].tolist() == pytest.approx(expected)


def test_stock_risk_curve_at_zero_days_is_the_market_without_stock(japan, scenarios):
    curve = stock_risk_curve(japan, scenarios, days=[0, 60], progress=False)
    plain = reopt.cap_risk_curve(japan, scenarios, china_cap=[1.0], progress=False)
    columns = ["expected_cost_usd", "cvar_usd", "expected_shortage_t"]
    assert curve.loc[0, columns].to_numpy(float) == pytest.approx(
        plain.loc[0, columns].to_numpy(float), rel=1e-9
    )
    assert curve.loc[1, "expected_shortage_t"] < curve.loc[0, "expected_shortage_t"]


@pytest.mark.parametrize(
    ("kwargs", "column"),
    [
        (dict(days=[30, -5]), "days"),
        (dict(days=[30], products=["NdPr oxid"]), "products"),
        (dict(days=[30], holding_usd_per_kg=-1.0), "holding_usd_per_kg"),
    ],
)
def test_stock_risk_curve_refuses_bad_levels(japan, scenarios, kwargs, column):
    with pytest.raises(reopt.InputError) as err:
        stock_risk_curve(japan, scenarios, progress=False, **kwargs)
    assert [p.column for p in err.value.problems] == [column]


# --- VSS and EVPI on an executor ------------------------------------------------------------
def test_vss_and_evpi_on_a_thread_pool_are_the_serial_ones(japan, scenarios):
    serial = reopt.solve(japan, scenarios=scenarios)
    with ThreadPoolExecutor(2) as pool:
        plan = reopt.solve(japan, scenarios=scenarios, executor=pool)
        assert {"_vss", "_evpi"} <= set(plan.__dict__)  # solved before solve() returned
    assert (plan.vss_usd, plan.evpi_usd) == (serial.vss_usd, serial.evpi_usd)


def test_an_executor_needs_scenarios_and_must_be_one(japan, scenarios):
    with ThreadPoolExecutor(1) as pool, pytest.raises(reopt.InputError) as err:
        reopt.solve(japan, executor=pool)
    assert [p.column for p in err.value.problems] == ["scenarios"]
    with pytest.raises(reopt.InputError) as err:
        reopt.solve(japan, scenarios=scenarios, executor="processes")
    assert [(p.column, p.value) for p in err.value.problems] == [("executor", "processes")]
    plan = reopt.solve(japan, scenarios=scenarios)
    with pytest.raises(reopt.InputError):
        plan.evpi(executor=3)
