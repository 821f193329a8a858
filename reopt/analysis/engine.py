"""`Engine`: solves a sweep's points one after another, warm where the back end allows.

Each point is a full `reopt.solve` (statuses, the numpy check, infeasibility confirmed). A
back end with `reopt.backends.Feature.WARM_START` keeps one model in a session
(`reopt.backends.highs.HighsSession`) and a new point changes only what moved (bounds, costs,
coefficients), so it re-solves from the last basis. A warm answer that is optimal with
duals needs no second solve: the numpy check of every plan proves it optimal by its duals
(`reopt.results.verify`), or solves it again. A warm answer without that proof (infeasible,
a limit) is re-checked by a cold solve every `COLD_CHECK_EVERY`-th time (the first one
always), and a disagreement raises `SolverError`; the first point of a new session is
solved cold already. A sweep's grid is solved in runs of `RUN_LENGTH` neighbouring points, each
in a new session (`grid_runs`, `solve_run`): the first run from scratch, each next one from
the basis at which the run before it ended its first point (`run_starts`), so that no run
but the first starts cold and each depends on the grid alone; with an executor, `map_cold`
solves the runs in parallel, so a sweep's table is the same whatever solves it.

For a tonnes-basis share sweep the model is compiled once: later points only move the swept
policy's right-hand sides (`with_share`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from reopt.analysis.executors import results_in_order
from reopt.analysis.points import SweepPoint, cheapest_plans_buy, summarise, with_span
from reopt.analysis.whatif import SweepSetup
from reopt.backends import Backend, Feature, Solution, StartBasis
from reopt.data.market import Market
from reopt.errors import SolverError
from reopt.model.formulation import compile
from reopt.model.policy import Policy
from reopt.model.program import LinearProgram
from reopt.model.scaling import Scaling, scaling_for
from reopt.model.shares import Basis, Bound, SharePolicy
from reopt.options import SolverOptions
from reopt.results.planning import check_solver, make_plan, solve_with, unscaled
from reopt.status import Status

if TYPE_CHECKING:
    from reopt.backends.highs import HighsSession

__all__ = [
    "COLD_CHECK_EVERY",
    "RUN_LENGTH",
    "Engine",
    "WarmStarting",
    "can_warm_start",
    "check_agreement",
    "grid_runs",
    "map_cold",
    "run_starts",
    "solve_run",
    "with_share",
]

#: A warm-started point is compared with a cold solve this often (and the first one always).
COLD_CHECK_EVERY = 25
#: A sweep's grid points solved one after another in one session, from a cold start: a task.
RUN_LENGTH = COLD_CHECK_EVERY


@runtime_checkable
class WarmStarting(Protocol):
    """A back end with `Feature.WARM_START`: it opens sessions that keep one model."""

    def session(self, lp: LinearProgram, options: SolverOptions) -> HighsSession:
        """A session holding ``lp``, for warm re-solves."""
        ...


def can_warm_start(backend: Backend, market: Market, executor: Executor | None) -> bool:
    """Whether points can be re-solved in one kept model: a warm-start back end, no pool, an LP."""
    return Feature.WARM_START in backend.features and executor is None and not market.is_mip


class Engine:
    """Solves points one after another; with ``warm``, in one session re-solved in place."""

    def __init__(
        self,
        backend: Backend,
        options: SolverOptions,
        *,
        warm: bool,
        start: StartBasis | None = None,
        hand_on: bool = False,
    ) -> None:
        self.backend = backend
        self.options = options
        self.warm = warm
        self.start = start  # the first session's first run starts from it
        self.hand_on = hand_on  # keep where the first warm solve ended, for a next run
        self.first_basis: StartBasis | None = None
        self.solves = 0
        self.unproved = 0  # warm answers without a certificate so far
        self.session: HighsSession | None = None
        self._base: LinearProgram | None = None
        self._scaled: tuple[LinearProgram, Scaling] | None = None

    def point(
        self,
        setup: SweepSetup,
        value: float,
        kind: str,
        *,
        span: bool = False,
        cheapest: bool = False,
    ) -> SweepPoint:
        """Solve at ``value``; with ``span``, also find the piece of the curve it is on.

        With ``cheapest``, also name the offers bought in at least one cheapest plan there
        (`reopt.analysis.points.cheapest_plans_buy`).
        """
        market, policies = setup.build(value)
        lp = self._compile(setup, market, policies)
        scaling = self._scaling(lp)
        if self.warm:
            opened = self.session
            solution = self.solve_warm(lp, scaling)
            # a new session's first run is from scratch, unless it had a start
            fresh = self.session is not opened and (opened is not None or self.start is None)
            if opened is None and self.hand_on:
                assert self.session is not None
                self.first_basis = self.session.start_basis()
            if not fresh and not _certified(solution):
                # an undecided end is no verdict to compare: the plan solves it again
                if solution.status is not Status.ERROR and self.unproved % COLD_CHECK_EVERY == 0:
                    cold = solve_with(self.backend, lp, self.options, scaling=scaling)
                    check_agreement(solution, cold, setup.parameter, value)
                self.unproved += 1
        else:
            solution = solve_with(self.backend, lp, self.options, scaling=scaling)
        self.solves += 1
        plan = make_plan(
            market, policies, lp, solution, self.backend, self.options, scaling=scaling
        )
        point = summarise(plan, setup.varied, value, kind)
        if cheapest and plan.is_optimal:
            point = replace(point, cheapest=cheapest_plans_buy(plan))
        return with_span(point, plan, setup.varied) if span else point

    def solve_warm(self, lp: LinearProgram, scaling: Scaling) -> Solution:
        """``lp`` re-solved in the kept session (a new one for a model of another shape)."""
        scaled = scaling.apply(lp)
        if self.session is None or not self.session.lp.same_structure(scaled):
            assert isinstance(self.backend, WarmStarting)
            first = self.session is None
            self.session = self.backend.session(scaled, self.options)
            if first and self.start is not None:
                self.session.set_basis(self.start)
        return unscaled(self.session.resolve(scaled), lp, scaling)

    def _scaling(self, lp: LinearProgram) -> Scaling:
        """One scaling for every point of one shape, so that a point moves only bounds."""
        if self._scaled is None or not self._scaled[0].same_structure(lp):
            self._scaled = (lp, scaling_for(lp))
        return self._scaled[1]

    def _compile(
        self, setup: SweepSetup, market: Market, policies: tuple[Policy, ...]
    ) -> LinearProgram:
        """Compile once; for a tonnes-basis share sweep, later points only move bounds."""
        k = setup.varied
        if k is None or setup.policy is None or setup.policy.basis is not Basis.TONNES:
            return compile(market, policies)
        if market.has_stock_balance:  # its share is a coefficient of the rows, not a bound
            return compile(market, policies)
        if self._base is None:
            self._base = compile(market, policies)
        policy = policies[k]
        assert isinstance(policy, SharePolicy)
        return with_share(self._base, k, policy)


def with_share(lp: LinearProgram, k: int, policy: SharePolicy) -> LinearProgram:
    """``lp`` with policy ``k`` (tonnes basis) replaced by ``policy``, a new share of it.

    Only the policy's right-hand sides move: ``share * base_t`` on each of its rows.

    Examples
    --------
    >>> import reopt
    >>> lp = reopt.compile(reopt.datasets.japan_2025(), [reopt.cap_share(0.6, country="CN")])
    >>> moved = with_share(lp, 0, reopt.cap_share(0.7, country="CN"))
    >>> float(moved.label("share")[moved.rows_of(0)][0])
    0.7
    """
    rows = lp.rows_of(k)
    rhs = policy.share * lp.label("base_t")[rows]
    labels = {"share": policy.share}
    if policy.bound is Bound.MAX:
        moved = lp.with_row_bounds(rows, upper=rhs, labels=labels)
    else:
        moved = lp.with_row_bounds(rows, lower=rhs, labels=labels)
    return moved.with_policies((*lp.policies[:k], policy, *lp.policies[k + 1 :]))


def _certified(solution: Solution) -> bool:
    """Whether the plan's numpy check will prove ``solution`` optimal by its duals."""
    return (
        solution.status is Status.OPTIMAL
        and solution.x is not None
        and solution.row_dual is not None
        and solution.col_dual is not None
    )


