"""The exact breakpoints of a share sweep's cost curve, between its solved points.

When the swept parameter is a share bound on a tonnes basis, the cost is a convex
piecewise-linear function of it. Each solved point comes with its piece of the curve (the
exact span of its price, `reopt.results.ranging.policy_span`); a piece's ends inside the
swept range are breakpoints, and where two neighbouring pieces do not meet, the point where
their lines cross is solved for the piece between (`KinkSearch`). Where a point has no
piece (its ranging failed), the tangents of its neighbours locate the kink. Between the
breakpoints, one point per piece names the offers its cheapest plans buy (`piece_points`).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import warnings
from dataclasses import replace

from reopt.analysis.engine import Engine
from reopt.analysis.limits import tidy_share
from reopt.analysis.points import SweepPoint
from reopt.analysis.whatif import SweepSetup
from reopt.errors import ReoptWarning
from reopt.model.shares import Bound, SharePolicy
from reopt.status import Status

__all__ = [
    "EDGE_TOL",
    "KINK_TOL",
    "MAX_KINK_SOLVES",
    "KinkSearch",
    "find_breakpoints",
    "piece_points",
    "slope",
]

#: The most extra solves the breakpoint search may spend.
MAX_KINK_SOLVES = 500
#: Breakpoints closer than this are one, and gaps between pieces narrower than this closed.
KINK_TOL = 1e-7
#: A piece's end this close to a solved point is at that point.
EDGE_TOL = 1e-9


def find_breakpoints(
    setup: SweepSetup, engine: Engine, points: list[SweepPoint]
) -> list[SweepPoint]:
    """The exact breakpoints between the sweep's optimal points (see `KinkSearch`).

    Followed by the ``piece`` points of the pieces between them (`piece_points`).
    """
    known = sorted(
        (p for p in points if p.status is Status.OPTIMAL and math.isfinite(p.price_usd_per_pp)),
        key=lambda p: p.value,
    )
    if len(known) < 2:
        return []
    found = KinkSearch(setup, engine, known).run()
    return found + piece_points(setup, engine, known, found)


def piece_points(
    setup: SweepSetup, engine: Engine, known: list[SweepPoint], found: list[SweepPoint]
) -> list[SweepPoint]:
    """A ``piece`` point at the middle of every piece between the breakpoints, and at the ends.

    Each says which offers the piece's cheapest plans buy (`SweepPoint.cheapest`): the same
    set at every share inside a piece (the optimal face changes only where the curve kinks),
    so the offers entering or leaving are those of the pieces either side of a breakpoint,
    whatever points the grid has and whichever cheapest plan the solver returns. Its
    ``span`` is the piece. An end of the curve -- the feasibility limit, or a share of 0 or
    1 where the swept bound starts or stops binding -- gets a point of its own (a piece of
    no width), since its cheapest plans may buy fewer offers than the piece next to it. One
    solve per piece and per end.
    """
    low, high = known[0].value, known[-1].value
    cuts = sorted({low, high, *(p.value for p in found)})
    pieces = list(itertools.pairwise(cuts))
    limits = {p.value for p in known if p.kind in ("min_feasible", "max_feasible")}
    for end in sorted({low, high}):
        if end in limits or end in (0.0, 1.0):
            pieces.append((end, end))
    points = []
    for a, b in pieces:
        point = engine.point(setup, 0.5 * (a + b), "piece", cheapest=True)
        if point.status is Status.OPTIMAL and point.cheapest is not None:
            points.append(replace(point, span=(a, b)))
    return points


def slope(policy: SharePolicy, point: SweepPoint) -> float:
    """d(cost)/d(share), in USD per unit share, from the swept policy's price."""
    sign = -1.0 if policy.bound is Bound.MAX else 1.0
    return sign * 100.0 * point.price_usd_per_pp


class BudgetSpent(Exception):
    """The breakpoint search used its last extra solve."""


