"""One set of units: every per-tonne value in USD/kg, share prices in USD/pp, each in its own
column; "no limit" for an infinite range end in text; files without float noise."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import reopt
from reopt.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def folder(tmp_path: Path, three_suppliers: reopt.Market) -> Path:
    reopt.write_market(three_suppliers, tmp_path / "m")
    return tmp_path / "m"


@pytest.fixture(scope="module")
def japan() -> reopt.Plan:
    return reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6)


# --- columns -------------------------------------------------------------------------------
def test_shadow_prices_have_one_unit_per_column(three_suppliers):
    """At 60%: a tonne more is 0.6 t CN at 10 $/kg + 0.4 t AU at 15 = 12 USD/kg; the cap
    is worth 5,000 USD per point."""
    prices = reopt.solve(three_suppliers, china_cap=0.6).shadow_prices.set_index("constraint")
    assert "value" not in prices.columns
    demand, cap = prices.loc["demand"], prices.loc["cap_share(0.6, country='CN')"]
    assert demand["value_usd_per_kg"] == pytest.approx(12)
    assert np.isnan(demand["value_usd_per_pp"]) and demand["unit"] == "USD/kg"
    assert cap["value_usd_per_pp"] == pytest.approx(5_000)
    assert np.isnan(cap["value_usd_per_kg"]) and cap["unit"] == "USD/pp"


def test_capacity_values_are_in_usd_per_kg(three_suppliers):
    values = reopt.solve(three_suppliers, china_cap=0.3).capacity_values.set_index("source")
    assert "value_usd_per_t" not in values.columns
    assert values.loc["au", "value_usd_per_kg"] == pytest.approx(5)


def test_japan_marginal_cost_of_tb_is_in_usd_per_kg(japan):
    prices = japan.shadow_prices.query("constraint == 'demand'").set_index("product")
    assert prices.loc["Tb oxide", "value_usd_per_kg"] == pytest.approx(1_212)


# --- text ----------------------------------------------------------------------------------
def test_no_text_gives_a_marginal_value_in_usd_per_t(capsys, folder: Path, japan):
    texts = [japan.summary(), japan.explain()]
    for argv in (("demo",), ("solve", str(folder), "--china-cap", "0.3", "--ranges")):
        code, out, _ = run(capsys, *argv)
        assert code == 0
        texts.append(out)
    for text in texts:
        assert "USD/t" not in text
        assert "USD/kg" in text or "per pp" in text
    assert "Tb oxide" in texts[2] and "1,212" in texts[2]  # demand's marginal cost, per kg


def test_infinite_range_ends_read_no_limit(capsys, folder: Path):
    plan = reopt.solve(reopt.read_market(folder), china_cap=0.6)
    assert np.isinf(plan.price_ranges["price_low_usd_per_kg"]).any()  # the tables keep inf
    code, out, _ = run(capsys, "solve", str(folder), "--china-cap", "0.6", "--ranges")
    assert code == 0
    assert "inf" not in out.replace("infeasib", "")
    assert "cn / A: 10 [no limit .. 15]" in out
    assert "demand, A: 12 USD/kg  [0 t .. 125 t]" in out


# --- files ---------------------------------------------------------------------------------
def test_csv_carries_no_float_noise(japan, tmp_path: Path):
    raw = japan.allocation
    values = raw["tonnes"].tolist() + raw["cost_usd"].tolist()
    assert [v for v in values if float(f"{v:.10g}") != v], "the case must carry float noise"
    japan.to_csv(tmp_path / "plan.csv")
    text = pd.read_csv(tmp_path / "plan.csv", dtype=str)
    for column in ("tonnes", "price_usd_per_kg", "cost_usd"):
        for cell in text[column]:
            assert cell == repr(float(f"{float(cell):.10g}")), (column, cell)
    back = pd.read_csv(tmp_path / "plan.csv")
    assert back["tonnes"].tolist() == [float(f"{v:.10g}") for v in raw["tonnes"]]
    assert back["cost_usd"].sum() == pytest.approx(japan.cost_usd)


def test_round_significant_writes_what_the_input_had():
    from reopt.results.precision import round_significant

    frame = pd.DataFrame({"t": [49.80000000000001, 17853300.000000004, np.inf], "n": [1, 2, 3]})
    out = round_significant(frame)
    assert out["t"].tolist() == [49.8, 17853300.0, np.inf]
    assert out["n"].tolist() == [1, 2, 3]
    assert round_significant(frame, 2)["t"].tolist() == [50.0, 18000000.0, np.inf]


def test_precision_flag_and_argument(capsys, folder: Path, tmp_path: Path):
    out = tmp_path / "plan.csv"
    code, _, _ = run(
        capsys, "solve", str(folder), "--china-cap", "0.3", "--out", str(out), "--precision", "1"
    )
    assert code == 0
    # cn 300,000, au 750,000 (one significant digit: 800,000), us 400,000
    assert pd.read_csv(out)["cost_usd"].tolist() == [300_000, 800_000, 400_000]
    plan = reopt.solve(reopt.read_market(folder), china_cap=0.3)
    with pytest.raises(reopt.InputError, match="significant digits"):
        plan.to_csv(tmp_path / "x.csv", precision=0)
    assert not (tmp_path / "x.csv").exists()
    with pytest.raises(SystemExit) as exit_info:
        main(["solve", str(folder), "--precision", "zero"])
    assert exit_info.value.code == 2
    assert "significant digits" in capsys.readouterr().err


def test_json_numbers_carry_no_float_noise(capsys):
    code, out, _ = run(capsys, "demo", "--format", "json")
    assert code == 0
    data = json.loads(out)
    tonnes = [row["tonnes"] for row in data["orders"]]
    assert 3300.0 in tonnes and all(len(repr(t)) < 14 for t in tonnes)


def test_output_paths_are_checked_before_solving_in_every_format(capsys, folder: Path):
    missing = folder / "nowhere" / "plan.csv"
    code, out, err = run(capsys, "solve", str(folder), "--format", "json", "--out", str(missing))
    assert code == 2 and out == ""
    assert "does not exist" in err
