"""Back ends: choosing a solver, mapping SolverOptions, limits, MILPs, temporary files, export."""

from __future__ import annotations

import os
import tempfile

import highspy
import numpy as np
import pandas as pd
import pulp
import pytest
from conftest import RTOL, SOLVERS, available, demand_table, offers_table

import reopt
from reopt.cli import main
from reopt.status import Status


def synthetic_with_min_orders(
    n_offers: int, *, n_products: int = 17, seed: int = 1
) -> reopt.Market:
    """A synthetic market whose capacity-limited offers each need 60% of their capacity."""
    market = reopt.datasets.synthetic(n_offers, n_products=n_products, seed=seed)
    offers = market.offers.copy()
    capacity = offers["capacity_t"].to_numpy(dtype=float)
    offers["min_order_t"] = np.where(np.isfinite(capacity), np.round(0.6 * capacity, 1), 0.0)
    return reopt.Market(offers, market.demand, market.sources)


# --- choosing a solver ---------------------------------------------------------------------
def test_unknown_solver_lists_the_known_ones(three_suppliers):
    with pytest.raises(reopt.InputError, match="unknown solver; known: highs, auto, cbc, glpk"):
        reopt.solve(three_suppliers, solver="gurobi")


def test_missing_solver_says_how_to_install(three_suppliers, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(reopt.ReoptError, match="apt-get install glpk-utils"):
        reopt.solve(three_suppliers, solver="glpk")


def test_a_pulp_solver_instance_is_used_as_given(three_suppliers):
    plan = reopt.solve(three_suppliers, china_cap=0.6, solver=pulp.HiGHS(msg=False))
    assert plan.status is Status.OPTIMAL
    assert plan.backend == "pulp:HiGHS"
    assert plan.cost_usd == pytest.approx(1_200_000, rel=1e-9)


def test_options_are_not_mapped_onto_a_pulp_instance(three_suppliers):
    with pytest.raises(reopt.InputError, match="configure the pulp solver instance itself"):
        reopt.solve(
            three_suppliers,
            solver=pulp.HiGHS(msg=False),
            options=reopt.SolverOptions(time_limit_s=5),
        )


@pytest.mark.parametrize(
    ("solver", "options", "words"),
    [
        ("glpk", {"threads": 2}, "GLPK cannot honour it: it runs one thread"),
        ("glpk", {"seed": 3}, "GLPK cannot honour it"),
        ("glpk", {"time_limit_s": 1.5}, "it takes whole seconds"),
        ("glpk", {"method": "pdlp"}, "it has no PDLP"),
        ("cbc", {"method": "pdlp"}, "it has no PDLP"),
        ("pulp-highs", {"extra": {"no_such_option": 1}}, "HiGHS rejected this option"),
        ("highs", {"extra": {"no_such_option": 1}}, "HiGHS rejected this option"),
        ("highs", {"extra": {"presolve": "sometimes"}}, "HiGHS rejected this option"),
    ],
)
def test_an_option_a_solver_cannot_honour_is_an_error(three_suppliers, solver, options, words):
    if not available(solver):
        pytest.skip(f"{solver} is not installed here")
    with pytest.raises(reopt.InputError, match=words):
        reopt.solve(three_suppliers, solver=solver, options=reopt.SolverOptions(**options))


@pytest.mark.parametrize("method", ["simplex", "ipm"])
def test_every_back_end_honours_the_method(three_suppliers, solver, method):
    plan = reopt.solve(
        three_suppliers, china_cap=0.3, solver=solver, options=reopt.SolverOptions(method=method)
    )
    assert plan.status is Status.OPTIMAL
    # GLPK's interior point stops near the optimum, with no crossover to a vertex
    rel = 1e-8 if (solver, method) == ("glpk", "ipm") else RTOL[solver]
    assert plan.cost_usd == pytest.approx(1_450_000, rel=rel)


def test_solver_log_goes_to_a_file(three_suppliers, solver, tmp_path):
    log = tmp_path / "solver.log"
    plan = reopt.solve(three_suppliers, solver=solver, options=reopt.SolverOptions(log=log))
    assert plan.status is Status.OPTIMAL
    assert log.exists() and log.stat().st_size > 0


# --- presolve and limits -------------------------------------------------------------------
@pytest.mark.parametrize("cap", [0.25, 0.5, 0.9])
def test_presolve_on_and_off_agree(solver, cap):
    market = reopt.datasets.synthetic(400, seed=7)
    plans = [
        reopt.solve(
            market, china_cap=cap, solver=solver, options=reopt.SolverOptions(presolve=presolve)
        )
        for presolve in (True, False)
    ]
    assert plans[0].status is plans[1].status is Status.OPTIMAL
    assert plans[0].cost_usd == pytest.approx(plans[1].cost_usd, rel=RTOL[solver])


def test_presolve_on_and_off_agree_on_infeasible_markets(three_suppliers, solver):
    small = three_suppliers.replace(demand=demand_table([("A", 100.0)]))
    for presolve in (True, False):
        plan = reopt.solve(
            small,
            policies=[reopt.cap_share(0.0, country=["CN", "US"])],
            solver=solver,
            options=reopt.SolverOptions(presolve=presolve),
        )
        assert plan.status is Status.INFEASIBLE


#: For each back end, a setting and a market that stop the solve on a limit.
LIMITED = {
    # the greedy method honours a time limit by the clock: it reports a limit, not its answer
    "auto": ({"time_limit_s": 1e-9}, 2000, False),
    "highs": ({"method": "simplex", "extra": {"simplex_iteration_limit": 1}}, 2000, False),
    "pulp-highs": ({"method": "simplex", "extra": {"simplex_iteration_limit": 1}}, 2000, False),
    # CBC (the build PuLP 4 uses) runs LPs to the end whatever the limit; its branch and
    # bound honours the time limit
    "cbc": ({"time_limit_s": 1e-6}, 2000, True),
    # glpsol has no iteration limit; this market takes it more than a second
    "glpk": ({"time_limit_s": 1}, 20_000, False),
}


def test_a_limited_solve_is_reported_as_such(solver):
    settings, n_offers, mip = LIMITED[solver]
    market = (
        synthetic_with_min_orders(n_offers) if mip else reopt.datasets.synthetic(n_offers, seed=1)
    )
    plan = reopt.solve(
        market, china_cap=0.5, solver=solver, options=reopt.SolverOptions(**settings)
    )
    assert plan.status.is_limit, plan.solution.raw_status
    assert plan.status is not Status.OPTIMAL
    with pytest.raises(reopt.NoSolutionError):
        plan.allocation  # noqa: B018


def test_a_one_kilogram_products_cap_on_every_back_end(solver):
    """1 kg of B, China capped at 10%: 0.1 kg from China at 5 $/kg, the two 10 $/kg offers
    in full (1/3 kg and 0.25 kg), the rest (0.31667 kg) at 15 $/kg: 11.0833 USD. (GLPK's
    presolver, glpsol's default, turned the cap into a bound and broke it.)"""
    offers = offers_table(
        [
            ("my", "B", "MY", "refinery", 3.7e-4, 15.0),
            ("au", "B", "AU", "recycler", 1e-3 / 3, 10.0),
            ("my2", "B", "MY", "mine", 2.5e-4, 10.0),
            ("cn", "B", "CN", "refinery", 2.5e-4, 5.0),
        ]
    )
    market = reopt.Market(offers, demand_table([("B", 1e-3)]))
    plan = reopt.solve(market, china_cap=0.1, solver=solver)
    assert plan.cost_usd == pytest.approx(0.5 + 10 / 3 + 2.5 + (9e-4 - 1e-3 / 3 - 2.5e-4) * 15e3)


def test_cbc_lp_stopped_by_its_clock_is_a_time_limit():
    if not available("cbc"):
        pytest.skip("cbc is not installed here")
    market = reopt.datasets.synthetic(20_000, seed=1)
    plan = reopt.solve(
        market, china_cap=0.5, solver="cbc", options=reopt.SolverOptions(time_limit_s=1e-6)
    )
    # CBC 2.10 stops (and says "Stopped on iterations"); the build for PuLP 4 solves on
    assert plan.status in (Status.TIME_LIMIT, Status.OPTIMAL), plan.solution.raw_status


def test_thread_counts_can_change_between_solves(three_suppliers):
    """HiGHS sizes one process-wide thread pool at the first solve; reopt copes."""
    backends = [s for s in ("highs", "pulp-highs") if available(s)]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 2)
    h.run()
    for threads in (None, 2, None, 1):
        for backend in backends:
            plan = reopt.solve(
                three_suppliers,
                china_cap=0.6,
                solver=backend,
                options=reopt.SolverOptions(threads=threads),
            )
            assert plan.status is Status.OPTIMAL, (backend, threads, plan.solution.raw_status)


