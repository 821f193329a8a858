"""``reopt scenarios``: the two-stage plan from the command line."""

from __future__ import annotations

import json

import openpyxl
import pytest

import reopt
from reopt.cli import main


def test_a_bundled_dataset_with_its_scenario_set(capsys):
    assert (
        main(["scenarios", "--dataset", "japan_2025", "--china-cap", "60%", "--cvar", "0.95:0.5"])
        == 0
    )
    out = capsys.readouterr().out
    for words in ("scenarios:", "china_export_halt", "shortage per product:", "VSS", "EVPI"):
        assert words in out
    plan = reopt.solve(
        reopt.datasets.japan_2025(),
        china_cap=0.6,
        scenarios=reopt.datasets.japan_2025_scenarios(),
        risk=reopt.CVaR(0.95, 0.5),
    )
    assert f"expected cost: USD {plan.expected_cost_usd:,.0f}" in out


def test_json_has_the_figures_and_the_tables(capsys):
    assert main(["scenarios", "--dataset", "japan_2025", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "optimal"
    assert data["vss_usd"] >= 0 and data["evpi_usd"] >= 0
    assert {row["scenario"] for row in data["scenarios"]} >= {"baseline", "lynas_outage"}
    assert data["contracts"] and data["shortage"]


def test_out_writes_a_workbook(tmp_path, capsys):
    out = tmp_path / "risk.xlsx"
    assert main(["scenarios", "--dataset", "japan_2010", "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Risk", "Contracts", "Scenarios", "Scenario products", "Shortage"]
    assert [c.value for c in book["Risk"]["A"]][1:] == [
        "expected cost",
        "VaR",
        "CVaR",
        "VSS",
        "EVPI",
    ]


def test_one_toml_file_holds_market_scenarios_and_risk(tmp_path, capsys):
    reopt.datasets.export("japan_2025", tmp_path / "market")
    reopt.datasets.export("japan_2025_scenarios", tmp_path / "risk")
    toml = tmp_path / "case.toml"
    toml.write_text(
        'folder = "market"\nchina_cap = "60%"\n[risk]\nalpha = 0.9\nweight = 0.25\n',
        encoding="utf-8",
    )
    code = main(["scenarios", str(toml), "--scenarios", str(tmp_path / "risk")])
    assert code == 0
    out = capsys.readouterr().out
    assert "VaR 90%" in out
    plan = reopt.solve(
        reopt.datasets.japan_2025(),
        china_cap=0.6,
        scenarios=reopt.read_scenarios(tmp_path / "risk"),
        risk=reopt.CVaR(0.9, 0.25),
    )
    assert f"expected cost: USD {plan.expected_cost_usd:,.0f}" in out


@pytest.mark.parametrize("cvar", ["1.0:0.5", "0.95:2", "x"])
def test_a_bad_cvar_is_refused_before_solving(cvar, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["scenarios", "--dataset", "japan_2025", "--cvar", cvar])
    assert stop.value.code == 2
    assert "ALPHA:WEIGHT" in capsys.readouterr().err


def test_a_dataset_without_a_scenario_set_asks_for_one(capsys):
    assert main(["scenarios", "--dataset", "japan_outlook"]) == 2
    assert "--scenarios" in capsys.readouterr().err


def test_an_output_path_is_checked_first(tmp_path, capsys):
    assert main(["scenarios", "--dataset", "japan_2025", "--out", str(tmp_path / "r.csv")]) == 2
    assert "scenarios:" not in capsys.readouterr().out


def test_one_folder_holds_market_and_scenarios(tmp_path, capsys):
    reopt.datasets.export("japan_2010", tmp_path / "data")
    reopt.datasets.export("japan_2010_scenarios", tmp_path / "data")
    toml = tmp_path / "case.toml"
    toml.write_text('folder = "data"\n[risk]\nalpha = 0.95\nweight = 0.5\n', encoding="utf-8")
    assert main(["scenarios", str(toml)]) == 0
    assert "VaR 95%" in capsys.readouterr().out
    assert main(["scenarios", str(tmp_path / "data"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "optimal"


def test_a_market_with_stock_prints_its_stock_by_scenario(tmp_path, capsys):
    """60 days of demand in stock: drawn in the scenarios that cut supply."""
    reopt.datasets.export("japan_2025", tmp_path)
    demand = reopt.datasets.japan_2025().demand
    stock = demand[["product"]].assign(initial_t=demand["demand_t"] * 60 / 365, min_days=60.0)
    stock.to_csv(tmp_path / "stock.csv", index=False)
    assert main(["scenarios", str(tmp_path), "--scenarios", str(_bundled_set(tmp_path))]) == 0
    out = capsys.readouterr().out
    for words in ("planned stock (end of period):", "stock by scenario", "stock drawn (t)"):
        assert words in out
    assert (
        main(["scenarios", str(tmp_path), "--scenarios", str(tmp_path / "set"), "--format", "json"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    drawn: dict[str, float] = {}
    for row in data["scenario_stock"]:
        drawn[row["scenario"]] = drawn.get(row["scenario"], 0.0) + row["drawn_t"]
    assert drawn["baseline"] == pytest.approx(0.0, abs=1e-6)
    assert max(drawn.values()) > 0
    assert len(data["stock"]) == len(stock)


def _bundled_set(tmp_path):
    reopt.datasets.export("japan_2025_scenarios", tmp_path / "set")
    return tmp_path / "set"