def check_agreement(warm: Solution, cold: Solution, parameter: str, value: float) -> None:
    """Raise `SolverError` when a warm and a cold solve of one point disagree."""
    same = warm.status is cold.status
    if same and warm.status is Status.OPTIMAL:
        same = math.isclose(warm.objective, cold.objective, rel_tol=1e-7, abs_tol=1e-6)
    if not same:
        raise SolverError(
            f"a warm-started solve at {parameter}={value:g} disagrees with a cold solve: "
            f"{warm.status.value} {warm.objective:.10g} against "
            f"{cold.status.value} {cold.objective:.10g}"
        )


def grid_runs(values: Sequence[float]) -> list[tuple[float, ...]]:
    """The grid cut into runs of `RUN_LENGTH` neighbouring points, in order.

    A run is solved in one session, serially or in a worker, so that the solves, and the
    table, are the same whatever runs them (the grid alone sets the runs and their starts,
    `run_starts`).
    """
    return [tuple(values[i : i + RUN_LENGTH]) for i in range(0, len(values), RUN_LENGTH)]


def solve_run(
    setup: SweepSetup,
    values: Sequence[float],
    backend: Backend,
    options: SolverOptions,
    span: bool,
    done: Callable[[int], object] | None = None,
    start: StartBasis | None = None,
) -> tuple[list[SweepPoint], StartBasis | None]:
    """One run of grid points, one after another in a new `Engine` (warm where it can be).

    The run's first point is solved from ``start`` (from scratch without one); the basis
    it ends at is returned with the points, as the next run's start. A module-level
    function, so that a worker process can run it; ``done(1)`` after each point when given.
    """
    warm = can_warm_start(backend, setup.market, None)
    engine = Engine(backend, options, warm=warm, start=start, hand_on=True)
    points = []
    for value in values:
        points.append(engine.point(setup, value, "grid", span=span))
        if done is not None:
            done(1)
    return points, engine.first_basis


