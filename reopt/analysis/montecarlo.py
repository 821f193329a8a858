"""`monte_carlo`: the market solved under random prices, capacities and demand, draw by draw.

Each of ``n`` samples multiplies what every `reopt.Draw` picks by a factor drawn from its
distribution (correlated through a Gaussian copula where asked; `reopt.analysis.draws`) and
solves the market with the policies in force. Samples go to the executor in batches of plain
data (`reopt.analysis.mc_job`), a few hundred at a time (`batch_size_for`); on Dask the run's
data goes to each worker once (`reopt.analysis.executors.shared`), and to other executors
pickled once (`reopt.analysis.mc_job.Packed`). Sample ``i`` is seeded from
``numpy.random.SeedSequence(seed).spawn(n)[i]``, so the table is the same, value for value
and in the same order, whatever the executor, worker count or batch size.

The result is a `MonteCarloTable` (a DataFrame) with one row per sample and a `summary`.
"""

from __future__ import annotations

import math
import numbers
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd

from reopt.analysis.draws import DEMAND_FILTERS, Draw, correlation_root
from reopt.analysis.executors import as_executor, results_in_order, shared, workers_of
from reopt.analysis.mc_fast import probe
from reopt.analysis.mc_job import Job, pack, release, run_batch
from reopt.analysis.points import demand_names
from reopt.data import filters
from reopt.data.market import Market
from reopt.errors import InputError, ProblemList
from reopt.model.policy import Policy, policies_for
from reopt.options import DEFAULT_SOLVER, SolverOptions
from reopt.progress import Progress
from reopt.results.planning import check_solver

__all__ = ["BATCH_SIZE", "Draw", "MonteCarloTable", "batch_size_for", "monte_carlo", "summary"]

#: The default batch: the largest number of samples per task handed to an executor.
BATCH_SIZE = 500
#: The smallest default batch, and how many tasks a run is split into where batches allow.
MIN_BATCH, TASKS = 25, 16
#: With the number of workers known: tasks per worker, and the largest batch.
TASKS_PER_WORKER, MAX_BATCH = 4, 2000
#: The quantiles of `summary`.
QUANTILES = (0.05, 0.5, 0.95)


class MonteCarloTable(pd.DataFrame):
    """The table of `monte_carlo`: a DataFrame with `summary`."""

    @property
    def _constructor(self) -> type[MonteCarloTable]:
        return MonteCarloTable

    def summary(self) -> pd.DataFrame:
        """Mean, standard deviation, quantiles and probability of infeasibility (`summary`)."""
        return summary(self)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """One row per quantity of a Monte Carlo table: its statistics over the samples.

    Outcomes (``cost_usd``, ``china_share:*``, ``shortage_t``) are taken over the optimal
    samples; the factors over all of them.

    Returns
    -------
    pandas.DataFrame
        Indexed by quantity; columns ``count``, ``mean``, ``std`` (sample standard deviation),
        ``q05``, ``q50``, ``q95``, and ``p_infeasible``: the share of samples with no plan
        (on the outcome rows; NaN on the factor rows).
    """
    optimal = table["status"] == "optimal"
    p_infeasible = float((table["status"] == "infeasible").mean()) if len(table) else math.nan
    rows = {}
    for column in table.columns:
        if column in ("draw", "status"):
            continue
        factor = "_factor:" in column
        values = table[column].to_numpy(dtype=float)
        values = values if factor else values[optimal.to_numpy()]
        values = values[~np.isnan(values)]
        stats = {"count": len(values), "mean": math.nan, "std": math.nan}
        if len(values):
            stats["mean"] = float(values.mean())
            stats["std"] = float(values.std(ddof=1)) if len(values) > 1 else math.nan
        for q in QUANTILES:
            name = f"q{round(q * 100):02d}"
            stats[name] = float(np.quantile(values, q)) if len(values) else math.nan
        stats["p_infeasible"] = math.nan if factor else p_infeasible
        rows[column] = stats
    return pd.DataFrame.from_dict(rows, orient="index")


