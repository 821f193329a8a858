"""``reopt tune`` and `reopt.bench.tune.tune`: the fastest agreeing setting, within a budget.

A back end planted in the registry that answers wrongly (cheaper and infeasible, feasible
but dearer, or with duals that do not prove its answer) is never recommended, even when it
is the fastest; the winning settings go through a ``[solver]`` section to ``reopt solve``.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from planted import PlantedBackend

import reopt
from reopt.backends import Solution, registry
from reopt.backends.highs import solve_highs
from reopt.bench.tune import ALLOWANCE_S, TuneResult, tune
from reopt.bench.tune_answers import Answer, reference_answer
from reopt.cli.app import main, parser
from reopt.cli.common import solver_options
from reopt.data.market import readonly
from reopt.data.solver_section import read_solver_section, solver_section, solver_toml
from reopt.errors import InputError, ReoptError
from reopt.options import SolverOptions
from reopt.status import Status

JAPAN = Path(reopt.datasets.__file__).parent / "japan_2025"
SLACK_S = 1.0  # what one run may add after the budget's last check (compile, check, plan)


@pytest.fixture(scope="module")
def japan():
    return reopt.datasets.japan_2025()


@pytest.fixture(scope="module")
def larger():
    """A market where HiGHS takes long enough for a cached answer to be clearly faster."""
    return reopt.datasets.synthetic(3_000, seed=2)


@dataclass
class Planted(PlantedBackend):
    """A back end written outside reopt that answers ``how`` (wrongly unless "right")."""

    how: str
    name: str = "planted"
    delay_s: float = 0.0
    ignores_limit: bool = False  # its delay (say, building a model) is outside its time limit
    cache: dict[tuple[int, int], Solution] = field(default_factory=dict)

    def solve(self, lp, options) -> Solution:
        if self.delay_s:
            limit = math.inf if self.ignores_limit else options.time_limit_s or math.inf
            time.sleep(min(self.delay_s, limit))
            if limit < self.delay_s:
                return Solution(Status.TIME_LIMIT, "slept", None, None, None, math.nan, self.name)
        key = (lp.n_rows, lp.n_cols)
        if key not in self.cache:  # the first run pays; the others answer at once
            self.cache[key] = replace(self._answer(lp), backend=self.name)
        return self.cache[key]

    def _answer(self, lp) -> Solution:
        right = solve_highs(lp, SolverOptions())
        if self.how == "right":
            return right
        if self.how == "unproved":
            return replace(right, row_dual=None, col_dual=None)
        if self.how == "cheaper":  # half of every purchase: cheaper, and short of demand
            x = readonly(right.x * 0.5)
            return replace(right, x=x, objective=float(lp.cost @ x), row_dual=None, col_dual=None)
        # a feasible plan for other prices: dearer than the optimum at the real ones
        rng = np.random.default_rng(7)
        other = lp.with_costs(lp.cost * rng.uniform(0.2, 5.0, lp.n_cols))
        wrong = solve_highs(other, SolverOptions())
        x = wrong.x
        objective = float(lp.cost @ x)
        if self.how == "dearer":  # no duals: feasibility is all reopt's check can see
            return replace(wrong, objective=objective, row_dual=None, col_dual=None)
        return replace(wrong, objective=objective)  # "lying": duals of the other prices


@pytest.fixture
def plant(monkeypatch):
    """Register back ends for one test only (the registry is restored afterwards)."""
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    def add(backend):
        registry.register(backend)
        return backend

    return add


def _rows(result: TuneResult, solver: str):
    return result.table[result.table["solver"] == solver]


# ------------------------------------------------------------------------------------------
# tune() on japan_2025: within the budget, an agreeing setting
# ------------------------------------------------------------------------------------------
def test_tune_on_japan_finishes_within_its_budget_and_recommends_an_agreeing_setting(japan):
    budget = 20.0
    t0 = time.perf_counter()
    result = tune(japan, budget_s=budget)
    wall = time.perf_counter() - t0
    assert result.elapsed_s <= budget + SLACK_S
    assert wall <= result.elapsed_s + SLACK_S  # the result's own clock covers the work
    assert result.best is not None
    first = result.table.iloc[0]
    assert first["rank"] == 1 and first["agrees"] and first["dropped"] == ""
    assert first["solver"] == result.best.solver
    assert set(result.table["solver"]) == set(reopt.available_solvers())  # from the registry
    expected = reopt.solve(japan).cost_usd
    plan = reopt.solve(japan, solver=result.best.solver, options=result.best.options)
    assert math.isclose(plan.cost_usd, expected, rel_tol=1e-9)
    ranked = result.table[result.table["rank"].notna()]
    assert list(ranked["median_s"]) == sorted(ranked["median_s"])


def test_a_small_budget_stops_the_runs_and_the_limit_is_what_is_left(japan, plant):
    plant(Planted("right", name="slow", delay_s=0.4))
    budget = 1.0
    result = tune(japan, solvers=["slow"], budget_s=budget, repeats=3)
    assert result.elapsed_s <= budget + SLACK_S
    rows = _rows(result, "slow")
    assert rows["dropped"].str.startswith("not run: ").any()
    assert rows["runs"].sum() <= 3  # 0.4 s each, the last cut by its time limit


def test_a_run_longer_than_what_is_left_is_not_started(japan, plant):
    plant(Planted("right", name="slow", delay_s=1.0, ignores_limit=True))
    budget = 1.6
    result = tune(japan, solvers=["slow"], budget_s=budget, repeats=1)
    assert result.elapsed_s < budget  # a second 1 s run would have ended past it
    rows = _rows(result, "slow")
    assert rows["runs"].sum() == 1
    assert rows["dropped"].str.startswith("not run: 0.").sum() == len(rows) - 1
    assert "less than its back end's fastest run" in rows["dropped"].iloc[-1]
    assert result.best.solver == "slow"  # the run it made still counts


def test_a_ranked_candidate_whose_repeat_does_not_fit_stays_ranked(japan, plant):
    plant(Planted("right", name="slow", delay_s=0.8, ignores_limit=True))
    result = tune(japan, solvers=["slow"], candidates=[SolverOptions()], budget_s=1.2, repeats=2)
    (row,) = _rows(result, "slow").itertuples()
    assert row.rank == 1 and row.runs == 1
    assert row.dropped.startswith("not repeated: 0.")
    assert result.best.solver == "slow"


def test_a_slow_candidate_is_not_repeated(japan, plant):
    plant(Planted("right", name="slow", delay_s=0.05))
    two = [SolverOptions(), SolverOptions(method="simplex", presolve=False)]
    result = tune(japan, solvers=["highs", "slow"], candidates=two, budget_s=20, repeats=3)
    slow = _rows(result, "slow")
    assert slow["agrees"].all()  # a right answer, only slow
    assert (slow["runs"] == 1).any()
    assert slow["dropped"].str.startswith("not repeated").all()
    assert (_rows(result, "highs")["runs"] == 3).any()  # the fast are repeated
    assert result.best.solver == "highs"


# ------------------------------------------------------------------------------------------
# A solver program that overruns is stopped: the budget holds whatever the program does
# ------------------------------------------------------------------------------------------
_NEVER_ENDS = """#!/bin/sh
echo $$ >> "$REOPT_TEST_PIDS"
sleep 60 &
echo $! >> "$REOPT_TEST_PIDS"
wait
"""


@pytest.fixture
def stuck_glpsol(tmp_path, monkeypatch):
    """A ``glpsol`` first on PATH that ignores its time limit (and starts a program of its own).

    Yields the file its processes write their ids to. The temporary folder is one of the
    test's own, so that a file left behind shows.
    """
    if os.name != "posix":
        pytest.skip("a shell script stands in for glpsol")
    bin_dir, temp = tmp_path / "bin", tmp_path / "temp"
    bin_dir.mkdir()
    temp.mkdir()
    program = bin_dir / "glpsol"
    program.write_text(_NEVER_ENDS)
    program.chmod(0o755)
    pids = tmp_path / "pids"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("REOPT_TEST_PIDS", str(pids))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    yield pids
    assert not list(temp.iterdir())  # no temporary file left over


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its parent to collect it does not)."""
    try:
        import psutil
    except ImportError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _started(pids: Path) -> list[int]:
    return [int(line) for line in pids.read_text().split()] if pids.exists() else []