def run_starts(
    setup: SweepSetup, runs: Sequence[tuple[float, ...]], backend: Backend, options: SolverOptions
) -> list[StartBasis | None]:
    """Where each run starts: the first from scratch, each next one from a handed-on basis.

    The basis is the one the run before it ended its first point at: a chain of first
    points, one solve each. A run's first point is then a jump of one run's length from a
    basis, not a solve from scratch, and each run needs only the chain to start, not the
    run before it.
    """
    starts: list[StartBasis | None] = [None]
    warm = can_warm_start(backend, setup.market, None)
    for run in runs[:-1]:
        engine = Engine(backend, options, warm=warm, start=starts[-1], hand_on=True)
        engine.point(setup, run[0], "grid")
        starts.append(engine.first_basis)
    return starts


def map_cold(
    setup: SweepSetup,
    solver: str | Any,
    options: SolverOptions,
    executor: Executor,
    done: Callable[[int], object],
    *,
    span: bool,
) -> list[SweepPoint]:
    """The grid's runs (`grid_runs`) solved in parallel, one task per run.

    The runs' starts are found first, here (`run_starts`); then each task carries the
    sweep's setup (its market and how each point is built), the run's values and its start,
    and returns the run's points; each worker solves its run as `sweep` solves it serially
    (`solve_run`), so the points are the serial ones, in the grid's order, whatever the
    executor and the number of workers. ``executor`` is an `Executor`
    (`reopt.analysis.executors.as_executor` makes one of a Dask client); ``done(n)`` is
    called as each run's ``n`` points arrive (a progress bar's ``update``). A worker that
    dies is a `SolverError` naming its run's points
    (`reopt.analysis.executors.results_in_order`).
    """
    backend, options = check_solver(solver, options)
    runs = grid_runs(setup.values)
    starts = run_starts(setup, runs, backend, options)
    futures = [
        executor.submit(solve_run, setup, run, backend, options, span, start=start)
        for run, start in zip(runs, starts, strict=True)
    ]
    names = [_run_name(setup.parameter, run) for run in runs]
    points = results_in_order(futures, names, lambda run: done(len(run[0])))
    return [point for run in points for point in run[0]]


def _run_name(parameter: str, run: tuple[float, ...]) -> str:
    """``the point china_cap=0.6``, or ``the points china_cap=0.5 to 0.74``."""
    if len(run) == 1:
        return f"the point {parameter}={run[0]:g}"
    return f"the points {parameter}={run[0]:g} to {run[-1]:g} ({len(run)} points, one task)"