def monte_carlo(
    market: Market,
    *,
    n: int,
    draws: Sequence[Draw],
    china_cap: float | str | None = None,
    policies: Iterable[Policy] = (),
    scenarios: object | None = None,
    seed: int = 0,
    executor: Executor | Any | None = None,
    progress: bool | None = None,
    correlation: object | None = None,
    solver: str | Any = DEFAULT_SOLVER,
    options: SolverOptions | None = None,
    batch_size: int | None = None,
) -> MonteCarloTable:
    """Solve ``market`` for ``n`` random samples of its prices, capacities or demand.

    Parameters
    ----------
    market : Market
    n : int
        Number of samples (>= 1).
    draws : sequence of Draw
        The random factors, e.g.
        ``Draw(scale="price", where={"country": "CN"}, dist="lognormal", sigma=0.3)``.
        Factors of draws that pick the same entry multiply.
    china_cap, policies
        As for `reopt.solve`, in force in every sample.
    scenarios : ScenarioSet, optional
        Solve each sample's two-stage model (`reopt.solve`'s ``scenarios=``); ``cost_usd``
        is then its expected cost and the table has ``shortage_t``.
    seed : int, default=0
        Root seed (>= 0); sample ``i`` uses ``numpy.random.SeedSequence(seed).spawn(n)[i]``.
    executor : concurrent.futures.Executor or distributed.Client, optional
        Where batches run (`reopt.analysis.executors`); None solves them here, one by one.
    progress : bool, optional
        Show a progress bar; by default only when interactive.
    correlation : array-like, optional
        Correlation matrix over ``draws`` (symmetric, unit diagonal, positive semi-definite):
        a Gaussian copula.
    solver, options
        As for `reopt.solve`.
    batch_size : int, optional
        Samples per task; by default `batch_size_for` ``n`` and the executor's workers (25
        to 2,000). The table does not depend on it.

    Returns
    -------
    MonteCarloTable
        One row per sample, in order: ``draw``, ``status``, ``cost_usd`` (NaN without a
        plan), ``china_share:<product>`` for each demand row (as `reopt.sweep`),
        ``shortage_t`` (with ``scenarios``), and ``<scale>_factor:<k>``, the factor of
        ``draws[k]``. Samples with no plan are rows with their status. ``summary()`` gives
        the statistics; ``attrs["draws"]`` the draws' labels.

    Raises
    ------
    InputError
        For bad arguments, listing every problem; for a sample whose factors make the market
        invalid, naming the sample.
    SolverError
        When a sample's solve fails, or a worker dies, naming the samples.

    Examples
    --------
    >>> import reopt
    >>> table = reopt.monte_carlo(reopt.datasets.japan_2025(), n=20, china_cap=0.6,
    ...     draws=[reopt.Draw(scale="price", where={"country": "CN"}, sigma=0.3)])
    >>> bool(table["status"].eq("optimal").all())
    True
    """
    job = _job(
        market,
        n,
        draws,
        china_cap,
        policies,
        scenarios,
        seed,
        correlation,
        solver,
        options,
        batch_size,
    )
    pool = as_executor(executor)
    size = batch_size if batch_size is not None else batch_size_for(n, workers_of(executor))
    batches = [(start, min(start + size, n)) for start in range(0, n, size)]
    frames: list[pd.DataFrame] = []
    with Progress(n, label="monte carlo", enabled=progress) as bar:
        if pool is None:
            try:
                for start, stop in batches:
                    frames.append(run_batch(job, start, stop))
                    bar.update(stop - start)
            finally:
                release(job)
        else:
            with shared(executor, job) as sent:
                # an executor that pickles every task gets the job pickled once (Packed)
                frames = _run_in(pool, pack(job) if sent is job else sent, batches, bar)
    table = MonteCarloTable(pd.concat(frames, ignore_index=True))
    table.attrs["draws"] = [d.label for d in job.draws]
    return table


