"""Solving and checking one program: the back end's answer, re-checked in numpy.

`check_solver` reads the ``solver`` and ``options`` arguments; `solve_with` hands a program to
a back end in scaled form and answers in the program's units; `checked_answer` holds an
optimal answer to reopt's checks (feasibility, then optimality by its duals, relative to
each product), polishing values printed with few digits onto their vertex and solving once
more (another method, presolve off, tighter tolerances) where the first answer fails.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reopt.backends import Backend, Feature, Solution, get_backend
from reopt.data.market import readonly
from reopt.errors import InputError, Problem, SolverError
from reopt.model.program import LinearProgram
from reopt.model.scaling import Scaling, scaling_for
from reopt.model.spread import money_spread_problems
from reopt.options import Method, SolverOptions
from reopt.results.polish import polish, without_stray_signs
from reopt.results.sizes import shares_hold
from reopt.results.verify import (
    FEASIBILITY_RTOL,
    OPTIMALITY_RTOL,
    PRINTED_OPTIMALITY_RTOL,
    ROUNDING_RTOL,
    check_solution,
    looser_standard,
    optimality_violations,
    row_activity,
    row_max,
    strict_standard,
    violations,
)
from reopt.status import Status
from reopt.vectors import dot

__all__ = [
    "check_solver",
    "checked_answer",
    "dual_rtol",
    "solve_with",
    "unscaled",
]

#: A point's row activity and row sizes on the scaled program (`row_activity`).
Rows = tuple[np.ndarray, np.ndarray]


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


def solve_with(
    backend: Backend,
    lp: LinearProgram,
    options: SolverOptions,
    *,
    scaling: Scaling | None = None,
) -> Solution:
    """``lp`` solved by ``backend`` in scaled form, answered in ``lp``'s own units.

    The options ``backend`` cannot honour are refused first, and a MILP with a policy on the
    money whose prices spread too far (`reopt.model.spread`). ``scaling`` defaults to
    `reopt.model.scaling.scaling_for` (pass one to reuse it across many solves); the
    solution's objective is recomputed as ``c @ x`` in ``lp``'s units.
    """
    problems = backend.option_problems(lp, options) + money_spread_problems(lp)
    if problems:
        raise InputError(problems)
    if lp.n_cols == 0:  # nothing to choose (HiGHS calls it "model empty", feasible or not)
        return _without_columns(backend, lp)
    scaling = scaling if scaling is not None else scaling_for(lp)
    return unscaled(backend.solve(scaling.apply(lp), options), lp, scaling)


def _without_columns(backend: Backend, lp: LinearProgram) -> Solution:
    """The answer to a program without columns: optimal where every row holds at 0."""
    holds = bool(((lp.row_lower <= 0) & (lp.row_upper >= 0)).all())
    return Solution(
        status=Status.OPTIMAL if holds else Status.INFEASIBLE,
        raw_status="no columns: " + ("every row holds at 0" if holds else "a row cannot hold at 0"),
        x=readonly(np.zeros(0)) if holds else None,
        row_dual=readonly(np.zeros(lp.n_rows)) if holds else None,
        col_dual=readonly(np.zeros(0)) if holds else None,
        objective=lp.objective_offset if holds else float("nan"),
        backend=backend.name,
        solve_time_s=0.0,
        settings={"presolve": "off"},
    )


def unscaled(solution: Solution, lp: LinearProgram, scaling: Scaling) -> Solution:
    """A solution of ``scaling.apply(lp)`` in ``lp``'s units (objective: ``c @ x``)."""
    values = scaling.unscale(solution.x, solution.row_dual, solution.col_dual)
    x, row_dual, col_dual = (None if v is None else readonly(v) for v in values)
    objective = dot(lp.cost, x) + lp.objective_offset if x is not None else float("nan")
    return replace(solution, x=x, row_dual=row_dual, col_dual=col_dual, objective=objective)


