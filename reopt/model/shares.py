"""`SharePolicy`: a bound on the share some offers have of purchases, and its rows.

The first kind of `reopt.model.policy.Policy`. Made by `reopt.cap_share` and
`reopt.min_share` (in `reopt.model.policies`, which check their arguments). Its rows::

    sum_{o in G}      x[o] <= share * demand_t[p, t]    (cap, tonnes basis)
    sum_{o in G}      x[o] >= share * demand_t[p, t]    (floor, tonnes basis)
    sum_{o in G} price[o] x[o] - share * V[p, t] <= 0   (cap, value basis; V a value column)

one per product and period (``scope="product"``) or per period (``scope="total"``), and per
group with ``each``. With ``over="horizon"`` the periods are added up: one row per product
(or one in all), ``sum_t sum_{o in G, bought in t} x[o] <= share * sum_t demand_t[p, t]``,
so the share may vary from period to period as long as the whole horizon keeps it. Such a
row's ``period`` label is -1; with ``scope="product"`` its ``demand_row`` is the product's
first demand row. Shares are on the right-hand side wherever demand fixes the total
(tonnes basis), so a change of the share is a change of one bound, and the row's dual
converts directly into what a percentage point of the share is worth.

With a stock balance (`reopt.Market.has_stock_balance`), a period's purchases are no
longer its demand, so a tonnes-basis row counts the period's purchases instead, through a
tonnes column ``T[p, t] = sum_{o bought in (p, t)} x[o]`` (as the value basis does)::

    sum_{o in G, bought in (p, t)} x[o] - share * T[p, t] <= 0    (>= 0 for a floor)

Such a row has no ``base_t`` label: the share is a coefficient, not a bound.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from reopt.errors import ProblemList
from reopt.model.formulation import ModelBuild, Units, units_for
from reopt.model.program import LinearProgram, RowBlock, RowFamily, csr_block
from reopt.share_rule import share_value

if TYPE_CHECKING:
    from reopt.data.market import Encoded, Market

__all__ = [
    "Basis",
    "Bound",
    "Each",
    "Over",
    "Scope",
    "SharePolicy",
    "check_share",
    "demand_coupling",
    "share_rows",
]


class Scope(StrEnum):
    """What a share is a share *of*."""

    PRODUCT = "product"
    TOTAL = "total"


class Over(StrEnum):
    """Whether a share holds in each period or over the whole horizon."""

    PERIOD = "period"
    HORIZON = "horizon"


class Basis(StrEnum):
    """Whether shares count tonnes or money."""

    TONNES = "tonnes"
    VALUE = "value"


class Each(StrEnum):
    """The grouping for one bound per group."""

    COUNTRY = "country"
    REFINED_IN = "refined_in"
    KIND = "kind"
    SOURCE = "source"


class Bound(StrEnum):
    """Upper bound (a cap) or lower bound (a floor)."""

    MAX = "max"
    MIN = "min"


@dataclass(frozen=True, repr=False)
class SharePolicy:
    """A bound on the share that some offers have of purchases.

    Build one with `cap_share` or `min_share`, which check their arguments.

    Attributes
    ----------
    bound : Bound
        ``max`` for a cap, ``min`` for a floor.
    share : float
        The bound, a fraction in [0, 1].
    filters : tuple of (str, tuple of str)
        ``(column, allowed values)`` pairs; an offer matches when it matches all of them.
    each : Each or None
        One bound per group of this column, or None for one bound for all matching offers.
    scope : Scope
    basis : Basis
    name : str
        The label the plan uses for this policy's rows (shadow prices, explanations).
    over : Over
        In each period (default), or over the sum of all periods.
    """

    bound: Bound
    share: float
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    each: Each | None = None
    scope: Scope = Scope.PRODUCT
    basis: Basis = Basis.TONNES
    name: str = field(default="")
    over: Over = Over.PERIOD

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.describe())

    def __repr__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """A readable description, e.g. ``cap_share(0.6, country='CN')``."""
        args = [f"{self.share:g}"]
        for col, values in self.filters:
            shown = repr(values[0]) if len(values) == 1 else repr(list(values))
            args.append(f"{col}={shown}")
        if self.each is not None:
            args.append(f"each={self.each.value!r}")
        if self.scope is not Scope.PRODUCT:
            args.append(f"scope={self.scope.value!r}")
        if self.basis is not Basis.TONNES:
            args.append(f"basis={self.basis.value!r}")
        if self.over is not Over.PERIOD:
            args.append(f"over={self.over.value!r}")
        verb = "cap_share" if self.bound is Bound.MAX else "min_share"
        return f"{verb}({', '.join(args)})"

    def group_label(self) -> str:
        """Words for the offers this policy counts, e.g. ``country CN`` or ``kind recycler``."""
        parts = []
        for col, values in self.filters:
            if col == "product":
                continue
            parts.append(f"{col.replace('_', ' ')} {'/'.join(values)}")
        return ", ".join(parts) if parts else "all offers"

    def with_share(self, share: float) -> SharePolicy:
        """The same policy with another bound (the name follows if it was the default)."""
        checked = check_share(share, where=self.name, column="share")
        renamed = self.name if self.name != self.describe() else ""
        return SharePolicy(
            self.bound, checked, self.filters, self.each, self.scope, self.basis, renamed, self.over
        )

    @property
    def products(self) -> tuple[str, ...] | None:
        """The products the policy covers (None: every product)."""
        return dict(self.filters).get("product")

    @property
    def price_unit(self) -> str:
        """The unit of this policy's shadow prices: USD per percentage point of share."""
        return "USD/pp"

    def units(self, market: Market) -> Units:
        """What each row's share is a share of (each product, or each period's total).

        Over the horizon: each product's purchases in all periods, or all of them.
        """
        per_period = self.scope is Scope.TOTAL
        units = units_for(market.encoded, self.products, per_period=per_period)
        return units if self.over is Over.PERIOD else _over_horizon(market.encoded, units)

    def define_rows(self, build: ModelBuild, k: int) -> RowBlock:
        """One row per product (or period), and per group with ``each``; see the module."""
        return share_rows(build, self)

    def prices(
        self, lp: LinearProgram, rows: np.ndarray, row_dual: np.ndarray, x: np.ndarray
    ) -> np.ndarray:
        """USD of total cost saved by loosening each row by one percentage point.

        A share row's dual is per unit of share times what the share is of (tonnes, or the
        value column's money), so a point is ``dual * base / 100``; >= 0 for caps and floors.
        """
        value_col = lp.label("value_col")[rows]
        base = np.where(value_col >= 0, x[np.maximum(value_col, 0)], lp.label("base_t")[rows])
        sign = -1.0 if self.bound is Bound.MAX else 1.0
        return sign * row_dual[rows] * base / 100.0 + 0.0

    def groups(self, market: Market, lp: LinearProgram, rows: np.ndarray) -> list[str]:
        """Words for the offers each row counts, e.g. ``country CN`` (per ``each`` group)."""
        if self.each is None:
            return [self.group_label()] * len(rows)
        labels = market.encoded.labels[self.each.value]
        column = self.each.value.replace("_", " ")
        return [f"{column} {labels[code]}" for code in lp.label("group")[rows]]

    def matches(self, market: Market) -> np.ndarray:
        """Boolean mask over ``market``'s offers selected by the filters.

        Raises `InputError` when a filter names something that cannot match: an invalid
        country code, or a source, product or kind the market does not have.
        """
        enc = market.encoded
        problems = ProblemList()
        mask = np.ones(market.n_offers, dtype=bool)
        for col, values in self.filters:
            labels = list(enc.labels[col])
            # by code, with one more False at the end for code -1 (none)
            wanted = np.zeros(len(labels) + 1, dtype=bool)
            for value in values:
                if value in labels:
                    wanted[labels.index(value)] = True
                elif col in ("country", "refined_in"):
                    continue  # a valid code nobody offers from: the bound holds trivially
                else:
                    close = difflib.get_close_matches(value, [str(v) for v in labels], n=1)
                    hint = f"did you mean {close[0]!r}?" if close else f"known: {labels[:8]}"
                    problems.add(
                        "policies", self.name, col, value, f"no offer has {col} {value!r}", hint
                    )
            mask &= wanted[enc.codes[col]]
        problems.raise_if_any()
        return mask


