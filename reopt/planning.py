"""`solve`: market and policies in, a checked `Plan` out.

The steps are always the same: check the arguments, compile the model, hand it to a back
end, map the raw status onto reopt's `Status`, re-check an optimal answer in numpy, and
confirm an "infeasible" verdict with presolve off before reporting it.
"""

from __future__ import annotations

from collections.abc import Iterable

from reopt.backends import Solution
from reopt.backends.highs import solve_highs
from reopt.errors import InputError, Problem
from reopt.formulation import LinearProgram, compile
from reopt.market import Market
from reopt.options import SolverOptions
from reopt.plan import Plan
from reopt.policies import SharePolicy, cap_share, check_share
from reopt.status import Status
from reopt.verify import check_solution

__all__ = ["policies_for", "solve"]

SOLVERS = ("highs",)


def solve(
    market: Market,
    *,
    china_cap: float | None = None,
    policies: Iterable[SharePolicy] = (),
    solver: str = "highs",
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
    solver : str, default="highs"
        The back end: ``"highs"`` (HiGHS in-process).
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
    if solver not in SOLVERS:
        problems.append(
            Problem(
                "options",
                "solve()",
                "solver",
                solver,
                f"unknown solver; available: {', '.join(SOLVERS)}",
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


def _run(lp: LinearProgram, solver: str, options: SolverOptions) -> Solution:
    return solve_highs(lp, options)


def _plan(
    market: Market,
    policies: tuple[SharePolicy, ...],
    lp: LinearProgram,
    solution: Solution,
    solver: str,
    options: SolverOptions,
) -> Plan:
    notes: list[str] = []
    if solution.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
        presolved = solution.settings.get("presolve") != "off"
        if presolved or solution.status is Status.INFEASIBLE_OR_UNBOUNDED:
            confirm = _run(lp, solver, options.replace(presolve=False))
            if confirm.status is Status.OPTIMAL:
                notes.append(
                    "the solver first reported the market infeasible; a re-solve "
                    "without presolve found the optimal plan"
                )
            solution = confirm
        if solution.status is Status.INFEASIBLE_OR_UNBOUNDED:
            # prices are >= 0 and every column is bounded below, so cost cannot fall forever
            solution = _with_status(solution, Status.INFEASIBLE)
    if solution.status is Status.OPTIMAL:
        if solution.x is None:
            solution = _with_status(solution, Status.ERROR)
        else:
            check_solution(lp, solution.x, solution.objective, backend=solution.backend)
    return Plan(solution.status, market, policies, lp, solution, tuple(notes))


def _with_status(solution: Solution, status: Status) -> Solution:
    from dataclasses import replace

    return replace(solution, status=status)
