"""The greedy method and the ``"auto"`` back end: exact, and the same answers as HiGHS."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from certificates import assert_certificate
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import MIN_FEASIBLE_CAP, cases

import reopt
from reopt.backends.auto import AUTO, AutoSession, method_for
from reopt.backends.greedy import GreedyStructure, greedy_structure, solve_greedy
from reopt.backends.ordering import price_order
from reopt.model.program import LinearProgram, RowFamily


def _market() -> reopt.Market:
    """One product, 10 t: CN1 at 1 USD/kg, CN2 at 2 (both unlimited), AU at 3 (5 t), VN at 4."""
    offers = pd.DataFrame(
        {
            "source": ["cn1", "cn2", "au", "vn"],
            "product": "X",
            "country": ["CN", "CN", "AU", "VN"],
            "capacity_t": [np.nan, np.nan, 5.0, np.nan],
            "price_usd_per_kg": [1.0, 2.0, 3.0, 4.0],
        }
    )
    return reopt.Market(offers, pd.DataFrame({"product": ["X"], "demand_t": [10.0]}))


def _demand_price(plan: reopt.Plan) -> float:
    prices = plan.shadow_prices
    return float(prices.loc[prices["constraint"] == "demand", "value_usd_per_kg"].iloc[0])


def _policy_prices(plan: reopt.Plan) -> list[float]:
    prices = plan.shadow_prices
    return prices.loc[prices["constraint"] != "demand", "value_usd_per_pp"].round(6).tolist()


# --- golden cases, worked by hand --------------------------------------------------------------
def test_china_cap_by_hand() -> None:
    """CN <= 6 t: 6 t of cn1 and 4 t of au (au has room, so it sets the price of demand).

    Cost 6 * 1000 + 4 * 3000 = 18,000 USD. One more point of cap (0.1 t) moves 0.1 t from
    au to cn1, saving 0.1 * 2000 = 200 USD. One more tonne of demand is 0.6 t more cap on
    cn1 and 0.4 t more of au: 0.6 * 1 + 0.4 * 3 = 1.8 USD/kg.
    """
    plan = reopt.solve(_market(), china_cap=0.6, solver="auto")
    assert plan.solution.settings["method"] == "greedy"
    assert plan.cost_usd == pytest.approx(18_000.0, rel=1e-12)
    assert plan.solution.x[:4] == pytest.approx([6.0, 0.0, 4.0, 0.0], abs=1e-12)
    assert _demand_price(plan) == pytest.approx(1.8, rel=1e-12)
    assert _policy_prices(plan) == [200.0]
    assert_certificate(plan)


def test_nested_caps_by_hand() -> None:
    """Add cn1 <= 4 t inside CN <= 6 t: 4 t cn1, 2 t cn2, 4 t au = 4,000 + 4,000 + 12,000.

    cn2 has room inside the China cap, so China's price is 2 USD/kg and cn1's 1: a point of
    the China cap (0.1 t from au to cn2) saves 100 USD, a point of cn1's (0.1 t from cn2 to
    cn1) saves 100 USD. One more tonne: 0.4 t of cn1, 0.2 t of cn2, 0.4 t of au, 2 USD/kg.
    """
    policies = [reopt.cap_share(0.6, country="CN"), reopt.cap_share(0.4, source="cn1")]
    plan = reopt.solve(_market(), policies=policies, solver="auto")
    assert plan.solution.settings["method"] == "greedy"
    assert plan.cost_usd == pytest.approx(20_000.0, rel=1e-12)
    assert plan.solution.x[:4] == pytest.approx([4.0, 2.0, 4.0, 0.0], abs=1e-12)
    assert _demand_price(plan) == pytest.approx(2.0, rel=1e-12)
    assert _policy_prices(plan) == [100.0, 100.0]
    assert_certificate(plan)


@pytest.mark.parametrize("caps", [(0.6, 0.7), (0.7, 0.6)])
def test_two_caps_on_the_same_offers(caps: tuple[float, float]) -> None:
    """CN <= 6 t and CN <= 7 t: the first nests the second, and holds no offer of its own.

    As in `test_china_cap_by_hand`: 18,000 USD, and a point of the 60% cap saves 200 USD;
    the 70% cap has room, so its price is 0, whichever of the two comes first.
    """
    policies = [reopt.cap_share(cap, country="CN") for cap in caps]
    plan = reopt.solve(_market(), policies=policies, solver="auto")
    assert plan.solution.settings["method"] == "greedy"
    assert plan.cost_usd == pytest.approx(18_000.0, rel=1e-12)
    assert plan.solution.x[:4] == pytest.approx([6.0, 0.0, 4.0, 0.0], abs=1e-12)
    assert _demand_price(plan) == pytest.approx(1.8, rel=1e-12)
    assert _policy_prices(plan) == [200.0 if cap == 0.6 else 0.0 for cap in caps]
    assert_certificate(plan)


def test_at_a_kink_a_cap_is_priced_by_what_loosening_saves() -> None:
    """CN <= 5 t: 5 t of cn1 and all 5 t of au, so the duals are not unique.

    One more point of cap (0.1 t) lets cn1 replace au's dearest tonnes: it saves
    0.1 * (3000 - 1000) = 200 USD, the figure reported. (Tightening would cost more: vn's
    4 USD/kg would then have to replace cn1.)
    """
    plan = reopt.solve(_market(), china_cap=0.5, solver="auto")
    assert plan.cost_usd == pytest.approx(5_000.0 + 15_000.0, rel=1e-12)
    assert _policy_prices(plan) == [200.0]
    assert_certificate(plan)


def test_an_infeasible_market_is_reported_by_highs() -> None:
    without_vn = reopt.Market(_market().offers.iloc[:3], _market().demand)
    plan = reopt.solve(without_vn, china_cap=0.4, solver="auto")  # 4 + 5 < 10 t
    assert plan.status is reopt.Status.INFEASIBLE
    assert plan.solution.settings["method"] == "highs"


@pytest.mark.parametrize("cap", [0.6, 0.4])
def test_where_the_greedy_method_finds_no_plan_the_reason_says_what_highs_found(
    cap: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the greedy method made to give up: HiGHS solves (60%) or refutes (40%) alone."""
    monkeypatch.setattr("reopt.backends.auto.solve_greedy", lambda *args: None)
    market = reopt.Market(_market().offers.iloc[:3], _market().demand)  # cn1, cn2, au (5 t)
    found = "found one" if cap == 0.6 else "finds none either"
    plan = reopt.solve(market, china_cap=cap, solver="auto")
    session = AutoSession(reopt.compile(market, [reopt.cap_share(cap, country="CN")]))
    for chosen in (plan.solution.settings, session.run().settings):
        assert chosen["method"] == "highs"
        assert chosen["method_reason"] == f"the greedy method found no plan; HiGHS {found}"
    assert plan.status is (reopt.Status.OPTIMAL if cap == 0.6 else reopt.Status.INFEASIBLE)


