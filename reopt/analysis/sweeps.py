"""`sweep`: plans along one parameter, as a tidy table, with the curve's exact kinks.

A sweep solves the market at each value of one parameter:

- ``china_cap=[...]``: the cap on China's share of each product;
- ``vary=policy, shares=[...]``: the bound of any share policy (a recycled-content floor, an
  each-country cap, ...);
- ``scale_price=``, ``scale_capacity=`` or ``scale_demand=`` a filter (``{"country": "CN"}``)
  with ``factors=[...]``: prices, capacities or demand of the matching offers or products
  multiplied by each factor.

Each point is a full `reopt.solve` (statuses, the numpy check, infeasibility confirmed),
summarised as one row. With HiGHS and no executor, one HiGHS model is kept and only what
moves between points is changed (bounds, costs, coefficients), so each point re-solves from
the previous basis; a cold solve re-checks every `COLD_CHECK_EVERY`-th warm point, and a
disagreement raises `SolverError`.

When the swept parameter is a share bound on a tonnes basis, the cost is a convex
piecewise-linear function of it. The sweep then adds, exactly (not on the grid), the
**breakpoints** where the slope changes and the **feasibility limit**: the smallest feasible
cap (the largest feasible floor), from an LP that minimises the share (maximises it for a
floor) directly. Each solved point comes with its piece of the curve (the exact span of its
price); a piece's ends inside the swept range are breakpoints, and where two neighbouring
pieces do not meet, the point where their lines cross is solved for the piece between.
"""

from __future__ import annotations

import bisect
import difflib
import heapq
import itertools
import math
import numbers
import warnings
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from reopt.backends import Solution
from reopt.backends.highs import (
    apply_settings,
    default_settings,
    new_highs,
    pass_model,
    read_solution,
    run,
    solve_highs,
)
from reopt.data.market import Encoded, Market, readonly
from reopt.errors import InputError, Problem, ProblemList, ReoptWarning, SolverError
from reopt.model.formulation import LinearProgram, _csr, compile
from reopt.model.policies import Basis, Bound, SharePolicy, cap_share, check_share
from reopt.options import Method, SolverOptions
from reopt.progress import Progress
from reopt.results.plan import BOUGHT_T, Plan
from reopt.results.planning import _check_options, _plan, _run, policies_for
from reopt.results.ranging import SMALLEST_ENTRY, policy_span, size_scales
from reopt.status import Status

__all__ = ["COLD_CHECK_EVERY", "feasibility_limit", "sweep"]

#: A warm-started point is compared with a cold solve this often (and the first one always).
COLD_CHECK_EVERY = 25
#: The most extra solves the breakpoint search may spend.
MAX_KINK_SOLVES = 500
#: Breakpoints closer than this are one, and gaps between pieces narrower than this closed.
KINK_TOL = 1e-7
#: A piece's end this close to a solved point is at that point.
EDGE_TOL = 1e-9
#: Offer columns a what-if filter may name, and demand columns for ``scale_demand``.
OFFER_FILTERS = ("country", "refined_in", "kind", "source", "product", "period")
DEMAND_FILTERS = ("product", "period")


