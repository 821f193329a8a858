"""Back ends: each hands a `LinearProgram` to a solver and returns a `Solution`.

A back end does not judge the answer; `reopt.solve` re-checks every optimal solution in
numpy (`reopt.results.verify`) before it becomes a plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from reopt.status import Status

__all__ = ["Solution"]


@dataclass(frozen=True)
class Solution:
    """What a back end read back from its solver, in reopt's terms.

    Attributes
    ----------
    status : Status
        Mapped from the solver's raw status.
    raw_status : str
        The solver's own words, for the record.
    x : ndarray or None
        Column values (None when the solver has no primal solution).
    row_dual, col_dual : ndarray or None
        Duals: the change of the objective per unit increase of a row bound / column bound
        (None when the solver has no valid dual solution, for instance for a MILP).
    objective : float
        The solver's objective value (NaN without a solution).
    backend : str
        Which back end solved it.
    solve_time_s : float
        Time spent inside the solver, by the solver's clock.
    iterations : int
        Simplex + interior-point + PDLP iterations (MILP: nodes are not counted).
    settings : mapping
        The solver settings that were actually applied.
    basis : object, optional
        The final basis where the back end can reuse it for a warm start.
    """

    status: Status
    raw_status: str
    x: np.ndarray | None
    row_dual: np.ndarray | None
    col_dual: np.ndarray | None
    objective: float
    backend: str
    solve_time_s: float = float("nan")
    iterations: int = 0
    settings: Mapping[str, object] = field(default_factory=dict)
    basis: object = None
