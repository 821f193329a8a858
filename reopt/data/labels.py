"""The offers' label columns as integer codes: repeats, the sources table joined, defaults.

Validation codes each label column once (`reopt.data.cells.text_column` records an integer
per row into the distinct clean values); the steps here then work on those integers rather
than on a Python object per row: `duplicate_problems` finds repeated keys, `join_sources`
fills ``country``, ``refined_in`` and ``kind`` from the ``sources`` table (once per distinct
source) and their defaults, and `as_given` keeps a column that cleaning left unchanged
without holding it twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from reopt.errors import ProblemList

if TYPE_CHECKING:
    from reopt.data.cells import TableOrigin

__all__ = ["JOINABLE", "as_given", "duplicate_problems", "join_sources"]

#: The offers' columns that the sources table may state.
JOINABLE = ("country", "refined_in", "kind")


def duplicate_problems(
    frame: pd.DataFrame,
    keys: list[str],
    df: pd.DataFrame,
    table: str,
    origin: TableOrigin,
    problems: ProblemList,
    codes: list[np.ndarray] | None = None,
) -> None:
    """A problem for every row of the clean ``frame`` whose ``keys`` repeat an earlier row's.

    ``df`` is the table as given, whose index names the rows. ``codes``, when given, holds
    for each key column an integer code per row that is equal exactly where the clean values
    are (-1 for an empty cell, which repeats another empty cell as pandas counts it): the
    repeats are then found on the integers.
    """
    dup = _repeated(codes) if codes is not None else None
    if dup is None:
        dup = frame.duplicated(keys, keep=False).to_numpy()
    if not dup.any():
        return
    first: dict[tuple[object, ...], int | np.integer] = {}
    for i in np.flatnonzero(dup):
        key = tuple(frame[k].iloc[i] for k in keys)
        if key in first:
            j = first[key]
            problems.add(
                table,
                origin.where(df.index[i], i),
                ", ".join(keys),
                key if len(key) > 1 else key[0],
                "duplicate key",
                f"same as {origin.where(df.index[j], j)}; merge the rows or tell them apart",
            )
        else:
            first[key] = i


def _repeated(codes: list[np.ndarray]) -> np.ndarray | None:
    """Rows whose tuple of codes occurs more than once; None when the keys do not fit int64.

    The tuple becomes one integer (mixed radix, -1 shifted to 0); a key space no larger than
    a few times the rows is counted with ``bincount``, a larger one by pandas' hash table.
    """
    n = len(codes[0]) if codes else 0
    key = np.zeros(n, dtype=np.int64)
    space = 1
    for c in codes:
        size = int(c.max()) + 2 if len(c) else 1
        if space * size >= 2**62:
            return None
        key *= size
        key += c + 1
        space *= size
    if space <= 4 * n + 1024:
        return np.bincount(key, minlength=space)[key] > 1
    return pd.Series(key).duplicated(keep=False).to_numpy()


#: The dtype pandas gives a column of text: object in pandas 2, ``str`` in pandas 3.
_TEXT_DTYPE = pd.Series(["text"]).dtype


def as_given(column: pd.Series) -> pd.Series | np.ndarray:
    """A column of the user's table for a clean table, with the dtype cleaning would give.

    A column already of pandas' text dtype where pandas copies on write (pandas 3) is shared
    until either side writes; any other is copied, so that a change to the user's table
    never reaches the market.
    """
    if column.dtype == _TEXT_DTYPE and _TEXT_DTYPE != np.dtype(object):
        return column.reset_index(drop=True)
    return column.to_numpy(dtype=object, copy=True)


def join_sources(
    coded: dict[str, tuple[np.ndarray, np.ndarray]],
    df: pd.DataFrame,
    sources: pd.DataFrame | None,
    origin: TableOrigin,
    problems: ProblemList,
) -> None:
    """Fill country/refined_in/kind from ``sources``; defaults; conflicts are problems.

    Works on the codes of the offers' clean labels (``coded``), which it updates: each
    source's row of ``sources`` is looked up once per distinct source, not once per offer.
    """
    source, source_labels = coded["source"]
    filled: set[str] = set()
    if sources is not None and "source" in sources.columns:
        first = ~sources["source"].duplicated().to_numpy()  # the first row of each source
        index = pd.Index(sources["source"].to_numpy(dtype=object)[first])
        at = index.get_indexer(np.concatenate([source_labels, np.array([None])]))[source]
        known = at >= 0
        for col in JOINABLE:
            if col not in sources.columns:
                continue
            given = sources[col].to_numpy(dtype=object)[first]
            in_table, table_labels = pd.factorize(given, use_na_sentinel=True)
            joined = np.append(in_table, -1)[at]  # -1 where the source is not in the table
            mine, labels = _merged(coded[col], (joined, np.asarray(table_labels, dtype=object)))
            conflict = (mine[0] >= 0) & (mine[1] >= 0) & (mine[0] != mine[1])
            for i in np.flatnonzero(conflict):
                problems.add(
                    "offers",
                    origin.where(df.index[i], i),
                    col,
                    labels[mine[0][i]],
                    f"differs from the sources table ({labels[mine[1][i]]!r} for "
                    f"{_label(source, source_labels, i)!r})",
                    "state it in one table only",
                )
            coded[col] = (np.where(mine[0] >= 0, mine[0], mine[1]), labels)
            filled.add(col)
        unknown = ~known & (coded["country"][0] < 0) & (source >= 0)
        for i in np.flatnonzero(unknown):
            problems.add(
                "offers",
                origin.where(df.index[i], i),
                "source",
                _label(source, source_labels, i),
                "not in the sources table, and the offer has no country",
                "add the source to sources, or a country to the offer",
            )
    else:
        for i in np.flatnonzero(coded["country"][0] < 0):
            problems.add("offers", origin.where(df.index[i], i), "country", None, "missing value")
    other = (np.zeros(len(source), dtype=np.int64), np.array(["other"], dtype=object))
    for col, default in (("refined_in", coded["country"]), ("kind", other)):
        if (coded[col][0] < 0).any():
            (own, fill), merged = _merged(coded[col], default)
            coded[col] = (np.where(own >= 0, own, fill), merged)
            filled.add(col)
    for col in filled:
        coded[col] = _first_seen(*coded[col])


def _label(codes: np.ndarray, labels: np.ndarray, i: int | np.integer) -> object:
    """The label of row ``i`` (None where its code is -1)."""
    return labels[codes[i]] if codes[i] >= 0 else None


def _merged(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Two coded columns as codes into one list of labels: ``((a, b), labels)``."""
    both, labels = pd.factorize(np.concatenate([a[1], b[1]]).astype(object))
    a_codes = np.append(both[: len(a[1])], -1)[a[0]]
    b_codes = np.append(both[len(a[1]) :], -1)[b[0]]
    return (a_codes, b_codes), np.asarray(labels, dtype=object)


def _first_seen(codes: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The labels in use, in the order their rows first appear; -1 (empty) stays -1.

    That is the order factorising the column would give them.
    """
    order, used = pd.factorize(codes)
    empty = np.flatnonzero(used < 0)
    if len(empty):
        k = int(empty[0])
        order = np.where(order == k, -1, order - (order > k))
        used = np.delete(used, k)
    return order.astype(np.int64), labels[used]
