"""Periods far apart in size, linked by stock: a cheap offer bought for a later, far larger
period is a price, not noise, however small it looks beside its part's dearest offer.

With stock, an offer's column is measured in units of its own period's demand, but its
tonnes may serve a later period a million times larger; scaled, its price can be 1e-16 of
its part's largest and its quantity 1e7 of its unit. reopt's check then holds the sign of
its reduced cost to its own money (`reopt.results.verify.OPTIMALITY_FLOOR` excuses no more
than `OPTIMALITY_RTOL` of it), so a vertex that leaves it unbought is refused and solved
again, not called optimal at 84% above the optimum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import reopt
from reopt.backends.highs import solve_highs
from reopt.model.program import LinearProgram
from reopt.model.scaling import scaling_for
from reopt.results.array_check import ArrayCheck
from reopt.results.verify import optimality_violations, violations

#: Period 1 demands 0.00125 t, period 2 14,551 t; buying everything in period 1 at 1e-5
#: (China) and 1.3e-4 USD/kg (the US), half each under the 50% cap on each period's
#: purchases, and holding 14,551 t for a period at 1e-6 USD/kg, costs
#: 1000 * (7275.500625 * (1e-5 + 1.3e-4) + 14551 * 1e-6) USD.
OPTIMUM_USD = 1000 * (7275.500625 * (1e-5 + 1.3e-4) + 14551 * 1e-6)
CAP = reopt.cap_share(0.5, country="CN")


def far_periods() -> reopt.Market:
    offers = pd.DataFrame(
        {
            "source": ["cn_cheap", "us_cheap", "cn_dear_lead", "cn_p2"],
            "product": "P",
            "period": [1, 1, 1, 2],
            "country": ["CN", "US", "CN", "CN"],
            "capacity_t": np.nan,
            "price_usd_per_kg": [1e-5, 1.3e-4, 1.2e4, 0.635],
            "lead_time_periods": [0, 0, 1, 0],
        }
    )
    demand = pd.DataFrame({"product": "P", "period": [1, 2], "demand_t": [0.00125, 14551.0]})
    stock = pd.DataFrame({"product": ["P"], "initial_t": [0.0], "holding_usd_per_kg": [1e-6]})
    return reopt.Market(offers, demand, stock=stock)


def test_the_hand_worked_optimum_is_what_highs_finds_in_the_programs_own_units():
    """Unscaled, the cheap offers' prices are not lost beside the dearest: HiGHS finds the
    optimum there, independently of reopt's check."""
    assert OPTIMUM_USD == pytest.approx(1033.1210875, rel=1e-15)
    lp = reopt.compile(far_periods(), [CAP])
    answer = solve_highs(lp)
    assert answer.status is reopt.Status.OPTIMAL and answer.x is not None
    assert float(lp.cost @ answer.x) + lp.objective_offset == pytest.approx(OPTIMUM_USD, rel=1e-9)


