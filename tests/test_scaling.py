"""Programs whose rows lie far apart in size: scaled so that a solver keeps every entry,
and filled by the greedy method block by block in each block's own units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import reopt
from reopt.backends.highs_settings import SMALLEST_MATRIX_VALUE, default_settings
from reopt.model.program import LinearProgram
from reopt.model.scaling import BOUND_REACH, SMALLEST_SCALED, scaling_for

BIG = 1e12


def _two_blocks(sense: str = "=") -> LinearProgram:
    """Two demands 1e12 apart, in units of one (a program from arrays: no product sizes).

    Row 0: ``x0 + x1 + x2 + x3`` is 1e12 (``sense``: "=" or ">="), at 1, 2, 3 and 4 USD, the
    first two at most 3e11 each. Row 1: ``x4 + .. + x7 = 1`` at 1, 1.5, 2 and 3 USD, x4 at
    most 1/3, x6 at most 0.7; row 2: ``x4 + x5 <= 0.4``.
    """
    upper = BIG if sense == ">=" else None
    return LinearProgram.from_arrays(
        cost=[1.0, 2.0, 3.0, 4.0, 1.0, 1.5, 2.0, 3.0],
        col_lower=np.zeros(8),
        col_upper=[0.3 * BIG, 0.3 * BIG, BIG, BIG, 1 / 3, 1.0, 0.7, 5.0],
        row_lower=[BIG, 1.0, -np.inf],
        row_upper=[np.inf if upper else BIG, 1.0, 0.4],
        row_start=[0, 4, 8, 10],
        col_index=[0, 1, 2, 3, 4, 5, 6, 7, 4, 5],
        value=np.ones(10),
    )


@pytest.mark.parametrize("solver", ["auto", "highs"])
@pytest.mark.parametrize("sense", ["=", ">="])
def test_a_row_about_1e12_units_is_solved_not_called_infeasible(solver: str, sense: str) -> None:
    """By hand: 3e11 at 1, 3e11 at 2 and 4e11 at 3 USD is 2.1e12; then 1/3 at 1, the cap's
    last 0.0667 at 1.5 and 0.6 at 2 is 1.6333. One more unit of the first demand costs 3,
    of the second 2 (x6 has room); a unit more of the cap saves 2 - 1.5.

    Divided by its bound, row 0's entries were 1e-12, which HiGHS drops: it called the
    program infeasible.
    """
    solution = reopt.solve_lp(_two_blocks(sense), solver=solver)
    assert solution.status is reopt.Status.OPTIMAL
    if solver == "auto" and sense == "=":  # two blocks 1e12 apart: each filled in its own units
        assert solution.settings["method"] == "greedy"
    assert solution.objective == pytest.approx(2.1e12 + 0.1 + 1 / 3 + 1.2, rel=1e-15)
    assert solution.x[:4] == pytest.approx([0.3 * BIG, 0.3 * BIG, 0.4 * BIG, 0.0], rel=1e-12)
    assert solution.x[4:] == pytest.approx([1 / 3, 0.4 - 1 / 3, 0.6, 0.0], rel=1e-9, abs=1e-12)
    assert solution.row_dual == pytest.approx([3.0, 2.0, -0.5], rel=1e-9)


def test_a_bound_counts_up_to_its_reach_beyond_the_entries() -> None:
    lp = _two_blocks()
    scaled = scaling_for(lp).apply(lp)
    row_0 = scaled.value[:4]
    assert row_0 == pytest.approx(np.full(4, 1 / BOUND_REACH))  # not 1e-12
    assert scaled.row_lower[0] == pytest.approx(BIG / BOUND_REACH)
    # a bound within reach still sets the row's size: row 2's entries are 1 and its bound 0.4
    assert scaled.value[8:] == pytest.approx([1.0, 1.0])
    assert scaled.row_upper[2] == pytest.approx(0.4)
    small = LinearProgram.from_arrays(
        cost=[1.0],
        col_lower=[0.0],
        col_upper=[np.inf],
        row_lower=[100.0],
        row_upper=[100.0],
        row_start=[0, 1],
        col_index=[0],
        value=[1.0],
    )
    scaled = scaling_for(small).apply(small)
    assert (scaled.value[0], scaled.row_lower[0]) == pytest.approx((0.01, 1.0))


def test_a_market_is_scaled_as_before() -> None:
    """Market programs size each offer by its product's demand: no bound is out of reach."""
    market = reopt.datasets.japan_2025()
    lp = reopt.compile(market, [reopt.cap_share(0.6, country="CN")])
    scaled = scaling_for(lp).apply(lp)
    largest = np.maximum.reduceat(np.abs(scaled.value), lp.row_start[:-1])
    assert largest.min() > 1 / BOUND_REACH
    bounds = np.where(np.isfinite(scaled.row_upper), np.abs(scaled.row_upper), 0.0)
    assert bounds.max() <= 1.0 + 1e-12


