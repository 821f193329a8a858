"""Numbers far apart in one program: no plan breaks a share of the money, pays more than the
optimum, or buys below zero because its tonnes are small beside the dearest offer's; and a
valid market gets a status, not an error, where a solver ends at its tolerances.

Hand-worked cases, each with prices 1e9-1e10 apart (inside `MAX_PRICE_RATIO`): reopt's
check holds a share row to the base of its share (`reopt.results.sizes.row_floor`), a
dual to the money of the columns in play, and puts values beyond their bounds by a
tolerance on them before reading any row.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import reopt
import reopt.backends.relaxed as relaxed
import reopt.backends.split as split
from reopt.backends import get_backend
from reopt.backends.highs import solve_highs
from reopt.model.program import RowFamily
from reopt.model.scaling import scaling_for
from reopt.options import SolverOptions
from reopt.results.answers import checked_answer, solve_with
from reopt.results.array_check import ArrayCheck
from reopt.results.sizes import row_activity, row_floor
from reopt.results.verify import optimality_violations, violations


def offers(rows: list[tuple[str, str, str, str, float, float]]) -> pd.DataFrame:
    columns = ["source", "product", "country", "kind", "capacity_t", "price_usd_per_kg"]
    return pd.DataFrame(rows, columns=columns)


def only_china() -> reopt.Market:
    """Product B can be bought from China only (the Australian offer has no capacity), at
    1e4 or 1e-6 USD/kg: China's share of the money is 100% whatever is bought."""
    rows = [
        ("cn_dear", "B", "CN", "mine", np.inf, 1e4),
        ("cn_cheap", "B", "CN", "mine", 6e6, 1e-6),
        ("au", "B", "AU", "mine", 0.0, 1e-3),
    ]
    return reopt.Market(offers(rows), pd.DataFrame({"product": ["B"], "demand_t": [5e6]}))


VALUE_CAP = reopt.cap_share(0.43, country="CN", basis="value")


@pytest.mark.parametrize("solver", ["highs", "auto"])
def test_a_cap_on_the_money_that_no_plan_meets_is_infeasible(solver):
    """HiGHS's scaled answer buys 5e6 t at 1e-6 USD/kg: 5,000 USD, all Chinese, against a 43%
    cap; the row is broken by 1e-11 of the dearest offer's money, but by 57% of its base."""
    plan = reopt.solve(only_china(), policies=[VALUE_CAP], solver=solver)
    assert plan.status is reopt.Status.INFEASIBLE
    assert any("found the market infeasible" in note for note in plan.notes)


def test_the_cap_on_the_money_is_infeasible_on_the_split_path_too(monkeypatch):
    """The same product beside another, so that the program has two parts, split."""
    monkeypatch.setattr(split, "SPLIT_FROM_COLUMNS", 0)
    monkeypatch.setattr(relaxed, "RELAX_FROM_COLUMNS", 0)
    rows = [
        ("cn_dear", "B", "CN", "mine", np.inf, 1e4),
        ("cn_cheap", "B", "CN", "mine", 6e6, 1e-6),
        ("au", "B", "AU", "mine", 0.0, 1e-3),
        ("cn_dear", "A", "CN", "mine", np.inf, 5.0),
        ("au", "A", "AU", "mine", np.inf, 1.0),
    ]
    demand = pd.DataFrame({"product": ["A", "B"], "demand_t": [1.0, 5e6]})
    market = reopt.Market(offers(rows), demand)
    cap = reopt.cap_share(0.43, country="CN", basis="value", product=["A", "B"])
    for solver in ("auto", "highs"):
        assert reopt.solve(market, policies=[cap], solver=solver).status is (
            reopt.Status.INFEASIBLE
        )


