"""Files are read as a user sees them: cells, headers, sheets, lines, scenarios and their paths."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

import reopt

openpyxl = pytest.importorskip("openpyxl")

OFFERS = [
    ["source", "product", "country", "refined_in", "capacity_t", "price_usd_per_kg"],
    ["china", "Dy oxide", "CN", "CN", None, 300.0],
    ["lynas", "Dy oxide", "AU", "MY", 800.0, 350.0],
    ["iluka", "Dy oxide", "AU", "AU", 500.0, 400.0],
    ["recyc", "Dy oxide", "JP", "JP", 200.0, 420.0],
]
DEMAND = [["product", "demand_t"], ["Dy oxide", 1000.0]]


def _workbook(path: Path, offers: list[list[object]] = OFFERS) -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "offers"
    for row in offers:
        ws.append(row)
    demand = book.create_sheet("demand")
    for row in DEMAND:
        demand.append(row)
    return book


def _problems(path: Path, **kwargs: object) -> str:
    with pytest.raises(reopt.InputError) as info:
        reopt.read_market(path, **kwargs)
    return str(info.value)


# --- 1. cells that are not values never mean "empty" (and so never "unlimited") -------------
def test_the_workbook_reads_when_every_cell_is_a_value(tmp_path: Path):
    path = tmp_path / "offers.xlsx"
    _workbook(path).save(path)
    market = reopt.read_market(path)
    assert market.n_offers == 4
    assert reopt.solve(market, china_cap=0).cost_usd == pytest.approx(
        (800 * 350 + 200 * 400) * 1000, rel=1e-9
    )


@pytest.mark.parametrize("code", ["#N/A", "#DIV/0!", "#REF!", "#VALUE!"])
def test_an_error_cell_is_not_unlimited(tmp_path: Path, code: str):
    path = tmp_path / "offers.xlsx"
    book = _workbook(path)
    cell = book["offers"]["E4"]  # iluka's capacity_t
    cell.value, cell.data_type = code, "e"
    book.save(path)
    text = _problems(path)
    assert f"sheet 'offers' row 4, capacity_t: error cell {code}" in text


def test_cells_that_are_not_values_in_every_column(tmp_path: Path):
    path = tmp_path / "offers.xlsx"
    book = _workbook(path)
    ws = book["offers"]
    ws["F2"].value, ws["F2"].data_type = "#N/A", "e"  # a price
    ws["C3"] = "=B2*2"  # a country, formula with no saved value
    ws["E5"] = "='[other.xlsx]Sheet1'!A1"  # an external link, no saved value
    ws["B4"] = None
    ws.merge_cells("B3:B4")  # product of row 4 is the merged cell below B3
    book.save(path)
    text = _problems(path)
    assert "sheet 'offers' row 2, price_usd_per_kg: error cell #N/A" in text
    assert "row 3, country: formula =B2*2 with no saved value (open and save the file" in text
    assert "row 5, capacity_t: formula ='[other.xlsx]Sheet1'!A1 with no saved value" in text
    assert "sheet 'offers' row 4, product: part of merged range B3:B4" in text
    assert "missing value" not in text  # the reading problem is the one reported


def test_a_formula_with_a_saved_value_is_that_value(tmp_path: Path):
    path = tmp_path / "offers.xlsx"
    book = _workbook(path)
    book["offers"]["E3"] = "=E4+300"
    book.save(path)
    saved = tmp_path / "saved.xlsx"  # as Excel saves it: the formula and its value
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(saved, "w") as out:
        for name in src.namelist():
            data = src.read(name)
            if name.endswith("sheet1.xml"):
                data = data.replace(b"<f>E4+300</f><v />", b"<f>E4+300</f><v>800</v>")
                assert b"<v>800</v>" in data
            out.writestr(name, data)
    offers = reopt.read_market(saved).offers
    assert offers.loc[offers["source"] == "lynas", "capacity_t"].item() == 800.0
    assert "formula =E4+300 with no saved value" in _problems(path)


def test_a_merged_range_in_a_number_column(tmp_path: Path):
    path = tmp_path / "offers.xlsx"
    book = _workbook(path)
    ws = book["offers"]
    ws["E4"] = ws["E5"] = None
    ws.merge_cells("E3:E5")
    book.save(path)
    text = _problems(path)
    assert "row 4, capacity_t: part of merged range E3:E5" in text
    assert "row 5, capacity_t: part of merged range E3:E5" in text
    assert "row 3, capacity_t" not in text


def test_a_truly_empty_cell_is_still_unlimited(tmp_path: Path):
    path = tmp_path / "offers.xlsx"
    book = _workbook(path)
    book["offers"]["E3"] = None
    book.save(path)
    offers = reopt.read_market(path).offers
    assert offers.loc[offers["source"] == "lynas", "capacity_t"].item() == float("inf")


# --- 2. headers as written ------------------------------------------------------------------
def test_a_repeated_header_names_both_places(tmp_path: Path):
    (tmp_path / "offers.csv").write_text(
        "source,product,country,price_usd_per_kg,capacity_t,price_usd_per_kg\ncn,A,CN,10,,99\n",
        encoding="utf-8",
    )
    (tmp_path / "demand.csv").write_text("product,demand_t\nA,1\n", encoding="utf-8")
    text = _problems(tmp_path)
    assert "price_usd_per_kg: column appears more than once (field 4 and field 6)" in text
    path = tmp_path / "offers.xlsx"
    rows = [[*OFFERS[0], "price_usd_per_kg"], *[[*r, 1.0] for r in OFFERS[1:]]]
    _workbook(path, rows).save(path)
    assert "more than once (column F and column G)" in _problems(path)


@pytest.mark.parametrize(
    "name", ["price_usd_per_kg ", "price_usd_per_kg\u00a0", " price_usd_per_kg"]
)
def test_a_header_with_stray_spaces_is_the_known_column(tmp_path: Path, name: str):
    (tmp_path / "offers.csv").write_text(
        f'source,product,country,capacity_t,"{name}"\ncn,A,CN,,10\n', encoding="utf-8"
    )
    (tmp_path / "demand.csv").write_text("product,demand_t\nA,1\n", encoding="utf-8")
    assert reopt.read_market(tmp_path).offers["price_usd_per_kg"].tolist() == [10.0]
    path = tmp_path / "offers.xlsx"
    _workbook(path, [[*OFFERS[0][:5], name], *OFFERS[1:]]).save(path)
    assert reopt.read_market(path).n_offers == 4


# --- 3. the right sheet, and the line or row a user sees ------------------------------------
def test_two_sheets_that_could_be_offers(tmp_path: Path):
    path = tmp_path / "offers.xlsx"
    book = _workbook(path)
    book["offers"].sheet_state = "hidden"
    visible = book.create_sheet("Offers ")
    for row in OFFERS:
        visible.append(row)
    book.save(path)
    text = _problems(path)
    assert "more than one sheet could be 'offers': 'offers' (hidden), 'Offers ' (visible)" in text


def test_csv_lines_after_blank_lines_and_multi_line_cells(tmp_path: Path):
    (tmp_path / "offers.csv").write_text(
        "source,product,country,capacity_t,price_usd_per_kg\n"
        "cn,A,CN,,10\n"
        "\n"
        '"a source\nwith a long name",A,AU,5,11\n'
        "\n"
        "jp,A,JP,5,ten\n",
        encoding="utf-8",
    )
    (tmp_path / "demand.csv").write_text("product,demand_t\n\nA,-1\n", encoding="utf-8")
    text = _problems(tmp_path)
    assert "offers.csv line 7, price_usd_per_kg='ten': not a number" in text
    assert "demand.csv line 3, demand_t=" in text


def test_excel_rows_after_blank_rows(tmp_path: Path):
    path = tmp_path / "offers.xlsx"
    rows = [OFFERS[0], OFFERS[1], [None] * 6, [None] * 6, [*OFFERS[2][:5], "ten"]]
    _workbook(path, rows).save(path)
    assert "sheet 'offers' row 5, price_usd_per_kg='ten': not a number" in _problems(path)


# --- 4. a corrupt workbook is an InputError -------------------------------------------------
def test_corrupt_workbooks(tmp_path: Path):
    good = tmp_path / "good.xlsx"
    _workbook(good).save(good)
    broken_xml = tmp_path / "broken_xml.xlsx"
    missing_part = tmp_path / "missing_part.xlsx"
    with zipfile.ZipFile(good) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    with zipfile.ZipFile(broken_xml, "w") as out:
        for name, data in parts.items():
            out.writestr(name, data[: len(data) // 2] if name.endswith("sheet1.xml") else data)
    with zipfile.ZipFile(missing_part, "w") as out:
        for name, data in parts.items():
            if not name.endswith("sheet1.xml"):
                out.writestr(name, data)
    not_zip = tmp_path / "not_zip.xlsx"
    not_zip.write_bytes(b"PK\x03\x04 not really a zip")
    for path in (broken_xml, missing_part, not_zip):
        text = _problems(path)
        assert "not a readable Excel workbook" in text, path
        assert "save it again" in text


# --- 5. a scenario may start with a byte-order mark -----------------------------------------
def test_toml_with_a_byte_order_mark(tmp_path: Path):
    reopt.write_market(reopt.datasets.japan_2025(), tmp_path)
    path = tmp_path / "scenario.toml"
    path.write_text('\ufefffolder = "."\nchina_cap = 0.6\n', encoding="utf-8")
    assert reopt.read_scenario(path).china_cap == 0.6


# --- 6. a scenario's paths stay in its folder; unreadable content is never echoed -----------
@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A scenario folder, and a secret market next to it (outside it)."""
    secret = tmp_path / "secret"
    reopt.write_market(reopt.datasets.japan_2025(), secret)
    (tmp_path / "scenario").mkdir()
    return tmp_path / "scenario"


