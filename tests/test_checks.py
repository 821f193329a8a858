"""Declarative argument checks: one rule per argument, every failing one in one InputError."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reopt.checks import (
    Failure,
    Finite,
    InstanceOf,
    ListOf,
    MappingOf,
    NonNegative,
    Number,
    OneOf,
    Optional,
    Share,
    check,
    input_error,
    validate_params,
)
from reopt.errors import InputError, Problem


def rules_of(rule: object, value: object) -> list[str]:
    return [f.rule for f in rule.failures(value)]  # type: ignore[attr-defined]


# --- InstanceOf -------------------------------------------------------------------------------
def test_instance_of() -> None:
    rule = InstanceOf(pd.DataFrame, hint="build one with pandas")
    assert rule.failures(pd.DataFrame()) == []
    assert rule.failures([1]) == [Failure([1], "expected DataFrame", "build one with pandas")]
    assert rules_of(InstanceOf((int, str)), 1.5) == ["expected int or str"]


def test_instance_of_shows_the_type_and_custom_rule() -> None:
    rule = InstanceOf(pd.DataFrame, rule="expected a reopt.Market", show_type=True)
    assert rule.failures("x") == [Failure("str", "expected a reopt.Market")]


def test_instance_of_optional() -> None:
    assert InstanceOf(str, optional=True).failures(None) == []
    assert rules_of(InstanceOf(str), None) == ["expected str"]


# --- Share ------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [0, 1, 0.35, 1.0, np.float64(0.5), np.int64(1)])
def test_share_accepts_fractions(value: object) -> None:
    assert Share().failures(value) == []


@pytest.mark.parametrize(
    ("value", "rule", "hint"),
    [
        (35, "a share is a fraction in [0, 1]", "did you mean 0.35?"),
        (100, "a share is a fraction in [0, 1]", "did you mean 1?"),
        (250, "a share is a fraction in [0, 1]", ""),
        (-0.1, "a share is a fraction in [0, 1]", ""),
        (math.nan, "a share is a fraction in [0, 1]", ""),
        (math.inf, "a share is a fraction in [0, 1]", ""),
        (True, "a share must be a number in [0, 1]", ""),
        ("abc", "a share must be a number in [0, 1] or a percentage such as '60%'", ""),
        ("160%", "a percentage share is in [0%, 100%]", ""),
        (None, "a share must be a number in [0, 1]", ""),
    ],
)
def test_share_refuses(value: object, rule: str, hint: str) -> None:
    (f,) = Share().failures(value)
    assert (f.rule, f.hint) == (rule, hint)
    assert f.value is value


def test_share_words_match_the_policies_check() -> None:
    (p,) = check({"china_cap": 35}, {"china_cap": Share()}, where="solve()", table="policies")
    assert str(p) == "solve(), china_cap=35: a share is a fraction in [0, 1] (did you mean 0.35?)"


# --- Number, NonNegative, Finite ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("rule", "good", "bad", "text"),
    [
        (
            NonNegative(),
            [0, 2.5, 10**9],
            [-1, math.inf, math.nan, True, "1"],
            "must be a number >= 0",
        ),
        (
            Finite(),
            [-3, 0.0, 1e300],
            [math.inf, -math.inf, math.nan, None],
            "must be a finite number",
        ),
        (Number(low=1, integer=True), [1, 8], [0, 1.0, 2.5, False], "must be a whole number >= 1"),
        (Number(low=0, low_open=True), [1e-9, 3], [0, -1], "must be a number > 0"),
        (Number(low=0, high=1, high_open=True), [0, 0.999], [1, 1.5], "must be a number in [0, 1)"),
        (Number(high=10), [10, -5], [11], "must be a number <= 10"),
        (Number(integer=True), [-2, 0], [0.5, np.int64(1)], "must be a whole number"),
    ],
)
def test_number(rule: Number, good: list[object], bad: list[object], text: str) -> None:
    for value in good:
        assert rule.failures(value) == [], value
    for value in bad:
        assert rules_of(rule, value) == [text], value


def test_number_custom_rule_and_hint() -> None:
    rule = Number(low=0, high=1, high_open=True, rule="must be a fraction in [0, 1)", hint="e.g.")
    assert rule.failures(2) == [Failure(2, "must be a fraction in [0, 1)", "e.g.")]
    assert Number(optional=True).failures(None) == []


# --- OneOf ------------------------------------------------------------------------------------
def test_one_of() -> None:
    rule = OneOf(("auto", "simplex"))
    assert rule.failures("auto") == []
    assert rules_of(rule, "ipm") == ["must be one of 'auto', 'simplex'"]
    assert rules_of(rule, ["auto"]) == ["must be one of 'auto', 'simplex'"]


def test_one_of_keeps_bools_apart_from_numbers() -> None:
    assert rules_of(OneOf((0, 1)), True) == ["must be one of 0, 1"]
    assert OneOf((True, False)).failures(True) == []
    assert rules_of(OneOf((True,)), 1) == ["must be one of True"]


def test_one_of_survives_arrays() -> None:
    assert rules_of(OneOf(("a",)), np.array(["a", "b"])) == ["must be one of 'a'"]


# --- ListOf -----------------------------------------------------------------------------------
def test_list_of_checks_every_item_with_its_index() -> None:
    rule = ListOf(NonNegative())
    assert rule.failures([0, 1.5]) == []
    assert rule.failures((1, -1, "x")) == [
        Failure(-1, "must be a number >= 0", "", "[1]"),
        Failure("x", "must be a number >= 0", "", "[2]"),
    ]


def test_list_of_refuses_empty_text_and_one_shot_iterators() -> None:
    rule = ListOf(Share())
    assert rules_of(rule, []) == ["the list is empty"]
    assert rules_of(rule, "0.5") == ["expected a list"]
    assert rules_of(rule, iter([0.5])) == ["expected a list"]
    assert rules_of(rule, {"a": 0.5}) == ["expected a list"]
    assert rules_of(rule, 0.5) == ["expected a list"]


def test_list_of_options() -> None:
    rule = ListOf(InstanceOf(str, rule="not text"), allow_empty=True, indexed=False, what="x")
    assert rule.failures([]) == []
    assert rule.failures([1]) == [Failure(1, "not text")]
    assert rules_of(rule, 3) == ["x"]
    assert ListOf(Share(), optional=True).failures(None) == []


def test_list_of_nested_index() -> None:
    (p,) = check({"grid": [[0.1], [0.2, 5]]}, {"grid": ListOf(ListOf(Share()))}, where="f()")
    assert p.column == "grid[1][1]"


# --- MappingOf --------------------------------------------------------------------------------
def test_mapping_of() -> None:
    rule = MappingOf(keys=InstanceOf(str, rule="names must be text"), values=NonNegative())
    assert rule.failures({"a": 1}) == []
    assert rule.failures({1: 2, "b": -1}) == [
        Failure(1, "names must be text"),
        Failure(-1, "must be a number >= 0", "", "['b']"),
    ]
    assert rules_of(rule, [("a", 1)]) == ["must be a mapping"]
    assert rules_of(MappingOf(what="must be a mapping of names"), 3) == [
        "must be a mapping of names"
    ]
    assert MappingOf(optional=True).failures(None) == []


# --- Optional ---------------------------------------------------------------------------------
def test_optional() -> None:
    rule = Optional(Share())
    assert rule.failures(None) == []
    assert rule.failures(0.2) == []
    assert rules_of(rule, 35) == ["a share is a fraction in [0, 1]"]


# --- check, input_error, validate_params --------------------------------------------------------
def test_check_collects_every_argument_in_rule_order() -> None:
    problems = check(
        {"b": -1, "a": "x"},
        {"a": Share(), "b": NonNegative(), "c": Optional(Share())},
        where="SolverOptions",
    )
    assert [(p.table, p.where, p.column) for p in problems] == [
        ("options", "SolverOptions", "a"),
        ("options", "SolverOptions", "b"),
    ]


def test_input_error() -> None:
    err = input_error("file", "x.toml", None, None, "not UTF-8 text", "save it as UTF-8")
    assert isinstance(err, InputError)
    assert err.problems == (
        Problem("file", "x.toml", None, None, "not UTF-8 text", "save it as UTF-8"),
    )


@validate_params(
    {
        "table": InstanceOf(pd.DataFrame, rule="expected a DataFrame", show_type=True),
        "cap": Optional(Share()),
        "factors": ListOf(NonNegative()),
        "method": OneOf(("auto", "ipm")),
    },
    where="demo()",
    table="policies",
)
def demo(
    table: object, *, cap: object = None, factors: object = (1.0,), method: object = "auto"
) -> str:
    return "ran"


def test_validate_params_passes_good_calls() -> None:
    assert demo(pd.DataFrame()) == "ran"
    assert demo(pd.DataFrame(), cap=0.6, factors=[0, 2], method="ipm") == "ran"
    assert demo.__name__ == "demo"


def test_validate_params_reports_every_bad_argument() -> None:
    with pytest.raises(InputError) as info:
        demo([1], cap=35, factors=[1, -2], method="fast")
    assert [str(p) for p in info.value.problems] == [
        "demo(), table='list': expected a DataFrame",
        "demo(), cap=35: a share is a fraction in [0, 1] (did you mean 0.35?)",
        "demo(), factors[1]=-2: must be a number >= 0",
        "demo(), method='fast': must be one of 'auto', 'ipm'",
    ]
    assert {p.table for p in info.value.problems} == {"policies"}


def test_validate_params_checks_defaults_and_leaves_wrong_calls_to_python() -> None:
    @validate_params({"n": NonNegative()}, where="f()")
    def f(n: object = -1) -> object:
        return n

    with pytest.raises(InputError, match="n=-1"):
        f()
    with pytest.raises(TypeError):
        f(1, 2)  # type: ignore[call-arg]


def test_validate_params_refuses_rules_for_missing_parameters() -> None:
    with pytest.raises(TypeError, match="no parameter nope"):

        @validate_params({"nope": Share()}, where="g()")
        def g(x: object) -> None:
            return None


def test_solver_options_use_the_checks(tmp_path: Path) -> None:
    from reopt.options import SolverOptions

    with pytest.raises(InputError) as info:
        SolverOptions(threads=0, mip_gap=1.5, method="fast", extra={1: 2})  # type: ignore[arg-type]
    assert [(p.column, p.rule) for p in info.value.problems] == [
        ("threads", "must be a whole number >= 1"),
        ("method", "must be one of 'auto', 'simplex', 'ipm', 'pdlp'"),
        ("mip_gap", "must be a fraction in [0, 1)"),
        ("extra", "option names must be text"),
    ]
    ok = SolverOptions(log=tmp_path / "log.txt", method="ipm", extra={"a": 1})
    assert ok.method.value == "ipm"
    with pytest.raises(TypeError):
        ok.extra["b"] = 2  # type: ignore[index]
