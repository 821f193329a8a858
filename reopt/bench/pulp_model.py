"""What users write today: the procurement LP in idiomatic PuLP, solved by CBC or HiGHS.

One variable per offer from a dict (``LpVariable.dicts`` on PuLP 3, the problem's
``add_variable_dicts`` on PuLP 4, where the former is gone), ``lpSum`` over generator
expressions for the objective and each row, and values read back with ``.value()``. The
model is the China-cap LP of `reopt.bench.raw`: demand rows and one cap row per product
(and period).

Each solver runs with its own defaults and the benchmark's time limit per run (PuLP's
``timeLimit``). The verdict is reopt's `reopt.Status` word, as for every other contender, so
that a run stopped by the limit is ``"time_limit"``, never optimal: for HiGHS, HiGHS's own
model status (PuLP 3 calls a HiGHS run stopped by its limit optimal, with a feasible
solution); for CBC, PuLP's verdict (see `verdict`).
"""

from __future__ import annotations

import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pulp

from reopt.backends import pulp_adapter
from reopt.backends.highs_codes import map_status
from reopt.status import Status

__all__ = ["ENGINES", "Engine", "PulpRun", "build", "solve", "verdict"]

#: PuLP's verdicts on a CBC solve that ran to an end (PuLP 3 and PuLP 4), as reopt's `Status`.
_CBC_VERDICTS: dict[str, Status] = {
    "Optimal": Status.OPTIMAL,
    "Infeasible": Status.INFEASIBLE,
    "Unbounded": Status.UNBOUNDED,
    "Undefined": Status.INFEASIBLE_OR_UNBOUNDED,
    "Interrupted": Status.INTERRUPTED,
}
#: PuLP's verdicts on a CBC solve stopped early. PuLP 3: ``"Stopped"`` (the word of
#: `pulp_adapter.solve_problem` for an optimal verdict without an optimal solution) and
#: ``"Not Solved"`` (no solution). PuLP 4: ``"TimeLimit"``, and ``"Stopped"`` for CBC's
#: "Stopped on iterations", which is how CBC 2.10 reports an LP stopped by its time limit.
_STOPS = frozenset({"Stopped", "Not Solved", "TimeLimit"})


@dataclass(frozen=True)
class PulpRun:
    """Stage times (seconds) and the result of one idiomatic PuLP solve.

    ``status`` is reopt's `reopt.Status` word (``"optimal"``, ``"time_limit"``, ...);
    ``pulp_status`` is PuLP's own verdict, as its users see it.
    """

    build_s: float
    solve_s: float
    extract_s: float
    status: str
    objective: float
    pulp_status: str


def build(offers: pd.DataFrame, demand: pd.DataFrame, china_cap: float) -> tuple[Any, dict]:
    prob = pulp.LpProblem("procurement", pulp.LpMinimize)
    ids = list(range(len(offers)))
    if pulp_adapter.PULP_MAJOR >= 4:
        x = prob.add_variable_dicts("x", ids, lowBound=0)
    else:  # the classic idiom; PuLP 3.3 warns that it goes away in PuLP 4
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            x = pulp.LpVariable.dicts("x", ids, lowBound=0)  # type: ignore[attr-defined]
    capacity = offers["capacity_t"].tolist()
    for i in ids:
        if capacity[i] == capacity[i] and capacity[i] != float("inf"):  # not NaN, finite
            x[i].upBound = capacity[i]
    price = offers["price_usd_per_kg"].tolist()
    prob += pulp.lpSum(1000.0 * price[i] * x[i] for i in ids)
    keys = ["product", "period"] if "period" in offers.columns else ["product"]
    by_unit: dict[tuple, list[int]] = defaultdict(list)
    china: dict[tuple, list[int]] = defaultdict(list)
    units = zip(*(offers[k] for k in keys), strict=True)
    for i, (unit, country) in enumerate(zip(units, offers["country"], strict=True)):
        by_unit[unit].append(i)
        if country == "CN":
            china[unit].append(i)
    demand_units = zip(*(demand[k] for k in keys), strict=True)
    for unit, d in zip(demand_units, demand["demand_t"], strict=True):
        prob += pulp.lpSum(x[i] for i in by_unit[unit]) == d
        prob += pulp.lpSum(x[i] for i in china[unit]) <= china_cap * d
    return prob, x


