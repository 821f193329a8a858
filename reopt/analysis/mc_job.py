"""A Monte Carlo run as plain data (`Job`), and the worker that solves a batch of its samples.

`run_batch` is what an executor runs: samples ``start .. stop - 1`` of a `Job`, each drawn
from its own seed (`reopt.analysis.draws.sample_factors`), so a sample's numbers and answer
do not depend on the batch it is in or the worker that solves it. A `Job` may also arrive
as the value a Dask future stands for (the job scattered once to every worker), or `Packed`:
pickled once, and unpickled once per worker process however many batches it solves.

Two ways to solve a sample, both ending in reopt's numpy check of every optimal answer:

- fast (`reopt.analysis.mc_fast`): an LP market without stock or scenarios, on a back end
  with `Feature.WARM_START`. The model is compiled once; a sample only scales the entries
  its draws move, in a HiGHS session kept per worker thread (`Sampler`), and is checked and
  recorded with numpy arrays. Factors are checked against the market's magnitude limits
  (`reopt.analysis.mc_fast.Limits`) that validation would apply.
- full: the scaled market is built and validated again, and solved by `reopt.solve` (with
  ``scenarios=``, the two-stage model). Used for everything else.

Both record a sample the same way: cost, and China's share of each demand row's tonnes
from the offer tonnes (`Shares`).
"""

from __future__ import annotations

import pickle
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from reopt.analysis.draws import Draw, sample_factors, scaled_market, vectors
from reopt.analysis.mc_fast import FastModel, Sampler
from reopt.data.market import Market
from reopt.errors import InputError, Problem, SolverError
from reopt.model.formulation import KG_PER_T
from reopt.model.policy import Policy
from reopt.options import SolverOptions
from reopt.results.planning import solve
from reopt.status import Status

__all__ = ["Job", "Packed", "Shares", "pack", "release", "run_batch", "unpack"]


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


@dataclass(frozen=True)
class Packed:
    """A `Job` pickled once, named by its token, for executors that pickle every task.

    A worker process unpickles it the first time it sees the token and keeps that job, so a
    run's market is not rebuilt (and validated again) for every batch.
    """

    token: str
    data: bytes


def pack(job: Job) -> Packed:
    """``job`` pickled once (see `Packed`)."""
    return Packed(job.token, pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))


_UNPACKED: dict[str, Job] = {}


def unpack(job: Job | Packed) -> Job:
    """The job itself: unpickled the first time this process sees it, then kept (the last)."""
    if isinstance(job, Job):
        return job
    found = _UNPACKED.get(job.token)
    if found is None:
        found = pickle.loads(job.data)
        assert isinstance(found, Job)
        _UNPACKED.clear()
        _UNPACKED[job.token] = found
    return found


