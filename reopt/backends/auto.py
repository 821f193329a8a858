"""The ``"auto"`` back end: the fastest exact method for the program's structure.

`AutoBackend.solve` looks at the program (`reopt.backends.greedy.greedy_structure`): when
its caps nest within each product's demand, the greedy method solves it exactly in
vectorised numpy. From `reopt.backends.relaxed.RELAX_FROM_COLUMNS` columns, a program whose
caps nest once its stock is held at its floors and its floors (and the caps of its last
policies, where they cross) are set aside is solved from the greedy plan for the rest
(`reopt.backends.relaxed`: the plan where it meets every row set aside and no stock is worth
holding, HiGHS started from it where not); from `reopt.backends.split.SPLIT_FROM_COLUMNS`,
any other program that falls into independent parts is solved part by part
(`reopt.backends.split`). Anything else (value-basis shares, rules over several products, a
share over a product whose offers have different lead times, minimum orders, small programs
with floors, crossing caps or stock) goes to HiGHS whole. ``SolverOptions(threads=n)``
solves parts on ``n`` threads; unless ``threads=1``, a large program's price sort runs on a
second thread while its structure is found (`reopt.backends.ordering`). An explicit method
(``SolverOptions(method="simplex")``) or HiGHS settings in ``extra`` mean HiGHS. The
answer's ``settings`` say which method solved it (``"method"``) and why
(``"method_reason"``); the plan shows them (`reopt.Plan.methods`).

`AutoSession` keeps a program between solves like `reopt.backends.highs.HighsSession`, for
sweeps and Monte Carlo: a greedy program is solved again from its arrays (its structure
found once); otherwise a HiGHS session, opened on first need, does the work warm.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from reopt.backends.base import Solution, StartBasis
from reopt.backends.greedy import GreedyStructure, greedy_structure, solve_greedy
from reopt.backends.highs import HIGHS, HighsSession
from reopt.backends.ordering import price_order, price_order_beside
from reopt.backends.relaxed import ASIDE_HOLDS, WARM_HIGHS, relaxation, solve_relaxed
from reopt.backends.split import blocks_of, out_of_time, solve_by_blocks
from reopt.errors import Problem
from reopt.model.program import LinearProgram
from reopt.options import Method, SolverOptions
from reopt.status import Status

__all__ = ["AUTO", "AutoBackend", "AutoSession", "greedy_for", "method_for"]

AUTO_NAME = "auto"
GREEDY = "greedy"
HIGHS_METHOD = "highs"
SPLIT = "split"
RELAXED = "relaxed"
METHOD_WORDS = {GREEDY: "the greedy method", HIGHS_METHOD: "HiGHS"}
Wait = Callable[[], np.ndarray] | None  # waits for the price order, sorted elsewhere
GREEDY_REASON = (
    "each product (in each period) is a block whose caps nest: buying in price order is exact"
)


def method_for(lp: LinearProgram, options: SolverOptions) -> tuple[str, str]:
    """The method ``"auto"`` uses for ``lp`` under ``options``, and why.

    Examples
    --------
    >>> import reopt
    >>> lp = reopt.compile(reopt.datasets.japan_2025(), [reopt.cap_share(0.6, country="CN")])
    >>> method_for(lp, SolverOptions())[0]
    'greedy'
    >>> method_for(lp, SolverOptions(method="simplex"))
    ('highs', 'a method was chosen (simplex)')
    """
    found = greedy_for(lp, options)
    if not isinstance(found, str):
        return GREEDY, GREEDY_REASON
    if options.method is not Method.AUTO or options.extra:
        return HIGHS_METHOD, found
    relaxed = relaxation(lp)
    if relaxed is not None:
        return RELAXED, relaxed.reason
    return HIGHS_METHOD, f"a general LP: {found}"


def greedy_for(lp: LinearProgram, options: SolverOptions) -> GreedyStructure | str:
    """``lp``'s greedy structure where ``"auto"`` solves it by the greedy method, else why not.

    `method_for` without looking further (for a relaxation) where it is not greedy.
    """
    if options.method is not Method.AUTO:
        return f"a method was chosen ({options.method.value})"
    if options.extra:
        return "HiGHS settings were given in extra"
    return greedy_structure(lp)


def _labelled(solution: Solution, method: str, reason: str) -> Solution:
    settings = dict(solution.settings) | {"method": method, "method_reason": reason}
    return replace(solution, backend=AUTO.name, settings=settings)


def _without_greedy(solved: Solution) -> Solution:
    """HiGHS's answer where the greedy method found no plan, labelled with what HiGHS found."""
    found = "found one" if solved.status is Status.OPTIMAL else "finds none either"
    return _labelled(solved, HIGHS_METHOD, f"the greedy method found no plan; HiGHS {found}")


