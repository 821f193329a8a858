"""The bundled datasets tell their story, and carry their provenance."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import reopt
from reopt.datasets import NAMES, export, readme


def china(plan: reopt.Plan) -> pd.Series:
    return plan.shares("country").get("CN", pd.Series(0.0, index=plan.market.products))


def test_japan_2025_at_a_60_percent_cap_is_optimal_and_held():
    market = reopt.datasets.japan_2025()
    assert {"NdPr oxide", "Dy oxide", "Tb oxide", "Ce oxide", "La oxide"} <= set(market.products)
    plan = reopt.solve(market, china_cap=0.6)
    assert plan.status is reopt.Status.OPTIMAL
    assert (china(plan) <= 0.6 + 1e-9).all()
    free = reopt.solve(market)
    assert plan.cost_usd > free.cost_usd
    # what the cap costs is reported as binding share prices
    binding = plan.shadow_prices.query("binding and unit == 'USD/pp'")
    assert len(binding) >= 1 and (binding["value_usd_per_pp"] > 0).all()


def test_japan_2025_without_china_is_infeasible_and_names_products():
    plan = reopt.solve(reopt.datasets.japan_2025(), china_cap=0.0)
    assert plan.status is reopt.Status.INFEASIBLE
    table = plan.infeasibility
    assert "NdPr oxide" in set(table["product"])
    assert (table["change_t"] > 0).all()
    text = plan.explain()
    assert "NdPr oxide: capacity outside country CN" in text


def test_japan_2010_tells_the_diversification_story():
    market = reopt.datasets.japan_2010()
    free = reopt.solve(market)
    tonnes = free.allocation
    share_free = tonnes.loc[tonnes["country"] == "CN", "tonnes"].sum() / tonnes["tonnes"].sum()
    assert 0.85 <= share_free <= 0.95  # "about 90%"
    capped = reopt.solve(market, china_cap=0.6)
    assert capped.status is reopt.Status.OPTIMAL
    assert (china(capped) <= 0.6 + 1e-9).all()
    assert capped.cost_usd > free.cost_usd
    planned = set(capped.allocation["source"]) - set(free.allocation["source"])
    assert planned, "the cap must bring in the planned non-China sources"


@pytest.mark.parametrize("name", NAMES)
def test_every_number_has_a_citation_and_a_basis(name):
    folder = reopt.datasets._folder(name)
    citations = set()
    for table, pairs in {
        "offers.csv": [("capacity_citation", "capacity_basis"), ("price_citation", "price_basis")],
        "demand.csv": [("citation", "basis")],
        "sources.csv": [("citation", "basis")],
    }.items():
        frame = pd.read_csv(folder.joinpath(table), keep_default_na=False, dtype=str)
        for cite, basis in pairs:
            assert (frame[cite].str.strip() != "").all(), (table, cite)
            assert set(frame[basis]) <= {"published", "derived", "assumption"}, (table, basis)
            for cell in frame[cite]:
                citations.update(k.strip() for k in cell.split(";"))
    text = readme(name)
    assert "## Assumptions" in text or "# Assumptions" in text
    for key in citations:
        assert key in text, f"{key} is used but not listed in the README"


@pytest.mark.parametrize("name", NAMES)
def test_export_is_a_template_that_reads_back(name, tmp_path: Path):
    out = export(name, tmp_path / name)
    assert {"offers.csv", "demand.csv", "README.md"} <= {p.name for p in out.iterdir()}
    assert reopt.read_market(out).n_offers == reopt.datasets.load(name).n_offers


def test_unknown_dataset():
    with pytest.raises(reopt.InputError, match="no such dataset"):
        reopt.datasets.load("japan_1990")


def test_available_lists_the_bundled_datasets():
    table = reopt.datasets.available()
    assert list(table["name"]) == list(NAMES)
    assert (table["offers"] > 0).all()


def test_synthetic_is_deterministic_and_feasible():
    a = reopt.datasets.synthetic(3000, n_periods=3, seed=7)
    b = reopt.datasets.synthetic(3000, n_periods=3, seed=7)
    pd.testing.assert_frame_equal(a.offers, b.offers)
    assert a.has_periods and a.periods == (1, 2, 3)
    plan = reopt.solve(a, china_cap=0.25)
    assert plan.status is reopt.Status.OPTIMAL
