"""Names and headers that look right but are not: each is normalised, or one InputError.

Invisible differences (no-break spaces, zero-width spaces, decomposed accents) must not make
an offer miss its demand; look-alike letters from another script, control characters,
broken headers and complex numbers must be refused with the cell named.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import reopt


def offers(**changes: object) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "source": ["cn", "au"],
            "product": ["NdPr oxide", "NdPr oxide"],
            "country": ["CN", "AU"],
            "capacity_t": [600.0, 600.0],
            "price_usd_per_kg": [69.0, 90.0],
        }
    )
    return table.assign(**changes)


def demand(**changes: object) -> pd.DataFrame:
    return pd.DataFrame({"product": ["NdPr oxide"], "demand_t": [1000.0]}).assign(**changes)


def problems_of(call) -> list[reopt.Problem]:
    with pytest.raises(reopt.InputError) as err:
        call()
    return list(err.value.problems)


# --- 1. invisible differences are normalised, look-alikes refused ----------------------------


@pytest.mark.parametrize(
    "written",
    [
        "NdPr\u00a0oxide",  # no-break space
        "NdPr \u200boxide",  # zero-width space
        "NdPr oxide ",  # trailing space
        "NdPr  oxide",  # two spaces
        "\ufeffNdPr oxide",  # byte-order mark
        "NdPr\u2009oxide",  # thin space
    ],
)
def test_invisible_differences_in_a_product_still_meet_the_demand(written: str) -> None:
    market = reopt.Market(offers(product=["NdPr oxide", written]), demand())
    assert set(market.offers["product"]) == {"NdPr oxide"}
    assert (market.encoded.group >= 0).all()


def test_decomposed_and_composed_accents_are_one_name() -> None:
    composed, decomposed = "Pr\u00e4seodym", "Pra\u0308seodym"
    market = reopt.Market(
        offers(product=[composed, decomposed]), demand(product=[composed], demand_t=[1000.0])
    )
    assert (market.encoded.group >= 0).all()
    assert set(market.offers["product"]) == {composed}


def test_every_name_column_is_normalised() -> None:
    table = offers(
        source=["cn\u00a0a", "au"], country=["CN\u200b", "AU"], kind=["mine ", "re\u00adfinery"]
    )
    with pytest.raises(reopt.InputError) as err:  # a soft hyphen is invisible: refused
        reopt.Market(table, demand())
    assert [p.column for p in err.value.problems] == ["kind"]
    market = reopt.Market(table.assign(kind=["mine\u3000", "refinery"]), demand())
    assert market.offers["source"].tolist() == ["cn a", "au"]
    assert market.offers["country"].tolist() == ["CN", "AU"]
    assert market.offers["kind"].tolist() == ["mine", "refinery"]


def test_sources_keys_and_text_periods_are_normalised() -> None:
    sources = pd.DataFrame({"source": ["cn\u00a0", "au"], "country": ["CN", "AU"]})
    market = reopt.Market(offers().drop(columns="country"), demand(), sources)
    assert market.offers["country"].tolist() == ["CN", "AU"]
    periods = reopt.Market(offers(period=["2026\u00a0Q1", "2026 Q1"]), demand(period=["2026 Q1"]))
    assert periods.periods == ("2026 Q1",)
    assert (periods.encoded.group >= 0).all()


def test_cyrillic_lookalike_is_refused_with_the_character_and_the_latin_name() -> None:
    found = problems_of(
        lambda: reopt.Market(offers(product=["NdPr oxide", "NdPr \u043exide"]), demand())
    )
    text = str(reopt.InputError(found))
    assert found[0].column == "product" and found[0].where == "offers row 1"
    assert "U+043E CYRILLIC SMALL LETTER O" in text
    assert "'NdPr oxide'" in text


def test_greek_lookalike_in_a_source_is_refused() -> None:
    found = problems_of(lambda: reopt.Market(offers(source=["cn", "\u039fkayama"]), demand()))
    assert found[0].column == "source"
    assert "GREEK CAPITAL LETTER OMICRON" in found[0].rule
    assert "Okayama" in found[0].hint


@pytest.mark.parametrize("name", ["住友金属鉱山", "Норникель", "ООО Ромашка (Romashka LLC)"])
def test_names_in_one_other_script_are_valid(name: str) -> None:
    market = reopt.Market(offers(source=[name, "au"]), demand())
    assert market.offers["source"].iloc[0] == name


def test_an_offer_nobody_demands_is_a_warning_with_a_suggestion() -> None:
    table = offers(product=["NdPr oxide", "NdPr oxid"])
    with pytest.warns(reopt.ReoptWarning, match=r"offers row 1.*did you mean 'NdPr oxide'"):
        reopt.Market(table, demand())


def test_offers_all_demanded_give_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", reopt.ReoptWarning)
        reopt.Market(offers(), demand())


# --- 2. control characters -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "char"),
    [
        ("source", "cn\x00", "U+0000 NULL"),
        ("product", "NdPr\x01oxide", "U+0001 START OF HEADING"),
        ("source", "a\x0bb", "U+000B LINE TABULATION"),
        ("source", "a\u200fb", "U+200F RIGHT-TO-LEFT MARK"),
        ("country", "C\x07N", "U+0007 ALERT"),
    ],
)
def test_control_characters_are_refused_naming_the_cell(column: str, value: str, char: str) -> None:
    table = offers(**{column: [value, offers()[column].iloc[1]]})
    found = problems_of(lambda: reopt.Market(table, demand()))
    assert [(p.where, p.column) for p in found] == [("offers row 0", column)]
    assert char in found[0].rule


def test_control_character_in_demand_and_period_is_refused() -> None:
    found = problems_of(
        lambda: reopt.Market(offers(period="a"), demand(product=["NdPr\x00oxide"], period="a"))
    )
    assert ("demand", "product") in {(p.table, p.column) for p in found}
    found = problems_of(lambda: reopt.Market(offers(period="a\x1f"), demand(period="a")))
    assert {(p.table, p.column) for p in found} == {("offers", "period")}


def test_tabs_and_line_breaks_are_spaces() -> None:
    market = reopt.Market(offers(product=["NdPr\toxide", "NdPr\r\noxide"]), demand())
    assert set(market.offers["product"]) == {"NdPr oxide"}


# --- 3. headers --------------------------------------------------------------------------------


def test_duplicate_column_names_are_one_input_error() -> None:
    table = pd.concat([offers(), offers()[["capacity_t"]]], axis=1)
    found = problems_of(lambda: reopt.Market(table, demand()))
    assert [(p.table, p.column, p.rule) for p in found] == [
        ("offers", "capacity_t", "column appears more than once")
    ]


def test_multiindex_columns_are_one_input_error() -> None:
    table = offers()
    table.columns = pd.MultiIndex.from_product([["a"], list(table.columns)])
    found = problems_of(lambda: reopt.Market(table, demand()))
    assert found[0].table == "offers" and "header" in found[0].rule


def test_non_text_column_labels_are_one_input_error() -> None:
    table = offers()
    table.columns = [0, 1, "country", "capacity_t", "price_usd_per_kg"]
    found = problems_of(lambda: reopt.Market(table, demand()))
    assert any(p.table == "offers" and p.value == 0 and "not text" in p.rule for p in found)


@pytest.mark.parametrize(
    "label",
    ["price_usd_per_kg ", "Price_USD_per_kg", "price_usd_per_kg\u00a0", "\ufeffPRICE_usd_per_kg"],
)
def test_a_known_column_written_with_spaces_or_case_is_accepted(label: str) -> None:
    market = reopt.Market(offers().rename(columns={"price_usd_per_kg": label}), demand())
    assert market.offers["price_usd_per_kg"].tolist() == [69.0, 90.0]


def test_a_column_in_the_same_header_twice_after_normalising_is_refused() -> None:
    table = offers().assign(**{"Price_usd_per_kg ": 1.0})
    found = problems_of(lambda: reopt.Market(table, demand()))
    assert any("more than once" in p.rule for p in found)


@pytest.mark.parametrize(
    ("given", "known"),
    [
        ("price_usd_per_t", "price_usd_per_kg"),
        ("capacity_kt", "capacity_t"),
        ("price_eur_per_kg", "price_usd_per_kg"),
    ],
)
def test_no_did_you_mean_across_units(given: str, known: str) -> None:
    table = offers().rename(columns={known: given})
    found = problems_of(lambda: reopt.Market(table, demand()))
    text = str(reopt.InputError(found))
    assert f"did you mean {given!r}" not in text
    assert f"did you mean {known!r}" not in text
    assert any(p.column == known and "missing" in p.rule for p in found)


def test_a_unit_kept_did_you_mean_is_still_given() -> None:
    table = offers().rename(columns={"price_usd_per_kg": "price_usd_per_kgs"})
    found = problems_of(lambda: reopt.Market(table, demand()))
    assert "did you mean 'price_usd_per_kgs'?" in str(reopt.InputError(found))


def test_optional_column_in_other_units_is_not_suggested() -> None:
    found = problems_of(lambda: reopt.Market(offers(min_order_kg=0.0), demand()))
    assert found[0].column == "min_order_kg"
    assert "did you mean" not in found[0].hint


# --- 4. complex numbers ----------------------------------------------------------------------


def test_complex_dtype_is_not_a_real_number() -> None:
    table = offers(price_usd_per_kg=np.array([69 + 0j, 90 + 2j]))
    found = problems_of(lambda: reopt.Market(table, demand()))
    assert {p.where for p in found} == {"offers row 0", "offers row 1"}
    assert all(p.rule == "not a real number" for p in found)


def test_complex_object_cell_is_not_a_real_number() -> None:
    found = problems_of(lambda: reopt.Market(offers(), demand(demand_t=[1 + 2j])))
    assert [(p.table, p.column, p.rule) for p in found] == [
        ("demand", "demand_t", "not a real number")
    ]


# --- the rules themselves ----------------------------------------------------------------------


def test_normalise_name_and_name_problem() -> None:
    from reopt.data.text import name_problem, normalise_name

    assert normalise_name("\u200b A\u00a0\u2003B \ufeff") == "A B"
    assert name_problem("Nd\x00") is not None
    assert name_problem("日本 Metals") is None
    assert name_problem("NdPr \u03bfxide") is not None


#: Text near the edges of the rules: spaces of every kind, controls, look-alikes, accents.
_EDGY = st.text(
    alphabet=st.sampled_from(list("ab AZ09.-_()\t\n\r\x00\x7f\u00a0\u200b\u0301оΟ日é\u2003")),
    max_size=8,
)


def _each_alone(values: list[object]) -> bool:
    from reopt.data.text import name_problem, normalise_name

    return all(
        isinstance(v, str) and v and normalise_name(v) == v and name_problem(v) is None
        for v in values
    )


@given(st.lists(st.text(alphabet=" ab", max_size=4), max_size=4))
def test_plain_names_are_checked_at_once_exactly_as_one_by_one(values: list[str]) -> None:
    from reopt.data.text import already_names

    assert already_names(values) == _each_alone(values)


@given(st.lists(st.one_of(_EDGY, st.integers(), st.none()), max_size=6))
def test_names_checked_at_once_only_when_each_would_pass_alone(values: list[object]) -> None:
    from reopt.data.text import already_names

    assert not already_names(values) or _each_alone(values)


@pytest.mark.parametrize(
    "names",
    [
        ["Lynas", "MP Materials", "Iluka", "Arafura", "Neo", "Solvay"],  # read at once
        ["Lynas", "MP  Materials", "Iluka", "Arafura", "Neo", "Solvay"],  # two spaces
        ["Lynas", "MP Materials", "Iluka ", "Arafura", "Neo", "Solvay"],  # a space at an end
        ["Lynas", "MP Materials", "Iluka", " Arafura", "Neo", "Solvay"],  # ... at a start
        ["Lynas", "MP\u00a0Materials", "Iluka", "Arafura", "Neo\u200b", "Solvay"],  # unseen
        ["Lynas", "MP Materials", "Iluka", "Arafura", "Neo", "Solvay\t"],  # a tab
    ],
)
def test_sources_read_at_once_or_one_by_one_give_the_same_market(names: list[str]) -> None:
    from reopt.data.text import normalise_name

    table = pd.concat([offers()] * 3, ignore_index=True).assign(source=names)
    market = reopt.Market(table, demand())
    expected = [normalise_name(name) for name in names]
    assert list(market.offers["source"]) == expected
    codes = market.encoded.codes["source"]
    assert list(market.encoded.labels["source"][codes]) == expected
