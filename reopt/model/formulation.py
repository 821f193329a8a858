"""The formulation: `compile` turns a `Market` and its policies into a `LinearProgram`.

The model, in tonnes and US dollars::

    minimise    sum_o 1000 * price_usd_per_kg[o] * x[o]
    subject to  sum_{o in (p, t)} x[o]  = demand_t[p, t]            (demand)
                  or, with stock or lead times, the stock balance of `reopt.model.stock`
                rows of each policy                                (see the policy)
                V[p, t] = sum_{o in (p, t)} price[o] x[o]            (value of purchases)
                min_order_t[o] * y[o] <= x[o] <= U[o] * y[o], y[o] in {0, 1} (minimum orders)
                0 <= x[o] <= capacity_t[o]

where ``U[o]`` is the offer's capacity, or its product's demand when that is smaller.

`compile` calls one ``define_*`` function per family of rows, in order: demand (or the
stock balance, `reopt.model.stock.define_balance_rows`, with its stock columns), then each
policy's own rows (anything that implements `reopt.model.policy.Policy` adds its family of
rows through `Policy.define_rows`; `reopt.cap_share` and `reopt.min_share` are the first
kind), then the value columns' definitions that policies asked for, then minimum orders.
Rows are stored row-wise (CSR), the layout HiGHS takes without conversion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from reopt.data.market import Encoded, Market, readonly
from reopt.model.blocks import filled
from reopt.model.program import ROW_LABELS, LinearProgram, RowBlock, RowFamily, csr_block
from reopt.model.stock import define_balance_rows, order_limits

__all__ = ["KG_PER_T", "ModelBuild", "Units", "compile", "units_for"]

KG_PER_T = 1000.0


@dataclass(frozen=True)
class Units:
    """What a share is a share of: each demand row, or each period (``per_period``).

    ``of_offer`` maps offers to units (-1: the offer does not count); ``base`` is each
    unit's demand in tonnes; ``in_scope`` marks units the product filter keeps.
    """

    key: tuple[object, ...]
    of_offer: np.ndarray
    base: np.ndarray
    period: np.ndarray
    demand_row: np.ndarray
    in_scope: np.ndarray


def units_for(enc: Encoded, products: Sequence[str] | None, *, per_period: bool) -> Units:
    """The units of a rule over ``products`` (None: every product).

    ``per_period`` False: one unit per demand row (a product in a period); True: one per
    period, across the products.
    """
    row_in = np.ones(len(enc.demand_t), dtype=bool)
    if products is not None:
        row_in = np.isin(enc.demand_product, np.asarray(products, dtype=object))
    counts = (enc.group >= 0) & row_in[np.maximum(enc.group, 0)]
    key = (per_period, None if products is None else tuple(products))
    if not per_period:
        return Units(
            key=key,
            of_offer=np.where(counts, enc.group, -1),
            base=enc.demand_t.astype(float),
            period=enc.demand_period_code,
            demand_row=np.arange(len(enc.demand_t)),
            in_scope=row_in,
        )
    n_periods = int(enc.demand_period_code.max()) + 1
    return Units(
        key=key,
        of_offer=np.where(counts, enc.demand_period_code[np.maximum(enc.group, 0)], -1),
        base=np.bincount(
            enc.demand_period_code, weights=enc.demand_t * row_in, minlength=n_periods
        ),
        period=np.arange(n_periods),
        demand_row=np.full(n_periods, -1),
        in_scope=np.bincount(enc.demand_period_code, weights=row_in, minlength=n_periods) > 0,
    )


class ModelBuild:
    """What a policy sees while the model is built: the market and the auxiliary columns.

    Columns ``0 .. n_offers - 1`` are the offers. A policy that needs the money spent per
    unit asks `value_columns` for them (or the tonnes bought per unit, `tonnes_columns`);
    they are made once per set of units and defined by `define_value_rows` after every
    policy has added its rows. Other columns (stock) are added with `add_columns`.
    """

    def __init__(self, market: Market) -> None:
        self.market = market
        self.encoded = market.encoded
        self.next_col = market.n_offers
        self._value: dict[tuple[object, ...], tuple[int, Units]] = {}
        self._tonnes: dict[tuple[object, ...], tuple[int, Units]] = {}
        self.added: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []
        self.closed = np.zeros(market.n_offers, dtype=bool)

    def add_columns(
        self,
        cost_usd_per_kg: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
        *,
        closed: np.ndarray | None = None,
    ) -> int:
        """Add columns (cost per kg, bounds in tonnes); the first one's index.

        ``closed`` marks offers that cannot be used (their columns are bounded by 0).
        """
        first = self.next_col
        self.added.append((first, np.asarray(cost_usd_per_kg, float), lower, upper))
        self.next_col += len(cost_usd_per_kg)
        if closed is not None:
            self.closed |= closed
        return first

    def tonnes_columns(self, units: Units) -> int:
        """The first of ``units``' tonnes columns: the tonnes bought per unit."""
        if units.key not in self._tonnes:
            self._tonnes[units.key] = (self.next_col, units)
            self.next_col += len(units.base)
        return self._tonnes[units.key][0]

    def value_columns(self, units: Units) -> int:
        """The first of ``units``' value columns (one column per unit)."""
        if units.key not in self._value:
            self._value[units.key] = (self.next_col, units)
            self.next_col += len(units.base)
        return self._value[units.key][0]

    def registered_value_columns(self) -> list[tuple[int, Units]]:
        """Every set of value columns asked for: (first column, units)."""
        return list(self._value.values())


