"""Tasks and rules that worker processes run in tests/test_executors.py.

They live in a module of their own (on the tests' ``pythonpath``) so that a spawned worker
or a Dask worker can import them by name when it unpickles a task.
"""

from __future__ import annotations

import math
import os
import uuid
from dataclasses import dataclass

import numpy as np

import reopt
from reopt.analysis.executors import THREAD_VARIABLES
from reopt.model.formulation import ModelBuild
from reopt.model.program import LinearProgram, RowBlock, csr_block


def thread_settings() -> dict[str, object]:
    """The thread variables a worker sees, and the threads HiGHS was given for a solve."""
    plan = reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6, solver="highs")
    found: dict[str, object] = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    found["highs_threads"] = plan.solution.settings["threads"]
    return found


def fresh_token() -> str:
    """A different text at every call: two calls merged into one would return the same."""
    return uuid.uuid4().hex


def slow_echo(value: float, seconds: float) -> float:
    """``value`` after ``seconds``."""
    import time

    time.sleep(seconds)
    return value


@dataclass(frozen=True)
class DieAtDemand:
    """A rule that ends its own process when the market's total demand is ``total_t``.

    Elsewhere it adds one free row (no limit), so the plan is the one without it.
    """

    total_t: float

    @property
    def name(self) -> str:
        return f"die_at_demand({self.total_t:g})"

    @property
    def price_unit(self) -> str:
        return "USD/t"

    def define_rows(self, build: ModelBuild, k: int) -> RowBlock:
        enc = build.encoded
        if math.isclose(float(np.sum(enc.demand_t)), self.total_t, rel_tol=1e-9):
            os._exit(3)  # as a crash or the out-of-memory killer would
        members = np.flatnonzero(enc.group >= 0)[:1]
        block = csr_block(np.zeros(len(members), dtype=np.int64), members, np.ones(1), 1)
        block.lower, block.upper = np.array([-np.inf]), np.array([np.inf])
        return block

    def prices(self, lp: LinearProgram, rows, row_dual, x) -> np.ndarray:
        return -row_dual[rows]

    def groups(self, market, lp, rows) -> list[str]:
        return ["all"] * len(rows)
