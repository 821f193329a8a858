"""The check every optimal solution passes before it becomes a plan.

Solvers can claim optimality for points that break a row (badly scaled models, limits mapped
to "optimal" by a modeling layer) or that are not the cheapest (GLPK has answered 20% above
the optimum, "optimal", on a product with a 1e10 price ratio). reopt recomputes everything
from its own arrays in numpy:

- feasibility (`violations`): every column bound and every row to `FEASIBILITY_RTOL` of
  ``max(1, |bound|, sum |a_ij x_j|)`` (a policy's share row: of its base, `row_floor`),
  integrality of 0/1 columns, and the objective against
  ``c @ x``;
- optimality (`optimality_violations`), wherever the solver returned duals: the reduced costs
  ``d = c - A^T y`` are recomputed from the row duals ``y``; each dual must have the sign its
  bound allows (dual feasibility) and be zero where its row or column is not at that bound
  (complementary slackness), each to `OPTIMALITY_RTOL` (1e-9) of the money it is made of
  (plus `OPTIMALITY_FLOOR` of the money around it: a row's own, a column's that of its
  rows, at most 1; for a dual's sign, that over the point's largest quantity
  where it is above 1, since such a quantity may move to the column the dual prices); the
  duality gap (``c @ x`` minus the dual objective, the sum of
  those slacks) to the same share of the objective's terms. Where that holds, no plan is
  cheaper by more than that share. Back ends that print their duals with fewer than 15
  digits (CBC) are held to `PRINTED_OPTIMALITY_RTOL` (1e-7).

These tolerances are relative once the program is scaled (`reopt.model.scaling`): there,
every product's tonnes and rows are of order one and every independent part's costs are at
most one, so a 1e-9 t demand beside a 1e7 t one is held to the same standard.
`reopt.results.planning.checked_answer` runs both checks on the scaled program; a violation
is reported in words, and `check_solution` / `check_optimality` raise `SolverError`.
"""

from __future__ import annotations

import numpy as np

from reopt.errors import SolverError
from reopt.model.program import LinearProgram, RowFamily
from reopt.results.sizes import (
    SHARE_ATOL,
    SHARE_RTOL,
    column_money_at,
    largest_column_money,
    looser_standard,
    row_activity,
    row_floor,
    row_max,
    row_sizes,
    row_terms_of,
    strict_standard,
)
from reopt.results.slacks import (
    FEASIBILITY_RTOL,
    REACH_RTOL,
    ROUNDING_RTOL,
    beyond,
    in_chunks,
    reported_off,
    slacks,
)
from reopt.vectors import dot

__all__ = [
    "FEASIBILITY_RTOL",
    "OBJECTIVE_RTOL",
    "OPTIMALITY_FLOOR",
    "OPTIMALITY_RTOL",
    "PRINTED_OPTIMALITY_RTOL",
    "REACH_RTOL",
    "ROUNDING_RTOL",
    "check_optimality",
    "check_solution",
    "looser_standard",
    "optimality_violations",
    "row_activity",
    "row_floor",
    "row_max",
    "row_sizes",
    "strict_standard",
    "violations",
]


#: Allowed difference between the solver's objective and c @ x, relative to max(1, |c @ x|).
OBJECTIVE_RTOL = 1e-6
#: Allowed dual infeasibility and complementary slack, relative to the terms they are made of:
#: a reduced cost of 1e-9 of a price is a cost 1e-9 off at most (in the scaled program).
OPTIMALITY_RTOL = 1e-9
#: The same for back ends whose answers are printed with fewer digits (CBC writes about
#: eight): their duals, recomputed from a rounded point and rounded prices, carry 1e-8.
PRINTED_OPTIMALITY_RTOL = 1e-7
#: Dual noise allowed whatever the terms, as a share of the money around the dual (a row's;
#: a column's, its rows' per unit of it), at most 1 (scaled costs are <= 1): a cheap offer
#: beside one 1e11 times dearer, not bought, is held to the money of the offers bought, so
#: its reduced cost of 1e-15 is a price. For a dual's sign it is divided by the point's
#: largest quantity where that is above 1: a column priced 1e-16 of its part's largest can
#: be bought 1e7 times its unit, so its reduced cost is not noise however small.
OPTIMALITY_FLOOR = 1e-14
#: How many violations a message lists.
SHOWN = 10


