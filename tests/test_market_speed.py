"""Building a Market on integer codes: the same problems and tables as row-by-row checks.

Validation codes each label column once and checks repeated keys, the sources join and the
offered (product, period) pairs on the integers. These tests hold those fast paths to
row-by-row references, and check that a column kept as given is never shared with a table
the user can still change.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reopt
from reopt.bench import market_build
from reopt.data.cells import TableOrigin, duplicate_problems
from reopt.data.validation import validate
from reopt.datasets.synthetic import synthetic_tables
from reopt.errors import ProblemList

ORIGINS = {name: TableOrigin(name) for name in ("offers", "demand", "sources", "stock")}
NAMES = st.sampled_from(["a", "b", " a", "A", None, 7])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(NAMES, NAMES, st.sampled_from([1, 2, None])), min_size=1, max_size=30))
def test_repeated_keys_on_codes_match_pandas(rows):
    """Keys repeated on the integer codes are the rows pandas' duplicated finds, in order."""
    frame = pd.DataFrame(rows, columns=["source", "product", "period"], dtype=object)
    keys = list(frame.columns)
    codes = [pd.factorize(frame[k].to_numpy(dtype=object))[0].astype(np.int64) for k in keys]
    fast, slow = ProblemList(), ProblemList()
    duplicate_problems(frame, keys, frame, "offers", ORIGINS["offers"], fast, codes)
    duplicate_problems(frame, keys, frame, "offers", ORIGINS["offers"], slow)
    assert fast.items == slow.items and (bool(slow) == (len(frame) > len(frame.drop_duplicates())))


def _reference_join(offers: pd.DataFrame, sources: pd.DataFrame) -> tuple[list, list]:
    """Row by row: each offer's country, refined_in and kind, and the conflicting cells."""
    first = {}
    for _, row in sources.iterrows():
        first.setdefault(row["source"], row)
    values, conflicts = [], []
    for i, row in offers.iterrows():
        known = first.get(row["source"])
        out = {}
        for col in ("country", "refined_in", "kind"):
            mine = row.get(col)
            mine = None if pd.isna(mine) else mine
            theirs = None if known is None or col not in sources else known[col]
            theirs = None if pd.isna(theirs) else theirs
            if mine is not None and theirs is not None and mine != theirs:
                conflicts.append((i, col))
            out[col] = mine if mine is not None else theirs
        out["refined_in"] = out["refined_in"] or out["country"]
        out["kind"] = out["kind"] or "other"
        values.append(out)
    return values, conflicts


COUNTRIES = st.sampled_from(["CN", "AU", "us", None])
KINDS = st.sampled_from(["mine", "Recycler", None])