# --- which programs are greedy-exact ----------------------------------------------------------
@pytest.mark.parametrize(
    ("policies", "expected", "reason"),
    [
        ([reopt.min_share(0.1, country="AU")], "highs", "a floor"),  # small: HiGHS whole
        (
            [reopt.min_share(0.1, country="AU"), reopt.cap_share(0.6, country="CN", basis="value")],
            "highs",
            "a floor",
        ),
        ([reopt.cap_share(0.6, country="CN", basis="value")], "highs", "not all one positive"),
        (
            [reopt.cap_share(0.6, country="CN"), reopt.cap_share(0.5, kind="mine")],
            "highs",
            "overlap without nesting",
        ),
    ],
)
def test_other_programs_go_to_highs(policies: list, expected: str, reason: str) -> None:
    """Small programs, or ones whose caps cross or weigh money: HiGHS whole."""
    offers = _market().offers.assign(kind=["refinery", "mine", "mine", "refinery"])
    market = reopt.Market(offers, _market().demand)
    lp = reopt.compile(market, policies)
    method, why = method_for(lp, reopt.SolverOptions())
    assert method == expected
    assert reason in why
    auto = reopt.solve(market, policies=policies, solver="auto")
    highs = reopt.solve(market, policies=policies, solver="highs")
    assert auto.solution.settings["method"] == expected
    assert auto.status is highs.status
    if highs.is_optimal:
        assert auto.cost_usd == pytest.approx(highs.cost_usd, rel=1e-9)


