"""A program with floors, solved from the greedy method's plan for its caps alone.

A market with a floor (a recycled-content ``min_share``, say) is not greedy-exact, but
without its floors it often is: each product's caps still nest. `solve_relaxed` solves that
relaxation by the greedy method (`reopt.backends.greedy`, every block at once), then:

- where the plan already meets every floor, it is optimal for the whole program: it is
  feasible, and the relaxation's duals with a dual of 0 on each floor prove it (the floors
  do not bind). No LP solver runs;
- where a floor is not met, HiGHS solves the independent part that holds it (each product
  and period, `reopt.backends.split`; the whole program when it is not split) by simplex,
  starting from the plan's basis: the offers bought in part are basic, the others sit at a
  bound, the caps that bind and the demand rows are at their bounds, the floors' slacks are
  basic. That basis is dual feasible (it is the relaxation's optimum), so the dual simplex
  needs only the pivots that make the floors hold, instead of a solve from scratch.

Parts the plan solves are answered with the greedy method's values and duals; parts HiGHS
solves with HiGHS's. Every answer goes through reopt's numpy check of the whole program.
"""

from __future__ import annotations

import time
from dataclasses import replace

import highspy
import numpy as np

from reopt.backends.base import Solution
from reopt.backends.greedy import GreedyStructure, greedy_structure, solve_greedy
from reopt.backends.highs import apply_settings, new_highs, pass_model, read_solution, run
from reopt.backends.highs_settings import default_settings
from reopt.backends.split import blocks_of, map_parts, sub_program
from reopt.model.program import LinearProgram
from reopt.options import SolverOptions
from reopt.status import Status
from reopt.vectors import dot

__all__ = [
    "FLOORS_HOLD",
    "RELAX_FROM_COLUMNS",
    "WARM_HIGHS",
    "caps_nest_without_floors",
    "floor_rows",
    "solve_relaxed",
    "warm_highs",
]

#: Method names for the parts: the plan for the caps alone met every floor, or HiGHS
#: started from it.
FLOORS_HOLD = "floors hold"
WARM_HIGHS = "highs from greedy"
#: Programs with fewer columns than this go to HiGHS whole: below it, where a floor binds,
#: the greedy plan and a start from it cost more than they save (measured: HiGHS from the
#: plan was slower than from scratch at 10,000 offers and faster from 20,000).
RELAX_FROM_COLUMNS = 20_000
#: A floor counts as met when its row is short by at most this much of its size.
_MET = 1e-12

#: Basis statuses by code: 0 at the lower bound, 1 basic, 2 at the upper bound.
_STATUSES = np.array(
    [
        highspy.HighsBasisStatus.kLower,
        highspy.HighsBasisStatus.kBasic,
        highspy.HighsBasisStatus.kUpper,
    ],
    dtype=object,
)


def floor_rows(lp: LinearProgram) -> np.ndarray:
    """Rows with entries that are neither an equality nor a cap: floors and ranges."""
    filled = np.diff(lp.row_start) > 0
    equality = lp.row_lower == lp.row_upper
    cap = np.isneginf(lp.row_lower)
    return np.flatnonzero(filled & ~equality & ~cap)


def caps_nest_without_floors(lp: LinearProgram) -> bool:
    """Whether ``lp`` has floors and is greedy-exact without them (`solve_relaxed` applies)."""
    if lp.is_mip or lp.n_cols < RELAX_FROM_COLUMNS:
        return False
    floors = floor_rows(lp)
    return bool(len(floors)) and _relaxed(lp, floors)[1] is not None


def _relaxed(lp: LinearProgram, floors: np.ndarray) -> tuple[LinearProgram, GreedyStructure | None]:
    """``lp`` with its floors made free rows, and its greedy structure (None if not)."""
    free = np.full(len(floors), np.inf)
    relaxed = lp.with_row_bounds(floors, lower=-free, upper=free)
    structure = greedy_structure(relaxed)
    return relaxed, None if isinstance(structure, str) else structure


