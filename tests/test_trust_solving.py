"""Optimal means optimal: relative accuracy on every product, optimality by duals, and a
clear refusal of magnitudes reopt cannot solve reliably -- on every back end."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reopt
from reopt.backends import Feature, Solution
from reopt.backends.highs import solve_highs
from reopt.backends.highs_settings import STRICT_DUAL_TOLERANCE
from reopt.backends.registry import get_backend
from reopt.model.program import LinearProgram

OFFER_COLUMNS = ["source", "product", "country", "kind", "capacity_t", "price_usd_per_kg"]


def answer_rtol(solver: str) -> float:
    """How close to the optimum reopt's check holds ``solver``'s answers: 1e-9 where its duals
    come with 15 digits or more, 1e-7 where they are printed with fewer (CBC)."""
    return 1e-9 if Feature.PRECISE_DUALS in get_backend(solver).features else 1e-7


def market(rows: list[tuple], demand: list[tuple]) -> reopt.Market:
    return reopt.Market(
        pd.DataFrame(rows, columns=OFFER_COLUMNS),
        pd.DataFrame(demand, columns=["product", "demand_t"]),
    )


def greedy_cost(offers: pd.DataFrame, demand_t: float, cap: float) -> float:
    """The exact optimum of one product under a China cap: buy in price order while the
    cap has room (a polymatroid, so greedy is optimal); NaN when demand cannot be met."""
    room_cn, left, cost = cap * demand_t, demand_t, 0.0
    for row in offers.sort_values("price_usd_per_kg", kind="stable").itertuples():
        capacity = math.inf if pd.isna(row.capacity_t) else row.capacity_t
        take = min(capacity, left, room_cn if row.country == "CN" else math.inf)
        cost += 1000 * row.price_usd_per_kg * take
        left -= take
        if row.country == "CN":
            room_cn -= take
    return cost if left <= 1e-12 * demand_t else math.nan


# --- class 4: "optimal" that is not optimal ------------------------------------------------
def test_prices_a_few_parts_in_ten_million_apart_are_told_apart(solver):
    """P2's China offers cost 1.0 and 1.00000027 USD/kg (no cap binds): 1,000 USD, not the
    1,000.000274 that HiGHS and GLPK answered within their 1e-7 dual tolerance, which reopt's
    check used to pass (its dual signs were held to 1e-6 of the prices)."""
    near = market(
        [
            ("cn", "P2", "CN", "refinery", None, 1.0),
            ("au", "P2", "AU", "mine", 0.001, 1.0),
            ("dear", "P2", "CN", "mine", 1.0, 10.0),
            ("near", "P2", "CN", "mine", 1.0, 1.00000027448957085),
        ],
        [("P2", 1.0)],
    )
    plan = reopt.solve(near, china_cap=1.0, solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    assert plan.cost_usd == pytest.approx(1000.0, rel=answer_rtol(solver))
    if answer_rtol(solver) < 1e-7:
        bought = plan.allocation.set_index("source")["tonnes"]
        assert bought.get("near", 0.0) == 0.0 and bought.get("dear", 0.0) == 0.0


@pytest.mark.parametrize("solver", ["auto", "highs"])
def test_an_unbounded_program_is_called_unbounded(solver):
    """min x0 with -x0 - x1 >= 0, x0 <= 8e8, x1 <= 0, both free below: x0 falls forever. At
    reopt's primal tolerance (1e-10) HiGHS ended in an error (Status.ERROR); at its own it
    says unbounded, and so does reopt."""
    lp = LinearProgram.from_arrays(
        cost=[1.0, 0.0],
        col_lower=[-math.inf, -math.inf],
        col_upper=[8e8, 0.0],
        row_lower=[0.0],
        row_upper=[math.inf],
        row_start=[0, 2],
        col_index=[0, 1],
        value=[-1.0, -1.0],
    )
    solution = reopt.solve_lp(lp, solver=solver)
    assert solution.status is reopt.Status.UNBOUNDED
    assert solution.x is None and solution.row_dual is None and math.isnan(solution.objective)


@pytest.mark.parametrize("solver", ["auto", "highs"])
def test_a_badly_scaled_unbounded_program_is_called_unbounded(solver):
    """x3 costs -14,279 and is in no row, with no upper bound; the rows' entries span 1e-7 to
    5 beside bounds of 2.5e10. Scaled, HiGHS stopped after two dual simplex iterations with
    no status at all (Status.ERROR); at its own primal tolerance it says unbounded."""
    inf = math.inf
    lp = LinearProgram.from_arrays(
        cost=[
            614.1227358706282,
            1.522312899567085e-05,
            0.02447298571193544,
            -14279.17212783992,
            8072.4949233271445,
            593225.1460401639,
        ],
        col_lower=[-inf, -inf, -1552.8970688752227, 0.0, -inf, 0.0],
        col_upper=[783968179275.4294, inf, inf, inf, 53711294.965989806, inf],
        row_lower=[-15.38055050071526, 0.0, 0.0, 546337.0106878866, -inf],
        row_upper=[inf, 0.0, inf, inf, -25107136022.679047],
        row_start=[0, 1, 1, 1, 4, 7],
        col_index=[1, 0, 2, 4, 0, 1, 4],
        value=[
            -1.9014636608209887e-07,
            0.36493841627008833,
            0.18649240161950423,
            0.1569533009766817,
            -0.19231886155730468,
            0.9793315650273126,
            5.022468605239994,
        ],
    )
    assert reopt.solve_lp(lp, solver=solver).status is reopt.Status.UNBOUNDED


@pytest.mark.parametrize("solver", ["auto", "highs", "cbc", "glpk"])
def test_an_infeasible_program_has_no_point(solver):
    """x0 + x1 = 1 with both at most 0.4: infeasible, with no x, no duals, a NaN objective."""
    lp = LinearProgram.from_arrays(
        cost=[1.0, 2.0],
        col_lower=[0.0, 0.0],
        col_upper=[0.4, 0.4],
        row_lower=[1.0],
        row_upper=[1.0],
        row_start=[0, 2],
        col_index=[0, 1],
        value=[1.0, 1.0],
    )
    solution = reopt.solve_lp(lp, solver=solver)
    assert solution.status is reopt.Status.INFEASIBLE
    assert solution.x is None and solution.col_dual is None and math.isnan(solution.objective)


@pytest.mark.parametrize("solver", ["auto", "highs"])
def test_a_cost_a_trillionth_of_the_largest_is_told_from_zero(solver):
    """x0 + x1 + x2 = 10,000 (entries 3), x1 <= 3,000, costs 1e-6, 0 and 0 beside a column
    costing 1e6 in the same part: scaled, x0's cost is 1e-12, which the check's floor (then
    1e-12) took for rounding, and HiGHS's answer buying all of x0 (0.01 USD) was called
    optimal. Optimum: 0 USD, x1 = 3,000 and x2 = 7,000."""
    inf = math.inf
    lp = LinearProgram.from_arrays(
        cost=[1e-06, 0.0, 0.0, 1000000.0, 3.0],
        col_lower=[0.0] * 5,
        col_upper=[inf, inf, inf, 1.0, inf],
        row_lower=[30000.0, -inf, -inf, -inf],
        row_upper=[30000.0, 20000.0, 40000.0, 9000.0],
        row_start=[0, 3, 4, 6, 7],
        col_index=[0, 1, 2, 0, 2, 3, 1],
        value=[3.0, 3.0, 3.0, 2.0, 2.0, 2.0, 3.0],
    )
    solution = reopt.solve_lp(lp, solver=solver)
    assert solution.status is reopt.Status.OPTIMAL
    assert solution.objective == 0.0
    assert solution.x[0] == 0.0


@pytest.mark.parametrize("solver", ["auto", "highs"])
def test_a_rounding_reduced_cost_is_no_gap_against_a_huge_bound(solver):
    """x1 <= 3.4e14 as a column bound: its reduced cost, rounding (about 1e-17), times that
    distance was a complementary slack of 0.0117 USD, and the optimal answer a SolverError.
    Optimum: x1 = 3,042.77 (the row's cap), x0 the rest, 22,376.456 USD."""
    lp = LinearProgram.from_arrays(
        cost=[18.506021068746705, 0.6819126389368597],
        col_lower=[0.0, 0.0],
        col_upper=[math.inf, 338136588389415.25],
        row_lower=[4139.794285411783, -math.inf],
        row_upper=[4139.794285411783, 3042.770084286352],
        row_start=[0, 2, 3],
        col_index=[0, 1, 1],
        value=[1.0, 1.0, 1.0],
    )
    solution = reopt.solve_lp(lp, solver=solver)
    assert solution.status is reopt.Status.OPTIMAL
    assert solution.x[1] == pytest.approx(3042.770084286352, rel=1e-12)
    assert solution.objective == pytest.approx(22376.456356806084, rel=1e-12)


def test_an_offer_a_millionth_of_demand_that_undercuts_is_bought(solver):
    """P1: 454 t, bought at 1 USD/kg from AU (317.8 t) and 2 USD/kg from CN, beside 0.454 kg at
    1 USD/kg. The CBC that PuLP 4 installs leaves that offer unbought whatever its tolerances
    (0.454 USD, 8e-7 of the cost, with a reduced cost of half its price): reopt refuses its
    answer rather than call it optimal; every other back end buys it."""
    tiny = market(
        [
            ("s0", "P0", "CN", "refinery", None, 1.0),
            ("s0", "P1", "CN", "refinery", None, 2.0),
            ("s1", "P0", "AU", "mine", 0.7, 1.0),
            ("s1", "P1", "AU", "mine", 317.8, 1.0),
            ("s5", "P1", "CN", "mine", 0.000454, 1.0),
        ],
        [("P0", 1.0), ("P1", 454.0)],
    )
    try:
        plan = reopt.solve(tiny, china_cap=1.0, solver=solver)
    except reopt.SolverError as err:  # the CBC that PuLP 4 installs (CBC 2.10 buys it)
        assert solver == "cbc" and "column 4: its dual has a sign" in str(err)
        return
    expected = 1000 + 317_800 + 0.454 + (454 - 317.8 - 0.000454) * 2000
    assert plan.cost_usd == pytest.approx(expected, rel=1e-9)
    bought = plan.allocation.set_index(["source", "product"])["tonnes"]
    assert bought[("s5", "P1")] == pytest.approx(0.000454, rel=1e-9)


@pytest.mark.parametrize("solver", ["auto", "highs"])
def test_costs_far_apart_in_one_part_are_each_held_to_their_own_money(solver):
    """Costs 1.8e-4, 6.9e-4 and 1.1e5 in one program: divided by the largest, the two cheap
    ones (1.6e-9 and 6e-9) fell under HiGHS's dual tolerance, and the dearer of them was
    bought (3.5 times the optimum, called optimal); a cap's dual of the wrong sign (3e-8)
    passed because it was held to the dear column's money. Optimum: all 8.15 of x1."""
    lp = LinearProgram.from_arrays(
        cost=[6.867928505598523e-4, 1.7744340454824137e-4, 113437.43144719537],
        col_lower=[0.0, 0.0, 0.0],
        col_upper=[math.inf] * 3,
        row_lower=[8.149687895494228, -math.inf, -math.inf],
        row_upper=[8.149687895494228, 9.601426899956266, 8.312781399473765],
        row_start=[0, 3, 5, 7],
        col_index=[0, 1, 2, 0, 2, 0, 2],
        value=[
            1.0,
            1.0,
            1.0,
            1.3653491515460556,
            0.8901639492781909,
            0.9076492916577286,
            1.2571603338665456,
        ],
    )
    solution = reopt.solve_lp(lp, solver=solver)
    assert solution.status is reopt.Status.OPTIMAL
    assert list(solution.x) == pytest.approx([0.0, 8.149687895494228, 0.0], abs=1e-12)
    assert solution.objective == pytest.approx(1.7744340454824137e-4 * 8.149687895494228, rel=1e-9)


def test_a_placeholder_price_does_not_fool_any_back_end(solver):
    """Prices 1.0 / 1e10 / 1.5 USD/kg, China at most 50%: 500 t at 1.0 and 500 t at 1.5.

    GLPK used to answer 1,500,000 "optimal" (all from the 1.5 offer), its own reduced
    cost of 500 on the cheaper offer showing it was not.
    """
    placeholder = market(
        [
            ("cn", "A", "CN", "refinery", None, 1.0),
            ("never", "A", "US", "refinery", None, 1e10),
            ("au", "A", "AU", "mine", None, 1.5),
        ],
        [("A", 1000.0)],
    )
    try:
        plan = reopt.solve(placeholder, china_cap=0.5, solver=solver)
    except reopt.SolverError as err:  # allowed: reopt says why
        assert "prove optimal" in str(err) or "fails reopt's check" in str(err)
        return
    assert plan.status is reopt.Status.OPTIMAL
    assert plan.cost_usd == pytest.approx(1_250_000, rel=1e-9)


class SuboptimalBackend:
    """HiGHS's duals, but a feasible point that is not the cheapest (scaled units: the back
    end sees the scaled program)."""

    name = "suboptimal"
    features = frozenset({Feature.DUALS, Feature.VERTEX})
    install_hint = ""

    def __init__(self, to: int = 2) -> None:
        self.calls = 0
        self.to = to

    def is_available(self) -> bool:
        return True

    def option_problems(self, lp, options):
        return []

    def at_vertex(self, options):
        return True

    def solve(self, lp, options) -> Solution:
        self.calls += 1
        good = solve_highs(lp, options)
        assert good.x is not None
        x = good.x.copy()
        moved = x[0] / 6  # a sixth of the cheap Chinese tonnes to a dearer offer
        x[0], x[self.to] = x[0] - moved, x[self.to] + moved
        return replace(good, x=x, objective=float(lp.cost @ x))


class StraySignBackend(SuboptimalBackend):
    """HiGHS's answer with a rounding-sized dual of the wrong sign on every row and column
    that has only one bound and no dual (declared full precision, so it is not polished)."""

    name = "stray-signs"
    features = frozenset({Feature.DUALS, Feature.VERTEX, Feature.FULL_PRECISION})

    def solve(self, lp, options) -> Solution:
        good = solve_highs(lp, options)
        assert good.row_dual is not None and good.col_dual is not None
        tiny = 1e-10 * float(abs(lp.cost).max())
        row_dual = good.row_dual + tiny * (lp.row_lower == -math.inf) * (good.row_dual == 0)
        col_dual = good.col_dual - tiny * (lp.col_upper == math.inf) * (good.col_dual == 0)
        return replace(good, row_dual=row_dual, col_dual=col_dual)


def _stray(dual, lower, upper):
    return ((dual > 0) & (lower == -math.inf)) | ((dual < 0) & (upper == math.inf))


def test_no_dual_prices_a_bound_that_does_not_exist(solver):
    """China unlimited at 1 USD/kg, Australia 0.7 t at 1.75, 1 t wanted, China cap 100%.

    CBC returned +1.25e-6 as the dual of the cap row, which has no lower bound.
    """
    plan = reopt.solve(
        market(
            [("s0", "P0", "CN", "refinery", None, 1.0), ("s1", "P0", "AU", "mine", 0.7, 1.75)],
            [("P0", 1.0)],
        ),
        china_cap=1.0,
        solver=solver,
    )
    lp, sol = plan.lp, plan.solution
    assert plan.cost_usd == pytest.approx(1000.0, rel=1e-9)
    if sol.row_dual is None:
        return
    assert not _stray(sol.row_dual, lp.row_lower, lp.row_upper).any(), sol.row_dual
    assert not _stray(sol.col_dual, lp.col_lower, lp.col_upper).any(), sol.col_dual


def test_rounding_sized_duals_of_the_wrong_sign_are_zeroed(three_suppliers):
    plan = reopt.solve(three_suppliers, china_cap=0.5, solver=StraySignBackend())
    lp, sol = plan.lp, plan.solution
    assert plan.status is reopt.Status.OPTIMAL
    assert not _stray(sol.row_dual, lp.row_lower, lp.row_upper).any()
    assert not _stray(sol.col_dual, lp.col_lower, lp.col_upper).any()
    exact = reopt.solve(three_suppliers, china_cap=0.5)
    assert sol.row_dual == pytest.approx(exact.solution.row_dual, abs=1e-6)


def test_a_feasible_point_its_duals_do_not_prove_optimal_is_refused(three_suppliers):
    backend = SuboptimalBackend()
    with pytest.raises(reopt.SolverError, match="duals do not prove optimal"):
        reopt.solve(three_suppliers, china_cap=0.6, solver=backend)
    # and it was given a second chance with another method, a third in its own units and a
    # fourth with costs in units of the cheapest price, at the usual standard and again at
    # the looser one (shares to 1e-6 of their base)
    assert backend.calls == 7


def test_the_fixed_lp_of_a_milp_is_checked_too():
    """With minimum orders, the LP with the 0/1 choices fixed gets the same optimality check."""
    offers = pd.DataFrame(
        {
            "source": ["cn", "au", "us"],
            "product": ["A"] * 3,
            "country": ["CN", "AU", "US"],
            "capacity_t": [None, 50.0, None],
            "price_usd_per_kg": [10.0, 15.0, 20.0],
            "min_order_t": [0.0, 0.0, 5.0],
        }
    )
    milp = reopt.Market(offers, pd.DataFrame({"product": ["A"], "demand_t": [100.0]}))

    class LiesOnLPs(SuboptimalBackend):
        features = frozenset({Feature.DUALS, Feature.VERTEX, Feature.MILP})

        def solve(self, lp, options):
            if lp.is_mip:
                return solve_highs(lp, options)
            return super().solve(lp, options)

    with pytest.raises(reopt.SolverError, match="duals do not prove optimal"):
        reopt.solve(milp, china_cap=0.6, solver=LiesOnLPs(to=1))


# --- class 5: tolerances relative to each product ------------------------------------------
def test_a_tiny_demand_beside_a_huge_one_is_met(solver):
    """1e-7 t of one product beside 1e7 t of another: both met to 1e-9 of themselves."""
    tiny = market(
        [
            ("cn", "big", "CN", "refinery", None, 10.0),
            ("au", "big", "AU", "mine", None, 15.0),
            ("cn", "small", "CN", "refinery", None, 300.0),
            ("au", "small", "AU", "mine", None, 400.0),
        ],
        [("big", 1e7), ("small", 1e-7)],
    )
    plan = reopt.solve(tiny, china_cap=0.4, solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    bought = plan.allocation.groupby("product")["tonnes"].sum()
    assert bought["small"] == pytest.approx(1e-7, rel=1e-9)
    assert bought["big"] == pytest.approx(1e7, rel=1e-9)
    cn = plan.shares("country")["CN"]
    assert cn["small"] <= 0.4 * (1 + 1e-9) and cn["big"] <= 0.4 * (1 + 1e-9)


def test_a_zero_cap_holds_for_a_nanogram(solver):
    """1e-9 t under a 0% China cap: nothing from China (CBC used to buy it there)."""
    nano = market(
        [
            ("cn", "A", "CN", "refinery", None, 1.0),
            ("au", "A", "AU", "mine", None, 2.0),
            ("cn", "B", "CN", "refinery", None, 1.0),
            ("au", "B", "AU", "mine", None, 2.0),
        ],
        [("A", 1e-9), ("B", 1000.0)],
    )
    plan = reopt.solve(nano, china_cap=0.0, solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    assert not (plan.allocation["country"] == "CN").any()
    assert plan.cost_usd == pytest.approx(2000 * (1e-9 + 1000.0), rel=1e-9)


def test_a_market_short_by_a_factor_of_a_thousand_is_infeasible(solver):
    """1e-9 t demanded, 1e-12 t outside China, China capped at 0: no plan, on every back end."""
    short = market(
        [("cn", "A", "CN", "refinery", None, 1.0), ("au", "A", "AU", "mine", 1e-12, 2.0)],
        [("A", 1e-9)],
    )
    plan = reopt.solve(short, china_cap=0.0, solver=solver)
    assert plan.status is reopt.Status.INFEASIBLE


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("demand_t", 1e20, "more than 1e+12 t"),
        ("capacity_t", 1e15, "more than 1e+12 t"),
        ("price_usd_per_kg", 1e16, "more than 1e+12 USD/kg"),
    ],
)
def test_magnitudes_beyond_double_precision_are_refused(three_suppliers, column, value, rule):
    offers, demand = three_suppliers.offers.copy(), three_suppliers.demand.copy()
    table = demand if column == "demand_t" else offers
    table.loc[0, column] = value
    with pytest.raises(reopt.InputError, match=re.escape(rule)):
        reopt.Market(offers, demand)


def test_a_price_ratio_beyond_double_precision_is_refused(three_suppliers):
    offers = three_suppliers.offers.copy()
    offers.loc[2, "price_usd_per_kg"] = 1e-3
    offers.loc[0, "price_usd_per_kg"] = 1e10  # 1e13 times the cheapest
    with pytest.raises(reopt.InputError, match="cannot tell the cheaper offers apart"):
        reopt.Market(offers, three_suppliers.demand)
    offers.loc[0, "price_usd_per_kg"] = 1e8  # 1e11: solved
    assert reopt.solve(reopt.Market(offers, three_suppliers.demand)).is_optimal


# --- hypothesis: magnitudes spread over many orders ----------------------------------------
log_demand = st.floats(-6, 7).map(lambda e: float(10**e))
log_price = st.floats(-3, 5).map(lambda e: float(10**e))


@st.composite
def spread_markets(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Products from 1e-6 to 1e7 t, prices from 1e-3 to 1e5 USD/kg within and across them;
    feasible for the drawn cap by construction (an Australian offer covers the rest)."""
    cap = draw(st.floats(0.0, 1.0))
    rows, demand = [], []
    for p in range(draw(st.integers(1, 3))):
        product = f"P{p}"
        d = draw(log_demand)
        demand.append((product, d))
        rows.append((f"cn{p}", product, "CN", "refinery", None, draw(log_price)))
        rows.append(
            (f"au{p}", product, "AU", "mine", d * (1 - cap) * 1.5 + d * 1e-3, draw(log_price))
        )
        for k in range(draw(st.integers(0, 3))):
            country = draw(st.sampled_from(["CN", "VN", "IN"]))
            capacity = d * draw(st.floats(0.01, 2.0))
            rows.append((f"x{p}{k}", product, country, "mine", capacity, draw(log_price)))
    offers = pd.DataFrame(rows, columns=OFFER_COLUMNS)
    return offers, pd.DataFrame(demand, columns=["product", "demand_t"]), cap


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=spread_markets())
def test_every_product_is_solved_to_its_own_accuracy(solver, case):
    """Optimal plans meet every demand and cap to 1e-9 of that product and cost the greedy
    optimum of each product (to `answer_rtol`); otherwise reopt says why in a ReoptError."""
    offers, demand, cap = case
    try:
        plan = reopt.solve(reopt.Market(offers, demand), china_cap=cap, solver=solver)
    except reopt.ReoptError:
        return
    assert plan.status is reopt.Status.OPTIMAL, plan.explain()
    alloc = plan.allocation
    for product, d in demand.itertuples(index=False):
        mine = alloc[alloc["product"] == product]
        assert mine["tonnes"].sum() == pytest.approx(d, rel=1e-9, abs=0)
        assert mine.loc[mine["country"] == "CN", "tonnes"].sum() <= cap * d * (1 + 1e-9)
        capacity = offers.set_index(["source", "product"])["capacity_t"]
        for row in mine.itertuples():
            limit = capacity[(row.source, row.product)]
            # to 1e-9 of the product, as the check measures: CBC prints 0.59811842 t for an
            # offer of 0.5981184192 t out of 1 t (7.7e-10 t over, 1.3e-9 of the offer)
            assert pd.isna(limit) or row.tonnes <= limit + 1e-9 * max(d, row.tonnes)
        expected = greedy_cost(offers[offers["product"] == product], d, cap)
        assert mine["cost_usd"].sum() == pytest.approx(expected, rel=answer_rtol(solver), abs=0)
    if plan.has_prices:  # optimal by its duals: no negative reduced cost on an unused offer
        assert (plan.reduced_costs["reduced_cost_usd_per_kg"] >= 0).all()


class LooseFirstBackend(SuboptimalBackend):
    """HiGHS, but a suboptimal point unless the options carry the strict dual tolerance
    (as a first solve stopping within HiGHS's own 1e-7 dual tolerance would give)."""

    name = "loose-first"

    def strict_options(self, options):
        return get_backend("highs").strict_options(options)

    def solve(self, lp, options) -> Solution:
        if options.extra.get("dual_feasibility_tolerance") == STRICT_DUAL_TOLERANCE:
            return solve_highs(lp, options)
        return super().solve(lp, options)


def test_the_second_solve_tightens_highs_tolerances(three_suppliers):
    backend = LooseFirstBackend()
    plan = reopt.solve(three_suppliers, china_cap=0.6, solver=backend)
    assert plan.status is reopt.Status.OPTIMAL
    assert plan.cost_usd == pytest.approx(1_200_000, rel=1e-9)
    assert any("second solve" in note for note in plan.notes)
    strict = get_backend("highs").strict_options(reopt.SolverOptions(extra={"threads": 1}))
    assert strict.extra == {
        "threads": 1,
        "dual_feasibility_tolerance": STRICT_DUAL_TOLERANCE,
        "primal_feasibility_tolerance": 1e-10,
    }
