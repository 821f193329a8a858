"""Stock held at its floors: a program over linked periods as one the greedy method takes.

With stock (`reopt.model.stock`), each product's periods are linked by balance rows::

    sum_{o arriving in (p, t)} x[o] + s[p, t-1] - s[p, t] = demand_t[p, t]

and a share's base is the period's purchases, a column ``v[p, t]`` defined by a row
``sum_{o bought in (p, t)} x[o] - v[p, t] = 0`` (`reopt.model.shares`). `holding` fixes every stock
column at its lower bound (the stock at its floor, the initial stock as given) and takes it
out of the program, moving what it contributes into the rows' bounds; where an initial stock
is more than the first periods take, it is used up first (those periods buy nothing, and the
stock each ends with is held at what is left). The purchases of each period are then known
(the balance row says them), so each purchases column whose defining row holds the same
offers as a balance row (its own period's, or with one lead time for the product a later
one's; offers that cannot arrive count nowhere, and a period with none buys 0) is fixed at
that value and taken out too; its defining row, now the balance row again, is set aside (it
holds whenever the balance row does). A share ``sum_CN x - 0.6 v <= 0`` becomes the cap
``sum_CN x <= 0.6 * purchases``, and each product's periods fall apart into blocks.

`lift` puts the answer of what is left back into the whole program's terms: the held
columns at their values, and duals that price the purchases columns at 0 (they are
basic): the defining row's dual is what the shares on the column make it, and the balance
row's dual gives back what the offers lost by it, so every offer's reduced cost is the one
the greedy method found. `settle` then prices each stock held above its floor at 0 (it is
basic), through the dual of the period it leaves. What the reduced costs then say (a stock
at its floor below 0: holding more would save; an offer not bought below 0: buying it
while the initial stock lasts would) is for the caller to judge (`reopt.backends.relaxed`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from reopt.data.market import readonly
from reopt.model.program import LinearProgram, RowFamily
from reopt.vectors import dot, row_sums

__all__ = ["Holding", "holding", "lift", "settle"]


@dataclass(frozen=True)
class Holding:
    """What `holding` held, and the program without it.

    Attributes
    ----------
    cols, values : ndarray
        The columns held and the value each is held at.
    stock, stock_values : ndarray
        The stock columns among them, and what each is held at: its lower bound, or more
        where the initial stock is used up over the first periods (`_used_up`).
    purchase_rows, purchase_cols, balance_rows : ndarray
        Each purchases column held, the row that defines it (set aside in ``program``) and
        the balance row with the same offers.
    dual_shift : ndarray
        For each purchases column: how much of its row's dual its balance row gives back
        (the offers' coefficient in the one over that in the other).
    own : ndarray
        Each purchases column's coefficient in its row.
    program : LinearProgram
        ``lp`` without the held columns (the others in their order), the purchase rows
        free.
    """

    cols: np.ndarray
    values: np.ndarray
    stock: np.ndarray
    stock_values: np.ndarray
    purchase_rows: np.ndarray
    purchase_cols: np.ndarray
    balance_rows: np.ndarray
    dual_shift: np.ndarray
    own: np.ndarray
    program: LinearProgram


def holding(lp: LinearProgram) -> Holding | None:
    """``lp`` with its stock and purchases columns held (module docstring); None without stock.

    None too when a stock column has no finite lower bound.
    """
    stock = _stock_columns(lp)
    if not len(stock) or not np.isfinite(lp.col_lower[stock]).all():
        return None
    at = np.zeros(lp.n_cols)
    at[stock] = lp.col_lower[stock]
    balance_left = _used_up(lp, stock, at)  # the offers' part of each balance
    if balance_left is None:
        return None
    bought = _purchases(lp, balance_left)
    at[bought.cols] = bought.values
    held = np.concatenate([stock, bought.cols])
    free = np.full(len(bought.rows), np.inf)
    program = _without(lp, held, at).with_row_bounds(bought.rows, lower=-free, upper=free)
    balance = _balance_rows(lp)
    rounding = np.flatnonzero(balance & (balance_left == 0))  # the stock covers it all
    if len(rounding):
        zero = np.zeros(len(rounding))
        program = program.with_row_bounds(rounding, lower=zero, upper=zero)
    return Holding(
        cols=held,
        values=at[held],
        stock=stock,
        stock_values=at[stock],
        purchase_rows=bought.rows,
        purchase_cols=bought.cols,
        balance_rows=bought.balances,
        dual_shift=bought.alpha / bought.beta,
        own=bought.own,
        program=program,
    )


def lift(
    lp: LinearProgram, held: Holding, x: np.ndarray, row_dual: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values, row duals and reduced costs in ``lp`` from those of ``held.program``."""
    full = np.zeros(lp.n_cols)
    full[held.cols] = held.values
    keep = np.ones(lp.n_cols, dtype=bool)
    keep[held.cols] = False
    full[keep] = x
    y = np.array(row_dual, dtype=float)
    if len(held.purchase_cols):
        r, v, d = held.purchase_rows, held.purchase_cols, held.balance_rows
        y[r] = 0.0
        y[r] = (lp.cost[v] - lp.column_activity(y)[v]) / held.own  # v's reduced cost: 0
        np.subtract.at(y, d, held.dual_shift * y[r])
    return full, y, lp.cost - lp.column_activity(y)


def _balance_rows(lp: LinearProgram) -> np.ndarray:
    """Which rows are balance (or demand) rows: a product's period, held to equality."""
    return (lp.row_family == RowFamily.DEMAND) & (lp.row_lower == lp.row_upper)


def _used_up(lp: LinearProgram, stock: np.ndarray, at: np.ndarray) -> np.ndarray | None:
    """What the offers must bring into each balance row, the stock used up first (in place).

    Where the stock held at ``at`` (its floors) would leave a period with more than it
    takes (an initial stock above the first periods' demand), that period buys nothing and
    the stock it ends with rises by the surplus, which moves on to the next period; so on
    until no period has a surplus. None where a surplus has nowhere to go (no stock column
    leaves the period, or the stock would pass its limit) or a period has two stock
    columns leaving it.
    """
    balance = _balance_rows(lp)
    rows, cols = lp.entry_row, lp.col_index
    on = np.isin(cols, stock) & balance[rows] & (lp.value < 0)  # s[t] leaving period t
    out_col = np.full(lp.n_rows, -1, dtype=np.int64)
    out_coef = np.zeros(lp.n_rows)
    if (np.bincount(rows[on], minlength=lp.n_rows) > 1).any():
        return None
    out_col[rows[on]], out_coef[rows[on]] = cols[on], lp.value[on]
    for _ in range(len(stock) + 1):  # each round moves each surplus on by one period
        left = np.where(balance, lp.row_lower - lp.row_activity(at), 0.0)
        # what is left within rounding of the row's terms is nothing: the period buys nothing
        size = np.maximum(np.abs(lp.row_lower), row_sums(lp.row_start, np.abs(lp.value * at[cols])))
        left[np.abs(left) <= 1e-12 * size] = 0.0
        over = np.flatnonzero(left < 0)
        if not len(over):
            return left
        j = out_col[over]
        if (j < 0).any():
            return None
        at[j] += left[over] / out_coef[over]
        if (at[j] > lp.col_upper[j]).any():
            return None
    return None


def settle(
    lp: LinearProgram, held: Holding, row_dual: np.ndarray, reduced: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Row duals that price the stock held above its floor at 0, and the reduced costs.

    Such a stock (the initial stock being used up) sits strictly inside its bounds, so it is
    basic: its reduced cost must be 0. Each one's own balance row (the period it leaves)
    takes the dual that makes it so, from the next period's, latest periods first. The
    offers of those periods buy nothing; whether their reduced costs stay at or above 0 is
    for the caller to judge. ``reduced`` are the reduced costs under ``row_dual`` (`lift`'s).
    """
    y = np.array(row_dual, dtype=float)
    inside = held.stock[held.stock_values > lp.col_lower[held.stock]]
    if not len(inside):
        return y, reduced
    rows, cols = lp.entry_row, lp.col_index
    leaving = np.isin(cols, inside) & (lp.value < 0) & (lp.row_family == RowFamily.DEMAND)[rows]
    out_row = np.zeros(lp.n_cols, dtype=np.int64)
    out_coef = np.ones(lp.n_cols)
    out_row[cols[leaving]], out_coef[cols[leaving]] = rows[leaving], lp.value[leaving]
    for _ in range(len(inside) + 1):  # each round settles one more period of each chain
        step = reduced[inside] / out_coef[inside]
        if (np.abs(step) <= 1e-15 * np.abs(y[out_row[inside]])).all():
            break
        np.add.at(y, out_row[inside], step)
        reduced = lp.cost - lp.column_activity(y)
    return y, reduced


def _stock_columns(lp: LinearProgram) -> np.ndarray:
    """The columns other than offers' with an entry in a demand (or balance) row."""
    demand = lp.row_family == RowFamily.DEMAND
    cols = lp.col_index[demand[lp.entry_row]]
    return np.unique(cols[cols >= lp.n_offers]).astype(np.int64)


@dataclass(frozen=True)
class _Purchases:
    rows: np.ndarray  # the value rows that define purchases columns
    cols: np.ndarray  # those columns
    balances: np.ndarray  # the balance row with the same offers (no offers: its own row)
    values: np.ndarray  # what each column is, given the balance row
    alpha: np.ndarray  # the offers' coefficient in the value row
    beta: np.ndarray  # the offers' coefficient in the balance row
    own: np.ndarray  # the column's coefficient in its value row


def _purchases(lp: LinearProgram, balance_left: np.ndarray) -> _Purchases:
    """The purchases columns the balance rows fix (`_Purchases`).

    Offers fixed at 0 (bought too late to arrive, or closed) count nowhere. A value row
    qualifies when it has one column besides offers, and either its offers all carry one
    coefficient and are exactly the offers of one balance row (which carry one coefficient
    there too: a period's purchases arrive in one period, that period's own or, with a
    product's one lead time, a later one), or it has no offers left (the column is 0). The
    column's value must lie within its bounds.
    """
    rows_of, col = lp.entry_row, lp.col_index
    is_offer = col < lp.n_offers
    counted = is_offer & ((lp.col_lower != 0) | (lp.col_upper != 0))[col]
    family = lp.row_family
    balance = _balance_rows(lp)
    on_balance = balance[rows_of] & counted
    home = np.full(lp.n_offers, -1, dtype=np.int64)  # each offer's balance row
    home[col[on_balance]] = rows_of[on_balance]
    value_row = (family == RowFamily.VALUE) & (lp.row_lower == 0) & (lp.row_upper == 0)
    offer_entry = value_row[rows_of] & counted
    other_entry = value_row[rows_of] & ~is_offer
    n_other = np.bincount(rows_of[other_entry], minlength=lp.n_rows)
    r, j = rows_of[offer_entry], col[offer_entry]
    lowest = np.full(lp.n_rows, np.iinfo(np.int64).max)
    highest = np.full(lp.n_rows, -1)
    np.minimum.at(lowest, r, home[j])
    np.maximum.at(highest, r, home[j])
    count = np.bincount(r, minlength=lp.n_rows)
    coef, uniform = _offer_coefficients(lp, offer_entry | on_balance)
    candidates = np.flatnonzero(value_row & (n_other == 1) & (uniform | (count == 0)))
    d = lowest[candidates]
    empty = count[candidates] == 0  # nothing to buy: the column is 0, no balance row
    d = np.where(empty, candidates, d)
    ok = empty | ((d == highest[candidates]) & (d >= 0))
    d = np.where(ok, d, 0)
    balance_count = np.bincount(rows_of[on_balance], minlength=lp.n_rows)
    ok &= empty | ((count[candidates] == balance_count[d]) & uniform[d])
    rows, d, empty = candidates[ok], d[ok], empty[ok]
    at = np.searchsorted(rows_of[other_entry], rows)  # the row's one other entry
    cols, own = col[other_entry][at].astype(np.int64), lp.value[other_entry][at]
    beta = np.where(empty, 1.0, coef[d])
    values = np.where(empty, 0.0, -coef[rows] * (balance_left[d] / beta) / own)
    inside = (values >= lp.col_lower[cols]) & (values <= lp.col_upper[cols])
    return _Purchases(
        rows[inside],
        cols[inside],
        d[inside],
        values[inside],
        np.where(empty, 0.0, coef[rows])[inside],  # no offers: nothing to give back
        beta[inside],
        own[inside],
    )


def _offer_coefficients(lp: LinearProgram, entries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the coefficient its ``entries`` carry, and whether they all carry that one."""
    r, value = lp.entry_row[entries], lp.value[entries]
    lo = np.full(lp.n_rows, np.inf)
    hi = np.full(lp.n_rows, -np.inf)
    np.minimum.at(lo, r, value)
    np.maximum.at(hi, r, value)
    uniform = (lo == hi) & (lo != 0)
    return np.where(uniform, lo, 0.0), uniform


def _without(lp: LinearProgram, held: np.ndarray, at: np.ndarray) -> LinearProgram:
    """``lp`` without the columns ``held``, each fixed at its value in ``at``.

    What they contribute moves into the rows' bounds and the objective's constant; the
    other columns keep their order.
    """
    keep = np.ones(lp.n_cols, dtype=bool)
    keep[held] = False
    fixed = np.where(keep, 0.0, at)
    shift = lp.row_activity(fixed)
    entry = keep[lp.col_index]
    count = np.bincount(lp.entry_row[entry], minlength=lp.n_rows)
    position = np.cumsum(keep) - 1
    return replace(
        lp,
        cost=readonly(lp.cost[keep]),
        col_lower=readonly(lp.col_lower[keep]),
        col_upper=readonly(lp.col_upper[keep]),
        row_lower=readonly(lp.row_lower - shift),
        row_upper=readonly(lp.row_upper - shift),
        row_start=readonly(np.concatenate([[0], np.cumsum(count)]).astype(lp.row_start.dtype)),
        col_index=readonly(position[lp.col_index[entry]].astype(lp.col_index.dtype)),
        value=readonly(lp.value[entry]),
        integrality=readonly(lp.integrality[keep]),
        col_offer=readonly(lp.col_offer[keep]),
        n_offers=int(keep[: lp.n_offers].sum()),
        objective_offset=lp.objective_offset + dot(lp.cost, fixed),
    )
