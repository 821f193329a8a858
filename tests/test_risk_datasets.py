"""The bundled scenario sets and the yearly outlook: provenance, consistency with their markets."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import reopt
from reopt.datasets import NAMES, SCENARIO_NAMES, citations, readme, scenario_tables

BASES = {"published", "derived", "assumption"}
PAIRED = {"japan_2025_scenarios": "japan_2025", "japan_2010_scenarios": "japan_2010"}
FILTERS = ("country", "refined_in", "kind", "source", "product")
NEW_FOLDERS = {
    "japan_2025_scenarios": ("scenarios.csv", "changes.csv", "lost_supply.csv", "README.md"),
    "japan_2010_scenarios": ("scenarios.csv", "changes.csv", "lost_supply.csv", "README.md"),
    "japan_outlook": ("offers.csv", "demand.csv", "sources.csv", "README.md"),
}


def shipped(name: str) -> dict[str, pd.DataFrame]:
    """Every CSV table of a bundled folder, as text."""
    folder = resources.files("reopt.datasets").joinpath(name)
    return {
        f.name: pd.read_csv(f, keep_default_na=False, dtype=str)
        for f in folder.iterdir()
        if f.name.endswith(".csv")
    }


def keys_of(cell: str) -> set[str]:
    return {k.strip() for k in cell.split(";") if k.strip()}


def assumption_section(name: str) -> str:
    text = readme(name)
    start = text.index("## Assumptions")
    end = text.find("\n## ", start + 1)
    return text[start:end]


@pytest.mark.parametrize("name", [*SCENARIO_NAMES, "japan_outlook"])
def test_every_row_has_citations_and_a_basis(name):
    for table, frame in shipped(name).items():
        cites = [c for c in frame.columns if c == "citation" or c.endswith("_citation")]
        assert cites, f"{name}/{table} has no citation column"
        for cite in cites:
            basis = cite.replace("citation", "basis")
            assert basis in frame.columns, (table, basis)
            assert (frame[cite].str.strip() != "").all(), (table, cite)
            assert set(frame[basis]) <= BASES, (table, basis, set(frame[basis]) - BASES)
        assert (frame["notes"].str.strip() != "").all(), (table, "notes")


@pytest.mark.parametrize("name", [*NAMES, *SCENARIO_NAMES])
def test_every_citation_key_is_in_the_bundled_table_and_the_readme(name):
    known = set(citations()["citation_key"])
    text = readme(name)
    for table, frame in shipped(name).items():
        for col in [c for c in frame.columns if c == "citation" or c.endswith("_citation")]:
            for cell in frame[col]:
                for key in keys_of(cell):
                    assert key in known, f"{name}/{table}: {key} is not in citations.csv"
                    assert f"`{key}`" in text, f"{name}: {key} is not listed in the README"
    listed = re.findall(r"^- `([^`]+)`:", text[text.index("## Sources") :], flags=re.M)
    assert listed and set(listed) <= known


def test_citation_table_is_complete_and_unique():
    table = citations()
    assert table["citation_key"].is_unique
    assert (table[["title", "publisher", "year", "url"]] != "").all().all()


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_probabilities_sum_to_one(name):
    p = pd.to_numeric(scenario_tables(name)["scenarios"]["probability"])
    assert (p >= 0).all() and (p <= 1).all()
    assert abs(p.sum() - 1.0) <= 1e-9
    assert "baseline" in set(scenario_tables(name)["scenarios"]["scenario"])


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_every_change_row_matches_an_offer_of_its_market(name):
    offers = reopt.datasets.load(PAIRED[name]).offers
    changes = scenario_tables(name)["changes"]
    scenarios = set(scenario_tables(name)["scenarios"]["scenario"])
    assert len(changes) > 0
    for i, row in changes.iterrows():
        assert row["scenario"] in scenarios, (i, row["scenario"])
        mask = pd.Series(True, index=offers.index)
        for col in FILTERS:
            if row[col].strip():
                mask &= offers[col].astype(str) == row[col]
        assert mask.any(), f"{name} changes row {i} matches no offer of {PAIRED[name]}"


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_lost_supply_is_dearer_than_any_spot_tonne(name):
    """Running short must never be cheaper than buying spot where any is left."""
    market = reopt.datasets.load(PAIRED[name])
    scenarios = reopt.datasets.load_scenarios(name)
    factors = scenarios.factors(market)
    spot = (
        market.offers["price_usd_per_kg"].to_numpy()
        * (1 + factors.spot_premium)
        * factors.price_factor
    )
    lost = dict(zip(market.demand["product"], factors.lost_usd_per_kg, strict=True))
    for product, value in lost.items():
        mine = (market.offers["product"] == product).to_numpy()
        assert value > spot[:, mine].max(), product


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_every_assumption_is_in_the_readme(name):
    section = assumption_section(name)
    tables = scenario_tables(name)
    for table, key in (("scenarios", "scenario"), ("changes", "scenario")):
        frame = tables[table]
        bases = frame[[c for c in frame.columns if c.endswith("basis")]]
        for i in np.flatnonzero((bases == "assumption").any(axis=1)):
            assert f"`{frame[key].iloc[i]}`" in section, (table, i)
    for _, row in tables["lost_supply"].iterrows():
        assert row["basis"] == "assumption"  # no source gives a value of lost supply
        value = f"{float(row['value_usd_per_kg']):,.2f}"
        assert row["product"].split()[0] in section and value in readme(name)


def test_outlook_assumptions_are_tagged_and_in_the_readme():
    section = assumption_section("japan_outlook")
    tags = set()
    for frame in shipped("japan_outlook").values():
        for note in frame["notes"]:
            tags.update(re.findall(r"\bO\d+\b", note))
    assert tags, "the outlook's notes cite no assumption tag"
    for tag in sorted(tags):
        assert f"**{tag}." in section, f"{tag} is not explained in the README"
    sources = shipped("japan_outlook")["sources.csv"]
    for source in sources.loc[sources["basis"] == "assumption", "source"]:
        assert f"`{source}`" in readme("japan_outlook"), source


def test_loaders_return_checked_sets_that_apply_to_their_markets():
    for name, loader in (
        ("japan_2025_scenarios", reopt.datasets.japan_2025_scenarios),
        ("japan_2010_scenarios", reopt.datasets.japan_2010_scenarios),
    ):
        scenarios = loader()
        assert isinstance(scenarios, reopt.data.scenarios.ScenarioSet)
        market = reopt.datasets.load(PAIRED[name])
        factors = scenarios.factors(market)
        assert factors.capacity_factor.shape == (factors.n_scenarios, market.n_offers)
        assert factors.probability.sum() == pytest.approx(1.0, abs=1e-12)
        assert scenarios.changes["description"].str.contains(r"\[").all()
        base = scenarios.names.index("baseline")
        assert (factors.capacity_factor[base] == 1).all()
        assert (factors.price_factor[base] == 1).all()
    halt = reopt.datasets.japan_2025_scenarios()
    factors = halt.factors(reopt.datasets.japan_2025())
    china = (reopt.datasets.japan_2025().offers["country"] == "CN").to_numpy()
    row = halt.names.index("china_export_halt")
    assert (factors.capacity_factor[row, china] == 0).all()
    assert (factors.capacity_factor[row, ~china] == 1).all()
    lynas = (reopt.datasets.japan_2025().offers["refined_in"] == "MY").to_numpy()
    assert (factors.capacity_factor[halt.names.index("lynas_outage"), lynas] == 0.75).all()


def test_japan_outlook_is_yearly_and_optimal_at_a_60_percent_cap():
    market = reopt.datasets.japan_outlook()
    assert market.periods == tuple(range(2026, 2036))
    assert set(market.demand["period"]) == set(market.periods)
    plan = reopt.solve(market, china_cap=0.6)
    assert plan.status is reopt.Status.OPTIMAL
    shares = plan.shares("country")["CN"]
    assert (shares <= 0.6 + 1e-9).all()
    # today's offers are in every year
    today = reopt.datasets.japan_2025().offers
    for year in market.periods:
        offered = market.offers[market.offers["period"] == year]
        pairs = set(zip(offered["source"], offered["product"], strict=True))
        assert set(zip(today["source"], today["product"], strict=True)) <= pairs


def test_japan_outlook_has_the_five_regions_and_options_open_in_stated_years():
    offers = reopt.datasets.japan_outlook().offers
    assert {"CN", "AU", "KZ", "VN"} <= set(offers["country"])
    assert "recycler" in set(offers["kind"])
    zhana = offers[offers["source"] == "kazakhstan_zhana"]
    assert (zhana.loc[zhana["period"] < 2033, "capacity_t"] == 0).all()
    assert (zhana.loc[zhana["period"] >= 2033, "capacity_t"] > 0).all()
    assert "SPECULATIVE" in readme("japan_outlook")
    assert zhana["notes"].str.startswith("SPECULATIVE").all()
    hre = offers[offers["source"] == "lynas_hre_facility"]
    assert (hre.loc[hre["period"] < 2027, "capacity_t"] == 0).all()
    assert (hre.loc[hre["period"] >= 2028, "capacity_t"] > 0).all()
    demand = reopt.datasets.japan_outlook().demand.pivot(
        index="period", columns="product", values="demand_t"
    )
    assert (demand.diff().dropna() > 0).all().all()  # demand grows every year


def test_package_ships_the_data_files():
    root = resources.files("reopt.datasets")
    assert root.joinpath("citations.csv").is_file()
    for folder, files in NEW_FOLDERS.items():
        for file in files:
            assert root.joinpath(folder, file).is_file(), (folder, file)


def test_scenario_set_listing_and_unknown_names():
    table = reopt.datasets.scenario_sets()
    assert list(table["name"]) == list(SCENARIO_NAMES)
    assert list(table["scenarios"]) == [5, 2]
    assert "japan_outlook" in list(reopt.datasets.available()["name"])
    with pytest.raises(reopt.InputError, match="no such scenario set"):
        reopt.datasets.load_scenarios("japan_2025")
    with pytest.raises(reopt.InputError, match="no such dataset"):
        reopt.datasets.readme("japan_2030")


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_exported_scenario_set_reads_back(name, tmp_path: Path):
    from reopt.data.scenario_files import read_scenarios

    out = reopt.datasets.export(name, tmp_path / name)
    assert {"scenarios.csv", "changes.csv", "lost_supply.csv", "README.md"} <= {
        p.name for p in out.iterdir()
    }
    back = read_scenarios(out)
    loaded = reopt.datasets.load_scenarios(name)
    assert back.names == loaded.names
    market = reopt.datasets.load(PAIRED[name])
    np.testing.assert_array_equal(
        back.factors(market).capacity_factor, loaded.factors(market).capacity_factor
    )


def test_demo_runs_on_the_outlook(capsys):
    from reopt.cli import main

    code = main(["demo", "--dataset", "japan_outlook"])
    assert code == 0
    assert "2035" in capsys.readouterr().out