@pytest.mark.parametrize("solver", ["highs", "auto"])
def test_an_offer_bought_for_a_far_larger_period_is_bought(solver):
    plan = reopt.solve(far_periods(), policies=[CAP], solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    assert plan.cost_usd == pytest.approx(OPTIMUM_USD, rel=1e-9)
    bought = plan.allocation.set_index("source")["tonnes"]
    assert bought["cn_cheap"] == pytest.approx(7275.500625, rel=1e-9)


def test_a_sweep_of_such_a_market_finds_the_optimum_at_every_point():
    table = reopt.sweep(
        far_periods(),
        policies=[CAP],
        scale_demand={"product": "P"},
        factors=[1.0, 2.0],
        progress=False,
    )
    assert list(table["status"]) == ["optimal", "optimal"]
    assert table["cost_usd"].iloc[0] == pytest.approx(OPTIMUM_USD, rel=1e-9)
    cold = reopt.solve(
        reopt.Market(
            far_periods().offers,
            far_periods().demand.assign(demand_t=lambda d: 2 * d["demand_t"]),
            stock=far_periods().stock,
        ),
        policies=[CAP],
    )
    assert table["cost_usd"].iloc[1] == pytest.approx(cold.cost_usd, rel=1e-9)


def test_highs_first_vertex_is_refused_by_both_checks():
    """HiGHS's first answer to the scaled program leaves the cheap Chinese offer unbought with
    a reduced cost of -86% of its money (-8.6e-16, below the old floor of 1e-14)."""
    lp = reopt.compile(far_periods(), [CAP])
    scaled = scaling_for(lp).apply(lp)
    answer = solve_highs(scaled)
    assert answer.x is not None and answer.row_dual is not None and answer.col_dual is not None
    x, y, d = answer.x, answer.row_dual, answer.col_dual
    assert float(lp.cost @ (x * scaling_for(lp).col)) > 1.5 * OPTIMUM_USD  # the dear vertex
    assert not violations(scaled, x, answer.objective)
    found = optimality_violations(scaled, x, y, d)
    assert any("column 0" in f and "dual infeasible" in f for f in found)
    bounds = (scaled.col_lower, scaled.col_upper, scaled.row_lower, scaled.row_upper)
    assert not ArrayCheck.of(scaled).passes(scaled.cost, *bounds, x, y, d, answer.objective)


def _one_row(cost: list[float], size: float) -> LinearProgram:
    """min c x over two columns (no upper bounds) with x0 + x1 = size."""
    return LinearProgram.from_arrays(
        cost=cost,
        col_lower=[0.0, 0.0],
        col_upper=[np.inf, np.inf],
        row_lower=[size],
        row_upper=[size],
        row_start=[0, 2],
        col_index=[0, 1],
        value=[1.0, 1.0],
    )


@pytest.mark.parametrize(("unit", "size"), [(1.0, 1.0), (1.0, 1e7), (1e-16, 1e7), (1e-22, 1e7)])
def test_a_wrong_sign_is_refused_where_it_moves_money(unit, size):
    """Prices of 1 and 2 units, ``size`` units to buy: buying the dearer is refused however
    small the unit, since the reduced cost is half the money around it (its floor is 1e-14
    of that money, not of one USD); the cheaper passes, and a reduced cost of 1e-12 of its
    price is rounding."""
    lp = _one_row([unit, 2 * unit], size)
    dear = optimality_violations(lp, np.array([0.0, size]), np.array([2 * unit]))
    assert dear and "column 0: its dual has a sign no bound allows" in dear[0]
    assert not optimality_violations(lp, np.array([size, 0.0]), np.array([unit]))
    rounding = unit * (1 + 1e-12)  # column 0's reduced cost is -1e-12 of its price
    assert not optimality_violations(lp, np.array([size, 0.0]), np.array([rounding]))


def test_a_cheap_pair_beside_a_far_dearer_offer_is_priced_not_rounded():
    """Prices of 1e-16 and 2e-16 of the part's largest (an offer not bought): the floor is
    1e-14 of the money of the offers in play, so buying the dearer of the two is refused, as
    a scaled program with a back-stop 1e16 times dearer needs (tests/test_dear_backstop.py)."""
    lp = LinearProgram.from_arrays(
        cost=[1e-16, 2e-16, 1.0],
        col_lower=[0.0, 0.0, 0.0],
        col_upper=[np.inf, np.inf, np.inf],
        row_lower=[1.0],
        row_upper=[1.0],
        row_start=[0, 3],
        col_index=[0, 1, 2],
        value=[1.0, 1.0, 1.0],
    )
    found = optimality_violations(lp, np.array([0.0, 1.0, 0.0]), np.array([2e-16]))
    assert len(found) == 1 and found[0].startswith("column 0: its dual has a sign no bound")
    assert not optimality_violations(lp, np.array([1.0, 0.0, 0.0]), np.array([1e-16]))