def check_share(share: object, *, where: str, column: str) -> float:
    """``share`` as a float in [0, 1], or an `InputError` naming ``where`` and ``column``.

    Examples
    --------
    >>> check_share(35, where="solve()", column="china_cap")
    Traceback (most recent call last):
    ...
    reopt.errors.InputError: 1 problem in the input:
      - solve(), china_cap=35: a share is a fraction in [0, 1] (did you mean 0.35?)
    """
    return share_value(share, where=where, column=column)


def _over_horizon(enc: Encoded, units: Units) -> Units:
    """``units`` added up over the periods: one per product (per-product units) or one."""
    if units.demand_row[0] >= 0:  # one unit per demand row: group them by product
        _, first, group = np.unique(
            enc.demand_product[units.demand_row].astype(str), return_index=True, return_inverse=True
        )
        order = np.argsort(first, kind="stable")  # products in the order they first appear
        group = np.argsort(order)[group]
        demand_row = units.demand_row[first[order]]
    else:
        group = np.zeros(len(units.base), dtype=np.int64)
        demand_row = np.full(1, -1)
    n_units = len(demand_row)
    return Units(
        key=(*units.key, Over.HORIZON.value),
        of_offer=np.where(units.of_offer >= 0, group[np.maximum(units.of_offer, 0)], -1),
        base=np.bincount(group, weights=units.base * units.in_scope, minlength=n_units),
        period=np.full(n_units, -1),
        demand_row=demand_row.astype(np.int64),
        in_scope=np.bincount(group, weights=units.in_scope, minlength=n_units) > 0,
    )


