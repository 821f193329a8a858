"""The PuLP back end: the same `LinearProgram`, solved by any solver PuLP drives.

The model is built from reopt's arrays with internal names only (``x000042`` for columns,
``c000007`` for rows), so that no user string becomes an LP name. Results are read back by
position from reopt's own lists of variables and constraints.

reopt does not take PuLP's status at its word: PuLP 3 reports CBC's "Stopped on time" and
HiGHS's limits as optimal. For the solvers it names, reopt reads the raw verdict itself:

- ``"cbc"``: the first line of CBC's solution file (files are kept in a private temporary
  folder for the solve and removed afterwards, also when the solve fails);
- ``"glpk"``: the status in ``glpsol``'s report, with limits read from its log, and values
  and duals from its solution file (PuLP reads no duals from GLPK);
- ``"pulp-highs"``: HiGHS's model status.

Any other ``pulp.LpSolver`` instance is judged by PuLP's verdict (on PuLP 3, optimal only
when the solution status is optimal too); reopt's numpy check still applies to every plan.
"""

from __future__ import annotations

import glob
import math
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

from reopt.backends import Solution
from reopt.backends import pulp_adapter as adapter
from reopt.backends.highs import apply_settings, default_settings, map_status, new_highs
from reopt.data.market import readonly
from reopt.errors import InputError, Problem, ReoptError, SolverError
from reopt.model.formulation import LinearProgram
from reopt.options import Method, SolverOptions
from reopt.status import Status

__all__ = ["NAMED_SOLVERS", "is_available", "solve_pulp"]


@dataclass(frozen=True)
class _Named:
    """A solver reopt knows by name: how to make it, and how to read its verdict."""

    label: str
    make: Callable[[LinearProgram, SolverOptions, str], Any]
    probe: Callable[[], Any]
    files: bool
    install: str


def is_available(name: str) -> bool:
    """True when the named PuLP solver can run here."""
    return bool(NAMED_SOLVERS[name].probe().available())


def solve_pulp(lp: LinearProgram, solver: str | Any, options: SolverOptions) -> Solution:
    """Solve ``lp`` with a named PuLP solver or a ``pulp.LpSolver`` instance.

    The named solvers are ``cbc``, ``glpk`` and ``pulp-highs``.
    """
    with tempfile.TemporaryDirectory(prefix="reopt-") as folder:
        if isinstance(solver, str):
            named = NAMED_SOLVERS[solver]
            instance = named.make(lp, options, folder)
            label, files = named.label, named.files
        else:
            _no_options_for_instances(options)
            instance = solver.copy()
            label = f"pulp:{type(solver).__name__}"
            files = hasattr(instance, "tmpDir")
        if files:
            instance.tmpDir = folder
            instance.delete_tmp_files = _keep  # reopt reads the files; the folder goes anyway
        if not instance.available():
            hint = NAMED_SOLVERS[solver].install if isinstance(solver, str) else ""
            raise ReoptError(f"the solver {label} is not available here. {hint}".strip())
        prob, variables, constraints = _build(lp)
        start = time.perf_counter()
        pulp_status, has_solution = _solve(prob, instance, label, folder)
        raw, status = _verdict(solver, prob, folder, pulp_status, has_solution, options)
        if solver == "pulp-highs" and raw == "kNotset":
            # HiGHS's thread scheduler was sized by an earlier solve (see highs.run)
            highspy.Highs.resetGlobalScheduler(True)
            pulp_status, has_solution = _solve(prob, instance, label, folder)
            raw, status = _verdict(solver, prob, folder, pulp_status, has_solution, options)
        seconds = time.perf_counter() - start
        if solver == "glpk" and not isinstance(options.log, bool):
            shutil.copyfile(os.path.join(folder, "glpk.log"), os.fspath(options.log))
        x, row_dual, col_dual = _values(lp, prob, variables, constraints, folder, solver)
        objective = adapter.objective_value(prob) if x is not None else float("nan")
    if status is not Status.OPTIMAL:
        x = None  # a stopped solve's point is never used
    dual_ok = x is not None and not lp.is_mip and row_dual is not None
    return Solution(
        status=status,
        raw_status=raw,
        x=x,
        row_dual=row_dual if dual_ok else None,
        col_dual=col_dual if dual_ok else None,
        objective=objective if x is not None else float("nan"),
        backend=label,
        solve_time_s=seconds,
        settings={"solver": label, **_describe(options)},
    )


