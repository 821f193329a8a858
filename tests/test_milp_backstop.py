"""Minimum orders beside a back-stop offer a million times dearer: the cheapest choice of orders.

A MILP's answer has no duals to prove it; reopt checks the LP with its buy / no-buy choices
fixed, which any choice passes. So the choice itself rests on the solver's branch and
bound, which prunes by absolute tolerances. Scaled by the back-stop's price, the other
offers' costs were about 1e-6 and HiGHS stopped at its first choice of orders (5,140,000
USD, "optimal", against 4,900,000). A MILP's costs are now scaled by each part's cheapest
cost (`reopt.model.scaling`), and the answers below are held to an enumeration of every
choice of orders, each filled in price order (exact for one cap).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from planted import PlantedBackend

import reopt
from reopt.backends import Solution, registry
from reopt.backends.highs import solve_highs
from reopt.data.market import readonly
from reopt.options import SolverOptions
from reopt.results.verify import violations
from reopt.status import Status

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
            if left <= 1e-12 * demand_t:  # (rounding of the subtractions: done)
                break
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


def within_tolerance_usd(rows: list[tuple], demand_t: float) -> float:
    """What a plan may cost less than the optimum by meeting its rows to reopt's tolerance
    (1e-9 of the demand, bought short, at the dearest price but the back-stop's; twice
    that); CBC's eight printed digits (1e-7) are a hundred times it. (Where the back-stop
    is bought, its money's rounding: 1e-12 of the cost, beside.)"""
    dearest = max(row[5] for row in rows if row[0] != "backstop")
    return 2e-9 * demand_t * 1000.0 * dearest


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
    assert expected * (1 - 1e-12) - within_tolerance_usd(rows, demand_t) <= plan.cost_usd
    assert plan.cost_usd <= expected * (1 + MIP_GAP)


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
    # (eight printed digits: 1e-7 of the cost, where the back-stop is bought too)
    assert expected * (1 - 1e-7) - 100 * within_tolerance_usd(rows, demand_t) <= plan.cost_usd
    assert plan.cost_usd <= expected * (1 + MIP_GAP)


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
    assert problem.table == "offers" and problem.column == "price_usd_per_kg"
    assert problem.value == "1.73e+09 times the median"
    assert "GLPK's branch and bound" in problem.rule and "1e+07 times" in problem.rule
    assert "solver='highs' or 'cbc'" in str(info.value)
    # HiGHS gets the optimum; and without minimum orders (an LP) GLPK is not refused
    expected = enumerated_optimum_usd(SPREAD, SPREAD_DEMAND_T, 0.6)
    assert expected == pytest.approx(4_132_446.786722, rel=1e-9)
    plan = reopt.solve(market, china_cap=0.6, solver="highs")
    assert plan.cost_usd == pytest.approx(expected, rel=1e-9)
    lp_rows = [(*row[:6], 0.0) for row in SPREAD]
    plan = reopt.solve(market_of(lp_rows, SPREAD_DEMAND_T), china_cap=0.6, solver="glpk")
    assert plan.status is reopt.Status.OPTIMAL


# Minimum orders, a floor on Australia's share of the money and a back-stop 2.5e4 times the
# median price: CBC's MILP answer, printed with eight digits, can buy 0.33629456 of the
# demand from an offer whose capacity is 0.33629455612 of it (4e-9 over, beyond 1e-9)
VALUE_FLOOR = [
    ("o0", "Nd", "CN", "mine", 151.5422159206251, 28.4, 0.0),
    ("o1", "Nd", "AU", "mine", 315.2500829407653, 43.94, 0.0),
    ("o2", "Nd", "VN", "mine", 327.1033048741554, 35.03, 142.38216190518156),
    ("o3", "Nd", "KZ", "mine", 211.88478139291442, 43.06, 0.0),
    ("o4", "Nd", "CN", "mine", 104.18990283816574, 29.08, 35.3161189413026),
    ("o5", "Nd", "AU", "mine", 247.03152375813326, 39.95, 165.60904781308082),
    ("backstop", "Nd", "US", "mine", np.inf, 1e6, 0.0),
]
VALUE_FLOOR_T = 450.62345840215653
VALUE_FLOOR_SHARE = 0.37973958867727425
#: the optimum, from a MILP of this market built in highspy in its own units with no gap
VALUE_FLOOR_USD = 15_119_550.325432071


