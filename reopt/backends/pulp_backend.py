"""PuLP back ends: the same `LinearProgram`, solved by any solver PuLP drives.

The model is built from reopt's arrays with internal names only (``x000042`` for columns,
``c000007`` for rows), so that no user string becomes an LP name. Results are read back by
position from reopt's own lists of variables and constraints, never by name.

`PulpBackend` holds the steps every PuLP solve shares (a private temporary folder, the
build, the solve, the values); each solver reopt names is a subclass in
`reopt.backends.pulp_solvers` with its own `PulpBackend.verdict` and `PulpBackend.values`,
because reopt does not take PuLP's status at its word (PuLP 3 reports CBC's "Stopped on
time" and HiGHS's limits as optimal). `PulpSolverBackend` wraps any other ``pulp.LpSolver``
instance, judged by PuLP's verdict; reopt's numpy check still applies to every plan.

A command-line solver's own options are read once from its help (`glpsol_options`,
`cbc_options`), so that an ``extra`` option it does not have is an `InputError` before solving
(`unknown_option`) rather than a failed run.
"""

from __future__ import annotations

import difflib
import functools
import glob
import math
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Iterable
from typing import Any

import numpy as np

from reopt.backends import pulp_adapter as adapter
from reopt.backends.base import Feature, Solution
from reopt.data.market import readonly
from reopt.errors import InputError, Problem, ReoptError, SolverError
from reopt.model.program import LinearProgram
from reopt.options import Method, SolverOptions
from reopt.status import Status

__all__ = [
    "PulpBackend",
    "PulpSolverBackend",
    "TempFolderError",
    "cbc_knows",
    "cbc_options",
    "describe_options",
    "glpsol_options",
    "private_folder",
    "read_file",
    "unknown_option",
]

Values = tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]

PULP_STATUS = {
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


class TempFolderError(ReoptError):
    """No writable temporary folder: a PuLP solve needs one, and it is checked before solving.

    Neither bad input nor a solver failure: the machine's set-up (``TMPDIR``) is at fault.
    """


def private_folder(label: str) -> tempfile.TemporaryDirectory[str]:
    """A new private temporary folder for one solve with ``label``'s solver.

    Raises
    ------
    TempFolderError
        When the temporary folder (``TMPDIR``, or `tempfile.tempdir`) is missing or cannot
        be written.
    """
    try:
        return tempfile.TemporaryDirectory(prefix="reopt-")
    except OSError as err:
        where = tempfile.tempdir or os.environ.get("TMPDIR") or "the temporary folder"
        why = err.strerror or type(err).__name__
        raise TempFolderError(
            f"reopt needs a writable temporary folder for the solver {label}, and {where} "
            f"cannot be used ({why}). Set TMPDIR to a folder you can write to, e.g. "
            "TMPDIR=$HOME/tmp (create it first)."
        ) from None


class PulpBackend:
    """A solver driven through PuLP; subclasses say how to make it and read its verdict."""

    name = "pulp"
    label = "pulp"
    features = frozenset({Feature.VERTEX, Feature.DUALS, Feature.MILP})
    install_hint = ""
    #: whether the solver works through files in the temporary folder
    files = True

    # --- what a subclass provides ------------------------------------------------------------
    def make_solver(self, lp: LinearProgram, options: SolverOptions, folder: str) -> Any:
        """The ``pulp.LpSolver`` for ``lp`` under ``options``, working in ``folder``."""
        raise NotImplementedError

    def probe(self) -> Any:
        """A solver instance made only to ask whether it is available."""
        raise NotImplementedError

    def option_problems(self, lp: LinearProgram, options: SolverOptions) -> list[Problem]:
        """Every setting this solver cannot honour."""
        return []

    def verdict(
        self, prob: Any, folder: str, pulp_status: str, has_solution: bool, options: SolverOptions
    ) -> tuple[str, Status]:
        """(raw words, reopt status); by default PuLP's own verdict."""
        status = PULP_STATUS.get(pulp_status, Status.ERROR)
        if status is Status.OPTIMAL and not has_solution:
            status = Status.ERROR
        return f"PuLP: {pulp_status}", status

    def values(
        self,
        lp: LinearProgram,
        prob: Any,
        variables: list[Any],
        constraints: list[Any],
        folder: str,
    ) -> Values:
        """Column values and duals by position, from PuLP's variables and constraints."""
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
        return (
            readonly(x),
            readonly(np.array(pis, dtype=float)),
            readonly(np.array(djs, dtype=float)),
        )

    def retry(self, raw: str) -> bool:
        """Whether a solve that ended with ``raw`` should run once more."""
        return False

    def after_solve(self, folder: str, options: SolverOptions) -> None:
        """Anything to keep from ``folder`` before it goes (a log file)."""

    # --- shared ------------------------------------------------------------------------------
    def is_available(self) -> bool:
        """True when the solver can run here."""
        return bool(self.probe().available())

    def at_vertex(self, options: SolverOptions) -> bool:
        """Vertices unless PDLP."""
        return options.method is not Method.PDLP

    def solve(self, lp: LinearProgram, options: SolverOptions) -> Solution:
        """Solve ``lp`` in a private temporary folder, removed afterwards."""
        with private_folder(self.label) as folder:
            instance = self.make_solver(lp, options, folder)
            if self.files:
                instance.tmpDir = folder
                instance.delete_tmp_files = _keep  # reopt reads the files; the folder goes anyway
            if not instance.available():
                raise ReoptError(
                    f"the solver {self.label} is not available here. {self.install_hint}".strip()
                )
            prob, variables, constraints = build_problem(lp)
            start = time.perf_counter()
            pulp_status, has_solution = self._solve(prob, instance, folder)
            raw, status = self.verdict(prob, folder, pulp_status, has_solution, options)
            if self.retry(raw):
                pulp_status, has_solution = self._solve(prob, instance, folder)
                raw, status = self.verdict(prob, folder, pulp_status, has_solution, options)
            seconds = time.perf_counter() - start
            self.after_solve(folder, options)
            x, row_dual, col_dual = self.values(lp, prob, variables, constraints, folder)
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
            backend=self.label,
            solve_time_s=seconds,
            settings={"solver": self.label, **describe_options(options)},
        )

    def _solve(self, prob: Any, instance: Any, folder: str) -> tuple[str, bool]:
        try:
            return adapter.solve_problem(prob, instance)
        except Exception as err:  # PuLP raises PulpSolverError and plain errors alike
            if self.unparsed_report(folder):
                return "Unknown", False
            raise SolverError(f"{self.label} failed: {err}") from err

    def unparsed_report(self, folder: str) -> bool:
        """Whether a failed PuLP call left a report reopt reads itself (see GLPK)."""
        return False


