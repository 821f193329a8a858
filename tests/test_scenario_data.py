"""Scenario tables: their checks, what they do to a market's offers, and reading them from files.

Golden cases of `ScenarioSet.factors` worked by hand (factors multiply, the longest delay
applies, offers no row matches keep 1 and 0), and hostile tables and files, each of which
must give one `reopt.InputError` naming the cell at fault.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import reopt
from reopt.data.scenario_files import read_scenarios
from reopt.data.scenarios import ScenarioSet


def scenarios(rows: list[tuple[object, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["scenario", "probability"])


CALM_HALT = scenarios([("calm", 0.75), ("halt", 0.25)])
LOST = pd.DataFrame({"product": ["A"], "value_usd_per_kg": [200.0]})


def problems_of(*args: object, **kwargs: object) -> tuple[reopt.errors.Problem, ...]:
    with pytest.raises(reopt.InputError) as info:
        ScenarioSet.from_tables(*args, **kwargs)  # type: ignore[arg-type]
    return info.value.problems


def only(problems: tuple[reopt.errors.Problem, ...], column: str) -> reopt.errors.Problem:
    found = [p for p in problems if p.column == column]
    assert len(found) == 1, problems
    return found[0]


# --- golden cases of factors --------------------------------------------------------------
def test_factors_multiply_longest_delay_and_defaults(three_suppliers: reopt.Market) -> None:
    """Offers cn (CN refinery), au (AU mine), us (US refinery); worked by hand."""
    changes = pd.DataFrame(
        {
            "scenario": ["halt", "squeeze", "squeeze", "squeeze", "squeeze"],
            "country": ["cn", None, "US", None, "us"],
            "kind": [None, "Refinery", None, None, None],
            "capacity_factor": [0.0, 0.5, 0.8, None, None],
            "price_factor": [None, 2.0, 1.5, None, 1.1],
            "delay_periods": [None, 1, 3, 2, None],
        }
    )
    sset = ScenarioSet.from_tables(
        scenarios([("calm", 0.5), ("halt", 0.2), ("squeeze", 0.3)]),
        changes,
        LOST,
        spot_premium=0.25,
    )
    f = sset.factors(three_suppliers)
    assert f.names == ("calm", "halt", "squeeze") and f.n_scenarios == 3
    np.testing.assert_array_equal(f.probability, [0.5, 0.2, 0.3])
    # cn: halt 0, squeeze (refinery) 0.5.  au: no capacity change.  us: 0.5 * 0.8.
    np.testing.assert_allclose(
        f.capacity_factor, [[1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [0.5, 1.0, 0.4]]
    )
    # us in squeeze: 2.0 (refinery) * 1.5 (US) * 1.1 (us) = 3.3
    np.testing.assert_allclose(f.price_factor, [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [2.0, 1.0, 3.3]])
    # the blank row (delay 2) matches every offer; us also has 1 and 3: the longest is 3
    np.testing.assert_array_equal(f.delay_periods, [[0, 0, 0], [0, 0, 0], [2, 2, 3]])
    assert f.delay_periods.dtype.kind == "i"
    np.testing.assert_array_equal(f.lost_usd_per_kg, [200.0])
    assert f.spot_premium == 0.25


def test_factors_on_japan_2025_follow_the_filters() -> None:
    market = reopt.datasets.japan_2025()
    offers = market.offers
    changes = pd.DataFrame(
        {
            "scenario": ["freeze", "freeze", "lynas"],
            "country": ["cn", "cn", None],
            "product": ["Dy oxide", "Tb oxide", None],
            "source": [None, None, "lynas_malaysia"],
            "capacity_factor": [0.0, 0.0, 0.25],
            "delay_periods": [None, None, 1],
        }
    )
    lost = pd.DataFrame({"product": list(market.products), "value_usd_per_kg": 1000.0})
    sset = ScenarioSet.from_tables(
        scenarios([("base", 0.8), ("freeze", 0.15), ("lynas", 0.05)]), changes, lost
    )
    f = sset.factors(market)
    frozen = (offers["country"] == "CN") & offers["product"].isin(["Dy oxide", "Tb oxide"])
    np.testing.assert_array_equal(f.capacity_factor[1], np.where(frozen, 0.0, 1.0))
    lynas = offers["source"] == "lynas_malaysia"
    np.testing.assert_array_equal(f.capacity_factor[2], np.where(lynas, 0.25, 1.0))
    np.testing.assert_array_equal(f.delay_periods[2], lynas.astype(int))
    assert (f.capacity_factor[0] == 1).all() and (f.price_factor == 1).all()
    assert f.lost_usd_per_kg.shape == (len(market.demand),)


def test_cleaned_tables_are_typed() -> None:
    changes = pd.DataFrame({"scenario": [" halt "], "kind": ["MINE"], "delay_periods": ["2"]})
    sset = ScenarioSet.from_tables(CALM_HALT, changes, LOST)
    assert sset.changes["delay_periods"].dtype == np.int64
    assert sset.changes["capacity_factor"].tolist() == [1.0]
    assert sset.changes["price_factor"].dtype == float
    assert sset.changes.loc[0, "kind"] == "mine" and sset.changes.loc[0, "scenario"] == "halt"
    assert sset.changes.loc[0, "country"] is None
    assert sset.scenarios["probability"].dtype == float
    assert sset.names == ("calm", "halt")


def test_no_changes_table_means_nothing_changes(three_suppliers: reopt.Market) -> None:
    f = ScenarioSet.from_tables(scenarios([("only", 1.0)]), None, LOST).factors(three_suppliers)
    assert f.capacity_factor.tolist() == [[1.0, 1.0, 1.0]]
    assert f.delay_periods.tolist() == [[0, 0, 0]]


# --- hostile tables --------------------------------------------------------------------------
def test_probabilities_not_summing_to_one_name_the_rows_and_sum() -> None:
    (p,) = problems_of(scenarios([("a", 0.5), ("b", 0.4)]), None, LOST)
    assert p.where == "scenarios rows 0, 1" and p.column == "probability"
    assert math.isclose(p.value, 0.9)  # type: ignore[arg-type]
    assert "sum to 1" in p.rule and "0.1 too little" in p.hint


def test_probabilities_within_tolerance_pass_and_just_outside_fail() -> None:
    ScenarioSet.from_tables(scenarios([("a", 0.5), ("b", 0.5 + 5e-10)]), None, LOST)
    problems_of(scenarios([("a", 0.5), ("b", 0.5 + 5e-9)]), None, LOST)


@pytest.mark.parametrize(("value", "rule"), [(-0.1, ">= 0"), (1.5, "<= 1"), ("x", "number")])
def test_bad_probability_is_named(value: object, rule: str) -> None:
    found = problems_of(scenarios([("a", 1.0), ("b", value)]), None, LOST)
    p = only(found, "probability")
    assert p.where == "scenarios row 1" and rule in p.rule


@pytest.mark.parametrize(("value", "rule"), [(-1, ">= 0"), (1.5, "whole number"), ("1.5", "whole")])
def test_bad_delay_is_named(value: object, rule: str) -> None:
    changes = pd.DataFrame({"scenario": ["halt", "halt"], "delay_periods": [1, value]})
    p = only(problems_of(CALM_HALT, changes, LOST), "delay_periods")
    assert p.where == "changes row 1" and rule in p.rule and p.value == value


def test_unknown_country_code_and_kind_in_a_filter() -> None:
    changes = pd.DataFrame({"scenario": ["halt"], "country": ["XX"], "kind": ["miner"]})
    found = problems_of(CALM_HALT, changes, LOST)
    assert "ISO 3166-1" in only(found, "country").rule
    kind = only(found, "kind")
    assert kind.where == "changes row 0" and "'mine'" in kind.hint


def test_duplicate_scenario_name() -> None:
    p = only(problems_of(scenarios([("a", 0.5), (" a", 0.5)]), None, LOST), "scenario")
    assert p.where == "scenarios row 1" and "duplicate" in p.rule and "row 0" in p.hint


def test_change_for_unknown_scenario() -> None:
    changes = pd.DataFrame({"scenario": ["hlat"], "country": ["CN"]})
    p = only(problems_of(CALM_HALT, changes, LOST), "scenario")
    assert p.table == "changes" and p.value == "hlat" and "'halt'" in p.hint


def test_unknown_column_gets_did_you_mean() -> None:
    changes = pd.DataFrame({"scenario": ["halt"], "capacity_factr": [0.5]})
    p = only(problems_of(CALM_HALT, changes, LOST), "capacity_factr")
    assert p.rule == "unknown column" and "'capacity_factor'" in p.hint


@pytest.mark.parametrize("value", [0.0, -5.0])
def test_zero_or_negative_value_of_lost_supply(value: float) -> None:
    lost = pd.DataFrame({"product": ["A"], "value_usd_per_kg": [value]})
    p = only(problems_of(CALM_HALT, None, lost), "value_usd_per_kg")
    assert p.where == "lost_supply row 0" and p.rule == "must be > 0"


def test_price_factor_zero_refused_capacity_factor_zero_allowed() -> None:
    ScenarioSet.from_tables(CALM_HALT, pd.DataFrame({"scenario": ["halt"], "capacity_factor": [0]}))
    changes = pd.DataFrame({"scenario": ["halt"], "price_factor": [0]})
    assert only(problems_of(CALM_HALT, changes, LOST), "price_factor").rule == "must be > 0"


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("scenarios", "probability", math.nan),
        ("scenarios", "probability", math.inf),
        ("changes", "capacity_factor", math.inf),
        ("changes", "price_factor", -math.inf),
        ("changes", "delay_periods", math.inf),
        ("changes", "capacity_factor", "NaN"),
        ("lost_supply", "value_usd_per_kg", math.nan),
        ("lost_supply", "value_usd_per_kg", math.inf),
    ],
)
def test_nan_and_inf_are_refused(table: str, column: str, value: object) -> None:
    tables = {
        "scenarios": scenarios([("calm", 0.75), ("halt", 0.25)]),
        "changes": pd.DataFrame({"scenario": ["halt"], "country": ["CN"]}),
        "lost_supply": LOST.copy(),
    }
    frame = tables[table]
    frame[column] = frame[column].astype(object) if column in frame else None
    frame.loc[0, column] = value
    p = only(problems_of(tables["scenarios"], tables["changes"], tables["lost_supply"]), column)
    assert p.table == table and p.where == f"{table} row 0"


@pytest.mark.parametrize("premium", [-0.1, math.nan, math.inf, True, "0.5"])
def test_bad_spot_premium(premium: object) -> None:
    p = only(problems_of(CALM_HALT, None, LOST, spot_premium=premium), "spot_premium")
    assert p.value is premium


def test_empty_or_missing_scenarios_table() -> None:
    (p,) = problems_of(scenarios([]), None, LOST)
    assert p.table == "scenarios" and "no rows" in p.rule
    (p,) = problems_of(None, None, LOST)
    assert p.table == "scenarios" and p.rule == "missing"
    (p,) = problems_of([("a", 1.0)], None, LOST)
    assert "DataFrame" in p.rule


def test_every_problem_in_one_error() -> None:
    changes = pd.DataFrame({"scenario": ["nope"], "country": ["XX"], "delay_periods": [-1]})
    lost = pd.DataFrame({"product": ["A", "A"], "value_usd_per_kg": [1.0, 0.0]})
    found = problems_of(scenarios([("a", 1.0), ("a", -1.0)]), changes, lost)
    assert {p.table for p in found} == {"scenarios", "changes", "lost_supply"}
    assert len(found) >= 7


def test_filter_matching_nothing_names_the_row(three_suppliers: reopt.Market) -> None:
    changes = pd.DataFrame(
        {
            "scenario": ["halt", "halt", "halt", "halt"],
            "country": ["CN", "DE", None, "AU"],
            "source": [None, None, "cm", None],
            "kind": [None, None, None, "refinery"],
        }
    )
    sset = ScenarioSet.from_tables(CALM_HALT, changes, LOST)
    with pytest.raises(reopt.InputError) as info:
        sset.factors(three_suppliers)
    found = {p.where: p for p in info.value.problems}
    assert set(found) == {"changes row 1", "changes row 2", "changes row 3"}
    assert found["changes row 1"].value == "DE" and "AU, CN, US" in found["changes row 1"].hint
    assert "'cn'" in found["changes row 2"].hint  # did you mean
    assert "kind mine" in found["changes row 3"].hint  # AU offers are mines


def test_missing_value_of_lost_supply(three_suppliers: reopt.Market) -> None:
    lost = pd.DataFrame({"product": ["B"], "value_usd_per_kg": [100.0]})
    sset = ScenarioSet.from_tables(CALM_HALT, None, lost)
    with pytest.raises(reopt.InputError) as info:
        sset.factors(three_suppliers)
    (p,) = info.value.problems
    assert (p.table, p.column, p.value) == ("lost_supply", "product", "A")
    assert "add a row to lost_supply" in p.hint


# --- files -----------------------------------------------------------------------------------
def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def csv_folder(
    tmp_path: Path, changes: str = "scenario,country,capacity_factor\nhalt,cn,0\n"
) -> Path:
    write(tmp_path, "scenarios.csv", "scenario,probability\ncalm,0.75\nhalt,0.25\n")
    write(tmp_path, "changes.csv", changes)
    write(tmp_path, "lost_supply.csv", "product,value_usd_per_kg\nA,200\n")
    return tmp_path


def file_problems(path: Path, **kwargs: object) -> tuple[reopt.errors.Problem, ...]:
    with pytest.raises(reopt.InputError) as info:
        read_scenarios(path, **kwargs)  # type: ignore[arg-type]
    return info.value.problems


def test_csv_folder_reads_and_applies(tmp_path: Path, three_suppliers: reopt.Market) -> None:
    sset = read_scenarios(csv_folder(tmp_path))
    f = sset.factors(three_suppliers)
    assert f.names == ("calm", "halt")
    assert f.capacity_factor.tolist() == [[1, 1, 1], [0, 1, 1]]


def test_csv_problems_name_file_and_line(tmp_path: Path) -> None:
    changes = "scenario,country,delay_periods\nhalt,CN,1\n\nhalt,AU,1.5\nhalt,XX,-1\n"
    found = file_problems(csv_folder(tmp_path, changes))
    where = {(p.where, p.column) for p in found}
    name = str(tmp_path / "changes.csv")
    assert where == {
        (f"{name} line 4", "delay_periods"),
        (f"{name} line 5", "country"),
        (f"{name} line 5", "delay_periods"),
    }


def test_csv_filter_matching_nothing_names_the_line(
    tmp_path: Path, three_suppliers: reopt.Market
) -> None:
    sset = read_scenarios(csv_folder(tmp_path, "scenario,country\nhalt,CN\nhalt,DE\n"))
    with pytest.raises(reopt.InputError) as info:
        sset.factors(three_suppliers)
    (p,) = info.value.problems
    assert p.where == f"{tmp_path / 'changes.csv'} line 3" and p.value == "DE"


def test_semicolon_csv_with_decimal_commas(tmp_path: Path) -> None:
    csv_folder(tmp_path, "scenario;price_factor\nhalt;2,5\n")
    write(tmp_path, "scenarios.csv", "scenario;probability\ncalm;0,75\nhalt;0,25\n")
    sset = read_scenarios(tmp_path)
    assert sset.scenarios["probability"].tolist() == [0.75, 0.25]
    assert sset.changes["price_factor"].tolist() == [2.5]


def test_missing_files_and_wrong_paths(tmp_path: Path) -> None:
    write(tmp_path, "scenario.csv", "scenario,probability\ncalm,1\n")
    found = file_problems(tmp_path)
    assert {p.where for p in found} == {
        str(tmp_path / "scenarios.csv"),
        str(tmp_path / "lost_supply.csv"),
    }
    assert any("did you mean scenario.csv" in p.hint for p in found)
    assert file_problems(tmp_path / "nothing")[0].rule == "no such file or folder"
    assert "folder" in file_problems(tmp_path / "scenario.csv")[0].hint


def test_probabilities_in_a_file_name_its_lines(tmp_path: Path) -> None:
    csv_folder(tmp_path)
    write(tmp_path, "scenarios.csv", "scenario,probability\ncalm,0.7\nhalt,0.25\n")
    (p,) = file_problems(tmp_path)
    assert p.where == f"{tmp_path / 'scenarios.csv'} lines 2, 3"


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)


def test_workbook_reads_and_names_rows(tmp_path: Path) -> None:
    path = tmp_path / "risk.xlsx"
    sheets: dict[str, list[list[object]]] = {
        "scenarios": [["scenario", "probability"], ["calm", 0.75], ["halt", 0.25]],
        "lost_supply": [["product", "value_usd_per_kg"], ["A", 200]],
    }
    _workbook(path, sheets)  # no changes sheet: nothing changes
    assert read_scenarios(path).names == ("calm", "halt")
    sheets["changes"] = [["scenario", "country", "delay_periods"], ["halt", "CN", 1.5]]
    _workbook(path, sheets)
    (p,) = file_problems(path)
    assert p.where == f"{path} sheet 'changes' row 2" and p.column == "delay_periods"
    del sheets["lost_supply"]
    _workbook(path, sheets)
    assert "no sheet named 'lost_supply'" in file_problems(path)[0].rule


def test_toml_inline_tables_and_maps(tmp_path: Path, three_suppliers: reopt.Market) -> None:
    path = tmp_path / "risk.toml"
    path.write_text(
        "spot_premium = 0.2\nlost_supply = {A = 300}\nscenarios = {calm = 0.75, halt = 0.25}\n"
        '[[changes]]\nscenario = "halt"\ncountry = "cn"\ncapacity_factor = 0.5\n',
        encoding="utf-8",
    )
    f = read_scenarios(path).factors(three_suppliers)
    assert f.spot_premium == 0.2 and f.lost_usd_per_kg.tolist() == [300.0]
    assert f.capacity_factor.tolist() == [[1, 1, 1], [0.5, 1, 1]]


def test_toml_problems_name_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text(
        "lost_supply = {A = 0}\nspot_premium = -1\nsenarios = 1\n"
        '[[scenarios]]\nscenario = "calm"\nprobability = 0.75\n'
        '[[scenarios]]\nscenario = "calm"\nprobability = 0.25\n',
        encoding="utf-8",
    )
    found = {(p.where, p.column): p for p in file_problems(path)}
    assert set(found) == {
        (str(path), "senarios"),
        (str(path), "spot_premium"),
        (f"{path} lost_supply row 'A'", "value_usd_per_kg"),
        (f"{path} scenarios entry 2", "scenario"),
    }
    assert "'scenarios'" in found[(str(path), "senarios")].hint


def test_toml_points_at_a_folder_inside_only(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    csv_folder(tmp_path / "data")
    path = tmp_path / "risk.toml"
    path.write_text('folder = "data"\nspot_premium = 0\n', encoding="utf-8")
    sset = read_scenarios(path)
    assert sset.names == ("calm", "halt") and sset.spot_premium == 0.0
    path.write_text('folder = "data"\nlost_supply = {A = 1}\n', encoding="utf-8")
    (p,) = file_problems(path)
    assert p.column == "lost_supply" and "given twice" in p.rule
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "risk.toml").write_text('folder = "../data"\n', encoding="utf-8")
    (p,) = file_problems(inner / "risk.toml")
    assert "outside" in p.rule and p.column == "folder"
    assert read_scenarios(inner / "risk.toml", allow_outside=True).names == ("calm", "halt")


def test_toml_broken_or_empty(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text("scenarios = [\n", encoding="utf-8")
    assert "not valid TOML" in file_problems(path)[0].rule
    path.write_text("scenarios = []\nlost_supply = [1]\n", encoding="utf-8")
    found = file_problems(path)
    assert {p.where for p in found} == {f"{path} lost_supply entry 1"}
    path.write_text("spot_premium = 0.5\n", encoding="utf-8")
    assert {p.column for p in file_problems(path)} == {"scenarios", "lost_supply"}
    path.write_text("scenarios = []\nlost_supply = {A = 1}\n", encoding="utf-8")
    (p,) = file_problems(path)
    assert p.where == f"{path} scenarios" and "no rows" in p.rule


def test_cells_with_several_values_are_refused_not_crashed(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text(
        'lost_supply = [{product = "A", value_usd_per_kg = 100, notes = "assumed: 20x price"}]\n'
        "scenarios = {calm = 0.5, halt = 0.5}\n"
        '[[changes]]\nscenario = "halt"\ncountry = ["CN", "MM"]\ndelay_periods = 1979-05-27\n',
        encoding="utf-8",
    )
    found = {p.column: p for p in file_problems(path)}
    assert set(found) == {"country", "delay_periods"}
    assert found["country"].where == f"{path} changes entry 1"
    assert found["country"].rule == "expected one value"
    changes = pd.DataFrame({"scenario": ["halt"], "kind": [{"mine"}]})
    assert only(problems_of(CALM_HALT, changes, LOST), "kind").rule == "expected one value"


def test_notes_columns_are_kept() -> None:
    changes = pd.DataFrame({"scenario": ["halt"], "description": ["licence freeze"]})
    lost = LOST.assign(notes="assumption: 20x the price")
    sset = ScenarioSet.from_tables(CALM_HALT, changes, lost)
    assert sset.changes["description"].tolist() == ["licence freeze"]
    assert sset.lost_supply["notes"].tolist() == ["assumption: 20x the price"]


def test_rows_are_named_by_plain_index_labels() -> None:
    table = pd.DataFrame(
        {"scenario": ["a", "b"], "probability": [0.5, -0.5]}, index=np.array([7, 9], dtype=np.int64)
    )
    p = only(problems_of(table, None, LOST), "probability")
    assert p.where == "scenarios row 9"


def test_absurd_delay_is_refused_not_overflowed() -> None:
    changes = pd.DataFrame({"scenario": ["halt"], "delay_periods": [1e30]})
    p = only(problems_of(CALM_HALT, changes, LOST), "delay_periods")
    assert "at most" in p.rule and "capacity_factor = 0" in p.hint


def test_citation_and_basis_columns_are_notes() -> None:
    lost = LOST.assign(citation="USGS-2025", basis="assumption", price_citation="x")
    sset = ScenarioSet.from_tables(CALM_HALT, None, lost)
    assert sset.lost_supply["price_citation"].tolist() == ["x"]
    p = only(problems_of(CALM_HALT, None, LOST.assign(citations="x")), "citations")
    assert p.rule == "unknown column"


def test_bundled_scenario_folders_read_as_files() -> None:
    from importlib import resources

    market = reopt.datasets.japan_2025()
    with resources.as_file(resources.files("reopt.datasets") / "japan_2025_scenarios") as path:
        sset = read_scenarios(path)
    f = sset.factors(market)
    expected = reopt.datasets.japan_2025_scenarios().factors(market)
    np.testing.assert_array_equal(f.capacity_factor, expected.capacity_factor)
    np.testing.assert_array_equal(f.lost_usd_per_kg, expected.lost_usd_per_kg)
