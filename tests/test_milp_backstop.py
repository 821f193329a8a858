"""Minimum orders beside a back-stop offer a million times dearer: the cheapest choice of orders.

A MILP's answer has no duals to prove it; reopt checks the LP with its buy / no-buy choices
fixed, which any choice passes. So the choice itself rests on the solver's branch and
bound, which prunes by absolute tolerances. Scaled by the back-stop's price, the other
offers' costs were about 1e-6 and HiGHS stopped at its first choice of orders (5,140,000
USD, "optimal", against 4,900,000). A MILP's costs are now scaled by each part's median
cost (`reopt.model.scaling`), and the answers below are held to an enumeration of every
choice of orders, each filled in price order (exact for one cap).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reopt

COLUMNS = ["source", "product", "country", "kind", "capacity_t", "price_usd_per_kg", "min_order_t"]
#: HiGHS's and CBC's default relative MIP gap, within which "optimal" is promised
MIP_GAP = 1e-4


def market_of(rows: list[tuple], demand_t: float) -> reopt.Market:
    demand = pd.DataFrame({"product": ["Nd"], "demand_t": [demand_t]})
    return reopt.Market(pd.DataFrame(rows, columns=COLUMNS), demand)


def enumerated_optimum_usd(rows: list[tuple], demand_t: float, cap: float) -> float | None:
    """The cheapest plan over every choice of the offers with minimum orders (None: none).

    With the choices made, each chosen offer starts at its minimum and the rest of the
    demand is bought in price order while China's share has room: one cap, so exact.
    """
    best = None
    optional = [j for j, row in enumerate(rows) if row[6] > 0]
    for chosen in itertools.product([False, True], repeat=len(optional)):
        on = dict(zip(optional, chosen, strict=True))
        low = [row[6] if on.get(j, False) else 0.0 for j, row in enumerate(rows)]
        high = [min(row[4], demand_t) if on.get(j, True) else 0.0 for j, row in enumerate(rows)]
        china = [v for v, row in zip(low, rows, strict=True) if row[2] == "CN"]
        china_room = cap * demand_t - sum(china)
        if sum(low) > demand_t or china_room < 0:
            continue
        bought, left = list(low), demand_t - sum(low)
        for j in sorted(range(len(rows)), key=lambda j: rows[j][5]):
            take = min(high[j] - bought[j], left)
            if rows[j][2] == "CN":
                take = min(take, china_room)
                china_room -= take
            bought[j] += take
            left -= take
        if left > 1e-9 * demand_t:
            continue
        cost = sum(1000.0 * row[5] * t for row, t in zip(rows, bought, strict=True))
        best = cost if best is None else min(best, cost)
    return best


# China's 60 t at 47 USD/kg and 40 t from Vietnam at 52 (its minimum order is 40 t) beat
# Australia's 40 t at 58: 60 * 47 + 40 * 52 = 4,900 USD per kg-tonne, 4,900,000 USD
GOLDEN = [
    ("cn", "Nd", "CN", "mine", 60.0, 47.0, 20.0),
    ("au", "Nd", "AU", "mine", 40.0, 58.0, 0.0),
    ("vn", "Nd", "VN", "mine", 70.0, 52.0, 40.0),
    ("backstop", "Nd", "US", "mine", np.inf, 1e7, 0.0),
]


@pytest.mark.parametrize("solver", reopt.available_solvers())
def test_the_cheapest_choice_of_orders_beside_a_dear_backstop(solver):
    plan = reopt.solve(market_of(GOLDEN, 100.0), china_cap=0.6, solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    assert enumerated_optimum_usd(GOLDEN, 100.0, 0.6) == pytest.approx(4_900_000.0)
    assert plan.cost_usd == pytest.approx(4_900_000.0, rel=1e-9)
    tonnes = plan.allocation.set_index("source")["tonnes"]
    assert tonnes.get("cn") == pytest.approx(60.0) and tonnes.get("vn") == pytest.approx(40.0)


@st.composite
def markets_with_orders(draw, ratios=(1e3, 1e6, 1e9)):
    n = draw(st.integers(2, 5))
    demand_t = draw(st.floats(10.0, 1000.0))
    rows = []
    for j in range(n):
        capacity = draw(st.floats(0.2, 0.9)) * demand_t
        minimum = draw(st.sampled_from([0.0, 0.1, 0.3, 0.6])) * capacity
        price = draw(st.floats(5.0, 150.0))
        country = ["CN", "AU", "VN", "KZ", "CN"][j]
        rows.append((f"o{j}", "Nd", country, "mine", capacity, price, minimum))
    ratio = draw(st.sampled_from(ratios))
    rows.append(("backstop", "Nd", "US", "mine", np.inf, 150.0 * ratio, 0.0))
    return rows, demand_t


@settings(max_examples=40, deadline=None)
@given(markets_with_orders(), st.sampled_from(["highs", "auto"]))
def test_minimum_orders_beside_a_dear_backstop_get_the_cheapest_choice(case, solver):
    rows, demand_t = case
    expected = enumerated_optimum_usd(rows, demand_t, 0.6)
    plan = reopt.solve(market_of(rows, demand_t), china_cap=0.6, solver=solver)
    if expected is None:  # (the back-stop is unlimited: only China's minimums can break it)
        assert plan.status is reopt.Status.INFEASIBLE
        return
    assert plan.status is reopt.Status.OPTIMAL
    assert expected * (1 - 1e-9) <= plan.cost_usd <= expected * (1 + MIP_GAP)


@pytest.mark.parametrize("solver", [s for s in ("cbc", "glpk") if s in reopt.available_solvers()])
@settings(max_examples=15, deadline=None)
@given(case=markets_with_orders(ratios=(1e2, 1e4)))
def test_cbc_and_glpk_get_the_cheapest_choice_too(solver, case):
    rows, demand_t = case
    expected = enumerated_optimum_usd(rows, demand_t, 0.6)
    plan = reopt.solve(market_of(rows, demand_t), china_cap=0.6, solver=solver)
    if expected is None:
        assert plan.status is reopt.Status.INFEASIBLE
        return
    assert plan.status is reopt.Status.OPTIMAL
    assert expected * (1 - 1e-7) <= plan.cost_usd <= expected * (1 + MIP_GAP)


# A back-stop 1.73e9 times the median price: GLPK's simplex, judging reduced costs against
# the largest cost, stopped its relaxation at a reduced cost of -0.16 and its branch and
# bound at 5,710,959 USD against 4,132,447 ("optimal")
SPREAD = [
    ("o0", "Nd", "CN", "mine", 110.30197871671184, 65.1, 0.0),
    ("o1", "Nd", "AU", "mine", 90.49104309334687, 98.95, 38.128881277148224),
    ("o2", "Nd", "VN", "mine", 68.71912372875195, 69.42, 53.307232297685154),
    ("o3", "Nd", "KZ", "mine", 49.0224583257348, 105.15, 0.0),
    ("o4", "Nd", "CN", "mine", 39.56960291652945, 20.94, 19.014038515147227),
    ("o5", "Nd", "AU", "mine", 126.18287000260516, 27.14, 0.0),
    ("backstop", "Nd", "US", "mine", np.inf, 1.2e11, 0.0),
]
SPREAD_DEMAND_T = 161.30354918218512


@pytest.mark.skipif("glpk" not in reopt.available_solvers(), reason="GLPK's glpsol is missing")
def test_glpk_refuses_a_milp_whose_prices_spread_too_far():
    market = market_of(SPREAD, SPREAD_DEMAND_T)
    with pytest.raises(reopt.InputError) as info:
        reopt.solve(market, china_cap=0.6, solver="glpk")
    (problem,) = info.value.problems
    assert problem.column == "solver" and problem.value == "glpk"
    assert "1.73e+09 times its product's median price" in str(info.value)
    assert "solver='highs' or 'cbc'" in str(info.value)
    # HiGHS gets the optimum; and without minimum orders (an LP) GLPK is not refused
    expected = enumerated_optimum_usd(SPREAD, SPREAD_DEMAND_T, 0.6)
    assert expected == pytest.approx(4_132_446.786722, rel=1e-9)
    plan = reopt.solve(market, china_cap=0.6, solver="highs")
    assert plan.cost_usd == pytest.approx(expected, rel=1e-9)
    lp_rows = [(*row[:6], 0.0) for row in SPREAD]
    plan = reopt.solve(market_of(lp_rows, SPREAD_DEMAND_T), china_cap=0.6, solver="glpk")
    assert plan.status is reopt.Status.OPTIMAL


# Minimum orders, a floor on Australia's share of the money and a back-stop 1e6 times
# dearer: CBC's MILP answer, printed with eight digits, bought 0.33629456 of the demand
# from an offer whose capacity is 0.33629455612 of it (4e-9 over, beyond reopt's 1e-9)
VALUE_FLOOR = [
    ("o0", "Nd", "CN", "mine", 151.5422159206251, 28.4, 0.0),
    ("o1", "Nd", "AU", "mine", 315.2500829407653, 43.94, 0.0),
    ("o2", "Nd", "VN", "mine", 327.1033048741554, 35.03, 142.38216190518156),
    ("o3", "Nd", "KZ", "mine", 211.88478139291442, 43.06, 0.0),
    ("o4", "Nd", "CN", "mine", 104.18990283816574, 29.08, 35.3161189413026),
    ("o5", "Nd", "AU", "mine", 247.03152375813326, 39.95, 165.60904781308082),
    ("backstop", "Nd", "US", "mine", np.inf, 1.2e8, 0.0),
]
VALUE_FLOOR_SHARE = 0.37973958867727425


@pytest.mark.parametrize("solver", reopt.available_solvers())
def test_a_milp_point_printed_with_few_digits_gives_way_to_its_fixed_lp(solver):
    """The LP its buy / no-buy choices leave, solved and checked, gives CBC's plan; every
    back end then agrees with a MILP solved by highspy in the market's own units with no
    gap (15,119,550.325 USD), and the floor on the money holds."""
    floor = reopt.min_share(VALUE_FLOOR_SHARE, country="AU", basis="value")
    market = market_of(VALUE_FLOOR, 450.62345840215653)
    plan = reopt.solve(market, china_cap=0.6, policies=[floor], solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    assert plan.cost_usd == pytest.approx(15_119_550.325432071, rel=1e-7)
    value_shares = plan.shares("country", basis="value")
    assert float(value_shares["AU"].iloc[0]) >= VALUE_FLOOR_SHARE * (1 - 1e-9)
    if solver == "cbc":
        assert any("buy / no-buy choices leave, solved and checked" in n for n in plan.notes)
