"""A Monte Carlo run as plain data (`Job`), and the worker that solves a batch of its samples.

`run_batch` is what an executor runs: samples ``start .. stop - 1`` of a `Job`, each drawn
from its own seed (`reopt.analysis.draws.sample_factors`), so a sample's numbers and answer
do not depend on the batch it is in or the worker that solves it.

Two ways to solve a sample, both ending in reopt's numpy check of every optimal answer
(`reopt.results.planning.make_plan`):

- fast (`FastModel`): an LP market without stock or scenarios, on a back end with
  `Feature.WARM_START`. The model is compiled once; `probe` compiles it again with each
  draw's picked prices, capacities or demand doubled, and accepts the draw only if exactly
  the expected entries doubled (offer costs; offer upper bounds; demand and share right-hand
  sides) and nothing else moved. A sample then only scales those entries, in a HiGHS session
  kept per worker thread, started from the unchanged model's optimal basis every time (so
  the answer does not depend on the samples solved before). Factors are checked against the
  market's magnitude limits (`reopt.data.magnitudes`) that validation would apply.
- full: the scaled market is built and validated again, and solved by `reopt.solve` (with
  ``scenarios=``, the two-stage model). Used for everything else.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from reopt.analysis.draws import Draw, sample_factors
from reopt.analysis.engine import WarmStarting
from reopt.backends import Feature
from reopt.data.magnitudes import MAX_PRICE_RATIO, MAX_PRICE_USD_PER_KG, MAX_TONNES
from reopt.data.market import Market
from reopt.errors import InputError, Problem, SolverError
from reopt.model.formulation import KG_PER_T, compile
from reopt.model.policy import Policy
from reopt.model.program import LinearProgram
from reopt.model.scaling import Scaling, scaling_for
from reopt.options import Method, SolverOptions
from reopt.results.planning import check_solver, make_plan, solve, unscaled
from reopt.status import Status

__all__ = ["Effect", "FastModel", "Job", "probe", "release", "run_batch", "scaled_market"]


@dataclass(frozen=True)
class Effect:
    """The entries of the compiled model one draw's factor multiplies (positions)."""

    cost: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray


@dataclass(frozen=True)
class FastModel:
    """The model compiled once, its scaling, and each draw's `Effect` on it."""

    lp: LinearProgram
    scaling: Scaling
    effects: tuple[Effect, ...]


@dataclass(frozen=True)
class Job:
    """Everything a worker needs, as plain picklable data; ``token`` names the run."""

    market: Market
    policies: tuple[Policy, ...]
    draws: tuple[Draw, ...]
    masks: tuple[np.ndarray, ...]
    root: np.ndarray | None
    seed: int
    solver: str | Any
    options: SolverOptions
    scenarios: object | None
    fast: FastModel | None
    products: tuple[str, ...]
    token: str


