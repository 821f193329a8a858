"""Verdicts a solver reaches by the way, tried again: an undecided end, an "infeasible" one.

HiGHS may end a solve "Unknown" (neither a plan nor a verdict) where another method
decides, and presolve has declared feasible programs infeasible. `decided_again` solves an
undecided end once more by another method without presolve; `without_presolve` confirms a
verdict presolve reached (by the other method, where the first re-solve ends undecided).
`infeasible_by_highs` asks HiGHS, without presolve, whether a market whose answers no check
passed has a plan at all: CBC answered "optimal", short of a demand by 3e-9 of it, at every
tolerance, where HiGHS finds no plan.
"""

from __future__ import annotations

from dataclasses import replace

from reopt.backends import Backend, Solution
from reopt.backends.highs import HIGHS
from reopt.model.program import LinearProgram
from reopt.model.scaling import Scaling
from reopt.options import Method, SolverOptions
from reopt.results.answers import solve_with
from reopt.status import Status

__all__ = ["decided_again", "infeasible_by_highs", "without_presolve"]


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
    """HiGHS's verdict, without presolve, that ``lp`` is infeasible; None if it is not that."""
    again = solve_with(HIGHS, lp, SolverOptions(presolve=False), scaling=scaling)
    if again.status not in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
        return None
    # prices are >= 0 and every column is bounded below, so cost cannot fall forever
    return replace(again, status=Status.INFEASIBLE, x=None, row_dual=None, col_dual=None)


#: Statuses that answer the question: a plan, or a verdict on the program.
_DECIDED = (Status.OPTIMAL, Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED, Status.UNBOUNDED)
