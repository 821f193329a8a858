"""Reading markets from CSV folders, Excel workbooks and TOML scenarios; writing plans."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import reopt


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    reopt.write_market(reopt.datasets.japan_2025(), tmp_path / "data")
    return tmp_path / "data"


def test_folder_round_trip(folder: Path):
    original = reopt.datasets.japan_2025()
    again = reopt.read_market(folder)
    assert again.n_offers == original.n_offers
    a = reopt.solve(original, china_cap=0.6)
    b = reopt.solve(again, china_cap=0.6)
    assert b.cost_usd == pytest.approx(a.cost_usd, rel=1e-12)


def test_workbook(tmp_path: Path):
    market = reopt.datasets.japan_2025()
    path = tmp_path / "market.xlsx"
    with pd.ExcelWriter(path) as writer:
        market.offers.to_excel(writer, sheet_name="offers", index=False)
        market.demand.to_excel(writer, sheet_name="demand", index=False)
    again = reopt.read_market(path)
    assert reopt.solve(again, china_cap=0.6).cost_usd == pytest.approx(
        reopt.solve(market, china_cap=0.6).cost_usd, rel=1e-12
    )


def test_workbook_missing_sheet_and_bad_cell(tmp_path: Path):
    path = tmp_path / "market.xlsx"
    offers = pd.DataFrame(
        {
            "source": ["cn"],
            "product": ["A"],
            "country": ["CN"],
            "capacity_t": [None],
            "price_usd_per_kg": ["ten"],
        }
    )
    with pd.ExcelWriter(path) as writer:
        offers.to_excel(writer, sheet_name="offers", index=False)
    with pytest.raises(reopt.InputError, match="no sheet named 'demand'"):
        reopt.read_market(path)
    with pd.ExcelWriter(path) as writer:
        offers.to_excel(writer, sheet_name="offers", index=False)
        pd.DataFrame({"product": ["A"], "demand_t": [1]}).to_excel(
            writer, sheet_name="demand", index=False
        )
    with pytest.raises(reopt.InputError) as info:
        reopt.read_market(path)
    assert f"{path} sheet 'offers' row 2, price_usd_per_kg='ten': not a number" in str(info.value)


def test_corrupt_workbook(tmp_path: Path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"this is not a zip file")
    with pytest.raises(reopt.InputError, match=r"not a readable Excel workbook"):
        reopt.read_market(path)


def test_toml_scenario(folder: Path, tmp_path: Path):
    path = tmp_path / "scenario.toml"
    path.write_text(
        'name = "crma"\n'
        'folder = "data"\n'
        "china_cap = 0.6\n"
        "[[policies]]\n"
        "cap_share = 0.65\n"
        'each = "country"\n'
        "[[policies]]\n"
        "min_share = 0.01\n"
        'kind = "recycler"\n'
        'product = ["NdPr oxide"]\n',
        encoding="utf-8",
    )
    scenario = reopt.read_scenario(path)
    assert scenario.china_cap == 0.6
    assert [p.name for p in scenario.policies] == [
        "cap_share(0.65, each='country')",
        "min_share(0.01, kind='recycler', product='NdPr oxide')",
    ]
    plan = reopt.solve(scenario.market, china_cap=scenario.china_cap, policies=scenario.policies)
    assert plan.status is reopt.Status.OPTIMAL


def test_toml_tables_by_file(folder: Path):
    path = folder / "scenario.toml"
    path.write_text(
        'offers = "offers.csv"\ndemand = "demand.csv"\nsources = "sources.csv"\n', encoding="utf-8"
    )
    assert reopt.read_market(path).n_offers == reopt.datasets.japan_2025().n_offers


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('folder = "data"\nchina_cap = 60\n', "did you mean 0.6?"),
        ('folder = "data"\nchina-cap = 0.6\n', "unknown key"),
        ('folder = "data"\n[[policies]]\ncap_share = 0.6\ncountry = "China"\n', "'CN'"),
        ('folder = "data"\n[[policies]]\ncountry = "CN"\n', "exactly one of cap_share"),
        (
            'folder = "data"\n[[policies]]\ncap_share = 0.6\ncountri = "CN"\n',
            "did you mean 'country'?",
        ),
        ('folder = "data"\nworkbook = "x.xlsx"\n', "names tables twice"),
        ("china_cap = 0.6\n", "names no tables"),
        ("folder = [unclosed\n", "not valid TOML"),
    ],
)
def test_toml_problems(folder: Path, text: str, fragment: str):
    path = folder.parent / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(reopt.InputError, match=None) as info:
        reopt.read_scenario(path)
    assert fragment in str(info.value)


def test_file_level_problems(tmp_path: Path):
    with pytest.raises(reopt.InputError, match="no such file or folder"):
        reopt.read_market(tmp_path / "nowhere")
    (tmp_path / "market.json").write_text("{}", encoding="utf-8")
    with pytest.raises(reopt.InputError, match=r"cannot read \.json files"):
        reopt.read_market(tmp_path / "market.json")
    (tmp_path / "offer.csv").write_text("source\n", encoding="utf-8")
    with pytest.raises(reopt.InputError) as info:
        reopt.read_market(tmp_path)
    assert "offers.csv: missing (did you mean offer.csv?)" in str(info.value)
    assert "demand.csv: missing" in str(info.value)


def test_malformed_and_non_utf8_csv(tmp_path: Path):
    (tmp_path / "offers.csv").write_text("source,product\ncn,A,extra,fields\n", encoding="utf-8")
    (tmp_path / "demand.csv").write_bytes("product,demand_t\nDysprosium \xe9,1\n".encode("latin-1"))
    with pytest.raises(reopt.InputError) as info:
        reopt.read_market(tmp_path)
    text = str(info.value)
    assert "offers.csv line 2: more fields than the header (2)" in text
    assert "demand.csv: not UTF-8 text (line 2)" in text
    assert "Dysprosium" not in text  # a file that cannot be read is never quoted


def test_plan_to_csv_and_excel(tmp_path: Path):
    plan = reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6)
    plan.to_csv(tmp_path / "plan.csv")
    back = pd.read_csv(tmp_path / "plan.csv")
    assert back["cost_usd"].sum() == pytest.approx(plan.cost_usd)
    plan.to_excel(tmp_path / "plan.xlsx")
    sheets = pd.read_excel(tmp_path / "plan.xlsx", sheet_name=None)
    assert {"Summary", "Orders", "Shares", "Binding limits", "Shadow prices"} <= set(sheets)


def test_infeasible_plan_to_excel(tmp_path: Path):
    plan = reopt.solve(reopt.datasets.japan_2025(), china_cap=0.0)
    plan.to_excel(tmp_path / "plan.xlsx")
    sheets = pd.read_excel(tmp_path / "plan.xlsx", sheet_name=None)
    assert set(sheets) == {"Summary", "Infeasibility"}