@dataclass(frozen=True)
class Printed(PlantedBackend):
    """HiGHS, answering a MILP with its values printed to ``digits`` significant digits
    (CBC writes about eight); LPs exactly."""

    digits: int = 8
    name: str = "printed"

    def solve(self, lp, options) -> Solution:
        answer = replace(solve_highs(lp, SolverOptions()), backend=self.name)
        if not lp.is_mip or answer.x is None:
            return answer
        x = readonly(np.array([float(f"{v:.{self.digits}g}") for v in answer.x]))
        return replace(answer, x=x, objective=float(lp.cost @ x))


@pytest.fixture
def printed(monkeypatch):
    """Register a `Printed` back end with so many digits, for one test."""
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    def with_digits(digits: int) -> str:
        registry.register(Printed(digits=digits))
        return "printed"

    return with_digits


def value_floor_plan(solver: str) -> reopt.Plan:
    floor = reopt.min_share(VALUE_FLOOR_SHARE, country="AU", basis="value")
    market = market_of(VALUE_FLOOR, VALUE_FLOOR_T)
    return reopt.solve(market, china_cap=0.6, policies=[floor], solver=solver)


@pytest.mark.parametrize("solver", reopt.available_solvers())
def test_minimum_orders_with_a_floor_on_the_money(solver):
    plan = value_floor_plan(solver)
    assert plan.status is reopt.Status.OPTIMAL
    assert plan.cost_usd == pytest.approx(VALUE_FLOOR_USD, rel=1e-7)
    value_shares = plan.shares("country", basis="value")
    assert float(value_shares["AU"].iloc[0]) >= VALUE_FLOOR_SHARE * (1 - 1e-9)


def test_a_milp_point_printed_with_eight_digits_is_polished_with_its_choices(printed):
    """A purchase 4e-9 over its capacity (0.33629456 against 0.33629455612 of the demand)
    is put on its vertex, the 0/1 choices kept as they are: the optimum, within capacity."""
    plan = value_floor_plan(printed(8))
    assert plan.status is reopt.Status.OPTIMAL
    assert plan.cost_usd == pytest.approx(VALUE_FLOOR_USD, rel=1e-9)
    bought = plan.allocation.set_index("source")["tonnes"]
    capacity = {row[0]: row[4] for row in VALUE_FLOOR}
    assert all(t <= capacity[s] for s, t in bought.items())


def test_a_milp_point_no_polish_can_mend_gives_way_to_its_fixed_lp(printed):
    """Printed with three digits, the point is 5e-4 off (beyond what polishing may move);
    its buy / no-buy choices are right, and the LP they leave, solved and checked, gives
    the plan, at the optimum."""
    plan = value_floor_plan(printed(3))
    assert plan.status is reopt.Status.OPTIMAL
    assert any("buy / no-buy choices leave, solved and checked" in n for n in plan.notes)
    assert plan.cost_usd == pytest.approx(VALUE_FLOOR_USD, rel=1e-9)


# A floor of 7.95% on Australia's share of the money, minimum orders and a back-stop 1.35e8
# times the median price: HiGHS bought -5e-9 of the demand from the back-stop (within its
# bound tolerance), which cancelled all the money and met the floor with no Australian
# offer; its re-solves then called the market infeasible (it is not: 32,396,772 USD)
MONEY_SPREAD = [
    ("o0", "Nd", "CN", "mine", 140.3503385553722, 88.63, 106.616309255054),
    ("o1", "Nd", "AU", "mine", 132.3337527840972, 46.85, 113.47009004475869),
    ("o2", "Nd", "VN", "mine", 251.14727418199683, 31.76, 193.51528067487044),
    ("o3", "Nd", "KZ", "mine", 205.95732793954733, 104.66, 120.4963607735804),
    ("backstop", "Nd", "US", "mine", np.inf, 1.2e10, 0.0),
]


