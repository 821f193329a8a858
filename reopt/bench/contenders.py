"""The contenders of the benchmark, and how one run of each is timed.

A contender is reopt with a back end and settings, or a baseline that builds the same
China-cap LP another way: the raw limit (numpy arrays straight into highspy,
`reopt.bench.raw`), what users write today (idiomatic PuLP, `reopt.bench.pulp_model`) and
linopy when it is installed. `measure` runs one contender on one instance and returns a
`Measurement` of plain numbers; the runner calls it in a fresh process per run, so that the
process's peak memory belongs to that run alone.

Stages, in seconds:

- ``validate``: the tables checked and encoded as a `reopt.Market` (reopt only);
- ``build``: reopt's ``compile``; the raw or PuLP model built from the tables;
- ``handoff``: the model passed to HiGHS (in-process back ends);
- ``solve``: the solver call, wall clock; ``solver`` is the solver's own clock where it
  has one (HiGHS), else the same wall time;
- ``extract``: results read back (for reopt: the numpy check and the `Plan`);
- ``end_to_end``: build + handoff + solve + extract: from a validated market to a plan for
  reopt, from the tables to the solution for the baselines.
"""

from __future__ import annotations

import importlib.util
import math
import resource
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from reopt.backends import get_backend
from reopt.backends.highs import HIGHS, read_solution
from reopt.backends.highs_calls import apply_settings, new_highs, pass_model
from reopt.backends.highs_calls import run as run_highs
from reopt.backends.highs_codes import map_status
from reopt.backends.highs_settings import (
    IPM_FROM_OFFERS_PER_PRODUCT,
    PRIMAL_TOLERANCE,
    default_settings,
)
from reopt.bench import raw
from reopt.bench.instances import CHINA_CAP, Instance
from reopt.data.market import Market
from reopt.model.formulation import compile
from reopt.model.scaling import scaling_for
from reopt.options import Method, SolverOptions
from reopt.results.planning import make_plan, solve_with

__all__ = [
    "CONTENDERS",
    "HIGHS_SETTINGS",
    "Contender",
    "Measurement",
    "measure",
    "peak_rss_mb",
    "raw_settings",
]


@dataclass(frozen=True)
class Measurement:
    """One run of one contender on one instance."""

    status: str
    objective: float = math.nan
    validate: float = math.nan
    build: float = math.nan
    handoff: float = math.nan
    solve: float = math.nan
    solver: float = math.nan
    extract: float = math.nan
    end_to_end: float = math.nan
    peak_mb: float = math.nan
    n_vars: int = 0
    n_rows: int = 0
    nonzeros: int = 0
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Contender:
    """A way to solve an instance: reopt with a back end and settings, or a baseline."""

    name: str
    group: str  # "settings" (reopt + HiGHS), "structure" (reopt auto), "back end" (reopt +
    # PuLP) or "baseline"
    run: Callable[[Instance, float], Measurement]
    variants: tuple[str, ...] = ("cap", "periods", "policies", "milp", "refining")
    largest: str = "xl"  # the largest size it runs at


def _reopt_highs(options: SolverOptions) -> Callable[[Instance, float], Measurement]:
    """The in-process HiGHS path of reopt under ``options``, stage by stage."""

    def run(inst: Instance, limit_s: float) -> Measurement:
        offers, demand = inst.tables()
        policies = inst.policies()
        chosen = options.replace(time_limit_s=limit_s, mip_gap=_gap(inst, options))
        t0 = time.perf_counter()
        market = Market(offers, demand)
        t1 = time.perf_counter()
        lp = compile(market, policies)
        t2 = time.perf_counter()
        settings = default_settings(lp, chosen)
        h = new_highs()
        apply_settings(h, settings)
        pass_model(h, lp)
        t3 = time.perf_counter()
        run_highs(h)
        t4 = time.perf_counter()
        solution = read_solution(h, lp, settings)
        plan = make_plan(market, policies, lp, solution, HIGHS, chosen)
        objective = plan.cost_usd
        t5 = time.perf_counter()
        return Measurement(
            status=plan.status.value,
            objective=objective,
            validate=t1 - t0,
            build=t2 - t1,
            handoff=t3 - t2,
            solve=t4 - t3,
            solver=solution.solve_time_s,
            extract=t5 - t4,
            end_to_end=t5 - t1,
            n_vars=lp.n_cols,
            n_rows=lp.n_rows,
            nonzeros=lp.n_nonzeros,
        )

    return run