def sweep(
    market: Market,
    *,
    china_cap: Iterable[float] | None = None,
    vary: SharePolicy | None = None,
    shares: Iterable[float] | None = None,
    scale_price: Mapping[str, object] | None = None,
    scale_capacity: Mapping[str, object] | None = None,
    scale_demand: Mapping[str, object] | None = None,
    factors: Iterable[float] | None = None,
    policies: Iterable[SharePolicy] = (),
    solver: str | Any = "highs",
    options: SolverOptions | None = None,
    executor: Executor | None = None,
    progress: bool | None = None,
    exact: bool = True,
) -> pd.DataFrame:
    """Solve ``market`` along one parameter; one row per point, infeasible points included.

    Parameters
    ----------
    market : Market
    china_cap : iterable of float
        Caps on China's share of each product (``cap_share(c, country="CN")``).
    vary, shares : SharePolicy and iterable of float
        Sweep the bound of ``vary`` (its own share is ignored) over ``shares``.
    scale_price, scale_capacity : mapping
        A filter on offers, e.g. ``{"country": "CN"}`` or ``{"source": ["a", "b"]}`` (keys:
        country, refined_in, kind, source, product, period); with ``factors``.
    scale_demand : mapping
        A filter on demand (``{"product": "Dy oxide"}``, ``{}`` for all); with ``factors``.
    factors : iterable of float
        Multipliers (>= 0) for the ``scale_*`` what-if.
    policies : iterable of SharePolicy
        Policies in force at every point.
    solver, options
        As for `reopt.solve`. With ``"highs"`` and no executor, points are warm-started.
    executor : concurrent.futures.Executor, optional
        Solve the grid points in parallel (cold). Use a process pool with the ``spawn``
        start method, or threads with the PuLP back ends.
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
        offers (``source / product``) bought here and not at the previous optimal point,
        and the reverse.

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
    setup = _setup(
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
    options = _check_options(solver, options)
    if executor is not None and not isinstance(executor, Executor):
        raise InputError(
            [
                Problem(
                    "options",
                    "sweep()",
                    "executor",
                    executor,
                    "expected a concurrent.futures.Executor",
                    "e.g. ProcessPoolExecutor(mp_context=multiprocessing.get_context('spawn'))",
                )
            ]
        )
    warm = solver == "highs" and executor is None and not market.is_mip
    engine = _Engine(solver, options, warm=warm)
    exact = exact and setup.policy is not None and not market.is_mip
    # the breakpoint search starts from each grid point's piece of the curve
    spans = exact and setup.policy is not None and setup.policy.basis is Basis.TONNES
    if spans and not _vertex_answers(solver, options):
        raise InputError(
            [
                Problem(
                    "options",
                    "sweep()",
                    "method",
                    options.method.value,
                    "exact breakpoints need answers at a vertex; "
                    f"{'PDLP' if options.method is Method.PDLP else 'GLPK interior point'} "
                    "stops near one, without crossover",
                    "use method='simplex' (CLI --method simplex), or exact=False (--grid-only)",
                )
            ]
        )
    bar = Progress(len(setup.values), label="sweep", enabled=progress)
    with bar:
        if executor is not None:
            points = _map_cold(setup, solver, options, executor, bar, span=spans)
        else:
            points = []
            for value in setup.values:
                points.append(engine.point(setup, value, "grid", span=spans))
                bar.update()
        if exact:
            points += _limit_point(setup, engine, span=spans)
            if spans:
                points += _kinks(setup, engine, points)
    return _table(setup, points)


def _vertex_answers(solver: str | Any, options: SolverOptions) -> bool:
    """Whether the back end ends at a vertex: not PDLP, nor GLPK's interior point."""
    if options.method is Method.PDLP:
        return False
    return not (solver == "glpk" and options.method is Method.IPM)


def feasibility_limit(
    market: Market, policy: SharePolicy, *, policies: Iterable[SharePolicy] = ()
) -> float:
    """The smallest feasible bound of a cap (the largest of a floor), given other policies.

    Solved as one LP that treats the share as a variable: minimise it (for a cap) or
    maximise it (for a floor). NaN when no bound makes the market feasible. Only for
    tonnes-basis policies; `sweep` bisects for value-basis ones.

    Examples
    --------
    >>> import reopt
    >>> cap = feasibility_limit(reopt.datasets.japan_2025(), reopt.cap_share(1, country="CN"))
    >>> 0.5 < cap < 0.6
    True
    """
    if not isinstance(policy, SharePolicy) or policy.basis is not Basis.TONNES:
        raise InputError(
            [
                Problem(
                    "policies",
                    "feasibility_limit()",
                    "policy",
                    policy,
                    "needs a share policy on a tonnes basis",
                    "for basis='value', sweep it: reopt.sweep(market, vary=policy, shares=[...])",
                )
            ]
        )
    others = policies_for(market, policies=policies)
    checked = (*others, policy)
    lp = compile(market, checked)
    return _limit_lp_solve(lp, market.encoded, len(checked) - 1, policy.bound)


# ------------------------------------------------------------------------------------------
# what a sweep varies
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _ShareChange:
    """Each point: the market as it is, with the swept policy at the point's share."""

    market: Market
    fixed: tuple[SharePolicy, ...]
    policy: SharePolicy

    def build(self, share: float) -> tuple[Market, tuple[SharePolicy, ...]]:
        return self.market, (*self.fixed, self.policy.with_share(share))


@dataclass(frozen=True)
class _OfferScale:
    """Each point: one offer column (price or capacity) of the masked offers times a factor."""

    market: Market
    fixed: tuple[SharePolicy, ...]
    column: str
    mask: np.ndarray

    def build(self, factor: float) -> tuple[Market, tuple[SharePolicy, ...]]:
        offers = self.market.offers.copy()
        scaled = offers[self.column].to_numpy(dtype=float).copy()
        part = scaled[self.mask]
        with np.errstate(invalid="ignore"):  # inf * 0: unlimited capacity scaled to nothing
            part = np.where(np.isinf(part) & (factor == 0), 0.0, part * factor)
        scaled[self.mask] = part  # unlimited capacity stays unlimited for factors > 0
        offers[self.column] = scaled
        if self.column == "capacity_t" and "min_order_t" in offers.columns:
            # an offer whose minimum order no longer fits its capacity cannot be bought
            minimum = offers["min_order_t"].to_numpy(dtype=float)
            shut = np.nan_to_num(minimum) > scaled
            offers.loc[shut, ["capacity_t", "min_order_t"]] = 0.0
        return self.market.replace(offers=offers), self.fixed


