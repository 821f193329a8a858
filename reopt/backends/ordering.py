"""The price order the greedy method buys in, sorted where it is needed or on a second thread.

`price_order` sorts the columns by cost, ties by position. numpy's sorts release the
interpreter lock, so the sort of a large program's costs (`price_order_beside`) runs on
another core while the caller finds the program's structure; `Background.result` waits for it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

import numpy as np

__all__ = ["SORT_BESIDE_FROM_COLUMNS", "Background", "price_order", "price_order_beside"]

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
