"""`tune`: the fastest back end and settings on your own market, among those that agree.

Every candidate (a back end from the registry with one set of `SolverOptions` from
`candidate_options`) is first run once through `reopt.solve`, so that each answer passes
reopt's numpy check. Candidates that fail, hit a limit, or answer differently from the
others (`reference_answer`) are dropped; only then are the promising ones repeated, a
candidate whose time is more than `EARLY_STOP_FACTOR` times the best so far is not, and
nothing starts once the time budget is spent (each run's time limit is what is left of
it). A solver program (``glpsol``, ``cbc``) runs in a worker process that is stopped when
its run's time is up (`reopt.bench.tune_runs`), so the tuning ends within the budget plus
`ALLOWANCE_S` whatever the program does; a stopped run is dropped. The ranking is by median
time among the agreeing candidates: a setting whose answer differed is never recommended,
however fast.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reopt.backends import Backend
from reopt.bench.tune_answers import Answer, Reference, agrees, reference_answer, same_cost
from reopt.bench.tune_candidates import candidate_options, chosen_backends, chosen_settings
from reopt.bench.tune_runs import Runs
from reopt.bench.user import options_label
from reopt.checks import Number, check
from reopt.data.market import Market
from reopt.data.solver_section import SolverSection, solver_toml
from reopt.errors import InputError, ReoptError
from reopt.model.formulation import compile
from reopt.model.policy import Policy, policies_for
from reopt.model.program import LinearProgram
from reopt.options import SolverOptions
from reopt.progress import Progress
from reopt.status import Status

__all__ = [
    "ALLOWANCE_S",
    "COLUMNS",
    "EARLY_STOP_FACTOR",
    "TuneResult",
    "tune",
]

#: A candidate whose time is more than this many times the best so far is not repeated.
EARLY_STOP_FACTOR = 3.0
#: What a tuning may take past its budget: the last in-process run's overrun of its own time
#: limit (HiGHS checks its limit often), stopping a worker, and the table.
ALLOWANCE_S = 1.0
#: The columns of `TuneResult.table`, in order.
COLUMNS = (
    "rank",
    "solver",
    "options",
    "median_s",
    "min_s",
    "runs",
    "status",
    "cost_usd",
    "agrees",
    "proved",
    "dropped",
)
_ANSWERS = (Status.OPTIMAL, Status.INFEASIBLE, Status.UNBOUNDED)
_WHERE = "tune()"
_RULES = {
    "budget_s": Number(low=0, low_open=True, rule="must be a number of seconds > 0"),
    "repeats": Number(low=1, integer=True),
}


@dataclass(frozen=True, eq=False)
class TuneResult:
    """What `tune` found.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per candidate, columns `COLUMNS`: ``rank`` (1 is fastest; missing where
        dropped), ``solver``, ``options`` (`reopt.bench.user.options_label`), ``median_s``
        and ``min_s`` (end to end through `reopt.solve`, wall clock), ``runs``, ``status``,
        ``cost_usd``, ``agrees`` (with `reference_answer`), ``proved`` (optimality proved by
        the duals in reopt's check) and ``dropped`` (why it is out of the ranking, or why it
        was not repeated; empty otherwise). Ranked rows first.
    best : SolverSection or None
        The fastest agreeing candidate's back end and settings (as tried, without the
        tuner's time limits); None when no candidate agreed.
    budget_s, elapsed_s : float
        The time budget, and the time the whole tuning took.
    reference : str
        The answer every ranked candidate gave, e.g. ``"optimal, USD 1.234e+09"``.
    """

    table: pd.DataFrame
    best: SolverSection | None
    budget_s: float
    elapsed_s: float
    reference: str = ""
    notes: tuple[str, ...] = field(default=())

    def to_toml(self) -> str:
        """The winning settings as a ``[solver]`` section (``reopt solve --solver-file``).

        Raises
        ------
        ReoptError
            When there is no setting to recommend.
        """
        if self.best is None:
            raise ReoptError("reopt tune found no setting to recommend: " + "; ".join(self.notes))
        ranked = self.table.iloc[0]
        header = (
            f"# reopt tune: {ranked['solver']} ({ranked['options']}), median "
            f"{ranked['median_s']:.4g} s over {ranked['runs']} runs; answer {self.reference}\n"
        )
        return header + solver_toml(self.best.solver, self.best.options)


@dataclass
class _Candidate:
    """One back end with one set of settings, and its runs so far."""

    backend: Backend
    options: SolverOptions
    label: str
    seconds: list[float] = field(default_factory=list)
    status: str = ""
    cost: float = math.nan
    proved: bool = False
    dropped: str = ""
    repeat: bool = True


def tune(
    market: Market,
    *,
    china_cap: float | None = None,
    policies: Iterable[Policy] = (),
    solvers: Sequence[str | Any] | None = None,
    budget_s: float = 120.0,
    repeats: int = 3,
    candidates: Sequence[SolverOptions] | None = None,
    progress: bool | None = None,
) -> TuneResult:
    """Find the fastest back end and settings whose answer agrees with the others.

    Parameters
    ----------
    market : Market
    china_cap, policies
        As in `reopt.solve`.
    solvers : list of str or Backend, optional
        The back ends to try; by default every one available here (`available_solvers`).
    budget_s : float, default=120
        Seconds for everything; no run starts after it, and each run's time limit is what is
        left of it. A solver program still running when its time is up is stopped, so
        `tune` returns within ``budget_s + ALLOWANCE_S``.
    repeats : int, default=3
        Runs of each promising candidate (the median counts).
    candidates : list of SolverOptions, optional
        The settings to try on every back end; by default those of `GRID` each back end
        honours (`candidate_options`). A given setting a back end cannot honour is listed as
        dropped.
    progress : bool, optional
        Show a progress bar (default: only when someone is watching, `reopt.progress`).

    Returns
    -------
    TuneResult

    Raises
    ------
    InputError
        For bad arguments, listing every problem.

    Examples
    --------
    >>> import reopt
    >>> result = tune(reopt.datasets.japan_2025(), solvers=["highs"], budget_s=20, repeats=1)
    >>> result.best.solver, bool(result.table["agrees"].iloc[0])
    ('highs', True)
    """
    start = time.perf_counter()
    problems = check({"budget_s": budget_s, "repeats": repeats}, _RULES, where=_WHERE)
    backends = chosen_backends(solvers, problems)
    given = chosen_settings(candidates, problems)
    if problems:
        raise InputError(problems)
    checked = policies_for(market, china_cap=china_cap, policies=policies)
    lp = compile(market, checked)
    pool = _candidates(backends, given, lp)

    def left() -> float:
        return budget_s - (time.perf_counter() - start)

    def run(c: _Candidate) -> None:
        # a run past EARLY_STOP_FACTOR x the fastest answer so far (+1 s) cannot win: stop it
        fastest = min((min(o.seconds) for o in pool if o.seconds and not o.dropped), default=None)
        cap = math.inf if fastest is None else EARLY_STOP_FACTOR * fastest + 1.0
        # a back end's runs take at least its fastest run so far, whatever their time limit
        floor = min(
            (min(o.seconds) for o in pool if o.backend is c.backend and o.seconds), default=0
        )
        if 0 < left() < floor:
            return _not_run(c, f"{left():.3g} s left, less than its back end's fastest run")
        _run(c, lp, left(), cap, runs)

    live = [c for c in pool if not c.dropped]
    runs = Runs(market, checked)
    with runs, Progress(len(live) * repeats, label="tune", enabled=progress) as bar:
        for c in live:
            run(c)
            bar.update()
        answered = [c for c in live if not c.dropped]
        reference, notes = reference_answer(
            [Answer(c.backend.name, c.status, c.cost, c.proved) for c in answered]
        )
        for c in live:
            _judge(c, reference)
        firsts: dict[str, _Candidate] = {}
        for c in live:
            firsts.setdefault(c.backend.name, c)
        loaded = {id(c) for c in firsts.values()}  # each back end's first run also loads it
        for round_ in range(1, repeats):
            if not _repeat_round(pool, run, reference, left, bar, loaded if round_ == 1 else set()):
                notes.append("the budget was spent before every repeat ran")
                break
    notes += runs.notes
    table = _table(pool)
    winner = next((c for c in _ranking(pool)), None)
    best_section = None if winner is None else SolverSection(winner.backend.name, winner.options)
    if winner is None and not notes:
        notes.append("no candidate gave an answer")
    described = "" if reference is None else str(reference)
    return TuneResult(
        table, best_section, float(budget_s), time.perf_counter() - start, described, tuple(notes)
    )


def _run(c: _Candidate, lp: LinearProgram, left: float, cap: float, runs: Runs) -> None:
    """Run ``c`` once within ``left`` s and ``cap`` s; record its time and answer, or why not.

    A solver program still running after ``left`` s (the budget) or ``cap`` s is stopped,
    and ``c`` is dropped, whatever its earlier runs gave.
    """
    options = _limited(c.backend, lp, c.options, min(left, cap))
    done = None
    if left > 0 and options is not None:
        done = runs.run(c.backend, options, time.perf_counter() + left, cap)
    if options is None or done is None:
        return _not_run(c, "budget spent")
    if done.stopped:
        why = "the budget"
        if done.stopped != "budget":
            why = f"{EARLY_STOP_FACTOR:g}x the fastest + 1 s"
        c.status, c.dropped = done.status, f"stopped at {why}, after {done.seconds:.3g} s"
        return
    if done.failed:
        c.status, c.dropped = Status.ERROR.value, f"failed: {done.failed}"
        return
    status, cost = done.status, done.cost
    if c.seconds and (status != c.status or not same_cost(cost, c.cost)):
        c.dropped = f"a repeat answered differently ({status}, USD {cost:.10g})"
    c.seconds.append(done.seconds)
    c.status, c.cost = status, cost
    c.proved = done.has_prices and not lp.is_mip
    if status not in _ANSWERS:
        limit = f" (limit {options.time_limit_s:.3g} s)" if options.time_limit_s else ""
        c.dropped = c.dropped or f"no answer: {status}{limit}"


def _not_run(c: _Candidate, why: str) -> None:
    """Record why ``c`` was not run; a candidate with runs keeps them and is not repeated."""
    if c.dropped:
        return
    c.repeat = not c.seconds  # a candidate with runs (all agreeing) stays ranked: `_ranking`
    c.dropped = f"{'not repeated' if c.seconds else 'not run'}: {why}"


def _repeat_round(
    pool: list[_Candidate],
    run: Callable[[_Candidate], None],
    reference: Reference | None,
    left: Callable[[], float],
    bar: Progress,
    exempt: set[int],
) -> bool:
    """One more run of each promising candidate, fastest first; False if the budget ran out.

    A candidate whose fastest run is over `EARLY_STOP_FACTOR` times the best median is not
    repeated, unless it is in ``exempt`` (the first run of a back end also loads it).
    """
    promising = sorted((c for c in pool if _ranked(c)), key=lambda c: min(c.seconds))
    best = min((statistics.median(c.seconds) for c in promising), default=0.0)
    for c in promising:
        if min(c.seconds) > EARLY_STOP_FACTOR * best and id(c) not in exempt:
            c.repeat, c.dropped = False, f"not repeated: over {EARLY_STOP_FACTOR:g}x the best"
        elif left() <= 0:
            return False
        else:
            run(c)
            _judge(c, reference)
        bar.update()
    return True


def _judge(c: _Candidate, reference: Reference | None) -> None:
    """Drop ``c`` if its answer differs from the reference."""
    if c.dropped or not c.seconds:
        return
    if reference is None:
        c.dropped = "answers differ with no majority"
    elif not agrees(c.status, c.cost, reference):
        c.dropped = f"answer differed: {c.status}, USD {c.cost:.10g} (vs {reference})"


def _ranked(c: _Candidate) -> bool:
    """Agreeing and still to be repeated."""
    return not c.dropped and c.repeat and bool(c.seconds)


def _ranking(pool: list[_Candidate]) -> list[_Candidate]:
    """The agreeing candidates, fastest median first (ties: fastest single run)."""
    agreeing = [c for c in pool if c.seconds and (not c.dropped or not c.repeat)]
    return sorted(agreeing, key=lambda c: (statistics.median(c.seconds), min(c.seconds)))


def _limited(
    backend: Backend, lp: LinearProgram, options: SolverOptions, left: float
) -> SolverOptions | None:
    """``options`` with a time limit of at most ``left`` s the back end honours, else None."""
    if left <= 0:
        return None
    own = options.time_limit_s
    limit = left if own is None else min(own, left)
    for seconds in (limit, float(math.floor(limit))):
        if seconds > 0:
            limited = options.replace(time_limit_s=seconds)
            if not backend.option_problems(lp, limited):
                return limited
    return None if backend.option_problems(lp, options) else options


def _table(pool: list[_Candidate]) -> pd.DataFrame:
    ranking = _ranking(pool)
    order = ranking + [c for c in pool if c not in ranking]
    rows = []
    for c in order:
        rank = ranking.index(c) + 1 if c in ranking else None
        rows.append(
            {
                "rank": rank,
                "solver": c.backend.name,
                "options": c.label,
                "median_s": statistics.median(c.seconds) if c.seconds else math.nan,
                "min_s": min(c.seconds) if c.seconds else math.nan,
                "runs": len(c.seconds),
                "status": c.status,
                "cost_usd": c.cost,
                "agrees": rank is not None,
                "proved": c.proved,
                "dropped": c.dropped,
            }
        )
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table["rank"] = table["rank"].astype("Int64")
    return table


def _candidates(
    backends: list[Backend], given: list[SolverOptions] | None, lp: LinearProgram
) -> list[_Candidate]:
    """Every back end's settings, taken in turn (each back end's first, then second, ...).

    So a budget spent early has still tried every back end's default.
    """
    pool: list[tuple[int, int, _Candidate]] = []
    for b, backend in enumerate(backends):
        settings = given if given is not None else candidate_options(backend, lp)
        for i, options in enumerate(settings):
            c = _Candidate(backend, options, options_label(options))
            refused = backend.option_problems(lp, options)
            if refused:
                c.dropped = f"cannot honour: {refused[0].rule}"
            pool.append((i, b, c))
    return [c for _, _, c in sorted(pool, key=lambda t: t[:2])]
