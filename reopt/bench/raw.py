"""The raw limit: the same LP built directly with numpy from the input tables, for highspy.

One demand row and one China-cap row per product (and period).

This is what an expert would write by hand for one China cap: no validation, no labels, no
checks. reopt's compile + hand-off is measured against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from reopt.backends.highs_calls import apply_settings, new_highs, pass_arrays

__all__ = ["RawLP", "build", "build_from_arrays", "hand_off"]


@dataclass
class RawLP:
    """The LP as the arrays HiGHS takes (row-wise matrix).

    Column lower bounds (zero) and integrality (none) are made at hand-off, as a script
    written for highspy would.
    """

    cost: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_start: np.ndarray
    col_index: np.ndarray
    value: np.ndarray

    @property
    def n_cols(self) -> int:
        """Number of columns."""
        return len(self.cost)


def build(offers: pd.DataFrame, demand: pd.DataFrame, china_cap: float) -> RawLP:
    """From the tables: factorise the products (and periods), then `build_from_arrays`."""
    keys = ["product", "period"] if "period" in offers.columns else ["product"]
    if len(keys) == 1:
        product, products = pd.factorize(offers["product"])
        d = demand.set_index("product")["demand_t"].reindex(products).to_numpy(dtype=float)
    else:
        product, products = pd.factorize(pd.MultiIndex.from_frame(offers[keys]))
        d = demand.set_index(keys)["demand_t"].reindex(products).to_numpy(dtype=float)
    return build_from_arrays(
        product,
        offers["country"].to_numpy() == "CN",
        offers["price_usd_per_kg"].to_numpy(dtype=float),
        offers["capacity_t"].fillna(np.inf).to_numpy(dtype=float),
        d,
        china_cap,
    )


def build_from_arrays(
    product: np.ndarray,
    china: np.ndarray,
    price_usd_per_kg: np.ndarray,
    capacity_t: np.ndarray,
    demand_t: np.ndarray,
    china_cap: float,
) -> RawLP:
    """Demand rows (one per product) then China-cap rows (one per product), row-wise.

    The inputs are already numpy: product codes 0..P-1 per offer, a China mask, prices,
    capacities, and demand per product code. This is the least work that builds the LP.
    """
    n_products = len(demand_t)
    in_product = np.argsort(product, kind="stable")
    china_rows = np.flatnonzero(china)
    china_rows = china_rows[np.argsort(product[china_rows], kind="stable")]
    counts = np.concatenate(
        [
            np.bincount(product, minlength=n_products),
            np.bincount(product[china], minlength=n_products),
        ]
    )
    start = np.zeros(len(counts) + 1, dtype=np.int32)
    np.cumsum(counts, out=start[1:])
    index = np.concatenate([in_product, china_rows]).astype(np.int32)
    return RawLP(
        cost=1000.0 * price_usd_per_kg,
        col_upper=capacity_t,
        row_lower=np.concatenate([demand_t, np.full(n_products, -np.inf)]),
        row_upper=np.concatenate([demand_t, china_cap * demand_t]),
        row_start=start,
        col_index=index,
        value=np.ones(len(index)),
    )


def hand_off(lp: RawLP, settings: dict[str, object]) -> Any:
    """A HiGHS instance holding ``lp``, with ``settings`` applied.

    A silent instance, as reopt uses, so that only the build differs; the arrays go to HiGHS
    in the one ``passModel`` call reopt makes (`reopt.backends.highs_calls.pass_arrays`).
    """
    h = new_highs()
    apply_settings(h, settings)
    pass_arrays(
        h,
        cost=lp.cost,
        col_lower=np.zeros(lp.n_cols),
        col_upper=lp.col_upper,
        row_lower=lp.row_lower,
        row_upper=lp.row_upper,
        row_start=lp.row_start,
        col_index=lp.col_index,
        value=lp.value,
        integrality=np.zeros(lp.n_cols, dtype=np.int32),
    )
    return h
