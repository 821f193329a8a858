"""The stock balance: stock columns per product and period, and the rows that link them.

Used by `reopt.compile` in place of the demand rows when the market carries tonnes
between periods (`reopt.Market.has_stock_balance`: a stock table, or offers with a lead
time). For each product ``p`` and period ``t`` (in the market's order), one row::

    sum_{o arriving in (p, t)} x[o] + s[p, t-1] - s[p, t] = demand_t[p, t]

with ``s[p, -1] = initial_t[p]``: a column fixed at ``initial_t`` in the first period's
row (rather than a constant on its right-hand side, so that every balance row's bound is
its demand, and the program is scaled by demand as without stock). Offer ``o`` bought in
period ``t`` with lead time ``L`` arrives in ``t + L``; one that would arrive after the
last period has its column bounded by 0. A stocked product has one column ``s[p, t]``
per period, the tonnes held at the end of the period, with
``floor[p, t] <= s[p, t] <= max_t[p]`` (the floor is ``min_t``, or ``min_days / 365`` of
the period's demand), costing ``1000 * holding_usd_per_kg`` per tonne per period. A
product without a stock row has no stock columns: its stock is 0 (the same balance with
``s`` fixed at 0, so that lead times still move its purchases to earlier periods).

The rows keep the demand rows' order and labels (`RowFamily.DEMAND`, one per demand row),
so that a row's dual is still the marginal cost of one more tonne of that period's demand.
Stock columns come right after the offers' columns, then one fixed column per stocked
product for its initial stock; `stock_layout` says which is which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from reopt.data.market import Market, readonly
from reopt.model.blocks import RowBlock, RowFamily, csr_block

if TYPE_CHECKING:
    from reopt.model.formulation import ModelBuild

__all__ = ["StockLayout", "define_balance_rows", "order_limits", "stock_layout"]


@dataclass(frozen=True)
class StockLayout:
    """Where a market's stock columns are and what bounds them (one entry per column).

    Column ``first_col + j`` is the stock of demand row ``demand_row[j]``'s product at the
    end of its period; ``next_row[j]`` is the next period's demand row of the product (-1
    after the last period), and ``first[j]`` marks a product's first period (whose row
    holds the initial stock ``initial_t[j]``, a fixed column: `initial_columns`).
    """

    first_col: int
    demand_row: np.ndarray
    next_row: np.ndarray
    first: np.ndarray
    initial_t: np.ndarray
    floor_t: np.ndarray
    max_t: np.ndarray
    holding_usd_per_kg: np.ndarray

    @property
    def n_cols(self) -> int:
        """Number of stock columns."""
        return len(self.demand_row)

    @property
    def columns(self) -> np.ndarray:
        """The stock columns' indices in the program."""
        return self.first_col + np.arange(self.n_cols)

    @property
    def initial_columns(self) -> np.ndarray:
        """The initial stock's fixed columns, one per product (its first period's entry)."""
        return self.first_col + self.n_cols + np.arange(int(self.first.sum()))


def stock_layout(market: Market) -> StockLayout:
    """The stock columns of ``market``'s program, in stock-table order, then by period.

    Examples
    --------
    >>> import pandas as pd, reopt
    >>> m = reopt.datasets.japan_2025()
    >>> held = m.replace(stock=pd.DataFrame({"product": ["Dy oxide"], "min_t": [10.0]}))
    >>> stock_layout(held).n_cols, float(stock_layout(held).floor_t[0])
    (1, 10.0)
    """
    enc, data = market.encoded, market.stock_data
    rows_of, next_of, first_of, row_of = [], [], [], []
    for j, product in enumerate(data.product):
        rows = np.flatnonzero(enc.demand_product == product)
        rows = rows[np.argsort(enc.demand_period_code[rows], kind="stable")]
        rows_of.append(rows)
        next_of.append(np.append(rows[1:], -1))
        first_of.append(np.arange(len(rows)) == 0)
        row_of.append(np.full(len(rows), j))
    empty = np.zeros(0, dtype=np.int64)
    row = np.concatenate(rows_of).astype(np.int64) if rows_of else empty
    k = np.concatenate(row_of).astype(np.int64) if row_of else empty
    demand = enc.demand_t[row]
    floor = np.array([data.floor_t(int(j), float(d)) for j, d in zip(k, demand, strict=True)])
    return StockLayout(
        first_col=market.n_offers,
        demand_row=readonly(row),
        next_row=readonly(np.concatenate(next_of).astype(np.int64) if next_of else empty),
        first=readonly(np.concatenate(first_of) if first_of else np.zeros(0, dtype=bool)),
        initial_t=readonly(data.initial_t[k]),
        floor_t=readonly(floor.astype(float)),
        max_t=readonly(data.max_t[k]),
        holding_usd_per_kg=readonly(data.holding_usd_per_kg[k]),
    )


def define_balance_rows(build: ModelBuild) -> RowBlock:
    """One balance row per demand row, and the stock columns (see the module)."""
    market, enc = build.market, build.encoded
    arrival = market.stock_data.arrival
    layout = stock_layout(market)
    initial = layout.initial_t[layout.first]
    first = build.add_columns(
        np.concatenate([layout.holding_usd_per_kg, np.zeros(len(initial))]),
        np.concatenate([layout.floor_t, initial]),
        np.concatenate([layout.max_t, initial]),
        closed=arrival < 0,
    )
    assert first == layout.first_col, "stock columns come right after the offers"
    offers = np.flatnonzero(arrival >= 0)
    cols = layout.columns
    carried = np.flatnonzero(layout.next_row >= 0)
    starts = layout.demand_row[layout.first]
    rows = np.concatenate([arrival[offers], layout.demand_row, layout.next_row[carried], starts])
    entries = np.concatenate([offers, cols, cols[carried], layout.initial_columns])
    values = np.concatenate(
        [np.ones(len(offers)), -np.ones(layout.n_cols), np.ones(len(carried) + len(starts))]
    )
    n_rows = len(enc.demand_t)
    block = csr_block(rows, entries, values, n_rows, family=RowFamily.DEMAND)
    rhs = enc.demand_t.astype(float).copy()
    block.lower = rhs
    block.upper = rhs.copy()
    block.labels = {
        "demand_row": np.arange(n_rows),
        "period": enc.demand_period_code.astype(np.int64),
        "base_t": enc.demand_t.astype(float).copy(),
    }
    return block


def order_limits(market: Market) -> np.ndarray:
    """Per offer, the most tonnes a plan can take from it, for minimum-order rows.

    Without a stock balance: its capacity, or its product's demand when smaller. With one:
    its capacity, or, when smaller, the product's demand over the whole horizon plus the
    largest stock it may end with (its ``max_t``, or its largest floor when unlimited).
    """
    enc = market.encoded
    group = np.maximum(enc.group, 0)
    if not market.has_stock_balance:
        return np.minimum(enc.capacity_t, enc.demand_t[group])
    layout = stock_layout(market)
    products = enc.labels["product"]
    total = {p: float(enc.demand_t[enc.demand_product == p].sum()) for p in products}
    extra = dict.fromkeys(products, 0.0)
    for j, row in enumerate(layout.demand_row):
        p = enc.demand_product[row]
        end = layout.max_t[j] if np.isfinite(layout.max_t[j]) else layout.floor_t[j]
        extra[p] = max(extra[p], float(end))
    reach = np.array([total[p] + extra[p] for p in products])[enc.codes["product"]]
    return np.minimum(enc.capacity_t, np.maximum(reach, enc.min_order_t))
