"""The one place that knows PuLP 3.3 from PuLP 4.x.

PuLP 4 is not source-compatible with PuLP 3: variables are made through the problem
(``prob.add_variable``), expressions from lists (``LpAffineExpression.from_list``),
``addConstraint`` returns the stored constraint, ``solve()`` returns an ``LpSolveStats``
instead of a status code, and the bundled ``PULP_CBC_CMD`` is gone (CBC comes from
``pulp[cbc]`` through ``COIN_CMD``). Everything reopt needs from PuLP goes through the
functions here, so the rest of reopt reads the same on both.

``pulp`` is imported on first use only (`pulp`), so that ``import reopt`` does not pay for it.
PuLP 4 loads HiGHS's library with its symbols global when it is imported; ``reopt/__init__``
does the same before ``highspy`` is first imported, so the two may load in either order.
"""

from __future__ import annotations

import functools
import importlib
import math
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import Any

__all__ = [
    "add_constraint",
    "add_variables",
    "cbc_solver",
    "expression",
    "new_problem",
    "pulp",
    "pulp_major",
    "solve_problem",
]


@functools.cache
def pulp() -> ModuleType:
    """The ``pulp`` module, imported on the first call (it takes a few tenths of a second)."""
    return importlib.import_module("pulp")


@functools.cache
def pulp_major() -> int:
    """PuLP's major version (3 or 4)."""
    return int(pulp().__version__.split(".")[0])


def __getattr__(name: str) -> Any:
    """``PULP_MAJOR``, read from PuLP on first use."""
    if name == "PULP_MAJOR":
        return pulp_major()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def new_problem(name: str) -> Any:
    """An empty minimisation problem."""
    return pulp().LpProblem(name, pulp().LpMinimize)


def add_variables(
    prob: Any,
    names: Sequence[str],
    lower: Sequence[float],
    upper: Sequence[float],
    integer: Sequence[bool],
) -> list[Any]:
    """Variables in order, made through the problem (PuLP 4 requires it, PuLP 3.3 allows it).

    Infinite bounds become PuLP's ``None`` (no bound).
    """

    def bound(value: float) -> float | None:
        return None if math.isinf(value) else float(value)

    return [
        prob.add_variable(
            name, bound(lo), bound(up), pulp().LpInteger if is_int else pulp().LpContinuous
        )
        for name, lo, up, is_int in zip(names, lower, upper, integer, strict=True)
    ]


def expression(pairs: list[tuple[Any, float]]) -> Any:
    """A linear expression from (variable, coefficient) pairs."""
    if pulp_major() >= 4:
        return pulp().LpAffineExpression.from_list(pairs)
    return pulp().LpAffineExpression(pairs)


def add_constraint(prob: Any, expr: Any, sense: str, rhs: float, name: str) -> Any:
    """Add ``expr (<=|>=|==) rhs`` named ``name``; returns the stored constraint."""
    if sense == "<=":
        row = expr <= rhs
    elif sense == ">=":
        row = expr >= rhs
    else:
        row = expr == rhs
    if pulp_major() >= 4:
        return prob.addConstraint(row, name)
    prob.addConstraint(row, name)  # PuLP 3 stores this very object
    return row


def set_objective(prob: Any, expr: Any) -> None:
    """Set the objective (minimised)."""
    prob.setObjective(expr)


def objective_value(prob: Any) -> float:
    """The objective at the solution PuLP read back."""
    value = pulp().value(prob.objective)
    return float("nan") if value is None else float(value)


def solve_problem(prob: Any, solver: Any) -> tuple[str, bool]:
    """Run ``solver`` on ``prob``: PuLP's own verdict as (status name, has a solution).

    reopt prefers a raw status read from the solver itself where it can; this verdict is the
    fallback for solvers it cannot read (for PuLP 3 it is optimal only when both the problem
    status and the solution status say so).
    """
    result = prob.solve(solver)
    if pulp_major() >= 4:
        return str(result.status.name), bool(result.has_solution)
    status = pulp().LpStatus.get(prob.status, "Undefined")
    optimal_solution = getattr(prob, "sol_status", None) == pulp().LpSolutionOptimal
    if status == "Optimal" and not optimal_solution:
        return "Stopped", True
    return status, status == "Optimal"


def cbc_solver(**kwargs: Any) -> Any:
    """CBC through PuLP: the bundled ``PULP_CBC_CMD`` on PuLP 3, ``COIN_CMD`` on PuLP 4.

    PuLP 3.3 warns that ``PULP_CBC_CMD`` goes away in PuLP 4; on PuLP 3 it is the CBC that
    comes with the package, so the warning is silenced here.
    """
    if pulp_major() >= 4:
        return pulp().COIN_CMD(**kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp().PULP_CBC_CMD(**kwargs)


def glpk_solver(**kwargs: Any) -> Any:
    """GLPK's ``glpsol`` through PuLP."""
    return pulp().GLPK_CMD(**kwargs)


def highs_solver(**kwargs: Any) -> Any:
    """HiGHS in-process through PuLP (its highspy API)."""
    return pulp().HiGHS(**kwargs)


def is_solver(obj: object) -> bool:
    """True for a PuLP solver instance (never imports PuLP: without it there are none)."""
    module = sys.modules.get("pulp")
    return module is not None and isinstance(obj, module.LpSolver)
