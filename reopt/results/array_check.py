"""reopt's numpy check of an optimal answer, on arrays, for many answers of one program.

`ArrayCheck` holds the matrix of one program (the scaled program a sample is solved in) and
checks answers of that program with other costs and bounds, as plain arrays: no
`LinearProgram` is built, no `Solution`, no `Plan`. It applies the tests of
`reopt.results.verify` with its tolerances, relative to the same sizes:

- feasibility: every column bound and every row to `FEASIBILITY_RTOL` of
  ``max(1, |bound|, sum |a_ij x_j|)`` (a policy's share row: of its base,
  `reopt.results.sizes.row_floor`), and the solver's objective against ``c @ x``; an answer
  with a value beyond its column bound, however little, goes to the full check;
- optimality by the duals: the reported reduced costs against ``c - A^T y``, dual
  feasibility (no dual beyond its tolerance points at a bound that is missing or farther
  than the feasibility tolerance), complementary slackness of each row and column and the
  duality gap, each to `OPTIMALITY_RTOL` of the money it is made of (a row's, of its
  columns in play), plus `OPTIMALITY_FLOOR` of the money around it (a row's own, a
  column's that of its rows, at most 1).

It answers only yes or no. An answer it refuses goes to the full check
(`reopt.results.planning.make_plan`), which says why, or moves the answer onto its vertex,
or solves again. The matrix is kept dense for small programs (one BLAS call per product) and
as (row, column, value) entries for large ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from reopt.model.program import LinearProgram
from reopt.results.sizes import column_money, row_floor, row_max
from reopt.results.verify import (
    FEASIBILITY_RTOL,
    OBJECTIVE_RTOL,
    OPTIMALITY_FLOOR,
    OPTIMALITY_RTOL,
    REACH_RTOL,
)
from reopt.vectors import row_sums

__all__ = ["CHUNK_CELLS", "DENSE_UP_TO", "ArrayCheck"]

#: Programs with at most this many matrix cells (rows x columns) are checked densely.
DENSE_UP_TO = 40_000
#: Answers are checked together up to this many matrix cells in all (answers x cells).
CHUNK_CELLS = 2_000_000


@dataclass(frozen=True)
class ArrayCheck:
    """The matrix of one LP, ready to check many answers (see the module docstring)."""

    lp: LinearProgram
    dense: np.ndarray | None
    abs_dense: np.ndarray | None
    inv_abs_dense: np.ndarray | None
    is_row: np.ndarray

    @classmethod
    def of(cls, lp: LinearProgram) -> ArrayCheck:
        """The check for answers of ``lp`` (an LP: integer columns are not checked here)."""
        if lp.is_mip:
            raise ValueError("ArrayCheck checks LP answers; a MILP goes through make_plan")
        is_row = np.r_[np.zeros(lp.n_cols), np.ones(lp.n_rows)]
        cells = lp.entry_row.astype(np.int64) * lp.n_cols + lp.col_index
        if lp.n_rows * lp.n_cols > DENSE_UP_TO or len(np.unique(cells)) < len(cells):
            return cls(lp, None, None, None, is_row)  # large, or an entry given twice
        a = np.zeros((lp.n_rows, lp.n_cols))
        np.add.at(a, (lp.entry_row, lp.col_index), lp.value)
        magnitude = np.abs(a)
        with np.errstate(divide="ignore"):
            inverse = np.where(magnitude > 0, 1.0 / magnitude, 0.0)
        return cls(lp, a, magnitude, inverse, is_row)

    def passes(
        self,
        cost: np.ndarray,
        col_lower: np.ndarray,
        col_upper: np.ndarray,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        x: np.ndarray,
        row_dual: np.ndarray,
        col_dual: np.ndarray,
        objective: np.ndarray | float,
    ) -> np.ndarray:
        """Whether each answer passes both checks for its costs and bounds.

        Every argument is one answer's (1-D; ``objective`` a number) or a stack of answers,
        one per row (2-D; ``objective`` one per row); bounds that all answers share may be
        1-D. ``objective`` is the solver's, with the program's ``objective_offset``.

        Returns
        -------
        numpy.ndarray
            One bool per answer (a 0-d array for one answer).
        """
        lp = self.lp
        x, y, d = (np.asarray(v, dtype=float) for v in (x, row_dual, col_dual))
        rows = max(1, CHUNK_CELLS // max(1, lp.n_rows * lp.n_cols))
        if x.ndim == 2 and len(x) > rows:  # a few answers at a time: bounded memory
            shared = (cost, col_lower, col_upper, row_lower, row_upper)
            parts = []
            for at in range(0, len(x), rows):
                cut = slice(at, at + rows)
                c, cl, cu, rl, ru = (np.asarray(v)[cut] if np.ndim(v) == 2 else v for v in shared)
                obj = np.asarray(objective)[cut]
                parts.append(self.passes(c, cl, cu, rl, ru, x[cut], y[cut], d[cut], obj))
            return np.concatenate(parts)
        if x.shape[-1:] != (lp.n_cols,) or y.shape[-1:] != (lp.n_rows,) or d.shape != x.shape:
            return np.zeros(x.shape[:-1], dtype=bool)
        with np.errstate(invalid="ignore", over="ignore"):
            ok = np.isfinite(x.sum(axis=-1) + y.sum(axis=-1) + d.sum(axis=-1))
            value = np.concatenate([x, self._times_a(x)], axis=-1)  # columns, then rows
            lower = _joined(col_lower, row_lower, x.shape[:-1])
            upper = _joined(col_upper, row_upper, x.shape[:-1])
            low_ok, up_ok = np.isfinite(lower), np.isfinite(upper)
            # sizes: max(1, |x|) for a column; max(1, |bounds|, sum |a_ij x_j|) for a row
            size = np.concatenate([np.abs(x), self._times_abs_a(np.abs(x))], axis=-1)
            bounds = np.maximum(
                np.where(low_ok, np.abs(lower), 0.0), np.abs(np.where(up_ok, upper, 0.0))
            )
            size = np.maximum(size, bounds * self.is_row)
            floor = np.concatenate(
                [np.ones(x.shape), row_floor(lp, value[..., lp.n_cols :], size[..., lp.n_cols :])],
                axis=-1,
            )
            # a share row: its base, not 1; a row defining money: the money it sums; and the
            # duals are held to the same sizes (`verify`)
            size = np.maximum(floor, size)
            above, below = value - lower, upper - value
            ok &= ~(np.minimum(above, below) < -FEASIBILITY_RTOL * size).any(axis=-1)
            del floor
            # a value beyond its column bound goes to the full check, which puts it on it
            ok &= ~((x < col_lower) | (x > col_upper)).any(axis=-1)
            recomputed = (np.asarray(cost) * x).sum(axis=-1) + lp.objective_offset
            allowed = OBJECTIVE_RTOL * np.maximum(1.0, np.abs(recomputed))
            ok &= np.abs(recomputed - np.asarray(objective, dtype=float)) <= allowed

            reduced = np.asarray(cost) - self._times_a_t(y)
            terms = np.abs(cost) + self._times_abs_a_t(np.abs(y))
            # a row's dual: the money of its columns in play, or of all where none is
            row_money = self._row_terms(terms * (x != 0))
            idle = row_money == 0
            if idle.any():
                row_money = np.where(idle, self._row_terms(terms), row_money)
            money = np.concatenate([terms, row_money], axis=-1)
            tol = OPTIMALITY_RTOL * money + OPTIMALITY_FLOOR
            ok &= ~(np.abs(d - reduced) > tol[..., : lp.n_cols]).any(axis=-1)
            # rounding is rounding of the money around a dual (`verify`): a row's own, a
            # column's that of its rows, at most 1
            floor = np.concatenate([self._column_money(row_money), row_money], axis=-1)
            np.minimum(floor, 1.0, out=floor)
            floor *= OPTIMALITY_FLOOR
            dual = np.concatenate([reduced, y], axis=-1)
            positive, negative = np.maximum(dual, 0.0), np.maximum(-dual, 0.0)
            # a positive dual belongs to a lower bound, a negative one to an upper bound, and
            # beyond its tolerance it may not point at a bound that is missing or far away
            reach = REACH_RTOL * size
            # the floor over the largest quantity, for a dual's sign (`verify`)
            largest = size[..., : lp.n_cols].max(axis=-1, keepdims=True, initial=1.0)
            sign_tol = OPTIMALITY_RTOL * money + floor / largest
            astray = (positive > sign_tol) & (np.where(low_ok, above, np.inf) > reach)
            astray |= (negative > sign_tol) & (np.where(up_ok, below, np.inf) > reach)
            del sign_tol
            ok &= ~astray.any(axis=-1)
            del astray
            positive[positive <= floor] = 0.0  # rounding: no slack, however far its bound
            negative[negative <= floor] = 0.0
            gap = np.where(low_ok, np.maximum(above, 0.0), 0.0) * positive
            gap += np.where(up_ok, np.maximum(below, 0.0), 0.0) * negative
            ok &= ~(gap > OPTIMALITY_RTOL * money * size + floor).any(axis=-1)
            scale = np.abs(np.asarray(cost) * x).sum(axis=-1)
            scale += (np.abs(y) * size[..., lp.n_cols :]).sum(axis=-1)
            total_floor = floor.max(axis=-1, initial=0.0)
            ok &= gap.sum(axis=-1) <= OPTIMALITY_RTOL * scale + total_floor
        return ok

    def _times_a(self, x: np.ndarray) -> np.ndarray:
        """``A x`` for each answer."""
        if self.dense is not None:
            return x @ self.dense.T
        return self._each(x, lambda v: self.lp.row_activity(v))

    def _times_abs_a(self, x: np.ndarray) -> np.ndarray:
        """``|A| x`` for each answer (``x`` >= 0)."""
        if self.abs_dense is not None:
            return x @ self.abs_dense.T
        lp = self.lp
        weights = np.abs(lp.value)
        return self._each(x, lambda v: row_sums(lp.row_start, weights * v[lp.col_index]))

    def _times_a_t(self, y: np.ndarray) -> np.ndarray:
        """``A^T y`` for each answer."""
        if self.dense is not None:
            return y @ self.dense
        return self._each(y, lambda v: self.lp.column_activity(v))

    def _times_abs_a_t(self, y: np.ndarray) -> np.ndarray:
        """``|A|^T y`` for each answer (``y`` >= 0)."""
        if self.abs_dense is not None:
            return y @ self.abs_dense
        lp = self.lp
        weights = np.abs(lp.value)
        return self._each(
            y, lambda v: np.bincount(lp.col_index, weights * v[lp.entry_row], minlength=lp.n_cols)
        )

    def _row_terms(self, terms: np.ndarray) -> np.ndarray:
        """Per row, the largest ``terms_j / |a_ij|`` over its entries: the money of its dual."""
        if self.inv_abs_dense is not None:
            return (terms[..., None, :] * self.inv_abs_dense).max(axis=-1, initial=0.0)
        lp = self.lp
        with np.errstate(divide="ignore"):
            inverse = np.where(lp.value != 0, 1.0 / np.abs(lp.value), 0.0)
        return self._each(terms, lambda v: row_max(lp, v[lp.col_index] * inverse))

    def _column_money(self, row_money: np.ndarray) -> np.ndarray:
        """Per column, the largest ``row_money_i * |a_ij|`` over its rows (`column_money`)."""
        if self.abs_dense is not None:
            return (row_money[..., :, None] * self.abs_dense).max(axis=-2, initial=0.0)
        return self._each(row_money, lambda v: column_money(self.lp, v))

    @staticmethod
    def _each(v: np.ndarray, f: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """``f`` applied to each answer's row of ``v`` (or to ``v`` itself if 1-D)."""
        if v.ndim == 1:
            return f(v)
        return np.stack([f(row) for row in v]) if len(v) else np.zeros((0, 0))


def _joined(cols: np.ndarray, rows: np.ndarray, lead: tuple[int, ...]) -> np.ndarray:
    """Column then row bounds as one array, broadcast to ``lead`` answers."""
    cols, rows = np.asarray(cols, dtype=float), np.asarray(rows, dtype=float)
    shape_c, shape_r = lead + cols.shape[-1:], lead + rows.shape[-1:]
    return np.concatenate([np.broadcast_to(cols, shape_c), np.broadcast_to(rows, shape_r)], -1)
