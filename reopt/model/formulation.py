"""The formulation: `compile` turns a `Market` and its policies into a `LinearProgram`.

The model, in tonnes and US dollars::

    minimise    sum_o 1000 * price_usd_per_kg[o] * x[o]
    subject to  sum_{o in (p, t)} x[o]  = demand_t[p, t]            (demand)
                sum_{o in G}      x[o] <= share * demand_t[p, t]    (cap_share, tonnes)
                sum_{o in G}      x[o] >= share * demand_t[p, t]    (min_share, tonnes)
                sum_{o in G} price[o] x[o] - share * V[p, t] <= 0   (cap_share, value)
                V[p, t] = sum_{o in (p, t)} price[o] x[o]            (value of purchases)
                min_order_t[o] * y[o] <= x[o] <= U[o] * y[o], y[o] in {0, 1} (minimum orders)
                0 <= x[o] <= capacity_t[o]

where ``U[o]`` is the offer's capacity, or its product's demand when that is smaller.

Shares are on the right-hand side wherever demand fixes the total (tonnes basis), so a
change of the share is a change of one bound, and the row's dual converts directly into
what a percentage point of the share is worth.

The arrays are built with vectorised numpy: one small function per family of rows
(`demand_rows`, `share_rows`, `value_rows`, `min_order_rows`), and `compile` calls them in
order. Rows are stored row-wise (CSR), the layout HiGHS takes without conversion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from reopt.data.market import Encoded, Market, readonly
from reopt.model.policies import Basis, Bound, Scope, SharePolicy

__all__ = ["LinearProgram", "compile", "demand_coupling"]

KG_PER_T = 1000.0


@dataclass(frozen=True)
class LinearProgram:
    """A minimisation LP in standard form, with labels that tie rows back to the market.

    ``min cost @ x  s.t.  row_lower <= A @ x <= row_upper,  col_lower <= x <= col_upper``,
    with ``A`` stored row-wise: the entries of row ``i`` are ``value[row_start[i]:
    row_start[i + 1]]`` in columns ``col_index[...]``.

    Columns ``0 .. n_offers - 1`` are the offers of the market in order (tonnes bought);
    further columns are auxiliary: money spent per product (``value``) and 0/1 choices for
    minimum orders (``buy``); ``col_offer`` gives the offer of each column (-1 for value).

    ``rows`` has one entry per row: ``family`` (demand, policy, value), ``policy`` (position
    in ``policies``, -1 otherwise), ``demand_row`` (position in ``market.demand``, -1 for a
    whole-period row), ``period`` (period code), ``group`` (code of the ``each`` group,
    -1), ``share``, ``base_t`` (the tonnes a share is a share of, NaN for value rows) and
    ``value_col`` (the column holding the value a share is a share of, -1 for tonnes rows).
    """

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_start: np.ndarray
    col_index: np.ndarray
    value: np.ndarray
    integrality: np.ndarray
    rows: pd.DataFrame
    col_offer: np.ndarray
    n_offers: int
    policies: tuple[SharePolicy, ...] = field(default=())

    @property
    def columns(self) -> pd.DataFrame:
        """One row per column: ``kind`` (offer, value, buy) and ``offer`` (-1 for value)."""
        kind = np.where(self.integrality == 1, "buy", "value").astype(object)
        kind[: self.n_offers] = "offer"
        return pd.DataFrame({"kind": kind, "offer": self.col_offer})

    @property
    def n_cols(self) -> int:
        """Number of columns (variables)."""
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        """Number of rows (constraints)."""
        return len(self.row_lower)

    @property
    def n_nonzeros(self) -> int:
        """Number of nonzero matrix entries."""
        return len(self.value)

    @property
    def is_mip(self) -> bool:
        """True when some column is integer."""
        return bool(self.integrality.any())

    def row_activity(self, x: np.ndarray) -> np.ndarray:
        """``A @ x``, computed from the row-wise arrays."""
        counts = np.diff(self.row_start)
        row_of_entry = np.repeat(np.arange(self.n_rows), counts)
        return np.bincount(
            row_of_entry, weights=self.value * x[self.col_index], minlength=self.n_rows
        )

    def column_activity(self, y: np.ndarray) -> np.ndarray:
        """``A.T @ y``, computed from the row-wise arrays."""
        counts = np.diff(self.row_start)
        row_of_entry = np.repeat(np.arange(self.n_rows), counts)
        return np.bincount(
            self.col_index, weights=self.value * y[row_of_entry], minlength=self.n_cols
        )

    def __repr__(self) -> str:
        return (
            f"LinearProgram({self.n_cols:,} columns, {self.n_rows:,} rows, "
            f"{self.n_nonzeros:,} nonzeros{', MIP' if self.is_mip else ''})"
        )


@dataclass
class _Block:
    """Rows of one family, before they are stacked: CSR arrays plus per-row labels."""

    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    labels: dict[str, np.ndarray]

    @property
    def n_rows(self) -> int:
        return len(self.lower)


def compile(market: Market, policies: Sequence[SharePolicy] = ()) -> LinearProgram:
    """Build the LP for ``market`` under ``policies``.

    Examples
    --------
    >>> import reopt
    >>> market = reopt.datasets.japan_2025()
    >>> lp = reopt.compile(market, [reopt.cap_share(0.6, country="CN")])
    >>> lp.n_offers == market.n_offers
    True
    """
    enc = market.encoded
    policies = tuple(policies)
    n = market.n_offers
    value_cols = _ValueColumns(n)
    blocks = [demand_rows(enc)]
    for k, policy in enumerate(policies):
        blocks.append(share_rows(market, policy, k, value_cols))
    blocks.extend(value_rows(enc, value_cols))
    buy_cols = np.zeros(0, dtype=np.int64)
    if (enc.min_order_t > 0).any():
        block, buy_cols = min_order_rows(enc, value_cols.next_col)
        blocks.append(block)
    return _assemble(enc, blocks, value_cols, buy_cols, policies)


# ------------------------------------------------------------------------------------------
# one function per family of rows
# ------------------------------------------------------------------------------------------
def demand_coupling(lp: LinearProgram, enc: Encoded) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How row bounds move with demand: triplets (row, demand row, tonnes of bound per tonne).

    A demand row's bound is its demand (1 t per t). A tonnes-basis share row's bound is its
    share of the demand it covers: one product's, or with ``scope="total"`` that of every
    (filtered) product in its period. Value rows have a bound of 0, which does not move.
    So one more tonne of demand ``d`` moves row ``r``'s bound by the sum of ``coef`` over
    the triplets ``(r, d, coef)``.
    """
    rows = lp.rows
    family = rows["family"].to_numpy()
    demand_row = rows["demand_row"].to_numpy()
    share = rows["share"].to_numpy()
    on_demand = np.flatnonzero(family == "demand")
    tonnes = (family == "policy") & (rows["value_col"].to_numpy() < 0)
    per_product = np.flatnonzero(tonnes & (demand_row >= 0))
    row_parts = [on_demand, per_product]
    demand_parts = [demand_row[on_demand], demand_row[per_product]]
    coef_parts = [np.ones(len(on_demand)), share[per_product]]
    for r in np.flatnonzero(tonnes & (demand_row < 0)):
        products = dict(lp.policies[int(rows["policy"].iat[r])].filters).get("product")
        covered = enc.demand_period_code == int(rows["period"].iat[r])
        if products is not None:
            covered &= np.isin(enc.demand_product, np.asarray(products, dtype=object))
        d = np.flatnonzero(covered)
        row_parts.append(np.full(len(d), r))
        demand_parts.append(d)
        coef_parts.append(np.full(len(d), share[r]))
    return (
        np.concatenate(row_parts).astype(np.int64),
        np.concatenate(demand_parts).astype(np.int64),
        np.concatenate(coef_parts).astype(float),
    )


