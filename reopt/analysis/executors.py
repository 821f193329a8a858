"""Where many independent solves run: in this process, a process pool, or a Dask cluster.

Every function of reopt that solves independent models takes ``executor=``: ``None`` (serial,
the default), any `concurrent.futures.Executor`, or a Dask ``distributed.Client``.
`as_executor` turns that argument into what the function submits to (a Client through
``client.get_executor(pure=False)``: Dask's default ``pure=True`` would merge identical
calls, and with them repeated random draws). `process_executor` makes a local process pool
that starts its workers by spawning (never forking: HiGHS's and BLAS's threads deadlock in a
forked child) and runs HiGHS with one thread in each; `workers_of` says how many tasks an
executor runs at once, where it can tell. `shared` sends a task's large input
to every Dask worker once (``client.scatter(..., broadcast=True)``) instead of with every task;
for other executors it is the input itself. `results_in_order` collects the results in the
order the tasks were submitted, whatever finishes first, and turns a worker that died into a
`SolverError` naming the task whose result was lost.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from reopt.errors import InputError, Problem
from reopt.results.in_order import executor_of, results_in_order

__all__ = [
    "THREAD_VARIABLES",
    "WorkerPool",
    "as_executor",
    "process_executor",
    "results_in_order",
    "shared",
    "workers_of",
]

T = TypeVar("T")

#: Environment variables that size the thread pools of BLAS and OpenMP libraries; a worker of
#: `process_executor` sets each to ``"1"``.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def as_executor(executor: object) -> Executor | None:
    """``None``, an `Executor` as it is, or a Dask ``Client``'s executor (``pure=False``).

    The one reading of the argument (`reopt.results.in_order.executor_of`).

    Raises
    ------
    InputError
        For anything else, naming the argument and what it got.
    """
    return executor_of(executor)


@contextmanager
def shared(executor: object, value: T) -> Iterator[T | Any]:
    """``value`` as tasks submitted for ``executor`` should take it, while the block runs.

    ``executor`` is the argument the user gave (before `as_executor`). For a Dask client
    (recognised by its ``scatter`` method), ``value`` is sent to every worker once with
    ``client.scatter(value, broadcast=True, hash=False)``, and the block gets the future: a
    task given it as an argument receives ``value`` itself, from its worker's memory. The
    future is released when the block ends. For None or any other `Executor`, the block gets
    ``value`` itself (a process pool pickles it with each task).

    Examples
    --------
    >>> with shared(None, [1, 2]) as sent:
    ...     sent
    [1, 2]
    """
    scatter = getattr(executor, "scatter", None)
    if executor is None or isinstance(executor, (Executor, type)) or not callable(scatter):
        yield value
        return
    future = scatter(value, broadcast=True, hash=False)
    try:
        yield future
    finally:
        release = getattr(future, "release", None)
        if callable(release):
            release()


def process_executor(n: int) -> Executor:
    """A spawn-based pool of ``n`` worker processes, each running HiGHS with one thread.

    HiGHS runs with one thread wherever reopt's defaults apply (``SolverOptions.threads``
    unset; `reopt.backends.highs_settings.default_settings`); each worker also sets
    `THREAD_VARIABLES` to one, so that BLAS, OpenMP and any solver it starts do not
    oversubscribe the cores, and limits the BLAS already loaded where ``threadpoolctl`` is
    installed. Close the pool when done (``with reopt.process_executor(2) as pool:``).

    Parameters
    ----------
    n : int
        The number of worker processes, at least 1.

    Raises
    ------
    InputError
        When ``n`` is not a whole number >= 1.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        shown = n if isinstance(n, (str, int, float)) else type(n).__name__
        rule = "the number of worker processes is a whole number >= 1"
        hint = "e.g. reopt.process_executor(2), or os.cpu_count()"
        raise InputError([Problem("options", "process_executor()", "n", shown, rule, hint)])
    return WorkerPool(n)


class WorkerPool(ProcessPoolExecutor):
    """The pool of `process_executor`: a `ProcessPoolExecutor` that says its size (``workers``)."""

    def __init__(self, workers: int) -> None:
        super().__init__(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=one_thread_worker,
        )
        self.workers = workers


def workers_of(executor: object) -> int | None:
    """How many tasks ``executor`` runs at once, where it can tell (None where not).

    A `WorkerPool` (`process_executor`) has ``workers``; a Dask client counts its workers'
    threads (``client.nthreads()``).

    Examples
    --------
    >>> workers_of(None) is None
    True
    """
    workers = getattr(executor, "workers", None)
    if isinstance(workers, int) and not isinstance(workers, bool) and workers >= 1:
        return workers
    nthreads = getattr(executor, "nthreads", None)
    if callable(nthreads) and not isinstance(executor, type):
        try:
            counts = nthreads()
        except Exception:  # a client that cannot tell (closed, not connected): unknown
            return None
        if isinstance(counts, dict):
            total = sum(v for v in counts.values() if isinstance(v, int))
            return total if total >= 1 else None
    return None


def one_thread_worker() -> None:
    """Start a worker process: one thread for BLAS, OpenMP and HiGHS (module level: pickles).

    The worker ignores SIGINT: Ctrl-C in a terminal reaches every process of the group, and a
    worker it stopped would break the pool while its caller shuts it down (a hang on some
    Python versions). The caller's `KeyboardInterrupt` cancels what has not started, and the
    workers end when their pool is shut down.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the variables above still hold for libraries loaded from now on
        return
    threadpool_limits(limits=1)