def _greedy_answer(solution: Solution, lp: LinearProgram, options: SolverOptions) -> Solution:
    """A greedy answer held to the options a solver's run is: the time limit and the log.

    An answer that took longer than the time limit is reported as the limit (no values),
    as a solver stopped by its clock is; the log gets one line on what was solved.
    """
    limit = options.time_limit_s
    if limit is not None and solution.solve_time_s > limit:
        solution = replace(
            solution,
            status=Status.TIME_LIMIT,
            raw_status=f"greedy: {solution.solve_time_s:.3g} s, over the time limit",
            x=None,
            row_dual=None,
            col_dual=None,
            objective=float("nan"),
        )
    if options.log:
        line = (
            f"reopt greedy method: {lp.n_cols} columns, {lp.n_rows} rows; "
            f"{solution.raw_status} in {solution.solve_time_s:.6f} s\n"
        )
        if options.log is True:
            sys.stdout.write(line)
        else:
            with open(options.log, "a", encoding="utf-8") as log:
                log.write(line)
    return solution


def _one_block(options: SolverOptions) -> Callable[[LinearProgram], tuple[Solution, str]]:
    """Solve one part by the method `method_for` picks for it, in what is left of the limit."""
    limit = options.time_limit_s
    deadline = None if limit is None else time.monotonic() + limit

    def solve_one(part: LinearProgram) -> tuple[Solution, str]:
        left = options
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return out_of_time(AUTO_NAME), HIGHS_METHOD
            left = options.replace(time_limit_s=remaining)
        structure = greedy_structure(part)
        if not isinstance(structure, str):
            solution = solve_greedy(part, structure)
            if solution is not None:
                return _greedy_answer(solution, part, left), GREEDY
        return HIGHS.solve(part, left), HIGHS_METHOD

    return solve_one


def _from_relaxation(lp: LinearProgram, options: SolverOptions, by_price: Wait) -> Solution | None:
    """``lp`` solved from its plan without floors (`reopt.backends.relaxed`), or None."""
    workers = options.threads or 1
    each = options.replace(threads=1) if workers > 1 else options  # a thread per part
    found = solve_relaxed(lp, each, workers=workers, by_price=by_price)
    if found is None:
        return None
    solution, counts, relaxed = found
    if solution.status is Status.TIME_LIMIT:
        return _labelled(solution, RELAXED, "the time limit was reached")
    if WARM_HIGHS not in counts:  # the greedy method alone: held to the limit and the log
        solution = _greedy_answer(solution, lp, options)
    held, warm = counts.get(ASIDE_HOLDS, 0), counts.get(WARM_HIGHS, 0)
    reason = f"{relaxed.reason}; the greedy plan for the rest "
    stock = relaxed.held is not None  # then the plan keeps the stock at its floors
    if warm and held + warm == 1:  # not split: the whole program
        reason += "was not optimal for the program" if stock else "left one of them unmet"
        reason += ", and HiGHS, started from it, solved the program"
    elif warm:
        reason += "was optimal" if stock else "met them"
        reason += (
            f" in {held} of {held + warm} parts (products, periods), and HiGHS, "
            f"started from it, solved the other {warm}"
        )
    else:
        reason += "was optimal with the stock at its floors" if stock else "met them all"
    return _labelled(solution, RELAXED, reason)


def _by_blocks(lp: LinearProgram, options: SolverOptions) -> Solution | None:
    """``lp`` solved part by part (`reopt.backends.split`), or None (then HiGHS, whole)."""
    blocks = blocks_of(lp)
    if blocks is None:
        return None
    workers = options.threads or 1
    each = options.replace(threads=1) if workers > 1 else options  # a thread per part
    found = solve_by_blocks(lp, blocks, _one_block(each), workers=workers)
    if found is None:
        return None
    solution, counts = found
    parts = ", ".join(f"{n} by {METHOD_WORDS[m]}" for m, n in sorted(counts.items()))
    reason = f"a general LP in {len(blocks)} independent parts (products, periods): {parts}"
    return _labelled(solution, SPLIT, reason)