def demand_rows(enc: Encoded) -> _Block:
    """Each product (in each period) is bought exactly as demanded."""
    n_rows = len(enc.demand_t)
    offers = enc.by_group
    block = _csr(enc.group[offers], offers, np.ones(len(offers)), n_rows, presorted=True)
    block.lower = enc.demand_t.astype(float).copy()
    block.upper = enc.demand_t.astype(float).copy()
    block.labels = {
        "family": np.full(n_rows, "demand", dtype=object),
        "demand_row": np.arange(n_rows),
        "period": enc.demand_period_code.astype(np.int64),
        "base_t": enc.demand_t.astype(float).copy(),
    }
    return block


def share_rows(market: Market, policy: SharePolicy, k: int, value_cols: _ValueColumns) -> _Block:
    """A share policy: one row per product (or period), and per group with ``each``."""
    enc = market.encoded
    units = _units(enc, policy)
    counts = policy.matches(market) & (units.of_offer >= 0)
    # by product, the market's own order by demand row is already the order of the rows
    presorted = policy.scope is Scope.PRODUCT and policy.each is None
    members = enc.by_group[counts[enc.by_group]] if presorted else np.flatnonzero(counts)
    if policy.each is None:
        n_groups = 1
        group_of_member = np.zeros(len(members), dtype=np.int64)
    else:
        n_groups = len(enc.labels[policy.each.value])
        group_of_member = enc.codes[policy.each.value][members]
    key = units.of_offer[members] * n_groups + group_of_member
    if policy.each is None and policy.bound is Bound.MIN:
        # a floor binds even where no offer qualifies (and then cannot be met)
        row_keys = np.flatnonzero(units.in_scope).astype(np.int64)
    else:
        row_keys = np.unique(key)
    row_of_member = np.searchsorted(row_keys, key)
    row_unit = row_keys // n_groups
    row_group = row_keys % n_groups if policy.each is not None else np.full(len(row_keys), -1)
    n_rows = len(row_keys)

    share = policy.share
    labels = {
        "family": np.full(n_rows, "policy", dtype=object),
        "policy": np.full(n_rows, k),
        "demand_row": units.demand_row[row_unit],
        "period": units.period[row_unit],
        "group": row_group,
        "share": np.full(n_rows, share),
    }
    if policy.basis is Basis.TONNES:
        block = _csr(row_of_member, members, np.ones(len(members)), n_rows, presorted=presorted)
        base = units.base[row_unit]
        rhs = share * base
        labels["base_t"] = base
    else:
        vcol = value_cols.column(units) + row_unit
        price = enc.price_usd_per_kg
        rows = np.concatenate([row_of_member, np.arange(n_rows)])
        cols = np.concatenate([members, vcol])
        vals = np.concatenate([price[members], np.full(n_rows, -share)])
        block = _csr(rows, cols, vals, n_rows)
        rhs = np.zeros(n_rows)
        labels["value_col"] = vcol
    if policy.bound is Bound.MAX:
        block.lower, block.upper = np.full(n_rows, -np.inf), rhs
    else:
        block.lower, block.upper = rhs, np.full(n_rows, np.inf)
    block.labels = labels
    return block


