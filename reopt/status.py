"""`Status`: reopt's own verdict on a solve, independent of any solver's vocabulary.

Each back end maps its solver's raw status onto these values. A solve stopped by a time,
iteration or other limit is never `Status.OPTIMAL`, whatever the solver calls it, and
`Status.hint` says what to change next, in the words of whoever reads it: a Python caller
is told about `reopt.SolverOptions`, a command-line user about ``--time-limit`` (the
`Audience` is chosen where the message is shown).

The ``reopt`` command's exit codes follow from the status (`reopt.cli.exits`): 0 optimal,
1 infeasible, 3 any other status (a limit, an interrupt, an error).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Audience", "Status"]


class Audience(StrEnum):
    """Who reads a hint, and so how the settings it names are spelled."""

    #: A Python caller: ``SolverOptions(time_limit_s=...)``.
    PYTHON = "python"
    #: A command-line user: ``--time-limit SECONDS``.
    CLI = "cli"


#: How each audience spells the settings a hint names.
_SPELLING = {
    Audience.PYTHON: {
        "time_limit": "SolverOptions(time_limit_s=SECONDS)",
        "method": "SolverOptions(method=...)",
    },
    Audience.CLI: {
        "time_limit": "--time-limit SECONDS",
        "method": "--method",
    },
}


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

    def hint(self, audience: Audience | str = Audience.PYTHON) -> str:
        """What to change after a solve that ended this way; empty when there is nothing to say.

        Parameters
        ----------
        audience : Audience or str, default Audience.PYTHON
            Who reads it: ``"python"`` names `reopt.SolverOptions`, ``"cli"`` the options of
            the ``reopt`` command.

        Examples
        --------
        >>> print(Status.TIME_LIMIT.hint())  # doctest: +NORMALIZE_WHITESPACE
        Raise the limit (SolverOptions(time_limit_s=SECONDS)) or try another method
        (SolverOptions(method=...)).
        >>> Status.TIME_LIMIT.hint("cli")
        'Raise the limit (--time-limit SECONDS) or try another method (--method).'
        >>> Status.OPTIMAL.hint("cli")
        ''
        """
        words = _SPELLING[Audience(audience)]
        if self is Status.TIME_LIMIT:
            return (
                f"Raise the limit ({words['time_limit']}) or try another method "
                f"({words['method']})."
            )
        if self in (Status.ITERATION_LIMIT, Status.OTHER_LIMIT):
            return f"Try another method ({words['method']})."
        if self is Status.INTERRUPTED:
            return "Run it again and let it finish."
        return ""

    @property
    def is_limit(self) -> bool:
        """True when a limit or an interrupt stopped the solve."""
        return self in (
            Status.TIME_LIMIT,
            Status.ITERATION_LIMIT,
            Status.OTHER_LIMIT,
            Status.INTERRUPTED,
        )