def test_a_solver_program_past_the_budget_is_stopped_at_it(japan, stuck_glpsol):
    budget = 3.0
    t0 = time.perf_counter()
    result = tune(japan, solvers=["glpk"], candidates=[SolverOptions()], budget_s=budget)
    wall = time.perf_counter() - t0
    assert wall <= budget + ALLOWANCE_S
    assert result.elapsed_s <= budget + ALLOWANCE_S
    (row,) = _rows(result, "glpk").itertuples()
    assert row.dropped.startswith("stopped at the budget, after ")
    assert row.status == "interrupted" and pd.isna(row.rank)
    assert result.best is None
    started = _started(stuck_glpsol)
    assert len(started) == 2  # the program and the one it started ...
    assert not [pid for pid in started if _running(pid)]  # ... both stopped with the worker


def test_a_solver_program_that_cannot_win_is_stopped_early(japan, stuck_glpsol):
    one = [SolverOptions()]
    result = tune(japan, solvers=["highs", "glpk"], candidates=one, budget_s=20, repeats=1)
    assert result.elapsed_s < 10  # stopped at 3x HiGHS's time + 1 s, not at the budget
    (row,) = _rows(result, "glpk").itertuples()
    assert row.dropped.startswith("stopped at 3x the fastest + 1 s, after ")
    assert result.best.solver == "highs"
    assert not [pid for pid in _started(stuck_glpsol) if _running(pid)]


