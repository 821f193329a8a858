"""What users write today: the procurement LP in idiomatic PuLP, solved by CBC or HiGHS.

One variable per offer from a dict (``LpVariable.dicts`` on PuLP 3, the problem's
``add_variable_dicts`` on PuLP 4, where the former is gone), ``lpSum`` over generator
expressions for the objective and each row, and values read back with ``.value()``. The
model is the China-cap LP of `reopt.bench.raw`: demand rows and one cap row per product
(and period).
"""

from __future__ import annotations

import time
import warnings
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pulp

from reopt.backends import pulp_adapter

__all__ = ["PulpRun", "build", "solve"]


@dataclass(frozen=True)
class PulpRun:
    """Stage times (seconds) and the result of one idiomatic PuLP solve."""

    build_s: float
    solve_s: float
    extract_s: float
    status: str
    objective: float


def build(offers: pd.DataFrame, demand: pd.DataFrame, china_cap: float) -> tuple[Any, dict]:
    prob = pulp.LpProblem("procurement", pulp.LpMinimize)
    ids = list(range(len(offers)))
    if pulp_adapter.PULP_MAJOR >= 4:
        x = prob.add_variable_dicts("x", ids, lowBound=0)
    else:  # the classic idiom; PuLP 3.3 warns that it goes away in PuLP 4
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            x = pulp.LpVariable.dicts("x", ids, lowBound=0)
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


def solve(offers: pd.DataFrame, demand: pd.DataFrame, china_cap: float, solver: str) -> PulpRun:
    """Build, solve with ``"cbc"`` or ``"highs"``, and read the tonnes back."""
    t0 = time.perf_counter()
    prob, x = build(offers, demand, china_cap)
    t1 = time.perf_counter()
    engine = (
        pulp_adapter.cbc_solver(msg=False)
        if solver == "cbc"
        else pulp_adapter.highs_solver(msg=False)
    )
    status, _ = pulp_adapter.solve_problem(prob, engine)
    t2 = time.perf_counter()
    tonnes = np.array([x[i].value() or 0.0 for i in range(len(offers))])
    objective = float(1000.0 * offers["price_usd_per_kg"].to_numpy(dtype=float) @ tonnes)
    t3 = time.perf_counter()
    return PulpRun(t1 - t0, t2 - t1, t3 - t2, status, objective)
