"""Which method solved a plan, block by block, and why: `method_table` and `method_note`.

The ``"auto"`` back end (`reopt.backends.auto`) records its choice in the answer's settings
(``method``, ``method_reason``); any other back end is its own method (its settings may
name a ``method`` too, the simplex or interior point it was asked for, without a reason).
A block is one product in one period (one demand row); today every block of a program is
solved by one method, and the table says so per block, so that a reader sees what each
product went through.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from reopt.data.market import Market
from reopt.model.program import LinearProgram, RowFamily
from reopt.results import labels

__all__ = ["METHOD_NAMES", "method_note", "method_of", "method_table"]

#: How each method is named in words.
METHOD_NAMES: Mapping[str, str] = {
    "greedy": "the greedy method",
    "highs": "HiGHS",
    "split": "independent parts",
    "relaxed": "the greedy method with part of the program set aside",
}


def method_of(settings: Mapping[str, object], backend: str) -> tuple[str, str]:
    """The method of an answer and why: from ``"auto"``'s settings, else the back end."""
    method, reason = settings.get("method"), settings.get("method_reason")
    if isinstance(method, str) and isinstance(reason, str):
        return method, reason
    return backend, f"solver={backend!r} was chosen"


def method_note(settings: Mapping[str, object], backend: str) -> str | None:
    """A plan's note on how ``"auto"`` solved it (None for any other back end).

    Examples
    --------
    >>> method_note({"method": "greedy", "method_reason": "caps nest"}, "auto")
    'solved by the greedy method: caps nest'
    >>> method_note({"solver": "cbc", "method": "ipm"}, "cbc") is None
    True
    """
    if not isinstance(settings.get("method_reason"), str):
        return None
    method, reason = method_of(settings, backend)
    return f"solved by {METHOD_NAMES.get(method, method)}: {reason}"


def method_table(
    market: Market, lp: LinearProgram, settings: Mapping[str, object], backend: str
) -> pd.DataFrame:
    """One row per block (product, and period where there are periods): method and reason."""
    rows = lp.family_rows(RowFamily.DEMAND)  # with stock: the balance rows
    method, reason = method_of(settings, backend)
    table = pd.DataFrame(
        {
            "method": np.full(len(rows), method, dtype=object),
            "demand_row": lp.label("demand_row")[rows].astype(np.int64),
            "period": lp.label("period")[rows].astype(np.int64),
        }
    )
    table = labels.unit_labels(market, table)  # product (and period) after the first column
    table["reason"] = reason
    return table[[*table.columns[1:-1], "method", "reason"]].reset_index(drop=True)
