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

from reopt.backends import Solution, pulp_adapter
from reopt.backends.highs import solve_highs
from reopt.backends.pulp_backend import NAMED_SOLVERS, solve_pulp
from reopt.data.market import Market, readonly
from reopt.errors import InputError, Problem
from reopt.model.formulation import LinearProgram, compile
from reopt.model.policies import SharePolicy, cap_share, check_share
from reopt.options import SolverOptions
from reopt.results.plan import Plan
from reopt.results.verify import check_solution
from reopt.status import Status

__all__ = ["policies_for", "solve"]

#: The solvers reopt knows by name; any ``pulp.LpSolver`` instance works too.
SOLVERS = ("highs", *NAMED_SOLVERS)


def solve(
    market: Market,
    *,
    china_cap: float | None = None,
    policies: Iterable[SharePolicy] = (),
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
    policies : iterable of SharePolicy, optional
        Further policies (`cap_share`, `min_share`).
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
    options = _check_options(solver, options)
    lp = compile(market, checked)
    solution = _run(lp, solver, options)
    return _plan(market, checked, lp, solution, solver, options)


def policies_for(
    market: object, *, china_cap: object = None, policies: Iterable[SharePolicy] = ()
) -> tuple[SharePolicy, ...]:
    """Check ``market``, ``china_cap`` and ``policies``; the full tuple of policies."""
    problems: list[Problem] = []
    if not isinstance(market, Market):
        problems.append(
            Problem(
                "options",
                "solve()",
                "market",
                type(market).__name__,
                "expected a reopt.Market",
                "build one with reopt.Market(...) or reopt.read_market(path)",
            )
        )
    out: list[SharePolicy] = []
    if china_cap is not None:
        try:
            out.append(
                cap_share(check_share(china_cap, where="solve()", column="china_cap"), country="CN")
            )
        except InputError as err:
            problems.extend(err.problems)
    if isinstance(policies, SharePolicy):
        policies = [policies]
    try:
        items = list(policies)
    except TypeError:
        items = []
        problems.append(
            Problem("policies", "solve()", "policies", policies, "expected a list of policies")
        )
    for item in items:
        if isinstance(item, SharePolicy):
            out.append(item)
        else:
            problems.append(
                Problem(
                    "policies",
                    "solve()",
                    "policies",
                    item,
                    "not a policy",
                    "make one with reopt.cap_share or reopt.min_share",
                )
            )
    if problems:
        raise InputError(problems)
    return tuple(out)


def _check_options(solver: object, options: object) -> SolverOptions:
    problems: list[Problem] = []
    if not (isinstance(solver, str) and solver in SOLVERS) and not pulp_adapter.is_solver(solver):
        problems.append(
            Problem(
                "options",
                "solve()",
                "solver",
                solver,
                f"unknown solver; known: {', '.join(SOLVERS)}, or a pulp.LpSolver instance",
            )
        )
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
    if problems:
        raise InputError(problems)
    return options if isinstance(options, SolverOptions) else SolverOptions()


def _run(lp: LinearProgram, solver: str | Any, options: SolverOptions) -> Solution:
    if solver == "highs":
        return solve_highs(lp, options)
    return solve_pulp(lp, solver, options)


def _plan(
    market: Market,
    policies: tuple[SharePolicy, ...],
    lp: LinearProgram,
    solution: Solution,
    solver: str | Any,
    options: SolverOptions,
) -> Plan:
    notes: list[str] = []
    if solution.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
        solution = _confirm_infeasible(lp, solution, solver, options, notes)
    if solution.status is Status.OPTIMAL:
        if solution.x is None:
            solution = replace(solution, status=Status.ERROR)
        else:
            check_solution(lp, solution.x, solution.objective, backend=solution.backend)
            if lp.is_mip:
                solution = _fixed_lp_duals(lp, solution, solver, options, notes)
    return Plan(solution.status, market, policies, lp, solution, tuple(notes))


def _confirm_infeasible(
    lp: LinearProgram,
    solution: Solution,
    solver: str | Any,
    options: SolverOptions,
    notes: list[str],
) -> Solution:
    """Presolve has declared feasible models infeasible: confirm without it."""
    if not isinstance(solver, str):
        notes.append("infeasibility not confirmed without presolve (a custom PuLP solver)")
    elif solution.settings.get("presolve") != "off" or options.presolve is not False:
        confirm = _run(lp, solver, options.replace(presolve=False))
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
    solver: str | Any,
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
    again = _run(fixed, solver, options.replace(presolve=False))
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
