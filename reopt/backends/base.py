"""What every back end shares: the `Solution` it returns, its `Feature` flags, the protocol.

A back end hands a `reopt.model.program.LinearProgram` to a solver and reads back a
`Solution` in reopt's terms. It does not judge the answer: `reopt.solve` re-checks every
optimal solution in numpy before it becomes a plan. Callers never compare back-end names;
they ask the registry (`reopt.backends.available_solvers`) which back end has a `Feature`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from reopt.status import Status

if TYPE_CHECKING:
    from reopt.errors import Problem
    from reopt.model.program import LinearProgram
    from reopt.options import SolverOptions

__all__ = ["Backend", "Feature", "Solution", "StartBasis"]


class Feature(StrEnum):
    """What a back end can do beyond solving an LP."""

    #: keeps one model between solves and applies changes in place (warm re-solves)
    WARM_START = "warm_start"
    #: ends at a vertex (a basic solution) with its default method; see `Backend.at_vertex`
    VERTEX = "vertex"
    #: returns duals (shadow prices, reduced costs) for LPs solved to optimality
    DUALS = "duals"
    #: computes an irreducible infeasible subsystem
    IIS = "iis"
    #: ranges costs and bounds from an optimal basis
    RANGING = "ranging"
    #: writes the model as an MPS or LP file
    EXPORT = "export"
    #: solves models with integer columns (minimum orders)
    MILP = "milp"
    #: returns values and duals in full double precision (not printed to a file)
    FULL_PRECISION = "full_precision"
    #: returns duals with at least 15 significant digits (in memory, or printed so), which
    #: reopt's optimality check holds to 1e-9 of their money rather than 1e-7
    PRECISE_DUALS = "precise_duals"
    #: holds an LP's rows and bounds to 1e-10 of their size (HiGHS's primal tolerance under
    #: reopt's settings), so that a plan it calls optimal needs no second word on whether the
    #: market has one (`reopt.results.planning.make_plan` asks HiGHS where a plan fits loosely)
    TIGHT_ROWS = "tight_rows"


@dataclass(frozen=True)
class Solution:
    """What a back end read back from its solver, in reopt's terms.

    Attributes
    ----------
    status : Status
        Mapped from the solver's raw status.
    raw_status : str
        The solver's own words, for the record.
    x : ndarray or None
        Column values (None when the solver has no primal solution).
    row_dual, col_dual : ndarray or None
        Duals: the change of the objective per unit increase of a row bound / column bound
        (None when the solver has no valid dual solution, for instance for a MILP).
    objective : float
        The solver's objective value (NaN without a solution).
    backend : str
        Which back end solved it.
    solve_time_s : float
        Time spent inside the solver, by the solver's clock.
    iterations : int
        Simplex + interior-point + PDLP iterations (MILP: nodes are not counted).
    settings : mapping
        The solver settings that were actually applied.
    basis : object, optional
        The final basis where the back end can reuse it for a warm start.
    """

    status: Status
    raw_status: str
    x: np.ndarray | None
    row_dual: np.ndarray | None
    col_dual: np.ndarray | None
    objective: float
    backend: str
    solve_time_s: float = float("nan")
    iterations: int = 0
    settings: Mapping[str, object] = field(default_factory=dict)
    basis: object = None


@dataclass(frozen=True)
class StartBasis:
    """A basis to start a warm re-solve from, as plain arrays that pickle (for workers).

    ``col_status`` and ``row_status`` hold one status code per column and row (HiGHS's
    ``HighsBasisStatus`` numbers: 0 at lower, 1 basic, 2 at upper, 3 zero, 4 nonbasic).
    A session of another back end may ignore it.
    """

    col_status: np.ndarray
    row_status: np.ndarray


@runtime_checkable
class Backend(Protocol):
    """A solver reopt can hand a `LinearProgram` to.

    Attributes
    ----------
    name : str
        The name users pass as ``solver=`` (``"highs"``, ``"cbc"``, ...).
    features : frozenset of Feature
        What it can do; callers dispatch on these, never on the name.
    install_hint : str
        How to install it where it is missing.
    """

    name: str
    features: frozenset[Feature]
    install_hint: str

    def is_available(self) -> bool:
        """Whether it can run here (its program or library is installed)."""
        ...

    def option_problems(self, lp: LinearProgram, options: SolverOptions) -> list[Problem]:
        """Every setting of ``options`` it cannot honour for ``lp`` (empty: all fine)."""
        ...

    def at_vertex(self, options: SolverOptions) -> bool:
        """Whether its answers under ``options`` are vertices (exact bases, exact ranges)."""
        ...

    def solve(self, lp: LinearProgram, options: SolverOptions) -> Solution:
        """Solve ``lp``; a limit or failure is a status, never an exception."""
        ...
