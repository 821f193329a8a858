"""`greedy_sweep`: a sweep of one cap read off one price order, every breakpoint exact.

When the default back end would solve each point by the greedy method and the swept cap
(the China cap, or any tonnes-basis `cap_share` swept with ``vary=``, one group per
product) is the market's only cap (no stock, no minimum orders), the whole cost curve is
known in closed form (`reopt.analysis.cap_curve`): each product's curve kinks where its
marginal capped offer, or the marginal offer it displaces, changes price, and where the cap
stops binding. China's share of each product is what China sells among the tonnes bought
on each side. So the sweep's table comes from one sort instead of one solve per point and
per breakpoint, with every breakpoint of the curve between the ends (none is left for lack
of solves), and the same rows and columns as `reopt.sweep`'s general path:

- grid rows, the ``min_feasible`` row and the breakpoints, with cost, the cap's price (what
  loosening it by one point saves: at a kink, the slope to the right), China's share of
  each product;
- ``entering`` / ``leaving`` on breakpoint rows and at the curve's ends: the offers of the
  cheapest plans just above against just below (every offer priced at or below the margin
  on each side, so offers tied in price come together).

With ``exact=False`` the table has the grid rows alone, each listing the offers its greedy
plan buys that the previous optimal row's does not (and the reverse), as the general path
compares consecutive plans.

The curve is checked against full solves: the first feasible grid point, every
`CHECK_EVERY`-th one after it, the last one and the feasibility limit are solved by the back
end and re-checked in numpy like any plan, and must agree in status, cost and China's
shares, else `SolverError`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from reopt.analysis.breakpoints import EDGE_TOL
from reopt.analysis.cap_curve import CapCurve, cap_curve
from reopt.analysis.curve_kinks import (
    CurveValues,
    Kinks,
    china_shares,
    end_changes,
    evaluate,
    find_kinks,
    grid_changes,
)
from reopt.analysis.engine import Engine
from reopt.analysis.limits import tidy_share
from reopt.analysis.points import demand_names, offer_names
from reopt.analysis.whatif import SweepSetup
from reopt.backends import Backend
from reopt.backends.auto import AutoBackend, greedy_for
from reopt.backends.greedy import SHORT
from reopt.data.market import Market
from reopt.errors import SolverError
from reopt.model.formulation import compile
from reopt.model.program import LinearProgram
from reopt.model.shares import Basis, Bound
from reopt.options import SolverOptions
from reopt.status import Status

__all__ = ["CHECK_EVERY", "GreedyTable", "greedy_sweep"]

#: Grid points between two full solves that check the curve (the first and last always).
CHECK_EVERY = 50
#: The table's rows without its attrs, the breakpoints and the feasibility limit.
GreedyTable = tuple[pd.DataFrame, list[float], float | None]


def greedy_sweep(
    setup: SweepSetup, backend: Backend, options: SolverOptions, *, exact: bool = True
) -> GreedyTable | None:
    """The sweep's table from the cap curve, or None when the curve does not apply.

    Without ``exact``, the grid rows alone, each listing the offers its greedy plan buys and
    the previous optimal row's does not (and the reverse), as the solve-per-point path does.
    """
    curve = _curve_for(setup, backend, options)
    if curve is None:
        return None
    values = np.asarray(setup.values, dtype=float)
    capped = curve.base > 0
    limit = _limit(curve, capped)
    ok = _feasible_at(curve, capped, values) if limit is not None else np.zeros(len(values), bool)
    grid = evaluate(curve, capped, values, ok)
    if not exact:
        table = _grid_table(setup, curve, capped, grid, values, ok)
        _check(setup, backend, options, values, ok, grid, (None, None), curve)
        return table, [], None
    known = [*values[ok].tolist(), *([limit] if limit is not None else [])]
    low, high = (min(known), max(known)) if known else (math.nan, math.nan)
    kinks = find_kinks(curve, capped, low, high) if len(known) >= 2 else Kinks.empty()
    kinks.values = _at_known(kinks.values, np.sort(known))
    edge = None if limit is None else evaluate(curve, capped, np.array([limit]), np.array([True]))
    table = _table(setup, curve, capped, grid, values, ok, kinks, (limit, edge), low, high)
    _check(setup, backend, options, values, ok, grid, (limit, edge), curve)
    return table, kinks.values.tolist(), limit


# --------------------------------------------------------------------------------------------
# when it applies
# --------------------------------------------------------------------------------------------
def _curve_for(setup: SweepSetup, backend: Backend, options: SolverOptions) -> CapCurve | None:
    """The cap curve of the setup's market, when the greedy method would solve every point."""
    policy, k = setup.policy, setup.varied
    if setup.parameter not in ("china_cap", "share") or policy is None or k is None:
        return None
    if not isinstance(backend, AutoBackend) or setup.market.is_mip:
        return None
    if setup.market.has_stock_balance or policy.basis is not Basis.TONNES:
        return None
    if policy.bound is not Bound.MAX:
        return None
    market, policies = setup.build(setup.values[0])
    lp = compile(market, policies)
    structure = greedy_for(lp, options)
    if isinstance(structure, str):
        return None
    return cap_curve(lp, structure, lp.rows_of(k), _china_columns(market, lp))