def value_rows(enc: Encoded, value_cols: _ValueColumns) -> list[_Block]:
    """Define each value column: the money spent on a product (or in a period)."""
    blocks = []
    for first_col, units in value_cols.registered():
        n_units = len(units.base)
        offers = np.flatnonzero(units.of_offer >= 0)
        rows = np.concatenate([units.of_offer[offers], np.arange(n_units)])
        cols = np.concatenate([offers, first_col + np.arange(n_units)])
        vals = np.concatenate([enc.price_usd_per_kg[offers], -np.ones(n_units)])
        block = _csr(rows, cols, vals, n_units)
        block.lower = np.zeros(n_units)
        block.upper = np.zeros(n_units)
        block.labels = {
            "family": np.full(n_units, "value", dtype=object),
            "demand_row": units.demand_row,
            "period": units.period,
            "value_col": first_col + np.arange(n_units),
        }
        blocks.append(block)
    return blocks


def min_order_rows(enc: Encoded, first_col: int) -> tuple[_Block, np.ndarray]:
    """An offer with a minimum order is either not used or used for at least that much.

    Adds a 0/1 column ``y[o]`` per such offer and two rows:
    ``x[o] - min_order_t[o] * y[o] >= 0`` and ``x[o] - U[o] * y[o] <= 0``.
    """
    offers = np.flatnonzero((enc.min_order_t > 0) & (enc.group >= 0))
    k = len(offers)
    buy = first_col + np.arange(k)
    upper = np.minimum(enc.capacity_t[offers], enc.demand_t[enc.group[offers]])
    rows = np.concatenate([np.arange(k), np.arange(k), k + np.arange(k), k + np.arange(k)])
    cols = np.concatenate([offers, buy, offers, buy])
    vals = np.concatenate([np.ones(k), -enc.min_order_t[offers], np.ones(k), -upper])
    block = _csr(rows, cols, vals, 2 * k)
    block.lower = np.concatenate([np.zeros(k), np.full(k, -np.inf)])
    block.upper = np.concatenate([np.full(k, np.inf), np.zeros(k)])
    block.labels = {
        "family": np.full(2 * k, "min_order", dtype=object),
        "demand_row": np.concatenate([enc.group[offers], enc.group[offers]]),
        "period": np.concatenate([enc.demand_period_code[enc.group[offers]]] * 2),
    }
    return block, buy


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Units:
    """What a policy's share is a share of: each demand row, or each period (``scope``).

    ``of_offer`` maps offers to units (-1: the offer does not count); ``base`` is each
    unit's demand in tonnes; ``in_scope`` marks units the policy's product filter keeps.
    """

    key: tuple[object, ...]
    of_offer: np.ndarray
    base: np.ndarray
    period: np.ndarray
    demand_row: np.ndarray
    in_scope: np.ndarray