# ------------------------------------------------------------------------------------------
# building the PuLP model from the arrays
# ------------------------------------------------------------------------------------------
def _build(lp: LinearProgram) -> tuple[Any, list[Any], list[Any]]:
    prob = adapter.new_problem("reopt")
    width = max(len(str(lp.n_cols)), len(str(lp.n_rows)))
    names = [f"x{j:0{width}d}" for j in range(lp.n_cols)]
    variables = adapter.add_variables(
        prob, names, lp.col_lower.tolist(), lp.col_upper.tolist(), (lp.integrality == 1).tolist()
    )
    handles = np.empty(lp.n_cols, dtype=object)
    handles[:] = variables
    adapter.set_objective(
        prob, adapter.expression(list(zip(variables, lp.cost.tolist(), strict=True)))
    )
    constraints = []
    starts = lp.row_start.tolist()
    lower, upper = lp.row_lower.tolist(), lp.row_upper.tolist()
    for i in range(lp.n_rows):
        s, e = starts[i], starts[i + 1]
        pairs = list(zip(handles[lp.col_index[s:e]], lp.value[s:e].tolist(), strict=True))
        expr = adapter.expression(pairs)
        name = f"c{i:0{width}d}"
        if lower[i] == upper[i]:
            row = adapter.add_constraint(prob, expr, "==", lower[i], name)
        elif math.isinf(upper[i]):
            row = adapter.add_constraint(prob, expr, ">=", lower[i], name)
        elif math.isinf(lower[i]):
            row = adapter.add_constraint(prob, expr, "<=", upper[i], name)
        else:
            raise SolverError(f"row {i} has two finite bounds, which reopt does not build")
        constraints.append(row)
    return prob, variables, constraints


def _solve(prob: Any, instance: Any, label: str, folder: str) -> tuple[str, bool]:
    try:
        return adapter.solve_problem(prob, instance)
    except Exception as err:  # PuLP raises PulpSolverError and plain errors alike
        if label == "glpk" and _read(folder, "*.out") is not None:
            # glpsol's report has words PuLP does not know ("FEASIBLE", after a time limit
            # without presolve); reopt reads the report and log itself (`_verdict`)
            return "Unknown", False
        raise SolverError(f"{label} failed: {err}") from err


def _keep(*files: str) -> None:
    """Stands in for PuLP's clean-up of its temporary files (see the module docstring)."""


# ------------------------------------------------------------------------------------------
# the verdict and the values
# ------------------------------------------------------------------------------------------
_CBC = [
    ("Optimal", Status.OPTIMAL),
    ("Infeasible", Status.INFEASIBLE),
    ("Integer infeasible", Status.INFEASIBLE),
    ("Unbounded", Status.UNBOUNDED),
    ("Stopped on time", Status.TIME_LIMIT),
    ("Stopped on iterations", Status.ITERATION_LIMIT),
    ("Stopped on ctrl-c", Status.INTERRUPTED),
    ("Stopped on difficulties", Status.ERROR),
    ("Stopped", Status.OTHER_LIMIT),
]
_GLPK = {
    "OPTIMAL": Status.OPTIMAL,
    "INTEGER OPTIMAL": Status.OPTIMAL,
    "INFEASIBLE (FINAL)": Status.INFEASIBLE,
    "INTEGER EMPTY": Status.INFEASIBLE,
    "EMPTY": Status.INFEASIBLE,
    "UNBOUNDED": Status.UNBOUNDED,
}
_PULP = {
    "Optimal": Status.OPTIMAL,
    "Infeasible": Status.INFEASIBLE,
    "Unbounded": Status.UNBOUNDED,
    "Undefined": Status.INFEASIBLE_OR_UNBOUNDED,
    "TimeLimit": Status.TIME_LIMIT,
    "IterationLimit": Status.ITERATION_LIMIT,
    "Interrupted": Status.INTERRUPTED,
    "NodeLimit": Status.OTHER_LIMIT,
    "SolutionLimit": Status.OTHER_LIMIT,
    "GapLimit": Status.OTHER_LIMIT,
    "MemoryLimit": Status.OTHER_LIMIT,
    "Stopped": Status.OTHER_LIMIT,
}


