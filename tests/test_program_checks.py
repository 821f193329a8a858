"""A program from arrays: every problem with its arrays in one InputError, nothing from numpy."""

from __future__ import annotations

import numpy as np
import pytest

import reopt
from reopt.errors import InputError
from reopt.model.program import LinearProgram

INF = np.inf
GOOD = {
    "cost": [1.0, 2.0],
    "col_lower": [0.0, 0.0],
    "col_upper": [INF, INF],
    "row_lower": [1.0],
    "row_upper": [1.0],
    "row_start": [0, 2],
    "col_index": [0, 1],
    "value": [1.0, 1.0],
}


def _problems(**changed: object) -> list[tuple[str, str | None, str]]:
    with pytest.raises(InputError) as caught:
        LinearProgram.from_arrays(**{**GOOD, **changed})  # type: ignore[arg-type]
    return [(p.where, p.column, p.rule) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("changed", "where", "column", "rule"),
    [
        ({"cost": [np.nan, 1.0]}, "column 0", "cost", "is not a finite number"),
        ({"cost": [1.0, INF]}, "column 1", "cost", "is not a finite number"),
        ({"value": [1.0, np.nan]}, "entry 1", "value", "is not a finite number"),
        ({"col_index": [0, 5]}, "entry 1", "col_index", "is not a column (0 to 1)"),
        ({"col_index": [0, -1]}, "entry 1", "col_index", "is not a column (0 to 1)"),
        ({"col_index": [1, 1]}, "entry 1", "col_index", "names a column its row already holds"),
        ({"col_index": [0, 0.5]}, "item 1", "col_index", "is not a whole number"),
        (
            {"row_start": [0, 3]},
            "arrays",
            "row_start",
            "should run from 0 to the number of entries, 2",
        ),
        ({"col_lower": [INF, 0.0]}, "column 0", "col_lower", "is +inf: no value meets it"),
        ({"col_upper": [-INF, INF]}, "column 0", "col_upper", "is -inf: no value meets it"),
        ({"row_lower": [np.nan]}, "row 0", "row_lower", "is NaN"),
        ({"row_upper": [-INF]}, "row 0", "row_upper", "is -inf: no value meets it"),
        ({"integrality": [0, 2]}, "column 1", "integrality", "is not 0 or 1"),
        ({"col_upper": [INF]}, "arrays", "col_upper", "has 1 items where 2 are expected"),
        ({"value": [[1.0, 1.0]]}, "arrays", "value", "is not one-dimensional"),
        ({"cost": ["a", 1.0]}, "arrays", "cost", None),
    ],
)
def test_each_problem_is_named(changed, where, column, rule) -> None:
    found = _problems(**changed)
    assert len(found) == 1
    assert found[0][:2] == (where, column)
    if rule is not None:
        assert found[0][2] == rule


def test_every_problem_at_once() -> None:
    found = _problems(cost=[np.nan, np.nan], col_index=[0, 7], row_upper=[-INF])
    assert [(where, column) for where, column, _ in found] == [
        ("entry 1", "col_index"),
        ("column 0", "cost"),
        ("column 1", "cost"),
        ("row 0", "row_upper"),
    ]


def test_crossing_bounds_are_an_infeasible_program_not_an_error() -> None:
    lp = LinearProgram.from_arrays(**{**GOOD, "col_lower": [2.0, 0.0], "col_upper": [1.0, INF]})
    assert reopt.solve_lp(lp).status is reopt.Status.INFEASIBLE


def test_a_good_program_passes_unchanged() -> None:
    lp = LinearProgram.from_arrays(**GOOD)  # type: ignore[arg-type]
    assert lp.col_index.dtype == np.int32 and lp.cost.dtype == np.float64
    assert reopt.solve_lp(lp).objective == pytest.approx(1.0)
