"""What the greedy method needs to know of a program: its blocks and the tree of caps.

`greedy_structure` decides whether a program is greedy-exact (`reopt.backends.greedy`
says what that means) and, where it is, finds its blocks and the tree of caps once, by
sorting the matrix entries, with no Python loop over blocks or rows: a `GreedyStructure`,
which a program whose bounds or costs move keeps (`reopt.backends.auto.AutoSession`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from reopt.backends.ordering import cap_nesting, innermost_codes, node_codes, run_codes
from reopt.model.blocks import row_entries
from reopt.model.program import LinearProgram

__all__ = ["GreedyStructure", "greedy_structure"]

#: Coefficients of one row within this relative distance count as equal.
_SAME = 1e-12


@dataclass(frozen=True)
class GreedyStructure:
    """What `greedy_structure` found: blocks, the tree of caps, and the order of the entries.

    Attributes
    ----------
    coef : ndarray
        Each row's coefficient (1 for empty rows); rows are divided by it.
    root : ndarray
        Each column's block (its equality row), or -1 for a column in no equality row
        (made when first asked for, from the blocks' codes).
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
    def root(self) -> np.ndarray:
        """Each column's block (its equality row), or -1 for a column in no equality row.

        A solve needs only the blocks' codes (`block_of`): this is one 64-bit number per
        column, made when first asked for.
        """
        return _rows_of(self.level_code[-1], self.level_in[-1], self.level_owner[-1])

    def block_of(self, row_values: np.ndarray) -> np.ndarray:
        """Each column's block's value of ``row_values`` (one per row); for columns in a block."""
        return row_values[self.level_owner[-1]][self.level_code[-1]]

    @cached_property
    def block_cols(self) -> np.ndarray:
        """The columns in a block, in order (made when first asked for).

        Most solves need only `all_in_blocks`.
        """
        return np.flatnonzero(self.level_in[-1])

    @cached_property
    def all_in_blocks(self) -> bool:
        """Whether every column is in a block."""
        return bool(self.level_in[-1].all())


def _rows_of(code: np.ndarray, member: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Each column's node's row from a level's codes, -1 for a column with no node."""
    rows = owner[code] if len(owner) else np.full(len(code), -1, dtype=np.int64)
    rows[~member] = -1
    return rows


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
    block_code, rootless, eq_owner = blocks[0], ~blocks[1], blocks[2]
    n_rootless = np.count_nonzero(rootless)
    some = n_rootless > 0  # columns in no block (else every column is in one)
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
    # each cap's block (by its code), the same for all its entries
    cap_block = block_code[cap_col].astype(np.int64)  # (ufunc.at is slow across types)
    block_lo = np.full(n_rows, np.iinfo(np.int64).max)
    block_hi = np.full(n_rows, -1)
    np.minimum.at(block_lo, cap_row, cap_block)
    np.maximum.at(block_hi, cap_row, cap_block)
    del cap_block
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
        parent[used], depth[used] = eq_owner[block_lo[used]], 1
        position = None
        if not some:  # every cap entry kept: the caps are whole rows
            by_runs = run_codes(np.flatnonzero(cap), counts[cap], cap_col, n_cols)
    else:
        root = _rows_of(block_code, ~rootless, eq_owner)
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