def _one_row(value: list[float], lower: float, upper: float, cost: list[float], col_upper):
    return LinearProgram.from_arrays(
        cost=cost,
        col_lower=np.zeros(len(cost)),
        col_upper=col_upper,
        row_lower=[lower],
        row_upper=[upper],
        row_start=[0, len(value)],
        col_index=list(range(len(value))),
        value=value,
    )


@pytest.mark.parametrize("solver", ["auto", "highs"])
def test_a_bound_reaches_no_further_than_the_rows_smallest_entry_allows(solver: str) -> None:
    """``x0 + 1e-3 x1 = 1e12`` with ``x0 <= 1`` at 1 USD each: x0 = 1 and x1 the rest,
    999,999,999,999,000 (1 + that in all); ``x0 + 1e-3 x1 >= 1e6`` at 1,000 and 0.5 USD:
    x1 = 1e9, 5e8 USD (x0 costs 1,000 a unit of the row, x1 500).

    Divided by 1e6 (the largest entry's reach), x1's entry was 1e-9, which HiGHS drops.
    """
    equal = reopt.solve_lp(
        _one_row([1.0, 1e-3], BIG, BIG, [1.0, 1.0], [1.0, np.inf]), solver=solver
    )
    assert equal.status is reopt.Status.OPTIMAL
    assert equal.x == pytest.approx([1.0, (BIG - 1) * 1e3], rel=1e-12)
    assert equal.objective == pytest.approx(1 + (BIG - 1) * 1e3, rel=1e-12)
    floor = reopt.solve_lp(
        _one_row([1.0, 1e-3], 1e6, np.inf, [1e3, 0.5], [np.inf] * 2), solver=solver
    )
    assert floor.status is reopt.Status.OPTIMAL
    assert floor.x == pytest.approx([0.0, 1e9], rel=1e-12, abs=1e-6)
    assert floor.objective == pytest.approx(5e8, rel=1e-12)
    smallest = scaling_for(_one_row([1.0, 1e-3], BIG, BIG, [1.0, 1.0], [1.0, np.inf]))
    assert 1e-3 * smallest.row[0] == pytest.approx(SMALLEST_SCALED)


@pytest.mark.parametrize("solver", ["auto", "highs"])
def test_entries_more_than_1e9_apart_in_a_row_are_both_kept(solver: str) -> None:
    """``1e8 x0 + 1e-2 x1 = 1e6`` with ``x0 <= 1e-3``: divided by its largest entry, x1's
    becomes 1e-10, which HiGHS dropped by default (under 1e-9), leaving ``x0 = 0.01`` and a
    program called infeasible. Optimum: x0 = 1e-3, x1 = 9e7."""
    lp = LinearProgram.from_arrays(
        cost=[1.0, 1.0],
        col_lower=[0.0, 0.0],
        col_upper=[1e-3, np.inf],
        row_lower=[1e6],
        row_upper=[1e6],
        row_start=[0, 2],
        col_index=[0, 1],
        value=[1e8, 1e-2],
    )
    solution = reopt.solve_lp(lp, solver=solver)
    assert solution.status is reopt.Status.OPTIMAL
    assert solution.x == pytest.approx([1e-3, 9e7], rel=1e-12)
    assert solution.objective == pytest.approx(9e7 + 1e-3, rel=1e-12)


