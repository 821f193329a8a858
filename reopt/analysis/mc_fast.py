"""The fast path of a Monte Carlo sample: one compiled model, one kept HiGHS session, arrays.

For an LP market without stock or scenarios, on a back end with `Feature.WARM_START`,
`probe` compiles the model once, then again with each draw's picked prices, capacities or
demand doubled, and accepts the draw only if exactly the expected entries doubled (offer
costs; offer upper bounds; demand and share right-hand sides) and nothing else moved. Its
`FastModel` holds the model, its scaling and each draw's `Effect`.

A `Sampler` (one per worker thread) solves a sample with numpy arrays only: the entries the
draws scale are multiplied by the sample's factors, handed to the kept session with one call
per kind (costs, column bounds, row bounds), and the run starts from the unchanged model's
optimal basis every time, so the answer does not depend on the samples solved before. The
answer comes back as arrays (`reopt.backends.highs_arrays`) and passes reopt's numpy check
of feasibility and optimality on arrays (`reopt.results.array_check`). An answer that is not
optimal, or that the array check refuses, goes the way of every solve: the sample's program
is built and `reopt.results.planning.make_plan` confirms, checks, polishes or solves again.
`Limits` applies the magnitude limits that validation would apply to the scaled market.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from reopt.analysis.draws import Draw, scaled_market, vectors
from reopt.analysis.engine import WarmStarting
from reopt.backends import Feature
from reopt.backends.highs_arrays import ArrayAnswer, run_arrays, solution_now
from reopt.data.magnitudes import MAX_PRICE_RATIO, MAX_PRICE_USD_PER_KG, MAX_TONNES
from reopt.data.market import Market
from reopt.errors import InputError, Problem, SolverError
from reopt.model.formulation import compile
from reopt.model.policy import Policy
from reopt.model.program import LinearProgram
from reopt.model.scaling import Scaling, scaling_for
from reopt.options import Method, SolverOptions
from reopt.results.array_check import ArrayCheck
from reopt.results.planning import check_solver, make_plan, unscaled
from reopt.status import Status

__all__ = ["STACKED_VALUES", "Effect", "FastModel", "Limits", "Sampler", "probe"]

#: The most values per kind (costs, bounds, answers) of the samples stacked for one check.
STACKED_VALUES = 1_000_000


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


def _union(parts: Sequence[np.ndarray]) -> np.ndarray:
    """The positions in any of ``parts``, sorted, as HiGHS's index type."""
    return np.unique(np.concatenate([np.asarray(p, dtype=np.int64) for p in parts])).astype(
        np.int32
    )


