"""The labels of a plan's tables: products and periods in place of the model's row codes.

A row of the model names what it is about by codes (`reopt.model.program.ROW_LABELS`): a
demand row (-1: all products) and a period (-1: all periods, for a rule over the horizon).
`unit_labels` turns them into the ``product`` and ``period`` columns the buyer reads, and
`offer_labels` names offers by source, product and period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reopt.data.market import Market

__all__ = ["ALL_PERIODS", "ALL_PRODUCTS", "offer_labels", "unit_labels"]

#: The product of a row about every product, and the period of a row about every period.
ALL_PRODUCTS, ALL_PERIODS = "all products", "all periods"


def unit_labels(market: Market, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its ``demand_row`` and ``period`` codes replaced by labels (in place)."""
    enc = market.encoded
    d = table.pop("demand_row").to_numpy()
    product = np.where(d >= 0, enc.demand_product[np.maximum(d, 0)], ALL_PRODUCTS)
    table.insert(1, "product", product.astype(str))
    period = table.pop("period").to_numpy()
    if market.has_periods:
        shown = enc.labels["period"][np.maximum(period, 0)]
        if (period < 0).any():
            shown = np.where(period >= 0, shown.astype(object), ALL_PERIODS)
        table.insert(2, "period", shown)
    return table


def offer_labels(market: Market, offers: np.ndarray, *, extra: bool = True) -> pd.DataFrame:
    """Labels of ``offers``: source, product, [period] (+ country, refined_in, kind)."""
    enc = market.encoded
    cols = ["source", "product"] + (["period"] if market.has_periods else [])
    if extra:
        cols += ["country", "refined_in", "kind"]
    return pd.DataFrame({c: enc.labels[c][enc.codes[c][offers]] for c in cols}).astype(
        {c: str for c in cols if c != "period"}
    )