def compile(market: Market, policies: Sequence[Any] = ()) -> LinearProgram:
    """Build the LP for ``market`` under ``policies`` (each a `reopt.model.policy.Policy`).

    Examples
    --------
    >>> import reopt
    >>> market = reopt.datasets.japan_2025()
    >>> lp = reopt.compile(market, [reopt.cap_share(0.6, country="CN")])
    >>> lp.n_offers == market.n_offers
    True
    """
    build = ModelBuild(market)
    policies = tuple(policies)
    balance = market.has_stock_balance
    blocks = [define_balance_rows(build) if balance else define_demand_rows(build)]
    for k, policy in enumerate(policies):
        block = policy.define_rows(build, k)
        block.family = RowFamily.POLICY
        block.labels["policy"] = np.full(block.n_rows, k)
        blocks.append(block)
    blocks.extend(define_value_rows(build))
    buy_cols = np.zeros(0, dtype=np.int64)
    if (build.encoded.min_order_t > 0).any():
        block, buy_cols = define_min_order_rows(build)
        blocks.append(block)
    return _assemble(build, blocks, buy_cols, policies)


# ------------------------------------------------------------------------------------------
# one function per family of rows
# ------------------------------------------------------------------------------------------
def define_demand_rows(build: ModelBuild) -> RowBlock:
    """Each product (in each period) is bought exactly as demanded."""
    enc = build.encoded
    n_rows = len(enc.demand_t)
    offers = enc.by_group
    block = csr_block(
        enc.group[offers],
        offers,
        np.ones(len(offers)),
        n_rows,
        presorted=True,
        family=RowFamily.DEMAND,
    )
    block.lower = enc.demand_t.astype(float).copy()
    block.upper = enc.demand_t.astype(float).copy()
    block.labels = {
        "demand_row": np.arange(n_rows),
        "period": enc.demand_period_code.astype(np.int64),
        "base_t": enc.demand_t.astype(float).copy(),
    }
    return block


def define_value_rows(build: ModelBuild) -> list[RowBlock]:
    """Define each value column: the money spent on a product (or in a period).

    Then each tonnes column (stock markets): the tonnes bought of a product (or in a period).
    """
    enc = build.encoded
    blocks = []
    price = enc.price_usd_per_kg
    priced = [(first, units, price) for first, units in build.registered_value_columns()]
    ones = np.ones(len(enc.price_usd_per_kg))
    counted = [(first, units, ones) for first, units in build._tonnes.values()]
    for first_col, units, weight in priced + counted:
        n_units = len(units.base)
        offers = np.flatnonzero(units.of_offer >= 0)
        rows = np.concatenate([units.of_offer[offers], np.arange(n_units)])
        cols = np.concatenate([offers, first_col + np.arange(n_units)])
        vals = np.concatenate([weight[offers], -np.ones(n_units)])
        block = csr_block(rows, cols, vals, n_units, family=RowFamily.VALUE)
        block.lower = np.zeros(n_units)
        block.upper = np.zeros(n_units)
        block.labels = {
            "demand_row": units.demand_row,
            "period": units.period,
            "value_col": first_col + np.arange(n_units),
        }
        blocks.append(block)
    return blocks


