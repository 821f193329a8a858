"""`sweep`: plans along one parameter, as a tidy table, with the curve's exact kinks.

A sweep solves the market at each value of one parameter (`reopt.analysis.whatif`):

- ``china_cap=[...]``: the cap on China's share of each product;
- ``vary=policy, shares=[...]``: the bound of any share policy (a recycled-content floor, an
  each-country cap, ...);
- ``scale_price=``, ``scale_capacity=`` or ``scale_demand=`` a filter (``{"country": "CN"}``)
  with ``factors=[...]``: prices, capacities or demand of the matching offers or products
  multiplied by each factor.

Each point is a full `reopt.solve`, warm-started where the back end allows
(`reopt.analysis.engine`), summarised as one row (`sweep_table`). For a share sweep the
table also has the feasibility limit (`reopt.analysis.limits`) and, on a tonnes basis, the
exact breakpoints of the cost curve (`reopt.analysis.breakpoints`).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from reopt.analysis.breakpoints import EDGE_TOL, find_breakpoints
from reopt.analysis.engine import Engine, can_warm_start, grid_runs, map_cold, solve_run
from reopt.analysis.executors import as_executor
from reopt.analysis.greedy_sweep import greedy_sweep
from reopt.analysis.limits import limit_point
from reopt.analysis.points import SweepPoint, bought_mask, demand_names, offer_names
from reopt.analysis.whatif import SweepSetup, setup_sweep
from reopt.backends import Backend
from reopt.data.market import Market
from reopt.errors import InputError, Problem
from reopt.model.policy import Policy
from reopt.model.shares import Basis, Bound, SharePolicy
from reopt.options import DEFAULT_SOLVER, Method, SolverOptions
from reopt.progress import Progress
from reopt.results.planning import check_solver
from reopt.status import Status

__all__ = ["sweep", "sweep_table"]


def sweep(
    market: Market,
    *,
    china_cap: float | str | Iterable[float | str] | None = None,
    vary: SharePolicy | None = None,
    shares: Iterable[float] | None = None,
    scale_price: Mapping[str, object] | None = None,
    scale_capacity: Mapping[str, object] | None = None,
    scale_demand: Mapping[str, object] | None = None,
    factors: Iterable[float] | None = None,
    policies: Iterable[Policy] = (),
    solver: str | Any = DEFAULT_SOLVER,
    options: SolverOptions | None = None,
    executor: Any = None,
    progress: bool | None = None,
    exact: bool = True,
) -> pd.DataFrame:
    """Solve ``market`` along one parameter; one row per point, infeasible points included.

    Parameters
    ----------
    market : Market
    china_cap : iterable of float or str, or one float or str
        A list: the caps on China's share of each product to sweep
        (``cap_share(c, country="CN")``). One value: a cap held at every point of another
        sweep, as `reopt.solve` reads it (``reopt whatif --china-cap``). Shares are
        ``0.6`` or ``"60%"`` (`reopt.share_rule`).
    vary, shares : SharePolicy and iterable of float
        Sweep the bound of ``vary`` (its own share is ignored) over ``shares``.
    scale_price, scale_capacity : mapping
        A filter on offers, e.g. ``{"country": "CN"}`` or ``{"source": ["a", "b"]}`` (keys:
        country, refined_in, kind, source, product, period); with ``factors``.
    scale_demand : mapping
        A filter on demand (``{"product": "Dy oxide"}``, ``{}`` for all); with ``factors``.
    factors : iterable of float
        Multipliers (>= 0) for the ``scale_*`` what-if.
    policies : iterable of Policy
        Policies in force at every point.
    solver, options
        As for `reopt.solve`. With a back end that warm-starts (HiGHS), the grid is solved
        in runs of 25 neighbouring points, each point re-solved from the last one's basis;
        the first run starts from scratch and each next one from the basis at which the run
        before it ended its first point (`reopt.analysis.engine.grid_runs`).
    executor : concurrent.futures.Executor or distributed.Client, optional
        Solve the grid's runs there, one task each (`reopt.analysis.executors`): a
        `reopt.process_executor`, a Dask client, or threads with the PuLP back ends. The
        table is the serial one, value for value, in the same order; a worker that dies is
        a `SolverError` naming the points of its run.
    progress : bool, optional
        Show a progress bar; by default only when interactive (a terminal or a notebook).
    exact : bool, default=True
        For share sweeps, also find the breakpoints and the feasibility limit; False solves
        the grid only.

    Returns
    -------
    pandas.DataFrame
        Sorted by the parameter: the parameter (``china_cap``, ``share`` or ``factor``),
        ``point`` (``grid``, ``breakpoint``, ``min_feasible`` / ``max_feasible``),
        ``status``, ``cost_usd``, ``price_usd_per_pp`` (for share sweeps: the cost saved by
        loosening the swept bound by one percentage point, all its rows together),
        ``china_share:<product>`` for each product, and ``entering`` / ``leaving``: the
        offers (``source / product``) that come into the plan and drop out of it as the
        parameter rises through this row, each a ``"; "``-joined text.

        With the breakpoints (a tonnes-basis share sweep, ``exact=True``), an offer is in
        the plan on a piece of the curve when at least one cheapest plan there buys it;
        that set is the same all along the piece, whichever cheapest plan the solver
        returns, so offers enter and leave only on ``breakpoint`` rows (the piece below
        against the piece above) and at the ends of the curve: the ``min_feasible`` /
        ``max_feasible`` row, and a row at a share of 0 or 1 (the end's own cheapest plans
        against the piece next to it), the same on any grid.
        Offers tied in price are listed together. Other sweeps compare each optimal point's
        plan with the previous one's.

        ``table.attrs`` holds the same in typed form: ``parameter`` (the parameter's column),
        ``breakpoints`` (the sorted shares of the ``breakpoint`` rows) and
        ``feasibility_limit`` (the ``min_feasible`` / ``max_feasible`` share, or None); and
        ``method``: ``"solves"``, or ``"greedy curve"`` for a sweep of one cap (the China
        cap, or a tonnes-basis `cap_share` given as ``vary``, one group per product) that
        the default back end solves by the greedy method with that cap as the only cap
        (`reopt.analysis.greedy_sweep`). That table is read off one price order: every
        breakpoint between the ends is there, however many (no search budget applies), and
        some grid points and the limit are solved in full to check it. With
        ``exact=False`` it has the grid rows alone, as the other sweeps do.

    Examples
    --------
    >>> import reopt
    >>> curve = reopt.sweep(reopt.datasets.japan_2025(), china_cap=[0.6, 0.8, 1.0])
    >>> grid = curve[curve["point"] == "grid"]
    >>> print(grid[["china_cap", "status"]].to_string(index=False))
     china_cap  status
           0.6 optimal
           0.8 optimal
           1.0 optimal
    """
    setup = setup_sweep(
        market,
        china_cap=china_cap,
        vary=vary,
        shares=shares,
        scale_price=scale_price,
        scale_capacity=scale_capacity,
        scale_demand=scale_demand,
        factors=factors,
        policies=policies,
    )
    backend, options = check_solver(solver, options)
    executor = as_executor(executor)
    engine = Engine(backend, options, warm=can_warm_start(backend, market, None))
    exact = exact and setup.policy is not None and not market.is_mip
    # the breakpoint search starts from each grid point's piece of the curve
    spans = exact and setup.policy is not None and setup.policy.basis is Basis.TONNES
    spans = spans and not market.has_stock_balance  # shares there are not right-hand sides
    if spans and not backend.at_vertex(options):
        raise InputError([_not_at_vertex(backend, options)])
    bar = Progress(len(setup.values), label="sweep", enabled=progress)
    with bar:
        # a China-cap sweep the greedy method solves: the whole curve in closed form
        found = greedy_sweep(setup, backend, options, exact=exact)
        if found is not None:
            bar.update(len(setup.values))
            table, breakpoints, limit = found
            return _with_attrs(table, setup, breakpoints, limit, method="greedy curve")
        if executor is not None:
            points = map_cold(setup, solver, options, executor, bar.update, span=spans)
        else:  # the same runs, from the same starts, as the workers would solve
            points, start = [], None
            for run in grid_runs(setup.values):
                solved, start = solve_run(setup, run, backend, options, spans, bar.update, start)
                points += solved
        if exact:  # in this process, from a new session, whatever solved the grid
            points += limit_point(setup, engine, span=spans)
            if spans:
                points += find_breakpoints(setup, engine, points)
    return sweep_table(setup, points)


def _not_at_vertex(backend: Backend, options: SolverOptions) -> Problem:
    """The problem with a method that ends near a vertex, not at one."""
    if options.method is Method.PDLP:
        what = "PDLP"
    elif options.method is Method.IPM:
        what = f"{backend.name.upper()} interior point"
    else:
        what = f"{backend.name} with method {options.method.value!r}"
    return Problem(
        "options",
        "sweep()",
        "method",
        options.method.value,
        f"exact breakpoints need answers at a vertex; {what} stops near one, without crossover",
        "use method='simplex' (CLI --method simplex), or exact=False (--grid-only)",
    )


def sweep_table(setup: SweepSetup, points: list[SweepPoint]) -> pd.DataFrame:
    """The sweep's table (see `sweep`), sorted by the parameter, with its ``attrs``."""
    order = {"grid": 0, "min_feasible": 1, "max_feasible": 1, "breakpoint": 2}
    pieces = sorted((p for p in points if p.kind == "piece"), key=lambda p: p.value)
    rows = (p for p in points if p.kind != "piece")
    points = sorted(rows, key=lambda p: (p.value, order[p.kind]))
    if pieces and setup.policy is not None:
        points = _priced_on_the_loosening_side(points, pieces, setup.policy)
    products = demand_names(setup.market)
    names = offer_names(setup.market)
    n_offers = setup.market.n_offers
    changes = _changes_at_kinks(points, pieces) if pieces else _changes_between(points, n_offers)
    records = []
    for p, (came, went) in zip(points, changes, strict=True):
        record: dict[str, object] = {
            setup.parameter: p.value,
            "point": p.kind,
            "status": p.status.value,
            "cost_usd": p.cost_usd,
            "price_usd_per_pp": p.price_usd_per_pp,
        }
        for product in products:
            record[f"china_share:{product}"] = p.china.get(product, math.nan)
        record["entering"] = "; ".join(sorted(names[came]))
        record["leaving"] = "; ".join(sorted(names[went]))
        records.append(record)
    table = pd.DataFrame.from_records(records)
    if setup.varied is None:
        table = table.drop(columns=["price_usd_per_pp"])
    limits = [p.value for p in points if p.kind in ("min_feasible", "max_feasible")]
    breakpoints = sorted({p.value for p in points if p.kind == "breakpoint"})
    return _with_attrs(table, setup, breakpoints, limits[0] if limits else None)


def _priced_on_the_loosening_side(
    points: list[SweepPoint], pieces: list[SweepPoint], policy: SharePolicy
) -> list[SweepPoint]:
    """``points``, each at a kink priced as the piece on its loosening side prices it.

    At a breakpoint the swept rows' dual is not unique: any price between the slopes of the
    pieces either side proves the plan optimal, and HiGHS returned the tightening side's
    (89,206 USD per point where loosening saves 25,442). The table's price is what
    loosening saves: the price of the piece that starts there (above a cap, below a floor).
    """
    above = policy.bound is Bound.MAX
    starts = {}
    for piece in pieces:
        if piece.span is None or piece.span[0] >= piece.span[1]:
            continue  # (an end of the curve: a piece of no width)
        starts[piece.span[0] if above else piece.span[1]] = piece.price_usd_per_pp
    if not starts:
        return points
    kinks = np.array(sorted(starts))
    out = []
    for point in points:
        k = int(np.argmin(np.abs(kinks - point.value)))
        if point.status is Status.OPTIMAL and abs(kinks[k] - point.value) <= EDGE_TOL:
            point = replace(point, price_usd_per_pp=starts[float(kinks[k])])
        out.append(point)
    return out


def _with_attrs(
    table: pd.DataFrame,
    setup: SweepSetup,
    breakpoints: list[float],
    limit: float | None,
    *,
    method: str = "solves",
) -> pd.DataFrame:
    """``table`` with the sweep's ``attrs`` (see `sweep`)."""
    table.attrs["parameter"] = setup.parameter
    table.attrs["method"] = method
    if setup.scaled is not None:
        table.attrs["scaled"] = setup.scaled
    table.attrs["breakpoints"] = breakpoints
    table.attrs["feasibility_limit"] = limit
    return table


def _changes_between(
    points: list[SweepPoint], n_offers: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Offers bought at each optimal point and not at the previous one, and the reverse."""
    changes: list[tuple[np.ndarray, np.ndarray]] = []
    previous: np.ndarray | None = None
    nothing = np.zeros(0, dtype=np.int64)
    for p in points:
        came = went = nothing
        if p.status is Status.OPTIMAL:
            now = bought_mask(p, n_offers)
            if previous is not None:
                came, went = np.flatnonzero(now & ~previous), np.flatnonzero(previous & ~now)
            previous = now
        changes.append((came, went))
    return changes


def _changes_at_kinks(
    points: list[SweepPoint], pieces: list[SweepPoint]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Offers entering and leaving at each breakpoint and at the ends of the curve.

    At a breakpoint: the offers of the piece above it (those bought in at least one
    cheapest plan there, `SweepPoint.cheapest`) that the piece below does not have, and the
    reverse. At an end (the feasibility limit, a share of 0 or 1; a ``piece`` of no width):
    between that end's own cheapest plans and the piece next to it, on the end's last row
    (the ``min_feasible`` / ``max_feasible`` one, where a grid point shares its value).
    Nothing changes inside a piece.
    """
    spans = [p.span or (p.value, p.value) for p in pieces]
    inner = [(p.value, p.cheapest) for p, (a, b) in zip(pieces, spans, strict=True) if a < b]
    middles = [value for value, _ in inner]
    ends = {a: p.cheapest for p, (a, b) in zip(pieces, spans, strict=True) if a == b}
    last_row = {p.value: i for i, p in enumerate(points) if p.kind != "breakpoint"}
    changes: list[tuple[np.ndarray, np.ndarray]] = []
    for i, p in enumerate(points):
        below = above = None
        k = bisect.bisect_left(middles, p.value)
        if p.kind == "breakpoint" and 0 < k < len(inner):
            below, above = inner[k - 1][1], inner[k][1]
        elif p.value in ends and last_row.get(p.value) == i and inner:
            if k < len(inner):  # the lower end: the piece above it
                below, above = ends[p.value], inner[k][1]
            else:  # the upper end
                below, above = inner[k - 1][1], ends[p.value]
        if below is None or above is None:
            below = above = frozenset()
        changes.append((_positions(above - below), _positions(below - above)))
    return changes


def _positions(offers: frozenset[int]) -> np.ndarray:
    """``offers`` as sorted positions, as `_changes_between` gives them."""
    return np.array(sorted(offers), dtype=np.int64)
