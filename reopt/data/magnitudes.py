"""Magnitudes reopt refuses: numbers too large, or too far apart, to solve reliably.

Solvers work in double precision with tolerances near 1e-7 to 1e-9. reopt scales each
product's tonnes and costs before solving (`reopt.model.scaling`), so quantities from
kilograms to millions of tonnes and prices from fractions of a cent to thousands of dollars
per kilogram are solved to the same relative accuracy. Beyond these limits that is no longer
true, and reopt says so as an `InputError` rather than return a doubtful plan:

- any quantity (``demand_t``, ``capacity_t``, ``min_order_t``) above `MAX_TONNES`;
- any price above `MAX_PRICE_USD_PER_KG`;
- within one product, a highest positive price more than `MAX_PRICE_RATIO` times its lowest:
  the cheap offers' differences then drown in the expensive one's rounding (a "never buy"
  placeholder price is the usual cause; an offer with capacity 0 says that exactly).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reopt.data.cells import TableOrigin
from reopt.errors import ProblemList

__all__ = ["MAX_PRICE_RATIO", "MAX_PRICE_USD_PER_KG", "MAX_TONNES", "magnitude_problems"]

#: The largest quantity reopt solves reliably, in tonnes.
MAX_TONNES = 1e12
#: The largest price reopt solves reliably, in USD/kg.
MAX_PRICE_USD_PER_KG = 1e12
#: The largest ratio of prices within one product that reopt solves reliably.
MAX_PRICE_RATIO = 1e12
#: The most cells listed per column.
SHOWN = 10


def magnitude_problems(
    tables: dict[str, tuple[pd.DataFrame, pd.DataFrame]],
    origins: dict[str, TableOrigin],
    problems: ProblemList,
    offered: tuple[np.ndarray, np.ndarray] | None = None,
) -> None:
    """Add a problem for every number beyond the limits of the module docstring.

    ``tables`` maps ``"offers"`` and ``"demand"`` to (the clean table, the table as given),
    whose rows are in the same order. ``offered``, when given, is the offers' product codes
    and labels (as the market encodes them), so that the products are not read again.
    """
    for name, columns, limit, unit in (
        ("demand", ("demand_t",), MAX_TONNES, "t"),
        ("offers", ("capacity_t", "min_order_t"), MAX_TONNES, "t"),
        ("offers", ("price_usd_per_kg",), MAX_PRICE_USD_PER_KG, "USD/kg"),
    ):
        clean, given = tables[name]
        for column in columns:
            if column not in clean.columns:
                continue
            values = clean[column].to_numpy(dtype=float)
            for i in np.flatnonzero(np.isfinite(values) & (np.abs(values) > limit))[:SHOWN]:
                problems.add(
                    name,
                    origins[name].where(given.index[i], i),
                    column,
                    float(values[i]),
                    f"more than {limit:g} {unit}: beyond what double precision and the "
                    "solvers can solve reliably",
                    "check the unit of the column (tonnes, USD per kg)",
                )
    _price_ratios(*tables["offers"], origins["offers"], problems, offered)


def _price_ratios(
    offers: pd.DataFrame,
    given: pd.DataFrame,
    origin: TableOrigin,
    problems: ProblemList,
    offered: tuple[np.ndarray, np.ndarray] | None,
) -> None:
    price = offers["price_usd_per_kg"].to_numpy(dtype=float)
    usable = np.isfinite(price) & (price > 0)
    if not usable.any():
        return
    if offered is None:
        offered = pd.factorize(offers["product"].to_numpy(dtype=object))
    codes, products = offered
    usable &= codes >= 0
    low = np.full(len(products), np.inf)
    high = np.zeros(len(products))
    np.minimum.at(low, codes[usable], price[usable])
    np.maximum.at(high, codes[usable], price[usable])
    for k in np.flatnonzero(high > MAX_PRICE_RATIO * low):
        mine = np.flatnonzero(usable & (codes == k))
        i = int(mine[np.argmax(price[mine])])
        problems.add(
            "offers",
            origin.where(given.index[i], i),
            "price_usd_per_kg",
            float(price[i]),
            f"{high[k] / low[k]:.3g} times the cheapest price of {products[k]!r} "
            f"(at most {MAX_PRICE_RATIO:g}): the solvers cannot tell the cheaper offers "
            "apart beside it",
            "to say 'never buy', drop the offer or give it capacity_t 0",
        )