# --- minimum orders (MILP) -----------------------------------------------------------------
def min_order_market() -> reopt.Market:
    """One product, 100 t, China capped at 60%.

    cn 10 $/kg unlimited; au 15 $/kg up to 80 t, at least 50 t if used; us 12 $/kg up to
    30 t, all 30 t if used. At least 40 t must come from outside China. The LP relaxation
    would buy 30 t us + 10 t au; with minimum orders the choices are au 50 + cn 50
    (1,250,000) or us 30 + au 50 + cn 20 (1,310,000): the optimum is au 50 + cn 50.
    With au's buy choice fixed, the plan is the LP cn + au with au >= 50: the cap does not
    bind (China 50%), a further tonne comes from China at 10,000 USD/t.
    """
    offers = offers_table(
        [
            ("cn", "A", "CN", "refinery", None, 10.0),
            ("au", "A", "AU", "mine", 80.0, 15.0),
            ("us", "A", "US", "refinery", 30.0, 12.0),
        ]
    ).assign(min_order_t=[0.0, 50.0, 30.0])
    return reopt.Market(offers, demand_table([("A", 100.0)]))


def test_minimum_orders_on_every_back_end(solver):
    plan = reopt.solve(min_order_market(), china_cap=0.6, solver=solver)
    assert plan.status is Status.OPTIMAL
    assert plan.cost_usd == pytest.approx(1_250_000, rel=RTOL[solver])
    bought = plan.allocation.set_index("source")["tonnes"]
    assert bought.to_dict() == pytest.approx({"cn": 50.0, "au": 50.0}, rel=RTOL[solver])
    assert any("MILP" in note for note in plan.notes)
    assert any("fixed as in the MILP solution" in note for note in plan.notes)
    prices = plan.shadow_prices.set_index("constraint")
    assert prices.loc["demand", "value_usd_per_kg"] == pytest.approx(10, rel=1e-6)
    assert abs(prices.loc["cap_share(0.6, country='CN')", "value_usd_per_pp"]) <= 1e-6


