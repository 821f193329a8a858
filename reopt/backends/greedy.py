"""The greedy method: an exact solver for programs whose caps nest, in vectorised numpy.

A program is *greedy-exact* when, after dividing each row by its (one, positive) coefficient:

- every column has lower bound 0 and lies in at most one equality row (a *block*: a product's
  demand, ``sum x = d``);
- every other row is a cap ``sum_{j in S} x_j <= u`` over columns of one block, and the caps
  of a block form a laminar family: any two are nested or disjoint (the China cap, a cap per
  country, a cap on one source);
- no column is integer.

Such a block is a polymatroid: buying in price order while every cap has room is optimal.
`greedy_structure` (`reopt.backends.greedy_tree`) finds the blocks and the tree of caps
once, and `solve_greedy` fills every block at once, level by
level from the innermost caps outwards: at each node the cheapest amounts are kept up to the
node's bound (a segmented running sum over all blocks; where the blocks' sizes lie far
apart, as they may in a program from arrays, each block is filled in units of its size), the
root's bound being the demand. Ties in price are broken by column position, so the answer
is deterministic.

Duals follow from the marginal offers (`reopt.backends.greedy_duals`): a price for each node
of the tree, its dual the difference from its parent's. Where the dual is not unique (at a
kink of the cost curve), a cap's dual is what loosening it saves, the figure a sweep
reports, and the demand row's is what one tonne less saves. The answer is a vertex, and
reopt's numpy check re-proves it optimal like any other.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from reopt.backends.base import Solution
from reopt.backends.greedy_duals import greedy_duals
from reopt.backends.greedy_tree import GreedyStructure, greedy_structure
from reopt.backends.highs_settings import PRIMAL_TOLERANCE
from reopt.backends.ordering import price_order
from reopt.data.market import readonly
from reopt.model.program import LinearProgram
from reopt.status import Status
from reopt.vectors import dot

__all__ = ["ROUNDING", "SHORT", "GreedyStructure", "greedy_structure", "solve_greedy"]

#: Blocks whose sizes lie further apart than this are filled each in units of its size.
_APART = 1e3
#: A block may fall short of its demand by this much of it, as HiGHS's rows may (reopt's
#: primal feasibility tolerance on the scaled program), so that both find the same markets
#: feasible; more and the greedy method finds no plan (HiGHS then says why).
SHORT = PRIMAL_TOLERANCE
#: Room left in a node below this much of a block's demand is the rounding of the fill's
#: running sum, not room: left as room, it would buy a dearer offer for nothing.
ROUNDING = 1e-13


def _fill(
    amount: np.ndarray,
    by_price: np.ndarray,
    code: np.ndarray,
    member: np.ndarray,
    owner: np.ndarray,
    counts: np.ndarray,
    bound: np.ndarray,
    tiny: float,
) -> np.ndarray:
    """Keep, for each node, its columns' cheapest amounts up to the node's bound (in place).

    ``by_price`` lists the columns by price (ties by position); ``code`` is each column's
    node at this level as a small integer, ``member`` whether it has one, ``owner`` and
    ``counts`` each code's row and number of columns; room of ``tiny`` or less counts as
    none. Returns what each code's columns hold afterwards.
    """
    cols = by_price if member.all() else by_price[member[by_price]]
    if not len(cols):
        return np.zeros(len(owner))
    codes = code[cols]
    c = cols[np.argsort(codes, kind="stable")]  # grouped by node, by price within
    del cols, codes  # (fresh memory costs more than these sums: keep the peak low)
    seq = amount[c]
    before = np.cumsum(seq)
    before -= seq  # what the cheaper columns of this node and of the nodes before took
    first = np.cumsum(counts) - counts
    # room: the node's bound less what its own cheaper columns took, which is the running
    # sum less its value at the node's first column
    room = np.repeat(bound[owner] + before[np.minimum(first, len(c) - 1)], counts)
    room -= before
    del before
    room[room <= tiny] = 0.0
    np.minimum(seq, room, out=room)
    amount[c] = room
    held = np.zeros(len(owner))
    filled = counts > 0
    held[filled] = np.add.reduceat(room, first[filled])
    return held


def _fill_levels(
    amount: np.ndarray,
    by_price: np.ndarray,
    s: GreedyStructure,
    upper: np.ndarray,
    demand: np.ndarray,
    tiny: float,
) -> np.ndarray:
    """Fill every level, innermost caps first, then the blocks; what each block holds."""
    levels = tuple(zip(s.level_code, s.level_in, s.level_owner, s.level_count, strict=True))
    for k in reversed(range(len(s.level_rows))):
        _fill(amount, by_price, *levels[k], upper, tiny)
    return _fill(amount, by_price, *levels[-1], demand, tiny)


def _units_apart(s: GreedyStructure, block_size: np.ndarray) -> np.ndarray | None:
    """Each row's block size (1 outside blocks) where blocks' sizes lie `_APART` apart, else None.

    The fill's running sum runs over every block: a block far smaller than those before it
    would keep only the digits their sum leaves it. A market's blocks are alike (each
    product's demand is its unit, `reopt.model.scaling`); a program from arrays may not be.
    """
    sizes = block_size[s.roots]
    sizes = sizes[sizes > 0]
    if not len(sizes) or sizes.max() <= _APART * sizes.min():
        return None
    unit = np.where(block_size > 0, block_size, 1.0)
    return np.where(s.block >= 0, unit[np.maximum(s.block, 0)], 1.0)


def solve_greedy(
    lp: LinearProgram,
    structure: GreedyStructure,
    by_price: np.ndarray | Callable[[], np.ndarray] | None = None,
) -> Solution | None:
    """``lp`` solved by the greedy method, or None when it is infeasible (HiGHS says why).

    ``by_price`` is `price_order` of the costs when the caller already has it, or a function
    that waits for it (a sort running on another thread).
    """
    started = time.perf_counter()
    s = structure
    upper = lp.row_upper / s.coef
    demand = lp.row_lower / s.coef
    block_size = np.zeros(lp.n_rows)
    block_size[s.roots] = np.abs(demand[s.roots])
    if (demand[s.roots] < 0).any() or (upper[s.caps] < 0).any():
        return None
    if s.all_in_blocks:
        amount = s.block_of(demand)
        np.minimum(amount, lp.col_upper, out=amount)
    else:
        block_cols = s.block_cols
        amount = np.zeros(lp.n_cols)
        amount[block_cols] = np.minimum(lp.col_upper[block_cols], demand[s.root[block_cols]])
    if by_price is None:
        by_price = price_order(lp.cost)
    elif callable(by_price):  # being sorted elsewhere
        by_price = by_price()
    unit = _units_apart(s, block_size)
    if unit is None:
        sizes = block_size[s.roots]
        tiny = ROUNDING * float(sizes[sizes > 0].min(initial=np.inf))
        held = _fill_levels(amount, by_price, s, upper, demand, tiny if tiny < np.inf else 0.0)
    else:  # each block in units of its size: the running sum keeps the small blocks' digits
        col_unit = unit[np.maximum(s.root, 0)]
        amount /= col_unit
        held = _fill_levels(amount, by_price, s, upper / unit, demand / unit, ROUNDING)
        amount *= col_unit
        held *= unit[s.level_owner[-1]]
    bought = np.zeros(lp.n_rows)
    bought[s.level_owner[-1]] = held
    short = demand[s.roots] - bought[s.roots]
    if (short > SHORT * np.maximum(block_size[s.roots], 1e-300)).any():
        return None
    duals = greedy_duals(lp, s, amount, upper, block_size)
    if duals is None:
        return None
    row_dual, price = duals
    if s.all_in_blocks:  # c - A^T y: each column's cost less its innermost node's price
        col_dual = lp.cost - price[s.inner_owner][s.inner_code]
    else:
        col_dual = lp.cost - lp.column_activity(row_dual)
    return Solution(
        status=Status.OPTIMAL,
        raw_status="greedy: optimal",
        x=readonly(amount),
        row_dual=readonly(row_dual),
        col_dual=readonly(col_dual),
        objective=dot(lp.cost, amount) + lp.objective_offset,
        backend="greedy",
        solve_time_s=time.perf_counter() - started,
        settings={"method": "greedy"},
    )
