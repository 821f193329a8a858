"""A market short of its demand by a hair: infeasible, whichever back end is asked.

Australia's offer is 2 x 3e-9 of its 50 t short of what the demand needs after China's:
the market is 3e-9 of its demand short, beyond reopt's tolerance of 1e-9. CBC answered
"optimal" with its purchases printed to eight digits (0.5 of the demand, against a
capacity of 0.499999997), at every tolerance reopt gives it, and its re-solves never said
infeasible: a `SolverError`. Where no answer of a back end passes the check, HiGHS is
asked, without presolve, whether the market has a plan at all.

Short by less than reopt's tolerance, but more than HiGHS's (1e-10 of a row), CBC, GLPK,
PuLP's HiGHS and every MILP's branch and bound returned a plan 3e-10 of the demand short and
called it optimal, where HiGHS said infeasible: a plan that fits a row only more loosely
than HiGHS holds them (`reopt.results.verdicts.loosest_fit`) is asked of HiGHS,
and the verdict is the same from every back end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reopt
from reopt.results.verdicts import loosest_fit

COLUMNS = ["source", "product", "country", "kind", "capacity_t", "price_usd_per_kg"]


def short_market(eps: float) -> reopt.Market:
    rows = [
        ("cn", "Nd", "CN", "mine", 50.0, 10.0),
        ("au", "Nd", "AU", "mine", 50.0 * (1 - 2 * eps), 20.0),
    ]
    demand = pd.DataFrame({"product": ["Nd"], "demand_t": [100.0]})
    return reopt.Market(pd.DataFrame(rows, columns=COLUMNS), demand)


@pytest.mark.parametrize("solver", reopt.available_solvers())
@pytest.mark.parametrize("eps", [3e-10, 1e-9, 3e-9, 1e-8, 1e-6])
def test_a_market_short_by_a_hair_is_infeasible(solver, eps):
    plan = reopt.solve(short_market(eps), solver=solver)
    assert plan.status is reopt.Status.INFEASIBLE


@pytest.mark.parametrize("solver", reopt.available_solvers())
def test_a_market_short_by_less_than_the_tolerance_has_a_plan(solver):
    plan = reopt.solve(short_market(1e-11), solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    assert plan.cost_usd == pytest.approx((50 * 10.0 + 50 * 20.0) * 1000.0, rel=1e-9)


def short_milp(eps: float) -> reopt.Market:
    """Minimum orders on two of four offers, whose capacities are ``eps`` of 408 t short."""
    capacity = np.array([51.047757747768514, 136.9127041132458, 219.33201527107747, 0.0])
    capacity[3] = 408.0 * (1 - eps) - capacity[:3].sum()
    offers = pd.DataFrame(
        {
            "source": ["s0", "s1", "s2", "s3"],
            "product": "Nd",
            "country": ["CN", "AU", "AU", "US"],
            "kind": "mine",
            "capacity_t": capacity,
            "price_usd_per_kg": [15.6041, 13.4435, 15.3483, 30.4444],
            "min_order_t": [25.5, 0.0, 109.7, 0.0],
        }
    )
    return reopt.Market(offers, pd.DataFrame({"product": ["Nd"], "demand_t": [408.0]}))


@pytest.mark.parametrize("solver", reopt.available_solvers())
@pytest.mark.parametrize("eps", [5e-10, 3e-8])
def test_a_milp_short_by_a_hair_is_infeasible(solver, eps):
    plan = reopt.solve(short_milp(eps), solver=solver)
    assert plan.status is reopt.Status.INFEASIBLE
    assert plan.solution.x is None


@pytest.mark.parametrize("solver", reopt.available_solvers())
def test_a_milp_with_exactly_enough_has_a_plan(solver):
    plan = reopt.solve(short_milp(0.0), solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    assert plan.allocation["tonnes"].sum() == pytest.approx(408.0, rel=1e-9)


@settings(max_examples=12, deadline=None)
@given(
    capacities=st.lists(st.floats(1.0, 500.0), min_size=2, max_size=5),
    prices=st.lists(st.floats(1.0, 100.0), min_size=5, max_size=5),
    log_eps=st.floats(-9.5, -6.0),
)
def test_every_back_end_finds_a_market_short_by_a_hair_infeasible(capacities, prices, log_eps):
    """Capacities scaled to ``10**log_eps`` of the demand short of it: no back end has a plan."""
    demand = 250.0
    capacity = np.array(capacities) * (demand * (1 - 10**log_eps) / sum(capacities))
    offers = pd.DataFrame(
        {
            "source": [f"s{k}" for k in range(len(capacity))],
            "product": "Dy",
            "country": ["CN", "AU", "VN", "KZ", "US"][: len(capacity)],
            "kind": "mine",
            "capacity_t": capacity,
            "price_usd_per_kg": prices[: len(capacity)],
        }
    )
    market = reopt.Market(offers, pd.DataFrame({"product": ["Dy"], "demand_t": [demand]}))
    verdicts = {s: reopt.solve(market, solver=s).status for s in reopt.available_solvers()}
    assert set(verdicts.values()) == {reopt.Status.INFEASIBLE}, verdicts


def test_loosest_fit_measures_a_row_against_its_size():
    lp = reopt.compile(short_market(0.0))
    x = np.array([50.0, 50.0 * (1 - 2e-9)])  # the demand row 1e-9 of its 100 t short
    assert loosest_fit(lp, x) == pytest.approx(1e-9, rel=1e-6)
    assert loosest_fit(lp, np.array([50.0, 50.0])) == 0.0
    assert loosest_fit(lp, np.array([50.0, 50.0 * (1 + 1e-6)])) == pytest.approx(1e-6, rel=1e-3)


def two_period_milp() -> reopt.Market:
    """Period 2's capacities are short of its 541.35 t by a hair; China capped at 81%."""
    offers = pd.DataFrame(
        {
            "source": ["s0", "s1", "s2", "s3", "s4", "s5"],
            "product": "Nd",
            "period": [1, 1, 1, 2, 2, 2],
            "country": ["CN", "AU", "US", "CN", "AU", "CN"],
            "kind": "mine",
            "capacity_t": [
                402.1673306912531,
                503.3932016391424,
                1207.6813684100973,
                209.48278396175897,
                212.7016246468167,
                119.16559131915773,
            ],
            "price_usd_per_kg": [1.5444, 5.0401, 27.9443, 10.7257, 1.9738, 84.3618],
            "min_order_t": [0.0, 86.01, 116.2, 104.74139198087948, 0.0, 59.58279565957886],
        }
    )
    demand = pd.DataFrame({"product": ["Nd", "Nd"], "period": [1, 2], "demand_t": [1508.0, 541.35]})
    return reopt.Market(offers, demand)


@pytest.mark.parametrize("solver", reopt.available_solvers())
def test_a_milp_whose_fixed_lp_fails_the_check_gets_highs_verdict(solver):
    """CBC's MILP point met period 2's demand to 1e-9; the LP its choices leave had duals
    no check passed, and HiGHS's branch and bound (rows to 1e-9) found a plan: a
    `SolverError`. The LP relaxation, held to 1e-10, has none: infeasible."""
    plan = reopt.solve(two_period_milp(), china_cap=0.81, solver=solver)
    assert plan.status is reopt.Status.INFEASIBLE
