"""Risk curves: expected cost against CVaR along the CVaR weight, and along a China cap."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import reopt


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