# ------------------------------------------------------------------------------------------
# A wrong answer is never recommended
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["cheaper", "dearer", "lying"])
def test_a_planted_wrong_answer_is_never_recommended(larger, plant, how):
    planted = plant(Planted(how))
    result = tune(larger, china_cap=0.7, budget_s=60, repeats=2)
    assert "planted" in set(result.table["solver"])  # tried: it came from the registry
    assert result.best is not None and result.best.solver != "planted"
    rows = _rows(result, "planted")
    assert not rows["agrees"].any() and rows["rank"].isna().all()
    assert rows["dropped"].str.len().gt(0).all()
    if how == "dearer":  # it passed reopt's check and was the fastest: still out
        assert set(rows["status"]) == {"optimal"}
        assert rows["min_s"].min() < result.table.iloc[0]["min_s"]
        assert rows["cost_usd"].min() > reopt.solve(larger, china_cap=0.7).cost_usd
    assert planted.cache  # it did run


def test_a_wrong_answer_is_out_voted_by_a_proof_even_one_to_one(larger, plant):
    plant(Planted("dearer"))
    result = tune(larger, solvers=["planted", "highs"], budget_s=30, repeats=1)
    assert result.best.solver == "highs"
    assert not _rows(result, "planted")["agrees"].any()


def test_two_unproved_answers_that_differ_give_no_recommendation(larger, plant):
    plant(Planted("dearer", name="one"))
    plant(Planted("unproved", name="two"))  # right, but without duals: a tie nothing breaks
    unproved = [SolverOptions()]
    result = tune(larger, solvers=["one", "two"], candidates=unproved, budget_s=30, repeats=1)
    assert result.best is None
    assert not result.table["agrees"].any()
    with pytest.raises(ReoptError, match="no setting to recommend"):
        result.to_toml()


def test_the_reference_answer_prefers_a_proof_then_back_ends():
    proved = Answer("highs", "optimal", 100.0, True)
    assert reference_answer([proved, Answer("x", "optimal", 90.0, False)])[0].cost == 100.0
    votes = [Answer(n, "optimal", 90.0, False) for n in ("a", "b")]
    assert reference_answer([*votes, Answer("c", "optimal", 99.0, False)])[0].cost == 90.0
    same_back_end = [Answer("a", "optimal", 90.0, False), Answer("a", "optimal", 90.0, False)]
    assert reference_answer([*same_back_end, Answer("b", "optimal", 99.0, False)])[0] is None
    assert reference_answer([Answer("a", "infeasible", math.nan, False)])[0].status == "infeasible"


# ------------------------------------------------------------------------------------------
# The [solver] section: tune -> to_toml -> solve reads it
# ------------------------------------------------------------------------------------------
def test_the_toml_round_trip_gives_the_same_settings(japan, tmp_path):
    result = tune(japan, solvers=["highs"], budget_s=20, repeats=1)
    file = tmp_path / "solver.toml"
    file.write_text(result.to_toml())
    assert read_solver_section(file) == result.best
    args = parser().parse_args(["solve", str(JAPAN), "--solver-file", str(file)])
    assert args.solver == result.best.solver
    assert solver_options(args) == result.best.options


