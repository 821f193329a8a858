"""The HiGHS back end: passes a `LinearProgram` to highspy in-process, as numpy buffers.

The arrays go to HiGHS in one ``passModel`` call (no per-row Python work), and results come
back with ``np.asarray`` on HiGHS's solution vectors. reopt's default settings differ from
HiGHS's where measurements showed HiGHS's defaults to be slow on procurement models; they are
chosen in `default_settings` and documented in ``docs/solvers.md``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import highspy
import numpy as np

from reopt.backends import Solution
from reopt.data.market import readonly
from reopt.errors import InputError, ProblemList, SolverError
from reopt.model.formulation import LinearProgram
from reopt.options import Method, SolverOptions
from reopt.status import Status

__all__ = ["default_settings", "new_highs", "run", "solve_highs"]

_STATUS = {
    "kOptimal": Status.OPTIMAL,
    "kInfeasible": Status.INFEASIBLE,
    "kUnbounded": Status.UNBOUNDED,
    "kUnboundedOrInfeasible": Status.INFEASIBLE_OR_UNBOUNDED,
    "kTimeLimit": Status.TIME_LIMIT,
    "kIterationLimit": Status.ITERATION_LIMIT,
    "kSolutionLimit": Status.OTHER_LIMIT,
    "kMemoryLimit": Status.OTHER_LIMIT,
    "kObjectiveBound": Status.OTHER_LIMIT,
    "kObjectiveTarget": Status.OTHER_LIMIT,
    "kInterrupt": Status.INTERRUPTED,
    "kHighsInterrupt": Status.INTERRUPTED,
}


def map_status(raw: object) -> Status:
    """Reopt's status for a ``HighsModelStatus``; anything unknown is an error."""
    return _STATUS.get(getattr(raw, "name", str(raw)), Status.ERROR)


def new_highs() -> Any:
    """A silent HiGHS instance.

    highspy's ``Highs`` class prints a banner on stdout when it is created, before any
    option can be set; its core class does not, so reopt uses the core class when present.
    """
    core = getattr(getattr(highspy, "_core", None), "_Highs", None)
    h = core() if core is not None else highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


#: Above this many offers in one product (and period), interior point beats dual simplex.
IPM_FROM_OFFERS_PER_PRODUCT = 8_000


def default_settings(lp: LinearProgram, options: SolverOptions) -> dict[str, object]:
    """HiGHS option values for ``lp`` under ``options``; reopt's defaults fill the gaps.

    reopt's defaults, chosen by measurement (``python -m benchmarks.settings``; the figures
    are in ``docs/solvers.md``):

    - presolve off for LPs: on single-period markets with many offers per product, HiGHS's
      presolve took 100 s where the whole solve without it took 1-3 s;
    - dual simplex, unless one product (in one period) has at least
      `IPM_FROM_OFFERS_PER_PRODUCT` offers; then interior point with crossover, which was
      2-7x faster there (crossover gives a basis, so duals stay exact);
    - HiGHS's own choices for MILPs (minimum orders), where presolve pays off;
    - ``threads=1``, so that parallel sweeps do not oversubscribe the cores.
    """
    settings: dict[str, object] = {}
    if lp.is_mip:
        settings["presolve"] = "choose"
        settings["solver"] = "choose"
    else:
        settings["presolve"] = "off"
        settings["solver"] = (
            "ipm" if _widest_demand_row(lp) >= IPM_FROM_OFFERS_PER_PRODUCT else ("simplex")
        )
        if settings["solver"] == "ipm":
            settings["run_crossover"] = "on"
    if options.presolve is not None:
        settings["presolve"] = "on" if options.presolve else "off"
    if options.method is not Method.AUTO:
        settings["solver"] = options.method.value
        if options.method is Method.IPM:
            settings["run_crossover"] = "on"
        else:
            settings.pop("run_crossover", None)
    settings["threads"] = options.threads if options.threads is not None else 1
    settings["random_seed"] = options.seed if options.seed is not None else 0
    if options.time_limit_s is not None:
        settings["time_limit"] = float(options.time_limit_s)
    if options.mip_gap is not None:
        settings["mip_rel_gap"] = float(options.mip_gap)
    if options.log is True:
        settings["log_to_console"] = True
    elif options.log not in (False, None):
        settings["log_file"] = os.fspath(options.log)  # type: ignore[arg-type]
        settings["log_to_console"] = False
    settings.update(options.extra)
    return settings


def _widest_demand_row(lp: LinearProgram) -> int:
    """The most offers in one demand row (one product in one period)."""
    demand = np.flatnonzero(lp.rows["family"].to_numpy() == "demand")
    if len(demand) == 0:
        return 0
    return int(np.max(lp.row_start[demand + 1] - lp.row_start[demand]))


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
    """Hand the arrays to HiGHS in one call (row-wise matrix)."""
    status = h.passModel(
        lp.n_cols,
        lp.n_rows,
        lp.n_nonzeros,
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMinimize),
        0.0,
        lp.cost,
        lp.col_lower,
        lp.col_upper,  # numpy's inf is HiGHS's infinity (kHighsInf == inf)
        lp.row_lower,
        lp.row_upper,
        lp.row_start,
        lp.col_index,
        lp.value,
        lp.integrality,
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


def read_solution(h: Any, lp: LinearProgram, settings: Mapping[str, object]) -> Solution:
    """Read status, values and duals back from a solved instance."""
    raw = h.getModelStatus()
    status = map_status(raw)
    info = h.getInfo()
    sol = h.getSolution()
    x = readonly(np.asarray(sol.col_value, dtype=float)) if sol.value_valid else None
    dual_ok = (
        not lp.is_mip
        and sol.dual_valid
        and info.dual_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    )
    row_dual = readonly(np.asarray(sol.row_dual, dtype=float)) if dual_ok else None
    col_dual = readonly(np.asarray(sol.col_dual, dtype=float)) if dual_ok else None
    iterations = (
        max(info.simplex_iteration_count, 0)
        + max(info.ipm_iteration_count, 0)
        + max(info.pdlp_iteration_count, 0)
    )
    objective = float(info.objective_function_value) if x is not None else float("nan")
    return Solution(
        status=status,
        raw_status=str(h.modelStatusToString(raw)),
        x=x if status is not Status.ERROR else None,
        row_dual=row_dual,
        col_dual=col_dual,
        objective=objective,
        backend="highs",
        solve_time_s=float(h.getRunTime()),
        iterations=int(iterations),
        settings=dict(settings),
    )


def solve_highs(lp: LinearProgram, options: SolverOptions | None = None) -> Solution:
    """Solve ``lp`` with HiGHS in-process.

    Examples
    --------
    >>> import reopt
    >>> lp = reopt.compile(reopt.datasets.japan_2025())
    >>> solve_highs(lp).status
    <Status.OPTIMAL: 'optimal'>
    """
    options = options or SolverOptions()
    settings = default_settings(lp, options)
    h = new_highs()
    apply_settings(h, settings)
    pass_model(h, lp)
    run(h)
    return read_solution(h, lp, settings)