class PulpSolverBackend(PulpBackend):
    """Any ``pulp.LpSolver`` instance (Gurobi, CPLEX, SCIP, ...), configured by the user."""

    features = frozenset({Feature.MILP})

    def __init__(self, solver: Any) -> None:
        self.solver = solver
        self.name = self.label = f"pulp:{type(solver).__name__}"
        self.files = hasattr(solver, "tmpDir")

    def probe(self) -> Any:
        """The instance itself."""
        return self.solver

    def option_problems(self, lp: LinearProgram, options: SolverOptions) -> list[Problem]:
        """No `SolverOptions` are mapped onto an instance the user configured."""
        if options == SolverOptions():
            return []
        return [
            Problem(
                "options",
                "solve()",
                "options",
                describe_options(options),
                "reopt maps SolverOptions only for the solvers it names",
                "configure the pulp solver instance itself, or pass solver='cbc', "
                "'glpk' or 'pulp-highs'",
            )
        ]

    def make_solver(self, lp: LinearProgram, options: SolverOptions, folder: str) -> Any:
        """A copy of the instance (the user's own is never changed)."""
        problems = self.option_problems(lp, options)
        if problems:
            raise InputError(problems)
        return self.solver.copy()


# ------------------------------------------------------------------------------------------
# building the PuLP model from the arrays
# ------------------------------------------------------------------------------------------
def build_problem(lp: LinearProgram) -> tuple[Any, list[Any], list[Any]]:
    """The PuLP problem for ``lp``, with its variables and constraints in reopt's order."""
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


# ------------------------------------------------------------------------------------------
# the options a command-line solver lists, read once
# ------------------------------------------------------------------------------------------
@functools.cache
def glpsol_options(command: str) -> frozenset[str] | None:
    """The options ``command --help`` lists (``--tmlim``, ``-m``, ``--model``, ...), or None.

    Run once per command; None when it cannot be run or lists nothing (then nothing is
    checked, and the solve says whether glpsol is there).
    """
    try:
        done = subprocess.run(
            [command, "--help"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found: set[str] = set()
    for line in done.stdout.splitlines():
        if line.lstrip().startswith("-"):
            usage = re.split(r"\s{2,}", line.strip())[0]  # "-m filename, --model filename"
            found.update(re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", usage))
    return frozenset(found) or None


@functools.cache
def cbc_options(command: str) -> frozenset[tuple[str, str]] | None:
    """The parameters ``cbc -?`` lists, as (shortest accepted, rest): ``("sec", "onds")``.

    Both listings are read (``-?`` and, for CBC 2.10's less common ones, ``-allCommands all
    -?``), once per command; None when CBC cannot be run or lists nothing.
    """
    found: set[tuple[str, str]] = set()
    for listing in (["-?"], ["-allCommands", "all", "-?"]):
        try:
            done = subprocess.run(
                [command, *listing, "-quit"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        started = False
        for line in done.stdout.splitlines():
            if line.startswith("Total time"):
                break
            if "parameters" in line.lower() or line.startswith("Commands are"):
                started = True  # the lists begin after the first heading
            if started and ":" not in line and "####" not in line:
                for name, rest in re.findall(r"(?<![\w(])([A-Za-z]\w*)(?:\(+(\w*)\)+)?", line):
                    found.add((name.lower(), rest.lower()))
    return frozenset(found) or None


def cbc_knows(key: str, known: frozenset[tuple[str, str]]) -> bool:
    """Whether CBC takes ``key``: at least the listed short form, at most the full name."""
    typed = key.lstrip("-").lower()
    return any(
        typed.startswith(short) and (short + rest).startswith(typed) for short, rest in known
    )


def unknown_option(solver: str, key: str, shown: str, names: Iterable[str]) -> Problem:
    """The problem of an ``extra`` option ``key`` (typed as ``shown``) ``solver`` does not list."""
    close = difflib.get_close_matches(shown, sorted(names), n=1)
    hint = f"did you mean {close[0]}?" if close else f"see the options {solver} lists"
    return Problem(
        "options", "SolverOptions", "extra", key, f"{solver} has no option {shown}", hint
    )


def _keep(*files: str) -> None:
    """Stands in for PuLP's clean-up of its temporary files (see the module docstring)."""


def read_file(folder: str, pattern: str) -> str | None:
    """The text of the first file in ``folder`` matching ``pattern``, or None."""
    found = sorted(glob.glob(os.path.join(folder, pattern)))
    if not found:
        return None
    with open(found[0], encoding="utf-8", errors="replace") as f:
        return f.read()


def describe_options(options: SolverOptions) -> dict[str, object]:
    """The fields of ``options`` that differ from the defaults."""
    return {
        name: getattr(options, name)
        for name in options.__dataclass_fields__
        if getattr(options, name) != getattr(SolverOptions(), name)
    }