def violations(
    lp: LinearProgram,
    x: np.ndarray,
    objective: float,
    *,
    activity: tuple[np.ndarray, np.ndarray] | None = None,
    to_base: bool | None = None,
) -> list[str]:
    """Every way in which ``x`` fails ``lp`` (empty when it passes).

    ``activity`` is `row_activity` of ``x``, where the caller has it; with ``to_base=False``
    (default: under `looser_standard`) a share row is held to 1e-9 of 1, as any other row,
    not of its base (`row_floor`), and a row defining a product's money to `SHARE_RTOL` of
    the money it sums.

    Examples
    --------
    >>> import numpy as np, reopt
    >>> lp = reopt.compile(reopt.datasets.japan_2025())
    >>> violations(lp, np.zeros(lp.n_cols), 0.0)[0]
    'row 0 (demand): activity 0 outside [...]'
    """
    found: list[str] = []
    x = np.asarray(x, dtype=float)
    if x.shape != (lp.n_cols,):
        return [f"solution has {x.shape} values for {lp.n_cols} columns"]
    if not np.isfinite(x).all():
        return [f"{int((~np.isfinite(x)).sum())} column values are not finite"]

    col_tol = FEASIBILITY_RTOL * np.maximum(1.0, np.abs(x))
    low = x < lp.col_lower - col_tol
    high = x > lp.col_upper + col_tol
    for j in np.flatnonzero(low | high)[:SHOWN]:
        found.append(
            f"column {j}: value {x[j]:.10g} outside [{lp.col_lower[j]:g}, {lp.col_upper[j]:g}]"
        )

    given = x  # a MILP's rows are read with its 0/1 choices as made: 1e-6 opens no offer
    if lp.is_mip:
        x, activity = np.where(lp.integrality == 1, np.round(x), x), None
    ax, size = row_activity(lp, x) if activity is None else activity
    to_base = strict_standard() if to_base is None else to_base
    floor = row_floor(lp, ax, size, to_base=to_base)
    row_tol = FEASIBILITY_RTOL * np.maximum(floor, size)
    if not to_base:  # the looser standard: a row defining money to a share's tolerance
        money = lp.family_rows(RowFamily.VALUE)
        row_tol[money] = SHARE_RTOL * size[money] + SHARE_ATOL
    bad = (ax < lp.row_lower - row_tol) | (ax > lp.row_upper + row_tol)
    for i in np.flatnonzero(bad)[:SHOWN]:
        found.append(
            f"row {i} ({lp.row_family[i]}): activity {ax[i]:.10g} outside "
            f"[{lp.row_lower[i]:g}, {lp.row_upper[i]:g}]"
        )

    fractional = int((np.abs(given - x) > 1e-6).sum())  # (x: the 0/1 choices rounded)
    if fractional:
        found.append(f"{fractional} integer columns have fractional values")

    recomputed = dot(lp.cost, x) + lp.objective_offset
    if abs(recomputed - objective) > OBJECTIVE_RTOL * max(1.0, abs(recomputed)):
        found.append(f"objective {objective:.12g} differs from c @ x = {recomputed:.12g}")
    return found