def test_minimum_orders_agree_across_back_ends():
    # small enough for GLPK's branch and bound to prove optimality (gap 0) quickly
    market = synthetic_with_min_orders(200, n_products=8, seed=3)
    costs = {}
    exact = reopt.SolverOptions(mip_gap=0, time_limit_s=120)
    for backend in SOLVERS:
        if available(backend):
            plan = reopt.solve(market, china_cap=0.5, solver=backend, options=exact)
            assert plan.status is Status.OPTIMAL
            costs[backend] = plan.cost_usd
    reference = costs.pop("highs")
    for backend, cost in costs.items():
        assert cost == pytest.approx(reference, rel=1e-6), backend


# --- temporary files -----------------------------------------------------------------------
def test_two_hundred_solves_leave_no_files_behind(three_suppliers, tmp_path, monkeypatch):
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    infeasible = [reopt.cap_share(0.0, country=["CN", "US"])]
    cases = [
        ("cbc", {}, {"china_cap": 0.6}),
        ("cbc", {}, {"policies": infeasible}),
        ("glpk", {}, {"china_cap": 0.3}),
        ("glpk", {}, {"policies": infeasible}),
        ("glpk", {"threads": 4}, {}),  # rejected after the solve's folder exists
        ("cbc", {"extra": {"badOption": 1}}, {}),
        ("pulp-highs", {"method": "simplex", "extra": {"simplex_iteration_limit": 0}}, {}),
        ("pulp-highs", {}, {"policies": infeasible}),
    ]
    outcomes = set()
    ran = 0
    for i in range(200):
        backend, settings, kwargs = cases[i % len(cases)]
        if not available(backend):
            continue
        try:
            plan = reopt.solve(
                three_suppliers,
                solver=backend,
                options=reopt.SolverOptions(**settings),
                **kwargs,
            )
            outcomes.add(plan.status)
        except reopt.ReoptError as err:
            outcomes.add(type(err).__name__)
        ran += 1
    assert ran >= 100
    assert os.listdir(folder) == []
    assert {Status.OPTIMAL, Status.INFEASIBLE, "InputError"} <= outcomes


