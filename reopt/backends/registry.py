"""The back-end registry: which back ends exist, which run here, and what each can do.

Callers never compare names: they ask `get_backend` for the back end a user named (or for
any back end with a `Feature`), and `available_solvers` for the names that run here, the
way tests are parametrised. A ``pulp.LpSolver`` instance passed as ``solver=`` is wrapped
in a `reopt.backends.pulp_backend.PulpSolverBackend`.
"""

from __future__ import annotations

from typing import Any

from reopt.backends import pulp_adapter
from reopt.backends.auto import AUTO
from reopt.backends.base import Backend, Feature
from reopt.backends.highs import HIGHS
from reopt.backends.pulp_backend import PulpSolverBackend
from reopt.backends.pulp_solvers import CBC, GLPK, PULP_HIGHS
from reopt.errors import InputError, Problem

__all__ = ["available_solvers", "get_backend", "known_solvers", "register"]

_REGISTRY: dict[str, Backend] = {}


def register(backend: Backend) -> None:
    """Make ``backend`` known by its name (a later one of the same name replaces it)."""
    _REGISTRY[backend.name] = backend


for _backend in (HIGHS, AUTO, CBC, GLPK, PULP_HIGHS):
    register(_backend)


def known_solvers() -> tuple[str, ...]:
    """Every registered back end's name, installed here or not."""
    return tuple(_REGISTRY)


def available_solvers(feature: Feature | str | None = None) -> list[str]:
    """Names of the back ends that run here, optionally only those with ``feature``.

    Examples
    --------
    >>> "highs" in available_solvers(Feature.WARM_START)
    True
    """
    wanted = Feature(feature) if feature is not None else None
    return [
        name
        for name, backend in _REGISTRY.items()
        if (wanted is None or wanted in backend.features) and backend.is_available()
    ]


def get_backend(solver: str | Any = None, *, feature: Feature | str | None = None) -> Backend:
    """The back end for ``solver`` (a name, a `Backend` or a ``pulp.LpSolver`` instance).

    With ``solver=None`` and a ``feature``: the first registered back end that has it and
    runs here. Unknown names are an `InputError` listing the known ones.
    """
    if solver is None and feature is not None:
        for name in available_solvers(feature):
            return _REGISTRY[name]
        raise InputError(
            [Problem("options", "solver", "feature", str(feature), "no back end here has it")]
        )
    if isinstance(solver, str) and solver in _REGISTRY:
        return _REGISTRY[solver]
    if isinstance(solver, Backend):
        return solver
    if pulp_adapter.is_solver(solver):
        return PulpSolverBackend(solver)
    raise InputError(
        [
            Problem(
                "options",
                "solve()",
                "solver",
                solver,
                f"unknown solver; known: {', '.join(_REGISTRY)}, or a pulp.LpSolver instance",
            )
        ]
    )