def _reopt_backend(
    solver: str, *, whole_seconds: bool = False
) -> Callable[[Instance, float], Measurement]:
    """The back end ``solver`` (``"auto"``, or one through PuLP) as `reopt.solve` runs it.

    ``whole_seconds`` rounds the limit up (GLPK takes no less).
    """

    def run(inst: Instance, limit_s: float) -> Measurement:
        offers, demand = inst.tables()
        policies = inst.policies()
        limit = float(math.ceil(limit_s)) if whole_seconds else limit_s
        options = SolverOptions(time_limit_s=limit, mip_gap=_gap(inst, SolverOptions()))
        backend = get_backend(solver)
        t0 = time.perf_counter()
        market = Market(offers, demand)
        t1 = time.perf_counter()
        lp = compile(market, policies)
        t2 = time.perf_counter()
        scaling = scaling_for(lp)
        solution = solve_with(backend, lp, options, scaling=scaling)
        t3 = time.perf_counter()
        plan = make_plan(market, policies, lp, solution, backend, options, scaling=scaling)
        objective = plan.cost_usd
        t4 = time.perf_counter()
        return Measurement(
            status=plan.status.value,
            objective=objective,
            validate=t1 - t0,
            build=t2 - t1,
            solve=t3 - t2,
            solver=solution.solve_time_s,
            extract=t4 - t3,
            end_to_end=t4 - t1,
            n_vars=lp.n_cols,
            n_rows=lp.n_rows,
            nonzeros=lp.n_nonzeros,
        )

    return run


def _gap(inst: Instance, options: SolverOptions) -> float | None:
    """MILPs are solved to a zero gap, so that every solver's optimum can be compared."""
    return 0.0 if inst.variant == "milp" else options.mip_gap


def raw_settings(offers: pd.DataFrame, limit_s: float) -> dict[str, object]:
    """The HiGHS settings reopt would choose for the China-cap LP of ``offers``.

    Worked out from the table: compiling a market here would add reopt's memory to the raw
    run's peak.
    """
    keys = ["product", "period"] if "period" in offers.columns else ["product"]
    widest = int(offers.groupby(keys).size().max())
    settings: dict[str, object] = {"presolve": "off", "solver": "simplex"}
    if widest >= IPM_FROM_OFFERS_PER_PRODUCT:
        settings.update(solver="ipm", run_crossover="on")
    settings.update(
        primal_feasibility_tolerance=PRIMAL_TOLERANCE,
        threads=1,
        random_seed=0,
        time_limit=float(limit_s),
    )
    return settings


def _raw(inst: Instance, limit_s: float) -> Measurement:
    offers, demand = inst.tables()
    settings = raw_settings(offers, limit_s)
    t1 = time.perf_counter()
    lp = raw.build(offers, demand, CHINA_CAP)
    t2 = time.perf_counter()
    h = raw.hand_off(lp, settings)
    t3 = time.perf_counter()
    h.run()
    t4 = time.perf_counter()
    status = map_status(h.getModelStatus()).value
    x = np.asarray(h.getSolution().col_value)
    objective = float(lp.cost @ x) if status == "optimal" else math.nan
    t5 = time.perf_counter()
    return Measurement(
        status=status,
        objective=objective,
        build=t2 - t1,
        handoff=t3 - t2,
        solve=t4 - t3,
        solver=float(h.getRunTime()),
        extract=t5 - t4,
        end_to_end=t5 - t1,
        n_vars=len(lp.cost),
        n_rows=len(lp.row_lower),
        nonzeros=len(lp.value),
    )


def _pulp(solver: str) -> Callable[[Instance, float], Measurement]:
    def run(inst: Instance, limit_s: float) -> Measurement:
        from reopt.bench import pulp_model  # PuLP is loaded in the runs that use it only

        offers, demand = inst.tables()
        result = pulp_model.solve(offers, demand, CHINA_CAP, solver, limit_s)
        optimal = result.status == "optimal"
        return Measurement(
            status=result.status,
            objective=result.objective if optimal else math.nan,
            build=result.build_s,
            solve=result.solve_s,
            solver=result.solve_s,
            extract=result.extract_s,
            end_to_end=result.build_s + result.solve_s + result.extract_s,
        )

    return run


