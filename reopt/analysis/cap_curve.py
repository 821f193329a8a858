"""`CapCurve`: each product's cost as a function of a China cap, read off one price order.

When a market's only caps are the China cap's rows (one per product, or per product and
period) and the greedy method solves it (`reopt.backends.greedy`), the cheapest plan under a
cap of ``K`` tonnes of a product with demand ``d`` is known in closed form. Sort the
product's China offers by price, and its other offers likewise; let ``G_C(t)`` be the cost
of the cheapest ``t`` tonnes from China and ``G_O(q)`` that of the cheapest ``q`` tonnes
from elsewhere, and ``t*`` the tonnes China sells without a cap. Then China sells
``min(K, t*)`` and the product costs ``G_C(min(K, t*)) + G_O(d - min(K, t*))``: a convex,
piecewise-linear curve whose kinks are where the marginal China offer or the marginal offer
it displaces changes price, and ``t*`` itself. Below ``d - (tonnes from elsewhere)`` the cap
cannot be met.

`cap_curve` builds this once from the compiled program (offers grouped by product and side,
in the greedy method's price order, ties by position); the lookups are vectorised over any
number of (product, tonnes) pairs. `reopt.analysis.greedy_sweep` turns it into a sweep.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reopt.backends.greedy import ROUNDING, GreedyStructure
from reopt.backends.ordering import price_order
from reopt.model.program import LinearProgram

__all__ = ["CapCurve", "cap_curve"]

#: Tonnes (relative to demand) below which a purchase is rounding, not a purchase.
_NOTHING = 1e-9


@dataclass(frozen=True)
class CapCurve:
    """The offers of each block (a product, or a product in a period), China's and the rest.

    Entries are offers with room (capacity and demand above 0), sorted by segment
    (``2 * block`` for China's, ``2 * block + 1`` for the rest) and, within one, by price.

    Attributes
    ----------
    col, price, room : ndarray
        Each entry's column, cost per tonne and tonnes it can sell (capacity, at most the
        demand).
    end, cost_before : ndarray
        Tonnes sold up to the end of each entry within its segment, and the cost before it.
    key : ndarray
        ``segment + 1j * end`` (complex numbers sort by real part, then imaginary part): one
        sorted array for looking tonnes up in every segment at once.
    price_key : ndarray
        ``segment + 1j * price``, sorted likewise, for offers between two prices.
    seg_stop, total : ndarray
        Per segment: one past its last entry, and its tonnes.
    demand, base : ndarray
        Per block: its demand, and the tonnes a share of 1 allows (0 without a China row).
    t_free, cost_free : ndarray
        Per block: China's tonnes and the cost without a cap (`t*`).
    p_free : ndarray
        Per block: the price of the dearest tonne bought without a cap.
    china_last, rest_next : ndarray
        Per block, without a cap: the price of China's dearest tonne bought, and of the
        cheapest tonne from elsewhere not bought (-inf, +inf for none).
    demand_row : ndarray
        Per block: its row in the market's demand table.
    china_room, china_end : ndarray
        Each entry's room if it is China's (else 0), and China's tonnes up to the end of
        each entry within its segment: China's share where the cap is on another group.
    china_is_capped : bool
        Whether the capped offers are China's (a China cap).
    """

    col: np.ndarray
    price: np.ndarray
    room: np.ndarray
    end: np.ndarray
    cost_before: np.ndarray
    key: np.ndarray
    price_key: np.ndarray
    seg_stop: np.ndarray
    total: np.ndarray
    demand: np.ndarray
    base: np.ndarray
    t_free: np.ndarray
    cost_free: np.ndarray
    p_free: np.ndarray
    china_last: np.ndarray
    rest_next: np.ndarray
    demand_row: np.ndarray
    china_room: np.ndarray
    china_end: np.ndarray
    china_is_capped: bool

    @property
    def n_blocks(self) -> int:
        """Blocks: demand rows."""
        return len(self.demand)

    # --- lookups, vectorised over (segment, tonnes) pairs --------------------------------------
    def price_after(self, seg: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The price of the tonne just after ``t`` in ``seg`` (+inf when none is left)."""
        i = np.searchsorted(self.key, _pair(seg, t), side="right")
        ok = i < self.seg_stop[seg]
        return np.where(ok, self.price[np.minimum(i, len(self.price) - 1)], np.inf)

    def price_before(self, seg: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The price of the tonne just before ``t`` in ``seg`` (-inf at 0)."""
        i = np.searchsorted(self.key, _pair(seg, t), side="left")
        ok = (t > 0) & (i < self.seg_stop[seg])
        return np.where(ok, self.price[np.minimum(i, len(self.price) - 1)], -np.inf)

    def china_of(self, seg: np.ndarray, t: np.ndarray) -> np.ndarray:
        """China's tonnes among the cheapest ``t`` tonnes of ``seg``."""
        if not len(self.price):
            return np.zeros(np.shape(t))
        t = np.minimum(t, self.total[seg])
        i = np.minimum(np.searchsorted(self.key, _pair(seg, t), side="left"), len(self.price) - 1)
        start = self.end[i] - self.room[i]
        mine = self.china_room[i] > 0
        inside = np.where(mine, np.clip(t - start, 0.0, self.room[i]), 0.0)
        return np.where(t > 0, self.china_end[i] - self.china_room[i] + inside, 0.0)

    def cost_of(self, seg: np.ndarray, t: np.ndarray) -> np.ndarray:
        """``G(t)``: the cost of the cheapest ``t`` tonnes of ``seg``.

        ``t`` is priced at the entry it ends in, or at one that ends `ROUNDING` of the demand
        short of it: running sums may end an entry that rounding before its tonnes.
        """
        t = np.minimum(t, self.total[seg])  # the caller checks feasibility
        near = t - ROUNDING * self.demand[seg // 2]
        i = np.searchsorted(self.key, _pair(seg, near), side="left")
        i = np.minimum(i, len(self.price) - 1)
        start = self.end[i] - self.room[i]
        return np.where(t > 0, self.cost_before[i] + self.price[i] * (t - start), 0.0)

    # --- a block's curve, in tonnes of its China cap ----------------------------------------
    def cost(self, block: np.ndarray, cap_t: np.ndarray) -> np.ndarray:
        """The block's cost under a China cap of ``cap_t`` tonnes (USD).

        What is left for elsewhere within `ROUNDING` of the demand is the rounding of China's
        running sums, and costs nothing, as the greedy method's fill leaves it.
        """
        t = np.minimum(cap_t, self.t_free[block])
        d = self.demand[block]
        rest = d - t
        rest = np.where(rest <= ROUNDING * d, 0.0, rest)
        return self.cost_of(2 * block, t) + self.cost_of(2 * block + 1, rest)

    def slopes(
        self, block: np.ndarray, cap_t: np.ndarray, rest_t: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The cost's slope (USD per tonne of cap) just below and just above ``cap_t``.

        ``rest_t`` is ``demand - cap_t``, given so that either side is looked up exactly.
        """
        china, rest = 2 * block, 2 * block + 1
        rest_t = np.minimum(rest_t, self.total[rest])  # at the limit, not past it by rounding
        with np.errstate(invalid="ignore"):
            below = self.price_before(china, cap_t) - self.price_after(rest, rest_t)
            above = self.price_after(china, cap_t) - self.price_before(rest, rest_t)
        # the cap binds below t* (within rounding of it); a slope is never above 0
        near = _NOTHING * self.demand[block]
        below = np.minimum(np.where(cap_t <= self.t_free[block] + near, below, 0.0), 0.0)
        above = np.minimum(np.where(cap_t < self.t_free[block] - near, above, 0.0), 0.0)
        return below, above

    def share_of(
        self, block: np.ndarray, cap_t: np.ndarray, rest_t: np.ndarray, rest_exact: np.ndarray
    ) -> np.ndarray:
        """The share a cap of ``cap_t`` tonnes is, from the side that is exact.

        ``rest_t`` is the tonnes from elsewhere (``demand - cap_t``), exact where
        ``rest_exact`` (a kink where the offer China displaces changes, the feasibility
        limit). Where the base is the demand (a share of purchases), ``1 - rest_t / demand``
        is then one rounding from the share, where ``cap_t / base`` would be two.
        """
        d, base = self.demand[block], self.base[block]
        from_rest = rest_exact & (base == d) & (d > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(from_rest, 1.0 - rest_t / d, cap_t / base)

    def lowest_cap_t(self) -> np.ndarray:
        """Per block, the fewest China tonnes that meet its demand (0 when others can)."""
        return np.maximum(self.demand - self.total[1::2], 0.0)

    def feasible(self) -> bool:
        """Whether some cap (at most 100%) meets every block's demand."""
        enough = self.total[0::2] + self.total[1::2] >= self.demand * (1 - 1e-12)
        china_free = self.base == 0  # no China row: no China offers
        return bool(enough.all() and (self.lowest_cap_t()[china_free] <= 0).all())

    def between(self, seg: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
        """Entry ranges ``[start, stop)`` of ``seg`` priced in ``(low, high]``, as (n, 2)."""
        start = np.searchsorted(self.price_key, _pair(seg, low), side="right")
        stop = np.searchsorted(self.price_key, _pair(seg, high), side="right")
        return np.stack([start, np.maximum(stop, start)], axis=1)


def cap_curve(
    lp: LinearProgram,
    structure: GreedyStructure,
    cap_rows: np.ndarray,
    china: np.ndarray | None = None,
) -> CapCurve | None:
    """The curve of ``lp``, whose only caps are ``cap_rows`` (at most one per block).

    ``china``: which columns are China's offers, for China's share of each block; by
    default the capped ones (a China cap). None when ``lp`` is not of that form: another
    cap, two caps in one block, or a row whose coefficient is not 1; or when no offer has
    room to sell (no capacity, or no demand), where there is no curve to read.
    """
    s = structure
    caps = np.sort(np.asarray(cap_rows, dtype=np.int64))
    if not np.array_equal(np.sort(s.caps), caps) or (s.parent[caps] != s.block[caps]).any():
        return None
    if len(np.unique(s.block[caps])) < len(caps):  # e.g. a cap on each country
        return None
    if (s.coef[caps] != 1).any() or (s.coef[s.roots] != 1).any():
        return None
    roots = s.roots
    n_blocks = len(roots)
    block_of_row = np.full(lp.n_rows, -1, dtype=np.int64)
    block_of_row[roots] = np.arange(n_blocks)
    demand = lp.row_lower[roots].astype(float)
    base = np.zeros(n_blocks)
    base[block_of_row[s.block[caps]]] = lp.label("base_t")[caps]
    if not np.isfinite(base).all():
        return None

    capped = np.zeros(lp.n_cols, dtype=bool)
    capped[s.cap_cols] = True
    china = capped if china is None else china
    block = np.full(lp.n_cols, -1, dtype=np.int64)
    block[s.block_cols] = block_of_row[s.root[s.block_cols]]
    room = np.zeros(lp.n_cols)
    cols = s.block_cols
    room[cols] = np.minimum(lp.col_upper[cols], demand[block[cols]])
    by_price = price_order(lp.cost)
    by_price = by_price[room[by_price] > 0]
    if not len(by_price):
        return None
    cost = lp.cost

    unit = np.where(demand > 0, demand, 1.0)  # each block's tonnes count in its demand
    # without a cap: each block's cheapest tonnes up to its demand, in price order
    merged = by_price[np.argsort(block[by_price], kind="stable")]
    b = block[merged]
    running = _segment_cumsum(room[merged], b, unit[b])
    bought = np.clip(demand[b] - (running - room[merged]), 0.0, room[merged])
    t_free = np.bincount(b, weights=bought * capped[merged], minlength=n_blocks)
    cost_free = np.bincount(b, weights=bought * cost[merged], minlength=n_blocks)
    p_free = np.full(n_blocks, -np.inf)
    real = bought > _NOTHING * demand[b]  # not the rounding of a running sum
    np.maximum.at(p_free, b[real], cost[merged][real])
    china_last = np.full(n_blocks, -np.inf)  # the capped group's dearest purchase
    is_china = capped[merged]
    np.maximum.at(china_last, b[real & is_china], cost[merged][real & is_china])
    rest_next = np.full(n_blocks, np.inf)  # the cheapest tonne left elsewhere
    left = (bought < room[merged] - _NOTHING * demand[b]) & ~is_china
    np.minimum.at(rest_next, b[left], cost[merged][left])

    # by block and side, in price order
    seg_of = 2 * block + (~capped).astype(np.int64)
    entries = by_price[np.argsort(seg_of[by_price], kind="stable")]
    seg = seg_of[entries]
    price = cost[entries]
    amount = room[entries]
    end = _segment_cumsum(amount, seg, unit[seg // 2])
    money = unit[seg // 2] * np.maximum(np.abs(price).max(initial=0.0), 1e-300)
    spent = _segment_cumsum(price * amount, seg, money) - price * amount
    n_seg = 2 * n_blocks
    seg_stop = np.searchsorted(seg, np.arange(n_seg), side="right")
    seg_start = np.searchsorted(seg, np.arange(n_seg), side="left")
    # each segment's tonnes as its running sum ends (lookups at the total stay inside it)
    total = np.where(seg_stop > seg_start, end[np.maximum(seg_stop - 1, 0)], 0.0)
    china_room = np.where(china[entries], amount, 0.0)
    return CapCurve(
        col=entries,
        price=price,
        room=amount,
        end=end,
        cost_before=spent,
        key=_pair(seg, end),
        price_key=_pair(seg, price),
        seg_stop=seg_stop,
        total=total,
        demand=demand,
        base=base,
        t_free=t_free,
        cost_free=cost_free,
        p_free=p_free,
        china_last=china_last,
        rest_next=rest_next,
        demand_row=lp.label("demand_row")[roots],
        china_room=china_room,
        china_end=_segment_cumsum(china_room, seg, unit[seg // 2]),
        china_is_capped=bool(np.array_equal(china, capped)),
    )


def _segment_cumsum(values: np.ndarray, segment: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Running sums of ``values`` restarting where ``segment`` (sorted) changes.

    One running sum over all segments, less its value where each segment starts, counted in
    each value's ``unit`` (its block's demand, or money) and in extended precision: in plain
    tonnes a 1 kg product's sums would drown in the rounding of a 1 Mt product's before it,
    and in doubles a segment's sums would carry the rounding of every segment before it.
    """
    if not len(values):
        return values.copy()
    scaled = (values / unit).astype(np.longdouble)
    running = np.cumsum(scaled)
    first = np.ones(len(segment), dtype=bool)
    first[1:] = segment[1:] != segment[:-1]
    start = np.maximum.accumulate(np.where(first, np.arange(len(segment)), 0))
    return (running - (running - scaled)[start]).astype(float) * unit


def _pair(seg: np.ndarray, value: np.ndarray) -> np.ndarray:
    """``(seg, value)`` as complex numbers, which sort by ``seg``, then ``value``.

    Built part by part: ``seg + 1j * value`` would make the real part NaN for an infinite
    ``value``.
    """
    seg, value = np.broadcast_arrays(seg, value)
    out = np.empty(seg.shape, dtype=np.complex128)
    out.real = seg
    out.imag = value
    return out
