"""The benchmark harness: the quick suite end to end, and the pieces it relies on.

No timing is asserted: only that the harness runs, agrees, and writes its files.
"""

from __future__ import annotations

import json
import math

import pytest

import reopt
from reopt.backends.highs import default_settings
from reopt.bench import pulp_model, raw
from reopt.bench.contenders import CONTENDERS, measure, raw_settings
from reopt.bench.instances import SIZES, Instance, instance
from reopt.bench.runner import SUITES, main, problems


def test_quick_suite_runs_agrees_and_writes_its_files(tmp_path):
    out = tmp_path / "bench"
    assert main(["--suite", "quick", "--out", str(out)]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["problems"] == []
    assert {i["name"] for i in results["instances"]} == {"xs-cap", "xs-policies", "xs-milp"}
    ran = {(r["instance"], r["contender"]) for r in results["runs"]}
    for inst in results["instances"]:
        for name, contender in CONTENDERS.items():
            if inst["name"].split("-")[1] in contender.variants:
                assert (inst["name"], name) in ran
    default = [r for r in results["runs"] if r["contender"] == "reopt default"]
    assert all(r["status"] == "optimal" and r["peak_mb"] > 0 for r in default)
    report = (out / "RESULTS.md").read_text()
    for heading in ("## Instances", "## Targets", "## HiGHS settings", "### xs-cap"):
        assert heading in report
    assert "Every optimal objective agreed" in report


def test_every_instance_is_feasible_and_deterministic():
    for variant in ("cap", "policies", "milp"):
        inst = instance("xs", variant)
        first, again = inst.tables(), inst.tables()
        assert first[0].equals(again[0]) and first[1].equals(again[1])
        plan = reopt.solve(reopt.Market(*first), policies=inst.policies())
        assert plan.is_optimal, variant


@pytest.mark.parametrize("size", ["xs", "s"])
def test_raw_build_is_reopts_lp_with_reopts_settings(size):
    inst = Instance(size, "cap")
    offers, demand = inst.tables()
    market = reopt.Market(offers, demand)
    lp = reopt.compile(market, inst.policies())
    assert raw_settings(offers, 60.0) == default_settings(
        lp, reopt.SolverOptions(time_limit_s=60.0)
    )
    h = raw.hand_off(raw.build(offers, demand, 0.6), raw_settings(offers, 60.0))
    h.run()
    cost = reopt.solve(market, policies=inst.policies()).cost_usd
    assert h.getInfo().objective_function_value == pytest.approx(cost, rel=1e-9)


def test_idiomatic_pulp_solves_the_same_lp():
    inst = Instance("xs", "cap")
    offers, demand = inst.tables()
    result = pulp_model.solve(offers, demand, 0.6, "highs")
    assert result.status == "Optimal"
    cost = reopt.solve(reopt.Market(offers, demand), china_cap=0.6).cost_usd
    assert result.objective == pytest.approx(cost, rel=1e-9)


def test_a_failing_contender_is_a_result_not_a_crash(monkeypatch):
    def broken(inst, limit_s):
        raise RuntimeError("boom")

    contender = CONTENDERS["raw highspy"]
    monkeypatch.setitem(
        CONTENDERS, "raw highspy", type(contender)("raw highspy", "baseline", broken)
    )
    result = measure("raw highspy", Instance("xs", "cap"), 10.0)
    assert result.status == "error" and "boom" in result.error
    assert result.peak_mb > 0


def test_a_disagreement_fails_the_run():
    results = {
        "instances": [{"name": "xs-cap"}],
        "runs": [
            {
                "instance": "xs-cap",
                "contender": "reopt default",
                "status": "optimal",
                "objective": 100.0,
            },
            {"instance": "xs-cap", "contender": "cbc", "status": "optimal", "objective": 100.01},
            {
                "instance": "xs-cap",
                "contender": "glpk",
                "status": "time_limit",
                "objective": math.nan,
            },
        ],
    }
    found = problems(results)
    assert len(found) == 1 and "cbc reached 100.01" in found[0]
    results["runs"][0]["status"] = "infeasible"
    assert "did not solve it to optimality" in problems(results)[0]


def test_bad_runner_arguments_are_refused(capsys):
    for args in (["--sizes", "huge"], ["--solvers", "gurobi"]):
        with pytest.raises(SystemExit) as stop:
            main(args)
        assert stop.value.code == 2
    assert "unknown" in capsys.readouterr().err


def test_suites_name_known_sizes():
    for suite in SUITES.values():
        assert set(suite["sizes"]) <= set(SIZES)
