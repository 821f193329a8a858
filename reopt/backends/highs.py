"""The HiGHS back end: passes a `LinearProgram` to highspy in-process, as numpy buffers.

The arrays go to HiGHS in one ``passModel`` call (no per-row Python work), and results come
back with ``np.asarray`` on HiGHS's solution vectors. reopt's default settings differ from
HiGHS's where measurements showed HiGHS's defaults to be slow on procurement models; they are
chosen in `default_settings` and documented in ``docs/solvers.md``; the calls on one HiGHS
instance are in `reopt.backends.highs_calls`.

`HighsSession` keeps one model between solves: `HighsSession.apply_update` hands HiGHS only
what changed (costs, column bounds, row bounds, coefficients: one hook each), so a re-solve
starts from the last basis. `HIGHS` is the back end the registry lists; IIS, ranging and
model files are in `reopt.backends.highs_tools`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import highspy
import numpy as np
from numpy.typing import ArrayLike

from reopt.backends import highs_settings
from reopt.backends.base import Feature, Solution, StartBasis
from reopt.backends.highs_calls import apply_settings, finish, new_highs, pass_model, run, settle
from reopt.backends.highs_codes import highs_basis, map_status, start_basis
from reopt.backends.highs_settings import IPM_FROM_OFFERS_PER_PRODUCT, default_settings
from reopt.data.market import readonly
from reopt.errors import Problem
from reopt.model.program import LinearProgram
from reopt.options import Method, SolverOptions
from reopt.status import Status

__all__ = [
    "HIGHS",
    "IPM_FROM_OFFERS_PER_PRODUCT",
    "HighsBackend",
    "HighsSession",
    "default_settings",
    "read_solution",
    "solve_highs",
]


def read_solution(
    h: Any, lp: LinearProgram, settings: Mapping[str, object], *, reduced_costs: bool = True
) -> Solution:
    """Read status, values and duals back from a solved instance.

    Without ``reduced_costs``, column duals are ``c - A^T y`` from HiGHS's row duals, not
    read from HiGHS (faster; reopt's check proves optimality from the row duals alone).
    """
    raw = h.getModelStatus()
    status = map_status(raw)
    info = h.getInfo()
    sol = h.getSolution()
    x = readonly(np.asarray(sol.col_value, dtype=float)) if sol.value_valid else None
    dual_ok = (
        not lp.is_mip
        and sol.dual_valid
        and info.dual_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    )
    row_dual = readonly(np.asarray(sol.row_dual, dtype=float)) if dual_ok else None
    col_dual = None
    if row_dual is not None:
        reduced = sol.col_dual if reduced_costs else lp.cost - lp.column_activity(row_dual)
        col_dual = readonly(np.asarray(reduced, dtype=float))
    iterations = (
        max(info.simplex_iteration_count, 0)
        + max(info.ipm_iteration_count, 0)
        + max(info.pdlp_iteration_count, 0)
    )
    objective = float(info.objective_function_value) if x is not None else float("nan")
    return Solution(
        status=status,
        raw_status=str(h.modelStatusToString(raw)),
        x=x if status is not Status.ERROR else None,
        row_dual=row_dual,
        col_dual=col_dual,
        objective=objective,
        backend="highs",
        solve_time_s=float(h.getRunTime()),
        iterations=int(iterations),
        settings=dict(settings),
    )


def solve_highs(lp: LinearProgram, options: SolverOptions | None = None) -> Solution:
    """Solve ``lp`` with HiGHS in-process.

    Examples
    --------
    >>> import reopt
    >>> lp = reopt.compile(reopt.datasets.japan_2025())
    >>> solve_highs(lp).status
    <Status.OPTIMAL: 'optimal'>
    """
    options = options or SolverOptions()
    settings = default_settings(lp, options)
    h = new_highs()
    apply_settings(h, settings)
    pass_model(h, lp)
    run(h)
    if finish(h, lp):
        settings["finished_by"] = "simplex"
    elif settle(h, lp):
        settings["settled_at"] = "HiGHS's own primal tolerance"
    return read_solution(h, lp, settings)


class HighsSession:
    """One HiGHS model kept between solves, changed in place for warm re-solves.

    `apply_update` compares the new program with the one HiGHS holds and calls one hook per
    kind of change (`_apply_costs`, `_apply_col_bounds`, `_apply_row_bounds`,
    `_apply_coefficients`); a program of another shape is passed whole. The next `run`
    starts from the last basis. Moving parameters belong in bounds and right-hand sides:
    a coefficient change costs a HiGHS call per entry.

    Examples
    --------
    >>> import reopt
    >>> lp = reopt.compile(reopt.datasets.japan_2025(), [reopt.cap_share(0.7, country="CN")])
    >>> session = HighsSession(lp)
    >>> session.run().status
    <Status.OPTIMAL: 'optimal'>
    >>> rows = lp.rows_of(0)
    >>> session.apply_update(lp.with_row_bounds(rows, upper=lp.row_upper[rows] * 0.9))
    >>> session.run().status
    <Status.OPTIMAL: 'optimal'>
    """

    def __init__(
        self,
        lp: LinearProgram,
        options: SolverOptions | None = None,
        *,
        settings: Mapping[str, object] | None = None,
    ) -> None:
        self.options = options or SolverOptions()
        self.settings = dict(
            settings if settings is not None else default_settings(lp, self.options)
        )
        self._h = new_highs()
        apply_settings(self._h, self.settings)
        pass_model(self._h, lp)
        self.lp = lp
        self.runs = 0

    # --- changes -----------------------------------------------------------------------------
    def apply_update(self, lp: LinearProgram) -> None:
        """Make HiGHS's model ``lp``, changing only what differs from the current one."""
        old = self.lp
        if not old.same_structure(lp):
            pass_model(self._h, lp)
        else:
            self._apply_costs(old, lp)
            self._apply_col_bounds(old, lp)
            self._apply_row_bounds(old, lp)
            self._apply_coefficients(old, lp)
        self.lp = lp

    def _apply_costs(self, old: LinearProgram, new: LinearProgram) -> None:
        cols = np.flatnonzero(old.cost != new.cost)
        if len(cols):
            self.set_costs(cols, new.cost[cols])

    def _apply_col_bounds(self, old: LinearProgram, new: LinearProgram) -> None:
        cols = np.flatnonzero((old.col_lower != new.col_lower) | (old.col_upper != new.col_upper))
        if len(cols):
            self.set_col_bounds(cols, new.col_lower[cols], new.col_upper[cols])

    def _apply_row_bounds(self, old: LinearProgram, new: LinearProgram) -> None:
        rows = np.flatnonzero((old.row_lower != new.row_lower) | (old.row_upper != new.row_upper))
        if len(rows):
            self.set_row_bounds(rows, new.row_lower[rows], new.row_upper[rows])

    def _apply_coefficients(self, old: LinearProgram, new: LinearProgram) -> None:
        entries = np.flatnonzero(old.value != new.value)
        if len(entries):
            self.set_coefficients(
                new.entry_row[entries], new.col_index[entries], new.value[entries]
            )

    def set_costs(self, cols: np.ndarray, values: np.ndarray) -> None:
        """Change the costs of ``cols`` (HiGHS's model only; `lp` is not changed)."""
        c = np.asarray(cols, dtype=np.int32)
        self._h.changeColsCost(len(c), c, np.asarray(values, dtype=float))

    def set_col_bounds(self, cols: np.ndarray, lower: ArrayLike, upper: ArrayLike) -> None:
        """Change the bounds of ``cols``."""
        c = np.asarray(cols, dtype=np.int32)
        low, up = np.broadcast_to(lower, c.shape), np.broadcast_to(upper, c.shape)
        self._h.changeColsBounds(len(c), c, np.asarray(low, float), np.asarray(up, float))

    def set_row_bounds(self, rows: np.ndarray, lower: ArrayLike, upper: ArrayLike) -> None:
        """Change the bounds of ``rows``."""
        r = np.asarray(rows, dtype=np.int32)
        low, up = np.broadcast_to(lower, r.shape), np.broadcast_to(upper, r.shape)
        self._h.changeRowsBounds(len(r), r, np.asarray(low, float), np.asarray(up, float))

    def set_coefficients(self, rows: ArrayLike, cols: ArrayLike, values: ArrayLike) -> None:
        """Change matrix entries, one HiGHS call each (zero removes an entry)."""
        for i, j, v in zip(
            np.asarray(rows).tolist(),
            np.asarray(cols).tolist(),
            np.asarray(values).tolist(),
            strict=True,
        ):
            self._h.changeCoeff(int(i), int(j), float(v))

    def set_option(self, name: str, value: object) -> None:
        """Set one HiGHS option for the next runs (recorded in the solutions' settings)."""
        apply_settings(self._h, {name: value})
        self.settings[name] = value

    # --- solving -----------------------------------------------------------------------------
    def run(self) -> Solution:
        """Solve from the current basis; the time limit counts from this run's start."""
        started = self._h.getRunTime()  # HiGHS's run clock does not restart between runs
        if self.options.time_limit_s is not None:
            self._h.setOptionValue("time_limit", started + self.options.time_limit_s)
        run(self._h)
        self.runs += 1
        settings = self.settings
        if finish(self._h, self.lp):
            settings = {**settings, "finished_by": "simplex"}
        solution = read_solution(self._h, self.lp, settings, reduced_costs=False)
        return replace(solution, solve_time_s=solution.solve_time_s - started)

    def resolve(self, lp: LinearProgram) -> Solution:
        """`apply_update` then `run`; a warm LP re-solve uses simplex unless told otherwise."""
        warm = self.runs > 0 and self.lp.same_structure(lp)
        self.apply_update(lp)
        if warm:
            self._by_simplex()
        return self.run()

    @property
    def highs(self) -> Any:
        """The highspy object itself, for the back ends' own tools."""
        return self._h

    def basis(self) -> Any:
        """HiGHS's current basis (an opaque object for `set_basis`)."""
        return self._h.getBasis()

    def start_basis(self) -> StartBasis | None:
        """The current basis as arrays that pickle, or None when HiGHS has no valid one."""
        return start_basis(self._h.getBasis())

    def set_basis(self, basis: Any) -> None:
        """Start the next run from ``basis`` (HiGHS's own, or a `StartBasis`), by simplex."""
        self._h.setBasis(highs_basis(basis) if isinstance(basis, StartBasis) else basis)
        self._by_simplex()

    def _by_simplex(self) -> None:
        """From a basis, simplex is the fast way (unless a method was asked for)."""
        if self.options.method is Method.AUTO and self.settings.get("solver") != "simplex":
            self.settings.pop("run_crossover", None)
            self.set_option("solver", "simplex")


class HighsBackend:
    """HiGHS in-process: the default back end, and the only one with every `Feature`."""

    name = "highs"
    features = frozenset(Feature)
    install_hint = "pip install highspy (a reopt dependency)."

    def is_available(self) -> bool:
        """Always: highspy is a dependency of reopt."""
        return True

    def option_problems(self, lp: LinearProgram, options: SolverOptions) -> list[Problem]:
        """HiGHS honours every `SolverOptions` field (unknown ``extra`` names fail at solve)."""
        return []

    def at_vertex(self, options: SolverOptions) -> bool:
        """Vertices unless PDLP (interior point runs crossover)."""
        return options.method is not Method.PDLP

    def solve(self, lp: LinearProgram, options: SolverOptions) -> Solution:
        """Solve ``lp`` once, cold (see `solve_highs`)."""
        return solve_highs(lp, options)

    strict_options = staticmethod(highs_settings.strict_options)  # for reopt's second solve

    def session(self, lp: LinearProgram, options: SolverOptions) -> HighsSession:
        """A `HighsSession` for warm re-solves (`Feature.WARM_START`)."""
        return HighsSession(lp, options)


#: The registered HiGHS back end.
HIGHS = HighsBackend()
