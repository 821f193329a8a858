"""Polishing: a solver's answer moved onto the exact vertex it stands for, in numpy.

Used on the scaled program (`reopt.model.scaling`), where every size is of order one.
Some back ends return their answer with fewer digits than reopt checks for: CBC's solution
file prints about eight significant digits, so three offers sharing a demand can sum to
0.99999999 of it. Such an answer stands for a vertex: the columns at a bound and the rows
at a bound are known, and the other columns follow from those rows. `polish` puts every
column that sits at a bound exactly there and moves the others by the smallest change that
makes every tight row exact (dense least squares, for at most `MAX_FREE` free columns). The
result is kept only when the move is small (`MAX_CHANGE` of each column's size) and the point
is feasible to reopt's tolerances; otherwise the answer stays as it was. A polished point is
no cheaper than the optimum, and it is held to the optimality check by duals like any other.
A MILP's answer is polished with its 0/1 choices as they are (`choices_fixed`): the vertex
of the LP those choices leave.

`without_stray_signs` tidies a checked answer's duals the same way: a dual that points at a
bound its row or column does not have is rounding, and set to zero.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

from reopt.backends import Solution
from reopt.data.market import readonly
from reopt.model.program import LinearProgram
from reopt.results.verify import OPTIMALITY_RTOL, optimality_violations, row_sizes, violations
from reopt.vectors import dot

__all__ = [
    "AT_BOUND_RTOLS",
    "MAX_CHANGE",
    "MAX_FREE",
    "Polished",
    "choices_fixed",
    "polish",
    "without_stray_signs",
]

#: Relative distances to a bound at which a value is taken to sit there, tried in turn.
AT_BOUND_RTOLS = (1e-9, 1e-7, 1e-5)
#: The largest move polishing may make, relative to each column's size.
MAX_CHANGE = 1e-4
#: The most free columns (and tight rows) a dense solve is tried for.
MAX_FREE = 4000


def choices_fixed(lp: LinearProgram, x: np.ndarray) -> LinearProgram:
    """The LP left when ``lp``'s 0/1 columns are fixed at ``x``'s values, rounded.

    Examples
    --------
    >>> lp = LinearProgram.from_arrays(
    ...     cost=[1.0, 0.0], col_lower=[0.0, 0.0], col_upper=[5.0, 1.0], row_lower=[-np.inf],
    ...     row_upper=[0.0], row_start=[0, 2], col_index=[0, 1], value=[1.0, -5.0],
    ...     integrality=[0, 1])
    >>> fixed = choices_fixed(lp, np.array([2.0, 0.9999999]))
    >>> fixed.is_mip, fixed.col_lower.tolist(), fixed.col_upper.tolist()
    (False, [0.0, 1.0], [5.0, 1.0])
    """
    integer = lp.integrality == 1
    choice = np.where(integer, np.round(x), 0.0)
    return replace(
        lp,
        col_lower=readonly(np.where(integer, choice, lp.col_lower)),
        col_upper=readonly(np.where(integer, choice, lp.col_upper)),
        integrality=readonly(np.zeros(lp.n_cols, dtype=np.int32)),
    )


@dataclass(frozen=True)
class Polished:
    """A point on a vertex, and (where duals were given) duals that fit it exactly."""

    x: np.ndarray
    row_dual: np.ndarray | None


def polish(
    lp: LinearProgram,
    x: np.ndarray,
    row_dual: np.ndarray | None = None,
    *,
    dual_rtol: float = OPTIMALITY_RTOL,
) -> Polished | None:
    """``x`` (and its duals) moved onto its vertex, or None when that gives no feasible point.

    Which values sit at a bound is decided at relative tolerances `AT_BOUND_RTOLS`, tightest
    first; at each, the values on or beyond their bound are put there, then (a value on its
    bound may have to move inside) only those beyond it, then every value near it; the first
    that gives a feasible point within `MAX_CHANGE` of ``x`` wins. Duals, when given, get
    the smallest change that makes the reduced cost of every column off its bounds exactly
    zero, with zero duals on rows off their bounds, and the first tolerance at which point
    and duals pass both checks (the optimality check at ``dual_rtol``) wins.

    Examples
    --------
    >>> import reopt
    >>> lp = reopt.compile(reopt.datasets.japan_2025())
    >>> x = reopt.solve(reopt.datasets.japan_2025()).solution.x
    >>> bool(abs(polish(lp, x * (1 + 1e-8)).x - x).max() < 1e-9 * abs(x).max())
    True
    """
    x = np.asarray(x, dtype=float)
    if lp.is_mip:
        lp = choices_fixed(lp, x)
    sizes = np.maximum(1.0, np.abs(x))
    # a row is tight, a column at its bound, within rtol of max(1, its size); failing that, of
    # its own size alone (a share row of money whose terms are 1e-7 of the part's largest is
    # not tight 6e-10 off, nor is the money column at 0 when it is 3e-9)
    tries = itertools.product((False, True), AT_BOUND_RTOLS, ("on or beyond", "beyond", "near"))
    for own_sizes, rtol, side in tries:
        vertex = _Vertex(lp, x, sizes, rtol, side=side, own_sizes=own_sizes)
        if vertex.too_large:
            continue
        point = np.clip(vertex.point(), lp.col_lower, lp.col_upper)  # (no -1e-10 purchases)
        if np.any(np.abs(point - x) > MAX_CHANGE * sizes):
            continue
        if violations(lp, point, dot(lp.cost, point) + lp.objective_offset):
            continue
        if row_dual is None:
            return Polished(point, None)
        duals = vertex.duals(np.asarray(row_dual, dtype=float), point)
        if not optimality_violations(lp, point, duals, rtol=dual_rtol):
            return Polished(point, duals)
    return None


class _Vertex:
    """The active set of ``x`` at tolerance ``rtol``: columns at bounds and tight rows.

    A row is tight, a column at a bound, within ``rtol`` of ``max(1, its size)``, or with
    ``own_sizes`` of its size alone (`reopt.results.sizes.row_sizes`; ``|x_j|``).
    """

    def __init__(
        self,
        lp: LinearProgram,
        x: np.ndarray,
        sizes: np.ndarray,
        rtol: float,
        *,
        side: str,
        own_sizes: bool = False,
    ):
        self.lp, self.x, self.sizes = lp, x, sizes
        col_tol = rtol * (np.abs(x) if own_sizes else sizes)
        low_side, up_side = {
            "on or beyond": (x <= lp.col_lower, x >= lp.col_upper),
            "beyond": (x < lp.col_lower, x > lp.col_upper),
            "near": (True, True),
        }[side]
        at_low = np.isfinite(lp.col_lower) & (np.abs(x - lp.col_lower) <= col_tol) & low_side
        at_up = (
            ~at_low & np.isfinite(lp.col_upper) & (np.abs(x - lp.col_upper) <= col_tol) & up_side
        )
        self.fixed = np.where(at_low, lp.col_lower, np.where(at_up, lp.col_upper, x))
        integer = lp.integrality == 1
        self.fixed[integer] = np.round(x[integer])
        self.free = np.flatnonzero(~(at_low | at_up) & ~integer)
        activity = lp.row_activity(x)
        size = row_sizes(lp, x)
        self.row_size = np.where(size > 0, size, 1.0) if own_sizes else np.maximum(1.0, size)
        low = np.isfinite(lp.row_lower) & (np.abs(activity - lp.row_lower) <= rtol * self.row_size)
        up = np.isfinite(lp.row_upper) & (np.abs(activity - lp.row_upper) <= rtol * self.row_size)
        self.tight = np.flatnonzero(low | up)
        self.target = np.where(low, lp.row_lower, lp.row_upper)[self.tight]
        self.too_large = len(self.free) > MAX_FREE or len(self.tight) > MAX_FREE
        self.matrix = np.zeros((0, 0)) if self.too_large else self._matrix()

    def _matrix(self) -> np.ndarray:
        """The tight rows' entries in the free columns, dense."""
        lp = self.lp
        position = np.full(lp.n_cols, -1)
        position[self.free] = np.arange(len(self.free))
        row_position = np.full(lp.n_rows, -1)
        row_position[self.tight] = np.arange(len(self.tight))
        keep = (position[lp.col_index] >= 0) & (row_position[lp.entry_row] >= 0)
        matrix = np.zeros((len(self.tight), len(self.free)))
        np.add.at(
            matrix, (row_position[lp.entry_row[keep]], position[lp.col_index[keep]]), lp.value[keep]
        )
        return matrix

    def point(self) -> np.ndarray:
        """The smallest change of the free columns that makes every tight row exact.

        In units of each column's and row's size, so that no column takes the change of
        another a million times its size.
        """
        point = self.fixed.copy()
        if len(self.free) and len(self.tight):
            residual = self.target - self.lp.row_activity(point)[self.tight]
            row_scale = 1.0 / self.row_size[self.tight]
            scaled = self.matrix * self.sizes[self.free] * row_scale[:, None]
            change, *_ = np.linalg.lstsq(scaled, residual * row_scale, rcond=None)
            point[self.free] += change * self.sizes[self.free]
        return point

    def duals(self, row_dual: np.ndarray, point: np.ndarray) -> np.ndarray:
        """The smallest change of the duals that zeroes the free columns' reduced costs.

        Only rows at a bound at ``point`` itself (to rounding) keep a dual: a row the
        polishing left a hair off its bound is not binding there.
        """
        lp = self.lp
        activity = lp.row_activity(point)
        exact = 1e-12 * self.row_size[self.tight]
        at_bound = (np.abs(activity[self.tight] - lp.row_lower[self.tight]) <= exact) | (
            np.abs(activity[self.tight] - lp.row_upper[self.tight]) <= exact
        )
        y = np.zeros(lp.n_rows)
        y[self.tight[at_bound]] = row_dual[self.tight[at_bound]]
        if len(self.free) and at_bound.any():
            matrix = self.matrix[at_bound]
            reduced = lp.cost[self.free] - matrix.T @ y[self.tight[at_bound]]
            change, *_ = np.linalg.lstsq(matrix.T, reduced, rcond=None)
            y[self.tight[at_bound]] += change
        return y


def without_stray_signs(lp: LinearProgram, solution: Solution) -> Solution:
    """``solution`` with every dual that points at an infinite bound set to zero.

    A positive dual prices a lower bound and a negative one an upper bound; a row or column
    without that bound cannot carry it. Such a dual in a checked answer is rounding (the
    optimality check bounds it relative to the prices), and left in place it would show as
    the price of a bound that does not exist.
    """
    if solution.row_dual is None or solution.col_dual is None:
        return solution
    row_dual = _settled(solution.row_dual, lp.row_lower, lp.row_upper)
    col_dual = _settled(solution.col_dual, lp.col_lower, lp.col_upper)
    if row_dual is solution.row_dual and col_dual is solution.col_dual:
        return solution
    return replace(solution, row_dual=row_dual, col_dual=col_dual)


def _settled(dual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """``dual`` with zeros where its sign points at an infinite bound (same array if none)."""
    stray = ((dual > 0) & np.isneginf(lower)) | ((dual < 0) & np.isposinf(upper))
    if not stray.any():
        return dual
    return readonly(np.where(stray, 0.0, dual))
