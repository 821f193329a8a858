"""Floors set aside: the greedy plan for the caps alone, and HiGHS from it where a floor binds.

`reopt.backends.relaxed`, through the default back end. Every answer is checked against
HiGHS on the whole program and as a certificate of its own duals.
"""

from __future__ import annotations

import numpy as np
import pytest
from certificates import assert_certificate
from conftest import demand_table, offers_table, three_product_rows
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import MIN_FEASIBLE_CAP, cases

import reopt
import reopt.backends.relaxed as relaxed
import reopt.backends.split as split
from reopt.backends.auto import method_for
from reopt.backends.highs import HIGHS


@pytest.fixture(autouse=True)
def small_programs_too(monkeypatch):
    """Small markets take the path here (it starts at `RELAX_FROM_COLUMNS` columns)."""
    monkeypatch.setattr(relaxed, "RELAX_FROM_COLUMNS", 0)


def three_products() -> reopt.Market:
    """Three products, each: China at 10 $/kg, Australia 60 t at 20, a recycler 30 t at 25."""
    demand = demand_table([("A", 100.0), ("B", 80.0), ("C", 50.0)])
    return reopt.Market(offers_table(three_product_rows()), demand)


def both(market, policies, **kwargs):
    auto = reopt.solve(market, policies=policies, **kwargs)
    whole = reopt.solve(market, policies=policies, solver="highs")
    return auto, whole


def test_floors_the_plan_for_the_caps_meets_need_no_lp_solver(monkeypatch):
    """Under a 30% China cap, A's 100 t take China's 30, Australia's 60 (20 $/kg) and 10
    from the recycler (25 $/kg): a 5% recycled floor on A holds without being asked."""
    market = three_products()
    policies = [
        reopt.cap_share(0.3, country="CN"),
        reopt.min_share(0.05, kind="recycler", product="A"),
    ]
    whole = reopt.solve(market, policies=policies, solver="highs")

    def no_solver(*args, **kwargs):
        raise AssertionError("an LP solver ran")

    monkeypatch.setattr(relaxed, "warm_highs", no_solver)
    monkeypatch.setattr(HIGHS, "solve", no_solver)
    auto = reopt.solve(market, policies=policies)
    assert auto.is_optimal and auto.cost_usd == pytest.approx(whole.cost_usd, rel=1e-12)
    assert set(auto.methods["method"]) == {"relaxed"}
    assert auto.notes[0].endswith(
        "with its floors set aside, each product's caps nest; the greedy plan for the rest "
        "met them all"
    )
    method, why = method_for(auto.lp, reopt.SolverOptions())
    assert (method, why) == ("relaxed", "with its floors set aside, each product's caps nest")
    assert_certificate(auto)
    floor = auto.lp.rows_of(1)
    np.testing.assert_array_equal(auto.solution.row_dual[floor], 0.0)  # they do not bind


def test_a_floor_that_binds_is_solved_by_highs_from_the_plan():
    """A 30% recycled floor under a 50% China cap: the plan for the cap buys no recycled
    tonnes (China and Australia suffice), so HiGHS moves it; same cost as HiGHS whole."""
    market = three_products()
    policies = [reopt.cap_share(0.5, country="CN"), reopt.min_share(0.3, kind="recycler")]
    auto, whole = both(market, policies)
    assert auto.is_optimal and auto.cost_usd == pytest.approx(whole.cost_usd, rel=1e-12)
    assert auto.notes[0] == (
        "solved by the greedy method with part of the program set aside: with its floors "
        "set aside, each product's caps nest; the greedy plan for the rest left one of them "
        "unmet, and HiGHS, started from it, solved the program"
    )
    assert_certificate(auto)
    floor = auto.lp.rows_of(1)
    assert (auto.solution.row_dual[floor] > 0).all()  # now they bind


def test_highs_from_the_plan_needs_fewer_pivots_than_from_scratch():
    market = reopt.datasets.japan_2025()
    policies = [
        reopt.cap_share(0.6, country="CN"),
        reopt.min_share(0.1, kind="recycler", product="Dy oxide"),
    ]
    lp = reopt.compile(market, policies)
    floors = relaxed.floor_rows(lp)
    free = np.full(len(floors), np.inf)
    loose = lp.with_row_bounds(floors, lower=-free, upper=free)
    plan = reopt.backends.greedy.solve_greedy(loose, reopt.backends.greedy.greedy_structure(loose))
    simplex = reopt.SolverOptions(method="simplex")
    warm = relaxed.warm_highs(lp, plan.x, plan.row_dual, simplex)
    cold = HIGHS.solve(lp, simplex)
    assert warm.status is cold.status is reopt.Status.OPTIMAL
    assert warm.objective == pytest.approx(cold.objective, rel=1e-12)
    assert warm.iterations < cold.iterations


def test_only_the_parts_whose_floor_binds_go_to_highs(monkeypatch):
    monkeypatch.setattr(split, "SPLIT_FROM_COLUMNS", 0)
    market = three_products()
    policies = [
        reopt.cap_share(0.5, country="CN"),
        reopt.min_share(0.3, kind="recycler", product="A"),  # binds in A alone
        reopt.min_share(0.1, country="AU"),  # holds everywhere
    ]
    for threads in (None, 2):
        options = reopt.SolverOptions(threads=threads)
        auto, whole = both(market, policies, options=options)
        assert auto.cost_usd == pytest.approx(whole.cost_usd, rel=1e-12)
        assert auto.notes[0].endswith(
            "met them in 2 of 3 parts (products, periods), and HiGHS, started from it, "
            "solved the other 1"
        )
        assert_certificate(auto)


