"""`SolverOptions`: one typed set of solver settings, mapped by each back end.

Leave a field at its default (None, or ``"auto"``) to use reopt's default for the back end,
which the benchmarks chose; see ``docs/solvers.md``. A setting that a back end cannot honour
is an error, never silently dropped.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from reopt.errors import InputError, ProblemList

__all__ = ["Method", "SolverOptions"]


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
        problems = ProblemList()

        def bad(name: str, value: object, rule: str, hint: str = "") -> None:
            problems.add("options", "SolverOptions", name, value, rule, hint)

        t = self.time_limit_s
        if t is not None and (
            isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t <= 0
        ):
            bad("time_limit_s", t, "must be a number of seconds > 0")
        th = self.threads
        if th is not None and (isinstance(th, bool) or not isinstance(th, int) or th < 1):
            bad("threads", th, "must be a whole number >= 1")
        if self.presolve is not None and not isinstance(self.presolve, bool):
            bad("presolve", self.presolve, "must be True, False or None")
        try:
            object.__setattr__(self, "method", Method(self.method))
        except ValueError:
            options = ", ".join(repr(m.value) for m in Method)
            bad("method", self.method, f"must be one of {options}")
        g = self.mip_gap
        if g is not None and (
            isinstance(g, bool) or not isinstance(g, (int, float)) or not 0 <= g < 1
        ):
            bad("mip_gap", g, "must be a fraction in [0, 1)", "e.g. 1e-4 for 0.01%")
        s = self.seed
        if s is not None and (isinstance(s, bool) or not isinstance(s, int) or s < 0):
            bad("seed", s, "must be a whole number >= 0")
        if not isinstance(self.log, (bool, str, os.PathLike)):
            bad("log", self.log, "must be True, False or a file path")
        if not isinstance(self.extra, Mapping):
            bad("extra", self.extra, "must be a mapping of option names to values")
        else:
            for key in self.extra:
                if not isinstance(key, str):
                    bad("extra", key, "option names must be text")
            object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))
        if problems:
            raise InputError(problems.items)

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