@dataclass(frozen=True)
class _DemandScale:
    """Each point: the masked demand rows times a factor."""

    market: Market
    fixed: tuple[SharePolicy, ...]
    mask: np.ndarray

    def build(self, factor: float) -> tuple[Market, tuple[SharePolicy, ...]]:
        demand = self.market.demand.copy()
        scaled = demand["demand_t"].to_numpy(dtype=float).copy()
        scaled[self.mask] = scaled[self.mask] * factor
        demand["demand_t"] = scaled
        return self.market.replace(demand=demand), self.fixed


@dataclass(frozen=True)
class _Setup:
    """What a sweep varies: the parameter's name and values, and how to build each point."""

    parameter: str
    values: tuple[float, ...]
    change: _ShareChange | _OfferScale | _DemandScale
    market: Market
    policy: SharePolicy | None  # the swept policy (share sweeps only)
    varied: int | None  # its position in the policies

    def build(self, value: float) -> tuple[Market, tuple[SharePolicy, ...]]:
        return self.change.build(value)


@dataclass(frozen=True)
class _Point:
    """One solved point, reduced to what the table needs."""

    value: float
    kind: str
    status: Status
    cost_usd: float
    price_usd_per_pp: float
    china: Mapping[str, float]
    bought: frozenset[int]  # offers bought (positions in the market)
    span: tuple[float, float] | None = None  # the piece of the curve this point is on


def _setup(
    market: Market,
    *,
    china_cap: Iterable[float] | None,
    vary: SharePolicy | None,
    shares: Iterable[float] | None,
    scale_price: Mapping[str, object] | None,
    scale_capacity: Mapping[str, object] | None,
    scale_demand: Mapping[str, object] | None,
    factors: Iterable[float] | None,
    policies: Iterable[SharePolicy],
) -> _Setup:
    fixed = policies_for(market, policies=policies)
    modes = {
        "china_cap": china_cap is not None,
        "vary": vary is not None or shares is not None,
        "scale_price": scale_price is not None,
        "scale_capacity": scale_capacity is not None,
        "scale_demand": scale_demand is not None,
    }
    chosen = [name for name, on in modes.items() if on]
    if len(chosen) != 1:
        raise InputError(
            [
                Problem(
                    "options",
                    "sweep()",
                    "parameter",
                    ", ".join(chosen) or None,
                    "give exactly one parameter to sweep",
                    "china_cap=[...], vary=policy with shares=[...], or scale_price / "
                    "scale_capacity / scale_demand with factors=[...]",
                )
            ]
        )
    mode = chosen[0]
    if factors is not None and mode in ("china_cap", "vary"):
        raise InputError(
            [
                Problem(
                    "options",
                    "sweep()",
                    "factors",
                    factors,
                    f"factors go with scale_price, scale_capacity or scale_demand, not {mode}",
                    "drop factors=, or sweep a scale_* what-if instead",
                )
            ]
        )
    if mode == "china_cap":
        policy = cap_share(1.0, country="CN")
        values = _numbers(china_cap, "china_cap")
        change = _ShareChange(market, fixed, policy)
        return _Setup("china_cap", values, change, market, policy, len(fixed))
    if mode == "vary":
        if not isinstance(vary, SharePolicy) or shares is None:
            raise InputError(
                [
                    Problem(
                        "options",
                        "sweep()",
                        "vary",
                        vary,
                        "vary needs a policy and shares a list of bounds",
                        "e.g. vary=reopt.min_share(0, kind='recycler'), shares=[0, 0.1, 0.2]",
                    )
                ]
            )
        vary.matches(market)
        values = _numbers(shares, "shares")
        return _Setup("share", values, _ShareChange(market, fixed, vary), market, vary, len(fixed))
    values = _numbers(factors, "factors")
    what: _OfferScale | _DemandScale
    if mode == "scale_price":
        what = _OfferScale(
            market, fixed, "price_usd_per_kg", _offer_mask(market, scale_price, mode)
        )
    elif mode == "scale_capacity":
        what = _OfferScale(market, fixed, "capacity_t", _offer_mask(market, scale_capacity, mode))
    else:
        what = _DemandScale(market, fixed, _demand_mask(market, scale_demand or {}))
    return _Setup("factor", values, what, market, None, None)


