"""`benchmark`: time reopt's back ends and settings on your own market.

Each solver runs with each `SolverOptions` ``repeats`` times through `reopt.solve`, serially
in this process or on an executor (`reopt.analysis.executors`); one row per run. The suite
of generated markets (`reopt.bench.runner`) measures more (stages, memory, baselines, a fresh
process per run); this answers "which back end and settings are fastest on my data?".
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import fields, replace
from typing import Any

import pandas as pd

from reopt.analysis.executors import as_executor, results_in_order
from reopt.backends import Backend, available_solvers, get_backend
from reopt.data.market import Market
from reopt.errors import InputError, Problem, ReoptError
from reopt.model.formulation import compile
from reopt.model.policy import Policy, policies_for
from reopt.options import SolverOptions
from reopt.results.planning import solve

__all__ = ["AGREEMENT_RTOL", "COLUMNS", "benchmark", "options_label"]

#: Relative tolerance within which an optimal objective agrees with the best one.
AGREEMENT_RTOL = 1e-6
#: The columns of the frame `benchmark` returns, in order.
COLUMNS = (
    "solver",
    "options",
    "repeat",
    "status",
    "cost_usd",
    "agrees",
    "end_to_end_s",
    "compile_s",
    "solver_s",
    "overhead_s",
    "n_vars",
    "n_rows",
    "error",
)
_WHERE = "benchmark()"


def options_label(options: SolverOptions) -> str:
    """A short readable label: the fields that differ from the defaults, or ``"default"``.

    Examples
    --------
    >>> options_label(SolverOptions())
    'default'
    >>> options_label(SolverOptions(method="ipm", threads=1))
    'threads=1, method=ipm'
    """
    default = SolverOptions()
    parts = []
    for f in fields(SolverOptions):
        value = getattr(options, f.name)
        if value != getattr(default, f.name):
            shown = dict(value) if f.name == "extra" else value
            parts.append(f"{f.name}={shown}")
    return ", ".join(parts) or "default"


def benchmark(
    market: Market,
    *,
    solvers: Sequence[str | Any] | None = None,
    options: Sequence[SolverOptions] | None = None,
    china_cap: float | None = None,
    policies: Iterable[Policy] = (),
    repeats: int = 3,
    time_limit_s: float | None = None,
    executor: Any = None,
) -> pd.DataFrame:
    """Solve ``market`` with every solver and every set of options, ``repeats`` times each.

    Parameters
    ----------
    market : Market
    solvers : list of str or pulp.LpSolver, optional
        Solver names as `reopt.solve` takes them, or PuLP solver instances; by default every
        solver available here (`available_solvers`).
    options : list of SolverOptions, optional
        The settings to compare; by default ``[SolverOptions()]``.
    china_cap : float, optional
        As in `reopt.solve`.
    policies : iterable of Policy, optional
        As in `reopt.solve`.
    repeats : int, default=3
        Runs of each (solver, options) pair; they alternate, so no pair always runs first.
    time_limit_s : float, optional
        A time limit for every run, replacing the one in ``options``.
    executor : concurrent.futures.Executor or distributed.Client, optional
        Run the solves there (e.g. `reopt.process_executor`): the same rows in the same
        order, with the same statuses and costs. Runs side by side share the machine, so
        their times are slower than serial ones and compare only with each other.

    Returns
    -------
    pandas.DataFrame
        One row per run, columns `COLUMNS`: ``solver``, ``options`` (`options_label`),
        ``repeat`` (from 0), ``status``, ``cost_usd`` (NaN unless optimal), ``agrees`` (an
        optimal cost within `AGREEMENT_RTOL` of the lowest optimal one), ``end_to_end_s``
        (`reopt.solve`, wall clock), ``compile_s`` (`reopt.compile` alone, timed just
        before), ``solver_s`` (the solver's own clock), ``overhead_s`` (end to end minus
        solver), ``n_vars``, ``n_rows`` and ``error`` (why a run failed, else empty).

    Raises
    ------
    InputError
        For bad arguments, listing every problem; a solver that fails on a run is recorded in
        its row (status ``"error"``) instead.

    Examples
    --------
    >>> import reopt
    >>> table = benchmark(reopt.datasets.japan_2025(), solvers=["highs"], repeats=1)
    >>> table[["solver", "options", "status", "agrees"]].to_dict("records")
    [{'solver': 'highs', 'options': 'default', 'status': 'optimal', 'agrees': True}]
    """
    checked = policies_for(market, china_cap=china_cap, policies=policies)
    chosen_solvers = _check_solvers(solvers)
    chosen_options = _check_options(options, time_limit_s)
    _check_repeats(repeats)
    executor = as_executor(executor)
    labels = _unique([options_label(o) for o in chosen_options])
    pairs = [
        (solver, opts, {"solver": _solver_label(solver), "options": label})
        for solver in chosen_solvers
        for opts, label in zip(chosen_options, labels, strict=True)
    ]
    keys = [
        (i, repeat)
        for repeat in range(repeats)
        for i in (range(len(pairs)) if repeat % 2 == 0 else reversed(range(len(pairs))))
    ]
    if executor is None:
        found = [_one_run(market, checked, *pairs[i][:2]) for i, _ in keys]
    else:
        futures = [executor.submit(_one_run, market, checked, *pairs[i][:2]) for i, _ in keys]
        names = [f"{pairs[i][2]['solver']} ({pairs[i][2]['options']}) run {r}" for i, r in keys]
        found = results_in_order(futures, names)
    runs: dict[tuple[int, int], dict[str, Any]] = {}  # (pair, repeat) -> row
    for (i, repeat), result in zip(keys, found, strict=True):
        runs[(i, repeat)] = pairs[i][2] | {"repeat": repeat} | result
    table = pd.DataFrame([runs[key] for key in sorted(runs)], columns=list(COLUMNS))
    optimal = table.loc[table["status"] == "optimal", "cost_usd"]
    best = optimal.min() if len(optimal) else math.nan
    table["agrees"] = (table["status"] == "optimal") & table["cost_usd"].apply(
        lambda cost: math.isclose(cost, best, rel_tol=AGREEMENT_RTOL)
    )
    return table


def _one_run(
    market: Market, policies: tuple[Policy, ...], solver: str | Any, options: SolverOptions
) -> dict[str, Any]:
    t0 = time.perf_counter()
    lp = compile(market, policies)
    t1 = time.perf_counter()
    sizes = {"n_vars": lp.n_cols, "n_rows": lp.n_rows, "compile_s": t1 - t0}
    try:
        plan = solve(market, policies=policies, solver=solver, options=options)
    except ReoptError as err:
        return sizes | {"status": "error", "cost_usd": math.nan, "error": str(err)}
    t2 = time.perf_counter()
    solver_s = float(plan.solve_time_s)
    return sizes | {
        "status": plan.status.value,
        "cost_usd": plan.cost_usd if plan.is_optimal else math.nan,
        "end_to_end_s": t2 - t1,
        "solver_s": solver_s,
        "overhead_s": t2 - t1 - solver_s,
        "error": "",
    }


def _solver_label(solver: str | Any) -> str:
    return str(get_backend(solver).name)


def _unique(labels: list[str]) -> list[str]:
    """Number repeated labels (``"default"``, ``"default #2"``) so that rows stay apart."""
    out = []
    for i, label in enumerate(labels):
        seen = labels[:i].count(label)
        out.append(f"{label} #{seen + 1}" if seen else label)
    return out


def _check_solvers(solvers: object) -> list[str | Any]:
    if solvers is None:
        return list(available_solvers())
    if isinstance(solvers, (str, Backend)) or not isinstance(solvers, Iterable):
        solvers = [solvers]
    items = list(solvers)
    problems = []
    for item in items:
        try:
            backend = get_backend(item)
        except InputError as err:
            problems += [replace(p, where=_WHERE, column="solvers") for p in err.problems]
            continue
        if not backend.is_available():
            hint = f"available here: {', '.join(available_solvers())}"
            problems.append(Problem("options", _WHERE, "solvers", item, "not available", hint))
    if not items:
        problems.append(Problem("options", _WHERE, "solvers", items, "expected a solver"))
    if problems:
        raise InputError(problems)
    return items


def _check_options(options: object, time_limit_s: object) -> list[SolverOptions]:
    if options is None:
        options = [SolverOptions()]
    elif isinstance(options, SolverOptions):
        options = [options]
    try:
        items = list(options)  # type: ignore[call-overload]
    except TypeError:
        items = [options]
    problems = [
        Problem("options", _WHERE, "options", type(o).__name__, "expected reopt.SolverOptions")
        for o in items
        if not isinstance(o, SolverOptions)
    ]
    if not items:
        problems.append(Problem("options", _WHERE, "options", items, "expected SolverOptions"))
    if problems:
        raise InputError(problems)
    if time_limit_s is None:
        return items
    try:
        return [o.replace(time_limit_s=time_limit_s) for o in items]
    except InputError as err:
        raise InputError(
            [Problem("options", _WHERE, "time_limit_s", time_limit_s, p.rule) for p in err.problems]
        ) from None


def _check_repeats(repeats: object) -> None:
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise _bad("repeats", repeats, "must be a whole number >= 1")


def _bad(column: str, value: object, rule: str) -> InputError:
    return InputError([Problem("options", _WHERE, column, value, rule)])
