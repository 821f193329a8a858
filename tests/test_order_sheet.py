"""The order sheet: what to buy from whom, the limits that bind, printed by solve and demo,
as rich tables in a terminal, plain text when piped, Markdown or JSON, and as a workbook."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import reopt
from reopt.cli import main

ANSI = "\x1b["


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def japan() -> reopt.Plan:
    return reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6)


@pytest.fixture
def folder(tmp_path: Path, three_suppliers: reopt.Market) -> Path:
    reopt.write_market(three_suppliers, tmp_path / "m")
    return tmp_path / "m"


# --- the tables ----------------------------------------------------------------------------
def test_orders_of_three_suppliers_at_a_thirty_percent_cap(three_suppliers):
    """Hand-solved: 50 t AU (15 $/kg), 30 t CN (10), 20 t US (20); largest order first."""
    orders = reopt.solve(three_suppliers, china_cap=0.3).orders
    assert list(orders.columns) == [
        "product",
        "source",
        "country",
        "refined_in",
        "kind",
        "tonnes",
        "price_usd_per_kg",
        "cost_usd",
        "share",
    ]
    assert orders["source"].tolist() == ["au", "cn", "us"]
    assert orders["tonnes"].tolist() == pytest.approx([50, 30, 20])
    assert orders["cost_usd"].tolist() == pytest.approx([750_000, 300_000, 400_000])
    assert orders["share"].tolist() == pytest.approx([0.5, 0.3, 0.2])


def test_binding_limits_of_three_suppliers(three_suppliers):
    """At 30%: AU's 50 t bind, worth 20 - 15 = 5 USD/kg; the cap is worth 10,000 USD/pp."""
    limits = reopt.solve(three_suppliers, china_cap=0.3).binding_limits
    assert limits["limit"].tolist() == ["capacity", "cap_share(0.3, country='CN')"]
    capacity, cap = limits.iloc[0], limits.iloc[1]
    assert capacity["applies_to"] == "source au"
    assert capacity["capacity_t"] == pytest.approx(50)
    assert capacity["value_usd_per_kg"] == pytest.approx(5)
    assert pd.isna(capacity["value_usd_per_pp"]) and pd.isna(capacity["share"])
    assert cap["applies_to"] == "country CN"
    assert cap["share"] == pytest.approx(0.3)
    assert cap["value_usd_per_pp"] == pytest.approx(10_000)
    assert pd.isna(cap["value_usd_per_kg"]) and pd.isna(cap["capacity_t"])


def test_a_slack_cap_has_no_binding_limit(three_suppliers):
    """At 60% AU's capacity has room (40 of 50 t); only the cap binds."""
    limits = reopt.solve(three_suppliers, china_cap=0.6).binding_limits
    assert limits["limit"].tolist() == ["cap_share(0.6, country='CN')"]


def test_lynas_ndpr_capacity_is_worth_13_8_usd_per_kg_on_japan_2025(japan):
    limits = japan.binding_limits.set_index(["applies_to", "product"])
    assert limits.loc[("source lynas_malaysia", "NdPr oxide"), "value_usd_per_kg"] == (
        pytest.approx(13.8)
    )
    orders = japan.orders
    ndpr = orders[orders["product"] == "NdPr oxide"]
    assert ndpr["source"].iloc[0] == "china"
    assert ndpr["tonnes"].sum() == pytest.approx(5_500)
    assert list(orders["product"].unique()) == list(japan.market.products)


# --- the command line ----------------------------------------------------------------------
def test_demo_prints_orders_after_the_cost_of_the_cap(capsys):
    code, out, _ = run(capsys, "demo")
    assert code == 0
    cost = out.index("what the 60% cap costs")
    orders = out.index("buy NdPr oxide (5,500 t")
    limits = out.index("binding capacities:")
    assert out.index("total cost: USD") < cost < orders < limits
    lynas = next(line for line in out[limits:].splitlines() if "lynas_malaysia" in line)
    assert "NdPr oxide" in lynas and lynas.split()[-1] == "13.8"
    assert "one more tonne (USD/kg)" in out
    assert "binding policies:" in out and "one more point (USD/pp)" in out


def test_solve_prints_the_order_table_and_what_the_cap_costs(capsys, folder: Path):
    code, out, _ = run(capsys, "solve", str(folder), "--china-cap", "0.3")
    assert code == 0
    assert "what the 30% cap costs: USD 450,000 a year more" in out
    table = out[out.index("buy A (100 t, USD 1,450,000):") :].splitlines()
    header = "source country tonnes (t) price (USD/kg) cost (USD) share"
    assert table[1].split() == header.split()
    assert table[2].split() == ["au", "AU", "50", "15", "750,000", "50.0%"]
    assert table[3].split() == ["cn", "CN", "30", "10", "300,000", "30.0%"]
    assert table[4].split() == ["us", "US", "20", "20", "400,000", "20.0%"]