class KinkSearch:
    """Breakpoints between the optimal points of a share sweep, each one exact.

    Every point knows its piece of the curve (`SweepPoint.span`): the shares over which its
    prices hold. A piece that ends strictly inside the swept range ends at a breakpoint,
    which is solved where the piece says. Between the end of one point's piece and the
    start of the next point's, the curve is unknown: the two pieces' lines meet at a share
    inside that gap (the curve is convex), and the point solved there brings a new piece
    that narrows it. Gaps are searched widest first until each is closed or
    `MAX_KINK_SOLVES` extra solves are spent.
    """

    def __init__(self, setup: SweepSetup, engine: Engine, known: list[SweepPoint]) -> None:
        assert setup.policy is not None
        self.setup, self.engine, self.policy = setup, engine, setup.policy
        self.ends = (known[0].value, known[-1].value)  # the curve is not known beyond them
        self.found: dict[float, SweepPoint] = {}
        self.sorted_found: list[float] = []  # the same shares, in order, for `near_found`
        self.budget = MAX_KINK_SOLVES
        self.queue: list[tuple[float, int, SweepPoint, SweepPoint]] = []
        self.counter = itertools.count()
        for a, b in itertools.pairwise(known):
            self.push(a, b)

    def run(self) -> list[SweepPoint]:
        """Search every gap; the breakpoints found, with a warning if the budget ran out."""
        try:
            while self.queue:
                _, _, a, b = heapq.heappop(self.queue)
                self.close(a, b)
        except BudgetSpent:
            _warn_budget(len(self.queue) + 1)
        return list(self.found.values())

    def push(self, a: SweepPoint, b: SweepPoint) -> None:
        """Queue the stretch between ``a`` and ``b`` (widest first)."""
        if b.value > a.value:
            heapq.heappush(self.queue, (-(b.value - a.value), next(self.counter), a, b))

    def close(self, a: SweepPoint, b: SweepPoint) -> None:
        """Find the breakpoints strictly between ``a`` and ``b``."""
        if a.span is None or b.span is None:
            self.close_by_tangents(a, b)
            return
        low, high = a.span[1], b.span[0]  # where a's piece ends and b's begins
        if low < b.value - EDGE_TOL:
            self.breakpoint(low, a)  # (a itself, where its piece ends there)
        if high > a.value + EDGE_TOL:
            self.breakpoint(high, b)
        if low >= b.value - EDGE_TOL or high <= a.value + EDGE_TOL or high - low <= KINK_TOL:
            return  # a's piece reaches b, or b's reaches a, or the two meet
        c = self.tangents_meet(a, b)
        if not low + KINK_TOL < c < high - KINK_TOL:
            c = 0.5 * (low + high)  # the lines meet at a gap's end (rounding): halve it
        mid = self.solve(c, span=True)
        if mid is not None:
            self.push(a, mid)
            self.push(mid, b)

    def breakpoint(self, value: float, beside: SweepPoint) -> None:
        """Record the breakpoint at ``value``, the end of ``beside``'s piece."""
        if not self.ends[0] + EDGE_TOL < value < self.ends[1] - EDGE_TOL:
            return  # the piece runs to the end of the known curve
        value = tidy_share(value)
        if self.near_found(value):
            return
        if abs(value - beside.value) <= EDGE_TOL:
            self.record(replace(beside, kind="breakpoint", span=None))
            return
        point = self.solve(value, span=False)
        if point is not None:
            self.record(point)

    def near_found(self, value: float) -> bool:
        """Whether a breakpoint within `KINK_TOL` of ``value`` is already recorded."""
        i = bisect.bisect_left(self.sorted_found, value)
        neighbours = self.sorted_found[max(i - 1, 0) : i + 1]
        return any(abs(value - v) <= KINK_TOL for v in neighbours)

    def record(self, point: SweepPoint) -> None:
        """Keep ``point`` as a breakpoint."""
        self.found[point.value] = point
        bisect.insort(self.sorted_found, point.value)

    def tangents_meet(self, a: SweepPoint, b: SweepPoint) -> float:
        """The share where the lines through ``a`` and ``b`` (their slopes) cross."""
        sa, sb = slope(self.policy, a), slope(self.policy, b)
        if sa == sb:
            return 0.5 * (a.value + b.value)
        return (b.cost_usd - a.cost_usd + sa * a.value - sb * b.value) / (sa - sb)

    def close_by_tangents(self, a: SweepPoint, b: SweepPoint) -> None:
        """Without a piece for ``a`` or ``b`` (their ranging failed): the tangent test."""
        sa, sb = slope(self.policy, a), slope(self.policy, b)
        if abs(sa - sb) <= 1e-9 * max(abs(sa), abs(sb)):
            return  # one straight piece, as far as the prices tell
        c = min(max(self.tangents_meet(a, b), a.value), b.value)
        if c - a.value <= KINK_TOL or b.value - c <= KINK_TOL:
            self.breakpoint(c, a if c - a.value <= KINK_TOL else b)
            return
        mid = self.solve(c, span=True)
        if mid is None:
            return
        scale = max(abs(a.cost_usd), abs(b.cost_usd), 1.0)
        if abs(mid.cost_usd - (a.cost_usd + sa * (c - a.value))) <= 1e-9 * scale + 1e-6:
            self.breakpoint(c, mid)  # both tangents touch the curve at c: the kink
        else:
            self.push(a, mid)
            self.push(mid, b)

    def solve(self, value: float, *, span: bool) -> SweepPoint | None:
        """Spend one extra solve; None where the point has no price (never on a convex curve)."""
        if self.budget <= 0:
            raise BudgetSpent
        self.budget -= 1
        point = self.engine.point(self.setup, value, "breakpoint", span=span)
        if point.status is not Status.OPTIMAL or not math.isfinite(point.price_usd_per_pp):
            return None
        return point


def _warn_budget(unresolved: int) -> None:
    warnings.warn(
        f"sweep: the breakpoint search stopped after {MAX_KINK_SOLVES} extra solves with "
        f"{unresolved} stretches of the curve unresolved, so some breakpoints between grid "
        "points are missing (those listed are exact); sweep a narrower range to resolve more",
        ReoptWarning,
        stacklevel=5,
    )
