"""The calls reopt makes on one HiGHS instance: create it, set options, pass arrays, run.

`new_highs` makes a silent instance; `apply_settings` sets options and turns what HiGHS
rejects into one `InputError`; `pass_model` and `pass_arrays` hand the row-wise arrays over
in one ``passModel`` call; `run` runs, resetting HiGHS's thread scheduler where that blocked
the run; `finish` finishes by simplex an LP answer that HiGHS left "Unknown".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import highspy
import numpy as np

from reopt.errors import InputError, ProblemList, SolverError
from reopt.model.program import LinearProgram

__all__ = [
    "HIGHS_PRIMAL_TOLERANCE",
    "apply_settings",
    "finish",
    "new_highs",
    "pass_arrays",
    "pass_model",
    "run",
    "settle",
]


def new_highs() -> Any:
    """A silent HiGHS instance.

    highspy's ``Highs`` class prints a banner on stdout when it is created, before any
    option can be set; its core class does not, so reopt uses the core class when present.
    """
    core = getattr(getattr(highspy, "_core", None), "_Highs", None)
    h = core() if core is not None else highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def apply_settings(h: Any, settings: Mapping[str, object]) -> None:
    """Set every option on ``h``; unknown names or bad values raise one `InputError`."""
    problems = ProblemList()
    logging = settings.get("log_to_console") is True or "log_file" in settings
    if logging:
        h.setOptionValue("output_flag", True)
    for name, value in settings.items():
        status = h.setOptionValue(name, value)
        if status != highspy.HighsStatus.kOk:
            problems.add(
                "options",
                "SolverOptions",
                name,
                value,
                "HiGHS rejected this option or value",
                "see https://ergo-code.github.io/HiGHS/stable/options/definitions/",
            )
    if problems:
        raise InputError(problems.items)


def pass_model(h: Any, lp: LinearProgram) -> None:
    """Hand the arrays of ``lp`` to HiGHS in one call (row-wise matrix)."""
    pass_arrays(
        h,
        cost=lp.cost,
        col_lower=lp.col_lower,
        col_upper=lp.col_upper,
        row_lower=lp.row_lower,
        row_upper=lp.row_upper,
        row_start=lp.row_start,
        col_index=lp.col_index,
        value=lp.value,
        integrality=lp.integrality,
        offset=lp.objective_offset,
    )


def pass_arrays(
    h: Any,
    *,
    cost: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    row_start: np.ndarray,
    col_index: np.ndarray,
    value: np.ndarray,
    integrality: np.ndarray,
    offset: float = 0.0,
) -> None:
    """Hand plain arrays to HiGHS in one ``passModel`` call (numpy buffers, row-wise).

    ``row_start`` has one entry per row plus one; numpy's ``inf`` is HiGHS's infinity.
    """
    status = h.passModel(
        len(cost),
        len(row_lower),
        len(value),
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMinimize),
        float(offset),
        cost,
        col_lower,
        col_upper,
        row_lower,
        row_upper,
        row_start,
        col_index,
        value,
        integrality,
    )
    if status == highspy.HighsStatus.kError:
        raise SolverError("HiGHS rejected the model (passModel returned an error)")


def run(h: Any) -> None:
    """Run ``h``, once more after resetting HiGHS's thread scheduler if that blocked it.

    HiGHS keeps one thread scheduler per process, sized by the first solve. A later solve
    that asks for a different number of threads (reopt's default is 1; a user's own
    highspy code or ``SolverOptions(threads=2)`` may have asked for more) fails at once
    without solving. reopt then resets the scheduler and runs again.
    """
    status = h.run()
    if status == highspy.HighsStatus.kError and h.getModelStatus() == _NOT_SET:
        h.resetGlobalScheduler(True)
        h.run()


_NOT_SET = highspy.HighsModelStatus.kNotset
_UNKNOWN = highspy.HighsModelStatus.kUnknown
_SOLVE_ERROR = highspy.HighsModelStatus.kSolveError
#: HiGHS's own primal feasibility tolerance, for a verdict its tighter setting failed to reach.
HIGHS_PRIMAL_TOLERANCE = 1e-7


def settle(h: Any, lp: LinearProgram) -> bool:
    """Run once more, at HiGHS's own primal tolerance, an LP that ended in a solve error.

    At reopt's tighter tolerance (`reopt.backends.highs_settings.PRIMAL_TOLERANCE`) HiGHS has
    ended unbounded programs in an error (``min x0, -x0 - x1 >= 0, x0 <= 8e8, x1 <= 0``, both
    free below), or with no status at all (a badly scaled one, after two dual simplex
    iterations), that its default calls unbounded. The tolerance is put back afterwards; an
    "optimal" from the second run is held to reopt's check like any other. True if it ran.
    """
    if lp.is_mip or h.getModelStatus() not in (_SOLVE_ERROR, _NOT_SET):
        return False
    _, tolerance = h.getOptionValue("primal_feasibility_tolerance")
    if tolerance >= HIGHS_PRIMAL_TOLERANCE:
        return False
    h.setOptionValue("primal_feasibility_tolerance", HIGHS_PRIMAL_TOLERANCE)
    try:
        h.clearSolver()
        run(h)
    finally:
        h.setOptionValue("primal_feasibility_tolerance", tolerance)
    return True


def finish(h: Any, lp: LinearProgram) -> bool:
    """Finish by simplex an LP answer that HiGHS left "Unknown"; True if it ran again.

    HiGHS calls an answer "Unknown" when its basic solution misses a tolerance after the
    solve (on a 1,000,000-offer market with a recycled floor: interior point and crossover
    ended 8e-8 outside a bound against a tolerance of 1e-10). Its basis is then nearly
    optimal, and simplex from it ends the solve (there: one iteration, 0.55 s, against 7 s
    for the interior point solve). The option ``solver`` is put back afterwards; what the
    second run answers, HiGHS's status says, so a second "Unknown" stays one.
    """
    if lp.is_mip or h.getModelStatus() != _UNKNOWN or not h.getBasis().valid:
        return False
    _, solver = h.getOptionValue("solver")
    h.setOptionValue("solver", "simplex")
    try:
        run(h)
    finally:
        h.setOptionValue("solver", solver)
    return True
