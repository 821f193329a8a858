"""`solve_lp`: any `LinearProgram` (one read from an MPS or LP file, say) solved and checked.

The same trust as `reopt.solve`, without a market: the program goes to a registry back end,
an "infeasible" verdict is confirmed with presolve off, and an optimal answer is re-checked
in numpy (`reopt.results.planning.checked_answer`: feasibility, objective, and optimality
by its duals where the back end returned them). The objective is ``c @ x`` plus the
program's constant, and it and the duals are reported in the file's sense (a maximisation
read by `LinearProgram.read` comes back as a maximum).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from reopt.backends import Backend, Solution
from reopt.data.market import readonly
from reopt.errors import InputError, Problem
from reopt.model.files import objective_sense
from reopt.model.program import LinearProgram
from reopt.model.scaling import scaling_for
from reopt.options import DEFAULT_SOLVER, SolverOptions
from reopt.results.planning import check_solver, checked_answer, solve_with
from reopt.results.verdicts import without_presolve
from reopt.status import Status

__all__ = ["solve_lp"]


def solve_lp(
    lp: LinearProgram, *, solver: str | Any = DEFAULT_SOLVER, options: SolverOptions | None = None
) -> Solution:
    """``lp`` solved by a back end, its answer checked; the objective in the file's sense.

    Parameters
    ----------
    lp : LinearProgram
        For instance ``LinearProgram.read("afiro.mps")``.
    solver : str or pulp.LpSolver, default="auto"
        Any name `reopt.available_solvers` lists, or a ``pulp.LpSolver`` instance.
    options : SolverOptions, optional
        Solver settings; by default reopt's measured defaults.

    Returns
    -------
    Solution
        Check ``status``. ``objective`` includes the objective's constant and has the sign
        of the file's sense, as have ``row_dual`` and ``col_dual`` (the change of that
        objective per unit increase of a bound). An infeasible, unbounded or failed solve
        has no ``x`` and no duals, and a NaN objective.

    Raises
    ------
    InputError
        For an argument that is not a program, an unknown solver or options it cannot honour.
    SolverError
        When an "optimal" answer fails reopt's check.

    Examples
    --------
    >>> import reopt
    >>> lp = reopt.LinearProgram.from_arrays(cost=[1.0, 2.0], col_lower=[0, 0],
    ...     col_upper=[10, 10], row_lower=[3.0], row_upper=[3.0], row_start=[0, 2],
    ...     col_index=[0, 1], value=[1.0, 1.0], objective_offset=0.5)
    >>> solve_lp(lp).objective
    3.5
    """
    if not isinstance(lp, LinearProgram):
        raise InputError(
            [
                Problem(
                    "options",
                    "solve_lp()",
                    "lp",
                    type(lp).__name__,
                    "expected a reopt.LinearProgram",
                    "e.g. reopt.LinearProgram.read('model.mps')",
                )
            ]
        )
    backend, options = check_solver(solver, options)
    scaling = scaling_for(lp)
    solution = solve_with(backend, lp, options, scaling=scaling)
    if solution.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
        solution = _confirm_infeasible(lp, solution, backend, options)
    if solution.status is Status.OPTIMAL:
        if solution.x is None:
            return replace(solution, status=Status.ERROR)
        solution = checked_answer(lp, solution, backend, options, [], scaling=scaling)
    if solution.status in _NO_POINT:
        solution = replace(solution, x=None, row_dual=None, col_dual=None, objective=float("nan"))
    return _in_file_sense(solution, objective_sense(lp))


#: Verdicts that come with no point to read: a solver's last iterate is not an answer.
_NO_POINT = (Status.INFEASIBLE, Status.UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED, Status.ERROR)


def _confirm_infeasible(
    lp: LinearProgram, solution: Solution, backend: Backend, options: SolverOptions
) -> Solution:
    """Presolve has declared feasible programs infeasible: solve again without it."""
    without = options.replace(presolve=False)
    if backend.option_problems(lp, without):
        return solution  # the back end takes no settings: its verdict stands
    if solution.settings.get("presolve") == "off" and options.presolve is False:
        return solution  # already solved without presolve
    again = without_presolve(lp, backend, options)
    return again if again.status is not Status.ERROR else solution  # undecided: it stands


def _in_file_sense(solution: Solution, sense: int) -> Solution:
    """``solution`` with its objective and duals multiplied by ``sense`` (1 or -1)."""

    def flip(dual: np.ndarray | None) -> np.ndarray | None:
        return dual if dual is None or sense == 1 else readonly(sense * dual)

    return replace(
        solution,
        objective=sense * solution.objective,
        row_dual=flip(solution.row_dual),
        col_dual=flip(solution.col_dual),
    )
