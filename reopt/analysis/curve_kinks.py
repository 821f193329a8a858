"""The China-cap curve at any shares, and its kinks: `evaluate`, `find_kinks`, `end_changes`.

On top of `reopt.analysis.cap_curve`: the total cost, the cap's price and China's share of
each product at given shares, by direct lookups; every kink between two shares, with the
cost there from the slopes of the pieces between them (a block's slope changes only at its
own kinks), the price to the right of it, and the offers entering and leaving the cheapest
plans there. Offers are in the cheapest plans of a piece when priced at or below the margin
on their side: China's marginal offer while the cap binds, the offer China displaces for the
rest, and the uncapped plan's dearest purchase where it does not bind.
"""

from __future__ import annotations

import numpy as np

from reopt.analysis.breakpoints import EDGE_TOL, KINK_TOL
from reopt.analysis.cap_curve import CapCurve
from reopt.analysis.limits import tidy_shares
from reopt.analysis.points import FACE_TOL
from reopt.results.plan import BOUGHT_SHARE

__all__ = [
    "CurveValues",
    "Kinks",
    "china_shares",
    "end_changes",
    "evaluate",
    "find_kinks",
    "grid_changes",
]

#: Tonnes (relative to demand) within which a cap is at the uncapped purchase ``t*``.
_AT = 1e-12


class CurveValues:
    """Cost, price and China's share of each block at some shares."""

    def __init__(self, cost: np.ndarray, price: np.ndarray, china: np.ndarray) -> None:
        self.cost, self.price, self.china = cost, price, china


def evaluate(
    curve: CapCurve, capped: np.ndarray, shares: np.ndarray, ok: np.ndarray
) -> CurveValues:
    """The curve at ``shares`` (NaN where not ``ok``), by direct lookups."""
    blocks = np.flatnonzero(capped)
    b = np.broadcast_to(blocks, (len(shares), len(blocks))).ravel()
    cap_t = (shares[:, None] * curve.base[blocks][None, :]).ravel()
    cost = curve.cost(b, cap_t).reshape(len(shares), -1).sum(axis=1)
    cost += curve.cost_free[~capped].sum()
    _, above = _slope_right(curve, b, cap_t)
    slope = (above * curve.base[b]).reshape(len(shares), -1).sum(axis=1)
    price = np.where(shares >= 1.0, 0.0, -slope / 100.0) + 0.0
    china = china_shares(curve, capped, shares)
    nan = np.where(ok, 1.0, np.nan)
    return CurveValues(cost * nan, price * nan, china * nan[:, None])


