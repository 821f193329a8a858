"""Checks across the offers and demand tables, on the offers' product and period codes.

`check_cross`: both tables have periods or neither, periods of one kind, and every demand
row is offered (the (product, period) pairs on offer are counted on the integers, once per
distinct pair). `warn_undemanded`: a `ReoptWarning` per product offered but not demanded.
"""

from __future__ import annotations

import difflib
import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from reopt.errors import ProblemList, ReoptWarning

if TYPE_CHECKING:
    from reopt.data.cells import TableOrigin

__all__ = ["check_cross", "warn_undemanded"]

#: How many rows a warning about offers names before it counts the rest.
_ROWS_SHOWN = 5


def warn_undemanded(
    offers: pd.DataFrame,
    demand: pd.DataFrame,
    offers_input: pd.DataFrame,
    origin: TableOrigin,
    offered: tuple[np.ndarray, np.ndarray],
) -> None:
    """A `ReoptWarning` per product that is offered but not demanded: those offers go unused.

    ``offered`` is the offers' product codes and labels.
    """
    demanded = sorted(pd.unique(demand["product"].to_numpy(dtype=object)))
    codes, labels = offered
    idle = ~pd.Series(labels, dtype=object).isin(demanded).to_numpy()
    if not idle.any():
        return
    rows = np.flatnonzero(np.append(idle, False)[codes])
    products = labels[codes[rows]]
    for product in pd.unique(products):
        at = rows[products == product]
        shown = ", ".join(origin.where(offers_input.index[i], i) for i in at[:_ROWS_SHOWN])
        more = f" and {len(at) - _ROWS_SHOWN} more" if len(at) > _ROWS_SHOWN else ""
        close = difflib.get_close_matches(str(product), demanded, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"demanded products: {demanded}"
        warnings.warn(
            f"{shown}{more}: nobody demands product {product!r}, so "
            f"{'these offers are' if len(at) > 1 else 'this offer is'} not used ({hint})",
            ReoptWarning,
            stacklevel=4,
        )


def check_cross(
    offers: pd.DataFrame,
    demand: pd.DataFrame,
    demand_input: pd.DataFrame,
    origins: dict[str, TableOrigin],
    problems: ProblemList,
    coded: dict[str, tuple[np.ndarray, np.ndarray]],
) -> None:
    """Checks across tables: periods on both sides, demand for products somebody offers.

    ``coded`` holds the offers' codes of ``product`` (and ``period``): the (product, period)
    pairs on offer are counted on the integers, once per distinct pair.
    """
    has_o, has_d = "period" in offers.columns, "period" in demand.columns
    if has_o != has_d:
        with_p, without = ("offers", "demand") if has_o else ("demand", "offers")
        problems.add(
            without,
            origins[without].label,
            "period",
            None,
            f"{with_p} has a period column but {without} has none",
            "give both tables a period column, or neither",
        )
        return
    keys = ["product", "period"] if has_d else ["product"]
    pairs, space = np.zeros(len(offers), dtype=np.int64), 1
    for k in keys:
        codes, labels = coded[k]
        pairs = pairs * (len(labels) + 1) + (codes + 1)
        space *= len(labels) + 1
    small = space <= 4 * len(pairs) + 1024
    distinct = np.flatnonzero(np.bincount(pairs)) if small else np.unique(pairs)
    offered: set[tuple[object, ...]] = set()
    for pair in distinct.tolist():
        parts: list[object] = []
        for k in reversed(keys):
            labels = coded[k][1]
            pair, code = divmod(pair, len(labels) + 1)
            parts.append(labels[code - 1] if code else None)
        offered.add(tuple(reversed(parts)))
    products = sorted(pd.unique(coded["product"][1]))
    origin = origins["demand"]
    for i, key in enumerate(zip(*(demand[k].to_numpy(dtype=object) for k in keys), strict=True)):
        if key in offered:
            continue
        product = key[0]
        if product in set(products):
            rule = f"nobody offers {product!r} in period {key[1]!r}"
            hint = "add offers for that period or drop the demand row"
        else:
            rule = f"nobody offers {product!r}"
            close = difflib.get_close_matches(product, products, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"offered products: {products}"
        where = origin.where(demand_input.index[i], i)
        problems.add("demand", where, "product", product, rule, hint)
    if has_d:
        codes, labels = coded["period"]
        periods_o = labels[codes[np.flatnonzero(codes >= 0)[:1]]]
        periods_d = demand["period"].dropna()
        if len(periods_o) and len(periods_d):
            kinds = {type(periods_o[0]).__name__, type(periods_d.iloc[0]).__name__}
            if len(kinds) > 1:
                problems.add(
                    "demand",
                    origin.label,
                    "period",
                    None,
                    "periods are integers in one table and text in the other",
                    "use the same period labels in offers and demand",
                )