def checked_answer(
    lp: LinearProgram,
    solution: Solution,
    backend: Backend,
    options: SolverOptions,
    notes: list[str],
    *,
    scaling: Scaling | None = None,
) -> Solution:
    """An optimal ``solution`` that passed reopt's checks, or a `SolverError` (or a verdict).

    Both checks run on the scaled program (`reopt.model.scaling`), where they are relative
    to each product's size: feasibility (`check_solution`), after moving values a solver
    printed with few digits onto their vertex (`reopt.results.polish`); then, where there are
    duals, optimality (`check_optimality`). An answer its duals do not prove optimal is
    solved once more with another method and presolve off, and held to the same checks; if
    that fails too, once more in the program's own units (costs a billion times apart in one
    part can differ by less than the solver's dual tolerance once scaled), and held to the
    same checks on the scaled program. Where the answer broke a row and a re-solve finds
    the program infeasible, that verdict is returned: both solves then say that no point
    meets every row to reopt's tolerance.
    """
    scaling = scaling if scaling is not None else scaling_for(lp)
    try:
        checked = _checked(lp, solution, backend, options, notes, scaling)
    except SolverError as strict:
        if not strict_standard():
            raise
        try:
            with looser_standard():  # the same steps, to the standard no solve could miss
                checked = _checked(lp, solution, backend, options, notes, scaling)
        except SolverError:
            raise strict from None
        x, _, _ = scaling.scale(checked.x, None, None)
        scaled = scaling.apply(lp)
        if x is not None and not shares_hold(scaled, *row_activity(scaled, x)):
            raise strict from None
        notes.append(_LOOSE)
    return without_stray_signs(lp, checked)


#: The note on an answer that meets only the check's looser standard.
_LOOSE = (
    "no solve met every policy's share to 1e-9 of its base and every dual to the money of "
    "the columns in play (numbers in this market lie far apart); the plan meets each share "
    "to 1e-6 of its base, each row to 1e-9 of its largest entry and each dual to the money "
    "of all its columns"
)


def _checked(
    lp: LinearProgram,
    solution: Solution,
    backend: Backend,
    options: SolverOptions,
    notes: list[str],
    scaling: Scaling,
) -> Solution:
    """The body of `checked_answer`: polish, check, and re-solves where needed."""
    scaled = scaling.apply(lp)
    rtol = dual_rtol(backend)
    if Feature.FULL_PRECISION not in backend.features and solution.row_dual is not None:
        # values printed with a few digits: point and duals onto their vertex, if they fit
        solution = _polished(lp, scaled, scaling, solution, rtol) or solution
    try:
        solution, rows = _feasible(lp, scaled, scaling, solution, rtol)
    except SolverError as err:
        failure: SolverError | list[str] = err
    else:
        if solution.row_dual is None:
            if not lp.is_mip:
                notes.append(f"optimality not proved: {solution.backend} returned no duals")
            return solution
        failure = _optimality(scaled, scaling, solution, rtol, rows)
        if not failure:
            return solution
        polished = _polished(lp, scaled, scaling, solution, rtol)
        if polished is not None:
            return polished
    for units, how in _RETRIES:
        if units == "typical" and lp.is_mip:
            continue  # (a MILP's costs are in those units already)
        again = _retry(lp, scaled, scaling, backend, options, units=units)
        if again is None:
            continue
        if again.status is Status.OPTIMAL:
            notes.append(f"{solution.backend}'s {how} passed it")
            return again
        if isinstance(failure, SolverError):  # the first answer broke a row: both say so
            notes.append(f"{solution.backend}'s {how} found the market infeasible")
            return again
    if isinstance(failure, SolverError):
        raise failure
    listing = "\n  - ".join(failure)
    raise SolverError(
        f"{solution.backend} reported a solution its duals do not prove optimal "
        f"(reopt's check):\n  - {listing}"
    )


