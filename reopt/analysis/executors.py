"""Where many independent solves run: in this process, a process pool, or a Dask cluster.

Every function of reopt that solves independent models takes ``executor=``: ``None`` (serial,
the default), any `concurrent.futures.Executor`, or a Dask ``distributed.Client``.
`as_executor` turns that argument into what the function submits to (a Client through
``client.get_executor(pure=False)``: Dask's default ``pure=True`` would merge identical
calls, and with them repeated random draws). `process_executor` makes a local process pool
that starts its workers by spawning (never forking: HiGHS's and BLAS's threads deadlock in a
forked child) and runs HiGHS with one thread in each. `results_in_order` collects the
results in the order the tasks were submitted, whatever finishes first, and turns a worker
that died into a `SolverError` naming the task whose result was lost.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from typing import TypeVar

from reopt.errors import InputError, Problem, SolverError

__all__ = ["THREAD_VARIABLES", "as_executor", "process_executor", "results_in_order"]

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

_HINT = (
    "pass None (serial), a concurrent.futures.Executor such as reopt.process_executor(2), "
    "or a dask distributed.Client"
)


def as_executor(executor: object) -> Executor | None:
    """``None``, an `Executor` as it is, or a Dask ``Client``'s executor (``pure=False``).

    A Dask client is recognised by its ``get_executor`` method, so that ``distributed``
    need not be imported to tell.

    Raises
    ------
    InputError
        For anything else, naming the argument and what it got.

    Examples
    --------
    >>> as_executor(None) is None
    True
    >>> try:
    ...     as_executor("processes")
    ... except InputError as err:
    ...     print(err.problems[0].column, "|", err.problems[0].rule)
    executor | expected None, a concurrent.futures.Executor or a Dask distributed.Client
    """
    if executor is None or isinstance(executor, Executor):
        return executor
    get_executor = getattr(executor, "get_executor", None)
    if callable(get_executor) and not isinstance(executor, type):
        found = get_executor(pure=False)
        if isinstance(found, Executor):
            return found
    rule = "expected None, a concurrent.futures.Executor or a Dask distributed.Client"
    shown = executor if isinstance(executor, (str, int, float)) else type(executor).__name__
    raise InputError([Problem("options", "the executor argument", "executor", shown, rule, _HINT)])


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
    return ProcessPoolExecutor(
        max_workers=n,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=one_thread_worker,
    )


def one_thread_worker() -> None:
    """Start a worker process: one thread for BLAS, OpenMP and HiGHS (module level: pickles)."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the variables above still hold for libraries loaded from now on
        return
    threadpool_limits(limits=1)


def results_in_order(
    futures: Sequence[Future[T]],
    names: Sequence[str],
    done: Callable[[T], object] | None = None,
) -> list[T]:
    """Each future's result, in the order given; ``done(result)`` as each one arrives.

    Parameters
    ----------
    futures : sequence of Future
        The submitted tasks, in the order their results are wanted.
    names : sequence of str
        What each task solves, as the user would name it (``"china_cap=0.6"``,
        ``"draw 17"``), for the error when its worker dies.
    done : callable, optional
        Called with each result as it arrives, in order (to move a progress bar).

    Raises
    ------
    SolverError
        When a worker process died (a crash, the out-of-memory killer, ``os._exit``): a
        process pool breaks (``BrokenProcessPool``) and Dask gives up on a task whose workers
        kept dying (``KilledWorker``). The message names the first task, in order, whose
        result was lost. The tasks not yet started are cancelled, on any error and on
        ``KeyboardInterrupt``.
    """
    results: list[T] = []
    try:
        for future, name in zip(futures, names, strict=True):
            try:
                results.append(future.result())
            except Exception as err:
                if not _worker_died(err):
                    raise
                raise SolverError(
                    f"a worker process died before returning {name} "
                    f"({type(err).__name__}: {err}); a task that ends its process (a solver "
                    "crash, running out of memory) stops the run: solve that point serially "
                    "(executor=None) to see why"
                ) from err
            if done is not None:
                done(results[-1])
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return results


def _worker_died(err: BaseException) -> bool:
    """Whether ``err`` says the process running a task is gone (a pool's or Dask's)."""
    return isinstance(err, BrokenExecutor) or type(err).__name__ == "KilledWorker"