def test_a_cap_that_only_columns_in_no_block_could_meet_goes_to_highs() -> None:
    """``x0 + x1 = 1`` and ``x2 <= -1``: x2, in no block, is bought at 0, so the cap cannot
    hold; HiGHS says the program is infeasible (the greedy method's plan failed the check)."""
    lp = LinearProgram.from_arrays(
        cost=[1.0, 2.0, 0.0],
        col_lower=[0.0, 0.0, 0.0],
        col_upper=[np.inf] * 3,
        row_lower=[1.0, -np.inf],
        row_upper=[1.0, -1.0],
        row_start=[0, 2, 3],
        col_index=[0, 1, 2],
        value=[1.0, 1.0, 1.0],
    )
    assert greedy_structure(lp) == "a cap over columns in no demand row that cannot hold at 0"
    assert reopt.solve_lp(lp, solver="auto").status is reopt.Status.INFEASIBLE


def test_a_rule_over_two_products_is_not_greedy() -> None:
    offers = pd.concat([_market().offers, _market().offers.assign(product="Y")])
    demand = pd.DataFrame({"product": ["X", "Y"], "demand_t": [10.0, 10.0]})
    lp = reopt.compile(
        reopt.Market(offers, demand), [reopt.cap_share(0.6, country="CN", scope="total")]
    )
    assert greedy_structure(lp) == "a rule over several products or periods (scope='total')"


def test_an_explicit_method_means_highs() -> None:
    options = reopt.SolverOptions(method="simplex")
    plan = reopt.solve(_market(), china_cap=0.6, solver="auto", options=options)
    assert plan.solution.settings["method"] == "highs"
    assert "a method was chosen" in plan.solution.settings["method_reason"]


def test_a_program_from_arrays_with_unequal_coefficients_is_not_greedy() -> None:
    lp = LinearProgram.from_arrays(
        cost=[1.0, 2.0],
        col_lower=[0, 0],
        col_upper=[np.inf, np.inf],
        row_lower=[1.0],
        row_upper=[1.0],
        row_start=[0, 2],
        col_index=[0, 1],
        value=[1.0, 2.0],
    )
    assert "not all one positive number" in greedy_structure(lp)


def test_rows_scaled_by_any_positive_number_are_still_greedy() -> None:
    lp = reopt.compile(_market(), [reopt.cap_share(0.6, country="CN")])
    scaled = lp.scaled(np.full(lp.n_cols, 0.5), np.array([3.0, 7.0]))
    structure = greedy_structure(scaled)
    assert isinstance(structure, GreedyStructure)
    solution = solve_greedy(scaled, structure)
    assert solution is not None
    assert solution.x[:4] * 0.5 == pytest.approx([6.0, 0.0, 4.0, 0.0])


def _rows_reordered(lp: LinearProgram, order: np.ndarray) -> LinearProgram:
    """``lp`` with its rows in ``order`` (the same columns)."""
    starts, stops = lp.row_start[:-1][order], lp.row_start[1:][order]
    entries = np.concatenate([np.arange(a, b) for a, b in zip(starts, stops, strict=True)])
    return LinearProgram.from_arrays(
        cost=lp.cost,
        col_lower=lp.col_lower,
        col_upper=lp.col_upper,
        row_lower=lp.row_lower[order],
        row_upper=lp.row_upper[order],
        row_start=np.concatenate([[0], np.cumsum(stops - starts)]),
        col_index=lp.col_index[entries],
        value=lp.value[entries],
    )


