"""A general LP in independent parts, each solved by itself (`reopt.backends.split`).

The threshold (`SPLIT_FROM_COLUMNS`) is lowered here so that small markets take the path;
each answer goes through reopt's numpy check of the whole program like any other.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from certificates import assert_certificate
from conftest import demand_table, offers_table, three_product_rows
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import MIN_FEASIBLE_CAP, cases

import reopt
import reopt.backends.split as split
from reopt.backends.split import blocks_of, sub_program


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(split, "SPLIT_FROM_COLUMNS", 0)


def three_products() -> reopt.Market:
    """Three products; offers of a fourth that nobody demands (columns in no row)."""
    rows = [*three_product_rows(), ("cn_D", "D", "CN", "refinery", 50.0, 5.0)]
    with pytest.warns(reopt.ReoptWarning, match="nobody demands"):
        return reopt.Market(
            offers_table(rows), demand_table([("A", 100.0), ("B", 80.0), ("C", 50.0)])
        )


#: Two caps on product A that cross (neither holds the other): no greedy method for A, even
#: with its floors set aside.
CROSSING = [
    reopt.cap_share(0.7, country=["CN", "AU"], product="A"),
    reopt.cap_share(0.7, country=["AU", "JP"], product="A"),
]


def test_parts_are_the_products(small_parts):
    market = three_products()
    lp = reopt.compile(market, [reopt.min_share(0.2, kind="recycler", product="A")])
    blocks = blocks_of(lp)
    assert blocks is not None and len(blocks) == 3
    for rows, cols in blocks:
        part = sub_program(lp, rows, cols)
        products = {market.offers["product"][c] for c in cols if c < lp.n_offers}
        assert len(products) == 1 and part.n_rows == len(rows)


def test_crossing_caps_on_one_product_leave_the_others_to_the_greedy_method(small_parts):
    market = three_products()
    policies = [reopt.cap_share(0.5, country="CN"), *CROSSING]
    auto = reopt.solve(market, policies=policies)
    highs = reopt.solve(market, policies=policies, solver="highs")
    assert auto.is_optimal and auto.cost_usd == pytest.approx(highs.cost_usd, rel=1e-12)
    assert auto.notes[0] == (
        "solved by independent parts: a general LP in 3 independent parts (products, "
        "periods): 2 by the greedy method, 1 by HiGHS"
    )
    assert set(auto.methods["method"]) == {"split"}
    assert_certificate(auto)
    # the offers nobody demands are not bought, at their cost as reduced cost
    d = market.offers.index[market.offers["product"] == "D"][0]
    assert auto.solution.x[d] == 0.0 and auto.solution.col_dual[d] == pytest.approx(5000.0)


def test_an_infeasible_part_sends_the_whole_to_highs(small_parts):
    market = three_products()
    policies = [reopt.min_share(0.9, kind="recycler", product="B")]  # 30 t of 80: no
    plan = reopt.solve(market, policies=policies)
    assert plan.status is reopt.Status.INFEASIBLE
    assert "solved by HiGHS" in plan.notes[0]


def test_small_programs_are_solved_whole():
    market = three_products()
    plan = reopt.solve(market, policies=CROSSING)
    assert plan.notes[0].startswith("solved by HiGHS: a general LP")


def test_the_time_limit_is_the_whole_solves(small_parts):
    market = three_products()
    policies = CROSSING
    plan = reopt.solve(market, policies=policies, options=reopt.SolverOptions(time_limit_s=60))
    assert plan.is_optimal and plan.notes[0].startswith("solved by independent parts")
    plan = reopt.solve(market, policies=policies, options=reopt.SolverOptions(time_limit_s=1e-9))
    assert plan.status is reopt.Status.TIME_LIMIT
    assert plan.solution.raw_status.startswith("time limit reached in part")


@settings(max_examples=30, deadline=None, derandomize=True)
@given(case=cases(), cap=st.floats(MIN_FEASIBLE_CAP, 1.0), floor=st.floats(0.0, 0.3))
def test_parts_agree_with_highs_whole(case, cap, floor):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(split, "SPLIT_FROM_COLUMNS", 0)
        market = case.market
        product = sorted(case.demand["product"])[0]
        policies = [  # the caps cross where VN sells too: HiGHS for that product
            reopt.cap_share(cap, country="CN"),
            reopt.min_share(floor, country="AU", product=product),
            reopt.cap_share(0.9, country=["CN", "AU"], product=product),
            reopt.cap_share(0.9, country=["AU", "VN"], product=product),
        ]
        auto = reopt.solve(market, policies=policies)
        highs = reopt.solve(market, policies=policies, solver="highs")
    assert auto.status is highs.status
    if highs.is_optimal:
        assert auto.cost_usd == pytest.approx(highs.cost_usd, rel=1e-9, abs=1e-9)
        assert_certificate(auto)
        assert np.isfinite(auto.solution.row_dual).all()


def test_a_floor_on_nothing_is_infeasible_whole(small_parts):
    market = three_products()
    policies = [reopt.min_share(0.1, country="US", product="A")]  # no US offer of A
    plan = reopt.solve(market, policies=policies)
    assert plan.status is reopt.Status.INFEASIBLE


def test_parts_are_solved_at_once_on_threads_with_the_serial_answer(small_parts):
    """``threads=2``: two parts run at the same time (a barrier only two threads pass), and
    the answer is the one part-by-part solve's, value for value."""
    market = three_products()
    policies = [reopt.cap_share(0.5, country="CN"), *CROSSING]
    serial = reopt.solve(market, policies=policies)
    parallel = reopt.solve(market, policies=policies, options=reopt.SolverOptions(threads=2))
    assert parallel.notes == serial.notes
    np.testing.assert_array_equal(parallel.solution.x, serial.solution.x)
    np.testing.assert_array_equal(parallel.solution.row_dual, serial.solution.row_dual)
    assert_certificate(parallel)

    lp = reopt.compile(market, policies)
    blocks = blocks_of(lp)
    assert blocks is not None
    both = threading.Barrier(2, timeout=10)
    seen = set()

    def solve_one(part):
        if len(seen) < 2:
            seen.add(threading.get_ident())
            both.wait()  # broken (an error) if the other part is not running meanwhile
        return reopt.backends.highs.HIGHS.solve(part, reopt.SolverOptions()), "highs"

    found = split.solve_by_blocks(lp, blocks, solve_one, workers=2)
    assert found is not None and found[1] == {"highs": 3} and len(seen) == 2


def test_a_part_out_of_time_stops_the_parallel_solve(small_parts):
    market = three_products()
    options = reopt.SolverOptions(time_limit_s=1e-9, threads=2)
    plan = reopt.solve(market, policies=CROSSING, options=options)
    assert plan.status is reopt.Status.TIME_LIMIT
    assert plan.solution.raw_status.startswith("time limit reached in part")
