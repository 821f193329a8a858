"""What each row of a point is measured against: its activity, its size, and its dual's money.

`row_activity` gives ``A x`` and each row's size (the largest of its finite bounds and of
``sum_j |a_ij x_j|``); `row_floor` the least size a row's feasibility is held to (1, or the
base of a policy's share); `row_terms_of` the money a row's dual is made of. The checks of
`reopt.results.verify` and `reopt.results.array_check` hold rows to these;
`looser_standard` sets, for an answer no solve can bring to that standard, the one before
it (share rows held to 1, duals to the money of all their row's columns), under which
`shares_hold` must still hold. `column_money` carries a row's money back to its columns:
what noise in the duals around a column is measured against.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

from reopt.model.program import LinearProgram, RowFamily
from reopt.vectors import row_reduce, row_sums

__all__ = [
    "SHARE_ATOL",
    "SHARE_RTOL",
    "column_money",
    "column_money_at",
    "largest_column_money",
    "looser_standard",
    "row_activity",
    "row_floor",
    "row_max",
    "row_sizes",
    "row_terms_of",
    "shares_hold",
    "strict_standard",
]


def row_sizes(lp: LinearProgram, x: np.ndarray) -> np.ndarray:
    """Each row's size: the largest of its finite bounds and of ``sum_j |a_ij x_j|``."""
    return _sizes(lp, np.abs(lp.value * x[lp.col_index]))