def test_the_rows_order_does_not_change_the_greedy_answer() -> None:
    """Demand rows and caps interleaved solve as when each kind is one run of rows."""
    rng = np.random.default_rng(5)
    products = ["p0", "p1", "p2"]
    offers = pd.DataFrame(
        {
            "source": [f"{c}{k}" for k in range(3) for c in ("cn", "cm", "au", "vn")],
            "product": np.repeat(products, 4),
            "country": ["CN", "CN", "AU", "VN"] * 3,
            "capacity_t": np.tile([np.nan, 3.0, 4.0, np.nan], 3),
            "price_usd_per_kg": rng.choice([1.0, 2.0, 3.0, 4.0], 12),
        }
    )
    demand = pd.DataFrame({"product": products, "demand_t": [6.0, 8.0, 10.0]})
    policies = [reopt.cap_share(0.6, country="CN"), reopt.cap_share(0.2, source="cm1")]
    lp = reopt.compile(reopt.Market(offers, demand), policies)
    family = lp.row_family
    demand_rows = np.flatnonzero(family == RowFamily.DEMAND)
    others = np.flatnonzero(family != RowFamily.DEMAND)
    order = np.array([r for pair in zip(others, demand_rows, strict=False) for r in pair])
    order = np.concatenate([order, np.setdiff1d(np.arange(lp.n_rows), order)])
    assert sorted(order) == list(range(lp.n_rows))
    assert np.diff(np.flatnonzero(np.isin(order, demand_rows))).max() > 1  # not one run
    mixed = _rows_reordered(lp, order)
    answers = []
    for program in (lp, mixed):
        structure = greedy_structure(program)
        assert isinstance(structure, GreedyStructure)
        answers.append(solve_greedy(program, structure))
    runs, interleaved = answers
    assert runs is not None and interleaved is not None
    assert interleaved.x == pytest.approx(runs.x, rel=1e-12, abs=1e-12)
    assert interleaved.row_dual == pytest.approx(runs.row_dual[order], rel=1e-12, abs=1e-9)
    assert interleaved.objective == pytest.approx(runs.objective, rel=1e-12)


@pytest.mark.parametrize("n_products", [200, 300])
def test_more_caps_and_products_than_a_byte_numbers(n_products: int) -> None:
    """Codes for the blocks and caps outgrow 8 bits, together (200) or each level (300)."""
    rng = np.random.default_rng(n_products)
    products = [f"p{k}" for k in range(n_products)]
    offers = pd.DataFrame(
        {
            "source": [f"{c}{k}" for k in range(n_products) for c in ("cn", "cm", "au", "vn")],
            "product": np.repeat(products, 4),
            "country": ["CN", "CN", "AU", "VN"] * n_products,
            "capacity_t": np.tile([np.nan, 3.0, 4.0, np.nan], n_products),
            "price_usd_per_kg": rng.choice([1.0, 2.0, 3.0, 4.0], 4 * n_products),
        }
    )
    demand = pd.DataFrame({"product": products, "demand_t": rng.uniform(5, 10, n_products)})
    market = reopt.Market(offers, demand)
    policies = [reopt.cap_share(0.6, country="CN"), reopt.cap_share(0.3, source="cm7")]
    auto = reopt.solve(market, policies=policies, solver="auto")
    highs = reopt.solve(market, policies=policies, solver="highs")
    assert auto.solution.settings["method"] == "greedy"
    assert auto.cost_usd == pytest.approx(highs.cost_usd, rel=1e-9)
    assert_certificate(auto)