def _verdict(
    solver: str | Any,
    prob: Any,
    folder: str,
    pulp_status: str,
    has_solution: bool,
    options: SolverOptions,
) -> tuple[str, Status]:
    """(raw words, reopt status), read from the solver where reopt knows how."""
    if solver == "cbc":
        line = _first_line(folder, "*.sol")
        if line is None:
            return "no solution file", Status.ERROR
        status = next((s for prefix, s in _CBC if line.startswith(prefix)), Status.ERROR)
        if status is Status.ITERATION_LIMIT and _only_time_limited(options):
            # CBC 2.10 reports an LP stopped by its time limit as stopped on iterations
            status = Status.TIME_LIMIT
        return line, status
    if solver == "glpk":
        report = _read(folder, "*.out")
        match = re.search(r"^Status:\s+(.+?)\s*$", report or "", re.MULTILINE)
        if match is None:
            return "no report", Status.ERROR
        raw = match.group(1)
        log = _read(folder, "glpk.log") or ""
        if "TIME LIMIT EXCEEDED" in log:
            return f"{raw} (time limit exceeded)", Status.TIME_LIMIT
        if "ITERATION LIMIT EXCEEDED" in log:
            return f"{raw} (iteration limit exceeded)", Status.ITERATION_LIMIT
        if raw == "UNDEFINED" and "HAS NO PRIMAL FEASIBLE SOLUTION" in log:
            return f"{raw} (no primal feasible solution)", Status.INFEASIBLE
        if raw == "UNDEFINED" and "HAS NO DUAL FEASIBLE SOLUTION" in log:
            return f"{raw} (no dual feasible solution)", Status.INFEASIBLE_OR_UNBOUNDED
        return raw, _GLPK.get(raw, Status.ERROR)
    if solver == "pulp-highs":
        raw_status = prob.solverModel.getModelStatus()
        return str(raw_status.name), map_status(raw_status)
    status = _PULP.get(pulp_status, Status.ERROR)
    if status is Status.OPTIMAL and not has_solution:
        status = Status.ERROR
    return f"PuLP: {pulp_status}", status


def _only_time_limited(options: SolverOptions) -> bool:
    iterations = any(
        "iter" in key.lower() or key.lower().startswith("maxit") for key in options.extra
    )
    return options.time_limit_s is not None and not iterations


