"""Arithmetic done in place, with fewer temporaries, gives the plain formulas' results.

The check, the scaling, the parts of a program, the products with the matrix and the
greedy method's row test work in place (fresh memory costs more than the sums at 200,000
offers). Each is held here to the plain, out-of-place formula written out once more, bit
for bit; and `Scaling.scale` hands back the very arrays `Scaling.unscale` was given.
"""

from __future__ import annotations

import dataclasses
import pickle
from unittest import mock

import numpy as np
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

import reopt
from reopt.backends.greedy import GreedyStructure, greedy_structure
from reopt.backends.highs import solve_highs
from reopt.model.blocks import row_entries
from reopt.model.parts import components
from reopt.model.program import LinearProgram, RowFamily
from reopt.model.scaling import BOUND_REACH, SMALLEST_SCALED, Scaling, scaling_for
from reopt.results import array_check, slacks, verify
from reopt.results.array_check import ArrayCheck
from reopt.results.sizes import column_money, column_money_at, largest_column_money
from reopt.results.verify import (
    OPTIMALITY_FLOOR,
    OPTIMALITY_RTOL,
    REACH_RTOL,
    SHOWN,
    optimality_violations,
    row_activity,
    row_max,
)
from reopt.vectors import row_reduce, row_sums


# --- the plain formulas ------------------------------------------------------------------------
def plain_slacks(value, lower, upper, dual, tol, sign_tol, floor, size):
    positive = np.maximum(dual, 0.0)
    negative = positive - dual
    astray = np.zeros(len(value), dtype=bool)
    gap = np.zeros(len(value))
    sides = ((lower, value - lower, positive), (upper, upper - value, negative))
    for bound, distance, part in sides:
        distance = np.where(np.isfinite(bound), distance, np.inf)
        astray |= (part > sign_tol) & (distance > REACH_RTOL * size)
        distance = np.where(np.isfinite(bound), distance, 0.0)
        gap += np.maximum(distance, 0.0) * np.where(part > floor, part, 0.0)
    gap[astray] = np.inf
    return astray, gap


def plain_row_terms(lp, terms):
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        per_entry = np.where(lp.value == 0, 0.0, terms[lp.col_index] / np.abs(lp.value))
    return row_max(lp, per_entry)


def plain_optimality(lp, x, y, col_dual):
    entry_y = lp.value * y[lp.entry_row]
    d = lp.cost - np.bincount(lp.col_index, weights=entry_y, minlength=lp.n_cols)
    terms = np.abs(lp.cost) + np.bincount(
        lp.col_index, weights=np.abs(entry_y), minlength=lp.n_cols
    )
    found = []
    if col_dual is not None:
        tol = OPTIMALITY_RTOL * terms + OPTIMALITY_FLOOR
        for j in np.flatnonzero(np.abs(col_dual - d) > tol)[:SHOWN]:
            found.append(
                f"column {j}: reported reduced cost {col_dual[j]:.6g} is not c - A^T y = {d[j]:.6g}"
            )
    # a row's money: of its columns in play, or of all of them where none is
    row_terms = plain_row_terms(lp, np.where(x != 0, terms, 0.0))
    row_terms = np.where(row_terms == 0, plain_row_terms(lp, terms), row_terms)
    # a column's floor: of the largest row money times |a_ij| over its rows; each at most 1
    col_money = np.zeros(lp.n_cols)
    for i, j, a in zip(lp.entry_row, lp.col_index, lp.value, strict=True):
        col_money[j] = max(col_money[j], row_terms[i] * abs(a))
    col_floor = OPTIMALITY_FLOOR * np.minimum(col_money, 1.0)
    row_floor_ = OPTIMALITY_FLOOR * np.minimum(row_terms, 1.0)
    largest = max(1.0, np.abs(x).max(initial=0.0))
    col_slack = plain_slacks(
        x,
        lp.col_lower,
        lp.col_upper,
        d,
        OPTIMALITY_RTOL * terms + col_floor,
        OPTIMALITY_RTOL * terms + col_floor / largest,
        col_floor,
        np.maximum(1.0, np.abs(x)),
    )
    ax = row_sums(lp.row_start, lp.value * x[lp.col_index])
    size = row_sums(lp.row_start, np.abs(lp.value * x[lp.col_index]))
    for bound in (lp.row_lower, lp.row_upper):
        size = np.maximum(size, np.where(np.isfinite(bound), np.abs(bound), 0.0))
    row_size = np.maximum(1.0, size)
    row_slack = plain_slacks(
        ax,
        lp.row_lower,
        lp.row_upper,
        y,
        OPTIMALITY_RTOL * row_terms + row_floor_,
        OPTIMALITY_RTOL * row_terms + row_floor_ / largest,
        row_floor_,
        row_size,
    )
    for what, (infeasible, gap), money, floor in (
        ("column", col_slack, terms * np.maximum(1.0, np.abs(x)), col_floor),
        ("row", row_slack, row_terms * row_size, row_floor_),
    ):
        for k in np.flatnonzero(infeasible)[:SHOWN]:
            found.append(
                f"{what} {k}: its dual has a sign no bound allows where it stands (dual infeasible)"
            )
        loose = gap > OPTIMALITY_RTOL * money + floor
        for k in np.flatnonzero(loose & ~infeasible)[:SHOWN]:
            found.append(
                f"{what} {k}: a nonzero dual away from its bound (complementary slack "
                f"{gap[k]:.3g} USD against {money[k]:.3g})"
            )
    total_gap = float(col_slack[1].sum() + row_slack[1].sum())
    scale = float(np.abs(lp.cost * x).sum() + (np.abs(y) * row_size).sum())
    total_floor = max(col_floor.max(initial=0.0), row_floor_.max(initial=0.0))
    if total_gap > OPTIMALITY_RTOL * scale + total_floor and not found:
        found.append(f"duality gap {total_gap:.6g} USD against {scale:.6g}")
    return found