@dataclass(frozen=True)
class Shares:
    """China's share of each demand row's tonnes, from the offer tonnes (a group sum).

    The Chinese offers of each demand row are summed in the order of the offers
    (``order``: those offers, grouped; ``starts``: where each ``rows`` group begins).
    """

    names: tuple[str, ...]
    demand_t: np.ndarray
    order: np.ndarray
    starts: np.ndarray
    rows: np.ndarray

    @classmethod
    def of(cls, market: Market, products: tuple[str, ...]) -> Shares:
        """The group sum of ``market``'s Chinese offers into its demand rows."""
        enc = market.encoded
        labels = list(enc.labels["country"])
        counted = np.zeros(len(enc.group), dtype=bool)
        if "CN" in labels:
            counted = (enc.codes["country"] == labels.index("CN")) & (enc.group >= 0)
        picked = np.flatnonzero(counted)
        order = picked[np.argsort(enc.group[picked], kind="stable")]
        rows, starts = np.unique(enc.group[order], return_index=True)
        names = tuple(f"china_share:{p}" for p in products)
        return cls(names, enc.demand_t, order, starts, rows)

    def of_tonnes(self, x: np.ndarray, demand: np.ndarray) -> dict[str, np.ndarray]:
        """The shares for offer tonnes ``x`` under demand factors ``demand``, one row each.

        A row of NaN tonnes (no plan) gives NaN shares.
        """
        demand_t = self.demand_t * demand
        china = np.zeros((*x.shape[:-1], len(self.demand_t)))
        if len(self.order):
            china[..., self.rows] = np.add.reduceat(x[..., self.order], self.starts, axis=-1)
        none = np.isnan(x).any(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(demand_t > 0, china / demand_t, 0.0)
        share[none] = np.nan
        return {name: share[..., k] for k, name in enumerate(self.names)}


@dataclass(frozen=True)
class _Kept:
    """What a worker thread keeps for the run named ``token``: its session and group sum."""

    token: str
    shares: Shares
    sampler: Sampler | None


_LOCAL = threading.local()


def _kept(job: Job) -> _Kept:
    """The calling thread's state for ``job`` (one per thread: sessions are not shared)."""
    kept = getattr(_LOCAL, "kept", None)
    if kept is None or kept.token != job.token:
        sampler = None
        if job.fast is not None:
            sampler = Sampler(job.market, job.policies, job.fast, job.solver, job.options)
        kept = _Kept(job.token, Shares.of(job.market, job.products), sampler)
        _LOCAL.kept = kept
    return kept


def release(job: Job) -> None:
    """Drop the calling thread's session for ``job`` (after a serial run)."""
    kept = getattr(_LOCAL, "kept", None)
    if kept is not None and kept.token == job.token:
        del _LOCAL.kept


def run_batch(job: Job | Packed, start: int, stop: int) -> pd.DataFrame:
    """Samples ``start .. stop - 1`` of ``job``, one row each (see `reopt.monte_carlo`)."""
    job = unpack(job)
    kept = _kept(job)
    draws = np.arange(start, stop)
    factors = np.array([sample_factors(job.draws, job.seed, int(i), job.root) for i in draws])
    factors = factors.reshape(len(draws), len(job.draws))
    price, capacity, demand = vectors(job.market, job.draws, job.masks, factors)
    columns: dict[str, object] = {"draw": draws}
    if kept.sampler is not None:
        beyond = kept.sampler.limits.beyond(price, capacity, demand)
        if beyond is not None:
            j, err = beyond
            raise InputError([_at(p, f"monte_carlo() draw {draws[j]}") for p in err.problems])
        statuses, x = kept.sampler.solve_batch(factors, start)
        paid = (job.market.encoded.price_usd_per_kg * price) * np.nan_to_num(x)
        cost = np.where(np.isnan(x).any(axis=1), np.nan, KG_PER_T * paid.sum(axis=1))
        shortage = None
    else:
        solved = [_full(job, int(i), price[j], capacity[j], demand[j]) for j, i in enumerate(draws)]
        statuses = [status for status, _, _, _ in solved]
        cost = np.array([c for _, c, _, _ in solved], dtype=float)
        x = np.array([t for _, _, t, _ in solved]).reshape(len(draws), job.market.n_offers)
        shortage = np.array([s for _, _, _, s in solved], dtype=float)
    columns["status"] = [status.value for status in statuses]
    columns["cost_usd"] = cost
    columns.update(kept.shares.of_tonnes(x, demand))
    if job.scenarios is not None:
        columns["shortage_t"] = shortage
    for k, d in enumerate(job.draws):
        columns[f"{d.scale}_factor:{k}"] = factors[:, k]
    return pd.DataFrame(columns)


def _full(
    job: Job, i: int, price: np.ndarray, capacity: np.ndarray, demand: np.ndarray
) -> tuple[Status, float, np.ndarray, float]:
    """Sample ``i`` validated and solved in full: status, cost, offer tonnes, shortage."""
    try:
        market = scaled_market(job.market, price, capacity, demand)
        plan = solve(
            market,
            policies=job.policies,
            solver=job.solver,
            options=job.options,
            scenarios=job.scenarios,  # type: ignore[arg-type]
        )
    except InputError as err:
        raise InputError([_at(p, f"monte_carlo() draw {i}") for p in err.problems]) from None
    except SolverError as err:
        raise SolverError(f"monte_carlo() draw {i}: {err}") from err
    shortage = _shortage(plan) if job.scenarios is not None else float("nan")
    return plan.status, plan.cost_usd, _x(plan), shortage


def _x(plan: Any) -> np.ndarray:
    """The plan's offer tonnes (NaN unless optimal)."""
    if plan.status is not Status.OPTIMAL or plan.solution.x is None:
        return np.full(plan.market.n_offers, np.nan)
    return np.asarray(plan.solution.x[: plan.market.n_offers])


def _shortage(plan: Any) -> float:
    """Expected shortage in tonnes, all products together (NaN unless optimal)."""
    if plan.status is not Status.OPTIMAL:
        return float("nan")
    return float(plan.shortage["expected_shortage_t"].sum())


def _at(p: Problem, where: str) -> Problem:
    """``p`` placed at ``where`` (its own place kept in the rule)."""
    return Problem(p.table, where, p.column, p.value, f"{p.where}: {p.rule}", p.hint)