class Sampler:
    """One worker thread's session for a fast model, and the sample solved on arrays."""

    def __init__(
        self,
        market: Market,
        policies: tuple[Policy, ...],
        fast: FastModel,
        solver: str | Any,
        options: SolverOptions,
    ) -> None:
        self.market, self.policies, self.fast = market, policies, fast
        self.backend, self.options = check_solver(solver, options)
        assert isinstance(self.backend, WarmStarting)  # probe() saw Feature.WARM_START
        self.scaled = fast.scaling.apply(fast.lp)
        self.session = self.backend.session(self.scaled, self.options)
        self.session.run()
        self.basis = self.session.basis()
        if self.options.method is Method.AUTO:
            self.session.set_option("solver", "simplex")  # from a basis, simplex is the way
        self.check = ArrayCheck.of(self.scaled)
        effects = fast.effects
        self.cost_cols = _union([e.cost for e in effects])
        self.upper_cols = _union([e.col_upper for e in effects])
        self.rows = _union([np.union1d(e.row_lower, e.row_upper) for e in effects])
        self.limits = Limits.of(market)

    def solve_batch(self, factors: np.ndarray, first: int) -> tuple[list[Status], np.ndarray]:
        """Each sample's status and offer tonnes (a row of NaN unless optimal), checked.

        ``factors`` has one row per sample and one column per draw; the first sample is draw
        ``first`` of the run (for errors). The samples are solved one after another, each
        from the unchanged model's optimal basis, and their answers are checked together
        (`ArrayCheck.passes` on the stacked arrays), `STACKED_VALUES` numbers at most.
        """
        fast, scaling, scaled = self.fast, self.fast.scaling, self.scaled
        k, n_cols, n_rows = len(factors), fast.lp.n_cols, fast.lp.n_rows
        most = max(1, STACKED_VALUES // (n_cols + n_rows))
        if k > most:  # a large model: a few samples at a time
            parts = [
                self.solve_batch(factors[at : at + most], first + at) for at in range(0, k, most)
            ]
            return [s for part in parts for s in part[0]], np.concatenate([p[1] for p in parts])
        entries = self._entries(factors)
        cost, upper, row_lower, row_upper = entries
        cost_s = cost * scaling.col * scaling.col_cost  # as Scaling.apply computes them
        upper_s = upper / scaling.col
        low_s, up_s = row_lower * scaling.row, row_upper * scaling.row
        x, d = np.full((k, n_cols), np.nan), np.full((k, n_cols), np.nan)
        y, objective = np.full((k, n_rows), np.nan), np.full(k, np.nan)
        statuses: list[Status] = [Status.OPTIMAL] * k
        answered = np.zeros(k, dtype=bool)
        tonnes = np.full((k, self.market.n_offers), np.nan)
        for j in range(k):
            answer = self._run(cost_s[j], upper_s[j], low_s[j], up_s[j])
            if answer.x is not None and answer.row_dual is not None and answer.col_dual is not None:
                x[j], y[j], d[j], objective[j] = (
                    answer.x,
                    answer.row_dual,
                    answer.col_dual,
                    answer.objective,
                )
                answered[j] = True
            else:  # not optimal, or no duals: the way of every solve, from this answer
                statuses[j], tonnes[j] = self._full(answer, [e[j] for e in entries], first + j)
        passed = answered & self.check.passes(
            cost_s, scaled.col_lower, upper_s, low_s, up_s, x, y, d, objective
        )
        tonnes[passed] = (x[passed] * scaling.col)[:, : self.market.n_offers]  # as unscale does
        for again in np.flatnonzero(answered & ~passed).tolist():  # refused: run it again, in full
            answer = self._run(cost_s[again], upper_s[again], low_s[again], up_s[again])
            statuses[again], tonnes[again] = self._full(
                answer, [e[again] for e in entries], first + again
            )
        return statuses, tonnes

    def _run(
        self, cost: np.ndarray, upper: np.ndarray, row_lower: np.ndarray, row_upper: np.ndarray
    ) -> ArrayAnswer:
        """One sample's scaled costs and bounds in the session, solved from the base basis."""
        session = self.session
        if len(self.cost_cols):
            session.set_costs(self.cost_cols, cost[self.cost_cols])
        if len(self.upper_cols):
            cols = self.upper_cols
            session.set_col_bounds(cols, self.scaled.col_lower[cols], upper[cols])
        if len(self.rows):
            session.set_row_bounds(self.rows, row_lower[self.rows], row_upper[self.rows])
        session.set_basis(self.basis)
        return run_arrays(session)

    def _full(
        self, answer: ArrayAnswer, entries: list[np.ndarray], draw: int
    ) -> tuple[Status, np.ndarray]:
        """The sample's program, and HiGHS's answer to it confirmed and checked by make_plan."""
        cost, upper, row_lower, row_upper = entries
        fast = self.fast
        every_col, every_row = np.arange(fast.lp.n_cols), np.arange(fast.lp.n_rows)
        lp = fast.lp.with_costs(cost).with_col_bounds(every_col, upper=upper)
        lp = lp.with_row_bounds(every_row, lower=row_lower, upper=row_upper)
        solution = unscaled(solution_now(self.session, answer), lp, fast.scaling)
        try:
            plan = make_plan(
                self.market,
                self.policies,
                lp,
                solution,
                self.backend,
                self.options,
                scaling=fast.scaling,
            )
        except SolverError as err:
            raise SolverError(f"monte_carlo() draw {draw}: {err}") from err
        if plan.status is not Status.OPTIMAL or plan.solution.x is None:
            return plan.status, np.full(self.market.n_offers, np.nan)
        return plan.status, np.asarray(plan.solution.x[: self.market.n_offers])

    def _entries(self, factors: np.ndarray) -> list[np.ndarray]:
        """Costs, column upper bounds and row bounds of each sample, in the model's units."""
        lp, k = self.fast.lp, len(factors)
        cost, upper = np.tile(lp.cost, (k, 1)), np.tile(lp.col_upper, (k, 1))
        row_lower, row_upper = np.tile(lp.row_lower, (k, 1)), np.tile(lp.row_upper, (k, 1))
        for e, f in zip(self.fast.effects, factors.T, strict=True):
            factor = f[:, None]
            if len(e.cost):
                cost[:, e.cost] *= factor
            if len(e.col_upper):
                with np.errstate(invalid="ignore"):
                    u = upper[:, e.col_upper]
                    upper[:, e.col_upper] = np.where(np.isinf(u) & (factor == 0), 0.0, u * factor)
            if len(e.row_lower):
                row_lower[:, e.row_lower] *= factor
            if len(e.row_upper):
                row_upper[:, e.row_upper] *= factor
        return [cost, upper, row_lower, row_upper]


@dataclass(frozen=True)
class Limits:
    """The magnitude limits validation applies (`reopt.data.magnitudes`), for scaled markets.

    A market that only had factors applied is not validated again on the fast path; these
    are the checks its numbers could newly fail.
    """

    price: np.ndarray
    capacity: np.ndarray
    finite_capacity: np.ndarray
    demand: np.ndarray
    by_product: np.ndarray
    product_starts: np.ndarray

    @classmethod
    def of(cls, market: Market) -> Limits:
        """The limits for factors on ``market``'s prices, capacities and demand."""
        enc = market.encoded
        product = enc.codes["product"]
        order = np.argsort(product, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(product[order]) != 0]) if len(order) else order
        return cls(
            price=enc.price_usd_per_kg,
            capacity=enc.capacity_t,
            finite_capacity=np.isfinite(enc.capacity_t),
            demand=enc.demand_t,
            by_product=order,
            product_starts=starts,
        )

    def beyond(
        self, price: np.ndarray, capacity: np.ndarray, demand: np.ndarray
    ) -> tuple[int, InputError] | None:
        """The first sample whose factors take a number beyond a limit, and its error.

        One row of factors per sample (per offer: price, capacity; per demand row: demand).
        """
        p = self.price * price
        cap = (self.capacity * capacity)[:, self.finite_capacity]
        d = self.demand * demand
        rules = {
            ("price_usd_per_kg", f"must be at most {MAX_PRICE_USD_PER_KG:g}"): _over(
                p, MAX_PRICE_USD_PER_KG
            ),
            ("capacity_t", f"must be at most {MAX_TONNES:g}"): _over(cap, MAX_TONNES),
            ("demand_t", f"must be at most {MAX_TONNES:g}"): _over(d, MAX_TONNES),
        }
        if len(self.product_starts):
            sorted_p = p[:, self.by_product]
            positive = sorted_p > 0
            starts = self.product_starts
            hi = np.maximum.reduceat(np.where(positive, sorted_p, 0.0), starts, axis=1)
            lo = np.minimum.reduceat(np.where(positive, sorted_p, np.inf), starts, axis=1)
            ratio = np.asarray((np.isfinite(lo) & (hi > MAX_PRICE_RATIO * lo)).any(axis=1))
            rules["price_usd_per_kg", f"prices of one product {MAX_PRICE_RATIO:g}x"] = ratio
        failed = np.stack(list(rules.values())).any(axis=0)
        if not failed.any():
            return None
        j = int(np.argmax(failed))
        problems = [
            Problem("offers", "scaled market", column, None, rule, "draw smaller factors")
            for (column, rule), bad in rules.items()
            if bad[j]
        ]
        return j, InputError(problems)


def _over(values: np.ndarray, limit: float) -> np.ndarray:
    """Per row: a value not finite, or above ``limit``."""
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(values).all(axis=1) & (values.max(axis=1, initial=0.0) <= limit)
    return np.asarray(~ok)