def test_highs_keeps_entries_down_to_half_the_smallest() -> None:
    """HiGHS's small_matrix_value is set below the smallest entry where that is under twice
    its default (1e-9, which HiGHS drops too), and never below what HiGHS takes (1e-12)."""

    def program(small: float) -> LinearProgram:
        return LinearProgram.from_arrays(
            cost=[1.0, 1.0],
            col_lower=[0.0, 0.0],
            col_upper=[1.0, 1.0],
            row_lower=[1.0],
            row_upper=[1.0],
            row_start=[0, 2],
            col_index=[0, 1],
            value=[1.0, small],
        )

    options = reopt.SolverOptions()
    assert "small_matrix_value" not in default_settings(program(2e-9), options)
    assert default_settings(program(1e-9), options)["small_matrix_value"] == 5e-10
    assert default_settings(program(1e-10), options)["small_matrix_value"] == 5e-11
    assert default_settings(program(1e-14), options)["small_matrix_value"] == SMALLEST_MATRIX_VALUE


@pytest.mark.parametrize("solver", ["auto", "highs"])
def test_a_demand_of_1e_9_t_beside_a_stock_floor_is_met_from_stock(solver: str) -> None:
    """Demands of 1e-9 t in periods 0 and 2 and none in period 1, an initial stock of 2e-7 t
    and a floor of 1e-7 t: the stock meets both, buying nothing. The balance rows, divided by
    their largest entry, held entries of exactly 1e-9, which HiGHS dropped, and the market
    was called infeasible. Cost: holding 1.99e-7, 1.99e-7 and 1.98e-7 t at 50 USD/kg."""
    offers = pd.DataFrame(
        {
            "source": ["cn", "au"] * 3,
            "product": "P0",
            "period": [0, 0, 1, 1, 2, 2],
            "country": ["CN", "AU"] * 3,
            "capacity_t": np.nan,
            "price_usd_per_kg": [1.0, 2.0] * 3,
        }
    )
    demand = pd.DataFrame({"product": "P0", "period": [0, 1, 2], "demand_t": [1e-9, 0.0, 1e-9]})
    stock = pd.DataFrame(
        {"product": ["P0"], "initial_t": [2e-7], "min_t": [1e-7], "holding_usd_per_kg": [50.0]}
    )
    plan = reopt.solve(reopt.Market(offers, demand, stock=stock), china_cap=1.0, solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    assert plan.cost_usd == pytest.approx(50_000 * (1.99e-7 + 1.99e-7 + 1.98e-7), rel=1e-9)


@pytest.mark.parametrize("solver", ["auto", "highs"])
def test_costs_a_billion_times_apart_in_one_part_are_solved_in_their_own_units(solver):
    """P1 in period 2 (0.002 t) is met free by an offer of that period, or at 1e-6 USD/kg by
    one bought in period 1 with a lead time; a 500 USD/kg offer of period 1 ties both into one
    part. Scaled, the two cheap offers differ by 4e-12, within HiGHS's dual tolerance, and
    HiGHS's answer (and its second one) bought the dearer: reopt's check refused both and
    the solve raised. In the program's own units HiGHS finds the free plan."""
    offers = pd.DataFrame(
        [
            ("s0", "P1", 1, "CN", "AU", "mine", np.nan, 500.0, 0),
            ("s2", "P1", 1, "IN", "IN", "recycler", np.nan, 1e-6, 1),
            ("s0", "P0", 2, "CN", "AU", "mine", np.nan, 1.0, 0),
            ("s1", "P0", 2, "AU", "AU", "mine", np.nan, 1e-6, 0),
            ("s1", "P1", 2, "AU", "AU", "mine", np.nan, 0.0, 0),
        ],
        columns=[
            "source", "product", "period", "country", "refined_in", "kind", "capacity_t",
            "price_usd_per_kg", "lead_time_periods",
        ],
    )  # fmt: skip
    demand = pd.DataFrame(
        {"product": ["P1", "P0", "P1"], "period": [1, 2, 2], "demand_t": [0.0, 0.0, 0.002]}
    )
    market = reopt.Market(offers, demand)
    plan = reopt.solve(market, policies=[reopt.cap_share(0.3, refined_in="CN")], solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    assert plan.cost_usd == pytest.approx(0.0, abs=1e-12)
    assert plan.solution.x[4] == pytest.approx(0.002, rel=1e-9)  # the free offer
    assert any("in its own units" in note for note in plan.notes)