# --- the same answers as HiGHS on generated markets ------------------------------------------
def _policy_sets(case, draw_cap: float, draw_inner: float) -> list[list]:
    sources = sorted(case.offers["source"].unique())
    countries = sorted(case.offers["country"].unique())
    sets = [[reopt.cap_share(draw_cap, country="CN")]]
    sets.append([reopt.cap_share(draw_cap, country="CN"), reopt.cap_share(draw_inner, source="s0")])
    if len(countries) > 1:
        sets.append([reopt.cap_share(max(draw_cap, 0.75), each="country")])
    sets.append(
        [reopt.cap_share(draw_inner, source=sources[-1]), reopt.cap_share(draw_cap, country="CN")]
    )
    return sets


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    case=cases(),
    cap=st.floats(MIN_FEASIBLE_CAP, 1.0),
    inner=st.floats(0.0, 1.0),
    which=st.integers(0, 3),
)
def test_auto_agrees_with_highs(case, cap: float, inner: float, which: int) -> None:
    """Status, cost (1e-9), shares and every unique shadow price agree; duals certify both."""
    sets = _policy_sets(case, cap, inner)
    policies = sets[which % len(sets)]
    market = case.market
    auto = reopt.solve(market, policies=policies, solver="auto")
    highs = reopt.solve(market, policies=policies, solver="highs")
    assert auto.status is highs.status
    if not highs.is_optimal:
        return
    assert auto.cost_usd == pytest.approx(highs.cost_usd, rel=1e-9, abs=1e-9)
    shares_a = auto.shares("country").to_numpy()
    shares_h = highs.shares("country").to_numpy()
    tonnes = auto.solution.x[: market.n_offers]
    assert_certificate(auto)
    assert_certificate(highs)
    # a product whose demand has a column strictly inside its bounds that no cap holds has
    # one price of demand: the cost of that column
    lp = auto.lp
    if auto.solution.settings["method"] == "greedy":
        structure = greedy_structure(reopt.model.scaling.scaling_for(lp).apply(lp))
        assert isinstance(structure, GreedyStructure)
        inside = (tonnes > 1e-9) & (tonnes < lp.col_upper[: market.n_offers] - 1e-9)
        direct = np.ones(lp.n_cols, dtype=bool)
        direct[structure.cap_cols] = False  # no cap holds it
        direct = direct[: market.n_offers]
        demand_rows = lp.family_rows(RowFamily.DEMAND)
        for row in demand_rows:
            pinned = inside & direct & (structure.root[: market.n_offers] == row)
            if pinned.any():
                assert auto.solution.row_dual[row] == pytest.approx(
                    highs.solution.row_dual[row], rel=1e-9
                )
    if np.allclose(tonnes, highs.solution.x[: market.n_offers], rtol=1e-9, atol=1e-9):
        assert np.allclose(shares_a, shares_h, atol=1e-9)


# --- many solves ------------------------------------------------------------------------------
def test_a_sweep_on_auto_matches_highs_away_from_kinks() -> None:
    market = reopt.datasets.japan_2025()
    caps = np.linspace(0.5, 1.0, 11)
    auto = reopt.sweep(market, china_cap=caps, solver="auto", exact=False)
    highs = reopt.sweep(market, china_cap=caps, solver="highs", exact=False)
    assert auto["status"].tolist() == highs["status"].tolist()
    assert np.allclose(auto["cost_usd"], highs["cost_usd"], rtol=1e-9, equal_nan=True)


def test_the_session_solves_again_after_changes() -> None:
    lp = reopt.compile(_market(), [reopt.cap_share(0.6, country="CN")])
    session = AUTO.session(lp, reopt.SolverOptions())
    assert isinstance(session, AutoSession)
    first = session.run()
    assert first.settings["method"] == "greedy"
    rows = lp.rows_of(0)
    session.set_row_bounds(rows, -np.inf, 7.0)
    second = session.run()
    assert second.objective == pytest.approx(7_000.0 + 3_000.0 * 3, rel=1e-12)
    session.set_costs(np.array([2]), np.array([900.0]))  # au cheaper than cn1 now
    third = session.run()
    assert third.x[2] == pytest.approx(5.0)
    session.apply_update(reopt.compile(_market(), [reopt.min_share(0.5, country="AU")]))
    fourth = session.run()
    assert fourth.settings["method"] == "highs"
    assert fourth.objective == pytest.approx(5_000.0 * 3 + 5_000.0, rel=1e-9)


# --- which method, said in the plan and by the command line ----------------------------------
def test_the_plan_says_which_method_solved_each_product() -> None:
    plan = reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6, solver="auto")
    methods = plan.methods
    assert methods["product"].tolist() == list(plan.market.products)
    assert set(methods["method"]) == {"greedy"}
    assert any(note.startswith("solved by the greedy method") for note in plan.notes)
    floor = reopt.min_share(0.01, kind="recycler", product="NdPr oxide")
    small = reopt.solve(reopt.datasets.japan_2025(), policies=[floor], solver="auto")
    assert set(small.methods["method"]) == {"highs"}
    assert "min_share" in small.methods["reason"].iloc[0]
    by_value = reopt.cap_share(0.6, country="CN", basis="value")
    general = reopt.solve(reopt.datasets.japan_2025(), policies=[by_value], solver="auto")
    assert set(general.methods["method"]) == {"highs"}
    assert "not all one positive number" in general.methods["reason"].iloc[0]
    assert any(note.startswith("solved by HiGHS: a general LP") for note in general.notes)