#: The re-solves an answer that fails the check gets, in order: (the units the back end is
#: given, what the plan's note says happened).
_RETRIES = (
    (
        "scaled",
        "first answer failed reopt's check; a second solve (another method, presolve off, "
        "tighter tolerances)",
    ),
    (
        "own",
        "first two answers failed reopt's check; a solve of the program in its own units "
        "(another method, presolve off, tighter tolerances)",
    ),
    (
        "typical",
        "first three answers failed reopt's check; a solve of the program with each "
        "product's costs in units of its cheapest price (another method, presolve off, "
        "tighter tolerances)",
    ),
)


def _retry(
    lp: LinearProgram,
    scaled: LinearProgram,
    scaling: Scaling,
    backend: Backend,
    options: SolverOptions,
    *,
    units: str = "scaled",
) -> Solution | None:
    """A re-solve (another method, presolve off, tighter tolerances) that passes, or None.

    With ``units="own"`` the back end gets the program unscaled, with ``"typical"`` scaled
    as a MILP is (`reopt.model.scaling.scaling_for`); the answer is checked on the scaled
    program all the same. A re-solve that finds the program infeasible is returned
    as it is (the caller decides whether that verdict stands).
    """
    method = Method.IPM if options.method is Method.SIMPLEX else Method.SIMPLEX
    retry = options.replace(presolve=False, method=method)
    strict = getattr(backend, "strict_options", None)
    if callable(strict):
        retry = strict(retry)
    if backend.option_problems(lp, retry):
        return None
    solved_in = scaling  # the back end's units; the check stays in ``scaling``'s
    if units != "scaled":
        solved_in = Scaling.identity(lp) if units == "own" else scaling_for(lp, typical=True)
    again = solve_with(backend, lp, retry, scaling=solved_in)
    if again.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
        # prices are >= 0 and every column is bounded below, so cost cannot fall forever
        return replace(again, status=Status.INFEASIBLE, x=None, row_dual=None, col_dual=None)
    if again.status is not Status.OPTIMAL or again.x is None:
        return None
    rtol = dual_rtol(backend)
    try:
        again, rows = _feasible(lp, scaled, scaling, again, rtol)
    except SolverError:
        return None
    if again.row_dual is not None and _optimality(scaled, scaling, again, rtol, rows):
        return _polished(lp, scaled, scaling, again, rtol)  # None unless it passes
    return again


def _feasible(
    lp: LinearProgram, scaled: LinearProgram, scaling: Scaling, solution: Solution, rtol: float
) -> tuple[Solution, Rows | None]:
    """``solution``, polished onto its vertex where its digits fall short; else SolverError.

    With it, the scaled program's `row_activity` at its point when it passed as it was.
    Values beyond their column bounds by no more than the check allows are put on them
    first (`_onto_bounds`).
    """
    solution = _onto_bounds(lp, scaling, solution)
    x, _, _ = scaling.scale(solution.x, None, None)
    assert x is not None
    objective = dot(scaled.cost, x) + scaled.objective_offset
    rows = row_activity(scaled, x)
    if not violations(scaled, x, objective, activity=rows):
        return solution, rows
    if solution.row_dual is not None:  # point and duals onto the vertex together
        both = _polished(lp, scaled, scaling, solution, rtol)
        if both is not None:
            return both, None
    polished = _polished(lp, scaled, scaling, replace(solution, row_dual=None), rtol)
    if polished is None:
        check_solution(scaled, x, objective, backend=solution.backend)
        raise AssertionError("unreachable: the check above raises")
    return replace(polished, row_dual=solution.row_dual, col_dual=solution.col_dual), None


