"""`solve`: market and policies in, a checked `Plan` out.

The steps are always the same: check the arguments, compile the model, hand it to a back
end, map the raw status onto reopt's `Status`, re-check an optimal answer in numpy, and
confirm an "infeasible" verdict with presolve off before reporting it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from reopt.backends import Backend, Feature, Solution
from reopt.backends.highs_settings import PRIMAL_TOLERANCE
from reopt.data.market import Market
from reopt.errors import SolverError
from reopt.model.formulation import compile
from reopt.model.policy import Policy, policies_for
from reopt.model.program import LinearProgram
from reopt.model.scaling import Scaling, scaling_for
from reopt.options import DEFAULT_SOLVER, SolverOptions
from reopt.results.answers import (
    check_solver,
    checked_answer,
    solve_with,
    unscaled,
)
from reopt.results.methods import method_note
from reopt.results.plan import Plan
from reopt.results.polish import choices_fixed
from reopt.results.risk import PlanPath
from reopt.results.scenario_plan import CVaR, ScenarioFactors, ScenarioSet, solve_scenarios
from reopt.results.verdicts import (
    decided_again,
    infeasible_by_highs,
    loosest_fit,
    without_presolve,
)
from reopt.status import Status

__all__ = [
    "check_solver",
    "checked_answer",
    "make_plan",
    "policies_for",
    "solve",
    "solve_with",
    "unscaled",
]


def solve(
    market: Market,
    *,
    china_cap: float | None = None,
    policies: Iterable[Policy] = (),
    solver: str | Any = DEFAULT_SOLVER,
    options: SolverOptions | None = None,
    scenarios: ScenarioSet | ScenarioFactors | None = None,
    risk: CVaR | None = None,
    executor: Any = None,
) -> Plan:
    """The cheapest plan that meets demand and keeps every policy.

    Parameters
    ----------
    market : Market
        What can be bought (offers, demand, and optionally sources and stock), validated.
    china_cap : float, optional
        Shorthand for ``cap_share(china_cap, country="CN")``: China-origin tonnes at most
        this fraction of each product's purchases.
    policies : iterable of Policy, optional
        Further policies (`cap_share`, `min_share`, or any `reopt.model.policy.Policy`).
    solver : str or pulp.LpSolver, default="auto"
        ``"auto"`` (the default: the greedy method where each product's caps nest, else
        HiGHS; `Plan.methods` says which), ``"highs"`` (HiGHS in-process), ``"cbc"``,
        ``"glpk"``, ``"pulp-highs"`` (HiGHS through PuLP), or any ``pulp.LpSolver`` instance
        (Gurobi, CPLEX, SCIP, ...).
    options : SolverOptions, optional
        Solver settings; by default reopt's measured defaults.
    scenarios, risk, executor : ScenarioSet, CVaR and Executor, optional
        Contracts against disruption scenarios, with a CVaR risk term (docs/risk.md); with
        ``executor``, VSS and EVPI are solved there before the plan is returned.

    Returns
    -------
    Plan
        Always a plan (a `ScenarioPlan` with ``scenarios``); check ``plan.status``.

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
    plan_of = PlanPath(market, checked, backend, options, solve_with, make_plan)  # picklable
    if scenarios is not None or risk is not None or executor is not None:
        return solve_scenarios(market, checked, scenarios, risk, plan_of, executor)
    return plan_of(lp := compile(market, checked), scaling_for(lp))  # one scaling for both