def _numbers(values: Iterable[float] | None, name: str) -> tuple[float, ...]:
    """Shares in [0, 1] (``china_cap``, ``shares``) or factors >= 0, checked together."""
    problems = ProblemList()
    try:
        items = list(values) if values is not None else []
    except TypeError:
        items = []
        problems.add("options", "sweep()", name, values, "expected a list of numbers")
    out = []
    for i, v in enumerate(items):
        where = f"sweep() {name}[{i}]"
        if name != "factors":
            try:
                out.append(check_share(v, where=where, column=name))
            except InputError as err:
                problems.extend(err.problems)
        elif isinstance(v, numbers.Real) and not isinstance(v, bool) and 0 <= v < math.inf:
            out.append(float(v))
        else:
            problems.add("options", where, name, v, "must be a finite number >= 0")
    if not items and not problems:
        problems.add("options", "sweep()", name, items, "needs at least one value")
    problems.raise_if_any()
    return tuple(out)


def _offer_mask(market: Market, where: Mapping[str, object] | None, argument: str) -> np.ndarray:
    return _mask(market.offers, where or {}, OFFER_FILTERS, argument)


def _demand_mask(market: Market, where: Mapping[str, object]) -> np.ndarray:
    return _mask(market.demand, where, DEMAND_FILTERS, "scale_demand")


