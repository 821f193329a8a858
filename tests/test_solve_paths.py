"""The shortcuts of a large solve: the price sort on a second thread, the labels of the
program's parts, entry rows shared with the scaled program, one row activity for both checks.

Each must give what the long way gives; these tests hold them to it.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import reopt
import reopt.backends.ordering as ordering
from reopt.backends.ordering import (
    SORT_BESIDE_FROM_COLUMNS,
    Background,
    node_codes,
    price_order,
    price_order_beside,
    run_codes,
)
from reopt.model.parts import components
from reopt.model.program import RowFamily
from reopt.model.scaling import scaling_for
from reopt.results.verify import optimality_violations, row_activity, violations


@pytest.fixture(scope="module")
def large_market() -> reopt.Market:
    """A synthetic market with more columns than `SORT_BESIDE_FROM_COLUMNS`."""
    return reopt.datasets.synthetic(SORT_BESIDE_FROM_COLUMNS + 5_000, seed=11)


def test_the_sort_beside_gives_the_order_of_the_sort_here():
    cost = np.random.default_rng(3).integers(0, 50, SORT_BESIDE_FROM_COLUMNS).astype(float)
    pending = price_order_beside(cost, None)
    assert pending is not None
    assert np.array_equal(pending.result(), price_order(cost))


@pytest.mark.parametrize(("n", "threads"), [(SORT_BESIDE_FROM_COLUMNS - 1, None), (10**5, 1)])
def test_small_programs_and_one_thread_sort_where_the_order_is_needed(n, threads):
    assert price_order_beside(np.zeros(n), threads) is None


def test_an_error_on_the_second_thread_reaches_the_caller():
    def fails() -> None:
        raise ValueError("on the second thread")

    with pytest.raises(ValueError, match="on the second thread"):
        Background(fails).result()


@pytest.mark.parametrize(
    ("policies", "method"),
    [
        ([reopt.cap_share(0.6, country="CN"), reopt.cap_share(0.7, each="country")], "greedy"),
        ([reopt.cap_share(0.6, country="CN"), reopt.min_share(0.05, kind="recycler")], "relaxed"),
    ],
    ids=["caps", "a floor"],
)
def test_one_thread_and_two_give_the_same_plan_bit_for_bit(large_market, policies, method):
    two = reopt.solve(large_market, policies=policies)
    one = reopt.solve(large_market, policies=policies, options=reopt.SolverOptions(threads=1))
    assert two.status is reopt.Status.OPTIMAL
    assert two.methods["method"].eq(method).all()
    for name in ("x", "row_dual", "col_dual"):
        assert np.array_equal(getattr(two.solution, name), getattr(one.solution, name))
    assert two.cost_usd == one.cost_usd


def _components_by_union(lp: reopt.LinearProgram) -> np.ndarray:
    """Column labels by union-find, the smallest column of each part as its label."""
    parent = list(range(lp.n_cols))

    def find(j: int) -> int:
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    for i in range(lp.n_rows):
        cols = lp.col_index[lp.row_start[i] : lp.row_start[i + 1]]
        for a, b in itertools.pairwise(cols):
            ra, rb = find(int(a)), find(int(b))
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(j) for j in range(lp.n_cols)])


@st.composite
def sparse_programs(draw: st.DrawFn) -> reopt.LinearProgram:
    """Programs whose rows link columns in chains, stars and strays (many label rounds)."""
    n_cols = draw(st.integers(1, 30))
    rows = draw(
        st.lists(
            st.lists(st.integers(0, n_cols - 1), min_size=0, max_size=5, unique=True), max_size=25
        )
    )
    if draw(st.booleans()):  # a chain from the last column down: labels travel far
        rows += [[j, j - 1] for j in range(n_cols - 1, 0, -1)][: draw(st.integers(0, n_cols))]
    return _ones_program([sorted(r) for r in rows], n_cols)


def _ones_program(rows: list[list[int]], n_cols: int) -> reopt.LinearProgram:
    """A program whose rows hold the columns listed, each entry 1."""
    starts = np.cumsum([0] + [len(r) for r in rows])
    index = np.array([j for r in rows for j in r], dtype=np.int64)
    return reopt.LinearProgram.from_arrays(
        cost=np.ones(n_cols),
        col_lower=np.zeros(n_cols),
        col_upper=np.ones(n_cols),
        row_lower=np.zeros(len(rows)),
        row_upper=np.ones(len(rows)),
        row_start=starts,
        col_index=index,
        value=np.ones(len(index)),
    )


@st.composite
def programs_with_demand_rows(draw: st.DrawFn) -> reopt.LinearProgram:
    """`sparse_programs` below demand rows that hold each column once, or nearly so.

    The demand rows come first (a market's order) or last; a column may be left out of
    them or named in two, so that their labels cannot be a start.
    """
    other = draw(sparse_programs())
    n_cols = other.n_cols
    group = draw(st.lists(st.integers(0, 3), min_size=n_cols, max_size=n_cols))
    demand_rows = [sorted(j for j in range(n_cols) if group[j] == g) for g in range(4)]
    demand_rows = [r for r in demand_rows if r]
    flaw = draw(st.sampled_from(["none", "left out", "twice"]))
    if flaw == "left out" and len(demand_rows[0]) > 1:
        demand_rows[0] = demand_rows[0][1:]
    elif flaw == "twice" and len(demand_rows) > 1:
        demand_rows[1] = sorted({*demand_rows[1], demand_rows[0][0]})
    rows = [
        list(other.col_index[other.row_start[i] : other.row_start[i + 1]])
        for i in range(other.n_rows)
    ]
    first = draw(st.booleans())
    rows = demand_rows + rows if first else rows + demand_rows
    lp = _ones_program(rows, n_cols)
    family = lp.row_family.copy()
    at = slice(0, len(demand_rows)) if first else slice(len(rows) - len(demand_rows), None)
    family[at] = RowFamily.DEMAND
    return replace(lp, row_labels=dict(lp.row_labels) | {"family": family})


@settings(max_examples=300, deadline=None)
@given(st.one_of(sparse_programs(), programs_with_demand_rows()))
def test_the_parts_of_a_program_are_its_connected_components(lp):
    # (from demand rows, labels start as each demand row's smallest column)
    col_label, row_label = components(lp)
    assert np.array_equal(col_label, _components_by_union(lp))
    filled = np.diff(lp.row_start) > 0
    first_col = lp.col_index[lp.row_start[:-1][filled]]
    assert np.array_equal(row_label[filled], col_label[first_col])
    assert (row_label[~filled] == -1).all()


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 40), st.integers(1, 300), st.data())
def test_codes_from_whole_rows_are_the_codes_from_each_entrys_row(n_cols, n_rows, data):
    # whole rows of a CSR matrix, each column in at most one: codes by runs, none looked up
    k = data.draw(st.integers(1, min(n_rows, n_cols)))
    owner = np.array(sorted(data.draw(st.sets(st.integers(0, n_rows - 1), min_size=k, max_size=k))))
    lengths = np.array(data.draw(st.lists(st.integers(1, 5), min_size=k, max_size=k)))
    assume(lengths.sum() <= n_cols)
    cols = np.array(data.draw(st.permutations(range(n_cols)))[: lengths.sum()], dtype=np.int32)
    by_runs = run_codes(owner, lengths, cols, n_cols)
    by_entries = node_codes(np.repeat(owner, lengths), cols, n_rows, n_cols)
    for a, b in zip(by_runs, by_entries, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_the_scaled_program_shares_entry_rows_and_zero_lower_bounds(large_market):
    lp = reopt.compile(large_market, [reopt.cap_share(0.6, country="CN")])
    known = lp.entry_row  # worked out before the scaling: the scaled program shares it
    scaled = scaling_for(lp).apply(lp)
    assert scaled.entry_row is known
    assert scaled.col_lower is lp.col_lower and not lp.col_lower.any()
    recomputed = np.repeat(np.arange(lp.n_rows), np.diff(lp.row_start))
    assert np.array_equal(scaled.entry_row, recomputed)


def test_a_greedy_solve_and_its_check_make_no_entry_rows(large_market):
    # each entry's row's value is repeated from the rows (`LinearProgram.on_entries`): no
    # 64-bit row number per entry is made on the way from a market to a checked plan
    plan = reopt.solve(large_market, china_cap=0.6)
    assert plan.methods["method"].eq("greedy").all()
    assert "entry_row" not in plan.lp.__dict__
    y = np.arange(1.0, plan.lp.n_rows + 1.0)
    assert np.array_equal(plan.lp.on_entries(y), y[plan.lp.entry_row])


def test_lower_bounds_other_than_zero_are_scaled():
    lp = reopt.LinearProgram.from_arrays(
        cost=[1.0, 2.0],
        col_lower=[0.0, 4.0],
        col_upper=[10.0, 10.0],
        row_lower=[5.0],
        row_upper=[5.0],
        row_start=[0, 2],
        col_index=[0, 1],
        value=[1.0, 1.0],
    )
    scaled = lp.scaled(np.array([2.0, 2.0]), np.array([1.0]))
    assert scaled.col_lower.tolist() == [0.0, 2.0]


def test_a_dual_that_prices_a_missing_bound_is_refused():
    # x0 + x1 <= 4: a cap, no lower bound; x0 has no upper bound
    lp = reopt.LinearProgram.from_arrays(
        cost=[1.0, 1.0],
        col_lower=[0.0, 0.0],
        col_upper=[np.inf, 3.0],
        row_lower=[-np.inf],
        row_upper=[4.0],
        row_start=[0, 2],
        col_index=[0, 1],
        value=[1.0, 1.0],
    )
    x = np.zeros(2)
    assert not optimality_violations(lp, x, np.array([0.0]))  # reduced costs 1 at 0: optimal
    found = optimality_violations(lp, x, np.array([1.0]))  # prices the missing lower bound
    assert any("row 0: its dual has a sign no bound allows" in f for f in found)
    cheaper = lp.with_costs(np.array([-1.0, 1.0]))  # a reduced cost -1 prices x0's upper bound
    found = optimality_violations(cheaper, x, np.array([0.0]))
    assert any("column 0: its dual has a sign no bound allows" in f for f in found)


def test_a_shared_row_activity_gives_the_same_verdicts(large_market):
    plan = reopt.solve(large_market, china_cap=0.6)
    lp, s = plan.lp, plan.solution
    rows = row_activity(lp, s.x)
    objective = float(lp.cost @ s.x)
    assert violations(lp, s.x, objective) == violations(lp, s.x, objective, activity=rows)
    worse = s.x.copy()
    worse[np.flatnonzero(worse > 0)[:3]] *= 0.5  # short of demand, no longer optimal
    rows_worse = row_activity(lp, worse)
    assert violations(lp, worse, objective)
    assert violations(lp, worse, objective) == violations(lp, worse, objective, activity=rows_worse)
    assert optimality_violations(lp, worse, s.row_dual, s.col_dual) == optimality_violations(
        lp, worse, s.row_dual, s.col_dual, activity=rows_worse
    )


@pytest.mark.parametrize("n_rows", [0, 1])
def test_a_program_without_entries_is_solved_and_checked(n_rows):
    lp = reopt.LinearProgram.from_arrays(
        cost=[1.0, 2.0],
        col_lower=[0.0, 1.0],
        col_upper=[5.0, 5.0],
        row_lower=[0.0] * n_rows,
        row_upper=[0.0] * n_rows,
        row_start=[0] * (n_rows + 1),
        col_index=[],
        value=[],
    )
    assert optimality_violations(lp, np.array([0.0, 1.0]), np.zeros(n_rows)) == []
    for solver in ("auto", "highs"):
        answer = reopt.solve_lp(lp, solver=solver)
        assert answer.status is reopt.Status.OPTIMAL
        assert answer.objective == 2.0


@pytest.mark.parametrize("copy", ["with_costs", "with_col_bounds", "with_row_bounds"])
def test_copies_share_entry_rows_that_still_match(copy):
    lp = reopt.compile(reopt.datasets.synthetic(500, seed=2), [reopt.cap_share(0.6, country="CN")])
    rows = lp.entry_row
    new = {
        "with_costs": lambda: lp.with_costs(lp.cost * 2),
        "with_col_bounds": lambda: lp.with_col_bounds(np.array([0]), upper=1.0),
        "with_row_bounds": lambda: lp.with_row_bounds(np.array([0]), upper=1.0),
    }[copy]()
    assert new.entry_row is rows
    assert np.array_equal(new.entry_row, np.repeat(np.arange(new.n_rows), np.diff(new.row_start)))


def test_no_thread_outlives_a_solve_that_does_not_use_the_sort(monkeypatch):
    n = SORT_BESIDE_FROM_COLUMNS + 1_000
    lp = reopt.LinearProgram.from_arrays(  # a lower bound above 0: not greedy, no relaxation
        cost=np.random.default_rng(0).random(n),
        col_lower=np.full(n, 0.5 / n),
        col_upper=np.full(n, np.inf),
        row_lower=[1.0],
        row_upper=[1.0],
        row_start=[0, n],
        col_index=np.arange(n),
        value=np.ones(n),
    )
    gate = threading.Event()

    def held_sort(cost: np.ndarray) -> np.ndarray:
        gate.wait(timeout=30)  # a sort that ends only when the gate opens
        return price_order(cost)

    monkeypatch.setattr(ordering, "price_order", held_sort)
    opener = threading.Timer(0.2, gate.set)
    opener.start()
    answer = reopt.solve_lp(lp)
    assert answer.status is reopt.Status.OPTIMAL
    assert gate.is_set()  # the solve waited for the sort it did not need
    assert not [t for t in threading.enumerate() if t.name == "reopt-background"]
    opener.join()


def test_default_threads_and_one_give_the_same_plan_with_stock():
    market = reopt.datasets.synthetic(SORT_BESIDE_FROM_COLUMNS + 5_000, seed=5, n_periods=3)
    stock = pd.DataFrame(
        {
            "product": market.demand["product"].unique(),
            "initial_t": 0.0,
            "min_t": 1.0,
            "max_t": 1e9,
            "holding_usd_per_kg": 0.5,
        }
    )
    market = market.replace(stock=stock)
    two = reopt.solve(market, china_cap=0.6)
    one = reopt.solve(market, china_cap=0.6, options=reopt.SolverOptions(threads=1))
    assert two.status is reopt.Status.OPTIMAL
    assert two.methods["method"].eq("relaxed").all()
    for name in ("x", "row_dual", "col_dual"):
        assert np.array_equal(getattr(two.solution, name), getattr(one.solution, name))


def test_many_blocks_and_columns_in_no_block_agree_with_highs():
    """300 blocks (node codes wider than a byte), each with a cap over two of its three
    offers and a column in no block inside the cap of every tenth."""
    rng = np.random.default_rng(8)
    n_blocks = 300
    cost = list(rng.uniform(1.0, 9.0, 3 * n_blocks)) + [0.5] * (n_blocks // 10)
    starts, index, lower, upper = [0], [], [], []
    for b in range(n_blocks):
        index += [3 * b, 3 * b + 1, 3 * b + 2]
        starts.append(len(index))
        lower.append(1.0)
        upper.append(1.0)
    for b in range(n_blocks):
        index += [3 * b, 3 * b + 1]
        if b % 10 == 0:
            index.append(3 * n_blocks + b // 10)
        starts.append(len(index))
        lower.append(-np.inf)
        upper.append(0.6)
    n = len(cost)
    lp = reopt.LinearProgram.from_arrays(
        cost=cost,
        col_lower=np.zeros(n),
        col_upper=np.full(n, 0.7),
        row_lower=lower,
        row_upper=upper,
        row_start=starts,
        col_index=index,
        value=np.ones(len(index)),
    )
    auto = reopt.solve_lp(lp, solver="auto")
    highs = reopt.solve_lp(lp, solver="highs")
    assert auto.settings["method"] == "greedy"
    assert auto.objective == pytest.approx(highs.objective, rel=1e-12)


@pytest.mark.parametrize("solver", reopt.available_solvers())
@pytest.mark.parametrize(
    ("lower", "upper", "status"),
    [([0.0], [1.0], "optimal"), ([1.0], [2.0], "infeasible"), ([], [], "optimal")],
    ids=["a row that holds at 0", "a row that cannot", "no rows"],
)
def test_a_program_without_columns_has_one_answer_on_every_back_end(solver, lower, upper, status):
    lp = reopt.LinearProgram.from_arrays(
        cost=[],
        col_lower=[],
        col_upper=[],
        row_lower=lower,
        row_upper=upper,
        row_start=[0] * (len(lower) + 1),
        col_index=[],
        value=[],
        objective_offset=2.5,
    )
    answer = reopt.solve_lp(lp, solver=solver)
    assert answer.status.value == status
    if status == "optimal":
        assert answer.objective == 2.5
        assert answer.x is not None and len(answer.x) == 0


@pytest.mark.parametrize("solver", ["cbc", "glpk"])
def test_a_back_end_asked_for_a_method_is_its_own_method(solver):
    """A PuLP back end records the simplex or interior point it was asked for as its
    ``method`` setting; that is not ``"auto"``'s choice, and no note says "solved by simplex"."""
    plan = reopt.solve(
        reopt.datasets.japan_2025(),
        china_cap=0.6,
        solver=solver,
        options=reopt.SolverOptions(method="simplex"),
    )
    assert plan.status is reopt.Status.OPTIMAL
    assert not any(note.startswith("solved by") for note in plan.notes)
    assert plan.methods["method"].eq(solver).all()
    assert plan.methods["reason"].eq(f"solver={solver!r} was chosen").all()