def plain_components(lp):
    col_label = np.arange(lp.n_cols)
    filled = np.diff(lp.row_start) > 0
    starts = lp.row_start[:-1][filled]
    lengths = np.diff(lp.row_start)[filled]
    entry_label = lp.col_index.astype(np.int64)
    while len(starts):
        row_min = np.minimum.reduceat(entry_label, starts)
        if (row_min == np.maximum.reduceat(entry_label, starts)).all():
            break
        new = col_label.copy()
        np.minimum.at(new, lp.col_index, np.repeat(row_min, lengths))
        col_label = new[new]
        entry_label = col_label[lp.col_index]
    return col_label


def plain_scaling(lp):
    """`scaling_for` for programs without value columns, out of place."""
    col = np.ones(lp.n_cols)
    rows = lp.entry_row
    in_demand = (lp.row_family == RowFamily.DEMAND)[rows]
    demand_t = np.abs(lp.row_lower[rows[in_demand]] / lp.value[in_demand])
    col[lp.col_index[in_demand]] = np.where(demand_t > 0, demand_t, 1.0)
    col[lp.integrality == 1] = 1.0
    magnitude = np.abs(lp.value * col[lp.col_index])
    entries = row_reduce(np.maximum, lp.row_start, magnitude)
    nonzero = np.where(magnitude > 0, magnitude, np.inf)
    reach = np.minimum(
        BOUND_REACH * entries, row_reduce(np.minimum, lp.row_start, nonzero) / SMALLEST_SCALED
    )
    largest = entries
    for bound in (lp.row_lower, lp.row_upper):
        size = np.where(np.isfinite(bound), np.abs(bound), 0.0)
        size = np.where(entries > 0, np.minimum(size, reach), size)
        largest = np.maximum(largest, size)
    row = 1.0 / np.where(largest > 0, largest, 1.0)
    col_label = plain_components(lp)
    top = np.zeros(lp.n_cols)
    np.maximum.at(top, col_label, np.abs(lp.cost * col))
    factor = 1.0 / np.where(top > 0, top, 1.0)
    return col, row, factor[col_label]


