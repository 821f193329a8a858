"""The greedy method: an exact solver for programs whose caps nest, in vectorised numpy.

A program is *greedy-exact* when, after dividing each row by its (one, positive) coefficient:

- every column has lower bound 0 and lies in at most one equality row (a *block*: a product's
  demand, ``sum x = d``);
- every other row is a cap ``sum_{j in S} x_j <= u`` over columns of one block, and the caps
  of a block form a laminar family: any two are nested or disjoint (the China cap, a cap per
  country, a cap on one source);
- no column is integer.

Such a block is a polymatroid: buying in price order while every cap has room is optimal.
`greedy_structure` finds the blocks and the tree of caps once (sorting the matrix entries;
no Python loop over blocks or rows), and `solve_greedy` fills every block at once, level by
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
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from reopt.backends.base import Solution
from reopt.backends.greedy_duals import greedy_duals
from reopt.backends.highs_settings import PRIMAL_TOLERANCE
from reopt.backends.ordering import (
    cap_nesting,
    innermost_codes,
    node_codes,
    price_order,
    run_codes,
)
from reopt.data.market import readonly
from reopt.model.blocks import row_entries
from reopt.model.program import LinearProgram
from reopt.status import Status
from reopt.vectors import dot

__all__ = ["ROUNDING", "SHORT", "GreedyStructure", "greedy_structure", "solve_greedy"]

#: Coefficients of one row within this relative distance count as equal.
_SAME = 1e-12
#: Blocks whose sizes lie further apart than this are filled each in units of its size.
_APART = 1e3
#: A block may fall short of its demand by this much of it, as HiGHS's rows may (reopt's
#: primal feasibility tolerance on the scaled program), so that both find the same markets
#: feasible; more and the greedy method finds no plan (HiGHS then says why).
SHORT = PRIMAL_TOLERANCE
#: Room left in a node below this much of a block's demand is the rounding of the fill's
#: running sum, not room: left as room, it would buy a dearer offer for nothing.
ROUNDING = 1e-13


@dataclass(frozen=True)
class GreedyStructure:
    """What `greedy_structure` found: blocks, the tree of caps, and the order of the entries.

    Attributes
    ----------
    coef : ndarray
        Each row's coefficient (1 for empty rows); rows are divided by it.
    root : ndarray
        Each column's block (its equality row), or -1 for a column in no equality row.
    parent : ndarray
        Each row's parent node: the next larger cap, or the block's equality row (-1 for
        equality rows and rows that play no part).
    depth : ndarray
        Each cap row's depth below its block (1 for the outermost caps), 0 for equality rows.
    inner_code, inner_owner : ndarray
        Each column in a block (``block_cols``) coded by its innermost node (the smallest cap
        holding it, or its block), and each code's row.
    caps, roots : ndarray
        The cap rows and the equality rows.
    level_rows, level_cols : tuple of ndarray
        For each depth ``k = 1 .. max``: the entries (row, column) of the caps at depth ``k``.
    level_code, level_in, level_owner, level_count : tuple of ndarray
        For each depth ``k = 1 .. max`` and then the blocks: every column's node at that
        depth as a small integer code (for a radix sort), whether it has one, each code's
        row and how many columns it holds.
    level_nodes : tuple of ndarray
        For each depth ``k = 1 .. max``: its caps.
    block : ndarray
        Each row's block (its equality row; -1 for rows in none).
    cap_rows, cap_cols : ndarray
        The caps' entries (row, column), over columns in a block.
    """

    coef: np.ndarray
    root: np.ndarray
    parent: np.ndarray
    depth: np.ndarray
    inner_code: np.ndarray
    inner_owner: np.ndarray
    caps: np.ndarray
    roots: np.ndarray
    level_rows: tuple[np.ndarray, ...]
    level_cols: tuple[np.ndarray, ...]
    level_code: tuple[np.ndarray, ...]
    level_in: tuple[np.ndarray, ...]
    level_owner: tuple[np.ndarray, ...]
    level_count: tuple[np.ndarray, ...]
    level_nodes: tuple[np.ndarray, ...]
    block: np.ndarray
    cap_rows: np.ndarray
    cap_cols: np.ndarray

    @cached_property
    def block_cols(self) -> np.ndarray:
        """The columns in a block, in order (made when first asked for).

        Most solves need only `all_in_blocks`.
        """
        return np.flatnonzero(self.root >= 0)

    @cached_property
    def all_in_blocks(self) -> bool:
        """Whether every column is in a block."""
        return not (self.root < 0).any()


def greedy_structure(lp: LinearProgram) -> GreedyStructure | str:
    """The structure of ``lp`` when the greedy method solves it exactly, else the reason not.

    Examples
    --------
    >>> import reopt
    >>> lp = reopt.compile(reopt.datasets.japan_2025(), [reopt.cap_share(0.6, country="CN")])
    >>> isinstance(greedy_structure(lp), GreedyStructure)
    True
    >>> greedy_structure(reopt.compile(reopt.datasets.japan_2025(),
    ...     [reopt.min_share(0.1, kind="recycler")]))
    'a floor or a range row (min_share, or a row with two bounds)'
    """
    if lp.is_mip:
        return "integer columns (minimum orders)"
    if (lp.col_lower != 0).any():
        return "a column with a lower bound other than 0"
    n_rows, n_cols = lp.n_rows, lp.n_cols
    counts = np.diff(lp.row_start)
    filled = counts > 0
    coef = np.ones(n_rows)
    coef[filled] = lp.value[lp.row_start[:-1][filled]]
    if (coef <= 0).any():
        return "a row whose entries are not all one positive number"
    # with positive rows, a row's kind is its bounds' (the cheap checks first)
    lower, upper = lp.row_lower, lp.row_upper
    equality = filled & (lower == upper) & np.isfinite(lower)
    cap = filled & np.isneginf(lower) & np.isfinite(upper)
    free = np.isneginf(lower) & np.isposinf(upper)
    if (filled & ~(equality | cap | free)).any():
        return "a floor or a range row (min_share, or a row with two bounds)"
    if ((~filled) & ((lower > 0) | (upper < 0))).any():
        return "an empty row that cannot hold"
    # |a - coef| <= _SAME coef for every entry a: at each row's largest and smallest entry
    starts, one = lp.row_start[:-1][filled], coef[filled]
    top, bottom = np.maximum.reduceat(lp.value, starts), np.minimum.reduceat(lp.value, starts)
    if not ((top - one <= _SAME * one).all() and (one - bottom <= _SAME * one).all()):
        return "a row whose entries are not all one positive number"
    eq_cols = lp.col_index[row_entries(lp.row_start, equality)]
    blocks = run_codes(np.flatnonzero(equality), counts[equality], eq_cols, n_cols)
    rootless = ~blocks[1]
    n_rootless = np.count_nonzero(rootless)
    some = n_rootless > 0  # columns in no block (else every column is in one)
    # each column's equality row, -1 for none
    root = blocks[2][blocks[0]] if len(blocks[2]) else np.full(n_cols, -1, dtype=np.int64)
    if some:
        root[rootless] = -1
    if n_cols - n_rootless < len(eq_cols):  # a column named twice
        return "a column in more than one equality row (stock or periods linked)"
    if (rootless & (lp.cost < 0) & (lp.col_upper > 0)).any():
        return "a column in no demand row with a negative cost"

    # caps: every entry's column in one block, counting only columns in a block
    cap_row = np.repeat(np.flatnonzero(cap), counts[cap])
    cap_col = lp.col_index[row_entries(lp.row_start, cap)].astype(np.int64)
    if some:
        in_block = ~rootless[cap_col]
        cap_row, cap_col = cap_row[in_block], cap_col[in_block]
    block_lo = np.full(n_rows, np.iinfo(np.int64).max)
    block_hi = np.full(n_rows, -1)
    np.minimum.at(block_lo, cap_row, root[cap_col])
    np.maximum.at(block_hi, cap_row, root[cap_col])
    size = np.bincount(cap_row, minlength=n_rows)
    used = size > 0
    if (block_hi[used] != block_lo[used]).any():
        return "a rule over several products or periods (scope='total')"

    # the caps holding each column, largest first: each must be the next one's parent
    if (cap & (size == 0) & (upper < 0)).any():  # its columns, in no block, buy nothing
        return "a cap over columns in no demand row that cannot hold at 0"
    in_cap = np.zeros(n_cols, dtype=bool)
    in_cap[cap_col] = True
    parent = np.full(n_rows, -1, dtype=np.int64)
    depth = np.zeros(n_rows, dtype=np.int64)
    by_runs = None  # the caps' level coded from whole rows, where it is made of them
    if np.count_nonzero(in_cap) == len(cap_col):  # no column in two caps: none nests
        parent[used], depth[used] = block_lo[used], 1
        position = None
        if not some:  # every cap entry kept: the caps are whole rows
            by_runs = run_codes(np.flatnonzero(cap), counts[cap], cap_col, n_cols)
    else:
        found = cap_nesting(cap_row, cap_col, root, size, used, parent, depth)
        if isinstance(found, str):
            return found
        cap_row, cap_col, position = found
    del in_cap
    levels = range(1, int(np.max(depth, initial=0)) + 1)
    if position is None or len(levels) == 1:  # no cap inside another
        level_rows, level_cols = (cap_row,), (cap_col,)
    else:
        level_rows = tuple(cap_row[position + 1 == k] for k in levels)
        level_cols = tuple(cap_col[position + 1 == k] for k in levels)
    # each level's nodes, then the blocks' (each column's node is its root)
    levels_found = (
        [by_runs]
        if by_runs is not None
        else [
            node_codes(rows, cols, n_rows, n_cols)
            for rows, cols in zip(level_rows, level_cols, strict=True)
        ]
    )
    codes, members, owners = (list(found) for found in zip(*levels_found, blocks, strict=True))
    del eq_cols
    level_nodes = tuple(np.flatnonzero(used & (depth == k)) for k in levels)
    block = np.full(n_rows, -1, dtype=np.int64)
    block[equality] = np.flatnonzero(equality)
    for nodes in level_nodes:  # parents come before children
        block[nodes] = block[parent[nodes]]
    return GreedyStructure(
        coef=coef,
        root=root,
        parent=parent,
        depth=depth,
        **innermost_codes(codes, members, owners, np.flatnonzero(~rootless) if some else None),
        caps=np.flatnonzero(used),
        roots=np.flatnonzero(equality),
        level_rows=level_rows,
        level_cols=level_cols,
        level_code=tuple(codes),
        level_in=tuple(members),
        level_owner=tuple(owners),
        level_count=(*(size[owner] for owner in owners[:-1]), counts[owners[-1]]),
        level_nodes=level_nodes,
        block=block,
        cap_rows=cap_row,
        cap_cols=cap_col,
    )


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
        amount = demand[s.root]
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