def test_floors_that_cannot_hold_are_infeasible_through_highs():
    market = three_products()
    policies = [reopt.min_share(0.5, kind="recycler")]  # 30 t of 100: no
    auto, whole = both(market, policies)
    assert auto.status is whole.status is reopt.Status.INFEASIBLE


def test_the_time_limit_holds_from_the_plan(monkeypatch):
    monkeypatch.setattr(split, "SPLIT_FROM_COLUMNS", 0)
    market = three_products()
    policies = [reopt.cap_share(0.5, country="CN"), reopt.min_share(0.3, kind="recycler")]
    options = reopt.SolverOptions(time_limit_s=1e-9)
    plan = reopt.solve(market, policies=policies, options=options)
    assert plan.status is reopt.Status.TIME_LIMIT


def test_small_programs_go_to_highs_whole(monkeypatch):
    monkeypatch.setattr(relaxed, "RELAX_FROM_COLUMNS", 10)  # three_products has 9 columns
    market = three_products()
    policies = [reopt.cap_share(0.5, country="CN"), reopt.min_share(0.3, kind="recycler")]
    plan = reopt.solve(market, policies=policies)
    assert plan.notes[0].startswith("solved by HiGHS: a general LP: a floor")


def test_caps_that_cross_are_set_aside_policy_by_policy():
    """Two caps on A that cross: the second is set aside (the first stays); under a 70%
    cap on China and Australia together, A's plan buys 60 t from Australia and 30 from
    Japan, which breaks a 70% cap on Australia and Japan together: HiGHS moves it."""
    market = three_products()
    first = reopt.cap_share(0.7, country=["CN", "AU"], product="A")
    second = reopt.cap_share(0.7, country=["AU", "JP"], product="A")
    policies = [first, second, reopt.min_share(0.05, kind="recycler", product="A")]
    found = relaxed.relaxation(reopt.compile(market, policies))
    assert found is not None and found.aside == f"its floors and {second!r}"
    auto, whole = both(market, policies)
    assert auto.cost_usd == pytest.approx(whole.cost_usd, rel=1e-12)
    assert auto.notes[0].startswith(
        "solved by the greedy method with part of the program set aside: with its floors "
        f"and {second!r} set aside, each product's caps nest"
    )
    assert_certificate(auto)


def test_the_note_speaks_of_stock_only_where_stock_was_held():
    """A policy set aside whose words hold "stock" (a source named so) is still a row set
    aside: the note says the plan met it, not that it was optimal with the stock held."""
    rows = [(s.replace("au_", "stockyard_"), *rest) for s, *rest in three_product_rows()]
    market = reopt.Market(
        offers_table(rows), demand_table([("A", 100.0), ("B", 80.0), ("C", 50.0)])
    )
    first = reopt.cap_share(0.7, country=["CN", "AU"], product="A")
    second = reopt.cap_share(0.7, source=["stockyard_A", "rc_A"], product="A")
    policies = [first, second, reopt.min_share(0.05, kind="recycler", product="A")]
    auto, whole = both(market, policies)
    assert "stock" in repr(second)
    assert auto.cost_usd == pytest.approx(whole.cost_usd, rel=1e-12)
    assert auto.notes[0].endswith("the greedy plan for the rest met them all")


def test_what_cannot_be_made_to_nest_is_not_its_own():
    market = three_products()
    caps = reopt.compile(market, [reopt.cap_share(0.5, country="CN")])
    assert relaxed.relaxation(caps) is None  # nothing to set aside
    assert relaxed.solve_relaxed(caps, reopt.SolverOptions()) is None
    by_value = reopt.compile(
        market,
        [reopt.cap_share(0.5, country="CN", basis="value"), reopt.min_share(0.1, kind="recycler")],
    )
    assert relaxed.relaxation(by_value) is None  # the first policy stays, and does not nest


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    case=cases(),
    cap=st.floats(MIN_FEASIBLE_CAP, 1.0),
    each=st.floats(0.7, 1.0),
    floor=st.floats(0.0, 0.4),
    data=st.data(),
    parts=st.booleans(),
    crossing=st.sampled_from([None, 0.7, 1.0]),
)
def test_rows_set_aside_agree_with_highs_whole(case, cap, each, floor, data, parts, crossing):
    """Nested caps (China inside a cap on every country, both inside a cap on China and
    Australia), a floor on a kind of source, and (``crossing``) a cap on Australia and
    Vietnam together, which crosses the China-and-Australia cap."""
    kind = data.draw(st.sampled_from(sorted(set(case.offers["kind"]))))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(relaxed, "RELAX_FROM_COLUMNS", 0)
        if parts:
            patch.setattr(split, "SPLIT_FROM_COLUMNS", 0)
        policies = [
            reopt.cap_share(cap, country="CN"),
            reopt.cap_share(each, each="country"),
            reopt.min_share(floor, kind=kind),
            reopt.cap_share(1.0, country=["CN", "AU"]),
        ]
        if crossing is not None:
            policies.append(reopt.cap_share(crossing, country=["AU", "VN"]))
        auto, whole = both(case.market, policies)
    assert auto.status is whole.status
    if whole.is_optimal:
        assert auto.cost_usd == pytest.approx(whole.cost_usd, rel=1e-9, abs=1e-9)
        assert_certificate(auto)
        # the answer passed reopt's check as it came, with no second solve behind it
        assert not any("failed reopt's check" in note for note in auto.notes), auto.notes