@pytest.mark.parametrize("solver", reopt.available_solvers())
def test_a_policy_on_the_money_beside_a_far_dearer_offer_is_refused_with_minimum_orders(solver):
    floor = reopt.min_share(0.0795394791700909, country="AU", basis="value")
    market = market_of(MONEY_SPREAD, 404.1353129295521)
    with pytest.raises(reopt.InputError) as info:
        reopt.solve(market, china_cap=0.6, policies=[floor], solver=solver)
    (problem,) = [p for p in info.value.problems if "a policy on the money" in p.rule]
    assert "1e+07 times" in problem.rule
    assert "basis='tonnes'" in problem.hint and "capacity 0" in problem.hint
    # with the placeholder at capacity 0, or the floor on tonnes, it is solved
    no_backstop = [
        (*row[:4], 0.0, *row[5:]) if row[0] == "backstop" else row for row in MONEY_SPREAD
    ]
    plan = reopt.solve(
        market_of(no_backstop, 404.1353129295521), china_cap=0.6, policies=[floor], solver=solver
    )
    assert plan.status is reopt.Status.OPTIMAL
    assert plan.cost_usd == pytest.approx(32_396_771.675715644, rel=1e-7)


@dataclass(frozen=True)
class Breaking(PlantedBackend):
    """A MILP back end whose first answer buys half of what HiGHS buys (breaking demand), or
    nothing where HiGHS finds no plan, and whose re-solves find no plan; the LP its choices
    leave it solves exactly, or not."""

    fixed_lp_solves: bool = True
    name: str = "breaking"
    calls: list[int] = field(default_factory=list)

    def solve(self, lp, options) -> Solution:
        none = Solution(Status.INFEASIBLE, "planted", None, None, None, math.nan, self.name)
        if not lp.is_mip:
            return (
                replace(solve_highs(lp, SolverOptions()), backend=self.name)
                if self.fixed_lp_solves
                else none
            )
        self.calls.append(lp.n_cols)
        if len(self.calls) > 1:
            return none
        right = solve_highs(lp, SolverOptions())
        if right.x is None:  # no plan: "optimal" at buying nothing
            x = np.zeros(lp.n_cols)
            return Solution(Status.OPTIMAL, "planted", readonly(x), None, None, 0.0, self.name)
        x = np.where(lp.integrality == 1, right.x, right.x * 0.5)
        return replace(right, x=readonly(x), objective=float(lp.cost @ x), backend=self.name)


@pytest.mark.parametrize("fixed_lp_solves", [False, True])
def test_a_milp_answer_that_breaks_a_row_and_re_solves_that_find_no_plan(
    fixed_lp_solves, monkeypatch
):
    """Its choices are the optimum's: where the LP they leave solves, that is a plan (so
    the market is not infeasible, whatever the re-solves said); where it does not, HiGHS,
    which finds a plan, denies the verdict: a `SolverError`, never "infeasible"."""
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    registry.register(Breaking(fixed_lp_solves=fixed_lp_solves))
    if not fixed_lp_solves:
        with pytest.raises(reopt.SolverError, match="does not find the market infeasible"):
            reopt.solve(market_of(GOLDEN, 100.0), china_cap=0.6, solver="breaking")
        return
    plan = reopt.solve(market_of(GOLDEN, 100.0), china_cap=0.6, solver="breaking")
    assert plan.status is reopt.Status.OPTIMAL
    assert plan.cost_usd == pytest.approx(4_900_000.0, rel=1e-9)
    assert any("choices leave, solved and checked" in n for n in plan.notes)
    assert not any("found the market infeasible" in n for n in plan.notes)


def test_a_verdict_of_infeasible_that_highs_confirms_stands(monkeypatch):
    """The same back end on a market no plan fits (200 t against the 170 t of the three
    offers without the back-stop): HiGHS confirms the verdict."""
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    registry.register(Breaking(fixed_lp_solves=False))
    plan = reopt.solve(market_of(GOLDEN[:3], 200.0), china_cap=0.6, solver="breaking")
    assert plan.status is reopt.Status.INFEASIBLE