@pytest.mark.parametrize(
    "options",
    [
        SolverOptions(method="ipm", presolve=True, threads=2, mip_gap=1e-5, seed=3),
        SolverOptions(time_limit_s=2.5, extra={"simplex_strategy": 4, "a key": 'q"uote'}),
        SolverOptions(),
    ],
)
def test_every_setting_survives_the_section(tmp_path, options):
    file = tmp_path / "s.toml"
    file.write_text(solver_toml("cbc", options))
    section = read_solver_section(file)
    assert (section.solver, section.options) == ("cbc", options)


def test_flags_override_the_file_and_the_file_gives_the_solver(tmp_path):
    file = tmp_path / "s.toml"
    file.write_text('[solver]\nname = "cbc"\nmethod = "simplex"\npresolve = false\n')
    solve = ["solve", str(JAPAN)]
    args = parser().parse_args([*solve, "--solver-file", str(file), "--presolve"])
    assert args.solver == "cbc"
    assert solver_options(args) == SolverOptions(method="simplex", presolve=True)
    for order in (["--solver", "highs", "--solver-file", str(file)],
                  ["--solver-file", str(file), "--solver", "highs"]):  # fmt: skip
        assert parser().parse_args([*solve, *order]).solver == "highs"
    assert solver_options(parser().parse_args(solve)) == SolverOptions()


def test_a_bad_key_or_value_names_the_key_with_a_hint(tmp_path):
    with pytest.raises(InputError) as caught:
        solver_section({"treads": 2, "method": "fast", "extra": 3, "name": 5}, where="f")
    problems = {p.column: p for p in caught.value.problems}
    assert set(problems) == {"treads", "method", "extra", "name"}
    assert "threads" in problems["treads"].hint
    file = tmp_path / "bad.toml"
    file.write_text("[solver]\ntreads = 2\n")
    with pytest.raises(SystemExit) as bad:
        parser().parse_args(["solve", str(JAPAN), "--solver-file", str(file)])
    assert bad.value.code == 2
    missing = tmp_path / "none.toml"
    missing.write_text('china_cap = "60%"\n')
    with pytest.raises(InputError, match=r"no \[solver\] section"):
        read_solver_section(missing)


def test_an_unknown_solver_name_in_the_file_is_refused(tmp_path, capsys):
    file = tmp_path / "s.toml"
    file.write_text('[solver]\nname = "gurobi-ish"\n')
    with pytest.raises(SystemExit):
        parser().parse_args(["solve", str(JAPAN), "--solver-file", str(file)])
    assert "unknown solver; known: highs" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------
# Bad arguments, and the command line end to end
# ------------------------------------------------------------------------------------------
def test_bad_budget_repeats_and_solver_names_are_one_input_error(japan):
    with pytest.raises(InputError) as caught:
        tune(japan, budget_s=0, repeats=0, solvers=["highs", "nope"], candidates=["fast"])
    columns = [p.column for p in caught.value.problems]
    assert columns == ["budget_s", "repeats", "solvers", "candidates"]
    for budget in (-1, math.nan, math.inf, "20", True):
        with pytest.raises(InputError, match="budget_s"):
            tune(japan, budget_s=budget)


def test_reopt_tune_end_to_end_writes_the_section_solve_reads(tmp_path, capsys):
    out = tmp_path / "solver.toml"
    code = main(["tune", "--dataset", "japan_2025", "--budget", "20", "--solvers", "highs",
                 "--repeats", "2", "--out", str(out)])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "[solver]" in printed and "rank" in printed
    assert read_solver_section(out).solver == "highs"
    assert main(["solve", str(JAPAN), "--solver-file", str(out), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["backend"] == "highs"


def test_reopt_tune_json_and_bad_arguments(tmp_path, capsys):
    assert main(["tune", "--dataset", "japan_2025", "--budget", "20", "--solvers", "highs",
                 "--repeats", "1", "--format", "json"]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert data["best"].count("[solver]") == 1 and data["table"][0]["rank"] == 1
    assert main(["tune", "--dataset", "japan_2025", "--budget", "0"]) == 2
    assert "budget_s" in capsys.readouterr().err
    assert main(["tune", "--dataset", "japan_2025", "--solvers", "nope"]) == 2
    assert main(["tune", "--dataset", "japan_2025", "--out", str(tmp_path / "x.csv")]) == 2