def _onto_bounds(lp: LinearProgram, scaling: Scaling, solution: Solution) -> Solution:
    """``solution`` with each value beyond a column bound, within the check's tolerance, on it.

    A solver may leave a purchase below 0 or above its capacity by its tolerance, a share of
    the product's demand. Where prices lie far apart, such tonnes can be most of a plan's
    money (-5e-4 t of an offer at 1e4 USD/kg against 5e6 t at 1e-6 USD/kg), and rows in
    money are checked with them; so no plan keeps them. Values beyond their bound by a few
    units in the last place of it (the rounding of unscaling) are left as they are; values
    beyond the tolerance are left for the check to report.
    """
    x = solution.x
    assert x is not None
    lower, upper = lp.col_lower, lp.col_upper
    at = np.flatnonzero((x < lower) | (x > upper))  # (few: only these are looked at)
    if not len(at):
        return solution
    value, low, up = x[at], lower[at], upper[at]
    beyond = np.maximum(low - value, value - up)
    rounding = ROUNDING_RTOL * np.where(value < low, np.abs(low), np.abs(up))
    tol = FEASIBILITY_RTOL * np.maximum(scaling.col[at], np.abs(value))
    move = (beyond > rounding) & (beyond <= tol)
    if not move.any():
        return solution
    fixed = x.copy()
    fixed[at[move]] = np.clip(value[move], low[move], up[move])
    return replace(solution, x=readonly(fixed), objective=dot(lp.cost, fixed) + lp.objective_offset)


def _polished(
    lp: LinearProgram, scaled: LinearProgram, scaling: Scaling, solution: Solution, rtol: float
) -> Solution | None:
    """``solution`` with its point and duals moved onto their vertex, if they pass there."""
    x, row_dual, _ = scaling.scale(solution.x, solution.row_dual, None)
    assert x is not None
    done = polish(scaled, x, row_dual, dual_rtol=rtol)
    if done is None:
        return None
    exact, y, _ = scaling.unscale(done.x, done.row_dual, None)
    assert exact is not None
    objective = dot(lp.cost, exact) + lp.objective_offset
    if y is None:
        return replace(solution, x=readonly(exact), objective=objective)
    # a dual or reduced cost below 1e-9 of the money it is made of is rounding: zero
    with np.errstate(divide="ignore", invalid="ignore"):
        per_entry = np.where(lp.value != 0, np.abs(lp.cost[lp.col_index] / lp.value), 0.0)
    y = np.where(np.abs(y) <= 1e-9 * row_max(lp, per_entry), 0.0, y)
    reduced = lp.cost - lp.column_activity(y)
    terms = np.abs(lp.cost) + np.bincount(
        lp.col_index, weights=np.abs(lp.value * y[lp.entry_row]), minlength=lp.n_cols
    )
    reduced[np.abs(reduced) <= 1e-9 * terms] = 0.0
    return replace(
        solution,
        x=readonly(exact),
        row_dual=readonly(y),
        col_dual=readonly(reduced),
        objective=objective,
    )


def _optimality(
    scaled: LinearProgram,
    scaling: Scaling,
    solution: Solution,
    rtol: float,
    rows: Rows | None = None,
) -> list[str]:
    """What the solution's duals fail to prove to ``rtol``, on the scaled program.

    ``rows`` is the point's `row_activity` there, where known.
    """
    x, row_dual, col_dual = scaling.scale(solution.x, solution.row_dual, solution.col_dual)
    assert x is not None and row_dual is not None
    return optimality_violations(scaled, x, row_dual, col_dual, activity=rows, rtol=rtol)


def dual_rtol(backend: Backend) -> float:
    """The share of its money each of ``backend``'s duals is held to.

    `OPTIMALITY_RTOL` where the back end hands its duals over with 15 digits or more
    (`Feature.PRECISE_DUALS`: HiGHS, GLPK's solution file), `PRINTED_OPTIMALITY_RTOL` where
    it prints fewer (CBC) or is not known to print more (a ``pulp.LpSolver`` of the user's).
    """
    if Feature.PRECISE_DUALS in backend.features:
        return OPTIMALITY_RTOL
    return PRINTED_OPTIMALITY_RTOL