def _units(enc: Encoded, policy: SharePolicy) -> _Units:
    products = dict(policy.filters).get("product")
    row_in = np.ones(len(enc.demand_t), dtype=bool)
    if products is not None:
        row_in = np.isin(enc.demand_product, np.asarray(products, dtype=object))
    counts = (enc.group >= 0) & row_in[np.maximum(enc.group, 0)]
    if policy.scope is Scope.PRODUCT:
        return _Units(
            key=(policy.scope, products),
            of_offer=np.where(counts, enc.group, -1),
            base=enc.demand_t.astype(float),
            period=enc.demand_period_code,
            demand_row=np.arange(len(enc.demand_t)),
            in_scope=row_in,
        )
    n_periods = int(enc.demand_period_code.max()) + 1
    return _Units(
        key=(policy.scope, products),
        of_offer=np.where(counts, enc.demand_period_code[np.maximum(enc.group, 0)], -1),
        base=np.bincount(
            enc.demand_period_code, weights=enc.demand_t * row_in, minlength=n_periods
        ),
        period=np.arange(n_periods),
        demand_row=np.full(n_periods, -1),
        in_scope=np.bincount(enc.demand_period_code, weights=row_in, minlength=n_periods) > 0,
    )


class _ValueColumns:
    """Auxiliary columns holding money spent per unit (see `_Units`), made on demand."""

    def __init__(self, n_offers: int) -> None:
        self.next_col = n_offers
        self.first: dict[tuple[object, ...], tuple[int, _Units]] = {}

    def column(self, units: _Units) -> int:
        """The first column of ``units``' value columns (one per unit)."""
        if units.key not in self.first:
            self.first[units.key] = (self.next_col, units)
            self.next_col += len(units.base)
        return self.first[units.key][0]

    def registered(self) -> list[tuple[int, _Units]]:
        return list(self.first.values())


def _csr(
    rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_rows: int, *, presorted: bool = False
) -> _Block:
    """Row-wise arrays from (row, column, value) triplets (``presorted``: already by row)."""
    counts = np.bincount(rows, minlength=n_rows)
    start = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    empty = np.zeros(0)
    if presorted:
        return _Block(start, cols, vals.astype(float, copy=False), empty, empty, {})
    order = np.argsort(rows, kind="stable")
    return _Block(start, cols[order], vals[order].astype(float), empty, empty, {})


_ROW_LABELS: dict[str, object] = {
    "family": "",
    "policy": -1,
    "demand_row": -1,
    "period": -1,
    "group": -1,
    "share": np.nan,
    "base_t": np.nan,
    "value_col": -1,
}


def _assemble(
    enc: Encoded,
    blocks: list[_Block],
    value_cols: _ValueColumns,
    buy_cols: np.ndarray,
    policies: tuple[SharePolicy, ...],
) -> LinearProgram:
    n = len(enc.price_usd_per_kg)
    n_cols = value_cols.next_col + len(buy_cols)
    offsets = np.cumsum([0] + [b.start[-1] for b in blocks])
    row_start = np.concatenate(
        [blocks[0].start[:1]] + [b.start[1:] + off for b, off in zip(blocks, offsets, strict=False)]
    )
    labels = {}
    for name, default in _ROW_LABELS.items():
        parts = []
        for b in blocks:
            if name in b.labels:
                parts.append(np.asarray(b.labels[name]))
            else:
                parts.append(np.full(b.n_rows, default, dtype=object if name == "family" else None))
        labels[name] = np.concatenate(parts)
    rows = pd.DataFrame(labels)
    rows["family"] = rows["family"].astype(str)

    cost = np.zeros(n_cols)
    cost[:n] = KG_PER_T * enc.price_usd_per_kg
    col_lower = np.zeros(n_cols)
    col_upper = np.full(n_cols, np.inf)
    col_upper[:n] = np.where(enc.group >= 0, enc.capacity_t, 0.0)
    integrality = np.zeros(n_cols, dtype=np.int32)
    offer_of_col = np.full(n_cols, -1)
    offer_of_col[:n] = np.arange(n)
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
        col_index=readonly(np.concatenate([b.index for b in blocks]).astype(np.int32)),
        value=readonly(np.concatenate([b.value for b in blocks])),
        integrality=readonly(integrality),
        rows=rows,
        col_offer=readonly(offer_of_col),
        n_offers=n,
        policies=policies,
    )
