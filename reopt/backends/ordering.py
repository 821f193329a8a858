"""The orders the greedy method works in: by price, and by the caps that hold each column.

`price_order` sorts the columns by cost, ties by position. numpy's sorts release the
interpreter lock, so the sort of a large program's costs (`price_order_beside`) runs on
another core while the caller finds the program's structure; `Background.result` waits for it.
`cap_nesting` orders the caps that hold each column, largest first, and finds each cap's
parent; `node_codes` numbers the nodes of one level of the tree of caps in a small integer
type (so that a stable sort by node is a radix sort), and `innermost_codes` codes each
column by the smallest cap that holds it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

import numpy as np

__all__ = [
    "SORT_BESIDE_FROM_COLUMNS",
    "Background",
    "cap_nesting",
    "innermost_codes",
    "node_codes",
    "price_order",
    "price_order_beside",
    "run_codes",
]

T = TypeVar("T")

#: From this many columns, the price sort runs beside the search for structure.
SORT_BESIDE_FROM_COLUMNS = 20_000


def price_order(cost: np.ndarray) -> np.ndarray:
    """The columns by cost, ties by position.

    A stable sort, done as a quicksort and then, within each run of tied costs, a sort of
    the positions: one sort of ``run * n + position`` for all runs at once (faster than a
    stable sort of everything, or a lexsort of the ties).

    Examples
    --------
    >>> price_order(np.array([3.0, 1.0, 3.0, 2.0, 1.0])).tolist()
    [1, 4, 3, 0, 2]
    """
    order = np.argsort(cost)
    ordered = cost[order]
    same = ordered[1:] == ordered[:-1]  # a tie with the next one
    del ordered
    if same.any():
        n = len(cost)
        in_run = np.zeros(n, dtype=bool)
        in_run[:-1] |= same
        in_run[1:] |= same
        at = np.flatnonzero(in_run)
        starts = np.ones(len(at), dtype=bool)
        starts[1:] = (np.diff(at) != 1) | ~same[at[:-1]]
        run = np.cumsum(starts) - 1
        order[at] = np.sort(run * n + order[at]) % n
    return order


class Background(Generic[T]):
    """``fn(*args)`` running on its own thread from construction until `result`.

    Examples
    --------
    >>> import numpy as np
    >>> Background(np.argsort, np.array([3.0, 1.0, 2.0])).result().tolist()
    [1, 2, 0]
    """

    def __init__(self, fn: Callable[..., T], *args: object) -> None:
        self._value: list[T] = []
        self._error: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(fn, args), daemon=True, name="reopt-background"
        )
        self._thread.start()

    def _run(self, fn: Callable[..., T], args: tuple[object, ...]) -> None:
        try:
            self._value.append(fn(*args))
        except BaseException as err:  # handed to the caller by result()
            self._error.append(err)

    def join(self) -> None:
        """Wait for ``fn`` to end, whatever it returned or raised (a result not needed)."""
        self._thread.join()

    def result(self) -> T:
        """What ``fn`` returned (waiting for it), or the exception it raised."""
        self._thread.join()
        if self._error:
            raise self._error[0]
        return self._value[0]


def price_order_beside(cost: np.ndarray, threads: int | None) -> Background[np.ndarray] | None:
    """`price_order` of ``cost``, sorting on a second thread, or None.

    From `SORT_BESIDE_FROM_COLUMNS` costs, unless ``threads=1`` or the process may run on one
    core only; with None the caller sorts when it needs the order.
    """
    if len(cost) < SORT_BESIDE_FROM_COLUMNS or threads == 1 or _cores() < 2:
        return None
    return Background(price_order, cost)


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def node_codes(
    rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nodes of one level: each column's node as a code, whether it has one, each code's row.

    The level is given by its entries (``rows``, ``cols``: each column at most once). Codes
    follow the rows' order, in a small unsigned type; a column with no node gets code 0
    (callers mask it out).

    Examples
    --------
    >>> code, member, owner = node_codes(np.array([7, 3, 7]), np.array([0, 2, 3]), 9, 4)
    >>> code.tolist(), member.tolist(), owner.tolist(), code.dtype.name
    ([1, 0, 0, 1], [True, False, True, True], [3, 7], 'uint8')
    """
    used = np.zeros(n_rows, dtype=bool)
    used[rows] = True
    owner = np.flatnonzero(used)
    dtype = _code_type(len(owner))
    code_of = np.zeros(n_rows, dtype=dtype)
    code_of[owner] = np.arange(len(owner), dtype=dtype)
    code = np.zeros(n_cols, dtype=dtype)
    code[cols] = code_of[rows]
    member = np.zeros(n_cols, dtype=bool)
    member[cols] = True
    return code, member, owner


