"""A kept session re-run and read back as bare arrays, for many small solves.

`run_arrays` is `HighsSession.run` without the `Solution` record: the status, the values, the
duals and the objective, as numpy arrays of the program the session holds (a Monte Carlo
sample needs no more before reopt's array check, `reopt.results.array_check`). A session of
another back end with the same interface (``run``, ``set_*``, ``set_basis``) is run as it
is, and its `Solution` kept with the arrays. `solution_now` gives the answer as a full
`Solution`, for the answers that go on to the full check. Changes go through the session's
own hooks (``set_costs``, ``set_col_bounds``, ``set_row_bounds``, ``set_basis``), which
change the solver's model and leave ``session.lp`` as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import highspy
import numpy as np

from reopt.backends.base import Solution
from reopt.backends.highs import HighsSession, read_solution
from reopt.backends.highs_calls import finish, run
from reopt.backends.highs_codes import map_status
from reopt.status import Status

__all__ = ["ArrayAnswer", "run_arrays", "solution_now"]

_FEASIBLE = highspy.SolutionStatus.kSolutionStatusFeasible


@dataclass(frozen=True)
class ArrayAnswer:
    """One run's answer: ``x`` and the duals are None unless the run ended optimal with them.

    ``objective`` includes the program's offset (NaN without values); ``solution`` is the
    session's own record where it made one (sessions other than HiGHS's).
    """

    status: Status
    x: np.ndarray | None
    row_dual: np.ndarray | None
    col_dual: np.ndarray | None
    objective: float
    solve_time_s: float
    solution: Solution | None = None


def run_arrays(session: Any) -> ArrayAnswer:
    """Run ``session`` from its current basis and read the answer back as arrays.

    As `HighsSession.run`: a time limit counts from this run's start.
    """
    if not isinstance(session, HighsSession):
        return _of(session.run())
    h = session.highs
    started = h.getRunTime()
    if session.options.time_limit_s is not None:
        h.setOptionValue("time_limit", started + session.options.time_limit_s)
    run(h)
    finish(h, session.lp)
    session.runs += 1
    seconds = h.getRunTime() - started
    status = map_status(h.getModelStatus())
    solution = h.getSolution()
    if status is not Status.OPTIMAL or not solution.value_valid:
        return ArrayAnswer(status, None, None, None, float("nan"), seconds)
    info = h.getInfo()
    x = np.asarray(solution.col_value, dtype=float)
    objective = float(info.objective_function_value)
    if not (solution.dual_valid and info.dual_solution_status == _FEASIBLE):
        return ArrayAnswer(status, x, None, None, objective, seconds)
    row_dual = np.asarray(solution.row_dual, dtype=float)
    col_dual = np.asarray(solution.col_dual, dtype=float)
    return ArrayAnswer(status, x, row_dual, col_dual, objective, seconds)


def _of(solution: Solution) -> ArrayAnswer:
    """The arrays of ``solution`` (values and duals only when optimal)."""
    if solution.status is not Status.OPTIMAL or solution.x is None:
        return ArrayAnswer(
            solution.status, None, None, None, float("nan"), solution.solve_time_s, solution
        )
    return ArrayAnswer(
        solution.status,
        np.asarray(solution.x, dtype=float),
        None if solution.row_dual is None else np.asarray(solution.row_dual, dtype=float),
        None if solution.col_dual is None else np.asarray(solution.col_dual, dtype=float),
        solution.objective,
        solution.solve_time_s,
        solution,
    )


def solution_now(session: Any, answer: ArrayAnswer) -> Solution:
    """``answer``, the last run of ``session``, as `HighsSession.run` would have returned it."""
    if answer.solution is not None:
        return answer.solution
    solution = read_solution(session.highs, session.lp, session.settings)
    return replace(solution, solve_time_s=answer.solve_time_s)
