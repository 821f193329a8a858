"""A floor on a share of the money beside a back-stop offer 1e8-1e10 times dearer (LPs).

The money of a product is a column ``V = sum p x``, defined by a row whose largest entry is
the back-stop's price times the demand. Scaled by that, a plan's money was 1e-10 of the
row's unit: HiGHS returned ``V = 0``, which met a 29% floor on Australia's share of the
money with 18% of it, and reopt's check, holding the row to 1e-9 of its unit, called that
optimal on an infeasible market. A row that defines the money is now held to the money it
sums. And CBC, whose answers to such a market bought the dearest offers (its costs scaled
to 1e-8, under its tolerance), gets a re-solve with costs in units of the cheapest price,
whose answer (eight digits, a purchase 4e-9 below its capacity) is polished by each value's
own size.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import reopt
from reopt.model.scaling import scaling_for
from reopt.results.array_check import ArrayCheck
from reopt.results.verify import violations

COLUMNS = ["source", "product", "country", "kind", "capacity_t", "price_usd_per_kg"]


def market_of(rows: list[tuple], demand_t: float) -> reopt.Market:
    demand = pd.DataFrame({"product": ["Nd"], "demand_t": [demand_t]})
    return reopt.Market(pd.DataFrame(rows, columns=COLUMNS), demand)


# A 10.14% floor on Australia's share of the money: Vietnam's 190.3 t at 24.47 USD/kg and
# Australia's 127.4 t at 47.18 (56% of the money), nothing from China or the back-stop
CHEAP_VN = [
    ("o0", "Nd", "CN", "mine", 219.72682100245535, 117.19),
    ("o1", "Nd", "AU", "mine", 199.2467021296825, 47.18),
    ("o2", "Nd", "VN", "mine", 190.34692265879113, 24.47),
    ("o3", "Nd", "KZ", "mine", 220.06412917934352, 84.24),
    ("o4", "Nd", "CN", "mine", 216.3880103094892, 112.43),
    ("o5", "Nd", "AU", "mine", 77.139093672274, 111.33),
    ("backstop", "Nd", "US", "mine", np.inf, 1.2e10),
]
CHEAP_VN_T = 317.78455813989615


@pytest.mark.parametrize("solver", reopt.available_solvers())
def test_a_floor_on_the_money_beside_a_far_dearer_offer_is_solved(solver):
    floor = reopt.min_share(0.10140381899529854, country="AU", basis="value")
    plan = reopt.solve(
        market_of(CHEAP_VN, CHEAP_VN_T), china_cap=0.6, policies=[floor], solver=solver
    )
    assert plan.status is reopt.Status.OPTIMAL
    vietnam = CHEAP_VN[2][4]
    expected = (vietnam * 24.47 + (CHEAP_VN_T - vietnam) * 47.18) * 1000.0
    assert plan.cost_usd == pytest.approx(expected, rel=1e-9)
    assert float(plan.shares("country", basis="value")["AU"].iloc[0]) >= 0.1014038


# A 29.1% floor on Australia's share of the money, which no plan meets: Australia's whole
# 62.4 t at 29.94 USD/kg beside the cheapest 170.8 t the others can supply (China's 133 t
# at 42.66, within its 60% cap, and 37.8 t from Vietnam at 70.4) is 18.3% of the money
NO_PLAN = [
    ("o0", "Nd", "CN", "mine", 74.09999561558158, 80.38),
    ("o1", "Nd", "AU", "mine", 62.4096129753147, 29.94),
    ("o2", "Nd", "VN", "mine", 109.70340817132198, 70.4),
    ("o3", "Nd", "KZ", "mine", 177.821613398247, 77.45),
    ("o4", "Nd", "CN", "mine", 133.030083926845, 42.66),
    ("backstop", "Nd", "US", "mine", np.inf, 9.6e11),
]
NO_PLAN_T = 233.2374613158231
NO_PLAN_FLOOR = reopt.min_share(0.2911594980019989, country="AU", basis="value")


@pytest.mark.parametrize("solver", reopt.available_solvers())
def test_a_floor_no_plan_meets_is_infeasible_not_met_by_money_of_zero(solver):
    # by hand: the most Australia's share of the money can be (see above) is below 29.1%
    australia = 62.4096129753147 * 29.94
    others = 133.030083926845 * 42.66 + (NO_PLAN_T - 62.4096129753147 - 133.030083926845) * 70.4
    assert australia / (australia + others) == pytest.approx(0.1831, abs=1e-4)
    plan = reopt.solve(
        market_of(NO_PLAN, NO_PLAN_T), china_cap=0.6, policies=[NO_PLAN_FLOOR], solver=solver
    )
    assert plan.status is reopt.Status.INFEASIBLE


@pytest.mark.parametrize("dense", [True, False])
def test_both_checks_refuse_money_of_zero(dense, monkeypatch):
    """HiGHS's answer, by hand: Australia's 62.4 t, China's 133 t, Vietnam's 37.8 t, and a
    money column of 0; the row defining it is off by all the money (10,204.6 t USD/kg)."""
    lp = reopt.compile(
        market_of(NO_PLAN, NO_PLAN_T), [reopt.cap_share(0.6, country="CN"), NO_PLAN_FLOOR]
    )
    x = np.zeros(lp.n_cols)
    x[[1, 2, 4]] = [
        62.4096129753147,
        NO_PLAN_T - 62.4096129753147 - 133.030083926845,
        133.030083926845,
    ]
    scaling = scaling_for(lp)
    scaled = scaling.apply(lp)
    point, _, _ = scaling.scale(x, None, None)
    objective = float(scaled.cost @ point)
    found = violations(scaled, point, objective)
    assert len(found) == 1 and "(value)" in found[0]
    if not dense:
        monkeypatch.setattr("reopt.results.array_check.DENSE_UP_TO", 0)
    check = ArrayCheck.of(scaled)
    assert (check.dense is not None) is dense
    bounds = (scaled.col_lower, scaled.col_upper, scaled.row_lower, scaled.row_upper)
    zeros = np.zeros(scaled.n_rows), np.zeros(scaled.n_cols)
    assert not check.passes(scaled.cost, *bounds, point, *zeros, objective)


# A floor of 0.1% on Australia's share of the money and a cap of 53.08% on China's, over all
# products, beside offers 1e6-6e6 times dearer than the cheap ones. GLPK bought 3.5e-7 t of
# China's 4e7 USD/kg offer (2.5e-10 of the demand): 26,309 USD, 0.156% above the optimum.
# Its duals passed while a row's money was counted as at least 1 (a billion times this
# plan's, in the scaled program); a row's size is now its feasibility's (its own money).
SPREAD_SHARES = [
    ("s0", "Nd", "CN", "recycler", 1200.0, 9.5057),
    ("s1", "Nd", "AU", "mine", np.inf, 54014939.526),
    ("s2", "Nd", "IN", "mine", 1123.0, 10217615.647),
    ("s3", "Nd", "US", "mine", 453.57, 16.0159),
    ("s4", "Nd", "CN", "mine", 599.0, 39900429.9607),
]
#: the optimum, from HiGHS in the market's own units (and every back end below)
SPREAD_SHARES_USD = 16_823_547.81


@pytest.mark.parametrize("solver", reopt.available_solvers())
def test_shares_of_the_money_beside_offers_a_million_times_dearer(solver):
    policies = [
        reopt.min_share(0.001, country="AU", basis="value", scope="total"),
        reopt.cap_share(0.5308, country="CN", basis="value", scope="total"),
    ]
    plan = reopt.solve(market_of(SPREAD_SHARES, 1393.0), policies=policies, solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    assert plan.cost_usd == pytest.approx(SPREAD_SHARES_USD, rel=1e-9)
