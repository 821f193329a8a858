"""Verdicts a solver reaches by the way, tried again: an undecided end, an "infeasible" one.

HiGHS may end a solve "Unknown" (neither a plan nor a verdict) where another method
decides, and presolve has declared feasible programs infeasible. `decided_again` solves an
undecided end once more by another method without presolve; `without_presolve` confirms a
verdict presolve reached (by the other method, where the first re-solve ends undecided).
`infeasible_by_highs` asks HiGHS, without presolve, whether a market whose answers no check
passed has a plan at all: CBC answered "optimal", short of a demand by 3e-9 of it, at every
tolerance, where HiGHS finds no plan. It is asked the same of a market whose plan meets a
row or a bound (`loosest_fit`) only more loosely than HiGHS holds them (`PRIMAL_TOLERANCE` of
their size), so that a market short of its demand by 5e-10 of it is infeasible whichever
back end solved it, not "optimal" from CBC, GLPK or a MILP's branch and bound (which holds
rows to 1e-9) and "infeasible" from HiGHS.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reopt.backends import Backend, Solution
from reopt.backends.highs import HIGHS
from reopt.data.encoding import readonly
from reopt.model.program import LinearProgram
from reopt.model.scaling import Scaling
from reopt.options import Method, SolverOptions
from reopt.results.answers import solve_with
from reopt.results.sizes import row_activity, row_floor
from reopt.status import Status

__all__ = [
    "decided_again",
    "infeasible_by_highs",
    "loosest_fit",
    "without_presolve",
]


def without_presolve(
    lp: LinearProgram,
    backend: Backend,
    options: SolverOptions,
    *,
    scaling: Scaling | None = None,
) -> Solution:
    """``lp`` solved again without presolve, to confirm a verdict presolve reached.

    Where that solve ends undecided (HiGHS's "Unknown": neither a plan nor a verdict), it
    is tried once more by another method (`decided_again`).
    """
    again = solve_with(backend, lp, options.replace(presolve=False), scaling=scaling)
    if again.status in _DECIDED:
        return again
    return decided_again(lp, again, backend, options, scaling=scaling)


def decided_again(
    lp: LinearProgram,
    solution: Solution,
    backend: Backend,
    options: SolverOptions,
    *,
    scaling: Scaling | None = None,
) -> Solution:
    """A solve that ended undecided (`Status.ERROR`: HiGHS's "Unknown"), by another method.

    Interior point without presolve where the first was simplex (or left to the solver),
    else simplex; its answer where it decides, else ``solution`` as it was.
    """
    method = Method.SIMPLEX if options.method is Method.IPM else Method.IPM
    retry = options.replace(presolve=False, method=method)
    if backend.option_problems(lp, retry):
        return solution
    again = solve_with(backend, lp, retry, scaling=scaling)
    return again if again.status in _DECIDED else solution


def infeasible_by_highs(lp: LinearProgram, scaling: Scaling | None = None) -> Solution | None:
    """HiGHS's verdict, without presolve, that ``lp`` is infeasible; None if it is not that.

    A MILP's LP relaxation is asked first: HiGHS holds an LP's rows to `PRIMAL_TOLERANCE`,
    its branch and bound only to 1e-9, which called a MILP 5e-10 of its demand short
    optimal. Where the relaxation has a plan, the MILP itself is asked.
    """
    if lp.is_mip:
        relaxed = replace(lp, integrality=readonly(np.zeros(lp.n_cols, dtype=np.int32)))
        verdict = infeasible_by_highs(relaxed, scaling)
        if verdict is not None:
            return verdict
    again = solve_with(HIGHS, lp, SolverOptions(presolve=False), scaling=scaling)
    if again.status not in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
        return None
    # prices are >= 0 and every column is bounded below, so cost cannot fall forever
    return replace(again, status=Status.INFEASIBLE, x=None, row_dual=None, col_dual=None)


def loosest_fit(lp: LinearProgram, x: np.ndarray) -> float:
    """How far ``x`` is outside its loosest bound or row, in shares of that one's size.

    A column's size is ``max(1, |x_j|)``; a row's is its size as reopt's check holds it to
    (`reopt.results.sizes.row_floor`, at least `row_activity`'s size); a MILP's 0/1 choices
    are read rounded, as the check reads them. 0 where ``x`` meets every one exactly.

    Examples
    --------
    >>> import numpy as np, reopt
    >>> lp = reopt.compile(reopt.datasets.japan_2025())
    >>> loosest_fit(lp, np.zeros(lp.n_cols))
    1.0
    """
    x = np.asarray(x, dtype=float)
    if lp.is_mip:
        x = np.where(lp.integrality == 1, np.round(x), x)
    column = np.maximum(lp.col_lower - x, x - lp.col_upper) / np.maximum(1.0, np.abs(x))
    activity, size = row_activity(lp, x)
    row = np.maximum(lp.row_lower - activity, activity - lp.row_upper)
    with np.errstate(divide="ignore", invalid="ignore"):
        row = np.where(row > 0, row / np.maximum(row_floor(lp, activity, size), size), 0.0)
    return max(0.0, float(column.max(initial=0.0)), float(row.max(initial=0.0)))


#: Statuses that answer the question: a plan, or a verdict on the program.
_DECIDED = (Status.OPTIMAL, Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED, Status.UNBOUNDED)
