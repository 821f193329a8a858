"""Independent blocks of a program, solved one by one: `blocks_of`, `solve_by_blocks`.

A program whose rows and columns fall into several connected parts (each product in each
period, when no rule ties products or periods together and no stock links periods) is as
many independent programs. `solve_by_blocks` solves each part by itself, with the method
the ``"auto"`` back end picks for it (the greedy method where its caps nest, else HiGHS), and
puts the answers together: the values, row duals and reduced costs of the whole program, for
reopt's numpy check of the whole. A part that is not solved to optimality sends the whole
program back to HiGHS, which then says what it is.

HiGHS is faster on the parts than on the whole: on the structure suite's 200,000-offer
market with a recycled floor and caps per country (``l-policies``), 0.91 s end to end on
``"auto"`` (its 17 products one by one) against 1.61 s with HiGHS whole (``python -m
benchmarks --suite structure --sizes l --solvers 'reopt auto,reopt default,raw highspy' --out
benchmarks/structure-l``), before `reopt.backends.relaxed` took such markets (floors set
aside); parts now serve programs whose caps cross.
Below `SPLIT_FROM_COLUMNS` columns the calls' overhead outweighs it, and the whole goes to
HiGHS.
A time limit is the whole solve's: each part gets what is left of it.

With ``workers`` above 1 (`reopt.SolverOptions.threads` on the ``"auto"`` back end), parts
are solved on that many threads at once: highspy lets go of Python's lock while HiGHS runs,
and the parts are in memory already, so threads need no copies (a process pool would
pickle every part). Answers are put together in the parts' order, whatever order they end in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TypeVar

import numpy as np

from reopt.backends.base import Solution
from reopt.data.encoding import readonly
from reopt.model.parts import components
from reopt.model.program import LinearProgram
from reopt.status import Status
from reopt.vectors import dot

__all__ = [
    "SPLIT_FROM_COLUMNS",
    "blocks_of",
    "map_parts",
    "out_of_time",
    "solve_by_blocks",
    "sub_program",
]

_Part = TypeVar("_Part")
_Answer = TypeVar("_Answer")

#: Programs with fewer columns than this are solved whole.
SPLIT_FROM_COLUMNS = 50_000


def blocks_of(lp: LinearProgram) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """The connected parts of ``lp`` as ``(rows, columns)``, or None when not worth it.

    None for a MIP, for one part, for a row with no entries that cannot hold (a floor on
    nothing), or for a column in no row whose best value is unbounded. Columns in no row
    are left out of every part (`solve_by_blocks` sets them); so are empty rows.
    """
    if lp.is_mip or lp.n_cols < SPLIT_FROM_COLUMNS:
        return None
    empty = np.diff(lp.row_start) == 0  # a row with no entries holds only if 0 is allowed
    if ((lp.row_lower[empty] > 0) | (lp.row_upper[empty] < 0)).any():
        return None
    col_label, row_label = components(lp)
    used = row_label[row_label >= 0]
    labels = np.unique(used)
    if len(labels) < 2:
        return None
    in_rows = np.zeros(lp.n_cols, dtype=bool)
    in_rows[lp.col_index] = True
    alone = ~in_rows
    if not np.isfinite(_alone_values(lp, alone)).all():
        return None
    row_order = np.argsort(row_label, kind="stable")
    col_order = np.argsort(np.where(in_rows, col_label, -1), kind="stable")
    row_cuts = np.searchsorted(row_label[row_order], labels, side="left")
    row_ends = np.searchsorted(row_label[row_order], labels, side="right")
    ordered_cols = np.where(in_rows, col_label, -1)[col_order]
    col_cuts = np.searchsorted(ordered_cols, labels, side="left")
    col_ends = np.searchsorted(ordered_cols, labels, side="right")
    return [
        (np.sort(row_order[a:b]), np.sort(col_order[c:e]))
        for a, b, c, e in zip(row_cuts, row_ends, col_cuts, col_ends, strict=True)
    ]


def sub_program(lp: LinearProgram, rows: np.ndarray, cols: np.ndarray) -> LinearProgram:
    """The program of ``rows`` and ``cols`` alone (a connected part: no entry outside)."""
    start, stop = lp.row_start[rows], lp.row_start[rows + 1]
    count = stop - start
    entry = np.repeat(start - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
    position = np.full(lp.n_cols, -1, dtype=np.int64)
    position[cols] = np.arange(len(cols))
    return LinearProgram(
        cost=readonly(lp.cost[cols]),
        col_lower=readonly(lp.col_lower[cols]),
        col_upper=readonly(lp.col_upper[cols]),
        row_lower=readonly(lp.row_lower[rows]),
        row_upper=readonly(lp.row_upper[rows]),
        row_start=readonly(np.concatenate([[0], np.cumsum(count)]).astype(np.int32)),
        col_index=readonly(position[lp.col_index[entry]].astype(np.int32)),
        value=readonly(lp.value[entry]),
        integrality=readonly(lp.integrality[cols]),
        row_labels={name: readonly(label[rows]) for name, label in lp.row_labels.items()},
        col_offer=readonly(lp.col_offer[cols]),
        n_offers=int((cols < lp.n_offers).sum()),
        policies=lp.policies,
    )


def solve_by_blocks(
    lp: LinearProgram,
    blocks: list[tuple[np.ndarray, np.ndarray]],
    solve_one: Callable[[LinearProgram], tuple[Solution, str]],
    *,
    workers: int = 1,
) -> tuple[Solution, dict[str, int]] | None:
    """Each part solved by ``solve_one`` (which returns an answer and its method), together.

    Returns the whole program's answer and how many parts each method solved, or None when
    some part was not solved to optimality. A part stopped by the time limit (``solve_one``
    gives each part what is left of it) stops the whole, as the limit. ``workers``: parts
    solved at once, on threads.
    """
    started = time.perf_counter()
    x = np.zeros(lp.n_cols)
    row_dual = np.zeros(lp.n_rows)
    alone = np.ones(lp.n_cols, dtype=bool)
    counts: dict[str, int] = {}
    for k, ((rows, cols), (solution, method)) in enumerate(
        zip(blocks, _answers(lp, blocks, solve_one, workers), strict=True), start=1
    ):
        if solution.status is Status.TIME_LIMIT:  # the whole solve's limit: so is the answer
            stopped = f"time limit reached in part {k} of {len(blocks)}"
            return replace(solution, raw_status=stopped, x=None, row_dual=None, col_dual=None), {}
        if solution.status is not Status.OPTIMAL or solution.x is None:
            return None
        if solution.row_dual is None:
            return None
        x[cols], row_dual[rows] = solution.x, solution.row_dual
        alone[cols] = False
        counts[method] = counts.get(method, 0) + 1
    x[alone] = _alone_values(lp, alone)
    answer = Solution(
        status=Status.OPTIMAL,
        raw_status=f"optimal in {len(blocks)} independent parts",
        x=x,
        row_dual=row_dual,
        # c - A^T y of the whole (a column in no row: its cost), not each part's solver's
        # figures, which may differ from them by its tolerances
        col_dual=lp.cost - lp.column_activity(row_dual),
        objective=dot(lp.cost, x) + lp.objective_offset,
        backend="auto",
        solve_time_s=time.perf_counter() - started,
    )
    return answer, counts


def _answers(
    lp: LinearProgram,
    blocks: list[tuple[np.ndarray, np.ndarray]],
    solve_one: Callable[[LinearProgram], tuple[Solution, str]],
    workers: int,
) -> Iterator[tuple[Solution, str]]:
    """The parts' answers in their order: one by one, or on ``workers`` threads."""

    def solve_part(block: tuple[np.ndarray, np.ndarray]) -> tuple[Solution, str]:
        return solve_one(sub_program(lp, *block))

    return map_parts(solve_part, blocks, workers)


def map_parts(
    fn: Callable[[_Part], _Answer], parts: list[_Part], workers: int
) -> Iterator[_Answer]:
    """``fn`` of each part, in order: one by one, or on ``workers`` threads at once.

    Stopping early (a part that ends the whole) cancels the parts not started yet.
    """
    if workers <= 1 or len(parts) < 2:
        yield from map(fn, parts)
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(parts))) as pool:
        futures = [pool.submit(fn, part) for part in parts]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def _alone_values(lp: LinearProgram, alone: np.ndarray) -> np.ndarray:
    """The best value of each column in no row: its cheaper bound (0 where both are free)."""
    cost, low, high = lp.cost[alone], lp.col_lower[alone], lp.col_upper[alone]
    value = np.where(cost > 0, low, np.where(cost < 0, high, np.clip(0.0, low, high)))
    return np.asarray(value, dtype=float)


def out_of_time(backend: str) -> Solution:
    """The answer of a part not started: the time limit was spent on the parts before it."""
    return Solution(
        status=Status.TIME_LIMIT,
        raw_status="time limit",
        x=None,
        row_dual=None,
        col_dual=None,
        objective=float("nan"),
        backend=backend,
    )