def solve(
    offers: pd.DataFrame,
    demand: pd.DataFrame,
    china_cap: float,
    solver: str,
    limit_s: float | None = None,
) -> PulpRun:
    """Build, solve with ``"cbc"`` or ``"highs"``, and read the tonnes back.

    Parameters
    ----------
    offers, demand
        The tables of the instance.
    china_cap
        China's largest share of each product's demand.
    solver
        ``"cbc"`` or ``"highs"``, each through PuLP with its own defaults.
    limit_s
        The solver's time limit, seconds (PuLP's ``timeLimit``); None for none.

    Returns
    -------
    PulpRun
        The stage times, the verdict and the cost of the tonnes read back.
    """
    engine = ENGINES[solver]
    t0 = time.perf_counter()
    prob, x = build(offers, demand, china_cap)
    t1 = time.perf_counter()
    pulp_status, _ = pulp_adapter.solve_problem(prob, engine.make(limit_s))
    t2 = time.perf_counter()
    tonnes = np.array([x[i].value() or 0.0 for i in range(len(offers))])
    objective = float(1000.0 * offers["price_usd_per_kg"].to_numpy(dtype=float) @ tonnes)
    t3 = time.perf_counter()
    status = engine.status(prob, pulp_status, limit_s is not None)
    return PulpRun(t1 - t0, t2 - t1, t3 - t2, status.value, objective, pulp_status)


def verdict(pulp_status: str, *, time_limited: bool) -> Status:
    """The `Status` of a CBC solve, from PuLP's verdict.

    Parameters
    ----------
    pulp_status
        PuLP's verdict, as `reopt.backends.pulp_adapter.solve_problem` gives it (PuLP 3 or 4).
    time_limited
        Whether the solve had a time limit. The baseline sets no other limit, so a solve
        that had one and stopped early stopped on it.

    Returns
    -------
    Status
        `Status.TIME_LIMIT` for an early stop under a time limit, `Status.OTHER_LIMIT` for
        one without, `Status.ERROR` for any verdict not known here.

    Examples
    --------
    >>> verdict("Stopped", time_limited=True)
    <Status.TIME_LIMIT: 'time_limit'>
    >>> verdict("Optimal", time_limited=True)
    <Status.OPTIMAL: 'optimal'>
    """
    if pulp_status in _STOPS:
        return Status.TIME_LIMIT if time_limited else Status.OTHER_LIMIT
    return _CBC_VERDICTS.get(pulp_status, Status.ERROR)


def _highs_status(prob: Any, pulp_status: str, time_limited: bool) -> Status:
    return map_status(prob.solverModel.getModelStatus())


def _cbc_status(prob: Any, pulp_status: str, time_limited: bool) -> Status:
    return verdict(pulp_status, time_limited=time_limited)


@dataclass(frozen=True)
class Engine:
    """A solver as idiomatic PuLP code calls it: how to make it, how to read its verdict."""

    make: Callable[[float | None], Any]
    status: Callable[[Any, str, bool], Status]


#: The solvers of the baseline, by name, each with its own defaults and the time limit.
ENGINES: dict[str, Engine] = {
    "cbc": Engine(
        lambda limit_s: pulp_adapter.cbc_solver(msg=False, timeLimit=limit_s), _cbc_status
    ),
    "highs": Engine(
        lambda limit_s: pulp_adapter.highs_solver(msg=False, timeLimit=limit_s), _highs_status
    ),
}