def _slope_right(
    curve: CapCurve, block: np.ndarray, cap_t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`CapCurve.slopes` just above ``cap_t``.

    At a share that rounds onto a kink, that is the slope to its right (what loosening
    saves), not the one its rounding falls on.
    """
    up = cap_t + _AT * curve.demand[block]
    return curve.slopes(block, up, curve.demand[block] - up)


def china_shares(curve: CapCurve, capped: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """China's share of each block's demand at ``shares`` (one row per share).

    Under a China cap, China sells ``min(cap, t*)``; under a cap on another group, China's
    tonnes are those among the cheapest tonnes bought on each side.
    """
    bought = np.minimum(shares[:, None] * curve.base[None, :], curve.t_free[None, :])
    bought = np.where(capped[None, :], bought, 0.0)
    if not curve.china_is_capped:
        seg = np.broadcast_to(2 * np.arange(curve.n_blocks), bought.shape)
        rest = curve.demand[None, :] - bought
        bought = curve.china_of(seg, bought) + curve.china_of(seg + 1, rest)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(curve.demand > 0, bought / curve.demand, 0.0)


# --------------------------------------------------------------------------------------------
# the kinks
# --------------------------------------------------------------------------------------------
class Kinks:
    """The curve's breakpoints (merged within `KINK_TOL`) and what changes at each.

    ``values``: the breakpoints' shares; ``cost``, ``price``: the curve there (price to the
    right); ``changes``: ``(breakpoint, offer, +1 entering / -1 leaving)`` arrays.
    """

    def __init__(
        self,
        values: np.ndarray,
        cost: np.ndarray,
        price: np.ndarray,
        changes: tuple[np.ndarray, np.ndarray, np.ndarray],
    ) -> None:
        self.values, self.cost, self.price, self.changes = values, cost, price, changes

    @staticmethod
    def empty() -> Kinks:
        none = np.zeros(0, dtype=np.int64)
        return Kinks(np.zeros(0), np.zeros(0), np.zeros(0), (none, none, none))


def find_kinks(curve: CapCurve, capped: np.ndarray, low: float, high: float) -> Kinks:
    """Every kink strictly between ``low`` and ``high``, with the curve's values there."""
    block, share, above, thresholds = _raw_kinks(curve, capped)
    inside = np.flatnonzero((share > low + EDGE_TOL) & (share < high - EDGE_TOL))
    order = inside[np.argsort(share[inside], kind="stable")]
    block, share, above, thresholds = block[order], share[order], above[order], thresholds[order]
    if not len(share):
        return Kinks.empty()
    # the cost at the first kink by lookup, and at each after it from the slopes of the
    # pieces between them: at each kink its block's slope becomes the one above it (a kink
    # found twice changes nothing twice). Each block's slope before its first kink is read
    # past the kinks left out at the low end: a piece there may be a sliver (an offer of a
    # few grams displaced first), whose slope holds for no more than its width.
    first_cost = evaluate(curve, capped, share[:1], np.array([True])).cost[0]
    blocks = np.flatnonzero(capped)
    past_t = (low + EDGE_TOL) * curve.base[blocks]
    initial = np.zeros(curve.n_blocks)
    initial[blocks] = _slope_right(curve, blocks, past_t)[1]
    initial *= curve.base  # USD per unit share
    by_block = np.lexsort((np.arange(len(block)), block))
    new = (above * curve.base[block])[by_block]
    first_of_block = np.ones(len(block), dtype=bool)
    first_of_block[1:] = block[by_block][1:] != block[by_block][:-1]
    before = np.where(first_of_block, initial[block[by_block]], np.roll(new, 1))
    jump = np.empty(len(block))
    jump[by_block] = new - before
    slope_above = initial.sum() + np.cumsum(jump)
    cost = first_cost + np.concatenate([[0.0], np.cumsum(slope_above[:-1] * np.diff(share))])
    # kinks closer than KINK_TOL are one breakpoint (the first's share; the last's slope)
    first = np.concatenate([[True], np.diff(share) > KINK_TOL])
    group = np.cumsum(first) - 1
    last = np.concatenate([first[1:], [True]])
    values = tidy_shares(share[first])
    price = np.where(values >= 1.0, 0.0, -slope_above[last] / 100.0) + 0.0
    changes = _grouped_changes(curve, block, thresholds, group)
    return Kinks(values, cost[first], price, changes)