def run_codes(
    owner: np.ndarray, lengths: np.ndarray, cols: np.ndarray, n_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`node_codes` for a level whose entries come row by row: ``lengths[k]`` of row ``owner[k]``.

    ``owner`` is increasing and every length positive (whole rows of a CSR matrix, such as
    the equality rows), so the codes are the runs' numbers, with no look-up by row.

    Examples
    --------
    >>> code, member, owner = run_codes(np.array([3, 7]), np.array([1, 2]), np.array([2, 0, 3]), 4)
    >>> code.tolist(), member.tolist(), owner.tolist()
    ([1, 0, 0, 1], [True, False, True, True], [3, 7])
    """
    dtype = _code_type(len(owner))
    code = np.zeros(n_cols, dtype=dtype)
    code[cols] = np.repeat(np.arange(len(owner), dtype=dtype), lengths)
    member = np.zeros(n_cols, dtype=bool)
    member[cols] = True
    return code, member, owner


def cap_nesting(
    cap_row: np.ndarray,
    cap_col: np.ndarray,
    root: np.ndarray,
    size: np.ndarray,
    used: np.ndarray,
    parent: np.ndarray,
    depth: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | str:
    """Each cap's parent and depth (into ``parent`` and ``depth``) where caps nest, else why not.

    The caps holding each column, largest first: each must be the next one's parent, for
    every column it holds. Returns the caps' entries ordered so (column by column) and each
    entry's position in its column's chain (0 for the outermost cap).
    """
    n_rows = len(size)
    order = np.lexsort((cap_row, -size[cap_row], cap_col))
    cap_row, cap_col = cap_row[order], cap_col[order]
    first = np.ones(len(cap_col), dtype=bool)
    first[1:] = cap_col[1:] != cap_col[:-1]
    candidate = np.where(first, root[cap_col], np.roll(cap_row, 1))
    position = np.arange(len(cap_col)) - np.maximum.accumulate(
        np.where(first, np.arange(len(cap_col)), 0)
    )
    parent_hi = np.full(n_rows, -1, dtype=np.int64)
    np.maximum.at(parent_hi, cap_row, candidate)
    parent_lo = np.full(n_rows, np.iinfo(np.int64).max)
    np.minimum.at(parent_lo, cap_row, candidate)
    np.maximum.at(depth, cap_row, position + 1)
    depth_lo = np.full(n_rows, np.iinfo(np.int64).max)
    np.minimum.at(depth_lo, cap_row, position + 1)
    if (parent_hi[used] != parent_lo[used]).any() or (depth[used] != depth_lo[used]).any():
        return "caps that overlap without nesting (two families of groups)"
    parent[used] = parent_hi[used]
    return cap_row, cap_col, position


def innermost_codes(
    codes: list[np.ndarray],
    members: list[np.ndarray],
    owners: list[np.ndarray],
    cols: np.ndarray | None,
) -> dict[str, np.ndarray]:
    """Each of the columns ``cols`` coded by its innermost node, and each code's row.

    ``cols`` are increasing; None means every column.
    ``codes``, ``members`` and ``owners`` are the levels' (outermost cap first, the blocks
    last): a column's innermost node is that of the deepest level holding it, its block where
    no cap does. The codes number the blocks first, then each level's caps (`GreedyStructure`'s
    ``inner_code`` and ``inner_owner``); a cap whose every column lies in a smaller one is no
    column's innermost node and has a code that no column has.

    Examples
    --------
    Columns 0-3 in block row 0; a cap (row 1) on columns 1-3, and inside it one (row 2) on 2:

    >>> levels = [node_codes(np.array(rows), np.array(cols), 3, 4)
    ...     for rows, cols in (([1, 1, 1], [1, 2, 3]), ([2], [2]), ([0] * 4, range(4)))]
    >>> found = innermost_codes(*[[level[k] for level in levels] for k in range(3)],
    ...     np.arange(4))
    >>> {k: v.tolist() for k, v in found.items()}
    {'inner_code': [0, 1, 2, 1], 'inner_owner': [0, 1, 2]}
    """
    sizes = [len(owner) for owner in (owners[-1], *owners[:-1])]
    offsets = np.cumsum([0, *sizes])
    dtype = _code_type(int(offsets[-1]))
    pick = slice(None) if cols is None else cols  # (every column: no gather)
    code = codes[-1][pick].astype(dtype)
    for k in range(len(codes) - 1):  # deeper levels later: the innermost one is kept
        inside = np.flatnonzero(members[k][pick])
        code[inside] = codes[k][inside if cols is None else cols[inside]] + dtype(offsets[k + 1])
    return {"inner_code": code, "inner_owner": np.concatenate([owners[-1], *owners[:-1]])}


def _code_type(n_codes: int) -> type[np.unsignedinteger]:
    """The smallest unsigned type that numbers ``n_codes`` codes."""
    return np.uint8 if n_codes <= 2**8 else np.uint16 if n_codes <= 2**16 else np.uint32
