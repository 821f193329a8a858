"""The PuLP solvers reopt knows by name, each with its own verdict and value readers.

- `CbcBackend` (``"cbc"``): the verdict is the first line of CBC's solution file;
- `GlpkBackend` (``"glpk"``): the status in ``glpsol``'s report, with limits read from its
  log, and values and duals from its solution file (PuLP reads no duals from GLPK);
- `PulpHighsBackend` (``"pulp-highs"``): HiGHS's own model status.

Each maps `SolverOptions` onto its solver and refuses, as an `InputError`, what it cannot
honour.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import sys
from typing import Any

import highspy
import numpy as np

from reopt.backends import pulp_adapter as adapter
from reopt.backends.base import Feature
from reopt.backends.highs import default_settings
from reopt.backends.highs_calls import apply_settings, new_highs
from reopt.backends.highs_codes import map_status
from reopt.backends.highs_settings import strict_options as highs_strict_options
from reopt.backends.pulp_arguments import (
    cbc_arguments,
    cbc_strict_options,
    glpk_arguments,
    glpk_strict_options,
    only_time_limited,
)
from reopt.backends.pulp_backend import (
    PulpBackend,
    Values,
    read_file,
)
from reopt.data.market import readonly
from reopt.errors import InputError, Problem
from reopt.model.program import LinearProgram
from reopt.options import Method, SolverOptions
from reopt.status import Status

__all__ = ["CBC", "GLPK", "PULP_HIGHS", "CbcBackend", "GlpkBackend", "PulpHighsBackend"]

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


class CbcBackend(PulpBackend):
    """CBC through PuLP (bundled with PuLP 3; ``pulp[cbc]`` on PuLP 4)."""

    name = label = "cbc"
    install_hint = (
        "On PuLP 4 (Python 3.12+) CBC comes with pip install 'pulp[cbc]' (or 'reopt[cbc]'); "
        "on PuLP 3 it is bundled."
    )

    def probe(self) -> Any:
        """A silent CBC."""
        return adapter.cbc_solver(msg=False)

    def option_problems(self, lp: LinearProgram, options: SolverOptions) -> list[Problem]:
        """PDLP."""
        return cbc_arguments(options)[2]

    def make_solver(self, lp: LinearProgram, options: SolverOptions, folder: str) -> Any:
        """PuLP's CBC with ``options`` mapped."""
        args, extra, problems = cbc_arguments(options)
        if problems:
            raise InputError(problems)
        return adapter.cbc_solver(options=extra, **args)

    strict_options = staticmethod(cbc_strict_options)  # for reopt's second solve

    def verdict(
        self, prob: Any, folder: str, pulp_status: str, has_solution: bool, options: SolverOptions
    ) -> tuple[str, Status]:
        """The first line of CBC's solution file."""
        text = read_file(folder, "*.sol")
        if text is None:
            return "no solution file", Status.ERROR
        line = text.splitlines()[0].strip() if text else ""
        status = next((s for prefix, s in _CBC if line.startswith(prefix)), Status.ERROR)
        if status is Status.ITERATION_LIMIT and only_time_limited(options):
            # CBC 2.10 reports an LP stopped by its time limit as stopped on iterations
            status = Status.TIME_LIMIT
        return line, status


