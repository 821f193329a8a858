"""`SolverOptions`: one typed set of solver settings, mapped by each back end.

Leave a field at its default (None, or ``"auto"``) to use reopt's default for the back end,
which the benchmarks chose; see ``docs/solvers.md``. A setting that a back end cannot honour
is an error, never silently dropped.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from reopt.checks import InstanceOf, MappingOf, Number, OneOf, Rule, check
from reopt.errors import InputError

__all__ = ["DEFAULT_SOLVER", "Method", "SolverOptions"]

#: The back end used when none is named: the fastest exact method for the program's
#: structure (`reopt.backends.auto`: the greedy method where each product's caps nest, HiGHS
#: for everything else).
DEFAULT_SOLVER = "auto"


class Method(StrEnum):
    """The LP algorithm."""

    #: reopt's measured default for the back end and the shape of the model.
    AUTO = "auto"
    #: Dual simplex (gives a basis, exact duals and ranging).
    SIMPLEX = "simplex"
    #: Interior point, followed by crossover to a basis.
    IPM = "ipm"
    #: First-order PDLP (HiGHS only); approximate, no basis.
    PDLP = "pdlp"


@dataclass(frozen=True)
class SolverOptions:
    """Solver settings.

    Parameters
    ----------
    time_limit_s : float, optional
        Wall-clock limit in seconds. A solve that hits it ends with ``Status.TIME_LIMIT``.
    threads : int, optional
        Threads the solver may use.
    presolve : bool, optional
        Force presolve on or off; None leaves reopt's default for the back end.
    method : {"auto", "simplex", "ipm", "pdlp"}, default="auto"
    mip_gap : float, optional
        Relative gap at which a MILP (minimum orders) counts as solved.
    seed : int, optional
        Random seed of the solver.
    log : bool or path, default=False
        False: silent. True: the solver's log on the console. A path: the log in that file.
    extra : mapping, optional
        Solver-specific options by the solver's own names (e.g. HiGHS
        ``{"simplex_iteration_limit": 100}``); an unknown name is an error.

    Examples
    --------
    >>> SolverOptions(time_limit_s=30, method="ipm").method
    <Method.IPM: 'ipm'>
    """

    time_limit_s: float | None = None
    threads: int | None = None
    presolve: bool | None = None
    method: Method = Method.AUTO
    mip_gap: float | None = None
    seed: int | None = None
    log: bool | str | os.PathLike[str] = False
    extra: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        problems = check(values, _RULES, where="SolverOptions")
        if problems:
            raise InputError(problems)
        object.__setattr__(self, "method", Method(self.method))
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))

    def __reduce__(self) -> tuple[type[SolverOptions], tuple[object, ...]]:
        """Pickle by value (for process pools); ``extra`` goes as a plain dict."""
        values = [getattr(self, name) for name in self.__dataclass_fields__]
        values[-1] = dict(self.extra)
        return (SolverOptions, tuple(values))

    def replace(self, **changes: object) -> SolverOptions:
        """A copy with some fields changed."""
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        fields.update(changes)
        return SolverOptions(**fields)  # type: ignore[arg-type]


#: What each field of `SolverOptions` must be (None is reopt's default where allowed).
_RULES: Mapping[str, Rule] = MappingProxyType(
    {
        "time_limit_s": Number(
            low=0, low_open=True, rule="must be a number of seconds > 0", optional=True
        ),
        "threads": Number(low=1, integer=True, optional=True),
        "presolve": InstanceOf(bool, rule="must be True, False or None", optional=True),
        "method": OneOf(tuple(m.value for m in Method)),
        "mip_gap": Number(
            low=0,
            high=1,
            high_open=True,
            rule="must be a fraction in [0, 1)",
            hint="e.g. 1e-4 for 0.01%",
            optional=True,
        ),
        "seed": Number(low=0, integer=True, optional=True),
        "log": InstanceOf((bool, str, os.PathLike), rule="must be True, False or a file path"),
        "extra": MappingOf(
            keys=InstanceOf(str, rule="option names must be text"),
            what="must be a mapping of option names to values",
        ),
    }
)
