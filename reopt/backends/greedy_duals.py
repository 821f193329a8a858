"""The duals of a greedy answer: a price for each node of the tree of caps.

Each node gets a price ``p`` (the demand row's dual at the root); a column's reduced cost is
its cost minus the price of the innermost cap that holds it; a cap's dual is its price
minus its parent's (<= 0, and 0 when it has room). The prices are found as intervals,
bottom up (what the columns and the slack caps below allow), then chosen top down: the
demand row's as low as its interval allows, each cap's as high as its parent's and its own
allow (`reopt.backends.greedy` says what that means at a kink of the cost curve).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from reopt.model.program import LinearProgram

if TYPE_CHECKING:
    from reopt.backends.greedy_tree import GreedyStructure

__all__ = ["TIGHT", "greedy_duals"]

#: A cap with less room than this (relative to its block's demand) is tight.
TIGHT = 1e-9
#: Columns read at a time for each node's dearest column bought and cheapest with room.
_CHUNK = 1 << 15


def greedy_duals(
    lp: LinearProgram,
    s: GreedyStructure,
    amount: np.ndarray,
    upper: np.ndarray,
    block_size: np.ndarray,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Row duals of the greedy answer ``amount`` and each node's price (None: no prices fit).

    ``upper`` is each row's bound over its coefficient and ``block_size`` each block row's
    demand (the module docstring says how the prices are found). A column in a block is
    priced at its innermost node's price: ``sum_i a_ij y_i``, each of its rows' entries being
    the row's one coefficient.
    """
    n_rows = lp.n_rows
    cols = slice(None) if s.all_in_blocks else s.block_cols
    cost, x, code = lp.cost[cols], amount[cols], s.inner_code
    # each innermost node's dearest column bought and cheapest with room (-inf, inf: none)
    lo_of, hi_of = np.full(len(s.inner_owner), -np.inf), np.full(len(s.inner_owner), np.inf)
    upper_of = lp.col_upper[cols]
    for part in range(0, len(x), _CHUNK):  # through indices (a where over a mask costs
        # three times as much), a chunk at a time (temporaries the size of the program are
        # fresh memory, which costs more than the work done in them)
        cut = slice(part, part + _CHUNK)
        at = np.flatnonzero(x[cut] > 0) + part
        np.maximum.at(lo_of, code[at], cost[at])
        at = np.flatnonzero(x[cut] < upper_of[cut]) + part
        np.minimum.at(hi_of, code[at], cost[at])
    lo = np.full(n_rows, -np.inf)
    hi = np.full(n_rows, np.inf)
    lo[s.inner_owner], hi[s.inner_owner] = lo_of, hi_of
    used = np.bincount(s.cap_rows, weights=amount[s.cap_cols], minlength=n_rows)
    size = block_size[np.maximum(s.block, 0)]
    tight = upper - used <= TIGHT * np.maximum(size, 1e-300)
    for rows in reversed(s.level_nodes):
        parents = s.parent[rows]
        np.maximum.at(lo, parents, lo[rows])
        slack = rows[~tight[rows]]
        np.minimum.at(hi, s.parent[slack], hi[slack])
    spread = np.abs(cost).max(initial=0.0)
    if (lo > hi + 1e-12 * max(spread, 1e-300)).any():  # rows outside blocks: -inf, inf
        return None
    price = np.zeros(n_rows)
    root_lo, root_hi = lo[s.roots], hi[s.roots]
    price[s.roots] = np.where(
        np.isfinite(root_lo), root_lo, np.where(np.isfinite(root_hi), root_hi, 0.0)
    )
    dual = np.zeros(n_rows)
    dual[s.roots] = price[s.roots]
    for rows in s.level_nodes:
        above = price[s.parent[rows]]
        price[rows] = np.where(tight[rows], np.minimum(above, hi[rows]), above)
        dual[rows] = price[rows] - above
    return dual / s.coef, price
