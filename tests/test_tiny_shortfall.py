"""A market short of its demand by a hair: infeasible, whichever back end is asked.

Australia's offer is 2 x 3e-9 of its 50 t short of what the demand needs after China's:
the market is 3e-9 of its demand short, beyond reopt's tolerance of 1e-9. CBC answered
"optimal" with its purchases printed to eight digits (0.5 of the demand, against a
capacity of 0.499999997), at every tolerance reopt gives it, and its re-solves never said
infeasible: a `SolverError`. Where no answer of a back end passes the check, HiGHS is
asked, without presolve, whether the market has a plan at all.
"""

from __future__ import annotations

import pandas as pd
import pytest

import reopt

COLUMNS = ["source", "product", "country", "kind", "capacity_t", "price_usd_per_kg"]


def short_market(eps: float) -> reopt.Market:
    rows = [
        ("cn", "Nd", "CN", "mine", 50.0, 10.0),
        ("au", "Nd", "AU", "mine", 50.0 * (1 - 2 * eps), 20.0),
    ]
    demand = pd.DataFrame({"product": ["Nd"], "demand_t": [100.0]})
    return reopt.Market(pd.DataFrame(rows, columns=COLUMNS), demand)


@pytest.mark.parametrize("solver", reopt.available_solvers())
@pytest.mark.parametrize("eps", [3e-9, 1e-8, 1e-6])
def test_a_market_short_by_a_hair_is_infeasible(solver, eps):
    plan = reopt.solve(short_market(eps), solver=solver)
    assert plan.status is reopt.Status.INFEASIBLE


@pytest.mark.parametrize("solver", reopt.available_solvers())
def test_a_market_short_by_less_than_the_tolerance_has_a_plan(solver):
    plan = reopt.solve(short_market(1e-11), solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    assert plan.cost_usd == pytest.approx((50 * 10.0 + 50 * 20.0) * 1000.0, rel=1e-9)
