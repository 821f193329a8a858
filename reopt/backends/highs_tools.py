"""HiGHS beyond solving: an infeasible subsystem, cost ranging at a point, named files.

These serve `reopt.results.explain` (`iis`), `reopt.results.ranging` (`cost_ranges_at`) and
`reopt.backends.export` (`write_named_model`), so that highspy stays inside the back ends.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

from reopt.backends.base import Solution
from reopt.backends.highs import HighsSession
from reopt.backends.highs_calls import apply_settings, new_highs, pass_model
from reopt.errors import NoSolutionError, ReoptError, SolverError
from reopt.model.program import LinearProgram
from reopt.status import Status

__all__ = ["AT_BOUND_RTOLS", "CostRanges", "Iis", "cost_ranges_at", "iis", "write_named_model"]

#: Relative tolerances tried, in order, to decide which values sit at a bound.
AT_BOUND_RTOLS = (0.0, 1e-9, 1e-7)


@dataclass(frozen=True)
class Iis:
    """An irreducible infeasible subsystem: its rows and columns.

    ``col_at_upper`` marks the columns held at their upper bound (capacities).
    """

    rows: np.ndarray
    cols: np.ndarray
    col_at_upper: np.ndarray


def iis(lp: LinearProgram) -> Iis | None:
    """HiGHS's IIS of an infeasible ``lp``, or None when HiGHS cannot compute one.

    HiGHS's default IIS strategy returns an empty set, so the IIS is asked for from the LP,
    reduced until irreducible.
    """
    h = new_highs()
    strategy = int(highspy.IisStrategy.kIisStrategyFromLp) | int(
        highspy.IisStrategy.kIisStrategyIrreducible
    )
    apply_settings(h, {"presolve": "off", "threads": 1, "iis_strategy": strategy})
    pass_model(h, lp)
    h.run()
    status, found = h.getIis()
    if status != highspy.HighsStatus.kOk or not found.valid_:
        return None
    upper = {
        int(highspy.IisBoundStatus.kIisBoundStatusUpper),
        int(highspy.IisBoundStatus.kIisBoundStatusBoxed),
    }
    return Iis(
        rows=np.asarray(found.row_index_, dtype=np.int64),
        cols=np.asarray(found.col_index_, dtype=np.int64),
        col_at_upper=np.array([int(b) in upper for b in found.col_bound_], dtype=bool),
    )


@dataclass(frozen=True)
class CostRanges:
    """For every column: the cost interval over which the basis stays optimal."""

    low: np.ndarray
    high: np.ndarray


def cost_ranges_at(lp: LinearProgram, x: np.ndarray) -> CostRanges:
    """HiGHS's cost ranging on a basis at the point ``x``, whichever back end found it.

    First every column at a bound is fixed there and every row at a bound made an equality:
    at a vertex only ``x`` is left, and simplex finds a basis for it. Then the bounds are
    restored and primal simplex (without bound perturbation) makes that basis optimal for
    the whole LP; from an optimal point its pivots cannot move ``x``. Raises
    `NoSolutionError` when ``x`` is not at a vertex, `SolverError` when HiGHS fails.
    """
    activity = lp.row_activity(x)
    cols = np.arange(lp.n_cols)
    rows = np.arange(lp.n_rows)
    settings = {"presolve": "off", "solver": "simplex", "threads": 1}
    for rtol in (*AT_BOUND_RTOLS, None):  # the first that leaves exactly x
        session = HighsSession(lp, settings=settings)
        if rtol is None:  # last: HiGHS's own vertex, if it is x within its digits
            at_lower = at_upper = np.zeros(lp.n_cols, dtype=bool)
            row_low = row_up = np.zeros(lp.n_rows, dtype=bool)
        else:
            at_lower, at_upper = _at_bounds(x, lp.col_lower, lp.col_upper, rtol)
            row_low, row_up = _at_bounds(activity, lp.row_lower, lp.row_upper, rtol)
            session.set_col_bounds(cols, *_pinned(lp.col_lower, lp.col_upper, at_lower, at_upper))
            session.set_row_bounds(rows, *_pinned(lp.row_lower, lp.row_upper, row_low, row_up))
        if _keeps(session.run(), x):
            break
    else:
        raise NoSolutionError(
            "no price ranges for this plan: no basis holds its tonnes, which are not at a "
            "vertex of the LP (a first-order or interior-point answer); solve with the "
            "simplex method (method='simplex', or --method simplex) for ranges"
        )
    # HiGHS marks a fixed value "at lower"; say which bound each nonbasic one really is at
    basis = session.basis()
    basis.col_status = _statuses_at(basis.col_status, at_lower, at_upper)
    basis.row_status = _statuses_at(basis.row_status, row_low, row_up)
    session.set_col_bounds(cols, lp.col_lower, lp.col_upper)
    session.set_row_bounds(rows, lp.row_lower, lp.row_upper)
    session.set_basis(basis)
    session.set_option("simplex_strategy", 4)  # primal simplex
    session.set_option("primal_simplex_bound_perturbation_multiplier", 0.0)
    if not _keeps(session.run(), x):
        raise SolverError("ranging: HiGHS moved off the plan's tonnes while finding its basis")
    _, ranging = session.highs.getRanging()
    if not ranging.valid:
        raise SolverError("HiGHS could not compute ranges for this plan")
    return CostRanges(
        low=np.asarray(ranging.col_cost_dn.value_, dtype=float),
        high=np.asarray(ranging.col_cost_up.value_, dtype=float),
    )


def _at_bounds(
    value: np.ndarray, lower: np.ndarray, upper: np.ndarray, rtol: float
) -> tuple[np.ndarray, np.ndarray]:
    """Which values sit at their lower bound, and which (of the others) at their upper."""
    tol = rtol * np.maximum(1.0, np.abs(value))
    low = np.abs(value - lower) <= tol
    return low, ~low & (np.abs(value - upper) <= tol)


def _pinned(
    lower: np.ndarray, upper: np.ndarray, low: np.ndarray, up: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds with every value at a bound fixed there."""
    at = np.where(low, lower, upper)
    pinned = low | up
    return np.where(pinned, at, lower), np.where(pinned, at, upper)


def _statuses_at(status: Any, low: np.ndarray, up: np.ndarray) -> list[Any]:
    """Basis statuses with every nonbasic entry set to the bound it sits at."""
    out = np.array(list(status), dtype=object)
    nonbasic = out != highspy.HighsBasisStatus.kBasic
    out[low & nonbasic] = highspy.HighsBasisStatus.kLower
    out[up & nonbasic] = highspy.HighsBasisStatus.kUpper
    return out.tolist()


def _keeps(solution: Solution, x: np.ndarray) -> bool:
    """Whether a run ended optimal at ``x``."""
    at = solution.x
    if solution.status is not Status.OPTIMAL or at is None:
        return False
    scale = max(1.0, float(np.abs(x).max(initial=0.0)))
    return bool(np.allclose(at, x, rtol=1e-7, atol=1e-7 * scale))


def write_named_model(
    lp: LinearProgram,
    path: str | os.PathLike[str],
    col_names: Sequence[str],
    row_names: Sequence[str],
) -> None:
    """Write ``lp`` as MPS or LP (by the file's suffix) with the given names."""
    h = new_highs()
    pass_model(h, lp)
    for j, name in enumerate(col_names):
        h.passColName(j, name)
    for i, name in enumerate(row_names):
        h.passRowName(i, name)
    if h.writeModel(os.fspath(path)) == highspy.HighsStatus.kError:
        raise ReoptError(f"HiGHS could not write {path}")
