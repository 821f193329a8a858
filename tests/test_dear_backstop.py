"""A cheap offer beside a back-stop offer 1e11 times dearer: its price is priced, not rounded.

The scaled program divides each part's costs by its dearest offer's, so two cheap offers of
Nd 0.1% apart in price differ by about 1e-15 in the scaled costs. HiGHS's answer bought the
dearer of the two up to its capacity, with a reduced cost of 1.3e-15 of the wrong sign, and
that sign was under a floor of 1e-14 fixed for every dual: 8,001.27 USD, "optimal", against
7,999.13. reopt's check now measures each dual's rounding against the money around it (a
column's, the money of its rows; a row's, its own), so that answer is refused and solved
again, and every back end gives the hand-worked optimum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reopt
from reopt.backends.highs import solve_highs
from reopt.model.scaling import scaling_for
from reopt.results import array_check
from reopt.results.array_check import ArrayCheck
from reopt.results.verify import optimality_violations

COLUMNS = ["source", "product", "country", "kind", "capacity_t", "price_usd_per_kg"]
CN_PRICE, AU_PRICE, VN_PRICE = 0.082947909092834, 0.08286817438888651, 6.0846e10
DEMAND_T = 96.52843106170177
WRONG_SIGN = "its dual has a sign no bound allows where it stands (dual infeasible)"


def backstop_market(
    cn_price: float, au_price: float, vn_price: float, cn_t: float, demand_t: float
) -> reopt.Market:
    """Nd from China (limited), Australia (unlimited) and a dear Vietnamese back-stop."""
    rows = [
        ("cn", "Nd", "CN", "mine", cn_t, cn_price),
        ("au", "Nd", "AU", "mine", np.inf, au_price),
        ("vn", "Nd", "VN", "mine", np.inf, vn_price),
    ]
    demand = pd.DataFrame({"product": ["Nd"], "demand_t": [demand_t]})
    return reopt.Market(pd.DataFrame(rows, columns=COLUMNS), demand)


def hand_optimum_usd(cn_price: float, au_price: float, cn_t: float, demand_t: float) -> float:
    """Australia is unlimited, so the cheaper of China and Australia takes what it may: China
    at most 60% of the demand and its capacity; Australia the rest (the back-stop nothing)."""
    if au_price <= cn_price:
        return demand_t * 1000.0 * au_price
    cn_bought = min(cn_t, 0.6 * demand_t)
    return (cn_bought * cn_price + (demand_t - cn_bought) * au_price) * 1000.0


@pytest.mark.parametrize("solver", reopt.available_solvers())
def test_every_back_end_buys_the_cheaper_offer(solver):
    market = backstop_market(CN_PRICE, AU_PRICE, VN_PRICE, 26.7738, DEMAND_T)
    plan = reopt.solve(market, china_cap=0.6, solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    expected = hand_optimum_usd(CN_PRICE, AU_PRICE, 26.7738, DEMAND_T)
    assert expected == pytest.approx(7999.134858706711, rel=1e-12)
    assert plan.cost_usd == pytest.approx(expected, rel=1e-9)


@pytest.fixture(scope="module")
def highs_answer():
    """The scaled program and HiGHS's answer to it, which buys China's offer to capacity."""
    market = backstop_market(CN_PRICE, AU_PRICE, VN_PRICE, 26.7738, DEMAND_T)
    lp = reopt.compile(market, [reopt.cap_share(0.6, country="CN")])
    scaled = scaling_for(lp).apply(lp)
    solution = solve_highs(scaled)
    assert solution.x[0] > 0.2  # China's 26.77 t in the scaled tonnes (of 96.5 t)
    return scaled, solution


def test_the_check_refuses_highs_answer(highs_answer):
    scaled, solution = highs_answer
    found = optimality_violations(scaled, solution.x, solution.row_dual, solution.col_dual)
    assert found == [f"column 0: {WRONG_SIGN}"]


@pytest.mark.parametrize("dense", [True, False])
def test_the_array_check_refuses_it_too(highs_answer, dense, monkeypatch):
    scaled, solution = highs_answer
    if not dense:
        monkeypatch.setattr(array_check, "DENSE_UP_TO", 0)
    check = ArrayCheck.of(scaled)
    assert (check.dense is not None) is dense
    args = (scaled.cost, scaled.col_lower, scaled.col_upper, scaled.row_lower, scaled.row_upper)
    x, y, d = solution.x, solution.row_dual, solution.col_dual
    assert not check.passes(*args, x, y, d, solution.objective)
    # and the optimum, with its own duals, passes both checks
    best = np.array([0.0, x[0] + x[1], 0.0])
    best_y = np.array([scaled.cost[1], 0.0])
    best_d = scaled.cost - scaled.column_activity(best_y)
    objective = float(scaled.cost @ best) + scaled.objective_offset
    assert check.passes(*args, best, best_y, best_d, objective)
    assert not optimality_violations(scaled, best, best_y, best_d)


@settings(max_examples=40, deadline=None)
@given(
    gap=st.floats(1e-6, 1e-2),
    au_dearer=st.booleans(),
    ratio=st.sampled_from([1e9, 1e10, 1e11]),
    cn_share=st.floats(0.05, 0.9),
    demand_t=st.floats(1.0, 1e4),
)
def test_near_ties_beside_a_dear_backstop_are_priced(gap, au_dearer, ratio, cn_share, demand_t):
    """Two cheap offers within 1e-6 to 1% of each other and a back-stop 1e9-1e11 times
    dearer: HiGHS (whose first answer may buy the dearer cheap offer) gives the optimum."""
    cheap = 0.08
    cn_price, au_price = (cheap, cheap * (1 + gap)) if au_dearer else (cheap * (1 + gap), cheap)
    cn_t = cn_share * demand_t
    market = backstop_market(cn_price, au_price, cheap * ratio, cn_t, demand_t)
    plan = reopt.solve(market, china_cap=0.6, solver="highs")
    assert plan.status is reopt.Status.OPTIMAL
    expected = hand_optimum_usd(cn_price, au_price, cn_t, demand_t)
    # never dearer than the optimum; cheaper only by rows met to reopt's tolerance (1e-9)
    assert expected * (1 - 1e-8) <= plan.cost_usd <= expected * (1 + 1e-9)
