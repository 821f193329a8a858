"""Independent tasks run where the ``executor=`` argument says, results in submit order.

The part of the executor contract (`reopt.analysis.executors`, docs/scale.md) that the
results stage needs for the wait-and-see and mean-value solves of a `ScenarioPlan`:
`executor_of` reads the argument (``None``: serial; any `concurrent.futures.Executor` as it
is; a Dask ``distributed.Client`` through ``client.get_executor(pure=False)``, so that
identical calls are not merged), and `run_in_order` submits picklable zero-argument tasks
and collects their results in submit order, turning a worker that died into a
`reopt.SolverError` naming the task whose result was lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor, Executor, Future
from typing import TypeVar

from reopt.errors import InputError, Problem, SolverError

__all__ = ["HINT", "executor_of", "results_in_order", "run_in_order"]

T = TypeVar("T")
#: What the ``executor`` argument takes, for its error.
HINT = (
    "pass None (serial), a concurrent.futures.Executor such as reopt.process_executor(2), "
    "or a dask distributed.Client"
)


def executor_of(executor: object) -> Executor | None:
    """``None``, an `Executor` as it is, or a Dask ``Client``'s executor (``pure=False``).

    A Dask client is recognised by its ``get_executor`` method, so that ``distributed``
    need not be imported to tell.

    Raises
    ------
    InputError
        For anything else, naming the argument and what it got.

    Examples
    --------
    >>> executor_of(None) is None
    True
    >>> try:
    ...     executor_of("processes")
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
    shown = executor if isinstance(executor, (str, int, float)) else type(executor).__name__
    rule = "expected None, a concurrent.futures.Executor or a Dask distributed.Client"
    raise InputError([Problem("options", "the executor argument", "executor", shown, rule, HINT)])


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
                if not (isinstance(err, BrokenExecutor) or type(err).__name__ == "KilledWorker"):
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


def run_in_order(
    tasks: Sequence[Callable[[], T]], names: Sequence[str], executor: object = None
) -> list[T]:
    """Each task's result, in the order given, run serially or on ``executor``.

    Parameters
    ----------
    tasks : sequence of callables without arguments
        Picklable (module-level classes or functions) when ``executor`` runs them elsewhere.
    names : sequence of str
        What each task solves, for the error when its worker dies.
    executor : None, Executor or distributed.Client

    Raises
    ------
    SolverError
        When a worker process died before returning a task's result (`results_in_order`).

    Examples
    --------
    >>> run_in_order([int, float], ["zero", "zero as a float"])
    [0, 0.0]
    """
    pool = executor_of(executor)
    if pool is None:
        return [task() for task in tasks]
    return results_in_order([pool.submit(task) for task in tasks], names)