@pytest.mark.parametrize(
    "text",
    [
        'offers = "../secret/offers.csv"\ndemand = "../secret/demand.csv"\n',
        'folder = "../secret"\n',
        'folder = "{secret}"\n',
        'offers = "../../../../../../../../etc/os-release"\ndemand = "../secret/demand.csv"\n',
    ],
)
def test_scenario_paths_stay_in_its_folder(outside: Path, text: str):
    path = outside / "s.toml"
    path.write_text(text.format(secret=outside.parent / "secret"), encoding="utf-8")
    message = _problems(path)
    assert "is outside the scenario's folder" in message
    assert "offers: is outside" in message or "folder: is outside" in message
    assert "allow_outside=True" in message
    assert "NAME=" not in message
    if "os-release" not in text:
        assert reopt.read_market(path, allow_outside=True).n_offers > 0


def test_a_symlink_out_of_the_folder_is_outside(outside: Path):
    for table in ("offers", "demand"):
        os.symlink(outside.parent / "secret" / f"{table}.csv", outside / f"{table}.csv")
    (outside / "s.toml").write_text('folder = "."\n', encoding="utf-8")
    assert "offers.csv, folder: is outside the scenario's folder" in _problems(outside / "s.toml")
    (outside / "t.toml").write_text('offers = "offers.csv"\ndemand = "demand.csv"\n')
    assert "is outside the scenario's folder" in _problems(outside / "t.toml")
    assert reopt.read_market(outside / "t.toml", allow_outside=True).n_offers > 0


def test_the_cli_flag_allows_outside(outside: Path, capsys: pytest.CaptureFixture[str]):
    from reopt.cli.app import main

    (outside / "s.toml").write_text('folder = "../secret"\n', encoding="utf-8")
    argv = ["whatif", str(outside / "s.toml"), "--scale-price", "CN=1,1.1"]
    assert main(argv) != 0
    assert "outside the scenario's folder" in capsys.readouterr().err
    assert main([*argv, "--allow-outside"]) == 0


def test_unreadable_csv_content_is_never_quoted(tmp_path: Path):
    (tmp_path / "offers.csv").write_text(
        'source,product\ncn,A\n"secret-token-123,A\n', encoding="utf-8"
    )
    (tmp_path / "demand.csv").write_text("product,demand_t\nA,1\nsecret-token-456,A,B\n")
    text = _problems(tmp_path)
    assert "secret-token" not in text
    assert "offers.csv: a quoted value that starts on line 3 is never closed" in text
    assert "demand.csv line 3: more fields than the header (2)" in text