def test_a_share_row_is_held_to_its_base():
    """The first answer HiGHS gives: the check's floor for the cap row is its base (the
    plan's money in units of the dearest offer's), not 1, and the row fails there."""
    market = only_china()
    lp = reopt.compile(market, [VALUE_CAP])
    scaled = scaling_for(lp).apply(lp)
    x = np.array([0.0, 1.0, 0.0, 1e-10])  # 5e6 t at 1e-6 USD/kg; its value, scaled
    activity, size = row_activity(scaled, x)
    floor = row_floor(scaled, activity, size)
    cap_row = int(np.flatnonzero(np.isfinite(lp.label("share").astype(float)))[0])
    base = 1e-10  # the value of the plan in the scaled program's units
    assert base <= floor[cap_row] <= 2.5 * base
    assert activity[cap_row] > 1e-9 * floor[cap_row]  # broken by far more than 1e-9 of it
    money = lp.family_rows(RowFamily.VALUE)  # held to the money they sum: no floor
    assert len(money) and (floor[money] == 0.0).all()
    others = np.setdiff1d(np.arange(lp.n_rows), np.r_[cap_row, money])
    assert (floor[others] == 1.0).all()


def test_a_floor_far_below_any_tolerance_is_met_to_its_share():
    """A floor of 1e-14 of the tonnes on a group that nothing is bought from is short by
    1e-14 of the tonnes: within 1e-9 of the base, so the plan stands."""
    rows = [("cn", "Nd", "CN", "mine", np.inf, 1.0), ("au", "Nd", "AU", "mine", np.inf, 2.0)]
    market = reopt.Market(offers(rows), pd.DataFrame({"product": ["Nd"], "demand_t": [2.0]}))
    for solver in ("highs", "auto"):
        plan = reopt.solve(market, policies=[reopt.min_share(1e-14, country="AU")], solver=solver)
        assert plan.status is reopt.Status.OPTIMAL
        assert plan.cost_usd == pytest.approx(2000.0, rel=1e-9)


def cheap_recyclers() -> reopt.Market:
    """0.5 t of one product: recyclers at 997 and 1e-6 USD/kg, a mine at 1.9e-6."""
    rows = [
        ("s1", "P0", "AU", "recycler", np.inf, 996.7771886763168),
        ("s2", "P0", "VN", "recycler", np.inf, 1e-06),
        ("s5", "P0", "MY", "mine", np.inf, 1.899756804450584e-06),
    ]
    return reopt.Market(offers(rows), pd.DataFrame({"product": ["P0"], "demand_t": [0.5]}))


RECYCLED = [reopt.min_share(0.01, kind="recycler"), reopt.cap_share(0.21, kind="recycler")]


