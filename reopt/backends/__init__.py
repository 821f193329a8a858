"""Back ends: each hands a `LinearProgram` to a solver and returns a `Solution`.

`reopt.backends.base` defines the `Backend` protocol and its `Feature` flags; the registry
(`available_solvers`, `get_backend`) says which back ends exist and run here. HiGHS runs
in-process (`reopt.backends.highs`, with `HighsSession` for warm re-solves and
`reopt.backends.highs_tools` for IIS, ranging and model files); CBC, GLPK and HiGHS run
through PuLP (`reopt.backends.pulp_solvers`), and so does any ``pulp.LpSolver``.

A back end does not judge the answer; `reopt.solve` re-checks every optimal solution in
numpy (`reopt.results.verify`) before it becomes a plan.
"""

from reopt.backends import readers  # noqa: F401  (registers the MPS and LP reader)
from reopt.backends.base import Backend, Feature, Solution, StartBasis
from reopt.backends.registry import available_solvers, get_backend, known_solvers, register

__all__ = [
    "Backend",
    "Feature",
    "Solution",
    "StartBasis",
    "available_solvers",
    "get_backend",
    "known_solvers",
    "register",
]
