"""A program with floors, crossing caps or stock, solved from the greedy plan for the rest.

A market with a floor (a recycled-content ``min_share``, say), with caps from two families
that cross (a cap per mining country beside a cap per refining country), or with stock
carried between periods is not greedy-exact, but with those set aside it often is: each
product's remaining caps nest. `relaxation` holds the stock at its floors and each
period's purchases at what that leaves (`reopt.backends.held`: the columns taken out of the
program, what they contribute moved into the rows' bounds); it sets aside the floors (and
ranges), then, while the rest still is not greedy-exact, the rows of the policies given
last, one policy at a time.
`solve_relaxed` solves what is left by the greedy method (`reopt.backends.greedy`, every
block at once), then:

- where the plan meets every row set aside and no stock column held at its bound has a
  negative reduced cost under the plan's duals (buying ahead and holding would save
  nothing), it is optimal for the whole program: it is feasible, and the relaxation's
  duals with a dual of 0 on each row set aside prove it. No LP solver runs;
- elsewhere HiGHS solves the independent part that holds such a row or column (each
  product and period, or each product over its periods where stock links them,
  `reopt.backends.split`; the whole program when it is not split) by simplex, starting
  from the plan's basis: the offers bought in part are basic, the others and the stock
  columns sit at a bound, the caps that bind and the demand rows are at their bounds, the
  slacks of the rows set aside are basic. That basis is the relaxation's optimum, so the
  simplex needs only the pivots that make those rows hold and bring stock in, instead of a
  solve from scratch.

Parts the plan solves are answered with the greedy method's values and duals; parts HiGHS
solves with HiGHS's. Every answer goes through reopt's numpy check of the whole program.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import highspy
import numpy as np

from reopt.backends.base import Solution, StartBasis
from reopt.backends.greedy import GreedyStructure, greedy_structure, solve_greedy
from reopt.backends.held import Holding, holding, lift, settle
from reopt.backends.highs import read_solution
from reopt.backends.highs_calls import apply_settings, finish, new_highs, pass_model, run
from reopt.backends.highs_codes import highs_basis
from reopt.backends.highs_settings import default_settings
from reopt.backends.split import blocks_of, map_parts, sub_program
from reopt.model.program import LinearProgram
from reopt.options import SolverOptions
from reopt.status import Status
from reopt.vectors import dot

__all__ = [
    "ASIDE_HOLDS",
    "RELAX_FROM_COLUMNS",
    "WARM_HIGHS",
    "Relaxation",
    "floor_rows",
    "relaxation",
    "solve_relaxed",
    "warm_highs",
]

#: Method names for the parts: the plan for the caps that nest met every row set aside, or
#: HiGHS started from it.
ASIDE_HOLDS = "rows set aside hold"
WARM_HIGHS = "highs from greedy"
#: Programs with fewer columns than this go to HiGHS whole: below it, where a floor binds,
#: the greedy plan and a start from it cost more than they save (measured: HiGHS from the
#: plan was slower than from scratch at 10,000 offers and faster from 20,000).
RELAX_FROM_COLUMNS = 20_000
#: A floor counts as met when its row is short by at most this much of its size.
_MET = 1e-12


def floor_rows(lp: LinearProgram) -> np.ndarray:
    """Rows with entries that are neither an equality nor a cap: floors and ranges."""
    filled = np.diff(lp.row_start) > 0
    equality = lp.row_lower == lp.row_upper
    cap = np.isneginf(lp.row_lower)
    return np.flatnonzero(filled & ~equality & ~cap)


class Relaxation:
    """What `relaxation` sets aside: the rows and columns, in words, and what is left.

    Attributes
    ----------
    rows : ndarray
        The rows set aside (floors, ranges, the rows of the policies named).
    aside : str
        Them in words: ``"its floors"``, ``"its stock between periods and its floors"``.
    program : LinearProgram
        The program with those rows free and without the columns held.
    structure : GreedyStructure
        Its structure for the greedy method.
    held : Holding or None
        The stock held at its floors (`reopt.backends.held`): the columns not in
        ``program``, whose columns are the others, in order.
    """

    def __init__(
        self,
        rows: np.ndarray,
        aside: str,
        program: LinearProgram,
        structure: GreedyStructure,
        held: Holding | None,
    ) -> None:
        self.rows, self.aside, self.program, self.structure = rows, aside, program, structure
        self.held = held

    @property
    def reason(self) -> str:
        """Why the relaxation is solved this way: what was set aside."""
        return f"with {self.aside} set aside, each product's caps nest"


def relaxation(lp: LinearProgram) -> Relaxation | None:
    """``lp`` with its floors, then its last policies' rows, set aside until the rest nests.

    The rest must be greedy-exact. None when that never happens (the first policy always
    stays), nothing is set aside, or ``lp`` is a MIP or smaller than `RELAX_FROM_COLUMNS`.
    """
    if lp.is_mip or lp.n_cols < RELAX_FROM_COLUMNS:
        return None
    held = holding(lp)
    rest = held.program if held is not None else lp
    rows = floor_rows(rest)
    words = ["its stock between periods"] if held is not None else []
    words += ["its floors"] if len(rows) else []
    policies = list(lp.policies)
    tried = -1 if held is not None else 0  # rows set aside at the last try (-1: none yet)
    while True:
        if len(rows) > tried:
            tried = len(rows)
            free = np.full(len(rows), np.inf)
            program = rest.with_row_bounds(rows, lower=-free, upper=free)
            structure = greedy_structure(program)
            if not isinstance(structure, str):
                return Relaxation(rows, " and ".join(words), program, structure, held)
        if len(policies) < 2:
            return None
        policy = policies.pop()
        more = np.setdiff1d(rest.rows_of(len(policies)), rows)
        if len(more):  # a policy of floors alone is aside already
            rows = np.union1d(rows, more)
            words.append(repr(policy))


def solve_relaxed(
    lp: LinearProgram,
    options: SolverOptions,
    *,
    workers: int = 1,
    by_price: Callable[[], np.ndarray] | None = None,
) -> tuple[Solution, dict[str, int], Relaxation] | None:
    """``lp`` solved from its `relaxation` (module docstring), or None.

    None when there is no relaxation or it has no plan, or a part HiGHS solves is neither
    optimal nor stopped by the time limit (the caller then solves the whole as before).
    Returns the answer, how many parts each method solved (one part: the whole program) and
    the relaxation (what was set aside, and the stock held); a part stopped by the time
    limit (the whole solve's: each part gets what is left) makes the answer the limit.
    ``workers``: parts HiGHS solves at once, on threads. ``by_price`` waits for the price
    order of ``lp``'s costs being sorted elsewhere (used where the relaxation keeps them).
    """
    started = time.perf_counter()
    relaxed = relaxation(lp)
    if relaxed is None:
        return None
    same_costs = by_price is not None and relaxed.program.cost is lp.cost
    plan = solve_greedy(relaxed.program, relaxed.structure, by_price if same_costs else None)
    if plan is None or plan.x is None or plan.row_dual is None:
        return None
    if relaxed.held is not None:
        x, row_dual, col_dual = lift(lp, relaxed.held, plan.x, plan.row_dual)
        row_dual, col_dual = settle(lp, relaxed.held, row_dual, col_dual)
        gains = _gaining_columns(lp, relaxed.held, x, row_dual, col_dual)
    else:
        x, row_dual = np.array(plan.x, dtype=float), np.array(plan.row_dual, dtype=float)
        if plan.col_dual is not None:
            col_dual = np.array(plan.col_dual, dtype=float)
        else:
            col_dual = lp.cost - lp.column_activity(row_dual)
        gains = np.zeros(0, dtype=np.int64)
    short = _short_rows(lp, x, relaxed.rows)
    if not len(short) and not len(gains):
        answer = replace(
            plan,
            raw_status="greedy: optimal, every row set aside met",
            x=x,
            row_dual=row_dual,
            col_dual=col_dual,
            objective=dot(lp.cost, x) + lp.objective_offset,
        )
        return _timed(answer, started), {ASIDE_HOLDS: 1}, relaxed

    blocks = blocks_of(lp) or [(np.arange(lp.n_rows), np.arange(lp.n_cols))]
    row_part = np.full(lp.n_rows, -1)
    col_part = np.full(lp.n_cols, -1)
    for k, (rows, cols) in enumerate(blocks):
        row_part[rows] = k
        col_part[cols] = k
    redo = [blocks[k] for k in np.union1d(row_part[short], col_part[gains])]
    counts = {ASIDE_HOLDS: len(blocks) - len(redo)} if len(redo) < len(blocks) else {}
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
            return _timed(limited, started), {}, relaxed
        if solution.status is not Status.OPTIMAL or solution.x is None:
            return None
        if solution.row_dual is None or solution.col_dual is None:
            return None
        x[cols], row_dual[rows], col_dual[cols] = solution.x, solution.row_dual, solution.col_dual
        counts[WARM_HIGHS] = counts.get(WARM_HIGHS, 0) + 1
    answer = Solution(
        status=Status.OPTIMAL,
        raw_status=f"optimal: the greedy plan, HiGHS from it in {len(redo)} part(s)",
        x=x,
        row_dual=row_dual,
        col_dual=col_dual,
        objective=dot(lp.cost, x) + lp.objective_offset,
        backend="auto",
    )
    return _timed(answer, started), counts, relaxed


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
    basis = highs_basis(StartBasis(col_code.astype(np.int8), row_code.astype(np.int8)))
    basis.alien = True
    if h.setBasis(basis) != highspy.HighsStatus.kOk:
        h.clearSolver()  # not a basis HiGHS can start from: from scratch
    run(h)
    if finish(h, lp):
        settings = {**settings, "finished_by": "simplex"}
    # reduced costs as c - A^T y: HiGHS's own may differ from them by its tolerances, which
    # unscaling a part with a tiny demand would turn into whole prices
    return read_solution(h, lp, settings, reduced_costs=False)


def _gaining_columns(
    lp: LinearProgram, held: Holding, x: np.ndarray, row_dual: np.ndarray, col_dual: np.ndarray
) -> np.ndarray:
    """The columns whose reduced cost says the plan may not be optimal.

    Beyond rounding: a stock held at its floor with a reduced cost below 0 (holding more
    would save), a stock held above it (being used up) whose reduced cost is not 0, and an
    offer not bought whose reduced cost fell below 0 when `settle` priced such a stock.
    """
    terms = np.abs(lp.cost) + np.bincount(
        lp.col_index, weights=np.abs(lp.value * row_dual[lp.entry_row]), minlength=lp.n_cols
    )
    tol = 1e-12 * terms
    stock = held.stock[lp.col_upper[held.stock] > lp.col_lower[held.stock]]
    floor = x[stock] <= lp.col_lower[stock]
    low = stock[floor & (col_dual[stock] < -tol[stock])]
    inside = stock[~floor & (np.abs(col_dual[stock]) > tol[stock])]
    offers = np.flatnonzero(x[: lp.n_offers] <= lp.col_lower[: lp.n_offers])
    cheap = offers[col_dual[offers] < -tol[offers]]
    return np.union1d(np.union1d(low, inside), cheap)


def _short_rows(lp: LinearProgram, x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The ``rows`` that ``x`` does not meet, within `_MET` of their size."""
    activity = lp.row_activity(x)[rows]
    low, high = lp.row_lower[rows], lp.row_upper[rows]
    finite_low = np.where(np.isfinite(low), np.abs(low), 0.0)
    size = np.maximum(1.0, np.maximum(finite_low, np.where(np.isfinite(high), np.abs(high), 0)))
    bad = (activity < low - _MET * size) | (activity > high + _MET * size)
    return rows[bad]


def _timed(solution: Solution, started: float) -> Solution:
    return replace(solution, backend="auto", solve_time_s=time.perf_counter() - started)
