"""reopt's HiGHS settings: its measured defaults, and `SolverOptions` mapped onto HiGHS."""

from __future__ import annotations

import os

import numpy as np

from reopt.model.program import LinearProgram, RowFamily
from reopt.options import Method, SolverOptions

__all__ = [
    "IPM_FROM_OFFERS_PER_PRODUCT",
    "PRIMAL_TOLERANCE",
    "SMALLEST_MATRIX_VALUE",
    "STRICT_DUAL_TOLERANCE",
    "default_settings",
    "strict_options",
]


#: Above this many offers in one product (and period), interior point beats dual simplex.
IPM_FROM_OFFERS_PER_PRODUCT = 8_000
#: HiGHS's primal feasibility tolerance: below reopt's own check (1e-9 of each row's size
#: in the scaled program), where HiGHS's default (1e-7) is above it.
PRIMAL_TOLERANCE = 1e-10
#: HiGHS's feasibility tolerance in branch and bound (rows, bounds and integrality): its
#: default (1e-6) let a 0/1 choice of 1e-6 open 1e-6 of an offer's capacity below its
#: minimum order, and a purchase of -1e-6 at a dear price cancel the money of a plan.
MIP_FEASIBILITY_TOLERANCE = 1e-9
#: HiGHS drops matrix entries below its ``small_matrix_value`` (1e-9 by default), and takes
#: none below this.
SMALLEST_MATRIX_VALUE = 1e-12
_HIGHS_SMALL_MATRIX_VALUE = 1e-9  # HiGHS's default


def default_settings(lp: LinearProgram, options: SolverOptions) -> dict[str, object]:
    """HiGHS option values for ``lp`` under ``options``; reopt's defaults fill the gaps.

    reopt's defaults, chosen by measurement (``python -m reopt.bench.settings``; the figures
    are in ``docs/solvers.md``):

    - presolve off for LPs: on single-period markets with many offers per product, HiGHS's
      presolve took 100 s where the whole solve without it took 1-3 s;
    - dual simplex, unless one product (in one period) has at least
      `IPM_FROM_OFFERS_PER_PRODUCT` offers; then interior point with crossover, which was
      2-7x faster there (crossover gives a basis, so duals stay exact);
    - HiGHS's own choices for MILPs (minimum orders), where presolve pays off;
    - ``threads=1``, so that parallel sweeps do not oversubscribe the cores;
    - a primal feasibility tolerance of `PRIMAL_TOLERANCE`, so that HiGHS's answers pass
      reopt's check (`reopt.results.verify`) rather than stop 1e-7 short of a vertex;
    - where an entry of ``lp`` is below twice HiGHS's 1e-9, a ``small_matrix_value`` half its
      size (at least `SMALLEST_MATRIX_VALUE`), so that HiGHS keeps it: dropped, it turned the
      row ``1e8 x0 + 1e-2 x1 = 1e6``, divided by its largest entry, into ``x0 = 0.01``, and a
      feasible program into an infeasible one. An entry of exactly 1e-9 is dropped too (a
      product's 1e-9 t demand beside a stock floor of 1e-7 t was once called infeasible).
    """
    settings: dict[str, object] = {}
    if lp.is_mip:
        settings["presolve"] = "choose"
        settings["solver"] = "choose"
        settings["mip_feasibility_tolerance"] = MIP_FEASIBILITY_TOLERANCE
    else:
        settings["presolve"] = "off"
        settings["solver"] = (
            "ipm" if _widest_demand_row(lp) >= IPM_FROM_OFFERS_PER_PRODUCT else ("simplex")
        )
        if settings["solver"] == "ipm":
            settings["run_crossover"] = "on"
    if options.presolve is not None:
        settings["presolve"] = "on" if options.presolve else "off"
    if options.method is not Method.AUTO:
        settings["solver"] = options.method.value
        if options.method is Method.IPM:
            settings["run_crossover"] = "on"
        else:
            settings.pop("run_crossover", None)
    settings["primal_feasibility_tolerance"] = PRIMAL_TOLERANCE
    smallest = _smallest_entry(lp)
    if smallest < 2 * _HIGHS_SMALL_MATRIX_VALUE:
        settings["small_matrix_value"] = max(SMALLEST_MATRIX_VALUE, smallest / 2)
    settings["threads"] = options.threads if options.threads is not None else 1
    settings["random_seed"] = options.seed if options.seed is not None else 0
    if options.time_limit_s is not None:
        settings["time_limit"] = float(options.time_limit_s)
    if options.mip_gap is not None:
        settings["mip_rel_gap"] = float(options.mip_gap)
    if options.log is True:
        settings["log_to_console"] = True
    elif options.log not in (False, None):
        settings["log_file"] = os.fspath(options.log)  # type: ignore[arg-type]
        settings["log_to_console"] = False
    settings.update(options.extra)
    return settings


def _smallest_entry(lp: LinearProgram) -> float:
    """The smallest nonzero ``|a_ij|`` of ``lp`` (infinite for a program without entries)."""
    magnitude = np.abs(lp.value)
    return float(magnitude.min(initial=np.inf, where=magnitude > 0))


def _widest_demand_row(lp: LinearProgram) -> int:
    """The most offers in one demand row (one product in one period)."""
    demand = lp.family_rows(RowFamily.DEMAND)
    if len(demand) == 0:
        return 0
    return int(np.max(lp.row_start[demand + 1] - lp.row_start[demand]))


#: The dual feasibility tolerance of a second solve: HiGHS's default (1e-7, absolute) lets a
#: reduced cost of a few 1e-8 through, which reopt's check (1e-9 of the prices involved)
#: refuses: two prices 2.7e-7 apart, or two costs 1e-9 of a third in one part.
STRICT_DUAL_TOLERANCE = 1e-10


def strict_options(options: SolverOptions) -> SolverOptions:
    """``options`` with tighter primal and dual tolerances, for reopt's second solve.

    Examples
    --------
    >>> strict_options(SolverOptions()).extra["dual_feasibility_tolerance"]
    1e-10
    """
    extra = dict(options.extra)
    extra.setdefault("dual_feasibility_tolerance", STRICT_DUAL_TOLERANCE)
    extra.setdefault("primal_feasibility_tolerance", PRIMAL_TOLERANCE)
    return options.replace(extra=extra)
