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

OFFER_COLUMNS = ["source", "product", "country", "kind", "capacity_t", "price_usd_per_kg"]


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
    assert backend.calls == 2  # and it was given a second chance with another method


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
    """Optimal plans meet every demand and cap to 1e-9 of that product and cost exactly the
    greedy optimum of each product; otherwise reopt says why in a ReoptError."""
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
            assert pd.isna(limit) or row.tonnes <= limit * (1 + 1e-9)
        expected = greedy_cost(offers[offers["product"] == product], d, cap)
        assert mine["cost_usd"].sum() == pytest.approx(expected, rel=1e-9, abs=0)
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