def solve_relaxed(
    lp: LinearProgram, options: SolverOptions, *, workers: int = 1
) -> tuple[Solution, dict[str, int]] | None:
    """``lp`` solved from its relaxation without floors (module docstring), or None.

    None when ``lp`` is smaller than `RELAX_FROM_COLUMNS`, has no floors, its relaxation
    is not greedy-exact or has no plan, or a part HiGHS solves is neither optimal nor
    stopped by the time limit (the caller then solves the whole as before). Returns the
    answer and how many parts each method solved (one part: the whole program); a part
    stopped by the time limit (the whole solve's: each part gets what is left) makes the
    answer the limit. ``workers``: parts HiGHS solves at once, on threads.
    """
    started = time.perf_counter()
    if lp.is_mip or lp.n_cols < RELAX_FROM_COLUMNS:
        return None
    floors = floor_rows(lp)
    if not len(floors):
        return None
    relaxed, structure = _relaxed(lp, floors)
    if structure is None:
        return None
    plan = solve_greedy(relaxed, structure)
    if plan is None or plan.x is None or plan.row_dual is None or plan.col_dual is None:
        return None
    short = _short_rows(lp, plan.x, floors)
    if not len(short):
        answer = replace(plan, raw_status="greedy: optimal, every floor met")
        return _timed(answer, started), {FLOORS_HOLD: 1}

    blocks = blocks_of(lp) or [(np.arange(lp.n_rows), np.arange(lp.n_cols))]
    row_part = np.full(lp.n_rows, -1)
    for k, (rows, _) in enumerate(blocks):
        row_part[rows] = k
    redo = [blocks[k] for k in np.unique(row_part[short])]
    counts = {FLOORS_HOLD: len(blocks) - len(redo)} if len(redo) < len(blocks) else {}
    x, row_dual, col_dual = (
        np.array(v, dtype=float) for v in (plan.x, plan.row_dual, plan.col_dual)
    )
    limit = options.time_limit_s
    deadline = None if limit is None else time.monotonic() + limit - (time.perf_counter() - started)

    whole = len(blocks) == 1

    def solve_part(block: tuple[np.ndarray, np.ndarray]) -> Solution:
        rows, cols = block
        left = options
        if deadline is not None:
            left = options.replace(time_limit_s=max(deadline - time.monotonic(), 1e-9))
        part = lp if whole else sub_program(lp, rows, cols)
        return warm_highs(part, x[cols], row_dual[rows], left)

    for k, ((rows, cols), solution) in enumerate(
        zip(redo, map_parts(solve_part, redo, workers), strict=True), start=1
    ):
        if solution.status is Status.TIME_LIMIT:  # the whole solve's limit: so is the answer
            stopped = f"time limit reached in part {k} of {len(redo)} HiGHS solved"
            limited = replace(solution, raw_status=stopped, x=None, row_dual=None, col_dual=None)
            return _timed(limited, started), {}
        if solution.status is not Status.OPTIMAL or solution.x is None:
            return None
        if solution.row_dual is None or solution.col_dual is None:
            return None
        x[cols], row_dual[rows], col_dual[cols] = solution.x, solution.row_dual, solution.col_dual
        counts[WARM_HIGHS] = counts.get(WARM_HIGHS, 0) + 1
    answer = Solution(
        status=Status.OPTIMAL,
        raw_status=f"optimal: the plan for the caps alone, HiGHS from it in {len(redo)} part(s)",
        x=x,
        row_dual=row_dual,
        col_dual=col_dual,
        objective=dot(lp.cost, x) + lp.objective_offset,
        backend="auto",
    )
    return _timed(answer, started), counts


def warm_highs(
    lp: LinearProgram, x: np.ndarray, row_dual: np.ndarray, options: SolverOptions
) -> Solution:
    """HiGHS's simplex on ``lp``, from the basis of the point ``x`` with duals ``row_dual``.

    Columns strictly inside their bounds are basic, the others at the bound they sit at;
    equality rows and rows with a dual are at their bounds; other rows' slacks are basic.
    HiGHS completes a basis with too few or too many basic entries (``alien``).
    """
    settings = default_settings(lp, options)
    settings.pop("run_crossover", None)
    settings["solver"] = "simplex"
    h = new_highs()
    apply_settings(h, settings)
    pass_model(h, lp)
    col_code = np.where(x <= lp.col_lower, 0, np.where(x >= lp.col_upper, 2, 1))
    row_code = np.where(row_dual < 0, 2, np.where(row_dual > 0, 0, 1))
    row_code[lp.row_lower == lp.row_upper] = 0
    basis = highspy.HighsBasis()
    basis.col_status = _STATUSES[col_code].tolist()
    basis.row_status = _STATUSES[row_code].tolist()
    basis.valid = True
    basis.alien = True
    if h.setBasis(basis) != highspy.HighsStatus.kOk:
        h.clearSolver()  # not a basis HiGHS can start from: from scratch
    run(h)
    return read_solution(h, lp, settings)


def _short_rows(lp: LinearProgram, x: np.ndarray, floors: np.ndarray) -> np.ndarray:
    """The floors (and ranges) that ``x`` does not meet, within `_MET` of their size."""
    activity = lp.row_activity(x)[floors]
    low, high = lp.row_lower[floors], lp.row_upper[floors]
    size = np.maximum(1.0, np.maximum(np.abs(low), np.where(np.isfinite(high), np.abs(high), 0)))
    bad = (activity < low - _MET * size) | (activity > high + _MET * size)
    return floors[bad]


def _timed(solution: Solution, started: float) -> Solution:
    return replace(solution, backend="auto", solve_time_s=time.perf_counter() - started)