@settings(max_examples=100, deadline=None)
@given(
    offers=st.lists(
        st.tuples(st.sampled_from(["s1", "s2", "s3"]), COUNTRIES, COUNTRIES, KINDS),
        min_size=1,
        max_size=12,
    ),
    sources=st.lists(
        st.tuples(
            st.sampled_from(["s1", "s2", "s4"]), st.sampled_from(["CN", "au"]), COUNTRIES, KINDS
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_sources_join_on_codes_matches_a_row_by_row_join(offers, sources):
    """Filled labels, conflicts and refusals as a per-row join gives them, or one error."""
    columns = ["source", "country", "refined_in", "kind"]
    off = pd.DataFrame(offers, columns=columns, dtype=object)
    off["product"] = [f"p{i}" for i in range(len(off))]
    off["capacity_t"], off["price_usd_per_kg"] = 10.0, 1.0
    src = pd.DataFrame(sources, columns=columns, dtype=object).drop_duplicates("source")
    demand = pd.DataFrame({"product": off["product"], "demand_t": 1.0})
    upper = {"country", "refined_in"}

    def clean(col, v):
        return None if v is None else v.upper() if col in upper else v.lower()

    off_clean = off.assign(**{c: off[c].map(lambda v, c=c: clean(c, v)) for c in columns[1:]})
    src_clean = src.assign(**{c: src[c].map(lambda v, c=c: clean(c, v)) for c in columns[1:]})
    values, conflicts = _reference_join(off_clean, src_clean)
    unknown = [i for i, v in enumerate(values) if v["country"] is None]
    try:
        market = reopt.Market(off, demand, src)
    except reopt.InputError as err:
        found = {(p.where, p.column) for p in err.problems}
        expected = {(f"offers row {i}", col) for i, col in conflicts}
        expected |= {(f"offers row {i}", "source") for i in unknown}
        assert found == expected
        return
    assert not conflicts and not unknown
    table = market.offers
    for col in ("country", "refined_in", "kind"):
        assert table[col].tolist() == [v[col] for v in values]
        labels = market.encoded.labels[col].tolist()
        assert labels == list(dict.fromkeys(table[col]))  # in the order rows show them
        assert (np.asarray(labels, dtype=object)[market.encoded.codes[col]] == table[col]).all()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["X", "Y", " X"]), st.sampled_from([2025, 2026, 2027])),
        min_size=1,
        max_size=10,
    ),
    st.lists(
        st.tuples(st.sampled_from(["X", "Y", "Z"]), st.sampled_from([2025, 2026])), max_size=6
    ),
)
def test_demand_nobody_offers_is_found_on_codes(offered, demanded):
    """The demand rows refused are those whose (product, period) no offer has."""
    off = pd.DataFrame(offered, columns=["product", "period"]).drop_duplicates()
    off["source"] = [f"s{i}" for i in range(len(off))]
    off = off.assign(country="CN", capacity_t=1.0, price_usd_per_kg=1.0)
    dem = pd.DataFrame(demanded or [("X", 2025)], columns=["product", "period"])
    dem = dem.drop_duplicates().assign(demand_t=0.0)
    pairs = {(p.strip(), t) for p, t in zip(off["product"], off["period"], strict=True)}
    missing = [
        i
        for i, key in enumerate(zip(dem["product"], dem["period"], strict=True))
        if key not in pairs
    ]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", reopt.ReoptWarning)  # offered, not demanded
            reopt.Market(off.reset_index(drop=True), dem.reset_index(drop=True))
    except reopt.InputError as err:
        assert sorted(int(p.where.split()[-1]) for p in err.problems) == missing
        return
    assert not missing


def test_a_label_column_kept_as_given_does_not_follow_later_changes():
    """A clean column shared with the user's table must not change when that table does."""
    offers, demand = synthetic_tables(200, seed=3)
    market = reopt.Market(offers, demand)
    before = market.offers
    offers.loc[0, "source"] = "changed"
    offers.loc[1, "country"] = "JP"
    offers["kind"] = "spot"
    pd.testing.assert_frame_equal(market.offers, before)
    assert market.offers["source"].iloc[0] != "changed"


def test_labels_needing_cleaning_are_cleaned_and_coded_once():
    """Spaces and case are cleaned per distinct value; codes point at the clean labels."""
    offers = pd.DataFrame(
        {
            "source": ["a", " a", "b"],
            "product": ["P", "P ", "P"],
            "country": ["cn", "CN", "au"],
            "capacity_t": [1.0, 2.0, 3.0],
            "price_usd_per_kg": [1.0, 2.0, 3.0],
        }
    )
    with pytest.raises(reopt.InputError, match="duplicate key"):
        reopt.Market(offers, pd.DataFrame({"product": ["P"], "demand_t": [1.0]}))
    offers.loc[1, "source"] = "c"
    market = reopt.Market(offers, pd.DataFrame({"product": ["P"], "demand_t": [1.0]}))
    assert market.offers["country"].tolist() == ["CN", "CN", "AU"]
    assert market.encoded.labels["country"].tolist() == ["CN", "AU"]
    assert market.encoded.codes["country"].tolist() == [0, 0, 1]
    assert market.offers["refined_in"].tolist() == ["CN", "CN", "AU"]
    assert market.offers["kind"].tolist() == ["other"] * 3


def test_validate_reports_the_seconds_of_each_part():
    offers, demand = synthetic_tables(300, n_periods=3, seed=0)
    timings: dict[str, float] = {}
    validate(offers, demand, None, ORIGINS, timings=timings)
    assert set(timings) == {"headers", "cells", "cross", "magnitudes", "encode"}
    assert all(seconds >= 0 for seconds in timings.values())


def test_the_market_build_benchmark_prints_its_table(capsys):
    market_build.main(["--offers", "300", "--periods", "1", "3", "--repeat", "1", "--no-memory"])
    out = capsys.readouterr().out
    assert "Market()" in out and "compile" in out
    assert out.count("\n       300 ") == 2


def test_the_memory_case_runs_in_a_fresh_process():
    total, held, _after = market_build.peak_mb("reopt", 300, 1)
    assert total >= held > 0