@pytest.mark.parametrize("solver", ["highs", "auto"])
def test_a_plan_dearer_than_the_optimum_by_a_cheap_offers_margin_is_refused(solver):
    """One product of 0.5 t: a recycler at 1e-6 USD/kg, a mine at 1.9e-6 and a recycler at
    997 that is never bought; recycled between 1% and 21%. The optimum buys 21% from the
    cheap recycler (0.000855 USD); HiGHS's first answer buys the 1% floor only (0.000945,
    10.5% dearer), with a floor dual of the wrong sign by 1e-9 of the dear offer's price."""
    plan = reopt.solve(cheap_recyclers(), policies=RECYCLED, solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    cheapest = 0.5 * 1000 * (0.21 * 1e-06 + 0.79 * 1.899756804450584e-06)
    assert plan.cost_usd == pytest.approx(cheapest, rel=1e-9)


def test_values_beyond_their_bounds_by_a_tolerance_are_put_on_them():
    """An answer with a purchase 1e-12 t below zero and one 1e-12 t above its capacity: the
    checked answer has neither, and costs what its purchases cost."""
    rows = [
        ("cn", "Nd", "CN", "mine", 30.0, 1.0),
        ("au", "Nd", "AU", "mine", np.inf, 2.0),
        ("us", "Nd", "US", "mine", np.inf, 3.0),
    ]
    market = reopt.Market(offers(rows), pd.DataFrame({"product": ["Nd"], "demand_t": [50.0]}))
    lp = reopt.compile(market)
    backend, options = get_backend("highs"), SolverOptions()
    scaling = scaling_for(lp)
    answer = solve_with(backend, lp, options, scaling=scaling)
    assert answer.x is not None
    x = answer.x.copy()
    assert x.tolist() == [30.0, 20.0, 0.0]
    x[0] += 1e-12  # above its capacity
    x[2] -= 1e-12  # below zero
    x[1] += 1e-12  # the demand row still holds
    nudged = replace(answer, x=x, objective=float(lp.cost @ x))
    checked = checked_answer(lp, nudged, backend, options, [], scaling=scaling)
    assert checked.x is not None
    assert checked.x[0] == 30.0 and checked.x[2] == 0.0
    assert checked.objective == pytest.approx(float(lp.cost @ checked.x), rel=1e-15)


def test_the_array_check_gives_the_same_verdicts():
    """The check of many answers (Monte Carlo) refuses HiGHS's first answers to the cap on the
    money and to the dearer plan, as the full check does, and passes the optimum."""

    def verdicts(lp: reopt.LinearProgram) -> tuple[bool, bool]:
        scaled = scaling_for(lp).apply(lp)
        answer = solve_highs(scaled)
        assert answer.x is not None and answer.row_dual is not None
        assert answer.col_dual is not None
        x, y, d, objective = answer.x, answer.row_dual, answer.col_dual, answer.objective
        full = not violations(scaled, x, objective) and not optimality_violations(scaled, x, y, d)
        bounds = (scaled.col_lower, scaled.col_upper, scaled.row_lower, scaled.row_upper)
        fast = bool(ArrayCheck.of(scaled).passes(scaled.cost, *bounds, x, y, d, objective))
        return full, fast

    assert verdicts(reopt.compile(only_china(), [VALUE_CAP])) == (False, False)
    assert verdicts(reopt.compile(cheap_recyclers(), RECYCLED)) == (False, False)
    japan = reopt.compile(
        reopt.datasets.japan_2025(), [reopt.cap_share(0.6, country="CN", basis="value")]
    )
    assert verdicts(japan) == (True, True)


def test_a_row_at_the_tolerance_by_rounding_keeps_its_dual():
    """An offer of 1e-15 t beside a demand of 1e-6 t: HiGHS buys both to their capacities,
    1e-9 of the demand over it, and the demand row's dual is checked as at its bound (the
    feasibility check passed it: ``value <= bound + tol`` in floating point)."""
    rows = [
        ("s3", "P0", "US", "mine", 1000.0, 5.0),
        ("s6", "P1", "CN", "refinery", 1e-06, 5.0),
        ("s3", "P2", "US", "mine", 1e-06, 5.0),
        ("s5", "P2", "VN", "mine", 1e-15, 0.001),
    ]
    demand = pd.DataFrame({"product": ["P0", "P1", "P2"], "demand_t": [500.0, 1e-06, 1e-06]})
    market = reopt.Market(offers(rows), demand)
    cap = reopt.cap_share(1, each="country", scope="total")  # it cannot bind
    for solver in ("highs", "auto"):
        plan = reopt.solve(market, policies=[cap], solver=solver)
        assert plan.status is reopt.Status.OPTIMAL
        assert plan.cost_usd == pytest.approx(2500000.01, rel=1e-9)


def test_an_undecided_end_is_solved_again_by_another_method():
    """HiGHS's simplex without presolve ends "Unknown" on this stock market; interior point
    says infeasible (a cap of 1e-9 on each source's share of the money cannot hold), and so
    does the plan, with a note."""
    inf = np.inf
    rows = [
        ("s0", "P0", 0, "CN", "mine", inf, 3.0937145062514984e-05, 0),
        ("s3", "P2", 0, "MY", "recycler", inf, 5.0, 1),
        ("s2", "P0", 1, "AU", "recycler", 2e7, 5.0, 0),
        ("s2", "P2", 1, "AU", "recycler", inf, 0.0014675213280717367, 1),
    ]
    columns = ["source", "product", "period", "country", "kind", "capacity_t"]
    table = pd.DataFrame(rows, columns=[*columns, "price_usd_per_kg", "lead_time_periods"])
    demand = pd.DataFrame(
        {"product": ["P0", "P2", "P0", "P2"], "period": [0, 0, 1, 1], "demand_t": [2e7, 5, 2e7, 20]}
    )
    stock = pd.DataFrame(
        {
            "product": ["P0", "P2"],
            "initial_t": [2.5e7, 2.0],
            "min_t": [0.0, 0.0],
            "max_t": [3e7, 5.0],
            "holding_usd_per_kg": [50.0, 0.01],
        }
    )
    with pytest.warns(reopt.ReoptWarning, match="would arrive after the last period"):
        market = reopt.Market(table, demand, stock=stock)
    policies = [
        reopt.cap_share(1e-09, each="source", basis="value", over="horizon"),
        reopt.min_share(0.1, kind="recycler", scope="total"),
    ]
    for solver in ("highs", "auto"):
        plan = reopt.solve(market, policies=policies, solver=solver)
        assert plan.status is reopt.Status.INFEASIBLE
        assert any("ended undecided (Unknown)" in note for note in plan.notes)
        assert not any("not confirmed" in note for note in plan.notes)


#: The columns of an offers table with periods, refining countries and lead times.
TIMED = [
    "source",
    "product",
    "period",
    "country",
    "refined_in",
    "kind",
    "capacity_t",
    "price_usd_per_kg",
    "lead_time_periods",
]


def test_a_plan_whose_shares_hold_is_kept_where_no_solve_meets_the_usual_standard():
    """Demands of 5e-7 t beside 1e5 t in rules over products and the horizon, with stock:
    a share row holds 2e-17 (of its largest entry) of purchases that are solver noise, and
    no solve meets 1e-9 of that; every share holds to 1e-6 of its base, so the plan stands,
    with a note."""
    rows = [
        ("s5", "P1", 0, "CN", "CN", "refinery", 1.428103884991811e-06, 0.001, 1),
        ("s4", "P2", 0, "VN", "MY", "refinery", 0.0, 1e-06, 1),
        ("s1", "P3", 0, "AU", "AU", "refinery", 208764.72218261648, 5.0, 0),
        ("s4", "P3", 0, "VN", "MY", "refinery", np.inf, 100.0, 0),
        ("s1", "P1", 1, "AU", "AU", "refinery", np.inf, 38.03508555520917, 0),
        ("s1", "P2", 1, "AU", "AU", "refinery", np.inf, 283.3355392939434, 0),
        ("s3", "P3", 1, "AU", "US", "refinery", np.inf, 1e-06, 0),
        ("s0", "P1", 2, "CN", "CN", "recycler", np.inf, 1.2516018527112175e-05, 0),
        ("s1", "P1", 2, "AU", "AU", "refinery", np.inf, 100.0, 0),
        ("s1", "P2", 2, "AU", "AU", "refinery", np.inf, 0.001, 0),
        ("s1", "P3", 2, "AU", "AU", "refinery", np.inf, 100.0, 0),
        ("s4", "P3", 2, "VN", "MY", "refinery", 100000.0, 63.88671765035667, 0),
    ]
    demand = pd.DataFrame(
        {
            "product": ["P1", "P2", "P3", "P1", "P2", "P3", "P1", "P2", "P3"],
            "period": [0, 0, 0, 1, 1, 1, 2, 2, 2],
            "demand_t": [5e-07, 5e-07, 100000.0, 1e-06, 1e-06, 50000.0, 1e-06, 1e-06, 100000.0],
        }
    )
    stock = pd.DataFrame(
        {
            "product": ["P1", "P2", "P3"],
            "initial_t": [5.000001e-07, 5e-07, 100000.0],
            "min_t": [9.999999999999999e-14, 0.0, 0.0],
            "max_t": [5.000001e-07, 5e-07, np.inf],
            "holding_usd_per_kg": [0.01, 0.01, 1e-06],
        }
    )
    market = reopt.Market(pd.DataFrame(rows, columns=TIMED), demand, stock=stock)
    policies = [
        reopt.cap_share(1.0, country="CN"),
        reopt.min_share(0.05, country=["AU", "US"]),
        reopt.cap_share(1 / 3, country=["CN", "VN"], scope="total"),
        reopt.cap_share(1.0, source="s0", scope="total"),
        reopt.min_share(0.3, refined_in="MY", scope="total", over="horizon"),
        reopt.cap_share(0.5, refined_in="MY", scope="total", over="horizon"),
    ]
    for solver in ("highs", "auto"):
        plan = reopt.solve(market, policies=policies, solver=solver)
        assert plan.status is reopt.Status.OPTIMAL
        assert plan.cost_usd == pytest.approx(4950000250.4731655, rel=1e-9)
        assert any("no solve met every policy's share" in note for note in plan.notes)


def test_a_plan_that_breaks_a_share_of_its_base_is_never_kept():
    """A floor and a cap of 1% of the money on AU, at 1e8 times China's price, in a demand
    of 2.4e-6 t: HiGHS's answers in the scaled program and in its own units buy nothing
    from AU (0% against 1%), which the looser standard would pass; the re-solve with costs
    in units of the cheapest price buys the 2.42e-16 t that make AU's share 1%, the optimum
    by hand (99 a = 1e-8 (D - a) for AU's tonnes a of the demand D)."""
    rows = [
        ("s0", "P0", "CN", "recycler", np.inf, 1e-06),
        ("s4", "P0", "AU", "recycler", 8.037252579856208e-07, 100.0),
    ]
    demand = pd.DataFrame({"product": ["P0"], "demand_t": [2.397888910647326e-06]})
    market = reopt.Market(offers(rows), demand)
    policies = [
        reopt.min_share(0.01, country=["AU", "US"], basis="value"),
        reopt.cap_share(0.01, country=["AU", "US"], basis="value"),
    ]
    d = 2.397888910647326e-06
    australia = 1e-8 * d / (99 + 1e-8)
    for solver in ("highs", "auto"):
        plan = reopt.solve(market, policies=policies, solver=solver)
        assert plan.status is reopt.Status.OPTIMAL
        bought = plan.allocation.set_index("source")["tonnes"]
        assert bought["s4"] == pytest.approx(australia, rel=1e-6)
        share = plan.shares("country", basis="value")["AU"].iloc[0]
        assert share == pytest.approx(0.01, rel=1e-6)
        expected = ((d - australia) * 1e-6 + australia * 100.0) * 1000.0
        assert plan.cost_usd == pytest.approx(expected, rel=1e-9)


def test_a_warm_solve_that_ends_undecided_is_decided_cold_in_a_sweep():
    """A 3-period stock market whose every cap is infeasible: a warm re-solve of the sweep
    ends "Unknown" where the cold one says infeasible; that is no disagreement (it was a
    SolverError), and the sweep says infeasible at every cap, as fresh solves do."""
    rows = [
        ("s0", "P0", 0, "CN", "CN", "mine", 2.1126250981974635, 0.0006310205791413781, 0),
        ("s1", "P0", 0, "AU", "CN", "recycler", 13.056529311535865, 10000.0, 0),
        ("s2", "P0", 0, "VN", "VN", "recycler", 7.042083660658212, 5.0, 0),
        ("s0", "P1", 0, "CN", "CN", "mine", np.inf, 5.0, 0),
        ("s1", "P1", 0, "AU", "CN", "recycler", np.inf, 5.0, 0),
        ("s3", "P1", 0, "VN", "VN", "mine", np.inf, 5.0, 1),
        ("s0", "P0", 1, "CN", "CN", "mine", np.inf, 100.0, 0),
        ("s1", "P0", 1, "AU", "CN", "recycler", np.inf, 10000.0, 0),
        ("s2", "P0", 1, "VN", "VN", "recycler", 3.521041830329106, 100.0, 0),
        ("s3", "P0", 1, "VN", "VN", "mine", 1.173680610109702, 1.0, 1),
        ("s0", "P1", 1, "CN", "CN", "mine", 0.0, 5052.678961415734, 0),
        ("s1", "P1", 1, "AU", "CN", "recycler", np.inf, 1.5579138545769347e-05, 0),
        ("s3", "P1", 1, "VN", "VN", "mine", np.inf, 0.001, 0),
        ("s0", "P0", 2, "CN", "CN", "mine", np.inf, 7.944439639969548e-06, 0),
        ("s1", "P0", 2, "AU", "CN", "recycler", np.inf, 13.73978777967687, 0),
        ("s3", "P0", 2, "VN", "VN", "mine", 3.521041830329106e-12, 7.601092359171552, 0),
        ("s4", "P0", 2, "MY", "MY", "mine", np.inf, 0.003101387892212697, 0),
        ("s0", "P1", 2, "CN", "CN", "mine", np.inf, 0.0011025416627250375, 0),
        ("s1", "P1", 2, "AU", "CN", "recycler", 1512.2777337364425, 9.29868465142195e-06, 0),
        ("s2", "P1", 2, "VN", "VN", "recycler", 1e-09, 100.0, 1),
        ("s3", "P1", 2, "VN", "VN", "mine", np.inf, 5.0, 1),
        ("s4", "P1", 2, "MY", "MY", "mine", 1000.0, 5.0, 1),
    ]
    demand = pd.DataFrame(
        {
            "product": ["P0", "P1", "P0", "P1", "P0", "P1"],
            "period": [0, 0, 1, 1, 2, 2],
            "demand_t": [
                7.042083660658212,
                1000.0,
                3.521041830329106,
                2000.0,
                3.521041830329106,
                500.0,
            ],
        }
    )
    stock = pd.DataFrame(
        {
            "product": ["P0", "P1"],
            "initial_t": [0.0, 2500.0],
            "min_t": [3.521041830329106e-07, 0.0],
            "max_t": [10.5631258430915, 3000.0],
            "holding_usd_per_kg": [1e-06, 0.0],
        }
    )
    caps = [
        0.31824800900726,
        0.3922522737270253,
        0.5038969315978425,
        0.5732533431597917,
        0.7106544578386782,
    ]
    with pytest.warns(reopt.ReoptWarning, match="would arrive after the last period"):
        market = reopt.Market(pd.DataFrame(rows, columns=TIMED), demand, stock=stock)
    policies = [reopt.cap_share(1e-09, each="source"), reopt.min_share(0.01, country="AU")]
    for solver in ("highs", "auto"):
        table = reopt.sweep(
            market, china_cap=caps, policies=policies, exact=False, solver=solver, progress=False
        )
        assert set(table["status"]) == {"infeasible"}


@pytest.mark.parametrize(
    "solver", [s for s in ("highs", "auto", "cbc") if s in reopt.available_solvers()]
)
@pytest.mark.parametrize("min_order_t", [1.0, 1e6])
def test_a_milp_with_a_policy_on_the_money_and_prices_1e7_apart_is_refused(solver, min_order_t):
    """`only_china` with a minimum order on the cheap offer: a MILP with a cap on the money
    whose prices spread 1e7 beyond the median. Branch and bound cannot be trusted there
    (`reopt.model.spread`): an `InputError` that says what to do, not a verdict."""
    market = only_china()
    offers = market.offers.assign(min_order_t=[0.0, min_order_t, 0.0])
    milp = reopt.Market(offers, market.demand)
    with pytest.raises(reopt.InputError, match="a policy on the money"):
        reopt.solve(milp, policies=[VALUE_CAP], solver=solver)
