"""Filters: one cleaning rule for market cells, policy filters and what-if filters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reopt.data.filters import (
    FILTER_COLUMNS,
    KINDS,
    clean_values,
    code_problem,
    filter_values,
    match,
    normalise,
    normalise_text,
)
from reopt.data.market import KINDS as MARKET_KINDS
from reopt.errors import InputError, ProblemList


def offers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["china", "lynas", "mp", "recyc"],
            "product": ["NdPr oxide", "NdPr oxide", "Dy oxide", "NdPr oxide"],
            "period": [2026, 2026, 2027, 2027],
            "country": ["CN", "AU", "US", "JP"],
            "kind": ["refinery", "mine", "mine", "recycler"],
        }
    )


def test_kinds_are_shared_with_the_market() -> None:
    assert KINDS is MARKET_KINDS
    assert "other" in KINDS


@pytest.mark.parametrize(
    ("column", "text", "expected"),
    [
        ("country", " cn ", "CN"),
        ("refined_in", "my", "MY"),
        ("kind", " Mine", "mine"),
        ("source", "  Lynas ", "Lynas"),
        ("product", "NdPr oxide", "NdPr oxide"),
        ("product", "NdPr\u00a0 oxide\u200b", "NdPr oxide"),
        ("kind", "\ufeffMINE", "mine"),
        ("source", "Pra\u0308seo", "Pr\u00e4seo"),
    ],
)
def test_normalise_text(column: str, text: str, expected: str) -> None:
    assert normalise_text(column, text) == expected


def test_normalise_array() -> None:
    values = np.array([" cn", "Au "], dtype=object)
    assert normalise("country", values).tolist() == ["CN", "AU"]
    assert normalise("kind", np.array(["MINE"])).tolist() == ["mine"]
    assert normalise("source", np.array([" A "])).tolist() == ["A"]
    assert normalise("period", np.array([2026])).tolist() == ["2026"]


@pytest.mark.parametrize(
    ("column", "text", "expected"),
    [
        ("country", "cn", None),
        ("country", "NA", None),  # Namibia
        ("country", "XX", ("not an ISO 3166-1 alpha-2 country code", "such as CN")),
        ("refined_in", "China", ("not an ISO 3166-1 alpha-2 country code", "'CN' for China")),
        ("kind", "Recycler", None),
        ("kind", "miner", ("unknown kind", "did you mean 'mine'?")),
        ("kind", "zzz", ("unknown kind", "one of mine, refinery")),
        ("source", "anything", None),
    ],
)
def test_code_problem(column: str, text: str, expected: tuple[str, str] | None) -> None:
    found = code_problem(column, text)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert found[0] == expected[0]
        assert expected[1] in found[1]


def test_clean_values_cleans_and_dedupes() -> None:
    problems = ProblemList()
    got = clean_values("country", ["cn", " CN", "au"], where="cap_share", problems=problems)
    assert got == ("CN", "AU")
    assert clean_values("kind", "Recycler", where="cap_share", problems=problems) == ("recycler",)
    assert clean_values("source", None, where="cap_share", problems=problems) == ()
    assert not problems


@pytest.mark.parametrize(
    ("column", "value", "rule", "shown"),
    [
        ("country", 5, "expected text or a list of text", 5),
        ("country", ["CN", 3], "expected non-empty text", 3),
        ("source", ["  "], "expected non-empty text", "  "),
        ("source", ["\u200b"], "expected non-empty text", "\u200b"),
        ("source", ["a\x00"], "contains the control character U+0000 NULL", "a\x00"),
        ("country", "China", "not an ISO 3166-1 alpha-2 country code", "China"),
        ("kind", ["mine", "planet"], "unknown kind", "planet"),
        ("product", [], "the list is empty", []),
    ],
)
def test_clean_values_problems(column: str, value: object, rule: str, shown: object) -> None:
    problems = ProblemList()
    clean_values(column, value, where="min_share", problems=problems, table="policies")
    assert len(problems.items) == 1
    p = problems.items[0]
    assert (p.table, p.where, p.column, p.value, p.rule) == (
        "policies",
        "min_share",
        column,
        shown,
        rule,
    )


def test_clean_values_empty_list_not_reported_after_other_problems() -> None:
    problems = ProblemList()
    problems.add("policies", "cap_share", "share", 60, "a share is a fraction in [0, 1]")
    clean_values("kind", [], where="cap_share", problems=problems)
    assert len(problems.items) == 1


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        ("cn", ["CN"]),
        (["cn", "AU "], ["CN", "AU"]),
        (("US",), ["US"]),
    ],
)
def test_filter_values_accepts_text(wanted: object, expected: list[str]) -> None:
    got = filter_values("country", wanted)
    assert got is not None
    assert got.tolist() == expected


def test_filter_values_accepts_integer_periods() -> None:
    got = filter_values("period", [2026, "2027"])
    assert got is not None
    assert got.tolist() == ["2026", "2027"]
    got = filter_values("period", 2026)
    assert got is not None
    assert got.tolist() == ["2026"]


@pytest.mark.parametrize("wanted", [b"CN", bytearray(b"CN"), {"a": 1}, [], [True], True, 1.5, None])
def test_filter_values_refuses(wanted: object) -> None:
    assert filter_values("country", wanted) is None


def test_match_builds_the_mask() -> None:
    table = offers()
    mask = match(table, {"country": ["cn", "AU"]}, allowed=FILTER_COLUMNS, argument="scale_price")
    assert mask.tolist() == [True, True, False, False]
    mask = match(
        table, {"kind": "MINE", "period": 2027}, allowed=FILTER_COLUMNS, argument="scale_price"
    )
    assert mask.tolist() == [False, False, True, False]
    assert match(table, {}, allowed=FILTER_COLUMNS, argument="x").all()


@pytest.mark.parametrize(
    ("where", "value", "rule", "hint"),
    [
        ({"colour": "red"}, "colour", "cannot filter on 'colour'", "use country, "),
        ({"country": "FR"}, "country='FR'", "matches nothing in the market", "known: "),
        ({"source": "lynass"}, "source='lynass'", "matches nothing", "did you mean 'lynas'?"),
        ({"kind": b"mine"}, "kind=b'mine'", "expected text or a list of text", ""),
        ("country=CN", "country=CN", "must be a mapping like {'country': 'CN'}", ""),
    ],
)
def test_match_problems(where: object, value: object, rule: str, hint: str) -> None:
    with pytest.raises(InputError) as info:
        match(offers(), where, allowed=FILTER_COLUMNS, argument="scale_capacity")  # type: ignore[arg-type]
    (p,) = info.value.problems
    assert (p.table, p.where, p.column, p.value) == ("options", "sweep()", "scale_capacity", value)
    assert p.rule.startswith(rule)
    assert hint in p.hint


def test_match_checks_every_value_of_a_list() -> None:
    with pytest.raises(InputError) as info:
        match(offers(), {"country": ["CN", "ZZ"]}, allowed=FILTER_COLUMNS, argument="a")
    assert [p.value for p in info.value.problems] == ["country='ZZ'"]


def test_match_only_allowed_columns() -> None:
    with pytest.raises(InputError, match="cannot filter on 'country'"):
        match(offers(), {"country": "CN"}, allowed=("product", "period"), argument="scale_demand")


def test_match_collects_into_a_problem_list() -> None:
    problems = ProblemList()
    mask = match(
        offers(),
        {"country": "FR", "colour": 1},
        allowed=FILTER_COLUMNS,
        argument="scale_price",
        where_label="what_if()",
        table_name="scenarios",
        problems=problems,
    )
    assert mask.shape == (4,)
    assert [(p.table, p.where) for p in problems.items] == [("scenarios", "what_if()")] * 2


def test_match_sees_through_invisible_differences() -> None:
    table = offers()
    mask = match(table, {"product": "NdPr\u00a0oxide"}, allowed=FILTER_COLUMNS, argument="x")
    assert mask.tolist() == [True, True, False, True]
    assert normalise("product", np.array(["NdPr\u2009oxide", "Dy oxide "])).tolist() == [
        "NdPr oxide",
        "Dy oxide",
    ]