def optimality_violations(
    lp: LinearProgram,
    x: np.ndarray,
    row_dual: np.ndarray,
    col_dual: np.ndarray | None = None,
    *,
    activity: tuple[np.ndarray, np.ndarray] | None = None,
    rtol: float = OPTIMALITY_RTOL,
    in_play: bool | None = None,
) -> list[str]:
    """Every way in which the duals fail to prove ``x`` optimal (empty when they prove it).

    ``row_dual`` is the change of the objective per unit increase of a row's bound (HiGHS's
    sign convention); ``col_dual``, if given, must equal the reduced costs ``c - A^T y``;
    ``activity`` is `row_activity` of ``x``, where the caller has it; ``rtol`` is the share
    of its money each dual is held to (`PRINTED_OPTIMALITY_RTOL` for printed answers); with
    ``in_play=False`` (default: under `looser_standard`) a row's dual is held to the money
    of all its columns, not only of those the point uses.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(row_dual, dtype=float)
    if y.shape != (lp.n_rows,) or not np.isfinite(y).all():
        return [f"the row duals are not {lp.n_rows} finite numbers"]
    # temporaries the size of the program are made in place and dropped as soon as used, and
    # the element-wise tests run `reopt.results.slacks.CHUNK` columns at a time: at 200,000
    # offers each array is 1.6-2.2 MB of fresh memory, which costs more than the sums in it
    entry_y = lp.on_entries(y)
    entry_y *= lp.value
    # column sums by np.add.at, which takes the 32-bit column numbers as they are (bincount
    # would convert them to a temporary the size of the matrix), in the same order
    d = np.zeros(lp.n_cols)
    np.add.at(d, lp.col_index, entry_y)
    np.subtract(lp.cost, d, out=d)
    # the money each reduced cost is made of (USD per unit of the column)
    terms = np.zeros(lp.n_cols)
    np.add.at(terms, lp.col_index, np.abs(entry_y, out=entry_y))
    del entry_y
    terms += np.abs(lp.cost)
    found: list[str] = []
    if col_dual is not None:
        reported = np.asarray(col_dual, dtype=float)
        if reported.shape != (lp.n_cols,):
            return [f"the reduced costs are not {lp.n_cols} numbers"]
        out = (np.empty(lp.n_cols, dtype=bool),)
        (off,) = in_chunks(reported_off, out, reported, d, terms, rtol, OPTIMALITY_FLOOR)
        for j in np.flatnonzero(off)[:SHOWN]:
            found.append(
                f"column {j}: reported reduced cost {col_dual[j]:.6g} is not c - A^T y = {d[j]:.6g}"
            )
    # the money a row's dual is made of: the terms per unit of the row of its columns in play
    # (nonzero), or of all its columns where none is
    in_play = strict_standard() if in_play is None else in_play
    row_terms = row_terms_of(lp, terms, x != 0 if in_play else None)
    idle = row_terms == 0
    if in_play and idle.any():
        row_terms[idle] = row_terms_of(lp, terms)[idle]

    # rounding in a dual is rounding of the money around it (`OPTIMALITY_FLOOR`): a column's
    # is its rows' money (`column_money`, worked out only where looked at), a row's its own,
    # each at most 1
    def col_floor(at: np.ndarray) -> np.ndarray:
        floor = column_money_at(lp, row_terms, at)
        np.minimum(floor, 1.0, out=floor)
        floor *= OPTIMALITY_FLOOR
        return floor

    row_floor_ = np.minimum(row_terms, 1.0)
    row_floor_ *= OPTIMALITY_FLOOR
    # for a dual's sign, the floor over the point's largest quantity (`OPTIMALITY_FLOOR`)
    largest = max(1.0, float(x.max(initial=0.0)), -float(x.min(initial=0.0)))
    col_slack = slacks(x, lp.col_lower, lp.col_upper, d, terms, rtol, col_floor, largest)
    del d
    ax, size = row_activity(lp, x) if activity is None else activity
    # a row's size as its feasibility is held to: a share's base, the money a row sums
    row_size = np.maximum(row_floor(lp, ax, size, to_base=in_play), size)
    row_slack = slacks(
        ax, lp.row_lower, lp.row_upper, y, row_terms, rtol, row_floor_, largest, row_size
    )
    row_money = row_terms * row_size
    # the money a slack is measured against, at the values looked at: a column's terms times
    # its size, a row's terms times its own
    for what, (astray, gap, looked, floor), money_of in (
        ("column", col_slack, lambda at: np.maximum(np.abs(x[at]), 1.0) * terms[at]),
        ("row", row_slack, lambda at: row_money[at]),
    ):
        for k in np.flatnonzero(astray)[:SHOWN]:
            found.append(
                f"{what} {k}: its dual has a sign no bound allows where it stands (dual infeasible)"
            )
        at = np.arange(len(gap)) if looked is None else looked  # the others have no slack
        money_at = money_of(at)
        (loose,) = in_chunks(
            beyond, (np.empty(len(at), dtype=bool),), gap[at], money_at, rtol, floor
        )
        for i in np.flatnonzero(loose & ~astray[at])[:SHOWN]:
            found.append(
                f"{what} {at[i]}: a nonzero dual away from its bound (complementary slack "
                f"{gap[at[i]]:.3g} USD against {money_at[i]:.3g})"
            )
    largest_floor = min(largest_column_money(lp, row_terms), 1.0) * OPTIMALITY_FLOOR
    total_floor = max(largest_floor, float(row_floor_.max(initial=0.0)))
    total_gap = float(col_slack[1].sum() + row_slack[1].sum())
    spent = np.multiply(lp.cost, x)  # |c_j x_j|, made in place
    scale = float(np.abs(spent, out=spent).sum() + (np.abs(y) * row_size).sum())
    if total_gap > rtol * scale + total_floor and not found:
        found.append(f"duality gap {total_gap:.6g} USD against {scale:.6g}")
    return found


def check_solution(lp: LinearProgram, x: np.ndarray, objective: float, *, backend: str) -> None:
    """Raise `SolverError` when ``x`` fails ``lp``; see `violations`."""
    _raise(violations(lp, x, objective), backend, "an optimal solution that fails reopt's check")


def check_optimality(
    lp: LinearProgram,
    x: np.ndarray,
    row_dual: np.ndarray,
    col_dual: np.ndarray | None = None,
    *,
    backend: str,
    rtol: float = OPTIMALITY_RTOL,
) -> None:
    """Raise `SolverError` when the duals do not prove ``x`` optimal (`optimality_violations`)."""
    found = optimality_violations(lp, x, row_dual, col_dual, rtol=rtol)
    _raise(found, backend, "a solution its duals do not prove optimal (reopt's check)")


def _raise(found: list[str], backend: str, what: str) -> None:
    if found:
        listing = "\n  - ".join(found)
        raise SolverError(f"{backend} reported {what}:\n  - {listing}")