def _china_columns(market: Market, lp: LinearProgram) -> np.ndarray:
    """Which columns of ``lp`` buy from China."""
    enc = market.encoded
    labels = list(enc.labels["country"])
    china = np.zeros(lp.n_cols, dtype=bool)
    if "CN" in labels:
        offer = lp.col_offer
        is_offer = offer >= 0
        china[is_offer] = enc.codes["country"][offer[is_offer]] == labels.index("CN")
    return china


def _at_known(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """``values`` moved onto a solved share within `EDGE_TOL` (a kink at a grid point)."""
    if not len(values) or not len(known):
        return values
    i = np.clip(np.searchsorted(known, values), 1, max(len(known) - 1, 1))
    near = np.where(np.abs(known[i - 1] - values) <= np.abs(known[i] - values), i - 1, i)
    near = np.minimum(near, len(known) - 1)
    return np.where(np.abs(known[near] - values) <= EDGE_TOL, known[near], values)


def _limit(curve: CapCurve, capped: np.ndarray) -> float | None:
    """The smallest feasible cap, or None when no cap up to 100% is feasible."""
    if not curve.feasible():
        return None
    blocks = np.flatnonzero(capped)
    need = curve.lowest_cap_t()[blocks]
    rest = curve.total[2 * blocks + 1]  # what elsewhere sells at the limit: all it has
    lowest = np.where(need > 0, curve.share_of(blocks, need, rest, need > 0), 0.0)
    share = tidy_share(float(lowest.max(initial=0.0)))
    return share if share <= 1.0 and float(lowest.max(initial=0.0)) <= 1.0 else None


def _feasible_at(curve: CapCurve, capped: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Whether each cap meets every block's demand (within the greedy method's tolerance)."""
    need = curve.lowest_cap_t()[capped]
    slack = SHORT * curve.demand[capped]
    return (values[:, None] * curve.base[capped][None, :] >= need - slack).all(axis=1)


# --------------------------------------------------------------------------------------------
# the table, and its check against full solves
# --------------------------------------------------------------------------------------------
_ORDER = {"grid": 0, "min_feasible": 1, "breakpoint": 2}


def _table(
    setup: SweepSetup,
    curve: CapCurve,
    capped: np.ndarray,
    grid: CurveValues,
    values: np.ndarray,
    ok: np.ndarray,
    kinks: Kinks,
    at_limit: tuple[float | None, CurveValues | None],
    low: float,
    high: float,
) -> pd.DataFrame:
    """The rows of `reopt.sweep`'s table: grid, limit and breakpoints, sorted by share.

    ``at_limit``: the feasibility limit and the curve there (None, None without one).
    """
    names = offer_names(setup.market)
    products = demand_names(setup.market)
    limit, edge = at_limit
    share = [values]
    kind = [np.full(len(values), "grid", dtype=object)]
    status = [np.where(ok, Status.OPTIMAL.value, Status.INFEASIBLE.value).astype(object)]
    cost, price, china = [grid.cost], [grid.price], [grid.china]
    if limit is not None and edge is not None:
        share.append(np.array([limit]))
        kind.append(np.array(["min_feasible"], dtype=object))
        status.append(np.array([Status.OPTIMAL.value], dtype=object))
        cost.append(edge.cost)
        price.append(edge.price)
        china.append(edge.china)
    n_kinks = len(kinks.values)
    share.append(kinks.values)
    kind.append(np.full(n_kinks, "breakpoint", dtype=object))
    status.append(np.full(n_kinks, Status.OPTIMAL.value, dtype=object))
    cost.append(kinks.cost)
    price.append(kinks.price)
    china.append(china_shares(curve, capped, kinks.values))

    all_share = np.concatenate(share)
    all_kind = np.concatenate(kind)
    order = np.lexsort((np.array([_ORDER[k] for k in all_kind]), all_share))
    entering = np.full(len(all_share), "", dtype=object)
    leaving = np.full(len(all_share), "", dtype=object)
    row_of_kink = len(all_share) - n_kinks + np.arange(n_kinks)  # rows before sorting
    _write_changes(entering, leaving, names, row_of_kink, kinks.changes)
    if n_kinks or low < high:
        sorted_share, sorted_kind = all_share[order], all_kind[order]
        for end, lower in ((low, True), (high, False)):
            if not math.isfinite(end) or not (end == limit or end in (0.0, 1.0)) or low == high:
                continue
            rows = np.flatnonzero((sorted_share == end) & (sorted_kind != "breakpoint"))
            if len(rows):
                target = order[rows[-1]]
                changes = end_changes(curve, capped, end, lower=lower)
                _write_changes(entering, leaving, names, np.array([target]), changes)

    columns: dict[str, object] = {
        setup.parameter: all_share,
        "point": all_kind,
        "status": np.concatenate(status),
        "cost_usd": np.concatenate(cost),
        "price_usd_per_pp": np.concatenate(price),
    }
    shares = np.concatenate(china, axis=0)
    by_row = np.full((len(all_share), len(products)), np.nan)
    by_row[:, curve.demand_row] = shares
    for j, product in enumerate(products):
        columns[f"china_share:{product}"] = by_row[:, j]
    columns["entering"] = entering
    columns["leaving"] = leaving
    return pd.DataFrame(columns).iloc[order].reset_index(drop=True)


def _grid_table(
    setup: SweepSetup,
    curve: CapCurve,
    capped: np.ndarray,
    grid: CurveValues,
    values: np.ndarray,
    ok: np.ndarray,
) -> pd.DataFrame:
    """The grid rows alone, sorted by share, with what changes between optimal rows."""
    order = np.argsort(values, kind="stable")
    kinks = Kinks.empty()
    table = _table(setup, curve, capped, grid, values, ok, kinks, (None, None), 0.0, 0.0)
    solved = order[ok[order]]  # the optimal rows in the table's order
    entering = np.full(len(values), "", dtype=object)
    leaving = np.full(len(values), "", dtype=object)
    rows = np.flatnonzero(ok[order])
    _write_changes(
        entering, leaving, offer_names(setup.market), rows, grid_changes(curve, values[solved])
    )
    return table.assign(entering=entering, leaving=leaving)


def _write_changes(
    entering: np.ndarray,
    leaving: np.ndarray,
    names: np.ndarray,
    rows: np.ndarray,
    changes: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Write each group's entering and leaving offers (sorted names) into its row."""
    group, col, sign = changes
    for target, sign_value in ((entering, 1), (leaving, -1)):
        pick = sign == sign_value
        g, c = group[pick], col[pick]
        if not len(g):
            continue
        text = names[c]
        order = np.lexsort((text, g))
        g, words = g[order], text[order].tolist()
        cuts = np.flatnonzero(np.diff(g)) + 1
        starts = [0, *cuts.tolist()]
        stops = [*cuts.tolist(), len(words)]
        for k, a, b in zip(g[starts].tolist(), starts, stops, strict=True):
            target[rows[k]] = words[a] if b == a + 1 else "; ".join(words[a:b])


def _check(
    setup: SweepSetup,
    backend: Backend,
    options: SolverOptions,
    values: np.ndarray,
    ok: np.ndarray,
    grid: CurveValues,
    at_limit: tuple[float | None, CurveValues | None],
    curve: CapCurve,
) -> None:
    """Solve the first, every `CHECK_EVERY`-th, the last feasible grid point and the limit."""
    engine = Engine(backend, options, warm=False)
    feasible = np.flatnonzero(ok)
    picks = sorted({*feasible[::CHECK_EVERY].tolist(), *feasible[-1:].tolist()})
    if len(feasible) < len(values):  # an infeasible point, too
        picks.append(int(np.flatnonzero(~ok)[0]))
    products = demand_names(setup.market)
    # rounding is relative to the money the market is made of, not to a point's cost
    money = float(np.abs(curve.price).max(initial=0.0) * curve.demand.sum())
    slack = max(1e-6, 1e-12 * money)
    for i in picks:
        point = engine.point(setup, float(values[i]), "grid")
        expected = Status.OPTIMAL if ok[i] else Status.INFEASIBLE
        china = np.array([point.china.get(p, math.nan) for p in products])[curve.demand_row]
        agree = point.status is expected
        if agree and ok[i]:
            agree = math.isclose(point.cost_usd, grid.cost[i], rel_tol=1e-9, abs_tol=slack)
            agree &= bool(np.allclose(china, grid.china[i], rtol=0.0, atol=1e-9))
        if not agree:
            raise SolverError(
                f"the cap curve disagrees with a solve at {setup.parameter}={values[i]:g}: "
                f"{expected.value} USD {grid.cost[i]:.10g} against {point.status.value} "
                f"USD {point.cost_usd:.10g}"
            )
    limit, edge = at_limit
    if limit is not None and edge is not None:
        point = engine.point(setup, limit, "min_feasible")
        expect = float(edge.cost[0])
        if point.status is not Status.OPTIMAL or not math.isclose(
            point.cost_usd, expect, rel_tol=1e-9, abs_tol=slack
        ):
            raise SolverError(
                f"the cap curve's feasibility limit {limit:.12g} disagrees with a solve "
                f"there: {point.status.value} USD {point.cost_usd:.10g} against {expect:.10g}"
            )
