"""`Status`: reopt's own verdict on a solve, independent of any solver's vocabulary.

Each back end maps its solver's raw status onto these values. A solve stopped by a time,
iteration or other limit is never `Status.OPTIMAL`, whatever the solver calls it.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Status"]


class Status(StrEnum):
    """How a solve ended.

    Examples
    --------
    >>> Status.OPTIMAL == "optimal"
    True
    >>> Status.TIME_LIMIT.is_limit
    True
    """

    #: Solved to optimality, and the solution passed reopt's own check.
    OPTIMAL = "optimal"
    #: No plan meets every demand and policy (``Plan.explain()`` says what must give way).
    INFEASIBLE = "infeasible"
    #: Cost can fall without end (cannot happen with prices >= 0; kept for raw LPs).
    UNBOUNDED = "unbounded"
    #: The solver could only tell that it is one of the two.
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    #: Stopped by the time limit; no optimal plan.
    TIME_LIMIT = "time_limit"
    #: Stopped by an iteration limit; no optimal plan.
    ITERATION_LIMIT = "iteration_limit"
    #: Stopped by another limit (solutions, memory, objective bound); no optimal plan.
    OTHER_LIMIT = "other_limit"
    #: Interrupted (for example by Ctrl-C); no optimal plan.
    INTERRUPTED = "interrupted"
    #: The solver failed.
    ERROR = "error"

    @property
    def is_optimal(self) -> bool:
        """True only for `OPTIMAL`."""
        return self is Status.OPTIMAL

    @property
    def is_limit(self) -> bool:
        """True when a limit or an interrupt stopped the solve."""
        return self in (
            Status.TIME_LIMIT,
            Status.ITERATION_LIMIT,
            Status.OTHER_LIMIT,
            Status.INTERRUPTED,
        )
