"""One executor contract: serial, a spawn-based process pool and a Dask cluster give the same
tables in the same order; a worker that dies is an error naming what it was solving."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import executor_tasks
import numpy as np
import pandas as pd
import pytest

import reopt
import reopt.progress
from reopt.analysis.executors import (
    THREAD_VARIABLES,
    as_executor,
    results_in_order,
    workers_of,
)

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

CAPS = [float(c) for c in np.linspace(0.5, 1.0, 50)]
#: Steps of 0.05 on China's prices: several land where a Chinese offer ties with another one,
#: so that which cheapest plan is reported depends on the solve path.
FACTORS = [0.5 + 0.05 * i for i in range(50)]


@pytest.fixture(scope="module")
def japan() -> reopt.Market:
    return reopt.datasets.japan_2025()


@pytest.fixture(scope="module")
def pool():
    """A `reopt.process_executor(2)`, its workers started where no thread variable is set."""
    saved = {name: os.environ.pop(name) for name in THREAD_VARIABLES if name in os.environ}
    try:
        ex = reopt.process_executor(2)
        # start both workers now, while the variables are unset here
        list(ex.map(executor_tasks.slow_echo, [0.0, 1.0], [0.5, 0.5]))
    finally:
        os.environ.update(saved)
    with ex:
        yield ex


@pytest.fixture(scope="module")
def client():
    """A real Dask cluster on loopback: 2 worker processes of one thread; a task whose worker
    dies once is given up at once (no retries)."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
    with cluster, distributed.Client(cluster) as c:
        yield c


def same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert a.attrs == b.attrs


# --- the argument --------------------------------------------------------------------------
def test_none_is_serial_and_an_executor_is_used_as_it_is():
    assert as_executor(None) is None
    with ThreadPoolExecutor(1) as threads:
        assert as_executor(threads) is threads


def test_a_dask_client_is_used_without_merging_identical_calls(client):
    ex = as_executor(client)
    first, second = (ex.submit(executor_tasks.fresh_token) for _ in range(2))
    assert first.result() != second.result()  # pure=True would have run it once


class _FakeClient:
    def __init__(self) -> None:
        self.asked: list[dict[str, object]] = []
        self.executor = ThreadPoolExecutor(1)

    def get_executor(self, **kwargs: object) -> ThreadPoolExecutor:
        self.asked.append(kwargs)
        return self.executor


def test_anything_with_get_executor_is_asked_for_an_impure_one():
    fake = _FakeClient()
    with fake.executor:
        assert as_executor(fake) is fake.executor
    assert fake.asked == [{"pure": False}]


@pytest.mark.parametrize("bad", ["processes", 2, object(), ThreadPoolExecutor, _FakeClient])
@pytest.mark.parametrize("call", ["sweep", "risk_frontier", "cap_risk_curve"])
def test_a_bad_executor_is_one_input_error_naming_it(japan, bad, call):
    scenarios = reopt.datasets.japan_2025_scenarios()
    runs = {
        "sweep": lambda: reopt.sweep(japan, china_cap=[0.6], executor=bad),
        "risk_frontier": lambda: reopt.risk_frontier(japan, scenarios, weights=[0.5], executor=bad),
        "cap_risk_curve": lambda: reopt.cap_risk_curve(
            japan, scenarios, china_cap=[0.6], executor=bad
        ),
    }
    with pytest.raises(reopt.InputError) as caught:
        runs[call]()
    [problem] = caught.value.problems
    assert problem.column == "executor"
    assert "concurrent.futures.Executor" in problem.rule and "Client" in problem.rule
    assert "process_executor" in problem.hint


@pytest.mark.parametrize("n", [0, -1, 2.0, True, "2", None])
def test_a_pool_needs_a_whole_number_of_workers(n):
    with pytest.raises(reopt.InputError, match="whole number >= 1") as caught:
        reopt.process_executor(n)
    assert caught.value.problems[0].column == "n"


# --- the pool's workers --------------------------------------------------------------------
def test_pools_and_clients_say_how_many_workers_they_have(pool, client):
    assert workers_of(pool) == 2
    assert workers_of(client) == 2
    with ThreadPoolExecutor(3) as threads:
        assert workers_of(threads) is None  # a plain Executor does not say
    assert workers_of(None) is None


def test_pool_workers_run_one_thread(pool):
    for found in [pool.submit(executor_tasks.thread_settings).result() for _ in range(2)]:
        assert found["highs_threads"] == 1
        assert all(found[name] == "1" for name in THREAD_VARIABLES)


def test_results_come_in_submit_order_whatever_finishes_first():
    seen = []
    with ThreadPoolExecutor(3) as threads:
        futures = [
            threads.submit(executor_tasks.slow_echo, v, s)
            for v, s in [(1.0, 0.3), (2.0, 0.0), (3.0, 0.1)]
        ]
        assert results_in_order(futures, ["a", "b", "c"], seen.append) == [1.0, 2.0, 3.0]
    assert seen == [1.0, 2.0, 3.0]


def test_an_error_cancels_the_tasks_not_started():
    def fail() -> None:
        raise reopt.SolverError("no")

    with ThreadPoolExecutor(1) as threads:
        futures = [threads.submit(fail)]
        futures += [threads.submit(time.sleep, 0.2) for _ in range(5)]
        with pytest.raises(reopt.SolverError, match="no"):
            results_in_order(futures, list("abcdef"))
        assert sum(f.cancelled() for f in futures) >= 4