def _linopy(inst: Instance, limit_s: float) -> Measurement:
    if importlib.util.find_spec("linopy") is None:
        return Measurement(status="not installed")
    import linopy

    offers, demand = inst.tables()
    t1 = time.perf_counter()
    m = linopy.Model()
    cap = offers["capacity_t"].fillna(np.inf).to_numpy(dtype=float)
    x = m.add_variables(lower=0, upper=cap, name="x")
    price = 1000.0 * offers["price_usd_per_kg"].to_numpy(dtype=float)
    m.add_objective((price * x).sum())
    keys = ["product", "period"] if "period" in offers.columns else ["product"]
    is_china = (offers["country"] == "CN").to_numpy()
    units = zip(*(demand[k] for k in keys), strict=True)
    for unit, d in zip(units, demand["demand_t"], strict=True):  # product (and period)
        mine: Any = np.stack(
            [(offers[k] == v).to_numpy() for k, v in zip(keys, unit, strict=True)]
        ).all(axis=0)
        m.add_constraints(x.loc[mine].sum() == d)
        m.add_constraints(x.loc[mine & is_china].sum() <= CHINA_CAP * d)
    t2 = time.perf_counter()
    _, condition = m.solve(solver_name="highs", time_limit=limit_s)
    t3 = time.perf_counter()
    value = m.objective.value
    objective = math.nan if value is None else float(value)
    t4 = time.perf_counter()
    return Measurement(
        status="optimal" if condition == "optimal" else str(condition),
        objective=objective,
        build=t2 - t1,
        solve=t3 - t2,
        solver=t3 - t2,
        extract=t4 - t3,
        end_to_end=t4 - t1,
    )


#: The HiGHS settings compared, as reopt's own options.
HIGHS_SETTINGS: dict[str, SolverOptions] = {
    "reopt default": SolverOptions(),
    "highs simplex, presolve off": SolverOptions(method=Method.SIMPLEX, presolve=False),
    "highs simplex, presolve on": SolverOptions(method=Method.SIMPLEX, presolve=True),
    "highs ipm, presolve off": SolverOptions(method=Method.IPM, presolve=False),
    "highs ipm, presolve on": SolverOptions(method=Method.IPM, presolve=True),
    "highs pdlp, presolve off": SolverOptions(method=Method.PDLP, presolve=False),
    "highs defaults": SolverOptions(extra={"solver": "choose", "presolve": "choose"}),
    "reopt default, 2 threads": SolverOptions(threads=2),
    "highs ipm, presolve off, 2 threads": SolverOptions(
        method=Method.IPM, presolve=False, threads=2
    ),
}
_ALL_VARIANTS = ("cap", "periods", "policies", "milp", "refining")
_LP_VARIANTS = ("cap", "periods", "policies", "refining")  # PDLP has no MILP solver
_BASELINE_VARIANTS = ("cap", "periods")  # the baselines build the China-cap model only

#: Every contender, in the order the runner alternates them.
CONTENDERS: dict[str, Contender] = {
    c.name: c
    for c in [
        *(
            Contender(
                name,
                "settings",
                _reopt_highs(options),
                _LP_VARIANTS if options.method is Method.PDLP else _ALL_VARIANTS,
                "xxl" if name == "reopt default" else "xl",  # the reference at every size
            )
            for name, options in HIGHS_SETTINGS.items()
        ),
        Contender("reopt auto", "structure", _reopt_backend("auto"), _ALL_VARIANTS, "xxl"),
        Contender("cbc", "back end", _reopt_backend("cbc"), largest="l"),
        Contender("glpk", "back end", _reopt_backend("glpk", whole_seconds=True), largest="m"),
        Contender("pulp-highs", "back end", _reopt_backend("pulp-highs"), largest="l"),
        Contender("raw highspy", "baseline", _raw, _BASELINE_VARIANTS, "xxl"),
        Contender("pulp idiomatic + highs", "baseline", _pulp("highs"), _BASELINE_VARIANTS, "l"),
        Contender("pulp idiomatic + cbc", "baseline", _pulp("cbc"), _BASELINE_VARIANTS, "l"),
        Contender("linopy + highs", "baseline", _linopy, _BASELINE_VARIANTS, "l"),
    ]
}


def measure(contender: str, inst: Instance, limit_s: float) -> Measurement:
    """Run ``contender`` on ``inst``; errors become a status, never a crash."""
    try:
        result = CONTENDERS[contender].run(inst, limit_s)
    except Exception as err:  # a failed run is a result of the benchmark
        result = Measurement(status="error", error=f"{type(err).__name__}: {err}"[:500])
    return Measurement(**{**result.to_dict(), "peak_mb": peak_rss_mb()})


def peak_rss_mb() -> float:
    """Peak resident memory of the running process in MB, from its own start.

    Linux's ``VmHWM`` where there is one: ``ru_maxrss`` survives ``exec``, so a worker
    started by a large runner would report the runner's peak as its own.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