def test_another_back_end_is_its_own_method() -> None:
    plan = reopt.solve(_market(), china_cap=0.6, solver="highs")
    assert plan.methods[["product", "method"]].values.tolist() == [["X", "highs"]]
    assert not any(note.startswith("solved by") for note in plan.notes)


def test_methods_name_the_period_of_each_block() -> None:
    plan = reopt.solve(reopt.datasets.japan_outlook(), china_cap=0.6, solver="auto")
    assert list(plan.methods.columns) == ["product", "period", "method", "reason"]
    assert len(plan.methods) == len(plan.market.demand)


def test_the_cli_explains_the_method(tmp_path, capsys) -> None:
    from reopt.cli import main

    folder = tmp_path / "market"
    reopt.write_market(_market(), folder)
    code = main(
        ["solve", str(folder), "--china-cap", "0.6", "--solver", "auto", "--explain-method"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "How it was solved" in out and "greedy: each product" in out
    code = main(
        [
            "solve",
            str(folder),
            "--china-cap",
            "0.6",
            "--solver",
            "auto",
            "--explain-method",
            "--format",
            "json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert data["methods"] == [
        {"product": "X", "method": "greedy", "reason": data["methods"][0]["reason"]}
    ]
    assert "buying in price order" in data["methods"][0]["reason"]


def test_a_greedy_session_opens_no_highs_model_for_an_option() -> None:
    """An option (Monte Carlo sets simplex) waits until HiGHS is needed, then applies."""
    lp = reopt.compile(_market(), [reopt.cap_share(0.6, country="CN")])
    session = AutoSession(lp, reopt.SolverOptions())
    session.set_option("solver", "simplex")
    assert session.run().settings["method"] == "greedy"
    assert session.basis() is None  # no HiGHS model was made
    session.apply_update(reopt.compile(_market(), [reopt.min_share(0.5, country="AU")]))
    answer = session.run()
    assert answer.settings["method"] == "highs"
    assert answer.settings["solver"] == "simplex"


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    st.lists(
        st.sampled_from([-2.5, -0.0, 0.0, 1.0, 1.5, 3.0, 1e-300, 7e12]) | st.floats(-1e6, 1e6),
        max_size=300,
    )
)
def test_the_price_order_is_a_stable_sort(costs: list[float]) -> None:
    """Ties (many, few, zeros of both signs) are broken by position, as a stable sort does."""
    cost = np.array(costs, dtype=float)
    expected = np.argsort(cost, kind="stable")
    assert price_order(cost).tolist() == expected.tolist()


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from(["uniform", "few", "integers", "signed", "constant", "infinite"]),
)
def test_the_price_order_of_a_large_program_is_a_stable_sort(seed: int, kind: str) -> None:
    """Thousands of costs, with long runs of ties or none: numpy's stable sort, ties and all."""
    rng = np.random.default_rng(seed)
    n = 8_192
    cost = {
        "uniform": rng.uniform(1.0, 500.0, n),
        "few": rng.choice([3.25, 7.0, 7.0 + 2**-40, 11.5], n),  # long runs of ties, two a bit apart
        "integers": rng.integers(0, 1_000, n).astype(float),  # whole prices, many tied
        "signed": rng.choice([-1.0, 1.0, -0.0, 0.0], n) * rng.uniform(0.0, 1e9, n),
        "constant": np.full(n, 42.0),
        "infinite": np.where(rng.random(n) < 0.1, np.inf, -rng.exponential(1e3, n)),
    }[kind]
    expected = np.argsort(cost, kind="stable")
    assert price_order(cost).tolist() == expected.tolist()