# A floor of 9.91% on Australia's share of the money over all products: only Australia's
# 42 t minimum order at 143.7 million USD/kg meets it, beside 68 t of Australia's cheap
# offer and 20.81 t from China. CBC's re-solves called the market infeasible, and so did the
# LP its first answer's choices leave; HiGHS finds the plan, so CBC's verdict is refused
FLOOR_BY_ORDER = [
    ("s0", "Nd", "CN", "mine", 36.9, 155265147.1906, 27.976),
    ("s1", "Nd", "AU", "mine", 73.27, 143685754.1915, 42.0),
    ("s2", "Nd", "AU", "mine", 68.0, 1.5243, 0.0),
    ("s3", "Nd", "CN", "mine", np.inf, 88.6798, 0.0),
    ("s4", "Nd", "US", "spot", np.inf, 10438636602.46, 0.0),
]


@pytest.mark.parametrize("solver", reopt.available_solvers())
def test_a_feasible_milp_is_never_called_infeasible(solver):
    floor = reopt.min_share(0.0991, country="AU", basis="value", scope="total")
    market = market_of(FLOOR_BY_ORDER, 130.81)
    try:
        plan = reopt.solve(market, policies=[floor], solver=solver)
    except reopt.SolverError:  # no plan passed and no verdict stands: an error, not a status
        assert solver in ("cbc", "glpk")
        return
    assert plan.status is reopt.Status.OPTIMAL
    expected = (42.0 * 143685754.1915 + 68.0 * 1.5243 + 20.81 * 88.6798) * 1000.0
    assert plan.cost_usd == pytest.approx(expected, rel=1e-9)


# Four cheap offers with minimum orders (2.3-2.8 USD/kg) and five 2e5 times dearer: scaled
# by the median price, the cheap offers' costs were 1e-5 and HiGHS stopped 13% above the
# optimum; a MILP's costs are now in units of the cheapest
DEAR_MEDIAN = [
    ("s0", "Nd", "CN", "mine", 698.86, 2.84561, 479.92),
    ("s1", "Nd", "AU", "mine", 346.73, 2.78448, 278.89),
    ("s2", "Nd", "US", "mine", 653.38, 2.30242, 603.08),
    ("s3", "Nd", "IN", "mine", 495.23, 2.73132, 369.58),
    ("s4", "Nd", "US", "mine", 343.6, 523194.98, 0.0),
    ("s5", "Nd", "JP", "mine", 474.18, 525975.29, 0.0),
    ("s6", "Nd", "AU", "mine", 59.93, 553676.04, 0.0),
    ("s7", "Nd", "CN", "mine", 386.59, 428131.06, 0.0),
    ("s8", "Nd", "US", "mine", np.inf, 500873.4, 0.0),
]


