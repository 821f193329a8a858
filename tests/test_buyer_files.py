"""Files as buyers have them: semicolons and decimal commas, tabs, unsaved formulas, words for
"no limit", and column names in other units."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import reopt
from reopt.cli import main

openpyxl = pytest.importorskip("openpyxl")

HEADER = ["source", "product", "country", "capacity_t", "price_usd_per_kg"]
ROWS = [["china", "Dy oxide", "CN", "", "300.5"], ["lynas", "Dy oxide", "AU", "800", "350.25"]]


def _folder(tmp_path: Path, offers: str, demand: str, name: str = "market") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "offers.csv").write_text(offers, encoding="utf-8")
    (folder / "demand.csv").write_text(demand, encoding="utf-8")
    return folder


def _european(tmp_path: Path, price: str = "350,25", demand: str = "1000,5") -> Path:
    offers = (
        "source;product;country;refined_in;kind;capacity_t;price_usd_per_kg\n"
        "china;Dy oxide;CN;CN;mine;;300,5\n"
        f"lynas;Dy oxide;AU;MY;mine;800;{price}\n"
    )
    return _folder(tmp_path, offers, f"product;demand_t\nDy oxide;{demand}\n")


def _dialect(path: Path) -> tuple[str, str]:
    """(delimiter, decimal mark) of the CSV file at ``path``."""
    from reopt.data.csvfiles import csv_dialect

    found = csv_dialect(path)
    return found.delimiter, found.decimal


def _problems(call) -> list[reopt.Problem]:
    with pytest.raises(reopt.InputError) as info:
        call()
    return list(info.value.problems)


# --- 1. the delimiter and the decimal mark ---------------------------------------------------
def test_semicolons_with_decimal_commas_are_read_as_numbers(tmp_path: Path):
    market = reopt.read_market(_european(tmp_path))
    assert market.offers["price_usd_per_kg"].tolist() == [300.5, 350.25]
    assert market.offers["capacity_t"].tolist() == [math.inf, 800.0]
    assert market.demand["demand_t"].tolist() == [1000.5]


def test_thousands_dots_with_a_decimal_comma(tmp_path: Path):
    folder = _european(tmp_path, price="1.350,25", demand="1.000.000")
    market = reopt.read_market(folder)
    assert market.offers["price_usd_per_kg"].tolist() == [300.5, 1350.25]
    assert market.demand["demand_t"].tolist() == [1_000_000.0]


def test_a_dot_that_could_mark_thousands_is_refused_not_guessed(tmp_path: Path):
    found = _problems(lambda: reopt.read_market(_european(tmp_path, price="1.234")))
    assert len(found) == 1
    problem = found[0]
    assert problem.where.endswith("offers.csv line 3")
    assert (problem.column, problem.value) == ("price_usd_per_kg", "1.234")
    assert "ambiguous" in problem.rule and "decimal commas" in problem.rule
    assert "write 1234" in problem.hint and "1,234" in problem.hint


def test_a_decimal_point_among_decimal_commas_is_refused(tmp_path: Path):
    found = _problems(lambda: reopt.read_market(_european(tmp_path, price="350.25")))
    assert [(p.column, p.value) for p in found] == [("price_usd_per_kg", "350.25")]
    assert "decimal point" in found[0].rule and "350,25" in found[0].hint


def test_semicolons_with_decimal_points(tmp_path: Path):
    offers = "\n".join(";".join(r) for r in [HEADER, *ROWS]) + "\n"
    folder = _folder(tmp_path, offers, "product;demand_t\nDy oxide;1.5\n")
    scenario = reopt.read_scenario(folder)
    assert scenario.market.offers["price_usd_per_kg"].tolist() == [300.5, 350.25]
    assert scenario.market.demand["demand_t"].tolist() == [1.5]
    assert {str(d) for d in scenario.dialects.values()} == {"semicolon-separated"}


def test_semicolons_with_whole_numbers_only_and_a_dot_of_thousands(tmp_path: Path):
    offers = "source;product;country;capacity_t;price_usd_per_kg\nchina;Dy oxide;CN;1.200;300\n"
    folder = _folder(tmp_path, offers, "product;demand_t\nDy oxide;1000\n")
    found = _problems(lambda: reopt.read_market(folder))
    assert [(p.column, p.value) for p in found] == [("capacity_t", "1.200")]
    assert "thousands separator or a decimal point" in found[0].rule


def test_a_tab_separated_file(tmp_path: Path):
    offers = "\n".join("\t".join(r) for r in [HEADER, *ROWS]) + "\n"
    folder = _folder(tmp_path, offers, "product\tdemand_t\nDy oxide\t1000\n")
    scenario = reopt.read_scenario(folder)
    assert scenario.market.offers["price_usd_per_kg"].tolist() == [300.5, 350.25]
    assert str(scenario.dialects[str(folder / "offers.csv")]) == "tab-separated"


def test_semicolons_inside_quoted_text_keep_a_file_comma_separated(tmp_path: Path):
    offers = (
        "source,product,country,capacity_t,price_usd_per_kg,note\n"
        'china,Dy oxide,CN,,300.5,"ask; then; wait"\n'
        'lynas,Dy oxide,AU,800,350.25,"a;b"\n'
    )
    folder = _folder(tmp_path, offers, "product,demand_t\nDy oxide,1000\n")
    assert _dialect(folder / "offers.csv") == (",", ".")
    market = reopt.read_market(folder)
    assert market.offers["note"].tolist() == ["ask; then; wait", "a;b"]


def test_a_file_of_one_column_with_semicolons_in_its_text(tmp_path: Path):
    folder = _folder(tmp_path, "\n".join(",".join(r) for r in [HEADER, *ROWS]), "x")
    (folder / "demand.csv").write_text("product,demand_t\nDy oxide,1000\n", encoding="utf-8")
    (folder / "sources.csv").write_text("source\nchina\nlynas;x\n", encoding="utf-8")
    assert _dialect(folder / "sources.csv") == (",", ".")
    assert reopt.read_market(folder).sources["source"].tolist() == ["china", "lynas;x"]


def test_an_extra_field_in_a_semicolon_file_names_semicolons(tmp_path: Path):
    folder = _european(tmp_path, price="350,25;oops")
    found = _problems(lambda: reopt.read_market(folder))
    assert any("more fields than the header" in p.rule for p in found)
    assert all("semicolons" in p.hint for p in found if "more fields" in p.rule)


# --- 2. how each file was read, in Python and in `reopt validate` -----------------------------
def test_the_dialect_is_told_from_python(tmp_path: Path):
    folder = _european(tmp_path)
    assert _dialect(folder / "offers.csv") == (";", ",")
    dialects = reopt.read_scenario(folder).dialects
    assert {Path(k).name: str(v) for k, v in dialects.items()} == {
        "offers.csv": "semicolon-separated with decimal commas",
        "demand.csv": "semicolon-separated with decimal commas",
    }


def test_validate_says_how_each_csv_was_read(tmp_path: Path, capsys):
    european = _european(tmp_path)
    plain = reopt.datasets.export("japan_2025", tmp_path / "japan")
    assert main(["validate", str(european), str(plain)]) == 0
    out = capsys.readouterr().out
    assert f"{european / 'offers.csv'}: read as semicolon-separated with decimal commas" in out
    assert f"{plain / 'offers.csv'}: read as comma-separated" in out
    assert f"{european}: valid." in out and f"{plain}: valid." in out


def test_validate_checks_every_path_and_exits_2_if_one_is_bad(tmp_path: Path, capsys):
    bad = _european(tmp_path, price="1.234")
    plain = reopt.datasets.export("japan_2025", tmp_path / "japan")
    assert main(["validate", str(bad), str(plain)]) == 2
    out, err = capsys.readouterr()
    assert f"{plain}: valid." in out
    assert "price_usd_per_kg='1.234': ambiguous" in err


# --- 3. formulas without a saved value -------------------------------------------------------
def test_an_unsaved_formula_is_named_with_how_to_store_its_value(tmp_path: Path):
    path = tmp_path / "market.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "offers"
    for row in [HEADER, *ROWS]:
        ws.append([float(v) if v.replace(".", "").isdigit() else (v or None) for v in row])
    ws["D3"] = "=400*2"
    demand = book.create_sheet("demand")
    demand.append(["product", "demand_t"])
    demand.append(["Dy oxide", 1000])
    book.save(path)
    found = _problems(lambda: reopt.read_market(path))
    assert len(found) == 1
    assert found[0].column == "capacity_t" and found[0].where.endswith("row 3")
    assert "formula =400*2" in found[0].rule and "missing value" not in found[0].rule
    assert "open and save the file in Excel" in found[0].hint


# --- 4. words for "no limit" in capacity_t ---------------------------------------------------
WORDS = ["unlimited", "Unlimited", "UNLIMITED", "∞", "no limit", "No-Limit"]


def _offers_frame(capacity: object, price: object = 350.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["china", "lynas"],
            "product": ["Dy oxide"] * 2,
            "country": ["CN", "AU"],
            "capacity_t": [capacity, 800.0],
            "price_usd_per_kg": [300.0, price],
        }
    )


DEMAND = pd.DataFrame({"product": ["Dy oxide"], "demand_t": [1000.0]})


@pytest.mark.parametrize("word", WORDS)
@pytest.mark.parametrize("given", ["csv", "xlsx", "frame"])
def test_a_word_for_no_limit_is_an_unlimited_capacity(tmp_path: Path, word: str, given: str):
    offers = _offers_frame(word)
    if given == "frame":
        market = reopt.Market(offers, DEMAND)
    elif given == "csv":
        folder = tmp_path / "m"
        folder.mkdir()
        offers.to_csv(folder / "offers.csv", index=False)
        DEMAND.to_csv(folder / "demand.csv", index=False)
        market = reopt.read_market(folder)
    else:
        path = tmp_path / "m.xlsx"
        with pd.ExcelWriter(path) as writer:
            offers.to_excel(writer, sheet_name="offers", index=False)
            DEMAND.to_excel(writer, sheet_name="demand", index=False)
        market = reopt.read_market(path)
    assert market.offers["capacity_t"].tolist() == [math.inf, 800.0]


def test_a_word_for_no_limit_is_refused_in_prices_and_demand():
    found = _problems(lambda: reopt.Market(_offers_frame(None, "unlimited"), DEMAND))
    assert [(p.column, p.rule) for p in found] == [("price_usd_per_kg", "not a number")]
    assert "only capacity_t can be unlimited" in found[0].hint
    demand = DEMAND.assign(demand_t=["no limit"])
    found = _problems(lambda: reopt.Market(_offers_frame(None), demand))
    assert [(p.column, p.value) for p in found] == [("demand_t", "no limit")]


def test_a_decimal_comma_in_a_comma_file_is_not_read_as_thousands():
    found = _problems(lambda: reopt.Market(_offers_frame(None, "350,25"), DEMAND))
    assert "write 350.25" in found[0].hint and "35025" not in found[0].hint


def test_a_thousands_comma_gets_both_readings_in_its_hint():
    found = _problems(lambda: reopt.Market(_offers_frame("1,000"), DEMAND))
    hint = found[0].hint
    assert "remove the thousands separator: 1000" in hint
    assert "decimal comma, write 1.000" in hint and "semicolon-separated" in hint


# --- 5. column names in other units ----------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "known", "hint"),
    [
        (
            "price_usd_per_t",
            "price_usd_per_kg",
            "prices are given in USD per kg: column price_usd_per_kg (divide USD/t by 1,000)",
        ),
        (
            "price_usd",
            "price_usd_per_kg",
            "prices are given in USD per kg: column price_usd_per_kg",
        ),
        ("capacity_kg", "capacity_t", "capacities are given in tonnes: column capacity_t "),
        ("price_usd_per_lb", "price_usd_per_kg", "(multiply USD/lb by 2.20462)"),
    ],
)
def test_a_column_in_other_units_is_never_suggested(given: str, known: str, hint: str):
    offers = _offers_frame(None).rename(columns={known: given})
    found = _problems(lambda: reopt.Market(offers, DEMAND))
    missing = [p for p in found if p.column == known]
    assert len(missing) == 1 and "missing" in missing[0].rule
    assert "did you mean" not in str(reopt.InputError(found))
    assert hint in missing[0].hint


def test_a_renamed_price_column_in_a_file_gets_the_conversion(tmp_path: Path, capsys):
    offers = "source,product,country,capacity_t,price_usd_per_t\nchina,Dy oxide,CN,,300000\n"
    folder = _folder(tmp_path, offers, "product,demand_t\nDy oxide,1000\n")
    assert main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "price_usd_per_kg: required column is missing" in err
    assert "(divide USD/t by 1,000)" in err
    assert "did you mean 'price_usd_per_t'" not in err


@pytest.mark.parametrize("text", ["nan", "NaN", " -nan "])
@pytest.mark.parametrize("column", ["capacity_t", "price_usd_per_kg"])
def test_a_cell_spelling_nan_is_not_read_as_blank(text, column):
    """A blank capacity means unlimited: text that spells NaN must not become one."""
    offers = pd.DataFrame(
        [("a", "A", "CN", "mine", 10.0, 1.0), ("b", "A", "AU", "mine", 5.0, 2.0)],
        columns=["source", "product", "country", "kind", "capacity_t", "price_usd_per_kg"],
    ).astype({column: object})
    offers.loc[0, column] = text
    with pytest.raises(reopt.InputError) as err:
        reopt.Market(offers, pd.DataFrame({"product": ["A"], "demand_t": [10.0]}))
    (problem,) = err.value.problems
    assert (problem.column, problem.value, problem.rule) == (column, text, "not a number")
    assert "leave the cell empty" in problem.hint