def define_min_order_rows(build: ModelBuild) -> tuple[RowBlock, np.ndarray]:
    """An offer with a minimum order is either not used or used for at least that much.

    Adds a 0/1 column ``y[o]`` per such offer and two rows:
    ``x[o] - min_order_t[o] * y[o] >= 0`` and ``x[o] - U[o] * y[o] <= 0``.
    """
    enc = build.encoded
    offers = np.flatnonzero((enc.min_order_t > 0) & (enc.group >= 0))
    k = len(offers)
    buy = build.next_col + np.arange(k)
    build.next_col += k
    upper = np.minimum(enc.capacity_t[offers], enc.demand_t[enc.group[offers]])
    if build.market.has_stock_balance:  # tonnes bought ahead may exceed one period's demand
        upper = order_limits(build.market)[offers]
    rows = np.concatenate([np.arange(k), np.arange(k), k + np.arange(k), k + np.arange(k)])
    cols = np.concatenate([offers, buy, offers, buy])
    vals = np.concatenate([np.ones(k), -enc.min_order_t[offers], np.ones(k), -upper])
    block = csr_block(rows, cols, vals, 2 * k, family=RowFamily.MIN_ORDER)
    block.lower = np.concatenate([np.zeros(k), np.full(k, -np.inf)])
    block.upper = np.concatenate([np.full(k, np.inf), np.zeros(k)])
    block.labels = {
        "demand_row": np.concatenate([enc.group[offers], enc.group[offers]]),
        "period": np.concatenate([enc.demand_period_code[enc.group[offers]]] * 2),
    }
    return block, buy


# ------------------------------------------------------------------------------------------
# stacking the blocks
# ------------------------------------------------------------------------------------------
def _assemble(
    build: ModelBuild,
    blocks: list[RowBlock],
    buy_cols: np.ndarray,
    policies: tuple[Any, ...],
) -> LinearProgram:
    enc = build.encoded
    n = len(enc.price_usd_per_kg)
    n_cols = build.next_col
    offsets = np.cumsum([0] + [b.start[-1] for b in blocks])
    row_start = np.concatenate(
        [blocks[0].start[:1]] + [b.start[1:] + off for b, off in zip(blocks, offsets, strict=False)]
    )
    labels: dict[str, np.ndarray] = {
        "family": readonly(np.concatenate([filled(b.n_rows, b.family) for b in blocks]))
    }
    for name, default in ROW_LABELS.items():
        parts = []
        for b in blocks:
            if name in b.labels:
                parts.append(np.asarray(b.labels[name]))
            else:
                parts.append(np.full(b.n_rows, default))
        labels[name] = readonly(np.concatenate(parts))

    # each array written in place, without a temporary the size of the offers
    cost = np.zeros(n_cols)
    np.multiply(enc.price_usd_per_kg, KG_PER_T, out=cost[:n])
    col_lower = np.zeros(n_cols)
    col_upper = np.zeros(n_cols)
    col_upper[n:] = np.inf
    np.copyto(col_upper[:n], enc.capacity_t, where=(enc.group >= 0) & ~build.closed)
    for first, cost_per_kg, lower, upper in build.added:
        cols = first + np.arange(len(cost_per_kg))
        cost[cols] = KG_PER_T * cost_per_kg
        col_lower[cols], col_upper[cols] = lower, upper
    integrality = np.zeros(n_cols, dtype=np.int32)
    offer_of_col = np.arange(n_cols)
    offer_of_col[n:] = -1
    if len(buy_cols):
        col_upper[buy_cols] = 1.0
        integrality[buy_cols] = 1
        offer_of_col[buy_cols] = np.flatnonzero((enc.min_order_t > 0) & (enc.group >= 0))
    return LinearProgram(
        cost=readonly(cost),
        col_lower=readonly(col_lower),
        col_upper=readonly(col_upper),
        row_lower=readonly(np.concatenate([b.lower for b in blocks])),
        row_upper=readonly(np.concatenate([b.upper for b in blocks])),
        row_start=readonly(row_start.astype(np.int32)),
        col_index=readonly(np.concatenate([b.index for b in blocks], dtype=np.int32)),
        value=readonly(np.concatenate([b.value for b in blocks])),
        integrality=readonly(integrality),
        row_labels=labels,
        col_offer=readonly(offer_of_col),
        n_offers=n,
        policies=policies,
    )