# --- same tables, same order ---------------------------------------------------------------
@pytest.mark.parametrize("which", ["pool", "client"])
@pytest.mark.parametrize("exact", [False, True], ids=["grid", "exact"])
def test_a_50_point_cap_sweep_is_the_serial_one(japan, request, which, exact):
    executor = request.getfixturevalue(which)
    serial = reopt.sweep(japan, china_cap=CAPS, exact=exact, progress=False)
    parallel = reopt.sweep(japan, china_cap=CAPS, exact=exact, executor=executor, progress=False)
    if exact:
        assert len(serial.attrs["breakpoints"]) >= 3  # the default finds the curve's kinks
    same_table(parallel, serial)


@pytest.mark.parametrize("which", ["pool", "client"])
def test_runs_started_from_handed_on_bases_are_the_serial_ones(japan, request, which):
    """With HiGHS, the second run starts from the basis the first ended its first point at,
    in a worker as in the serial sweep."""
    executor = request.getfixturevalue(which)
    kwargs = {"china_cap": CAPS, "solver": "highs", "exact": False, "progress": False}
    serial = reopt.sweep(japan, **kwargs)
    same_table(reopt.sweep(japan, executor=executor, **kwargs), serial)


@pytest.mark.parametrize("which", ["pool", "client"])
def test_a_50_point_what_if_is_the_serial_one(japan, request, which):
    executor = request.getfixturevalue(which)
    scale = {"country": "CN"}
    serial = reopt.sweep(japan, scale_price=scale, factors=FACTORS, progress=False)
    parallel = reopt.sweep(
        japan, scale_price=scale, factors=FACTORS, executor=executor, progress=False
    )
    assert (serial["entering"] != "").sum() >= 3  # the plan changes along the way
    same_table(parallel, serial)


@pytest.mark.parametrize("which", ["pool", "client"])
def test_a_risk_frontier_is_the_serial_one(japan, request, which):
    executor = request.getfixturevalue(which)
    scenarios = reopt.datasets.japan_2025_scenarios()
    weights = [1.0, 0.0, 0.5, 0.25, 0.75, 0.9]
    serial = reopt.risk_frontier(japan, scenarios, weights=weights, china_cap=0.6, progress=False)
    parallel = reopt.risk_frontier(
        japan, scenarios, weights=weights, china_cap=0.6, executor=executor, progress=False
    )
    same_table(parallel, serial)


@pytest.mark.parametrize("which", ["pool", "client"])
def test_a_benchmark_on_an_executor_has_the_serial_rows(japan, request, which):
    executor = request.getfixturevalue(which)
    options = [reopt.SolverOptions(), reopt.SolverOptions(method="ipm")]
    kwargs = {"solvers": ["highs"], "options": options, "repeats": 2, "china_cap": 0.6}
    serial = reopt.benchmark(japan, **kwargs)
    parallel = reopt.benchmark(japan, executor=executor, **kwargs)
    same = ["solver", "options", "repeat", "status", "cost_usd", "agrees", "n_vars", "n_rows"]
    same_table(parallel[same], serial[same])
    assert parallel["options"].tolist() == ["default", "default", "method=ipm", "method=ipm"]


# --- a worker that dies --------------------------------------------------------------------
def _sweep_that_kills_a_worker(japan, executor):
    """A 30-point demand what-if whose 28th point ends its worker process (the second run)."""
    factors = [1.0 + 0.01 * i for i in range(30)]
    total = float(japan.demand["demand_t"].sum()) * factors[27]
    rule = executor_tasks.DieAtDemand(total)
    return reopt.sweep(
        japan,
        scale_demand={},
        factors=factors,
        policies=[rule],
        executor=executor,
        progress=False,
    )


def test_a_dead_pool_worker_is_an_error_naming_its_points(japan):
    with reopt.process_executor(1) as one:
        start = time.perf_counter()
        with pytest.raises(reopt.ReoptError, match="BrokenProcessPool") as caught:
            _sweep_that_kills_a_worker(japan, one)
    assert time.perf_counter() - start < 120
    assert "factor=1.25 to 1.29" in str(caught.value)


def test_a_dead_dask_worker_is_an_error_naming_its_points(japan, client):
    with pytest.raises(reopt.ReoptError, match="KilledWorker") as caught:
        _sweep_that_kills_a_worker(japan, client)
    assert "factor=1.25 to 1.29" in str(caught.value)
    client.wait_for_workers(2, timeout=60)  # the nanny starts a new one for the next tests


# --- an interrupted run ------------------------------------------------------------------------
class _InterruptedBar(reopt.progress.Progress):
    """A progress bar whose second update is a Ctrl-C."""

    def update(self, steps: int = 1) -> None:
        super().update(steps)
        if self.done > steps:
            raise KeyboardInterrupt


def _scheduler_tasks(dask_scheduler) -> set[str]:
    return {str(key) for key in dask_scheduler.tasks}


def test_an_interrupted_dask_run_leaves_no_tasks_or_data_on_the_cluster(japan, client, monkeypatch):
    """The batches not finished are cancelled and the scattered job is released."""
    from reopt.analysis import montecarlo

    draw = reopt.Draw(scale="price", where={"country": "CN"}, sigma=0.3)
    monkeypatch.setattr(montecarlo, "Progress", _InterruptedBar)
    before = client.run_on_scheduler(_scheduler_tasks)  # what earlier tests left
    with pytest.raises(KeyboardInterrupt):
        reopt.monte_carlo(japan, n=20_000, draws=[draw], executor=client, batch_size=20)
    deadline = time.monotonic() + 30
    while client.run_on_scheduler(_scheduler_tasks) - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert client.run_on_scheduler(_scheduler_tasks) - before == set()
    assert len(client.scheduler_info()["workers"]) == 2
