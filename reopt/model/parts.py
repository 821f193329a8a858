"""The independent parts of a program: its connected components of rows and columns.

`components` labels each column and row by its part, as `reopt.model.scaling` (each part's
costs in units of their own) and `reopt.backends.split` (each part solved alone) need: one
product and period for policies per product, or the products a total-scope rule ties
together. A compiled market's demand rows give the labels to start from.
"""

from __future__ import annotations

import numpy as np

from reopt.model.blocks import row_entries
from reopt.model.program import LinearProgram, RowFamily

__all__ = ["components"]


def components(lp: LinearProgram) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the program: a label per column and per row.

    Two columns are in one component when some row has entries in both. Labels spread along
    rows until they settle (a few rounds for procurement models: each part is one product and
    period, or the products a total-scope rule ties together).
    """
    counts = np.diff(lp.row_start)
    filled = counts > 0
    starts = lp.row_start[:-1][filled]
    lengths = counts[filled]
    row_label = np.full(lp.n_rows, -1)
    seeded = _by_demand_rows(lp, counts)
    if seeded is None:  # each column its own label to begin with
        col_label = np.arange(lp.n_cols)
        entry_label = lp.col_index.astype(np.int64)
    else:
        col_label = seeded
        entry_label = col_label[lp.col_index]
    while len(starts):
        row_min = np.minimum.reduceat(entry_label, starts)
        if (row_min == np.maximum.reduceat(entry_label, starts)).all():
            # every row holds one label, so each part holds one: a column of its own part,
            # which spread it, so it keeps it; nothing moves any more
            break
        new = col_label  # lowered in place: the old labels are not needed again
        np.minimum.at(new, lp.col_index, np.repeat(row_min, lengths))
        col_label = new[new]  # jump along chains of labels
        del new
        np.take(col_label, lp.col_index, out=entry_label, mode="clip")  # unbuffered
    if len(starts):
        row_label[filled] = col_label[lp.col_index[starts]]
    return col_label, row_label


def _by_demand_rows(lp: LinearProgram, counts: np.ndarray) -> np.ndarray | None:
    """Each column labelled by the smallest column of its demand row, or None.

    None unless the demand rows hold every column once (a compiled market's offers without
    stock or minimum orders). A demand row's columns are then in one part, so `components`
    starts from these labels: one round of it checks that no other row joins two of them.
    """
    demand = lp.row_family == RowFamily.DEMAND
    cols = lp.col_index[row_entries(lp.row_start, demand)]
    if len(cols) != lp.n_cols or not lp.n_cols:
        return None
    lengths = counts[demand]
    lengths = lengths[lengths > 0]
    firsts = np.minimum.reduceat(cols, np.cumsum(lengths) - lengths)
    label = np.full(lp.n_cols, -1, dtype=np.int64)
    label[cols] = np.repeat(firsts, lengths)
    if (label < 0).any():  # a column in two demand rows, so another in none
        return None
    return label
