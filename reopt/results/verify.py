"""The check every optimal solution passes before it becomes a plan.

Solvers can claim optimality for points that break a row (badly scaled models, limits mapped
to "optimal" by a modeling layer). reopt recomputes everything from its own arrays in numpy:
column bounds, every row, integrality, and the objective. A violation raises `SolverError`.
"""

from __future__ import annotations

import numpy as np

from reopt.errors import SolverError
from reopt.model.program import LinearProgram

__all__ = ["FEASIBILITY_RTOL", "OBJECTIVE_RTOL", "check_solution", "violations"]

#: Allowed violation of a bound or row, relative to max(1, |bound|, sum |a_ij x_j|).
FEASIBILITY_RTOL = 1e-6
#: Allowed difference between the solver's objective and c @ x, relative to max(1, |c @ x|).
OBJECTIVE_RTOL = 1e-6


def violations(lp: LinearProgram, x: np.ndarray, objective: float) -> list[str]:
    """Every way in which ``x`` fails ``lp`` (empty when it passes).

    Examples
    --------
    >>> import numpy as np, reopt
    >>> lp = reopt.compile(reopt.datasets.japan_2025())
    >>> violations(lp, np.zeros(lp.n_cols), 0.0)[0]
    'row 0 (demand): activity 0 outside [...]'
    """
    found: list[str] = []
    x = np.asarray(x, dtype=float)
    if x.shape != (lp.n_cols,):
        return [f"solution has {x.shape} values for {lp.n_cols} columns"]
    if not np.isfinite(x).all():
        return [f"{int((~np.isfinite(x)).sum())} column values are not finite"]

    col_tol = FEASIBILITY_RTOL * np.maximum(1.0, np.abs(x))
    low = x < lp.col_lower - col_tol
    high = x > lp.col_upper + col_tol
    for j in np.flatnonzero(low | high)[:10]:
        found.append(
            f"column {j}: value {x[j]:.10g} outside [{lp.col_lower[j]:g}, {lp.col_upper[j]:g}]"
        )

    activity = lp.row_activity(x)
    magnitude = np.bincount(
        lp.entry_row, weights=np.abs(lp.value * x[lp.col_index]), minlength=lp.n_rows
    )
    finite_bounds = np.where(np.isfinite(lp.row_lower), np.abs(lp.row_lower), 0.0)
    finite_bounds = np.maximum(
        finite_bounds, np.where(np.isfinite(lp.row_upper), np.abs(lp.row_upper), 0.0)
    )
    row_tol = FEASIBILITY_RTOL * np.maximum(1.0, np.maximum(magnitude, finite_bounds))
    bad = (activity < lp.row_lower - row_tol) | (activity > lp.row_upper + row_tol)
    families = lp.row_family
    for i in np.flatnonzero(bad)[:10]:
        found.append(
            f"row {i} ({families[i]}): activity {activity[i]:.10g} outside "
            f"[{lp.row_lower[i]:g}, {lp.row_upper[i]:g}]"
        )

    integer = lp.integrality == 1
    if integer.any():
        frac = np.abs(x[integer] - np.round(x[integer]))
        if (frac > 1e-6).any():
            found.append(f"{int((frac > 1e-6).sum())} integer columns have fractional values")

    recomputed = float(lp.cost @ x) + lp.objective_offset
    if abs(recomputed - objective) > OBJECTIVE_RTOL * max(1.0, abs(recomputed)):
        found.append(f"objective {objective:.12g} differs from c @ x = {recomputed:.12g}")
    return found


def check_solution(lp: LinearProgram, x: np.ndarray, objective: float, *, backend: str) -> None:
    """Raise `SolverError` when ``x`` fails ``lp``; see `violations`."""
    found = violations(lp, x, objective)
    if found:
        listing = "\n  - ".join(found)
        raise SolverError(
            f"{backend} reported an optimal solution that fails reopt's check:\n  - {listing}"
        )
