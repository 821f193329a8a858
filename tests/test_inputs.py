"""Hostile inputs: every one raises one InputError that names the cell; nothing deeper leaks.

And valid inputs that naive parsing breaks (Namibia's "NA", Norway's "NO") must pass.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import reopt


def good_offers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["cn", "au", "na_mine"],
            "product": ["NdPr oxide"] * 3,
            "country": ["CN", "AU", "NA"],
            "kind": ["refinery", "mine", "mine"],
            "capacity_t": [None, 500.0, 100.0],
            "price_usd_per_kg": [69.0, 90.0, 80.0],
        }
    )


def good_demand() -> pd.DataFrame:
    return pd.DataFrame({"product": ["NdPr oxide"], "demand_t": [1000.0]})


def with_cell(table: pd.DataFrame, row: int, column: str, value: object) -> pd.DataFrame:
    out = table.astype({column: object}) if column in table.columns else table.copy()
    out.loc[row, column] = value
    return out


def market(offers=None, demand=None, sources=None) -> reopt.Market:
    return reopt.Market(
        good_offers() if offers is None else offers,
        good_demand() if demand is None else demand,
        sources,
    )


# (id, call that must raise, fragments that the problem's text must contain)
CASES = [
    (
        "nan price",
        lambda: market(with_cell(good_offers(), 1, "price_usd_per_kg", np.nan)),
        ["offers row 1", "price_usd_per_kg", "missing value"],
    ),
    (
        "inf price",
        lambda: market(with_cell(good_offers(), 1, "price_usd_per_kg", np.inf)),
        ["offers row 1", "price_usd_per_kg", "must be finite"],
    ),
    (
        "negative price",
        lambda: market(with_cell(good_offers(), 0, "price_usd_per_kg", -1.0)),
        ["offers row 0", "price_usd_per_kg=-1.0", ">= 0"],
    ),
    (
        "subnormal demand",
        lambda: market(demand=with_cell(good_demand(), 0, "demand_t", 2.2e-313)),
        ["demand row 0", "demand_t=2.2e-313", "too small to compute with", "give 0"],
    ),
    (
        "subnormal price as text",
        lambda: market(with_cell(good_offers(), 2, "price_usd_per_kg", "1e-320")),
        ["offers row 2", "price_usd_per_kg='1e-320'", "subnormal"],
    ),
    (
        "negative capacity",
        lambda: market(with_cell(good_offers(), 1, "capacity_t", -5)),
        ["offers row 1", "capacity_t", ">= 0"],
    ),
    (
        "text in price",
        lambda: market(with_cell(good_offers(), 2, "price_usd_per_kg", "eighty")),
        ["offers row 2", "price_usd_per_kg='eighty'", "not a number"],
    ),
    (
        "thousands separator",
        lambda: market(with_cell(good_offers(), 1, "capacity_t", "1,200")),
        ["capacity_t='1,200'", "remove the thousands separator: 1200"],
    ),
    (
        "unit in cell",
        lambda: market(with_cell(good_offers(), 1, "price_usd_per_kg", "90 $/kg")),
        ["price_usd_per_kg='90 $/kg'", "write the number only (90)"],
    ),
    (
        "percent in demand",
        lambda: market(demand=with_cell(good_demand(), 0, "demand_t", "35%")),
        ["demand row 0", "demand_t='35%'", "without '%'"],
    ),
    (
        "bool in number",
        lambda: market(with_cell(good_offers(), 1, "capacity_t", True)),
        ["capacity_t=True", "not True/False"],
    ),
    (
        "nan demand",
        lambda: market(demand=with_cell(good_demand(), 0, "demand_t", np.nan)),
        ["demand row 0", "demand_t", "missing value"],
    ),
    (
        "inf demand",
        lambda: market(demand=with_cell(good_demand(), 0, "demand_t", math.inf)),
        ["demand row 0", "demand_t=inf", "must be finite"],
    ),
    (
        "negative demand",
        lambda: market(demand=with_cell(good_demand(), 0, "demand_t", -3)),
        ["demand row 0", "demand_t=-3", ">= 0"],
    ),
    (
        "duplicate offer",
        lambda: market(pd.concat([good_offers(), good_offers().iloc[[1]]], ignore_index=True)),
        ["offers row 3", "source, product", "duplicate key", "same as offers row 1"],
    ),
    (
        "duplicate demand",
        lambda: market(demand=pd.concat([good_demand()] * 2, ignore_index=True)),
        ["demand row 1", "duplicate key"],
    ),
    (
        "demand nobody offers",
        lambda: market(
            demand=pd.DataFrame({"product": ["NdPr oxide", "Dy oxide"], "demand_t": [1.0, 2.0]})
        ),
        ["demand row 1", "product='Dy oxide'", "nobody offers 'Dy oxide'"],
    ),
    (
        "misspelt product",
        lambda: market(demand=pd.DataFrame({"product": ["NdPr oxyde"], "demand_t": [1.0]})),
        ["nobody offers", "did you mean 'NdPr oxide'?"],
    ),
    (
        "china_cap 35",
        lambda: reopt.solve(market(), china_cap=35),
        ["china_cap=35", "fraction in [0, 1]", "did you mean 0.35?"],
    ),
    (
        "china_cap negative",
        lambda: reopt.solve(market(), china_cap=-0.1),
        ["china_cap=-0.1", "fraction in [0, 1]"],
    ),
    (
        "china_cap text",
        lambda: reopt.solve(market(), china_cap="160%"),
        ["china_cap='160%'", "[0%, 100%]"],
    ),
    ("empty offers", lambda: market(good_offers().iloc[:0]), ["offers", "no rows"]),
    ("empty demand", lambda: market(demand=good_demand().iloc[:0]), ["demand", "no rows"]),
    (
        "not a dataframe",
        lambda: reopt.Market([("cn", "A")], good_demand()),
        ["offers", "expected a pandas DataFrame, got list"],
    ),
    (
        "missing column",
        lambda: market(good_offers().drop(columns="price_usd_per_kg")),
        ["price_usd_per_kg", "required column is missing"],
    ),
    (
        "misspelt column",
        lambda: market(good_offers().rename(columns={"capacity_t": "capacity"})),
        ["capacity_t", "required column is missing", "did you mean 'capacity'?"],
    ),
    (
        "misspelt optional column",
        lambda: market(good_offers().assign(min_order=1.0)),
        ["min_order", "did you mean 'min_order_t'?"],
    ),
    (
        "unknown country code",
        lambda: market(with_cell(good_offers(), 1, "country", "XX")),
        ["offers row 1", "country='XX'", "not an ISO 3166-1 alpha-2"],
    ),
    (
        "country name",
        lambda: market(with_cell(good_offers(), 0, "country", "China")),
        ["country='China'", "use the ISO 3166-1 alpha-2 code 'CN' for China"],
    ),
    (
        "blank source",
        lambda: market(with_cell(good_offers(), 2, "source", "  ")),
        ["offers row 2", "source", "missing value"],
    ),
    (
        "unknown kind",
        lambda: market(with_cell(good_offers(), 1, "kind", "miner")),
        ["kind='miner'", "unknown kind", "did you mean 'mine'?"],
    ),
    (
        "min order above capacity",
        lambda: market(good_offers().assign(min_order_t=[0, 600, 0])),
        ["offers row 1", "min_order_t=600", "larger than capacity_t=500"],
    ),
    (
        "period only in offers",
        lambda: market(good_offers().assign(period=2026)),
        ["demand", "offers has a period column but demand has none"],
    ),
    (
        "mixed period types",
        lambda: market(
            good_offers().assign(period=pd.Series([2026, "Q1", 2026], dtype=object)),
            good_demand().assign(period=2026),
        ),
        ["offers row 1", "period='Q1'", "all integers or all text"],
    ),
    (
        "demand period not offered",
        lambda: market(
            good_offers().assign(period=2026),
            pd.DataFrame(
                {"product": ["NdPr oxide"] * 2, "period": [2026, 2027], "demand_t": [1, 1]}
            ),
        ),
        ["demand row 1", "nobody offers 'NdPr oxide' in period 2027"],
    ),
    (
        "source missing from sources table",
        lambda: market(
            good_offers().drop(columns=["country", "kind"]),
            sources=pd.DataFrame({"source": ["cn", "au"], "country": ["CN", "AU"]}),
        ),
        ["offers row 2", "source='na_mine'", "not in the sources table"],
    ),
    (
        "sources conflict",
        lambda: market(good_offers(), sources=pd.DataFrame({"source": ["cn"], "country": ["AU"]})),
        ["offers row 0", "country='CN'", "differs from the sources table"],
    ),
    (
        "policy share 60",
        lambda: reopt.cap_share(60, country="CN"),
        ["cap_share", "share=60", "did you mean 0.6?"],
    ),
    ("policy without filter", lambda: reopt.cap_share(0.5), ["selects every offer"]),
    (
        "policy bad each",
        lambda: reopt.cap_share(0.5, each="planet"),
        ["each='planet'", "must be one of"],
    ),
    (
        "policy bad basis",
        lambda: reopt.min_share(0.5, kind="recycler", basis="weight"),
        ["basis='weight'", "must be one of"],
    ),
    (
        "policy country name",
        lambda: reopt.cap_share(0.5, country="China"),
        ["country='China'", "'CN'"],
    ),
    (
        "policy unknown source",
        lambda: reopt.solve(market(), policies=[reopt.cap_share(0.5, source="lynass")]),
        ["source='lynass'", "no offer has source"],
    ),
    (
        "not a policy",
        lambda: reopt.solve(market(), policies=["CN<=0.6"]),
        ["policies='CN<=0.6'", "not a policy"],
    ),
    ("not a market", lambda: reopt.solve(good_offers()), ["market='DataFrame'", "reopt.Market"]),
    (
        "bad options",
        lambda: reopt.SolverOptions(time_limit_s=-1, threads=0),
        ["time_limit_s=-1", "threads=0"],
    ),
    (
        "unknown solver",
        lambda: reopt.solve(market(), solver="gurobi-fast"),
        ["solver='gurobi-fast'", "unknown solver"],
    ),
    (
        "unknown HiGHS option",
        lambda: reopt.solve(market(), options=reopt.SolverOptions(extra={"no_such_option": 1})),
        ["no_such_option=1", "HiGHS rejected"],
    ),
]


@pytest.mark.parametrize(("call", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_input_names_the_cell(call, fragments):
    with pytest.raises(reopt.InputError) as info:
        call()
    err = info.value
    assert isinstance(err, ValueError)
    text = str(err)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    # a value as the table holds it, not numpy's repr of it (np.float64(600.0))
    assert not re.search(r"\bnp\.\w+\(", text), text
    for problem in err.problems:
        assert problem.table and problem.where and problem.rule


def test_there_are_at_least_25_hostile_cases():
    assert len({c[0] for c in CASES}) >= 25


def test_every_problem_is_listed_at_once():
    offers = good_offers()
    offers.loc[0, "price_usd_per_kg"] = -1
    offers.loc[1, "country"] = "XX"
    offers = offers.astype({"capacity_t": object})
    offers.loc[2, "capacity_t"] = "lots"
    demand = pd.DataFrame({"product": ["NdPr oxide", "Dy oxide"], "demand_t": [1.0, np.nan]})
    with pytest.raises(reopt.InputError) as info:
        reopt.Market(offers, demand)
    columns = sorted(p.column for p in info.value.problems)
    assert columns == ["capacity_t", "country", "demand_t", "price_usd_per_kg"]


def test_market_is_immutable_and_tables_are_copies():
    m = market()
    with pytest.raises(AttributeError):
        m.offers = None  # type: ignore[misc]
    table = m.offers
    table.loc[0, "price_usd_per_kg"] = 0.0
    assert m.offers.loc[0, "price_usd_per_kg"] == 69.0


def test_input_frames_are_not_modified():
    offers, demand = good_offers(), good_demand()
    before = offers.copy()
    reopt.solve(reopt.Market(offers, demand), china_cap=0.6)
    pd.testing.assert_frame_equal(offers, before)


def test_namibia_and_norway_survive_csv(tmp_path: Path):
    (tmp_path / "offers.csv").write_text(
        "source,product,country,refined_in,capacity_t,price_usd_per_kg\n"
        "cn,Dy oxide,CN,CN,,239\n"
        "lofdal,Dy oxide,NA,NA,50,300\n"
        "norway,Dy oxide,NO,NO,20,310\n",
        encoding="utf-8",
    )
    (tmp_path / "demand.csv").write_text("product,demand_t\nDy oxide,100\n", encoding="utf-8")
    m = reopt.read_market(tmp_path)
    assert set(m.offers["country"]) == {"CN", "NA", "NO"}
    plan = reopt.solve(m, china_cap=0.3)
    assert plan.shares("country").loc["Dy oxide", "NA"] == pytest.approx(0.5)


def test_csv_problems_use_file_line_numbers(tmp_path: Path):
    (tmp_path / "offers.csv").write_text(
        "source,product,country,capacity_t,price_usd_per_kg\n"
        "cn,Dy oxide,CN,,239\n"
        "au,Dy oxide,Australia,50,-3\n",
        encoding="utf-8",
    )
    (tmp_path / "demand.csv").write_text("product,demand_t\nDy oxide,lots\n", encoding="utf-8")
    with pytest.raises(reopt.InputError) as info:
        reopt.read_market(tmp_path)
    text = str(info.value)
    assert f"{tmp_path / 'offers.csv'} line 3, country='Australia'" in text
    assert f"{tmp_path / 'offers.csv'} line 3, price_usd_per_kg='-3': must be >= 0" in text
    assert f"{tmp_path / 'demand.csv'} line 2, demand_t='lots': not a number" in text


def test_lowercase_codes_and_padded_text_are_accepted():
    offers = good_offers()
    offers["country"] = [" cn", "au ", "na"]
    offers["kind"] = ["Refinery", "MINE", "mine"]
    offers["product"] = ["NdPr oxide ", " NdPr oxide", "NdPr oxide"]
    m = reopt.Market(offers, good_demand())
    assert list(m.offers["country"]) == ["CN", "AU", "NA"]
    assert list(m.offers["kind"]) == ["refinery", "mine", "mine"]


def test_integer_ids_become_text():
    offers = good_offers().assign(source=[101, 102, 103])
    m = reopt.Market(offers, good_demand())
    assert list(m.offers["source"]) == ["101", "102", "103"]