def make_plan(
    market: Market,
    policies: tuple[Policy, ...],
    lp: LinearProgram,
    solution: Solution,
    backend: Backend,
    options: SolverOptions,
    *,
    scaling: Scaling | None = None,
) -> Plan:
    """The plan for ``solution``: infeasibility confirmed, the answer checked in numpy.

    An undecided end ("Unknown") is solved again by another method; an "infeasible"
    verdict is confirmed without presolve; an optimal answer is re-checked
    for feasibility and optimality (`checked_answer`) and, for a MILP, given the duals of its
    LP with the integer choices fixed (held to the same checks). ``scaling`` is used for
    any re-solve (default: `reopt.model.scaling.scaling_for`).
    """
    notes = [n for n in [method_note(solution.settings, solution.backend)] if n]
    if solution.status is Status.ERROR:
        again = decided_again(lp, solution, backend, options, scaling=scaling)
        if again is not solution:
            notes.append(
                f"the solver ended undecided ({solution.raw_status}); a re-solve by another "
                "method without presolve decided"
            )
            solution = again
    if solution.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
        solution = _confirm_infeasible(lp, solution, backend, options, notes, scaling)
    if solution.status is Status.OPTIMAL:
        if solution.x is None:
            solution = replace(solution, status=Status.ERROR)
        else:
            checked = _checked_milp if lp.is_mip else checked_answer
            try:
                solution = checked(lp, solution, backend, options, notes, scaling=scaling)
            except SolverError as error:
                solution = _highs_verdict(lp, solution, error, notes, scaling)
    tight = Feature.TIGHT_ROWS in backend.features and not lp.is_mip
    if solution.status is Status.OPTIMAL and solution.x is not None and not tight:
        solution = _fits_tightly(lp, solution, notes, scaling)
    return Plan(solution.status, market, policies, lp, solution, tuple(notes))