def batch_size_for(n: int, workers: int | None = None) -> int:
    """The default samples per task for ``n`` samples on ``workers`` workers.

    About ``n / (4 * workers)``, from 25 to 2,000, where the executor says how many workers
    it has (`reopt.analysis.executors.workers_of`: `reopt.process_executor`, a Dask client);
    else about ``n / 16``, from 25 to 500. Large enough that handing out a task costs little
    against solving it (a Dask task costs a few milliseconds), small enough that the
    workers share the run evenly and the progress bar moves.
    """
    if workers is None:
        return max(MIN_BATCH, min(BATCH_SIZE, math.ceil(n / TASKS)))
    return max(MIN_BATCH, min(MAX_BATCH, math.ceil(n / (TASKS_PER_WORKER * workers))))


def _run_in(
    pool: Executor, job: Job | Any, batches: list[tuple[int, int]], bar: Progress
) -> list[pd.DataFrame]:
    """The batches run by ``pool``, results in submission order (`results_in_order`).

    ``job`` is the job itself, or what `reopt.analysis.executors.shared` made of it.
    """
    futures = [pool.submit(run_batch, job, start, stop) for start, stop in batches]
    names = [f"draws {start}..{stop - 1}" for start, stop in batches]
    return results_in_order(futures, names, lambda batch: bar.update(len(batch)))


def _job(
    market: Market,
    n: object,
    draws: object,
    china_cap: object,
    policies: Iterable[Policy],
    scenarios: object,
    seed: object,
    correlation: object,
    solver: object,
    options: object,
    batch_size: object,
) -> Job:
    """Every argument checked (one `InputError`), and the run as plain data."""
    problems = ProblemList()
    at = "monte_carlo()"
    checked: tuple[Policy, ...] = ()
    checks = [("n", n, 1), ("seed", seed, 0)]
    if batch_size is not None:
        checks.append(("batch_size", batch_size, 1))
    for name, value, low in checks:
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
            problems.add("options", at, name, value, f"must be a whole number >= {low}")
    items = list(draws) if isinstance(draws, (list, tuple)) else None
    if not items or not all(isinstance(d, Draw) for d in items):
        problems.add(
            "options",
            at,
            "draws",
            draws,
            "expected a non-empty list of reopt.Draw",
            "e.g. [reopt.Draw(scale='price', where={'country': 'CN'}, sigma=0.3)]",
        )
        items = []
    try:
        checked = policies_for(market, china_cap=china_cap, policies=policies)
    except InputError as err:
        problems.extend(err.problems)
    backend = None
    try:
        backend, options = check_solver(solver, options)
    except InputError as err:
        problems.extend(err.problems)
    root = None
    try:
        root = correlation_root(correlation, len(items)) if items else None
    except InputError as err:
        problems.extend(err.problems)
    problems.raise_if_any()
    masks = []
    for k, d in enumerate(items):
        table = market.demand if d.scale == "demand" else market.offers
        allowed = DEMAND_FILTERS if d.scale == "demand" else filters.FILTER_COLUMNS
        masks.append(
            filters.match(
                table,
                d.where,
                allowed=allowed,
                argument=f"draws[{k}].where",
                where_label=at,
                problems=problems,
            )
        )
    problems.raise_if_any()
    assert isinstance(options, SolverOptions) and backend is not None
    fast = None if scenarios is not None else probe(market, checked, items, masks, backend)
    return Job(
        market=market,
        policies=checked,
        draws=tuple(items),
        masks=tuple(masks),
        root=root,
        seed=int(seed),  # type: ignore[call-overload]
        solver=solver,
        options=options,
        scenarios=scenarios,
        fast=fast,
        products=tuple(demand_names(market)),
        token=uuid.uuid4().hex,
    )