@pytest.mark.parametrize("solver", reopt.available_solvers())
def test_minimum_orders_where_most_offers_are_far_dearer(solver):
    plan = reopt.solve(market_of(DEAR_MEDIAN, 1067.0), solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    expected = enumerated_optimum_usd(DEAR_MEDIAN, 1067.0, 1.0)
    assert expected == pytest.approx(653.38 * 2302.42 + 413.62 * 2731.32, rel=1e-9)
    assert plan.cost_usd == pytest.approx(expected, rel=1e-7)


# A floor of 0.1% on Australia's share of the money, which its one offer meets only with its
# 37.27 t minimum order at 102,379 USD/kg. HiGHS's branch and bound, holding 0/1 choices to
# 1e-6, chose 1e-6 of it and bought 4.1e-5 t: 4.17e6 USD, "optimal", against 3.82e9 for any
# plan. reopt's check reads the rows with the choices rounded, and HiGHS now holds them to
# 1e-9.
MIN_ORDER_FLOOR = [
    ("s0", "Nd", "CN", "mine", np.inf, 43.6264, 0.0),
    ("s1", "Nd", "AU", "mine", np.inf, 102378.7724, 37.27),
]


@pytest.mark.parametrize("solver", reopt.available_solvers())
def test_a_minimum_order_is_never_opened_by_a_choice_of_1e_6(solver):
    floor = reopt.min_share(0.001, country="AU", basis="value")
    market = market_of(MIN_ORDER_FLOOR, 95.5)
    try:
        plan = reopt.solve(market, policies=[floor], solver=solver)
    except reopt.SolverError:  # GLPK's answer breaks the minimum order: refused, not a plan
        assert solver == "glpk"
        return
    assert plan.status is reopt.Status.OPTIMAL
    expected = (37.27 * 102378.7724 + (95.5 - 37.27) * 43.6264) * 1000.0
    assert plan.cost_usd == pytest.approx(expected, rel=1e-9)
    bought = plan.allocation.set_index("source")["tonnes"]
    assert bought["s1"] == pytest.approx(37.27, rel=1e-9)


def test_the_check_reads_a_milps_rows_with_its_choices_rounded():
    """A choice of 1e-6 within the integrality tolerance, and 1e-6 of the capacity bought:
    with the choice rounded to 0, the offer is closed and the purchase breaks its row."""
    market = market_of(MIN_ORDER_FLOOR, 95.5)
    lp = reopt.compile(market)
    x = np.zeros(lp.n_cols)
    x[0], x[1], x[2] = 95.5 - 9.55e-5, 9.55e-5, 1e-6  # U = 95.5 t: 1e-6 of it
    objective = float(lp.cost @ x)
    found = violations(lp, x, objective)
    assert any("(min_order)" in f for f in found), found
    x[1], x[0] = 0.0, 95.5
    assert not violations(lp, x, float(lp.cost @ x))


# Two products with minimum orders, a 32.2% floor on Australia's tonnes and China capped at
# 55%: each product's costs in units of its own cheapest spend (17 times apart) made the
# solver's relative gap no gap of the money, and HiGHS stopped 1.9e-4 above the optimum
TWO_PRODUCTS = [
    ("s0", "Nd", "CN", "mine", 135.32, 3.02739, 84.69),
    ("s1", "Nd", "AU", "mine", 46.32, 2.65245, 30.92),
    ("s2", "Nd", "US", "mine", 108.43, 2.58053, 45.24),
    ("s3", "Nd", "IN", "mine", 147.97, 2.65088, 80.5),
    ("s4", "Nd", "US", "mine", 95.84, 37738.62, 0.0),
    ("s5", "Nd", "JP", "mine", np.inf, 74108.45, 0.0),
    ("s6", "Nd", "AU", "mine", 84.09, 46776.39, 0.0),
    ("s7", "Nd", "CN", "mine", np.inf, 88182.92, 0.0),
    ("s8", "Nd", "US", "mine", 41.36, 74273.17, 0.0),
    ("s9", "Nd", "JP", "mine", 56.21, 52057.43, 0.0),
    ("s10", "Dy", "CN", "mine", 1543.34, 2.74615, 716.29),
    ("s11", "Dy", "AU", "mine", 1734.77, 2.7959, 675.44),
    ("s12", "Dy", "US", "mine", 2340.23, 2.86558, 1747.98),
    ("s13", "Dy", "IN", "mine", 1707.97, 2.9449, 0.0),
    ("s14", "Dy", "CN", "mine", 621.3, 2.88205, 538.2),
    ("s15", "Dy", "AU", "mine", 1805.55, 3.36143, 1459.9),
    ("s16", "Dy", "US", "mine", np.inf, 39320.88, 0.0),
    ("s17", "Dy", "JP", "mine", 499.64, 27401.9, 0.0),
    ("s18", "Dy", "AU", "mine", np.inf, 47749.04, 0.0),
    ("s19", "Dy", "CN", "mine", 265.15, 65750.16, 0.0),
    ("s20", "Dy", "US", "mine", np.inf, 30920.67, 0.0),
    ("s21", "Dy", "JP", "mine", np.inf, 61701.07, 0.0),
    ("s22", "Dy", "AU", "mine", 1120.37, 34980.28, 0.0),
]
#: the optimum, from a MILP of this market built in highspy in its own units with no gap
TWO_PRODUCTS_USD = 1_050_134_981.0254864


@pytest.mark.parametrize("solver", reopt.available_solvers())
def test_the_gap_is_one_of_the_money_across_products(solver):
    rows = pd.DataFrame(TWO_PRODUCTS, columns=COLUMNS)
    demand = pd.DataFrame({"product": ["Nd", "Dy"], "demand_t": [212.9, 3457.6]})
    floor = reopt.min_share(0.322, country="AU")
    plan = reopt.solve(reopt.Market(rows, demand), china_cap=0.55, policies=[floor], solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    assert TWO_PRODUCTS_USD * (1 - 1e-9) <= plan.cost_usd <= TWO_PRODUCTS_USD * (1 + MIP_GAP)