def row_activity(lp: LinearProgram, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``A @ x`` and `row_sizes`, from one gather of the entries.

    Both checks need them; pass them as ``activity`` to check one point twice for the price
    of once.
    """
    terms = np.asarray(x, dtype=float)[lp.col_index]
    terms *= lp.value
    activity = row_sums(lp.row_start, terms)
    return activity, _sizes(lp, np.abs(terms, out=terms))


def _sizes(lp: LinearProgram, magnitudes: np.ndarray) -> np.ndarray:
    """`row_sizes` from each entry's ``|a_ij x_j|``."""
    size = row_sums(lp.row_start, magnitudes)
    for bound in (lp.row_lower, lp.row_upper):
        size = np.maximum(size, np.where(np.isfinite(bound), np.abs(bound), 0.0))
    return size


def row_floor(
    lp: LinearProgram, activity: np.ndarray, size: np.ndarray, *, to_base: bool = True
) -> np.ndarray:
    """The least size each row's feasibility is held to: 1, the base of a share, or none.

    A policy's share row (labelled with its share ``s > 0``, bounds 0) weighs the group's
    terms against ``s`` times a base: the tonnes or the money of the purchases it covers.
    It is held to that base, read from its positive and negative terms at the point as
    ``P + N / s`` (the base itself for a share of the tonnes, at most twice it for a share
    of the money), not to 1: a cap on China's share of the money is not met by Chinese
    purchases that are a billionth of the dearest offer's price times the demand, and a
    floor of 1e-14 of the tonnes is met to 1e-9 of the tonnes, as any other share.
    A row that defines a value column (``V = sum p x``, `RowFamily.VALUE`) has no floor:
    it is held to the money it sums, however small beside its largest entry (a back-stop's
    price times the demand, 1e10 times a plan's money, once let ``V = 0`` through, and a
    floor on a share of the money was met by nothing). ``to_base=False`` leaves share rows
    at 1. ``activity`` and ``size`` are `row_activity` of the point (or one row of them
    per point, for many points).
    """
    floor = np.ones(np.shape(activity))
    floor[..., lp.family_rows(RowFamily.VALUE)] = 0.0
    rows, share = _share_rows(lp) if to_base else (np.zeros(0, dtype=np.int64), np.zeros(0))
    if len(rows):
        positive = (size[..., rows] + activity[..., rows]) / 2  # x >= 0: sum |a x| +- sum a x
        negative = (size[..., rows] - activity[..., rows]) / 2
        floor[..., rows] = positive + negative / share
    return floor


#: Under `looser_standard`, a policy's share may be off by this share of its base ...
SHARE_RTOL = 1e-6
#: ... plus this much of its row's largest entry (rounding, in the scaled program).
SHARE_ATOL = 1e-15


def shares_hold(lp: LinearProgram, activity: np.ndarray, size: np.ndarray) -> bool:
    """Whether every policy's share holds to `SHARE_RTOL` of its base (plus `SHARE_ATOL`).

    What a plan checked to `looser_standard` must still meet: a plan at 0% against a floor
    of 1% of the money is refused, whatever the row's largest entry. ``activity`` and
    ``size`` are `row_activity` of the point.
    """
    rows, _ = _share_rows(lp)
    if not len(rows):
        return True
    base = row_floor(lp, activity, size)[rows]
    over = np.maximum(activity[rows] - lp.row_upper[rows], lp.row_lower[rows] - activity[rows])
    return bool((over <= SHARE_RTOL * base + SHARE_ATOL).all())


def _share_rows(lp: LinearProgram) -> tuple[np.ndarray, np.ndarray]:
    """A policy's share rows (labelled with a share ``s > 0``, bounds 0) and their shares."""
    labels = lp.row_labels.get("share")
    if labels is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    share = np.asarray(labels, dtype=float)
    lower, upper = lp.row_lower, lp.row_upper
    at_zero = ((lower == 0) | np.isneginf(lower)) & ((upper == 0) | np.isposinf(upper))
    with np.errstate(invalid="ignore"):
        rows = np.flatnonzero(at_zero & (share > 0))
    return rows, share[rows]


def row_max(lp: LinearProgram, per_entry: np.ndarray) -> np.ndarray:
    """The largest of ``per_entry`` in each row (0 for an empty row)."""
    return row_reduce(np.maximum, lp.row_start, per_entry)


def row_terms_of(
    lp: LinearProgram, terms: np.ndarray, in_play: np.ndarray | None = None
) -> np.ndarray:
    """The largest of each row's columns' ``terms`` per unit of the row: the money of its dual.

    0 for a row without entries (or whose columns' terms are all 0). With ``in_play`` (a
    mask over the columns), only those columns count.
    """
    per_entry = terms[lp.col_index]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # 0s masked below
        np.abs(np.divide(per_entry, lp.value, out=per_entry), out=per_entry)  # terms >= 0
    zero = lp.value == 0
    if in_play is not None:
        zero |= ~in_play[lp.col_index]
    if zero.any():
        per_entry[zero] = 0.0
    return row_max(lp, per_entry)


def column_money(lp: LinearProgram, row_money: np.ndarray) -> np.ndarray:
    """The largest ``row_money_i * |a_ij|`` over each column's rows: its rows' money per unit.

    0 for a column in no row, and from an entry of 0 (whatever the row's money, even one
    that overflowed).
    """
    per_entry = lp.on_entries(row_money)
    with np.errstate(invalid="ignore"):  # (inf * 0: set to 0 below)
        per_entry *= lp.value
    np.abs(per_entry, out=per_entry)
    zero = lp.value == 0
    if zero.any():
        per_entry[zero] = 0.0
    money = np.zeros(lp.n_cols)
    np.maximum.at(money, lp.col_index, per_entry)
    return money


def column_money_at(lp: LinearProgram, row_money: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """`column_money` at the columns ``cols`` only (increasing, each once).

    Their entries are found by one look at every entry's column; the rest of the work is
    as many entries as they have.
    """
    money = np.zeros(len(cols))
    if not len(cols):
        return money
    marked = np.zeros(lp.n_cols, dtype=bool)
    marked[cols] = True
    entries = np.flatnonzero(marked[lp.col_index])
    rows = np.searchsorted(lp.row_start, entries, side="right") - 1
    value = lp.value[entries]
    with np.errstate(invalid="ignore"):  # (inf * 0: set to 0 below)
        per_entry = row_money[rows] * value
    np.abs(per_entry, out=per_entry)
    per_entry[value == 0] = 0.0
    np.maximum.at(money, np.searchsorted(cols, lp.col_index[entries]), per_entry)
    return money


def largest_column_money(lp: LinearProgram, row_money: np.ndarray) -> float:
    """The largest of `column_money` (0 without entries), from each row's largest ``|a_ij|``.

    The same number to the bit: ``row_money_i >= 0`` times the largest ``|a_ij|`` of row
    ``i`` is the largest of its products with the row's entries, each rounded as they are
    (and a row whose entries are all 0 gives 0, as they do).
    """
    largest = row_reduce(np.maximum, lp.row_start, lp.value)  # 0 for an empty row
    np.maximum(largest, -row_reduce(np.minimum, lp.row_start, lp.value), out=largest)
    money = np.zeros(lp.n_rows)
    np.multiply(row_money, largest, out=money, where=largest > 0)
    return float(np.max(money, initial=0.0))


_LOOSER: ContextVar[bool] = ContextVar("reopt_looser_standard", default=False)


@contextmanager
def looser_standard() -> Iterator[None]:
    """Within it, reopt's checks hold share rows to 1 and duals to all their row's money.

    That is the standard for an answer no solve could bring to the usual one
    (`reopt.results.answers.checked_answer`): `reopt.results.verify`'s checks hold a share
    row to 1e-9 of 1, as any other row, not of its base, and a row's dual to the money of
    all its columns, not only of those in play.
    """
    token = _LOOSER.set(True)
    try:
        yield
    finally:
        _LOOSER.reset(token)


def strict_standard() -> bool:
    """Whether the checks hold to the usual standard here (outside `looser_standard`)."""
    return not _LOOSER.get()