# --- export --------------------------------------------------------------------------------
def read_and_solve(path: os.PathLike[str]) -> tuple[str, float]:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.run()
    return h.modelStatusToString(h.getModelStatus()), h.getInfo().objective_function_value


@pytest.mark.parametrize("suffix", [".mps", ".lp"])
@pytest.mark.parametrize(
    "market", [reopt.datasets.japan_2025, min_order_market], ids=["lp", "milp"]
)
def test_written_model_solves_to_the_same_optimum(tmp_path, suffix, market):
    m = market()
    path = reopt.write_model(m, tmp_path / f"model{suffix}", china_cap=0.6)
    status, objective = read_and_solve(path)
    assert status == "Optimal"
    assert objective == pytest.approx(reopt.solve(m, china_cap=0.6).cost_usd, rel=1e-9)


def test_written_model_names_say_what_each_name_is(tmp_path):
    market = reopt.datasets.japan_2025()
    path = reopt.write_model(market, tmp_path / "m.mps", china_cap=0.6)
    names = pd.read_csv(f"{path}.names.csv", keep_default_na=False)
    lp = reopt.compile(market, [reopt.cap_share(0.6, country="CN")])
    assert len(names) == lp.n_cols + lp.n_rows
    text = path.read_text()
    assert all(name in text for name in names["name"])
    offers = names[names["family"] == "offer"]
    assert offers["source"].tolist() == market.offers["source"].tolist()
    caps = names[names["family"] == "policy"]
    assert set(caps["policy"]) == {"cap_share(0.6, country='CN')"}
    assert set(caps["product"]) == set(market.demand["product"])


def test_user_strings_become_safe_names_in_the_file(tmp_path):
    """Names are readable but sanitised: no comma, space or MPS keyword from the user's text."""
    offers = offers_table(
        [
            ("RHS  ENDATA", "Nd oxide (99.5%)", "CN", "refinery", None, 10.0),
            ("Lynas, Kuantan", "Nd oxide (99.5%)", "MY", "refinery", 50.0, 12.0),
        ]
    )
    market = reopt.Market(offers, demand_table([("Nd oxide (99.5%)", 80.0)]))
    path = reopt.write_model(market, tmp_path / "m.mps", china_cap=0.5)
    text = path.read_text()
    assert "Lynas, Kuantan" not in text and "RHS  ENDATA" not in text
    assert "buy_Lynas_Kuantan_Nd_oxide_99_5" in text
    assert [line for line in text.splitlines() if line.strip() == "ENDATA"] == ["ENDATA"]
    status, objective = read_and_solve(path)
    assert status == "Optimal"
    assert objective == pytest.approx(40 * 10_000 + 40 * 12_000)