def _mask(
    table: pd.DataFrame, where: Mapping[str, object], allowed: Sequence[str], argument: str
) -> np.ndarray:
    problems = ProblemList()
    if not isinstance(where, Mapping):
        problems.add(
            "options", "sweep()", argument, where, "must be a mapping like {'country': 'CN'}"
        )
        problems.raise_if_any()
    mask = np.ones(len(table), dtype=bool)
    for key, wanted in where.items():
        if key not in allowed or key not in table.columns:
            problems.add(
                "options",
                "sweep()",
                argument,
                key,
                f"cannot filter on {key!r}",
                f"use {', '.join(k for k in allowed if k in table.columns)}",
            )
            continue
        values = _filter_values(key, wanted)
        if values is None:
            problems.add(
                "options",
                "sweep()",
                argument,
                f"{key}={wanted!r}",
                "expected text or a list of text",
            )
            continue
        column = _normalise(key, table[key].astype(str).to_numpy())
        known = set(column.tolist())
        for value in values:  # each value must match, or a typo in a list goes unnoticed
            if value not in known:
                close = difflib.get_close_matches(str(value), sorted(known), n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"known: {sorted(known)[:8]}"
                problems.add(
                    "options",
                    "sweep()",
                    argument,
                    f"{key}={str(value)!r}",
                    "matches nothing in the market",
                    hint,
                )
        mask &= np.isin(column, values)
    problems.raise_if_any()
    return mask


def _filter_values(key: str, wanted: object) -> np.ndarray | None:
    """A filter's values as text, written as the market writes them; None if not text."""
    items = [wanted] if isinstance(wanted, (str, numbers.Integral)) else wanted
    if not isinstance(items, Iterable) or isinstance(items, (Mapping, bytes, bytearray)):
        return None
    values = list(items)
    if not values or not all(
        isinstance(v, (str, numbers.Integral)) and not isinstance(v, bool) for v in values
    ):
        return None
    return _normalise(key, np.array([str(v) for v in values], dtype=object))


def _normalise(key: str, values: np.ndarray) -> np.ndarray:
    """Country codes in upper case and kinds in lower case, as policies take them."""
    text = np.char.strip(values.astype(str))
    if key in ("country", "refined_in"):
        return np.char.upper(text)
    if key == "kind":
        return np.char.lower(text)
    return text


# ------------------------------------------------------------------------------------------
# solving points
# ------------------------------------------------------------------------------------------
class _Engine:
    """Solves points one after another; with ``warm``, in one HiGHS model re-solved in place."""

    def __init__(self, solver: str | Any, options: SolverOptions, *, warm: bool) -> None:
        self.solver = solver
        self.options = options
        self.warm = _WarmHighs(options) if warm else None
        self.solves = 0
        self._base: LinearProgram | None = None

    def point(self, setup: _Setup, value: float, kind: str, *, span: bool = False) -> _Point:
        """Solve at ``value``; with ``span``, also find the piece of the curve it is on."""
        market, policies = setup.build(value)
        lp = self._compile(setup, market, policies)
        if self.warm is None:
            solution = _run(lp, self.solver, self.options)
        else:
            solution = self.warm.solve(lp)
            if self.solves % COLD_CHECK_EVERY == 0:
                _agree(solution, solve_highs(lp, self.options), setup.parameter, value)
        self.solves += 1
        plan = _plan(market, policies, lp, solution, self.solver, self.options)
        point = _summarise(plan, setup.varied, value, kind)
        return _with_span(point, plan, setup.varied) if span else point

    def _compile(
        self, setup: _Setup, market: Market, policies: tuple[SharePolicy, ...]
    ) -> LinearProgram:
        """Compile once; for a tonnes-basis share sweep, later points only move bounds."""
        k = setup.varied
        if k is None or setup.policy is None or setup.policy.basis is not Basis.TONNES:
            return compile(market, policies)
        if self._base is None:
            self._base = compile(market, policies)
        return with_share(self._base, k, policies[k])


def with_share(lp: LinearProgram, k: int, policy: SharePolicy) -> LinearProgram:
    """``lp`` with policy ``k`` (tonnes basis) replaced by ``policy``, a new share of it.

    Only the policy's right-hand sides move: ``share * base_t`` on each of its rows.
    """
    rows = lp.rows
    mine = (rows["family"].to_numpy() == "policy") & (rows["policy"].to_numpy() == k)
    rhs = policy.share * rows["base_t"].to_numpy()[mine]
    lower, upper = lp.row_lower.copy(), lp.row_upper.copy()
    if policy.bound is Bound.MAX:
        upper[mine] = rhs
    else:
        lower[mine] = rhs
    labels = rows.copy()
    labels.loc[mine, "share"] = policy.share
    return replace(
        lp,
        row_lower=readonly(lower),
        row_upper=readonly(upper),
        rows=labels,
        policies=(*lp.policies[:k], policy, *lp.policies[k + 1 :]),
    )


class _WarmHighs:
    """One HiGHS instance, re-solved in place from the last basis.

    A new point changes only the costs, bounds and coefficients that differ from the last.
    """

    def __init__(self, options: SolverOptions) -> None:
        self.options = options
        self.h: Any = None
        self.lp: LinearProgram | None = None

    def solve(self, lp: LinearProgram) -> Solution:
        settings = default_settings(lp, self.options)
        if self.lp is None or not _same_pattern(self.lp, lp):
            self.h = new_highs()
            apply_settings(self.h, settings)
            pass_model(self.h, lp)
        else:
            _push_changes(self.h, self.lp, lp)
            if self.options.method is Method.AUTO:  # from a basis, simplex is the fast way
                settings["solver"] = "simplex"
                settings.pop("run_crossover", None)
                self.h.setOptionValue("solver", "simplex")
        self.lp = lp
        started = self.h.getRunTime()  # HiGHS's run clock does not restart between runs
        if self.options.time_limit_s is not None:
            self.h.setOptionValue("time_limit", started + self.options.time_limit_s)
        run(self.h)
        solution = read_solution(self.h, lp, settings)
        return replace(solution, solve_time_s=solution.solve_time_s - started)


def _same_pattern(a: LinearProgram, b: LinearProgram) -> bool:
    return (
        a.n_cols == b.n_cols
        and a.n_rows == b.n_rows
        and np.array_equal(a.row_start, b.row_start)
        and np.array_equal(a.col_index, b.col_index)
        and np.array_equal(a.integrality, b.integrality)
    )


def _push_changes(h: Any, old: LinearProgram, new: LinearProgram) -> None:
    costs = np.flatnonzero(old.cost != new.cost).astype(np.int32)
    if len(costs):
        h.changeColsCost(len(costs), costs, new.cost[costs])
    cols = np.flatnonzero((old.col_lower != new.col_lower) | (old.col_upper != new.col_upper))
    if len(cols):
        c = cols.astype(np.int32)
        h.changeColsBounds(len(c), c, new.col_lower[c], new.col_upper[c])
    rows = np.flatnonzero((old.row_lower != new.row_lower) | (old.row_upper != new.row_upper))
    if len(rows):
        r = rows.astype(np.int32)
        h.changeRowsBounds(len(r), r, new.row_lower[r], new.row_upper[r])
    entries = np.flatnonzero(old.value != new.value)
    if len(entries):
        row_of = np.searchsorted(new.row_start, entries, side="right") - 1
        for k, i in zip(entries.tolist(), row_of.tolist(), strict=True):
            h.changeCoeff(int(i), int(new.col_index[k]), float(new.value[k]))


def _agree(warm: Solution, cold: Solution, parameter: str, value: float) -> None:
    same = warm.status is cold.status
    if same and warm.status is Status.OPTIMAL:
        same = math.isclose(warm.objective, cold.objective, rel_tol=1e-7, abs_tol=1e-6)
    if not same:
        raise SolverError(
            f"a warm-started solve at {parameter}={value:g} disagrees with a cold solve: "
            f"{warm.status.value} {warm.objective:.10g} against "
            f"{cold.status.value} {cold.objective:.10g}"
        )


def _summarise(plan: Plan, varied: int | None, value: float, kind: str) -> _Point:
    """The plan's row of the table, computed in numpy (a sweep makes hundreds of these)."""
    china: dict[str, float] = {}
    bought: frozenset[int] = frozenset()
    price = math.nan
    x = plan.solution.x
    if plan.is_optimal and x is not None:
        enc = plan.market.encoded
        offers = x[: plan.lp.n_offers]
        labels = list(enc.labels["country"])
        cn = enc.codes["country"] == labels.index("CN") if "CN" in labels else None
        china_t: np.ndarray = np.zeros(len(enc.demand_t))
        if cn is not None:
            counted = cn & (enc.group >= 0)
            china_t = np.bincount(
                enc.group[counted], weights=offers[counted], minlength=len(enc.demand_t)
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(enc.demand_t > 0, china_t / enc.demand_t, 0.0)
        names = [_label(k) for k in _demand_labels(plan.market)]
        china = dict(zip(names, share.tolist(), strict=True))
        bought = frozenset(np.flatnonzero(offers > BOUGHT_T).tolist())
        if varied is not None and plan.has_prices:
            price = _policy_price(plan, varied, x)
            bound = plan.lp.policies[varied].bound
            if value >= 1.0 if bound is Bound.MAX else value <= 0.0:
                # a cap of 100% (floor of 0%) cannot bind: loosening it saves nothing, and
                # the solver's dual there is only one of many
                price = 0.0
    return _Point(value, kind, plan.status, plan.cost_usd, price, china, bought)


def _policy_price(plan: Plan, k: int, x: np.ndarray) -> float:
    """USD saved by loosening policy ``k`` by one percentage point on all its rows."""
    lp, rows = plan.lp, plan.lp.rows
    row_dual = plan.solution.row_dual
    assert row_dual is not None
    mine = np.flatnonzero(
        (rows["family"].to_numpy() == "policy") & (rows["policy"].to_numpy() == k)
    )
    value_col = rows["value_col"].to_numpy()[mine]
    base = np.where(value_col >= 0, x[np.maximum(value_col, 0)], rows["base_t"].to_numpy()[mine])
    sign = -1.0 if lp.policies[k].bound is Bound.MAX else 1.0
    return float(sign * np.sum(row_dual[mine] * base) / 100.0) + 0.0


def _label(key: object) -> str:
    return " / ".join(map(str, key)) if isinstance(key, tuple) else str(key)


def _with_span(point: _Point, plan: Plan, varied: int | None) -> _Point:
    """The point with its piece of the curve, where the plan's prices give one."""
    if varied is None or not plan.has_prices:
        return point
    try:
        return replace(point, span=policy_span(plan, varied))
    except SolverError:
        return point  # the breakpoint search then falls back on the tangents alone


def _map_cold(
    setup: _Setup,
    solver: str | Any,
    options: SolverOptions,
    executor: Executor,
    bar: Progress,
    *,
    span: bool,
) -> list[_Point]:
    """Grid points solved in parallel; the tasks carry plain tables, not Market objects."""
    futures = []
    for value in setup.values:
        market, policies = setup.build(value)
        tables = (market.offers, market.demand, market.sources)
        futures.append(
            executor.submit(
                _solve_point, tables, policies, solver, options, setup.varied, value, span
            )
        )
    points = []
    for future in futures:
        points.append(future.result())
        bar.update()
    return points


def _solve_point(
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None],
    policies: tuple[SharePolicy, ...],
    solver: str | Any,
    options: SolverOptions,
    varied: int | None,
    value: float,
    span: bool,
) -> _Point:
    from reopt.results.planning import solve

    market = Market(*tables)
    plan = solve(market, policies=policies, solver=solver, options=options)
    point = _summarise(plan, varied, value, "grid")
    return _with_span(point, plan, varied) if span else point


# ------------------------------------------------------------------------------------------
# exact breakpoints and the feasibility limit
# ------------------------------------------------------------------------------------------
def _slope(policy: SharePolicy, point: _Point) -> float:
    """d(cost)/d(share), in USD per unit share, from the swept policy's price."""
    sign = -1.0 if policy.bound is Bound.MAX else 1.0
    return sign * 100.0 * point.price_usd_per_pp


class _BudgetSpent(Exception):
    """The breakpoint search used its last extra solve."""


class _KinkSearch:
    """Breakpoints between the optimal points of a share sweep, each one exact.

    Every point knows its piece of the curve (``_Point.span``, from
    `reopt.results.ranging.policy_span`): the shares over which its prices hold. A piece that ends
    strictly inside the swept range ends at a breakpoint, which is solved where the piece
    says. Between the end of one point's piece and the start of the next point's, the curve
    is unknown: the two pieces' lines meet at a share inside that gap (the curve is convex),
    and the point solved there brings a new piece that narrows it. Gaps are searched widest
    first until each is closed or `MAX_KINK_SOLVES` extra solves are spent.
    """

    def __init__(self, setup: _Setup, engine: _Engine, known: list[_Point]) -> None:
        assert setup.policy is not None
        self.setup, self.engine, self.policy = setup, engine, setup.policy
        self.ends = (known[0].value, known[-1].value)  # the curve is not known beyond them
        self.found: dict[float, _Point] = {}
        self.sorted_found: list[float] = []  # the same shares, in order, for `near_found`
        self.budget = MAX_KINK_SOLVES
        self.queue: list[tuple[float, int, _Point, _Point]] = []
        self.counter = itertools.count()
        for a, b in itertools.pairwise(known):
            self.push(a, b)

    def run(self) -> list[_Point]:
        try:
            while self.queue:
                _, _, a, b = heapq.heappop(self.queue)
                self.close(a, b)
        except _BudgetSpent:
            _warn_budget(len(self.queue) + 1)
        return list(self.found.values())

    def push(self, a: _Point, b: _Point) -> None:
        if b.value > a.value:
            heapq.heappush(self.queue, (-(b.value - a.value), next(self.counter), a, b))

    def close(self, a: _Point, b: _Point) -> None:
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

    def breakpoint(self, value: float, beside: _Point) -> None:
        """Record the breakpoint at ``value``, the end of ``beside``'s piece."""
        if not self.ends[0] + EDGE_TOL < value < self.ends[1] - EDGE_TOL:
            return  # the piece runs to the end of the known curve
        value = _tidy(value)
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

    def record(self, point: _Point) -> None:
        self.found[point.value] = point
        bisect.insort(self.sorted_found, point.value)

    def tangents_meet(self, a: _Point, b: _Point) -> float:
        sa, sb = _slope(self.policy, a), _slope(self.policy, b)
        if sa == sb:
            return 0.5 * (a.value + b.value)
        return (b.cost_usd - a.cost_usd + sa * a.value - sb * b.value) / (sa - sb)

    def close_by_tangents(self, a: _Point, b: _Point) -> None:
        """Without a piece for ``a`` or ``b`` (their ranging failed): the tangent test."""
        sa, sb = _slope(self.policy, a), _slope(self.policy, b)
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

    def solve(self, value: float, *, span: bool) -> _Point | None:
        """Spend one extra solve; None where the point has no price (never on a convex curve)."""
        if self.budget <= 0:
            raise _BudgetSpent
        self.budget -= 1
        point = self.engine.point(self.setup, value, "breakpoint", span=span)
        if point.status is not Status.OPTIMAL or not math.isfinite(point.price_usd_per_pp):
            return None
        return point


def _kinks(setup: _Setup, engine: _Engine, points: list[_Point]) -> list[_Point]:
    """The exact breakpoints between the sweep's optimal points (see `_KinkSearch`)."""
    known = sorted(
        (p for p in points if p.status is Status.OPTIMAL and math.isfinite(p.price_usd_per_pp)),
        key=lambda p: p.value,
    )
    if len(known) < 2:
        return []
    return _KinkSearch(setup, engine, known).run()


def _warn_budget(unresolved: int) -> None:
    warnings.warn(
        f"sweep: the breakpoint search stopped after {MAX_KINK_SOLVES} extra solves with "
        f"{unresolved} stretches of the curve unresolved, so some breakpoints between grid "
        "points are missing (those listed are exact); sweep a narrower range to resolve more",
        ReoptWarning,
        stacklevel=5,
    )


def _limit_point(setup: _Setup, engine: _Engine, *, span: bool) -> list[_Point]:
    """The smallest feasible cap (largest feasible floor), solved there."""
    policy, k = setup.policy, setup.varied
    assert policy is not None and k is not None
    market, policies = setup.build(policy.share)
    kind = "min_feasible" if policy.bound is Bound.MAX else "max_feasible"
    if policy.basis is Basis.TONNES:
        limit = _limit_lp_solve(compile(market, policies), market.encoded, k, policy.bound)
    else:
        limit = _bisect(setup, engine)
    if not math.isfinite(limit):
        return []
    point = engine.point(setup, limit, kind, span=span)
    if point.status is Status.INFEASIBLE:  # within the solver's tolerance of the edge
        nudged = min(limit + 1e-9, 1.0) if kind == "min_feasible" else max(limit - 1e-9, 0.0)
        point = engine.point(setup, nudged, kind, span=span)
    return [point]


def _limit_lp_solve(lp: LinearProgram, enc: Encoded, k: int, bound: Bound) -> float:
    """Solve the LP in which the share of policy ``k`` is a variable ``t`` in [0, 1].

    Tonnes are counted in units of their product's demand and rows in units of their size
    (`reopt.results.ranging.size_scales`): in plain tonnes, a tonne of a 10 Mt product moves ``t``
    by 1e-7, which HiGHS's dual tolerance takes for nothing.
    """
    rows = lp.rows
    mine = np.flatnonzero(
        (rows["family"].to_numpy() == "policy") & (rows["policy"].to_numpy() == k)
    )
    base = rows["base_t"].to_numpy()[mine]
    t = lp.n_cols
    counts = np.diff(lp.row_start)
    entry_row = np.repeat(np.arange(lp.n_rows), counts)
    col_scale, row_scale = size_scales(lp, enc)
    block = _csr(
        np.concatenate([entry_row, mine]),
        np.concatenate([lp.col_index, np.full(len(mine), t)]),
        np.concatenate(
            [lp.value * col_scale[lp.col_index] * row_scale[entry_row], -base * row_scale[mine]]
        ),
        lp.n_rows,
    )
    row_lower, row_upper = lp.row_lower * row_scale, lp.row_upper * row_scale
    if bound is Bound.MAX:
        row_upper[mine] = 0.0
    else:
        row_lower[mine] = 0.0
    cost = np.zeros(t + 1)
    cost[t] = 1.0 if bound is Bound.MAX else -1.0
    direct = replace(
        lp,
        cost=readonly(cost),
        col_lower=readonly(np.append(lp.col_lower / col_scale, 0.0)),
        col_upper=readonly(np.append(lp.col_upper / col_scale, 1.0)),
        row_lower=readonly(row_lower),
        row_upper=readonly(row_upper),
        row_start=readonly(block.start.astype(lp.row_start.dtype)),
        col_index=readonly(block.index.astype(lp.col_index.dtype)),
        value=readonly(block.value),
        integrality=readonly(np.append(lp.integrality, np.int32(0)).astype(np.int32)),
        col_offer=readonly(np.append(lp.col_offer, -1)),
    )
    solution = solve_highs(
        direct,
        SolverOptions(method=Method.SIMPLEX, extra={"small_matrix_value": SMALLEST_ENTRY}),
    )
    if solution.status is not Status.OPTIMAL or solution.x is None:
        return math.nan
    return _tidy(float(solution.x[t]))


def _tidy(share: float) -> float:
    """A share in [0, 1] without float noise: 0.20000000000000007 (an LP's 0.2) is 0.2.

    Only a few units in the last place are removed; a share such as 0.75308642197531 is
    kept whole, since a cap rounded below it can be infeasible for a large market.
    """
    share = min(max(share, 0.0), 1.0)
    short = round(share, 12)
    return (short if abs(short - share) <= 4 * math.ulp(share) else share) + 0.0  # not -0.0


def _bisect(setup: _Setup, engine: _Engine, tol: float = 1e-6) -> float:
    """The feasibility limit by bisection (value-basis policies)."""

    def feasible(s: float) -> bool:
        market, policies = setup.build(s)
        lp = compile(market, policies)
        return _run(lp, "highs", SolverOptions(presolve=False)).status is Status.OPTIMAL

    assert setup.policy is not None
    cap = setup.policy.bound is Bound.MAX
    good, bad = (1.0, 0.0) if cap else (0.0, 1.0)
    if not feasible(good):
        return math.nan
    if feasible(bad):
        return bad
    while abs(good - bad) > tol:
        mid = 0.5 * (good + bad)
        good, bad = (mid, bad) if feasible(mid) else (good, mid)
    return good


# ------------------------------------------------------------------------------------------
# the table
# ------------------------------------------------------------------------------------------
def _table(setup: _Setup, points: list[_Point]) -> pd.DataFrame:
    order = {"grid": 0, "min_feasible": 1, "max_feasible": 1, "breakpoint": 2}
    points = sorted(points, key=lambda p: (p.value, order[p.kind]))
    products = [_label(k) for k in _demand_labels(setup.market)]
    enc = setup.market.encoded
    names = np.char.add(
        np.char.add(enc.labels["source"][enc.codes["source"]].astype(str), " / "),
        enc.labels["product"][enc.codes["product"]].astype(str),
    )
    if setup.market.has_periods:
        periods = enc.labels["period"][enc.codes["period"]].astype(str)
        names = np.char.add(np.char.add(names, " / "), periods)
    records = []
    previous: frozenset[int] | None = None
    for p in points:
        record: dict[str, object] = {
            setup.parameter: p.value,
            "point": p.kind,
            "status": p.status.value,
            "cost_usd": p.cost_usd,
            "price_usd_per_pp": p.price_usd_per_pp,
        }
        for product in products:
            record[f"china_share:{product}"] = p.china.get(product, math.nan)
        entering = leaving = ""
        if p.status is Status.OPTIMAL:
            if previous is not None:
                entering = "; ".join(sorted(names[list(p.bought - previous)]))
                leaving = "; ".join(sorted(names[list(previous - p.bought)]))
            previous = p.bought
        record["entering"], record["leaving"] = entering, leaving
        records.append(record)
    table = pd.DataFrame.from_records(records)
    if setup.varied is None:
        table = table.drop(columns=["price_usd_per_pp"])
    return table


def _demand_labels(market: Market) -> list[object]:
    keys = market.demand_keys
    if len(keys) == 1:
        return market.demand[keys[0]].tolist()
    return list(market.demand[keys].itertuples(index=False, name=None))