def _raw_kinks(
    curve: CapCurve, capped: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every block's kinks: block, share, the slope above (USD per tonne), thresholds.

    Thresholds, as (n, 4): the prices up to which China's and the others' offers are in the
    cheapest plans below the kink, then above it.
    """
    seg = np.searchsorted(curve.seg_stop, np.arange(len(curve.col)), side="right")
    level_end = np.ones(len(seg), dtype=bool)
    level_end[:-1] = (seg[1:] != seg[:-1]) | (curve.price[1:] != curve.price[:-1])
    ends = np.flatnonzero(level_end & capped[seg // 2])
    block = seg[ends] // 2
    china = seg[ends] % 2 == 0
    d = curve.demand[block]
    cap_t = np.where(china, curve.end[ends], d - curve.end[ends])
    rest_t = np.where(china, d - curve.end[ends], curve.end[ends])
    t_free = curve.t_free[block]
    lowest = curve.lowest_cap_t()[block]
    keep = (cap_t > lowest) & (cap_t < t_free - _AT * d) & (cap_t <= curve.base[block])
    block, cap_t, rest_t = block[keep], cap_t[keep], rest_t[keep]
    share = curve.share_of(block, cap_t, rest_t, ~china[keep])
    below, above = curve.slopes(block, cap_t, rest_t)
    china_seg, rest_seg = 2 * block, 2 * block + 1
    thresholds = np.stack(
        [
            curve.price_before(china_seg, cap_t),
            curve.price_after(rest_seg, rest_t),
            curve.price_after(china_seg, cap_t),
            curve.price_before(rest_seg, rest_t),
        ],
        axis=1,
    )
    # where the cap stops binding: China's dearest purchase against the cheapest left
    free = _free_kinks(curve, capped)
    fb, ft, f_below, f_thresholds = free
    block = np.concatenate([block, fb])
    cap_t = np.concatenate([cap_t, ft])
    share = np.concatenate([share, ft / curve.base[fb]])
    below = np.concatenate([below, f_below])
    above = np.concatenate([above, np.zeros(len(fb))])
    thresholds = np.concatenate([thresholds, f_thresholds])
    kink = below != above
    return block[kink], share[kink], above[kink], thresholds[kink]


def _free_kinks(
    curve: CapCurve, capped: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The kink at ``t*`` in each block whose cap binds below it (see `_raw_kinks`)."""
    t_free, d = curve.t_free, curve.demand
    blocks = np.flatnonzero(
        capped & (t_free > curve.lowest_cap_t() + _AT * d) & (t_free <= curve.base)
    )
    dearest, cheapest_left = curve.china_last[blocks], curve.rest_next[blocks]
    p = curve.p_free[blocks]
    thresholds = np.stack([dearest, cheapest_left, p, p], axis=1)
    return blocks, t_free[blocks], dearest - cheapest_left, thresholds


def _grouped_changes(
    curve: CapCurve, block: np.ndarray, thresholds: np.ndarray, group: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The entries entering (+1) and leaving (-1) the cheapest plans at each kink group.

    As ``(group, col, sign)``, net within a group (an offer that enters and leaves at kinks
    closer than `KINK_TOL` does neither), sorted by group.
    """
    parts = []
    for side in (0, 1):
        seg = 2 * block + side
        before, after = thresholds[:, side], thresholds[:, 2 + side]
        for direction, low, high in ((1, before, after), (-1, after, before)):
            spans = curve.between(seg, low, high)
            length = spans[:, 1] - spans[:, 0]
            at = np.repeat(spans[:, 0] - np.cumsum(length) + length, length)
            entry = at + np.arange(int(length.sum()))
            owner = np.repeat(group, length)
            # an offer too small to count as bought (`FACE_TOL` of its demand) never moves
            big = curve.room[entry] > FACE_TOL * curve.demand[np.repeat(block, length)]
            moved = np.full(int(big.sum()), direction)
            parts.append((owner[big], curve.col[entry[big]], moved))
    g = np.concatenate([p[0] for p in parts])
    col = np.concatenate([p[1] for p in parts])
    sign = np.concatenate([p[2] for p in parts])
    order = np.lexsort((col, g))
    g, col, sign = g[order], col[order], sign[order]
    first = np.ones(len(g), dtype=bool)
    first[1:] = (g[1:] != g[:-1]) | (col[1:] != col[:-1])
    net = np.add.reduceat(sign, np.flatnonzero(first)) if len(g) else sign
    g, col = g[first], col[first]
    moved = net != 0
    return g[moved], col[moved], np.sign(net[moved])


def end_changes(
    curve: CapCurve, capped: np.ndarray, share: float, *, lower: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What changes at an end of the curve: its own cheapest plans against the piece next to it.

    At the lower end, the piece above against the end's plans; at the upper end, the end's
    plans against the piece below. As `_grouped_changes` (group 0).
    """
    block = np.flatnonzero(capped)
    d, t_free, p = curve.demand[block], curve.t_free[block], curve.p_free[block]
    cap_t = share * curve.base[block]
    rest_t = d - cap_t
    china_seg, rest_seg = 2 * block, 2 * block + 1
    flat = cap_t >= t_free - _AT * d  # the cap does not bind: the uncapped plans
    binding_side = cap_t <= t_free + _AT * d  # the piece towards lower caps binds
    near = np.abs(cap_t - t_free) <= _AT * d  # at t*: China as uncapped, no more
    own_china = np.where(flat, np.where(near, curve.china_last[block], p), 0.0)
    own_china = np.where(flat, own_china, curve.price_before(china_seg, cap_t))
    own_rest = np.where(flat, p, curve.price_before(rest_seg, rest_t))
    if lower:  # the piece above
        next_china = np.where(flat, p, curve.price_after(china_seg, cap_t))
        next_rest = np.where(flat, p, curve.price_before(rest_seg, rest_t))
        before, after = (own_china, own_rest), (next_china, next_rest)
    else:  # the piece below
        china_below = np.where(near, curve.china_last[block], curve.price_before(china_seg, cap_t))
        rest_below = np.where(near, curve.rest_next[block], curve.price_after(rest_seg, rest_t))
        prev_china = np.where(binding_side, china_below, p)
        prev_rest = np.where(binding_side, rest_below, p)
        before, after = (prev_china, prev_rest), (own_china, own_rest)
    thresholds = np.stack([before[0], before[1], after[0], after[1]], axis=1)
    return _grouped_changes(curve, block, thresholds, np.zeros(len(block), dtype=np.int64))


# --------------------------------------------------------------------------------------------
# what changes between grid points (a sweep without its breakpoints)
# --------------------------------------------------------------------------------------------
def grid_changes(curve: CapCurve, shares: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The offers the greedy plan buys at each of ``shares`` and not at the one before.

    ``shares`` are the optimal grid points in the table's order. The greedy plan under a cap
    buys a prefix of each side's price order: China's up to ``min(cap, t*)`` tonnes, the rest
    up to what remains of the demand. An offer counts as bought as a plan's does
    (`reopt.results.plan.BOUGHT_SHARE` of its product's demand). As `_grouped_changes`: the
    group is the share's position (the first share has none), +1 entering, -1 leaving.
    """
    none = np.zeros(0, dtype=np.int64)
    if len(shares) < 2:  # no share before another
        return none, none, none
    n_blocks = curve.n_blocks
    d = curve.demand
    china_t = np.minimum(shares[:, None] * curve.base[None, :], curve.t_free[None, :])
    tonnes = np.stack([china_t, d[None, :] - china_t], axis=2)  # (share, block, side)
    seg = np.broadcast_to(np.arange(2 * n_blocks).reshape(n_blocks, 2), tonnes.shape)
    least = BOUGHT_SHARE * d[seg // 2]
    start_key = curve.key.real + 1j * (curve.end - curve.room)
    bought = np.searchsorted(start_key, seg + 1j * (tonnes - least), side="left")
    bought = bought.reshape(len(shares), -1)
    parts = []
    for i in range(1, len(shares)):
        before, now = bought[i - 1], bought[i]
        low, high = np.minimum(before, now), np.maximum(before, now)
        length = high - low
        entry = np.repeat(low - np.cumsum(length) + length, length) + np.arange(length.sum())
        sign = np.repeat(np.where(now > before, 1, -1), length)
        big = curve.room[entry] > BOUGHT_SHARE * d[curve.key.real[entry].astype(np.int64) // 2]
        parts.append((np.full(int(big.sum()), i), curve.col[entry[big]], sign[big]))
    if not parts:
        return none, none, none
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))  # type: ignore[return-value]
