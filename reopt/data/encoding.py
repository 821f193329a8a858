"""Encoding: a validated market as integer codes and read-only numeric arrays (`Encoded`).

The compiler, the results and the analysis work on integers, never on labels: every label
column of the offers (``source``, ``product``, ``country``, ``refined_in``, ``kind``,
``period``) becomes a code per offer into a list of distinct labels, and every offer gets the
row of ``demand`` it serves. `encode` does this once when a `Market` is built; `readonly`
freezes the arrays so that values can share them safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Encoded", "encode", "readonly"]


@dataclass(frozen=True)
class Encoded:
    """Integer codes of a market, computed once, shared by the compiler and results.

    ``*_code`` arrays have one entry per offer and index into the matching ``*_labels``.
    ``group`` gives each offer's row in ``demand`` (-1 when nobody demands its product), and
    ``by_group`` lists the offers that have one, ordered by it (a stable sort, done once).
    """

    price_usd_per_kg: np.ndarray
    capacity_t: np.ndarray
    min_order_t: np.ndarray
    demand_t: np.ndarray
    demand_product: np.ndarray
    group: np.ndarray
    by_group: np.ndarray
    demand_period_code: np.ndarray
    codes: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]


def readonly(a: np.ndarray) -> np.ndarray:
    """``a`` as a contiguous array that cannot be written to (arrays in values are shared)."""
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


def encode(
    offers: pd.DataFrame,
    demand: pd.DataFrame,
    has_periods: bool,
    known: dict[str, tuple[np.ndarray, np.ndarray]],
) -> Encoded:
    """Integer codes per offer for every label column, and each offer's demand row.

    ``known`` holds codes the validation already computed (``coded[col] = (codes, labels)``
    with -1 for none, labels in the order rows first show them); other columns are
    factorised.
    """
    codes: dict[str, np.ndarray] = {}
    labels: dict[str, np.ndarray] = {}
    for col in ("source", "product", "country", "refined_in", "kind"):
        if col in known:
            code, uniques = known[col]
        else:
            code, uniques = pd.factorize(offers[col].to_numpy(dtype=object))
        # a copy, not the validation's array: keeping that one made the first solve after it
        # touch 945 more fresh pages at 200,000 offers (the allocator's reuse of memory)
        codes[col] = readonly(code.astype(np.int64))
        labels[col] = readonly(np.asarray(uniques, dtype=object))
    product_of = {p: i for i, p in enumerate(labels["product"])}
    demand_product = demand["product"].map(product_of).to_numpy(dtype=np.int64)
    if has_periods:
        if "period" in known:
            period_code, offered = known["period"]
        else:
            period_code, offered = pd.factorize(offers["period"].to_numpy(dtype=object))
        order = _period_order(demand["period"], list(offered))
        lookup = {p: i for i, p in enumerate(order)}
        position = np.array([lookup[p] for p in offered], dtype=np.int64)
        codes["period"] = readonly(position[period_code])
        labels["period"] = readonly(np.asarray(order, dtype=object))
        demand_period = demand["period"].map(lookup).to_numpy(dtype=np.int64)
        offer_period = codes["period"]
    else:
        demand_period = np.zeros(len(demand), dtype=np.int64)
        offer_period = np.zeros(len(offers), dtype=np.int64)
    # each offer's demand row, through a (product, period) -> demand row table
    n_periods = int(demand_period.max()) + 1
    table = np.full((len(labels["product"]), n_periods), -1, dtype=np.int64)
    table[demand_product, demand_period] = np.arange(len(demand))
    group = table[codes["product"], np.minimum(offer_period, n_periods - 1)]
    group[offer_period >= n_periods] = -1
    return Encoded(
        price_usd_per_kg=readonly(offers["price_usd_per_kg"].to_numpy(dtype=float)),
        capacity_t=readonly(offers["capacity_t"].to_numpy(dtype=float)),
        min_order_t=readonly(offers["min_order_t"].to_numpy(dtype=float)),
        demand_t=readonly(demand["demand_t"].to_numpy(dtype=float)),
        demand_product=readonly(demand["product"].to_numpy(dtype=object)),
        group=readonly(group),
        by_group=readonly(_sorted_by(group)),
        demand_period_code=readonly(demand_period),
        codes=codes,
        labels=labels,
    )


def _sorted_by(group: np.ndarray) -> np.ndarray:
    """Offers with a demand row, stably sorted by it (radix sort when codes fit 16 bits)."""
    keep = np.flatnonzero(group >= 0)
    keys = group[keep]
    if len(keys) and keys.max() < np.iinfo(np.uint16).max:
        keys = keys.astype(np.uint16)
    return keep[np.argsort(keys, kind="stable")]


def _period_order(demand_periods: pd.Series, offer_periods: list[Any]) -> list[Any]:
    """Integer periods in numeric order; text periods in order of first appearance.

    ``offer_periods`` are the offers' distinct periods in the order they first appear.
    """
    seen = list(dict.fromkeys([*demand_periods.tolist(), *offer_periods]))
    if all(isinstance(p, int) for p in seen):
        return sorted(seen)
    return seen