class AutoBackend:
    """Greedy where the structure allows, HiGHS otherwise (see the module docstring)."""

    name = "auto"
    features = HIGHS.features
    install_hint = HIGHS.install_hint

    def is_available(self) -> bool:
        """Always: it needs only numpy and highspy."""
        return True

    def option_problems(self, lp: LinearProgram, options: SolverOptions) -> list[Problem]:
        """What HiGHS cannot honour (the greedy method honours every option it is given)."""
        return HIGHS.option_problems(lp, options)

    def at_vertex(self, options: SolverOptions) -> bool:
        """Vertices: greedy answers are, and HiGHS's are unless PDLP."""
        return HIGHS.at_vertex(options)

    def solve(self, lp: LinearProgram, options: SolverOptions) -> Solution:
        """Solve ``lp`` by the method `method_for` picks (infeasible greedy: HiGHS says)."""
        if options.method is not Method.AUTO or options.extra:
            method, reason = method_for(lp, options)
            return _labelled(HIGHS.solve(lp, options), method, reason)
        order = price_order_beside(lp.cost, options.threads)
        try:
            return self._by_structure(lp, options, order.result if order else None)
        finally:
            if order is not None:
                order.join()  # no thread outlives the solve, its order used or not

    def _by_structure(self, lp: LinearProgram, options: SolverOptions, by_price: Wait) -> Solution:
        structure = greedy_structure(lp)
        if isinstance(structure, str):
            reason = f"a general LP: {structure}"
            relaxed = _from_relaxation(lp, options, by_price)
            if relaxed is not None:
                return relaxed
            split = _by_blocks(lp, options)
            if split is not None:
                return split
        else:
            solution = solve_greedy(lp, structure, by_price)
            if solution is not None:
                return _labelled(_greedy_answer(solution, lp, options), GREEDY, GREEDY_REASON)
            return _without_greedy(HIGHS.solve(lp, options))
        return _labelled(HIGHS.solve(lp, options), HIGHS_METHOD, reason)

    strict_options = staticmethod(HIGHS.strict_options)  # reopt's second solve is HiGHS's

    def session(self, lp: LinearProgram, options: SolverOptions) -> AutoSession:
        """An `AutoSession` for re-solves (`Feature.WARM_START`)."""
        return AutoSession(lp, options)