def test_format_json_is_one_object_with_the_orders(capsys, folder: Path):
    code, out, _ = run(capsys, "solve", str(folder), "--china-cap", "0.3", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["status"] == "optimal"
    assert data["cost_usd"] == 1_450_000
    assert [(o["source"], o["tonnes"]) for o in data["orders"]] == [
        ("au", 50),
        ("cn", 30),
        ("us", 20),
    ]
    capacity = data["binding_limits"][0]
    assert capacity["value_usd_per_kg"] == 5 and capacity["value_usd_per_pp"] is None
    assert data["cost_of_policies_usd"] == 450_000


def test_demo_json_has_lynas_at_13_8(capsys):
    code, out, _ = run(capsys, "demo", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["dataset"] == "japan_2025"
    lynas = [
        row
        for row in data["binding_limits"]
        if row["applies_to"] == "source lynas_malaysia" and row["product"] == "NdPr oxide"
    ]
    assert [row["value_usd_per_kg"] for row in lynas] == [13.8]
    assert isinstance(data["orders"][0]["tonnes"], float)


def test_format_markdown_writes_pipe_tables(capsys, folder: Path):
    code, out, _ = run(capsys, "solve", str(folder), "--china-cap", "0.3", "--format", "markdown")
    assert code == 0
    assert "| au | AU | 50 | 15 | 750,000 | 50.0% |" in out
    assert "|:---|:---|---:|---:|---:|---:|" in out


def test_piped_output_is_plain_text():
    result = subprocess.run(
        [sys.executable, "-m", "reopt.cli", "demo"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "buy NdPr oxide" in result.stdout
    assert ANSI not in result.stdout
    assert "━" not in result.stdout and "─" not in result.stdout


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_rich_tables(japan):
    from reopt.cli.output import rich_print, show
    from reopt.results.report import plan_report

    terminal = _Terminal()
    show(plan_report(japan), "text", terminal)
    text = terminal.getvalue()
    assert "─" in text  # rich's table rule
    assert "lynas_malaysia" in text and "13.8" in text
    forced = io.StringIO()
    rich_print(plan_report(japan), forced, force=True)
    assert ANSI in forced.getvalue()
    # a cell is never cut short, however narrow the terminal
    assert "vietnam_jp_recycling" in forced.getvalue() and "227,700,000" in forced.getvalue()


# --- the workbook --------------------------------------------------------------------------
def test_workbook_reads_back_with_units_formats_and_frozen_headers(japan, tmp_path: Path):
    path = tmp_path / "plan.xlsx"
    japan.to_excel(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "Summary",
        "Orders",
        "Shares",
        "Binding limits",
        "Shadow prices",
        "Reduced costs",
    ]
    orders = book["Orders"]
    header = [c.value for c in orders[1]]
    assert header == [
        "product",
        "source",
        "country",
        "refined in",
        "kind",
        "tonnes (t)",
        "price (USD/kg)",
        "cost (USD)",
        "share (%)",
    ]
    assert [c.value for c in orders[2]][:2] == ["NdPr oxide", "china"]
    assert orders["F2"].number_format == "#,##0.00"
    assert orders["H2"].number_format == "#,##0"
    assert orders["I2"].number_format == "0.0%"
    assert orders["I2"].value == pytest.approx(0.6)
    for sheet in book.worksheets:
        assert sheet.freeze_panes in ("A2", "B2"), sheet.title
        assert sheet.max_column >= 2, sheet.title  # no printout pasted in one column
    assert orders.column_dimensions["B"].width >= len("vietnam_jp_recycling")
    limits = book["Binding limits"]
    assert [c.value for c in limits[1]] == [
        "limit",
        "product",
        "applies to",
        "capacity (t)",
        "bound (%)",
        "value (USD/kg)",
        "value (USD/pp)",
    ]
    assert limits["E2"].number_format == "0.0%"
    shadow = [c.value for c in book["Shadow prices"][1]]
    assert "value (USD/kg)" in shadow and "value (USD/pp)" in shadow
    assert book["Shares"]["B2"].number_format == "0.0%"
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["total cost (USD)"] == round(japan.cost_usd)


def test_workbook_of_an_infeasible_plan(tmp_path: Path):
    plan = reopt.solve(reopt.datasets.japan_2025(), china_cap=0.0)
    plan.to_excel(tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    assert book.sheetnames == ["Summary", "Infeasibility"]
    assert "change (t)" in [c.value for c in book["Infeasibility"][1]]