def test_write_model_rejects_bad_paths(tmp_path):
    market = reopt.datasets.japan_2025()
    with pytest.raises(reopt.InputError, match=r"must end in \.mps or \.lp"):
        reopt.write_model(market, tmp_path / "model.txt")
    with pytest.raises(reopt.ReoptError, match="does not exist"):
        reopt.write_model(market, tmp_path / "no" / "model.mps")
    with pytest.raises(reopt.InputError, match="china_cap"):
        reopt.write_model(market, tmp_path / "model.mps", china_cap=60)
    with pytest.raises(reopt.InputError, match="expected a file path"):
        reopt.write_model(market, None)


# --- command line --------------------------------------------------------------------------
@pytest.fixture
def market_folder(tmp_path):
    reopt.datasets.export("japan_2025", tmp_path / "jp")
    return tmp_path / "jp"


def test_cli_solve_with_solver_options(market_folder, capsys, solver):
    args = ["solve", str(market_folder), "--china-cap", "0.6", "--solver", solver]
    args += ["--method", "simplex", "--time-limit", "30", "--no-presolve"]
    if solver != "glpk":
        args += ["--threads", "1"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "reopt plan: optimal" in out
    assert solver in out or solver == "highs"


def test_cli_solve_reports_options_a_solver_cannot_honour(market_folder, capsys):
    if not available("glpk"):
        pytest.skip("glpk is not installed here")
    assert main(["solve", str(market_folder), "--solver", "glpk", "--threads", "2"]) == 2
    assert "GLPK cannot honour it" in capsys.readouterr().err


def test_cli_export(market_folder, tmp_path, capsys, monkeypatch):
    out = tmp_path / "japan.lp"
    assert main(["export", str(market_folder), "--china-cap", "0.6", "--out", str(out)]) == 0
    assert out.exists() and (tmp_path / "japan.lp.names.csv").exists()
    monkeypatch.chdir(tmp_path)
    assert main(["export", str(market_folder), "--format", "mps"]) == 0
    assert (tmp_path / "model.mps").exists()
    capsys.readouterr()
    assert main(["export", str(market_folder), "--format", "mps", "--out", str(out)]) == 2
    assert "does not end in .mps" in capsys.readouterr().err


def test_a_floor_no_offer_meets_is_an_empty_row_on_every_back_end(solver):
    """A has no recycler: its floor row is ``0 >= share * 10``, met only at share 0."""
    offers = offers_table(
        [
            ("cn", "A", "CN", "refinery", None, 10.0),
            ("au", "A", "AU", "mine", 50.0, 15.0),
            ("rc", "B", "AU", "recycler", None, 15.0),
        ]
    )
    market = reopt.Market(offers, demand_table([("A", 10.0), ("B", 5.0)]))
    zero = reopt.solve(market, policies=[reopt.min_share(0.0, kind="recycler")], solver=solver)
    assert zero.status is reopt.Status.OPTIMAL
    assert zero.cost_usd == pytest.approx(175_000)
    some = reopt.solve(market, policies=[reopt.min_share(0.1, kind="recycler")], solver=solver)
    assert some.status is reopt.Status.INFEASIBLE


def test_highs_through_pulp_prints_nothing_on_standard_output(tmp_path):
    """highspy prints a banner when a process makes its first Highs object (PuLP 4 does):
    output for tools (``--format json``) must stay clean."""
    import json
    import subprocess
    import sys

    folder = tmp_path / "market"
    reopt.write_market(reopt.datasets.japan_2025(), folder)
    done = subprocess.run(
        [sys.executable, "-m", "reopt.cli", "solve", str(folder), "--china-cap", "0.6",
         "--solver", "pulp-highs", "--format", "json"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Running HiGHS" not in done.stdout
    assert json.loads(done.stdout)["status"] == "optimal"