def _values(
    lp: LinearProgram,
    prob: Any,
    variables: list[Any],
    constraints: list[Any],
    folder: str,
    solver: str | Any,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Column values and duals by position (GLPK's straight from its solution file)."""
    if solver == "glpk":
        return _glpk_values(lp, folder)
    raw = [v.varValue for v in variables]
    fixed_at_zero = (lp.col_lower == 0) & (lp.col_upper == 0)
    if all(value is None for value in raw):
        return None, None, None
    x = np.array([np.nan if v is None else float(v) for v in raw])
    x[np.isnan(x) & fixed_at_zero] = 0.0  # columns PuLP leaves out of the file
    pis = [c.pi for c in constraints]
    djs = [v.dj for v in variables]
    if lp.is_mip or any(p is None for p in pis) or any(d is None for d in djs):
        return readonly(x), None, None
    return readonly(x), readonly(np.array(pis, dtype=float)), readonly(np.array(djs, dtype=float))


def _glpk_values(
    lp: LinearProgram, folder: str
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Values and duals from glpsol.

    Names (and so positions) come from its report, numbers in full precision from its
    solution file, which lists rows and columns in the same order.
    """
    report, solution = _read(folder, "*.out"), _read(folder, "*.sol")
    if report is None or solution is None:
        return None, None, None
    # the report's tables list every row, then every column, in the solution file's order;
    # PuLP adds a "_dummy" row and a "__dummy" column when a row is empty (0 >= 0)
    sizes = re.search(r"^Rows:\s+(\d+)\s*^Columns:\s+(\d+)", report, re.MULTILINE)
    names = re.findall(r"^\s*\d+ (\S+)", report, re.MULTILINE)
    if sizes is None or len(names) < int(sizes[1]) + int(sizes[2]):
        return None, None, None
    row_names, col_names = (
        names[: int(sizes[1])],
        names[int(sizes[1]) : int(sizes[1]) + int(sizes[2])],
    )
    kind = ""
    entries: dict[str, list[list[str]]] = {"i": [], "j": []}
    for line in solution.splitlines():
        parts = line.split()
        if parts and parts[0] == "s":
            kind = parts[1]  # bas (simplex), ipt (interior point) or mip
        elif parts and parts[0] in entries:
            entries[parts[0]].append(parts)
    if len(entries["i"]) != len(row_names) or len(entries["j"]) != len(col_names):
        return None, None, None
    row_at = [k for k, n in enumerate(row_names) if re.fullmatch(r"c\d+", n)]
    col_at = [k for k, n in enumerate(col_names) if re.fullmatch(r"x\d+", n)]
    rows = [int(row_names[k][1:]) for k in row_at]
    cols = [int(col_names[k][1:]) for k in col_at]
    entries = {"i": [entries["i"][k] for k in row_at], "j": [entries["j"][k] for k in col_at]}
    # value and dual columns: "i k status value dual" (bas), "i k value dual" (ipt), "i k value"
    at = {"bas": 3, "ipt": 2, "mip": 2}.get(kind)
    if at is None:
        return None, None, None
    x = np.zeros(lp.n_cols)  # columns glpsol never saw are fixed at zero by construction
    x[cols] = [float(p[at]) for p in entries["j"]]
    if kind == "mip":
        return readonly(x), None, None
    row_dual = np.zeros(lp.n_rows)
    row_dual[rows] = [float(p[at + 1]) for p in entries["i"]]
    col_dual = np.array(lp.cost, dtype=float)  # unseen columns: reduced cost = cost
    col_dual[cols] = [float(p[at + 1]) for p in entries["j"]]
    return readonly(x), readonly(row_dual), readonly(col_dual)


def _read(folder: str, pattern: str) -> str | None:
    found = sorted(glob.glob(os.path.join(folder, pattern)))
    if not found:
        return None
    with open(found[0], encoding="utf-8", errors="replace") as f:
        return f.read()


def _first_line(folder: str, pattern: str) -> str | None:
    text = _read(folder, pattern)
    return None if text is None else text.splitlines()[0].strip() if text else ""


# ------------------------------------------------------------------------------------------
# SolverOptions for each named solver
# ------------------------------------------------------------------------------------------
def _unsupported(solver: str, field: str, value: object, why: str) -> Problem:
    return Problem("options", "SolverOptions", field, value, f"{solver} cannot honour it: {why}")


def _log_args(options: SolverOptions) -> dict[str, Any]:
    if options.log is True:
        return {"msg": True}
    if options.log not in (False, None):
        return {"msg": False, "logPath": os.fspath(options.log)}  # type: ignore[arg-type]
    return {"msg": False}


def _make_cbc(lp: LinearProgram, options: SolverOptions, folder: str) -> Any:
    problems = []
    args: dict[str, Any] = {"mip": True, **_log_args(options)}
    extra = [f"{k} {v}" for k, v in options.extra.items()]
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
    if problems:
        raise InputError(problems)
    return adapter.cbc_solver(options=extra, **args)


def _make_glpk(lp: LinearProgram, options: SolverOptions, folder: str) -> Any:
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
    for key, value in options.extra.items():
        args.append(key if key.startswith("-") else f"--{key}")
        if value is not None:
            args.append(str(value))
    if problems:
        raise InputError(problems)
    timeout = int(t) if t is not None else None
    return adapter.glpk_solver(msg=options.log is True, timeLimit=timeout, options=args)


def _make_pulp_highs(lp: LinearProgram, options: SolverOptions, folder: str) -> Any:
    settings = default_settings(lp, options)
    apply_settings(new_highs(), settings)  # an unknown option is an InputError, not dropped
    if "log_file" in settings:
        settings["output_flag"] = True  # PuLP turns output off unless msg; the file needs it
    return adapter.highs_solver(msg=options.log is True, **settings)


NAMED_SOLVERS: Mapping[str, _Named] = {
    "cbc": _Named(
        "cbc",
        _make_cbc,
        lambda: adapter.cbc_solver(msg=False),
        True,
        "On PuLP 4 (Python 3.12+) CBC comes with pip install 'pulp[cbc]' (or 'reopt[cbc]'); "
        "on PuLP 3 it is bundled.",
    ),
    "glpk": _Named(
        "glpk",
        _make_glpk,
        lambda: adapter.glpk_solver(msg=False),
        True,
        "Install GLPK's glpsol, e.g. apt-get install glpk-utils (Debian/Ubuntu) or "
        "brew install glpk (macOS).",
    ),
    "pulp-highs": _Named(
        "pulp-highs",
        _make_pulp_highs,
        lambda: adapter.highs_solver(msg=False),
        False,
        "pip install highspy (a reopt dependency).",
    ),
}


def _no_options_for_instances(options: SolverOptions) -> None:
    if options != SolverOptions():
        raise InputError(
            [
                Problem(
                    "options",
                    "solve()",
                    "options",
                    _describe(options),
                    "reopt maps SolverOptions only for the solvers it names",
                    "configure the pulp solver instance itself, or pass solver='cbc', "
                    "'glpk' or 'pulp-highs'",
                )
            ]
        )


def _describe(options: SolverOptions) -> dict[str, object]:
    return {
        name: getattr(options, name)
        for name in options.__dataclass_fields__
        if getattr(options, name) != getattr(SolverOptions(), name)
    }