class GlpkBackend(PulpBackend):
    """GLPK's ``glpsol`` through PuLP, without its presolver unless asked."""

    name = label = "glpk"
    features = PulpBackend.features | {Feature.PRECISE_DUALS}  # its solution file: 15 digits
    install_hint = (
        "Install GLPK's glpsol, e.g. apt-get install glpk-utils (Debian/Ubuntu) or "
        "brew install glpk (macOS)."
    )

    def probe(self) -> Any:
        """A silent GLPK."""
        return adapter.glpk_solver(msg=False)

    def option_problems(self, lp: LinearProgram, options: SolverOptions) -> list[Problem]:
        """Fractional time limits, threads, PDLP, interior point for MILPs, seeds."""
        return glpk_arguments(lp, options, "")[1]

    def at_vertex(self, options: SolverOptions) -> bool:
        """Not with interior point (glpsol has no crossover) or PDLP."""
        return options.method not in (Method.IPM, Method.PDLP)

    def make_solver(self, lp: LinearProgram, options: SolverOptions, folder: str) -> Any:
        """PuLP's GLPK with ``options`` mapped; its log goes to ``folder``."""
        args, problems = glpk_arguments(lp, options, folder)
        if problems:
            raise InputError(problems)
        t = options.time_limit_s
        timeout = int(t) if t is not None else None
        return adapter.glpk_solver(msg=options.log is True, timeLimit=timeout, options=args)

    strict_options = staticmethod(glpk_strict_options)  # for reopt's second solve

    def unparsed_report(self, folder: str) -> bool:
        """Whether glpsol left a report: reopt reads it and the log itself.

        The report can have words PuLP does not know ("FEASIBLE", after a time limit
        without presolve).
        """
        return read_file(folder, "*.out") is not None

    def verdict(
        self, prob: Any, folder: str, pulp_status: str, has_solution: bool, options: SolverOptions
    ) -> tuple[str, Status]:
        """The status in glpsol's report, limits from its log."""
        report = read_file(folder, "*.out")
        match = re.search(r"^Status:\s+(.+?)\s*$", report or "", re.MULTILINE)
        if match is None:
            return "no report", Status.ERROR
        raw = match.group(1)
        log = read_file(folder, "glpk.log") or ""
        if "TIME LIMIT EXCEEDED" in log:
            return f"{raw} (time limit exceeded)", Status.TIME_LIMIT
        if "ITERATION LIMIT EXCEEDED" in log:
            return f"{raw} (iteration limit exceeded)", Status.ITERATION_LIMIT
        if raw == "UNDEFINED" and "HAS NO PRIMAL FEASIBLE SOLUTION" in log:
            return f"{raw} (no primal feasible solution)", Status.INFEASIBLE
        if raw == "UNDEFINED" and "HAS NO DUAL FEASIBLE SOLUTION" in log:
            return f"{raw} (no dual feasible solution)", Status.INFEASIBLE_OR_UNBOUNDED
        return raw, _GLPK.get(raw, Status.ERROR)

    def values(
        self,
        lp: LinearProgram,
        prob: Any,
        variables: list[Any],
        constraints: list[Any],
        folder: str,
    ) -> Values:
        """Values and duals from glpsol's own files."""
        return _glpk_values(lp, folder)

    def after_solve(self, folder: str, options: SolverOptions) -> None:
        """Copy glpsol's log where ``options.log`` asks."""
        if not isinstance(options.log, bool) and options.log is not None:
            shutil.copyfile(os.path.join(folder, "glpk.log"), os.fspath(options.log))


class PulpHighsBackend(PulpBackend):
    """HiGHS through PuLP, with reopt's settings."""

    name = label = "pulp-highs"
    features = PulpBackend.features | {Feature.FULL_PRECISION, Feature.PRECISE_DUALS}
    install_hint = "pip install highspy (a reopt dependency)."
    files = False

    def probe(self) -> Any:
        """A silent HiGHS."""
        spend_highs_banner()
        return adapter.highs_solver(msg=False)

    strict_options = staticmethod(highs_strict_options)  # for reopt's second solve

    def make_solver(self, lp: LinearProgram, options: SolverOptions, folder: str) -> Any:
        """PuLP's HiGHS with reopt's defaults; an unknown option is an InputError."""
        spend_highs_banner()
        settings = default_settings(lp, options)
        apply_settings(new_highs(), settings)  # an unknown option is an InputError, not dropped
        if "log_file" in settings:
            settings["output_flag"] = True  # PuLP turns output off unless msg; the file needs it
        return adapter.highs_solver(msg=options.log is True, **settings)

    def verdict(
        self, prob: Any, folder: str, pulp_status: str, has_solution: bool, options: SolverOptions
    ) -> tuple[str, Status]:
        """HiGHS's model status."""
        raw_status = prob.solverModel.getModelStatus()
        return str(raw_status.name), map_status(raw_status)

    def retry(self, raw: str) -> bool:
        """HiGHS's thread scheduler was sized by an earlier solve (see `highs_calls.run`): reset."""
        if raw != "kNotset":
            return False
        highspy.Highs.resetGlobalScheduler(True)
        return True


def _glpk_values(lp: LinearProgram, folder: str) -> Values:
    """Values and duals from glpsol.

    Names (and so positions) come from its report, numbers in full precision from its
    solution file, which lists rows and columns in the same order.
    """
    report, solution = read_file(folder, "*.out"), read_file(folder, "*.sol")
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


#: The registered PuLP back ends.
CBC = CbcBackend()
GLPK = GlpkBackend()
PULP_HIGHS = PulpHighsBackend()


_BANNER = {"spent": False}


def spend_highs_banner() -> None:
    """Make highspy's first ``Highs()`` of the process with standard output sent nowhere.

    highspy prints its banner on standard output when the first ``Highs`` object of a
    process is made, which PuLP's HiGHS does (under PuLP 4): that would break output meant
    for tools, such as ``--format json``. The banner is printed once per process, so one
    object made here, with the output file descriptor pointed at the null device and C's
    buffers flushed before it is restored, spends it.
    """
    if _BANNER["spent"]:
        return
    _BANNER["spent"] = True
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no file descriptor 1 (a detached process): nothing to protect
        highspy.Highs()
        return
    try:
        with open(os.devnull, "w", encoding="utf-8") as null:
            os.dup2(null.fileno(), 1)
            try:
                highspy.Highs()
                with contextlib.suppress(OSError, AttributeError, TypeError):
                    ctypes.CDLL(None).fflush(None)  # C's buffered banner goes to the null device
            finally:
                os.dup2(saved, 1)
    finally:
        os.close(saved)