def _confirm_infeasible(
    lp: LinearProgram,
    solution: Solution,
    backend: Backend,
    options: SolverOptions,
    notes: list[str],
    scaling: Scaling | None,
) -> Solution:
    """Presolve has declared feasible models infeasible: confirm without it."""
    if backend.option_problems(lp, options.replace(presolve=False)):
        notes.append(
            f"infeasibility not confirmed without presolve ({backend.name} takes no settings)"
        )
    elif solution.settings.get("presolve") != "off" or options.presolve is not False:
        confirm = without_presolve(lp, backend, options, scaling=scaling)
        if confirm.status is Status.OPTIMAL:
            notes.append(
                "the solver first reported the market infeasible; a re-solve without "
                "presolve found the optimal plan"
            )
        if confirm.status in (Status.OPTIMAL, Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
            solution = confirm
        else:
            notes.append(
                "infeasibility not confirmed without presolve (the re-solves ended "
                f"{confirm.raw_status or confirm.status.value}); the first verdict stands"
            )
    if solution.status is Status.INFEASIBLE_OR_UNBOUNDED:
        # prices are >= 0 and every column is bounded below, so cost cannot fall forever
        solution = replace(solution, status=Status.INFEASIBLE)
    return solution


def _highs_verdict(
    lp: LinearProgram,
    solution: Solution,
    error: SolverError,
    notes: list[str],
    scaling: Scaling | None,
) -> Solution:
    """HiGHS's verdict of infeasibility where no answer of a back end passed; else ``error``.

    CBC answered a market 3e-9 of its demand short "optimal" at every tolerance; on a MILP
    short by a hair, its LP with the choices fixed had duals no check could pass.
    """
    verdict = infeasible_by_highs(lp, scaling)
    if verdict is None:
        raise SolverError(
            f"{error}\n(HiGHS, without presolve, does not find the market infeasible: no verdict)"
        ) from error
    notes.append(
        f"no answer of {solution.backend}'s passed reopt's check; HiGHS, without "
        "presolve, finds the market infeasible"
    )
    return verdict


def _fits_tightly(
    lp: LinearProgram, solution: Solution, notes: list[str], scaling: Scaling | None
) -> Solution:
    """``solution``, or HiGHS's verdict of infeasibility where its plan fits only loosely.

    A plan within reopt's check (1e-9 of each row) but outside HiGHS's tolerance (1e-10)
    is asked of HiGHS without presolve (`infeasible_by_highs`; a MILP's LP relaxation
    first): a market short of its demand by 5e-10 of it is infeasible from every back end.
    (Not asked of an LP's plan from a back end that holds rows to that tolerance itself,
    `Feature.TIGHT_ROWS`.)
    """
    assert solution.x is not None
    fit = loosest_fit(lp, solution.x)
    verdict = infeasible_by_highs(lp, scaling) if fit > PRIMAL_TOLERANCE else None
    if verdict is None:
        return solution
    notes.append(
        f"{solution.backend}'s plan met a row or bound only to {fit:.2g} of its size, looser "
        f"than HiGHS's {PRIMAL_TOLERANCE:g}; HiGHS, without presolve, finds the market infeasible"
    )
    return verdict


def _checked_milp(
    lp: LinearProgram,
    solution: Solution,
    backend: Backend,
    options: SolverOptions,
    notes: list[str],
    *,
    scaling: Scaling | None,
) -> Solution:
    """A MILP's answer, checked, with the duals of the LP its 0/1 choices leave.

    A MILP has no duals: its choices are fixed and the LP that is left is solved and held
    to the same checks; its duals are the plan's. Where the MILP's own point fails the
    check (CBC prints about eight digits: a purchase 4e-9 of its product's demand above
    its capacity; HiGHS's branch and bound holds rows to 1e-6), that LP's checked answer,
    with the same choices, stands for it: it is a plan, so the market is not infeasible
    however the re-solves ended.
    """
    gap = options.mip_gap if options.mip_gap is not None else "the solver's default"
    notes.append(
        f"minimum orders make this a MILP, solved to optimality within a relative gap of {gap}"
    )
    told: list[str] = []  # what the checks say, kept only where their answer stands
    try:
        checked = checked_answer(lp, solution, backend, options, told, scaling=scaling)
    except SolverError:
        fixed = _fixed_lp_answer(lp, solution, backend, options, notes)
        if fixed is None:
            raise
        return _stands_for(fixed, solution, notes)
    if checked.status is not Status.OPTIMAL or checked.x is None:
        fixed = _fixed_lp_answer(lp, solution, backend, options, notes)
        if fixed is not None:
            return _stands_for(fixed, solution, notes)
        # (CBC has called feasible MILPs infeasible): HiGHS's verdict, or none (`solve`)
        raise SolverError(
            f"{solution.backend}'s answer broke a row and its re-solves found no plan"
        )
    notes.extend(told)
    fixed = _fixed_lp_answer(lp, checked, backend, options, notes, strict=True)
    if fixed is None or fixed.row_dual is None:
        notes.append("no shadow prices: the LP with the buy choices fixed did not solve")
        return checked
    notes.append(
        "shadow prices and reduced costs come from the LP with every buy / no-buy choice "
        "fixed as in the MILP solution"
    )
    if fixed.objective <= checked.objective:
        return fixed
    return replace(checked, row_dual=fixed.row_dual, col_dual=fixed.col_dual)


def _stands_for(fixed: Solution, solution: Solution, notes: list[str]) -> Solution:
    """``fixed``, noted as standing for the MILP answer ``solution`` that failed the check."""
    notes.append(
        f"{solution.backend}'s point failed reopt's check; the LP its buy / no-buy choices "
        "leave, solved and checked, gives the plan"
    )
    return fixed


def _fixed_lp_answer(
    lp: LinearProgram,
    solution: Solution,
    backend: Backend,
    options: SolverOptions,
    notes: list[str],
    *,
    strict: bool = False,
) -> Solution | None:
    """The checked optimum of the LP ``solution``'s 0/1 choices leave, or None.

    With ``strict``, an optimal answer that fails the check is a `SolverError`, not None.
    """
    assert solution.x is not None
    fixed = choices_fixed(lp, solution.x)
    unpresolved = options.replace(presolve=False)
    again = solve_with(backend, fixed, unpresolved)
    if again.status is not Status.OPTIMAL or again.x is None:
        return None
    told: list[str] = []  # kept only with an answer
    try:
        again = checked_answer(fixed, again, backend, unpresolved, told)
    except SolverError:
        if strict:
            raise
        return None
    if again.status is not Status.OPTIMAL or again.x is None:
        return None  # (a re-solve of the fixed LP found it infeasible)
    notes.extend(told)
    return again
