"""Statuses: limits and failures are never "optimal"; optimal answers are re-checked."""

from __future__ import annotations

import dataclasses

import highspy
import numpy as np
import pytest

import reopt
from reopt.backends import Solution
from reopt.backends.highs_codes import map_status
from reopt.results.verify import violations


def test_every_highs_status_maps_and_only_optimal_is_optimal():
    for name, member in highspy.HighsModelStatus.__members__.items():
        status = map_status(member)
        assert isinstance(status, reopt.Status)
        assert status.is_optimal == (name == "kOptimal"), name
    for name in ("kTimeLimit", "kIterationLimit", "kSolutionLimit", "kInterrupt"):
        assert map_status(highspy.HighsModelStatus.__members__[name]).is_limit


def test_iteration_limit_is_reported_and_has_no_plan():
    market = reopt.datasets.synthetic(2000, seed=3)
    options = reopt.SolverOptions(extra={"simplex_iteration_limit": 2})
    plan = reopt.solve(market, china_cap=0.5, options=options)
    assert plan.status is reopt.Status.ITERATION_LIMIT
    assert not plan.is_optimal
    assert np.isnan(plan.cost_usd)
    with pytest.raises(reopt.NoSolutionError, match="iteration_limit"):
        _ = plan.allocation
    with pytest.raises(reopt.NoSolutionError):
        plan.shares()
    with pytest.raises(reopt.NoSolutionError):
        _ = plan.shadow_prices
    assert "stopped" in plan.explain()
    assert "iteration_limit" in plan.summary()


def test_time_limit_is_reported_and_has_no_plan():
    market = reopt.datasets.synthetic(100_000, seed=4)
    plan = reopt.solve(market, china_cap=0.5, options=reopt.SolverOptions(time_limit_s=1e-3))
    assert plan.status is reopt.Status.TIME_LIMIT
    with pytest.raises(reopt.NoSolutionError):
        _ = plan.allocation


class LyingBackend:
    """Claims "optimal" for a point that buys half the demand."""

    name = "liar"
    features = frozenset()
    install_hint = ""

    def is_available(self):
        return True

    def option_problems(self, lp, options):
        return []

    def at_vertex(self, options):
        return True

    def solve(self, lp, options):
        x = np.zeros(lp.n_cols)
        x[0] = 50.0  # half the demand, yet "optimal"
        return Solution(reopt.Status.OPTIMAL, "Optimal", x, None, None, 500_000.0, "liar")


def test_a_false_optimum_from_a_back_end_is_rejected(three_suppliers):
    with pytest.raises(reopt.SolverError, match="fails reopt's check") as info:
        reopt.solve(three_suppliers, china_cap=0.6, solver=LyingBackend())
    assert "row 0 (demand): activity 50" in str(info.value)


def test_violations_finds_bounds_rows_and_objective(three_suppliers):
    lp = reopt.compile(three_suppliers, [reopt.cap_share(0.6, country="CN")])
    good = np.array([60.0, 40.0, 0.0])
    assert violations(lp, good, float(lp.cost @ good)) == []
    found = violations(lp, np.array([100.0, 0.0, 0.0]), 1e6)
    assert any("policy" in f for f in found)
    found = violations(lp, np.array([30.0, 70.0, 0.0]), 1_350_000.0)
    assert any("column 1" in f for f in found)
    found = violations(lp, good, 1.0)
    assert any("objective" in f for f in found)
    assert violations(lp, np.array([np.nan, 0, 0]), 0.0) == ["1 column values are not finite"]


def test_infeasible_is_confirmed_without_presolve(three_suppliers):
    offers = three_suppliers.offers
    offers.loc[offers["source"] == "us", "capacity_t"] = 10.0
    market = reopt.Market(offers, three_suppliers.demand)
    plan = reopt.solve(market, china_cap=0.0, options=reopt.SolverOptions(presolve=True))
    assert plan.status is reopt.Status.INFEASIBLE
    assert plan.solution.settings["presolve"] == "off"
    (row,) = plan.infeasibility.itertuples()
    assert row.change_t == pytest.approx(40.0)


def test_limits_are_never_optimal_on_generated_markets():
    for seed in range(5):
        market = reopt.datasets.synthetic(500, seed=seed)
        for limit in (0, 1, 3):
            options = reopt.SolverOptions(extra={"simplex_iteration_limit": limit})
            plan = reopt.solve(market, china_cap=0.4, options=options)
            if plan.status is reopt.Status.OPTIMAL:
                # finished within the limit: then it passed the numpy check
                assert plan.solution.iterations <= limit
            else:
                assert plan.status is reopt.Status.ITERATION_LIMIT


def test_plan_is_frozen(three_suppliers):
    plan = reopt.solve(three_suppliers, china_cap=0.6)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.status = reopt.Status.ERROR  # type: ignore[misc]
    assert not plan.solution.x.flags.writeable
    assert not plan.lp.cost.flags.writeable
    table = plan.allocation
    table["tonnes"] = 0.0
    assert plan.allocation["tonnes"].sum() == pytest.approx(100.0)
    assert plan.shares("country").loc["A", "CN"] == pytest.approx(0.6)
