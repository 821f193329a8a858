"""The checks of a program given as arrays: every problem with its arrays, listed at once.

`program_problems` reads the arrays of a `reopt.LinearProgram` (from
`LinearProgram.from_arrays`, or built by hand) and lists what no solver should be handed:
arrays of the wrong length, row starts that do not run from 0 to the last entry, column
indices outside the program, a column named twice in one row, costs and matrix entries that
are not finite numbers, bounds that are NaN or that no value can meet (a lower bound of
+inf), and integrality other than 0 or 1. Bounds that cross are no error: such a program
is infeasible, and the solver says so. `LinearProgram.from_arrays` and
`reopt.solve_lp` raise them as one `reopt.InputError`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from reopt.errors import Problem

__all__ = ["numeric_arrays", "program_problems"]

SHOWN = 5  # entries shown for each kind of problem


def numeric_arrays(
    given: Mapping[str, object], *, whole: tuple[str, ...] = ()
) -> tuple[dict[str, np.ndarray], list[Problem]]:
    """``given`` as one-dimensional arrays of floats (of int64 for the names in ``whole``).

    Returns the arrays and the problems: an array that is not numbers, not one-dimensional,
    or (for ``whole``) holds a value that is not a whole number.
    """
    arrays: dict[str, np.ndarray] = {}
    found: list[Problem] = []
    for name, values in given.items():
        try:
            array = np.asarray(values, dtype=float)
        except (TypeError, ValueError) as err:
            found.append(
                Problem(
                    "program",
                    "arrays",
                    name,
                    type(values).__name__,
                    f"is not an array of numbers ({err})",
                    "a list or numpy array",
                )
            )
            continue
        if array.ndim != 1:
            found.append(
                Problem(
                    "program",
                    "arrays",
                    name,
                    array.shape,
                    "is not one-dimensional",
                    "one value per column, row or entry",
                )
            )
            continue
        if name in whole:
            odd = ~np.isfinite(array) | (array != np.round(array))
            found += _each(
                odd,
                name,
                "item",
                array,
                "is not a whole number",
                "positions and 0/1 flags are whole numbers",
            )
            array = np.where(odd, 0, array).astype(np.int64)
        arrays[name] = array
    return arrays, found


def program_problems(arrays: Mapping[str, np.ndarray]) -> list[Problem]:
    """Every problem with a program's arrays (named as `LinearProgram`'s fields), or none.

    Examples
    --------
    >>> found = program_problems({"cost": np.array([1.0, np.nan]),
    ...     "col_lower": np.zeros(2), "col_upper": np.ones(2), "row_lower": np.zeros(1),
    ...     "row_upper": np.ones(1), "row_start": np.array([0, 2]),
    ...     "col_index": np.array([0, 2]), "value": np.ones(2),
    ...     "integrality": np.zeros(2, dtype=np.int32)})
    >>> [(p.column, p.where) for p in found]
    [('col_index', 'entry 1'), ('cost', 'column 1')]
    """
    n_cols, n_rows = len(arrays["cost"]), len(arrays["row_lower"])
    n_entries = len(arrays["col_index"])
    sizes = {
        "col_lower": n_cols,
        "col_upper": n_cols,
        "integrality": n_cols,
        "row_upper": n_rows,
        "row_start": n_rows + 1,
        "value": n_entries,
    }
    found = [
        Problem(
            "program",
            "arrays",
            name,
            len(arrays[name]),
            f"has {len(arrays[name])} items where {size} are expected",
            _SIZE_HINTS[name],
        )
        for name, size in sizes.items()
        if len(arrays[name]) != size
    ]
    if found:  # the other checks read the arrays side by side
        return found
    found += _starts(arrays["row_start"], n_entries)
    found += _indices(arrays["col_index"], arrays["row_start"], n_cols, bool(found))
    found += _not_finite(arrays["cost"], "cost", "column")
    found += _not_finite(arrays["value"], "value", "entry")
    for kind, lower, upper in (
        ("column", arrays["col_lower"], arrays["col_upper"]),
        ("row", arrays["row_lower"], arrays["row_upper"]),
    ):
        found += _bounds(kind, lower, upper)
    odd = ~np.isin(arrays["integrality"], (0, 1))
    found += _each(
        odd,
        "integrality",
        "column",
        arrays["integrality"],
        "is not 0 or 1",
        "1 marks an integer column, 0 a continuous one",
    )
    return found


_SIZE_HINTS = {
    "col_lower": "one lower bound per column (per cost)",
    "col_upper": "one upper bound per column (per cost)",
    "integrality": "one 0 or 1 per column (per cost)",
    "row_upper": "one upper bound per row (per row_lower)",
    "row_start": "one start per row, and the number of entries last",
    "value": "one value per entry (per col_index)",
}


def _each(
    bad: np.ndarray, column: str, kind: str, values: np.ndarray, rule: str, hint: str
) -> list[Problem]:
    """A problem for each of the first `SHOWN` items ``bad`` marks."""
    return [
        Problem("program", f"{kind} {i}", column, values[i].item(), rule, hint)
        for i in np.flatnonzero(bad)[:SHOWN]
    ]


def _starts(row_start: np.ndarray, n_entries: int) -> list[Problem]:
    if len(row_start) and row_start[0] == 0 and row_start[-1] == n_entries:
        steps = np.diff(row_start)
        return _each(
            steps < 0,
            "row_start",
            "row",
            row_start[1:],
            "is below the row before's",
            "row starts never fall: row i holds entries row_start[i] to row_start[i+1]",
        )
    return [
        Problem(
            "program",
            "arrays",
            "row_start",
            [int(row_start[0]), int(row_start[-1])],
            f"should run from 0 to the number of entries, {n_entries}",
            "row_start[0] is 0 and row_start[-1] is len(col_index)",
        )
    ]


def _indices(
    col_index: np.ndarray, row_start: np.ndarray, n_cols: int, starts_wrong: bool
) -> list[Problem]:
    outside = (col_index < 0) | (col_index >= n_cols)
    found = _each(
        outside,
        "col_index",
        "entry",
        col_index,
        f"is not a column (0 to {n_cols - 1})",
        "each entry names a column by its position in cost",
    )
    if found or starts_wrong or not len(col_index):
        return found
    rows = np.repeat(np.arange(len(row_start) - 1), np.diff(row_start))
    pairs = rows.astype(np.int64) * n_cols + col_index
    order = np.argsort(pairs, kind="stable")
    twice = np.zeros(len(pairs), dtype=bool)
    twice[order[1:]] = pairs[order[1:]] == pairs[order[:-1]]
    return _each(
        twice,
        "col_index",
        "entry",
        col_index,
        "names a column its row already holds",
        "one entry per column in a row: add the two values into one",
    )


def _not_finite(values: np.ndarray, column: str, kind: str) -> list[Problem]:
    return _each(
        ~np.isfinite(values),
        column,
        kind,
        values,
        "is not a finite number",
        "every cost and matrix entry must be a number (no NaN or infinity)",
    )


def _bounds(kind: str, lower: np.ndarray, upper: np.ndarray) -> list[Problem]:
    name = "col" if kind == "column" else "row"
    return (
        _each(np.isnan(lower), f"{name}_lower", kind, lower, "is NaN", "-inf for no lower bound")
        + _each(np.isnan(upper), f"{name}_upper", kind, upper, "is NaN", "inf for no upper bound")
        + _each(
            lower == np.inf,
            f"{name}_lower",
            kind,
            lower,
            "is +inf: no value meets it",
            "-inf for no lower bound",
        )
        + _each(
            upper == -np.inf,
            f"{name}_upper",
            kind,
            upper,
            "is -inf: no value meets it",
            "inf for no upper bound",
        )
    )