class AutoSession:
    """A program kept between solves: greedy from its arrays, or a warm HiGHS session.

    It has `HighsSession`'s interface for what sweeps and Monte Carlo use: `apply_update`,
    `run`, `resolve`, the ``set_*`` changes, `basis` and `set_basis`.
    """

    def __init__(self, lp: LinearProgram, options: SolverOptions | None = None) -> None:
        self.options = options or SolverOptions()
        self.lp = lp
        self.runs = 0
        self._structure: tuple[LinearProgram, GreedyStructure | str] | None = None
        self._order: tuple[np.ndarray, np.ndarray] | None = None  # costs, their price order
        self._highs: HighsSession | None = None
        self._pending: dict[str, object] = {}  # HiGHS options for when HiGHS is needed
        self._start: StartBasis | None = None  # a basis for HiGHS's first run

    def _method(self) -> tuple[str, str, GreedyStructure | None]:
        lp = self.lp
        if self.options.method is not Method.AUTO or self.options.extra:
            return (*method_for(lp, self.options), None)
        known = self._structure
        if known is None or not (
            known[0] is lp or (_same_rows(known[0], lp) and _same_kinds(known[0], lp))
        ):
            self._structure = known = (lp, greedy_structure(lp))
        found = known[1]
        if isinstance(found, str):
            return HIGHS_METHOD, f"a general LP: {found}", None
        return GREEDY, GREEDY_REASON, found

    def _session(self) -> HighsSession:
        if self._highs is None:
            self._highs = HighsSession(self.lp, self.options)
            for name, value in self._pending.items():
                self._highs.set_option(name, value)
            if self._start is not None:
                self._highs.set_basis(self._start)
        else:
            self._highs.apply_update(self.lp)
        return self._highs

    # --- changes -----------------------------------------------------------------------------
    def apply_update(self, lp: LinearProgram) -> None:
        """Hold ``lp`` from now on."""
        self.lp = lp

    def set_costs(self, cols: np.ndarray, values: np.ndarray) -> None:
        """Change the costs of ``cols``."""
        cost = self.lp.cost.copy()
        cost[np.asarray(cols, dtype=np.int64)] = values
        self.lp = self.lp.with_costs(cost)

    def set_col_bounds(self, cols: np.ndarray, lower: ArrayLike, upper: ArrayLike) -> None:
        """Change the bounds of ``cols``."""
        c = np.asarray(cols, dtype=np.int64)
        self.lp = self.lp.with_col_bounds(c, lower=np.asarray(lower), upper=np.asarray(upper))

    def set_row_bounds(self, rows: np.ndarray, lower: ArrayLike, upper: ArrayLike) -> None:
        """Change the bounds of ``rows``."""
        r = np.asarray(rows, dtype=np.int64)
        self.lp = self.lp.with_row_bounds(r, lower=np.asarray(lower), upper=np.asarray(upper))

    def set_option(self, name: str, value: object) -> None:
        """A HiGHS option for the runs HiGHS makes (the greedy method has none).

        Kept until HiGHS is needed: a greedy program never opens a HiGHS session.
        """
        self._pending[name] = value
        if self._highs is not None:
            self._highs.set_option(name, value)

    def basis(self) -> Any:
        """HiGHS's basis when HiGHS solved last, else None (greedy needs none)."""
        return self._highs.basis() if self._highs is not None else None

    def start_basis(self) -> StartBasis | None:
        """HiGHS's basis as a `StartBasis` when HiGHS solved last, else None."""
        return self._highs.start_basis() if self._highs is not None else None

    def set_basis(self, basis: Any) -> None:
        """Start HiGHS's next run from ``basis`` (ignored by the greedy method).

        A `StartBasis` given before HiGHS is needed waits for its session.
        """
        if basis is None:
            return
        if self._highs is not None:
            self._highs.set_basis(basis)
        elif isinstance(basis, StartBasis):
            self._start = basis

    # --- solving -----------------------------------------------------------------------------
    def run(self) -> Solution:
        """Solve the program held now (HiGHS from its last basis)."""
        return self._solve(warm_highs=False)

    def resolve(self, lp: LinearProgram) -> Solution:
        """`apply_update` then `run`; HiGHS re-solves as `HighsSession.resolve` does."""
        self.apply_update(lp)
        return self._solve(warm_highs=True)

    def _solve(self, *, warm_highs: bool) -> Solution:
        self.runs += 1
        _, reason, structure = self._method()
        if structure is not None:
            cost = self.lp.cost
            if self._order is None or not np.array_equal(self._order[0], cost):
                self._order = (cost, price_order(cost))  # kept while only bounds move
            solution = solve_greedy(self.lp, structure, self._order[1])
            if solution is not None:
                return _labelled(_greedy_answer(solution, self.lp, self.options), GREEDY, reason)
        highs = self._highs if warm_highs and self._highs is not None else None
        solved = highs.resolve(self.lp) if highs is not None else self._session().run()
        if structure is not None:
            return _without_greedy(solved)
        return _labelled(solved, HIGHS_METHOD, reason)


def _same_rows(old: LinearProgram, new: LinearProgram) -> bool:
    """Whether ``new`` has ``old``'s matrix (so its greedy structure is ``old``'s)."""
    if old.value is new.value and old.col_index is new.col_index:
        return old.row_start is new.row_start and old.integrality is new.integrality
    return old.same_structure(new) and np.array_equal(old.value, new.value)


def _same_kinds(old: LinearProgram, new: LinearProgram) -> bool:
    """Whether every row is the same kind (equality, cap, free) and every lower bound 0."""
    if old.row_lower is new.row_lower and old.row_upper is new.row_upper:
        return old.col_lower is new.col_lower or not (new.col_lower != 0).any()
    return (
        np.array_equal(old.row_lower == old.row_upper, new.row_lower == new.row_upper)
        and np.array_equal(np.isneginf(old.row_lower), np.isneginf(new.row_lower))
        and np.array_equal(np.isposinf(old.row_upper), np.isposinf(new.row_upper))
        and not (new.col_lower != 0).any()
    )


#: The registered ``"auto"`` back end.
AUTO = AutoBackend()
