"""What `reopt.bench.tune` tries: the grid of settings, and the back ends and settings asked for.

The grid (`GRID`) is the same for every back end; each back end keeps the settings it can
honour for the model and that end at a vertex (`candidate_options`), asked through the
`reopt.backends.Backend` protocol, never by its name. The back ends come from the registry
(`available_solvers`), so a back end registered later is tried too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from reopt.backends import Backend, available_solvers, get_backend
from reopt.errors import InputError, Problem
from reopt.model.program import LinearProgram
from reopt.options import Method, SolverOptions

__all__ = ["GRID", "candidate_options", "chosen_backends", "chosen_settings"]

_WHERE = "tune()"

#: The settings tried on every back end that honours them (`candidate_options`): reopt's
#: default, simplex and interior point each with presolve on and off, primal simplex (a
#: HiGHS option, refused by back ends that do not know it) and, on a machine with more than
#: one core, HiGHS's parallel simplex on every core.
GRID: tuple[SolverOptions, ...] = (
    SolverOptions(),
    SolverOptions(method=Method.SIMPLEX, presolve=False),
    SolverOptions(method=Method.SIMPLEX, presolve=True),
    SolverOptions(method=Method.IPM, presolve=False),
    SolverOptions(method=Method.IPM, presolve=True),
    SolverOptions(method=Method.SIMPLEX, presolve=False, extra={"simplex_strategy": 4}),
) + (
    (SolverOptions(threads=os.cpu_count(), extra={"parallel": "on"}),)
    if (os.cpu_count() or 1) > 1
    else ()
)


def candidate_options(backend: Backend, lp: LinearProgram) -> list[SolverOptions]:
    """The settings of `GRID` that ``backend`` honours for ``lp`` and that end at a vertex.

    Examples
    --------
    >>> import reopt
    >>> lp = reopt.compile(reopt.datasets.japan_2025())
    >>> SolverOptions(method="ipm", presolve=False) in candidate_options(get_backend("glpk"), lp)
    False
    """
    return [o for o in GRID if backend.at_vertex(o) and not backend.option_problems(lp, o)]


def chosen_backends(solvers: object, problems: list[Problem]) -> list[Backend]:
    """The back ends ``solvers`` names (default: every one available here).

    Each unknown or unavailable one is added to ``problems``.
    """
    if solvers is None:
        return [get_backend(name) for name in available_solvers()]
    if isinstance(solvers, (str, Backend)) or not isinstance(solvers, Iterable):
        solvers = [solvers]
    found = []
    items = list(solvers)
    for item in items:
        try:
            backend = get_backend(item)
        except InputError as err:
            problems += [
                Problem("options", _WHERE, "solvers", p.value, p.rule, p.hint) for p in err.problems
            ]
            continue
        if not backend.is_available():
            hint = f"available here: {', '.join(available_solvers())}"
            problems.append(Problem("options", _WHERE, "solvers", item, "not available", hint))
        else:
            found.append(backend)
    if not items:
        problems.append(Problem("options", _WHERE, "solvers", items, "expected a solver"))
    return found


def chosen_settings(candidates: object, problems: list[Problem]) -> list[SolverOptions] | None:
    """The `SolverOptions` in ``candidates`` (None: the grid); others are added to ``problems``."""
    if candidates is None:
        return None
    if isinstance(candidates, SolverOptions):
        return [candidates]
    items = list(candidates) if isinstance(candidates, Iterable) else [candidates]
    for item in items:
        if not isinstance(item, SolverOptions):
            problems.append(
                Problem(
                    "options", _WHERE, "candidates", type(item).__name__, "expected SolverOptions"
                )
            )
    if not items:
        problems.append(Problem("options", _WHERE, "candidates", items, "expected SolverOptions"))
    return [item for item in items if isinstance(item, SolverOptions)]