def vectors(
    market: Market, draws: Sequence[Draw], masks: Sequence[np.ndarray], f: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per offer its price and capacity factor, per demand row its demand factor."""
    out = {"price": np.ones(market.n_offers), "capacity": np.ones(market.n_offers)}
    out["demand"] = np.ones(len(market.encoded.demand_t))
    for d, mask, factor in zip(draws, masks, f, strict=True):
        out[d.scale][mask] *= factor
    return out["price"], out["capacity"], out["demand"]


def scaled_market(
    market: Market, price: np.ndarray, capacity: np.ndarray, demand: np.ndarray
) -> Market:
    """``market`` with prices, capacities and demand times these factors (validated again).

    As `reopt.analysis.whatif.OfferScale`: unlimited capacity stays unlimited unless its
    factor is 0, and an offer whose minimum order no longer fits its capacity is shut.
    """
    offers = market.offers
    offers["price_usd_per_kg"] = offers["price_usd_per_kg"].to_numpy(dtype=float) * price
    cap = offers["capacity_t"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        cap = np.where(np.isinf(cap) & (capacity == 0), 0.0, cap * capacity)
    offers["capacity_t"] = cap
    if "min_order_t" in offers.columns:
        shut = np.nan_to_num(offers["min_order_t"].to_numpy(dtype=float)) > cap
        offers.loc[shut, ["capacity_t", "min_order_t"]] = 0.0
    table = market.demand
    table["demand_t"] = table["demand_t"].to_numpy(dtype=float) * demand
    return market.replace(offers=offers, demand=table)


def probe(
    market: Market,
    policies: tuple[Policy, ...],
    draws: Sequence[Draw],
    masks: Sequence[np.ndarray],
    backend: Any,
) -> FastModel | None:
    """The fast model, or None when a draw changes more than entries it scales (see above)."""
    if market.is_mip or market.has_stock_balance or Feature.WARM_START not in backend.features:
        return None
    base = compile(market, policies)
    effects = []
    for k, d in enumerate(draws):
        f = np.ones(len(draws))
        f[k] = 2.0
        doubled = compile(scaled_market(market, *vectors(market, draws, masks, f)), policies)
        effect = _effect(base, doubled, d.scale, masks[k])
        if effect is None:
            return None
        effects.append(effect)
    return FastModel(base, scaling_for(base), tuple(effects))


def _effect(
    base: LinearProgram, doubled: LinearProgram, scale: str, mask: np.ndarray
) -> Effect | None:
    """Which entries doubled, if only those ``scale`` may move did, and exactly."""
    if not base.same_structure(doubled) or not np.array_equal(base.value, doubled.value):
        return None
    if base.objective_offset != doubled.objective_offset:
        return None
    moved = {}
    for name in ("cost", "col_lower", "col_upper", "row_lower", "row_upper"):
        old, new = getattr(base, name), getattr(doubled, name)
        at = np.flatnonzero(old != new)
        if not np.array_equal(new[at], 2.0 * old[at]):
            return None
        moved[name] = at
    allowed = {"price": ("cost",), "capacity": ("col_upper",)}.get(
        scale, ("row_lower", "row_upper")
    )
    if any(len(at) for name, at in moved.items() if name not in allowed):
        return None
    if scale == "capacity":  # unlimited capacity does not double, but a factor 0 closes it
        cols = np.flatnonzero(base.col_offer >= 0)
        picked = cols[mask[base.col_offer[cols]]]
        unlimited = picked[np.isinf(base.col_upper[picked])]
        moved["col_upper"] = np.union1d(moved["col_upper"], unlimited)
    return Effect(moved["cost"], moved["col_upper"], moved["row_lower"], moved["row_upper"])


class _Fast:
    """One worker thread's session for a job's fast model, kept between its batches."""

    def __init__(self, job: Job) -> None:
        assert job.fast is not None
        self.backend, self.options = check_solver(job.solver, job.options)
        fast = job.fast
        assert isinstance(self.backend, WarmStarting)  # probe() saw Feature.WARM_START
        self.session = self.backend.session(fast.scaling.apply(fast.lp), self.options)
        self.session.run()
        self.basis = self.session.basis()
        if self.options.method is Method.AUTO:
            self.session.set_option("solver", "simplex")  # from a basis, simplex is the way

    def solve(self, job: Job, f: np.ndarray) -> tuple[LinearProgram, Any]:
        """The sample's model and its checked plan."""
        fast = job.fast
        assert fast is not None
        cost = fast.lp.cost.copy()
        upper = fast.lp.col_upper.copy()
        row_lower, row_upper = fast.lp.row_lower.copy(), fast.lp.row_upper.copy()
        for e, factor in zip(fast.effects, f, strict=True):
            cost[e.cost] *= factor
            with np.errstate(invalid="ignore"):
                u = upper[e.col_upper]
                upper[e.col_upper] = np.where(np.isinf(u) & (factor == 0), 0.0, u * factor)
            row_lower[e.row_lower] *= factor
            row_upper[e.row_upper] *= factor
        every = np.arange(fast.lp.n_rows)
        lp = fast.lp.with_costs(cost).with_col_bounds(np.arange(len(upper)), upper=upper)
        lp = lp.with_row_bounds(every, lower=row_lower, upper=row_upper)
        self.session.apply_update(fast.scaling.apply(lp))
        self.session.set_basis(self.basis)
        solution = unscaled(self.session.run(), lp, fast.scaling)
        plan = make_plan(
            job.market, job.policies, lp, solution, self.backend, self.options, scaling=fast.scaling
        )
        return lp, plan


_LOCAL = threading.local()


def _fast_for(job: Job) -> _Fast:
    """The calling thread's session for ``job`` (one per thread: sessions are not shared)."""
    kept = getattr(_LOCAL, "kept", None)
    if kept is None or kept[0] != job.token:
        kept = (job.token, _Fast(job))
        _LOCAL.kept = kept
    return kept[1]


def release(job: Job) -> None:
    """Drop the calling thread's session for ``job`` (after a serial run)."""
    kept = getattr(_LOCAL, "kept", None)
    if kept is not None and kept[0] == job.token:
        del _LOCAL.kept


def run_batch(job: Job, start: int, stop: int) -> list[dict[str, object]]:
    """Samples ``start .. stop - 1`` of ``job``, one record each (see `reopt.monte_carlo`)."""
    return [_sample(job, i) for i in range(start, stop)]


def _sample(job: Job, i: int) -> dict[str, object]:
    """One sample: its factors, solved; an infeasible market is a row, not an error."""
    f = sample_factors(job.draws, job.seed, i, job.root)
    price, capacity, demand = vectors(job.market, job.draws, job.masks, f)
    try:
        if job.fast is not None:
            _check_magnitudes(job.market, price, capacity, demand)
            _, plan = _fast_for(job).solve(job, f)
            cost = float(KG_PER_T * (job.market.encoded.price_usd_per_kg * price) @ _x(plan))
            cost = cost if plan.status is Status.OPTIMAL else float("nan")
            shortage = None
        else:
            market = scaled_market(job.market, price, capacity, demand)
            plan = solve(
                market,
                policies=job.policies,
                solver=job.solver,
                options=job.options,
                scenarios=job.scenarios,  # type: ignore[arg-type]
            )
            cost = plan.cost_usd
            shortage = _shortage(plan) if job.scenarios is not None else None
    except InputError as err:
        where = f"monte_carlo() draw {i}"
        raise InputError([_at(p, where) for p in err.problems]) from None
    except SolverError as err:
        raise SolverError(f"monte_carlo() draw {i}: {err}") from err
    record: dict[str, object] = {"draw": i, "status": plan.status.value, "cost_usd": cost}
    record.update(_china_shares(job, plan, demand))
    if job.scenarios is not None:
        record["shortage_t"] = shortage
    for k, d in enumerate(job.draws):
        record[f"{d.scale}_factor:{k}"] = float(f[k])
    return record


def _x(plan: Any) -> np.ndarray:
    """The plan's offer tonnes (zeros unless optimal)."""
    if plan.status is not Status.OPTIMAL or plan.solution.x is None:
        return np.zeros(plan.market.n_offers)
    return np.asarray(plan.solution.x[: plan.market.n_offers])


def _china_shares(job: Job, plan: Any, demand: np.ndarray) -> dict[str, float]:
    """China's share of each demand row's tonnes (NaN unless optimal)."""
    names = [f"china_share:{p}" for p in job.products]
    if plan.status is not Status.OPTIMAL:
        return dict.fromkeys(names, float("nan"))
    enc = job.market.encoded
    x = _x(plan)
    labels = list(enc.labels["country"])
    demand_t = enc.demand_t * demand
    china: np.ndarray = np.zeros(len(demand_t))
    if "CN" in labels:
        counted = (enc.codes["country"] == labels.index("CN")) & (enc.group >= 0)
        china = np.bincount(enc.group[counted], weights=x[counted], minlength=len(demand_t))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(demand_t > 0, china / demand_t, 0.0)
    return dict(zip(names, share.tolist(), strict=True))


def _shortage(plan: Any) -> float:
    """Expected shortage in tonnes, all products together (NaN unless optimal)."""
    if plan.status is not Status.OPTIMAL:
        return float("nan")
    return float(plan.shortage["expected_shortage_t"].sum())


def _check_magnitudes(
    market: Market, price: np.ndarray, capacity: np.ndarray, demand: np.ndarray
) -> None:
    """The magnitude limits validation would apply to the scaled market (fast path)."""
    enc = market.encoded
    p = enc.price_usd_per_kg * price
    cap = enc.capacity_t * capacity
    problems = []
    if not (np.isfinite(p).all() and p.max(initial=0.0) <= MAX_PRICE_USD_PER_KG):
        problems.append(("price_usd_per_kg", f"must be at most {MAX_PRICE_USD_PER_KG:g}"))
    finite_cap = cap[np.isfinite(enc.capacity_t)]
    if not (np.isfinite(finite_cap).all() and finite_cap.max(initial=0.0) <= MAX_TONNES):
        problems.append(("capacity_t", f"must be at most {MAX_TONNES:g}"))
    d = enc.demand_t * demand
    if not (np.isfinite(d).all() and d.max(initial=0.0) <= MAX_TONNES):
        problems.append(("demand_t", f"must be at most {MAX_TONNES:g}"))
    product = enc.codes["product"]
    positive = p > 0
    if positive.any():
        hi = np.zeros(product.max() + 1)
        lo = np.full(product.max() + 1, np.inf)
        np.maximum.at(hi, product[positive], p[positive])
        np.minimum.at(lo, product[positive], p[positive])
        seen = np.isfinite(lo)
        if (hi[seen] > MAX_PRICE_RATIO * lo[seen]).any():
            problems.append(("price_usd_per_kg", f"prices of one product {MAX_PRICE_RATIO:g}x"))
    if problems:
        raise InputError(
            [
                Problem("offers", "scaled market", column, None, rule, "draw smaller factors")
                for column, rule in problems
            ]
        )


def _at(p: Problem, where: str) -> Problem:
    """``p`` placed at ``where`` (its own place kept in the rule)."""
    return Problem(p.table, where, p.column, p.value, f"{p.where}: {p.rule}", p.hint)
