"""What each PuLP solver is told: its arguments for `SolverOptions`, and reopt's second solve.

- `cbc_arguments` and `glpk_arguments` map `SolverOptions` onto PuLP's CBC and onto
  ``glpsol``'s command line, and list as `Problem` what each cannot honour;
- `cbc_strict_options` and `glpk_strict_options` are the settings of reopt's second solve,
  when a first answer failed its check (HiGHS's are in `reopt.backends.highs_settings`).
"""

from __future__ import annotations

import os
from typing import Any

from reopt.backends import pulp_adapter as adapter
from reopt.backends.pulp_backend import cbc_knows, cbc_options, glpsol_options, unknown_option
from reopt.errors import Problem
from reopt.model.program import LinearProgram
from reopt.model.spread import GLPK_MILP_SPREAD, spread_problems
from reopt.options import Method, SolverOptions

__all__ = [
    "STRICT_TOLERANCE",
    "cbc_arguments",
    "cbc_strict_options",
    "glpk_arguments",
    "glpk_strict_options",
    "only_time_limited",
]

#: CBC's primal and dual tolerances in reopt's second solve (its defaults are 1e-7).
STRICT_TOLERANCE = 1e-10


def cbc_strict_options(options: SolverOptions) -> SolverOptions:
    """``options`` with CBC's primal and dual tolerances tightened, for reopt's second solve.

    Examples
    --------
    >>> dict(cbc_strict_options(SolverOptions()).extra)
    {'dualTolerance': 1e-10, 'primalTolerance': 1e-10}
    """
    extra = {"dualTolerance": STRICT_TOLERANCE, "primalTolerance": STRICT_TOLERANCE}
    return options.replace(extra={**extra, **options.extra})


def glpk_strict_options(options: SolverOptions) -> SolverOptions:
    """``options`` for reopt's second solve on GLPK: its simplex checks the final basis.

    With ``--xcheck``, glpsol checks its final basis in exact arithmetic and goes on from
    it where its floating-point tolerances accepted a basis that is not optimal. Only a
    simplex basis can be checked; other methods are left as they are.

    Examples
    --------
    >>> dict(glpk_strict_options(SolverOptions(method="simplex")).extra)
    {'xcheck': None}
    """
    if options.method is not Method.SIMPLEX:
        return options
    return options.replace(extra={"xcheck": None, **options.extra})


def only_time_limited(options: SolverOptions) -> bool:
    """Whether ``options`` limit time and nothing that counts iterations."""
    iterations = any(
        "iter" in key.lower() or key.lower().startswith("maxit") for key in options.extra
    )
    return options.time_limit_s is not None and not iterations


def _unsupported(solver: str, field: str, value: object, why: str) -> Problem:
    return Problem("options", "SolverOptions", field, value, f"{solver} cannot honour it: {why}")


def _log_args(options: SolverOptions) -> dict[str, Any]:
    if options.log is True:
        return {"msg": True}
    if options.log not in (False, None):
        return {"msg": False, "logPath": os.fspath(options.log)}  # type: ignore[arg-type]
    return {"msg": False}


def cbc_arguments(options: SolverOptions) -> tuple[dict[str, Any], list[str], list[Problem]]:
    """PuLP's CBC arguments for ``options``, and what CBC cannot honour."""
    problems = []
    args: dict[str, Any] = {"mip": True, **_log_args(options)}
    extra = [f"{k} {v}" for k, v in options.extra.items()]
    known = cbc_options(adapter.cbc_solver(msg=False).path) if options.extra else None
    for key in options.extra:
        if known is not None and not cbc_knows(key, known):
            names = [short + rest for short, rest in known]
            problems.append(unknown_option("CBC", key, key.lstrip("-").lower(), names))
    if options.time_limit_s is not None:
        args["timeLimit"] = options.time_limit_s
    if options.threads is not None:
        args["threads"] = options.threads
    if options.presolve is not None:
        args["presolve"] = options.presolve
    if options.method is Method.IPM:
        extra.append("barrier")
    elif options.method is Method.PDLP:
        problems.append(_unsupported("CBC", "method", "pdlp", "it has no PDLP"))
    if options.mip_gap is not None:
        args["gapRel"] = options.mip_gap
    if options.seed is not None:
        extra.append(f"randomSeed {options.seed}")
    return args, extra, problems


def glpk_arguments(
    lp: LinearProgram, options: SolverOptions, folder: str
) -> tuple[list[str], list[Problem]]:
    """Glpsol's command-line arguments for ``options``, and what GLPK cannot honour."""
    problems = []
    # glpsol writes its log to a file reopt reads for limits (and copies to options.log)
    args = ["--log", os.path.join(folder, "glpk.log")]
    t = options.time_limit_s
    if t is not None and not float(t).is_integer():
        problems.append(_unsupported("GLPK", "time_limit_s", t, "it takes whole seconds"))
    if options.threads not in (None, 1):
        problems.append(_unsupported("GLPK", "threads", options.threads, "it runs one thread"))
    # glpsol's presolver, its default, has answered "optimal" with a row broken outright on
    # feasible LPs (a 1 kg product's cap turned into a bound it then ignored): off unless asked
    args.append("--presol" if options.presolve else "--nopresol")
    if options.method is Method.SIMPLEX:
        args.append("--simplex")
    elif options.method is Method.IPM:
        if lp.is_mip:
            problems.append(_unsupported("GLPK", "method", "ipm", "interior point is for LPs only"))
        args.append("--interior")
    elif options.method is Method.PDLP:
        problems.append(_unsupported("GLPK", "method", "pdlp", "it has no PDLP"))
    if options.mip_gap is not None:
        args += ["--mipgap", repr(float(options.mip_gap))]
    if options.seed is not None:
        problems.append(_unsupported("GLPK", "seed", options.seed, "its solvers take no seed"))
    hint = "or use solver='highs' or 'cbc'"
    problems += spread_problems(lp, GLPK_MILP_SPREAD, "GLPK's branch and bound", hint)
    known = glpsol_options(adapter.glpk_solver(msg=False).path) if options.extra else None
    for key, value in options.extra.items():
        flag = key if key.startswith("-") else f"--{key}"
        if known is not None and flag not in known:
            problems.append(unknown_option("glpsol", key, flag, known))
        args.append(flag)
        if value is not None:
            args.append(str(value))
    return args, problems