def share_rows(build: ModelBuild, policy: SharePolicy) -> RowBlock:
    """A share policy's rows: one per product (or period), and per group with ``each``."""
    market, enc = build.market, build.encoded
    units = policy.units(market)
    counts = policy.matches(market) & (units.of_offer >= 0)
    # by product, the market's own order by demand row is already the order of the rows
    presorted = policy.scope is Scope.PRODUCT and policy.each is None
    presorted &= policy.over is Over.PERIOD
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
    elif presorted:  # keys already in order: keep the first of each run
        row_keys = key[np.flatnonzero(np.diff(key, prepend=-1))]
    else:
        row_keys = np.unique(key)
    row_of_member = np.searchsorted(row_keys, key)
    row_unit = row_keys // n_groups
    row_group = row_keys % n_groups if policy.each is not None else np.full(len(row_keys), -1)
    n_rows = len(row_keys)

    share = policy.share
    labels = {
        "demand_row": units.demand_row[row_unit],
        "period": units.period[row_unit],
        "group": row_group,
        "share": np.full(n_rows, share),
    }
    if policy.basis is Basis.TONNES and market.has_stock_balance:
        tcol = build.tonnes_columns(units) + row_unit
        own = np.arange(n_rows) if share > 0 else np.zeros(0, dtype=np.int64)  # no 0 entries
        rows = np.concatenate([row_of_member, own])
        cols = np.concatenate([members, tcol[own]])
        vals = np.concatenate([np.ones(len(members)), np.full(len(own), -share)])
        block = csr_block(rows, cols, vals, n_rows)
        rhs = np.zeros(n_rows)
        labels["value_col"] = tcol
    elif policy.basis is Basis.TONNES:
        block = csr_block(
            row_of_member, members, np.ones(len(members)), n_rows, presorted=presorted
        )
        base = units.base[row_unit]
        rhs = share * base
        labels["base_t"] = base
    else:
        vcol = build.value_columns(units) + row_unit
        price = enc.price_usd_per_kg
        rows = np.concatenate([row_of_member, np.arange(n_rows)])
        cols = np.concatenate([members, vcol])
        vals = np.concatenate([price[members], np.full(n_rows, -share)])
        block = csr_block(rows, cols, vals, n_rows)
        rhs = np.zeros(n_rows)
        labels["value_col"] = vcol
    if policy.bound is Bound.MAX:
        block.lower, block.upper = np.full(n_rows, -np.inf), rhs
    else:
        block.lower, block.upper = rhs, np.full(n_rows, np.inf)
    block.labels = labels
    return block


def demand_coupling(lp: LinearProgram, enc: Encoded) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How row bounds move with demand: triplets (row, demand row, tonnes of bound per tonne).

    A demand row's bound is its demand (1 t per t). A tonnes-basis share row's bound is its
    share of the demand it covers: one product's, or with ``scope="total"`` that of every
    (filtered) product in its period; over the horizon, in every period. Other rows' bounds
    do not move with demand. So one more tonne of demand ``d`` moves row ``r``'s bound by
    the sum of ``coef`` over the triplets ``(r, d, coef)``.
    """
    demand_row = lp.label("demand_row")
    share = lp.label("share").astype(float)
    on_demand = lp.family_rows(RowFamily.DEMAND)
    tonnes = (lp.row_family == RowFamily.POLICY) & (lp.label("value_col") < 0) & np.isfinite(share)
    period_of = lp.label("period")
    per_product = np.flatnonzero(tonnes & (demand_row >= 0) & (period_of >= 0))
    row_parts = [on_demand, per_product]
    demand_parts = [demand_row[on_demand], demand_row[per_product]]
    coef_parts = [np.ones(len(on_demand)), share[per_product]]
    policy_of = lp.label("policy")
    for r in np.flatnonzero(tonnes & ((demand_row < 0) | (period_of < 0))):
        policy = lp.policies[int(policy_of[r])]
        products = policy.products if isinstance(policy, SharePolicy) else None
        covered = np.ones(len(enc.demand_t), dtype=bool)  # over the horizon: every period
        if period_of[r] >= 0:
            covered = enc.demand_period_code == int(period_of[r])
        if demand_row[r] >= 0:  # one product over the horizon
            covered &= enc.demand_product == enc.demand_product[demand_row[r]]
        elif products is not None:
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
