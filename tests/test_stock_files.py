"""The stock table and lead times read from and written to every file layout a market has."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_stock import THREE_PERIOD_DEMAND, THREE_PERIOD_OFFERS

import reopt

openpyxl = pytest.importorskip("openpyxl")

#: The golden three-period market of test_stock.py: cost 3,460,000 USD with this stock.
OFFERS, DEMAND = THREE_PERIOD_OFFERS, THREE_PERIOD_DEMAND
STOCK = pd.DataFrame(
    [{"product": "A", "initial_t": 0.0, "min_t": 20.0, "max_t": 150.0, "holding_usd_per_kg": 1.0}]
)
GOLDEN_USD = 3_460_000.0


def golden(**stock: object) -> reopt.Market:
    return reopt.Market(OFFERS, DEMAND, stock=STOCK.assign(**stock))


def two_products() -> reopt.Market:
    """Two products, lead times, a floor in days, unlimited capacity and max_t, sources."""
    offers = pd.DataFrame(
        {
            "source": ["x", "y", "x", "y"] * 2,
            "product": ["A", "A", "B", "B"] * 2,
            "period": [2030] * 4 + [2031] * 4,
            "capacity_t": [np.inf, 50.0, 80.0, np.inf] * 2,
            "price_usd_per_kg": [10.0, 9.0, 30.0, 31.0, 12.0, 8.0, 29.0, 33.0],
            "lead_time_periods": [0, 1, 0, 0, 0, 0, 0, 0],
            "note": ["=risky", "plain", "+1", "x", "y", "z", "w", "v"],
        }
    )
    sources = pd.DataFrame({"source": ["x", "y"], "country": ["AU", "CN"], "kind": ["mine"] * 2})
    demand = pd.DataFrame(
        {"product": ["A", "B"] * 2, "period": [2030, 2030, 2031, 2031], "demand_t": [60.0] * 4}
    )
    stock = pd.DataFrame(
        {
            "product": ["A", "B"],
            "initial_t": [30.0, 0.0],
            "min_t": [np.nan, 5.0],
            "min_days": [73.0, np.nan],
            "max_t": [np.inf, 40.0],
            "holding_usd_per_kg": [0.5, 1.0],
        }
    )
    return reopt.Market(offers, demand, sources, stock=stock)


@pytest.mark.parametrize("name", ["folder", "market.xlsx", "market.toml"])
def test_write_and_read_back_keeps_stock_and_lead_times(tmp_path: Path, name: str) -> None:
    """Every layout write_market writes reads back as the same market and the same plan."""
    market = two_products()
    path = tmp_path / name
    reopt.write_market(market, path)
    read = reopt.read_market(path)
    assert read.stock is not None
    pd.testing.assert_frame_equal(read.stock, market.stock)
    assert np.array_equal(read.stock_data.lead, market.stock_data.lead)
    assert list(read.offers["note"]) == list(market.offers["note"])  # formula text kept as text
    assert np.isinf(read.offers["capacity_t"]).sum() == 4
    before = reopt.solve(market, china_cap=0.7)
    after = reopt.solve(read, china_cap=0.7)
    assert after.cost_usd == pytest.approx(before.cost_usd, rel=1e-12)


@pytest.mark.parametrize("name", ["folder", "market.xlsx", "market.toml"])
def test_a_market_without_stock_writes_no_stock_table(tmp_path: Path, name: str) -> None:
    market = reopt.datasets.japan_2025()
    path = tmp_path / name
    reopt.write_market(market, path)
    assert not (tmp_path / name / "stock.csv").exists()
    read = reopt.read_market(path)
    assert read.stock is None and not read.has_stock_balance
    assert reopt.solve(read).cost_usd == pytest.approx(reopt.solve(market).cost_usd, rel=1e-12)


# --- workbooks ------------------------------------------------------------------------------
def _workbook(path: Path, stock: list[list[object]] | None) -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    book.active.title = "offers"
    for frame, sheet in ((OFFERS, book["offers"]), (DEMAND, book.create_sheet("demand"))):
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append(list(row))
    if stock is not None:
        ws = book.create_sheet("stock")
        for row in stock:
            ws.append(row)
    return book


STOCK_ROWS = [
    ["product", "initial_t", "min_t", "max_t", "holding_usd_per_kg"],
    ["A", 0.0, 20.0, 150.0, 1.0],
]


def test_a_stock_sheet_is_read(tmp_path: Path) -> None:
    path = tmp_path / "m.xlsx"
    _workbook(path, STOCK_ROWS).save(path)
    assert reopt.solve(reopt.read_market(path)).cost_usd == pytest.approx(GOLDEN_USD)
    _workbook(path, None).save(path)  # no stock sheet: no stock, and no problem
    assert reopt.read_market(path).stock is None


def test_stock_sheet_cells_that_are_not_values_are_refused(tmp_path: Path) -> None:
    """An error cell in max_t is not "no limit"; a formula without value or a merged cell."""
    path = tmp_path / "m.xlsx"
    rows = [*STOCK_ROWS, ["B", 1.0, None, None, 2.0]]
    book = _workbook(path, rows)
    ws = book["stock"]
    ws["D2"].value, ws["D2"].data_type = "#N/A", "e"
    ws["C3"] = "=C2*2"
    ws.merge_cells("E2:E3")
    book.save(path)
    with pytest.raises(reopt.InputError) as info:
        reopt.read_market(path)
    text = str(info.value)
    assert "sheet 'stock' row 2, max_t: error cell #N/A" in text
    assert "sheet 'stock' row 3, min_t: formula =C2*2 with no saved value" in text
    assert "sheet 'stock' row 3, holding_usd_per_kg: part of merged range E2:E3" in text


def test_stock_sheet_values_get_the_stock_checks(tmp_path: Path) -> None:
    path = tmp_path / "m.xlsx"
    rows = [*STOCK_ROWS[:1], ["A", "lots", 200.0, 150.0, -1.0], ["Z", 0, 0, 0, 0]]
    _workbook(path, rows).save(path)
    with pytest.raises(reopt.InputError) as info:
        reopt.read_market(path)
    where = {(p.where, p.column) for p in info.value.problems}
    sheet = f"{path} sheet 'stock'"
    assert (f"{sheet} row 2", "initial_t") in where
    assert (f"{sheet} row 2", "holding_usd_per_kg") in where
    assert (f"{sheet} row 2", "min_t") in where  # floor above max_t
    assert (f"{sheet} row 3", "product") in where  # nobody demands Z


# --- TOML -----------------------------------------------------------------------------------
def _toml(tmp_path: Path, text: str) -> Path:
    OFFERS.to_csv(tmp_path / "offers.csv", index=False)
    DEMAND.to_csv(tmp_path / "demand.csv", index=False)
    path = tmp_path / "case.toml"
    path.write_text('offers = "offers.csv"\ndemand = "demand.csv"\n' + text)
    return path


def test_a_toml_stock_table_in_the_file(tmp_path: Path) -> None:
    text = '[[stock]]\nproduct = "A"\nmin_t = 20\nmax_t = 150\nholding_usd_per_kg = 1\n'
    scenario = reopt.read_scenario(_toml(tmp_path, text))
    assert reopt.solve(scenario.market).cost_usd == pytest.approx(GOLDEN_USD)


def test_a_toml_stock_table_in_a_csv_file(tmp_path: Path) -> None:
    STOCK.to_csv(tmp_path / "held.csv", index=False)
    market = reopt.read_market(_toml(tmp_path, 'stock = "held.csv"\n'))
    assert reopt.solve(market).cost_usd == pytest.approx(GOLDEN_USD)


def test_toml_stock_entries_are_named_in_problems(tmp_path: Path) -> None:
    text = '[[stock]]\nproduct = "A"\nmin_t = "20 t"\n[[stock]]\nproduct = "A"\nmax_t = -1\n'
    with pytest.raises(reopt.InputError) as info:
        reopt.read_market(_toml(tmp_path, text))
    where = {(p.where, p.column) for p in info.value.problems}
    label = f"{tmp_path / 'case.toml'} stock entry"
    assert (f"{label} 1", "min_t") in where
    assert (f"{label} 2", "max_t") in where
    assert any(p.rule.startswith("duplicate") or "twice" in p.rule for p in info.value.problems)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("stock = 3\n", "must be a path as text"),
        ('stock = ["A"]\n', "must be a table"),
        ('stock = "nowhere.csv"\n', "no such file"),
    ],
)
def test_toml_stock_that_is_not_a_table(tmp_path: Path, text: str, rule: str) -> None:
    with pytest.raises(reopt.InputError, match=rule):
        reopt.read_market(_toml(tmp_path, text))


def test_toml_stock_given_twice(tmp_path: Path) -> None:
    reopt.write_market(golden(), tmp_path / "data")
    path = tmp_path / "case.toml"
    path.write_text('folder = "data"\n[[stock]]\nproduct = "A"\n')
    with pytest.raises(reopt.InputError, match="'stock' is given twice"):
        reopt.read_market(path)
    (tmp_path / "data" / "stock.csv").unlink()
    assert reopt.read_market(path).stock["min_t"].isna().all()


def test_toml_stock_joins_a_workbook(tmp_path: Path) -> None:
    book = tmp_path / "m.xlsx"
    _workbook(book, None).save(book)
    path = tmp_path / "case.toml"
    text = '[[stock]]\nproduct = "A"\nmin_t = 20\nmax_t = 150\nholding_usd_per_kg = 1\n'
    path.write_text('workbook = "m.xlsx"\n' + text)
    assert reopt.solve(reopt.read_market(path)).cost_usd == pytest.approx(GOLDEN_USD)


def test_toml_offers_and_demand_in_the_file(tmp_path: Path) -> None:
    """A TOML file may hold the whole market (Norway's code stays text)."""
    path = tmp_path / "case.toml"
    path.write_text(
        '[[offers]]\nsource = "x"\nproduct = "A"\ncountry = "NO"\nprice_usd_per_kg = 10\n'
        'capacity_t = "unlimited"\n'
        '[[demand]]\nproduct = "A"\ndemand_t = 5\n'
    )
    market = reopt.read_market(path)
    assert market.offers["country"].item() == "NO"
    assert math.isinf(market.offers["capacity_t"].item())
    assert reopt.solve(market).cost_usd == pytest.approx(50_000.0)


def test_one_file_holds_market_stock_and_scenarios(tmp_path: Path) -> None:
    """The scenario reader leaves the stock table to the market's reader, and back."""
    text = (
        '[[stock]]\nproduct = "A"\nmin_t = 20\nmax_t = 150\nholding_usd_per_kg = 1\n'
        "[scenarios]\ncalm = 1.0\n[lost_supply]\nA = 100\n"
    )
    path = _toml(tmp_path, text)
    assert reopt.read_scenarios(path).names == ("calm",)
    assert reopt.read_market(path).stock is not None
