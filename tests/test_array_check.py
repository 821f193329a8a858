"""The array check of many answers: the verdict of reopt's numpy check, without a Plan."""

from __future__ import annotations

import numpy as np
import pytest

import reopt
from reopt.backends.highs import solve_highs
from reopt.model.scaling import scaling_for
from reopt.results import array_check
from reopt.results.array_check import ArrayCheck
from reopt.results.verify import optimality_violations, violations


@pytest.fixture(scope="module")
def answer():
    """japan_2025 with China capped at 60%, scaled, and HiGHS's optimal answer to it."""
    lp = reopt.compile(reopt.datasets.japan_2025(), [reopt.cap_share(0.6, country="CN")])
    scaled = scaling_for(lp).apply(lp)
    solution = solve_highs(scaled)
    assert solution.row_dual is not None and solution.col_dual is not None
    return scaled, solution


def _args(lp, x, y, d, objective):
    return (lp.cost, lp.col_lower, lp.col_upper, lp.row_lower, lp.row_upper, x, y, d, objective)


def _verify(lp, x, y, d, objective):
    """reopt's check, where no value lies beyond its column bound (the full check puts such
    values on their bounds first: the array check leaves those answers to it)."""
    within = not ((x < lp.col_lower) | (x > lp.col_upper)).any()
    return within and not violations(lp, x, objective) and not optimality_violations(lp, x, y, d)


def _cases(lp, solution):
    """The answer, and ways of breaking it (each named)."""
    x, y, d = solution.x.copy(), solution.row_dual.copy(), solution.col_dual.copy()
    obj = solution.objective
    binding = int(np.flatnonzero(np.abs(y) > 1e-6)[0])
    basic = int(np.flatnonzero((x > 1e-6) & (x < lp.col_upper - 1e-6))[0])
    at_zero = int(np.flatnonzero(x <= 1e-12)[0])
    cases = {"as solved": (x, y, d, obj)}
    cases["noise 1e-13"] = (x * (1 + 1e-13), y, d, obj)
    inside = x * (1 + 1e-13)
    inside[x >= lp.col_upper] = lp.col_upper[x >= lp.col_upper]
    cases["noise 1e-13 within the bounds"] = (inside, y, d, obj)
    bumped = x.copy()
    bumped[basic] += 0.01
    cases["a row broken"] = (bumped, y, d, float(lp.cost @ bumped) + lp.objective_offset)
    below = x.copy()
    below[at_zero] = -1e-3
    cases["below a bound"] = (below, y, d, float(lp.cost @ below) + lp.objective_offset)
    cases["objective off by 1%"] = (x, y, d, obj * 1.01 + 1e-3)
    flipped = y.copy()
    flipped[binding] = -flipped[binding]
    cases["a dual of the wrong sign"] = (x, flipped, d, obj)
    reduced = d.copy()
    reduced[basic] += 0.5
    cases["a reduced cost that is not c - A^T y"] = (x, y, reduced, obj)
    shifted = x.copy()
    shifted[at_zero] += 0.2  # off its bound with a nonzero reduced cost: a slack, and rows
    cases["off a priced bound"] = (shifted, y, d, float(lp.cost @ shifted) + lp.objective_offset)
    cases["not finite"] = (np.where(np.arange(len(x)) == 0, np.nan, x), y, d, obj)
    return cases


def test_the_verdict_is_reopts_check(answer):
    lp, solution = answer
    check = ArrayCheck.of(lp)
    verdicts = {}
    for name, (x, y, d, obj) in _cases(lp, solution).items():
        verdicts[name] = bool(check.passes(*_args(lp, x, y, d, obj)))
        assert verdicts[name] == _verify(lp, x, y, d, obj), name
    assert verdicts == {
        "as solved": True,
        "noise 1e-13": False,  # above a capacity: left to the full check
        "noise 1e-13 within the bounds": True,
        "a row broken": False,
        "below a bound": False,
        "objective off by 1%": False,
        "a dual of the wrong sign": False,
        "a reduced cost that is not c - A^T y": False,
        "off a priced bound": False,
        "not finite": False,
    }


def test_a_stack_of_answers_is_checked_row_by_row(answer, monkeypatch):
    lp, solution = answer
    cases = list(_cases(lp, solution).values())
    x, y, d = (np.stack([c[k] for c in cases]) for k in range(3))
    objective = np.array([c[3] for c in cases])
    dense = ArrayCheck.of(lp)
    one_by_one = [bool(dense.passes(*_args(lp, *c))) for c in cases]
    assert dense.passes(*_args(lp, x, y, d, objective)).tolist() == one_by_one
    # bounds and costs per answer, as a Monte Carlo batch gives them
    per_answer = [np.tile(v, (len(cases), 1)) for v in _args(lp, x, y, d, objective)[:5]]
    assert dense.passes(*per_answer, x, y, d, objective).tolist() == one_by_one
    monkeypatch.setattr(array_check, "DENSE_UP_TO", 0)
    by_entries = ArrayCheck.of(lp)
    assert by_entries.dense is None
    assert by_entries.passes(*_args(lp, x, y, d, objective)).tolist() == one_by_one
    monkeypatch.setattr(array_check, "CHUNK_CELLS", 1)  # one answer at a time
    assert dense.passes(*per_answer, x, y, d, objective).tolist() == one_by_one


def test_answers_of_the_wrong_size_fail(answer):
    lp, solution = answer
    check = ArrayCheck.of(lp)
    x, y, d = solution.x, solution.row_dual, solution.col_dual
    assert not check.passes(*_args(lp, x[:-1], y, d, solution.objective))
    assert not check.passes(*_args(lp, x, y[:-1], d, solution.objective))


def test_a_milp_is_left_to_the_full_check():
    offers = reopt.datasets.japan_2025().offers
    offers["min_order_t"] = 0.1
    market = reopt.Market(offers, reopt.datasets.japan_2025().demand)
    with pytest.raises(ValueError, match="MILP"):
        ArrayCheck.of(reopt.compile(market))