# --- programs to hold them to ------------------------------------------------------------------
@st.composite
def programs_and_points(draw: st.DrawFn):
    """Random sparse programs (infinite bounds, zero and negative entries) and a point, duals."""
    n_cols = draw(st.integers(1, 12))
    n_rows = draw(st.integers(0, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    rows = [np.flatnonzero(rng.random(n_cols) < 0.4) for _ in range(n_rows)]
    index = np.concatenate([r for r in rows] + [np.zeros(0, dtype=np.int64)]).astype(np.int64)
    starts = np.cumsum([0] + [len(r) for r in rows])

    def some(n, low=-5.0, high=5.0):
        values = np.round(rng.uniform(low, high, n), draw(st.integers(0, 3)))
        values[rng.random(n) < 0.2] = 0.0
        return values

    def bounds(n):
        lower, upper = np.sort(np.stack([some(n), some(n)]), axis=0)
        lower[rng.random(n) < 0.3] = -np.inf
        upper[rng.random(n) < 0.3] = np.inf
        return lower, upper

    col_lower, col_upper = bounds(n_cols)
    row_lower, row_upper = bounds(n_rows)
    # money of the floor's size in some programs: its rounding, not rtol, then decides
    tiny = draw(st.sampled_from([1.0, 1.0, 1e-13, 1e-15]))
    lp = LinearProgram.from_arrays(
        cost=some(n_cols) * tiny,
        col_lower=col_lower,
        col_upper=col_upper,
        row_lower=row_lower,
        row_upper=row_upper,
        row_start=starts,
        col_index=index,
        value=some(len(index)),
    )
    x = np.clip(some(n_cols), np.where(np.isfinite(col_lower), col_lower, -9), 9)
    y = some(n_rows) * tiny
    exact = draw(st.booleans())  # reduced costs as reported: the true ones, or spoilt
    col_dual = None if draw(st.booleans()) else lp.cost - lp.column_activity(y)
    if col_dual is not None and not exact:
        col_dual = col_dual + some(n_cols, -1e-3, 1e-3)
    return lp, x, y, col_dual


@settings(max_examples=300, deadline=None)
@given(programs_and_points())
def test_the_optimality_check_finds_what_the_plain_formulas_find(case):
    lp, x, y, col_dual = case
    assert optimality_violations(lp, x, y, col_dual) == plain_optimality(lp, x, y, col_dual)
    activity = row_activity(lp, x)
    assert optimality_violations(lp, x, y, col_dual, activity=activity) == plain_optimality(
        lp, x, y, col_dual
    )


@settings(max_examples=100, deadline=None)
@given(programs_and_points(), st.integers(1, 4))
def test_the_optimality_check_in_small_chunks_finds_what_the_plain_formulas_find(case, chunk):
    # chunks of 1-4 columns or rows: every program crosses chunk boundaries, and the values
    # at the bounds their duals point at are set aside first wherever there are more
    lp, x, y, col_dual = case
    with mock.patch.object(slacks, "CHUNK", chunk):
        found = optimality_violations(lp, x, y, col_dual)
    assert found == plain_optimality(lp, x, y, col_dual)


def test_the_optimality_check_refuses_reduced_costs_of_another_length():
    lp = reopt.compile(reopt.datasets.japan_2025(), [reopt.cap_share(0.6, country="CN")])
    x, y = np.zeros(lp.n_cols), np.zeros(lp.n_rows)
    for n in (lp.n_cols - 1, lp.n_cols + 1, 1):
        found = optimality_violations(lp, x, y, np.zeros(n))
        assert found == [f"the reduced costs are not {lp.n_cols} numbers"]


@pytest.mark.parametrize("in_play", [True, False])
def test_money_that_overflows_hides_no_finding_of_the_optimality_check(in_play):
    # a row's money of inf beside an entry of 0 (inf * 0) once made column 1's floor, and
    # the gap test's, NaN: column 1, at 5 between its bounds 0 and 10, has a reduced cost of 1
    lp = LinearProgram.from_arrays(
        cost=[-1.0, 1.0],
        col_lower=[0.0, 0.0],
        col_upper=[1.0, 10.0],
        row_lower=[-np.inf],
        row_upper=[10.0],
        row_start=[0, 2],
        col_index=[0, 1],
        value=[1e-310, 0.0],
    )
    found = optimality_violations(lp, np.array([1.0, 5.0]), np.zeros(1), in_play=in_play)
    assert found == [
        "column 1: its dual has a sign no bound allows where it stands (dual infeasible)"
    ]
    assert column_money(lp, np.array([np.inf])).tolist() == [np.inf, 0.0]
    assert column_money_at(lp, np.array([np.inf]), np.array([1])).tolist() == [0.0]
    # an unbought column's terms of inf (|y a| past 1.8e308) once made its row's money NaN
    lp = LinearProgram.from_arrays(
        cost=[1.0, 1.0],
        col_lower=[0.0, 0.0],
        col_upper=[np.inf, np.inf],
        row_lower=[-np.inf, 1.0],
        row_upper=[10.0, np.inf],
        row_start=[0, 2, 3],
        col_index=[0, 1, 0],
        value=[1.0, 1e10, 1.0],
    )
    found = optimality_violations(lp, np.array([1.0, 0.0]), np.array([1e300, 0.0]))
    assert any("dual infeasible" in line for line in found)


def test_the_optimality_check_takes_its_tolerance_as_a_0_d_array():
    lp = reopt.compile(reopt.datasets.japan_2025(), [reopt.cap_share(0.6, country="CN")])
    plan = reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6, solver="highs")
    x, y = plan.solution.x, plan.solution.row_dual
    assert optimality_violations(lp, x, y, rtol=np.array(1e-7)) == optimality_violations(
        lp, x, y, rtol=1e-7
    )


def test_row_entries_are_a_slice_for_one_run_of_rows_and_refuse_what_is_no_mask():
    lp = reopt.compile(reopt.datasets.japan_2025(), [reopt.cap_share(0.6, country="CN")])
    for family in (RowFamily.DEMAND, RowFamily.POLICY):
        marked = lp.row_family == family
        found = row_entries(lp.row_start, marked)
        assert isinstance(found, slice)
        assert np.array_equal(lp.entry_row[found], lp.entry_row[marked[lp.entry_row]])
    spread = np.zeros(lp.n_rows, dtype=bool)
    spread[[0, lp.n_rows - 1]] = True
    assert np.array_equal(row_entries(lp.row_start, spread), spread[lp.entry_row])
    for bad in (lp.family_rows(RowFamily.POLICY), spread[:-1]):  # positions; a short mask
        with pytest.raises(ValueError, match="boolean mask"):
            row_entries(lp.row_start, bad)


@settings(max_examples=200, deadline=None)
@given(programs_and_points(), st.data())
def test_a_columns_money_where_looked_at_is_its_money_among_all(case, data):
    lp, _, y, _ = case
    row_money = np.abs(y) * 10.0 ** data.draw(st.integers(-3, 3))
    every = column_money(lp, row_money)
    n = lp.n_cols
    cols = np.flatnonzero(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    assert np.array_equal(column_money_at(lp, row_money, cols), every[cols])
    assert largest_column_money(lp, row_money) == every.max(initial=0.0)


@settings(max_examples=200, deadline=None)
@given(programs_and_points())
def test_the_products_with_the_matrix_are_the_plain_ones(case):
    lp, x, y, _ = case
    assert np.array_equal(lp.row_activity(x), row_sums(lp.row_start, lp.value * x[lp.col_index]))
    plain = np.bincount(lp.col_index, weights=lp.value * y[lp.entry_row], minlength=lp.n_cols)
    assert np.array_equal(lp.column_activity(y), plain)
    assert np.array_equal(lp.on_entries(y), y[lp.entry_row])
    # integers in, floats out, as before
    assert lp.row_activity(np.ones(lp.n_cols, dtype=int)).dtype == np.float64
    col, row = np.abs(x) + 1.0, np.arange(1.0, lp.n_rows + 1.0)
    scaled = lp.scaled(col, row)
    assert np.array_equal(scaled.value, lp.value * col[lp.col_index] * row[lp.entry_row])
    assert np.array_equal(components(lp)[0], plain_components(lp))


def _without_demand_for_one_product() -> reopt.Market:
    market = reopt.datasets.japan_2025()
    demand = market.demand.copy()
    demand.loc[1, "demand_t"] = 0.0  # its offers keep a size of 1
    return reopt.Market(market.offers, demand)


MARKETS = [
    (reopt.datasets.japan_2025(), [reopt.cap_share(0.6, country="CN")]),
    (_without_demand_for_one_product(), [reopt.cap_share(0.6, country="CN")]),
    (reopt.datasets.japan_2025(), [reopt.min_share(0.1, kind="recycler")]),
    (reopt.datasets.synthetic(3_000, seed=4), [reopt.cap_share(0.5, country="CN")]),
    (reopt.datasets.synthetic(2_000, seed=9, n_periods=3), []),
]


@pytest.mark.parametrize(("market", "policies"), MARKETS)
def test_the_scaling_is_the_plain_one(market, policies):
    lp = reopt.compile(market, policies)
    col, row, col_cost = plain_scaling(lp)
    scaling = scaling_for(lp)
    assert np.array_equal(scaling.col, col)
    assert np.array_equal(scaling.row, row)
    assert np.array_equal(scaling.col_cost, col_cost)


# --- scale after unscale ------------------------------------------------------------------------
def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def test_scale_hands_back_a_back_ends_answer_unscale_was_given():
    lp = reopt.compile(reopt.datasets.japan_2025(), [reopt.cap_share(0.6, country="CN")])
    scaling = scaling_for(lp)
    rng = np.random.default_rng(1)
    x, y, d = (_frozen(rng.random(n)) for n in (lp.n_cols, lp.n_rows, lp.n_cols))
    ux, uy, ud = scaling.unscale(x, y, d)
    assert not any(a.flags.writeable for a in (ux, uy, ud))
    back = scaling.scale(ux, uy, ud)
    assert back[0] is x and back[1] is y and back[2] is d
    # an equal array that unscale did not return is computed, to rounding
    again = scaling.scale(ux.copy(), None, ud.copy())
    assert again[0] is not x and again[1] is None and again[2] is not d
    np.testing.assert_allclose(again[0], x, rtol=1e-15)
    np.testing.assert_allclose(again[2], d, rtol=1e-15)
    # only the last unscale is kept; a pickled scaling keeps none and works as before
    scaling.unscale(x, None, None)
    assert scaling.scale(None, uy, None)[1] is not y
    copy = pickle.loads(pickle.dumps(scaling))
    assert isinstance(copy, Scaling)
    np.testing.assert_allclose(copy.scale(ux, None, None)[0], x, rtol=1e-15)


def _square() -> Scaling:
    return Scaling(
        col=np.array([2.0, 4.0]), row=np.array([0.5, 3.0]), col_cost=np.ones(2), row_cost=np.ones(2)
    )


def test_unscale_changes_nothing_it_is_given_and_keeps_only_what_cannot_change():
    scaling = _square()
    writeable = np.array([1.0, 1.0])
    scaling.unscale(writeable, None, None)
    writeable[0] = 7.0  # the caller's array stays the caller's
    buffer = np.array([1.0, 1.0])
    view = _frozen(buffer[:])  # read-only, but its memory is written through another name
    made, _, _ = scaling.unscale(view, None, None)
    buffer[0] = 100.0
    assert scaling.scale(made, None, None)[0].tolist() == [1.0, 1.0]  # made / col, not the view
    ints = _frozen(np.array([1, 3]))
    made, _, _ = scaling.unscale(ints, None, None)
    assert scaling.scale(made, None, None)[0].dtype == np.float64


def test_an_array_is_handed_back_only_in_the_place_it_was_unscaled_in():
    scaling = _square()  # as many rows as columns: any place would take any array
    x, y = _frozen(np.array([1.0, 1.0])), _frozen(np.array([5.0, 5.0]))
    made_x, made_y, _ = scaling.unscale(x, y, None)
    assert scaling.scale(None, None, made_x)[2].tolist() == (made_x * [2.0, 4.0]).tolist()
    assert scaling.scale(made_y, None, None)[0].tolist() == (made_y / [2.0, 4.0]).tolist()
    assert scaling.scale(made_x, made_y, None)[0] is x


# --- the greedy method's test of a row's entries -----------------------------------------------
@pytest.mark.parametrize(
    ("entries", "greedy"),
    [
        ([2.0, 2.0, 2.0], True),
        ([2.0, 2.0 * (1 + 0.5e-12), 2.0 * (1 - 0.5e-12)], True),  # within 1e-12 of the first
        ([2.0, 2.0, 2.0 * (1 + 2e-12)], False),  # the largest too far
        ([2.0, 2.0 * (1 - 2e-12), 2.0], False),  # the smallest too far
        ([2.0, np.nan, 2.0], False),
        ([2.0, np.inf, 2.0], False),
    ],
)
def test_a_cap_is_one_number_times_a_sum_within_one_part_in_1e12(entries, greedy):
    n = len(entries)
    lp = LinearProgram.from_arrays(
        cost=np.arange(1.0, n + 1.0),
        col_lower=np.zeros(n),
        col_upper=np.full(n, 10.0),
        row_lower=[3.0, -np.inf],
        row_upper=[3.0, 8.0],
        row_start=[0, n, 2 * n],
        col_index=np.concatenate([np.arange(n), np.arange(n)]),
        value=np.ones(2 * n),
    )
    # (NaN and inf entries by hand: `from_arrays` refuses them)
    lp = dataclasses.replace(lp, value=np.concatenate([np.ones(n), entries]))
    found = greedy_structure(lp)
    if greedy:
        assert isinstance(found, GreedyStructure)
    else:
        assert found == "a row whose entries are not all one positive number"


@st.composite
def solved_programs(draw):
    """A feasible program with costs from 1 to 1e-16 of its largest, HiGHS's answer to it,
    and the answer's duals moved by noise of the floor's size (or not at all)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_rows, n_cols = draw(st.integers(1, 4)), draw(st.integers(2, 7))
    a = np.round(rng.uniform(0.5, 2.0, (n_rows, n_cols)), 1) * (rng.random((n_rows, n_cols)) < 0.7)
    a[:, 0] = 1.0  # every row has an entry
    point = rng.uniform(0.0, 3.0, n_cols)
    activity = a @ point
    equal = rng.random(n_rows) < 0.5
    row_lower = np.where(equal, activity, activity - rng.uniform(0.0, 1.0, n_rows))
    row_upper = np.where(equal, activity, np.inf)
    tiny = draw(st.sampled_from([1.0, 1e-13, 1e-16]))
    cost = rng.uniform(1.0, 2.0, n_cols) * tiny
    cost[rng.integers(n_cols)] = 1.0  # the part's largest
    rows, cols = np.nonzero(a)
    lp = LinearProgram.from_arrays(
        cost=cost,
        col_lower=np.zeros(n_cols),
        col_upper=np.where(rng.random(n_cols) < 0.5, 4.0, np.inf),
        row_lower=row_lower,
        row_upper=row_upper,
        row_start=np.searchsorted(rows, np.arange(n_rows + 1)),
        col_index=cols,
        value=a[rows, cols],
    )
    answer = solve_highs(lp)
    assume(answer.x is not None and answer.row_dual is not None)
    noise = draw(st.sampled_from([0.0, 1e-17, 1e-15, 1e-13]))
    y = answer.row_dual + noise * rng.standard_normal(n_rows)
    return lp, answer.x, y, None


@settings(max_examples=200, deadline=None)
@given(st.one_of(programs_and_points(), solved_programs()), st.booleans())
def test_the_array_check_gives_the_full_checks_verdict(case, dense):
    """`ArrayCheck` (dense and as entries) passes exactly the answers `verify` passes: the
    same floors, in programs whose money is of the floor's size too."""
    lp, x, y, col_dual = case
    d = lp.cost - lp.column_activity(y) if col_dual is None else col_dual
    objective = float(lp.cost @ x) + lp.objective_offset
    within = not ((x < lp.col_lower) | (x > lp.col_upper)).any()
    full = (
        within
        and not verify.violations(lp, x, objective)
        and not optimality_violations(lp, x, y, d)
    )
    event(f"full check passes: {full}")
    with mock.patch.object(array_check, "DENSE_UP_TO", 10**9 if dense else 0):
        check = ArrayCheck.of(lp)
    bounds = (lp.col_lower, lp.col_upper, lp.row_lower, lp.row_upper)
    assert bool(check.passes(lp.cost, *bounds, x, y, d, objective)) is full
