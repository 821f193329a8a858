"""`solve`: market and policies in, a checked `Plan` out.

The steps are always the same: check the arguments, compile the model, hand it to a back
end, map the raw status onto reopt's `Status`, re-check an optimal answer in numpy, and
confirm an "infeasible" verdict with presolve off before reporting it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import numpy as np

from reopt.backends import Backend, Solution, get_backend
from reopt.data.market import Market, readonly
from reopt.errors import InputError, Problem
from reopt.model.formulation import compile
from reopt.model.policy import Policy, policies_for
from reopt.model.program import LinearProgram
from reopt.options import SolverOptions
from reopt.results.plan import Plan
from reopt.results.verify import check_solution
from reopt.status import Status

__all__ = ["check_solver", "make_plan", "policies_for", "solve", "solve_with"]


def solve(
    market: Market,
    *,
    china_cap: float | None = None,
    policies: Iterable[Policy] = (),
    solver: str | Any = "highs",
    options: SolverOptions | None = None,
) -> Plan:
    """The cheapest plan that meets demand and keeps every policy.

    Parameters
    ----------
    market : Market
    china_cap : float, optional
        Shorthand for ``cap_share(china_cap, country="CN")``: China-origin tonnes at most
        this fraction of each product's purchases.
    policies : iterable of Policy, optional
        Further policies (`cap_share`, `min_share`, or any `reopt.model.policy.Policy`).
    solver : str or pulp.LpSolver, default="highs"
        ``"highs"`` (HiGHS in-process, the default), ``"cbc"``, ``"glpk"``, ``"pulp-highs"``
        (HiGHS through PuLP), or any ``pulp.LpSolver`` instance (Gurobi, CPLEX, SCIP, ...).
    options : SolverOptions, optional
        Solver settings; by default reopt's measured defaults.

    Returns
    -------
    Plan
        Always a plan; check ``plan.status``. Only an optimal plan has an allocation.

    Raises
    ------
    InputError
        For bad arguments (e.g. ``china_cap=35``), listing every problem.
    SolverError
        When the solver fails, or its "optimal" answer fails reopt's check.

    Examples
    --------
    >>> import reopt
    >>> plan = reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6)
    >>> plan.status
    <Status.OPTIMAL: 'optimal'>
    >>> bool((plan.shares("country")["CN"] <= 0.6 + 1e-9).all())
    True
    """
    checked = policies_for(market, china_cap=china_cap, policies=policies)
    backend, options = check_solver(solver, options)
    lp = compile(market, checked)
    solution = solve_with(backend, lp, options)
    return make_plan(market, checked, lp, solution, backend, options)


def check_solver(solver: object, options: object) -> tuple[Backend, SolverOptions]:
    """The back end for ``solver`` and the checked ``options``; one `InputError` for both."""
    problems: list[Problem] = []
    backend = None
    try:
        backend = get_backend(solver)
    except InputError as err:
        problems.extend(err.problems)
    if options is not None and not isinstance(options, SolverOptions):
        problems.append(
            Problem(
                "options",
                "solve()",
                "options",
                type(options).__name__,
                "expected reopt.SolverOptions",
                "e.g. SolverOptions(time_limit_s=60)",
            )
        )
    if problems or backend is None:
        raise InputError(problems)
    return backend, options if isinstance(options, SolverOptions) else SolverOptions()


def solve_with(backend: Backend, lp: LinearProgram, options: SolverOptions) -> Solution:
    """``lp`` solved by ``backend``, after refusing the options it cannot honour."""
    problems = backend.option_problems(lp, options)
    if problems:
        raise InputError(problems)
    return backend.solve(lp, options)


def make_plan(
    market: Market,
    policies: tuple[Policy, ...],
    lp: LinearProgram,
    solution: Solution,
    backend: Backend,
    options: SolverOptions,
) -> Plan:
    """The plan for ``solution``: infeasibility confirmed, optimality checked in numpy.

    An "infeasible" verdict is confirmed without presolve; an optimal answer is re-checked
    (`reopt.results.verify.check_solution`) and, for a MILP, given the duals of its LP with
    the integer choices fixed.
    """
    notes: list[str] = []
    if solution.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
        solution = _confirm_infeasible(lp, solution, backend, options, notes)
    if solution.status is Status.OPTIMAL:
        if solution.x is None:
            solution = replace(solution, status=Status.ERROR)
        else:
            check_solution(lp, solution.x, solution.objective, backend=solution.backend)
            if lp.is_mip:
                solution = _fixed_lp_duals(lp, solution, backend, options, notes)
    return Plan(solution.status, market, policies, lp, solution, tuple(notes))


def _confirm_infeasible(
    lp: LinearProgram,
    solution: Solution,
    backend: Backend,
    options: SolverOptions,
    notes: list[str],
) -> Solution:
    """Presolve has declared feasible models infeasible: confirm without it."""
    if backend.option_problems(lp, options.replace(presolve=False)):
        notes.append(
            f"infeasibility not confirmed without presolve ({backend.name} takes no settings)"
        )
    elif solution.settings.get("presolve") != "off" or options.presolve is not False:
        confirm = backend.solve(lp, options.replace(presolve=False))
        if confirm.status is Status.OPTIMAL:
            notes.append(
                "the solver first reported the market infeasible; a re-solve without "
                "presolve found the optimal plan"
            )
        solution = confirm
    if solution.status is Status.INFEASIBLE_OR_UNBOUNDED:
        # prices are >= 0 and every column is bounded below, so cost cannot fall forever
        solution = replace(solution, status=Status.INFEASIBLE)
    return solution


def _fixed_lp_duals(
    lp: LinearProgram,
    solution: Solution,
    backend: Backend,
    options: SolverOptions,
    notes: list[str],
) -> Solution:
    """A MILP has no duals: fix its 0/1 choices, solve the LP that is left, use its duals."""
    assert solution.x is not None
    integer = lp.integrality == 1
    choice = np.where(integer, np.round(solution.x), 0.0)
    fixed = replace(
        lp,
        col_lower=readonly(np.where(integer, choice, lp.col_lower)),
        col_upper=readonly(np.where(integer, choice, lp.col_upper)),
        integrality=readonly(np.zeros(lp.n_cols, dtype=np.int32)),
    )
    gap = options.mip_gap if options.mip_gap is not None else "the solver's default"
    notes.append(
        f"minimum orders make this a MILP, solved to optimality within a relative gap of {gap}"
    )
    again = solve_with(backend, fixed, options.replace(presolve=False))
    if again.status is not Status.OPTIMAL or again.x is None or again.row_dual is None:
        notes.append("no shadow prices: the LP with the buy choices fixed did not solve")
        return solution
    check_solution(lp, again.x, again.objective, backend=again.backend)
    notes.append(
        "shadow prices and reduced costs come from the LP with every buy / no-buy choice "
        "fixed as in the MILP solution"
    )
    if again.objective <= solution.objective:
        return again
    return replace(solution, row_dual=again.row_dual, col_dual=again.col_dual)
