"""Sweeps: warm against cold, the curve's shape, exact breakpoints, limits, what-ifs."""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import highspy
import numpy as np
import pandas as pd
import pytest
from conftest import RTOL, available, demand_table, offers_table
from hypothesis import HealthCheck, given, settings
from strategies import cases

import reopt
import reopt.analysis.breakpoints
import reopt.analysis.engine
import reopt.analysis.whatif
from reopt.backends import StartBasis
from reopt.backends.auto import AutoSession
from reopt.backends.highs import HighsSession
from reopt.status import Status

CN = {"country": "CN"}


def cn_price_per_pp(plan: reopt.Plan) -> float:
    table = plan.shadow_prices
    cn = table["constraint"].str.contains("country='CN'")
    return float(table.loc[cn, "value_usd_per_pp"].sum())


# --- the Japan case: warm against cold -----------------------------------------------------
def test_two_hundred_point_sweep_agrees_with_cold_solves():
    market = reopt.datasets.japan_2025()
    caps = np.linspace(0.3, 1.0, 200).tolist()
    curve = reopt.sweep(market, china_cap=caps, progress=False)
    grid = curve[curve["point"] == "grid"].reset_index(drop=True)
    assert grid["china_cap"].tolist() == caps
    statuses = set()
    for cap, row in zip(caps, grid.itertuples(), strict=True):
        plan = reopt.solve(market, china_cap=cap)
        assert row.status == plan.status.value
        statuses.add(row.status)
        if plan.is_optimal:
            assert row.cost_usd == pytest.approx(plan.cost_usd, rel=1e-9)
            if cap < 1.0:  # at 100% the cap's price is any value down to 0 (degenerate)
                price = cn_price_per_pp(plan)
                assert row.price_usd_per_pp == pytest.approx(price, rel=1e-6, abs=1e-3)
        else:
            assert math.isnan(row.cost_usd)
    assert statuses == {"optimal", "infeasible"}  # infeasible points stay in the table


def test_min_feasible_cap_of_japan_2025_is_exact():
    market = reopt.datasets.japan_2025()
    curve = reopt.sweep(market, china_cap=[0.6, 0.9], progress=False)
    edge = curve.loc[curve["point"] == "min_feasible", "china_cap"].item()
    assert reopt.solve(market, china_cap=edge).is_optimal
    assert reopt.solve(market, china_cap=edge - 1e-6).status is Status.INFEASIBLE


def test_breakpoints_on_the_three_supplier_market(three_suppliers):
    """Kinks where Australia fills up (CN 50%) and where China alone suffices (100%)."""
    curve = reopt.sweep(three_suppliers, china_cap=[0.0, 0.2, 0.8, 1.0], progress=False)
    kinks = curve.loc[curve["point"] == "breakpoint", "china_cap"].tolist()
    assert kinks == pytest.approx([0.5])
    assert curve.loc[curve["point"] == "min_feasible", "china_cap"].item() == 0.0
    # cost 1.75M at 0 -> 1.25M at 0.5 (US replaced, 10,000/pp) -> 1.0M at 1.0 (5,000/pp)
    at = curve.drop_duplicates("china_cap").set_index("china_cap")["cost_usd"]
    assert at[0.5] == pytest.approx(1_250_000)
    grid = curve[curve["point"] == "grid"].set_index("china_cap")
    # China enters where the curve begins (cap 0), not at whichever grid point comes next
    assert curve.loc[curve["point"] == "min_feasible", "entering"].item() == "cn / A"
    assert grid.loc[0.2, "entering"] == ""
    assert curve.loc[curve["point"] == "breakpoint", "leaving"].item() == "us / A"
    assert grid.loc[0.8, "leaving"] == grid.loc[0.8, "entering"] == ""
    # the same in typed form
    assert curve.attrs["parameter"] == "china_cap"
    assert curve.attrs["breakpoints"] == pytest.approx(kinks)
    assert curve.attrs["feasibility_limit"] == 0.0


def test_sweep_on_every_back_end_agrees_with_highs(three_suppliers, solver):
    caps = [0.0, 0.25, 0.6, 1.0]
    reference = reopt.sweep(three_suppliers, china_cap=caps, progress=False)
    curve = reopt.sweep(three_suppliers, china_cap=caps, solver=solver, progress=False)
    assert curve["point"].tolist() == reference["point"].tolist()
    np.testing.assert_allclose(curve["cost_usd"], reference["cost_usd"], rtol=RTOL[solver])


# --- invariants on generated markets -------------------------------------------------------
def direct_min_china_share(case) -> float:
    """An LP written out directly for HiGHS: the smallest share of China meeting every demand.

    Columns: tonnes per offer, then the share t. Rows: each product's demand, and China's
    tonnes of each product at most t times its demand. Minimise t.
    """
    offers = case.offers.reset_index(drop=True)
    n = len(offers)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    upper = np.append(np.nan_to_num(offers["capacity_t"].to_numpy(float), nan=np.inf), 1.0)
    cost = np.append(np.zeros(n), 1.0)
    h.addCols(n + 1, cost, np.zeros(n + 1), upper, 0, np.array([], dtype=np.int32), [], [])
    for product, demand in zip(case.demand["product"], case.demand["demand_t"], strict=True):
        mine = np.flatnonzero(offers["product"] == product).astype(np.int32)
        h.addRow(demand, demand, len(mine), mine, np.ones(len(mine)))
        china = mine[offers["country"].to_numpy()[mine] == "CN"]
        cols = np.append(china, n).astype(np.int32)
        h.addRow(-np.inf, 0.0, len(cols), cols, np.append(np.ones(len(china)), -demand))
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return float(h.getSolution().col_value[n])


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(case=cases())
def test_swept_cost_is_convex_non_increasing_with_true_kinks(case):
    market = case.market
    curve = reopt.sweep(market, china_cap=np.linspace(0.0, 1.0, 11).tolist(), progress=False)
    ok = curve[curve["status"] == "optimal"].drop_duplicates("china_cap")
    caps, cost = ok["china_cap"].to_numpy(), ok["cost_usd"].to_numpy()
    scale = max(float(np.abs(cost).max()), 1.0)
    assert np.all(np.diff(cost) <= 1e-9 * scale)  # non-increasing
    slopes = np.diff(cost) / np.diff(caps)
    wide = np.diff(caps) > 1e-6
    assert np.all(np.diff(slopes[wide]) >= -1e-6 * scale)  # convex

    # each breakpoint is a true kink: the slopes just left and right of it differ
    for kink in curve.loc[curve["point"] == "breakpoint", "china_cap"]:
        h = 1e-7
        left = reopt.solve(market, china_cap=max(kink - h, 0.0))
        right = reopt.solve(market, china_cap=min(kink + h, 1.0))
        if not (left.is_optimal and right.is_optimal) or kink - h < 0 or kink + h > 1:
            continue
        s_left, s_right = -cn_price_per_pp(left), -cn_price_per_pp(right)
        assert s_right - s_left > 1e-7 * max(abs(s_left), abs(s_right)), kink

    # the minimum feasible cap matches an LP that minimises China's share directly
    edge = curve.loc[curve["point"] == "min_feasible", "china_cap"].item()
    assert edge == pytest.approx(direct_min_china_share(case), abs=1e-7)


# --- any policy, what-ifs ------------------------------------------------------------------
def test_sweeping_a_recycled_floor():
    market = reopt.datasets.japan_2025()
    floor = reopt.min_share(0.0, kind="recycler", product="NdPr oxide")
    curve = reopt.sweep(market, vary=floor, shares=[0.0, 0.05, 0.1, 0.3], progress=False)
    grid = curve[curve["point"] == "grid"]
    optimal = grid[grid["status"] == "optimal"]
    assert np.all(np.diff(optimal["cost_usd"]) >= -1e-6)  # a higher floor never saves money
    assert (curve["point"] == "max_feasible").sum() == 1
    edge = curve.loc[curve["point"] == "max_feasible", "share"].item()
    assert reopt.solve(market, policies=[floor.with_share(edge)]).is_optimal
    if edge < 1:
        assert not reopt.solve(market, policies=[floor.with_share(edge + 1e-5)]).is_optimal


def test_what_if_china_prices_rise():
    market = reopt.datasets.japan_2025()
    curve = reopt.sweep(
        market,
        scale_price=CN,
        factors=[1, 1.5, 2, 3],
        policies=[reopt.cap_share(0.9, country="CN")],
    )
    assert curve["factor"].tolist() == [1, 1.5, 2, 3]
    assert "price_usd_per_pp" not in curve.columns
    assert curve.attrs == {
        "parameter": "factor",
        "method": "solves",
        "breakpoints": [],
        "feasibility_limit": None,
        "scaled": {"column": "price_usd_per_kg", "filter": {"country": "CN"}},
    }
    assert curve.loc[0, "cost_usd"] == pytest.approx(reopt.solve(market, china_cap=0.9).cost_usd)
    assert np.all(np.diff(curve["cost_usd"]) > 0)
    share = curve.filter(like="china_share:").to_numpy()
    assert np.all(share[-1] <= share[0] + 1e-9)  # dearer China, no more Chinese tonnes


def test_what_if_lynas_capacity_and_demand_growth():
    market = reopt.datasets.japan_2025()
    factors = [0.0, 0.5, 1.0, 1.5]
    lynas = reopt.sweep(
        market, scale_capacity={"source": "lynas_malaysia"}, factors=factors, china_cap=None
    )
    optimal = lynas[lynas["status"] == "optimal"]
    assert np.all(np.diff(optimal["cost_usd"]) <= 1e-6)  # more capacity never costs more
    demand = market.demand.set_index("product")["demand_t"]
    grow = reopt.sweep(market, scale_demand={"product": "Dy oxide"}, factors=[1.0, 1.2])
    bigger = market.replace(
        demand=market.demand.assign(
            demand_t=np.where(
                market.demand["product"] == "Dy oxide",
                demand["Dy oxide"] * 1.2,
                market.demand["demand_t"],
            )
        )
    )
    assert grow.loc[1, "cost_usd"] == pytest.approx(reopt.solve(bigger).cost_usd, rel=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({}, "give exactly one parameter to sweep"),
        ({"china_cap": [0.5], "scale_price": CN, "factors": [1]}, "exactly one parameter"),
        ({"china_cap": [35]}, "china_cap"),
        ({"china_cap": []}, "needs at least one value"),
        ({"scale_price": CN, "factors": [-1]}, "must be a finite number >= 0"),
        ({"scale_price": CN, "factors": [math.inf]}, "must be a finite number >= 0"),
        (
            {"scale_price": {"period": 2025}, "factors": [1]},
            r"use country, refined_in, kind, source, product\)",
        ),
        ({"scale_price": {"colour": "red"}, "factors": [1]}, "cannot filter on 'colour'"),
        ({"scale_price": {"country": "FR"}, "factors": [1]}, "matches nothing"),
        ({"scale_price": {"source": "lynas_malaisia"}, "factors": [1]}, "did you mean"),
        ({"scale_price": {"country": None}, "factors": [1]}, "expected text"),
        ({"scale_price": {"country": ["CN", 1.5]}, "factors": [1]}, "expected text"),
        ({"scale_price": {"country": b"CN"}, "factors": [1]}, "expected text"),
        ({"scale_price": {"country": ["CN", "ZZ"]}, "factors": [1]}, "country='ZZ'.*nothing"),
        ({"scale_demand": {"product": ["Dy oxide", "Dy oxyde"]}, "factors": [1]}, "did you"),
        ({"china_cap": [0.6], "factors": [5]}, "factors go with scale_price"),
        (
            {"china_cap": [0.6], "options": reopt.SolverOptions(method="pdlp")},
            "exact breakpoints need answers at a vertex; PDLP",
        ),
        ({"china_cap": [0.5], "executor": object()}, "concurrent.futures.Executor"),
        ({"vary": reopt.cap_share(0.5, kind="recycler")}, "vary needs a policy and shares"),
        ({"china_cap": [0.5], "solver": "nope"}, "unknown solver"),
    ],
)
def test_bad_sweep_arguments(kwargs, words):
    with pytest.raises(reopt.InputError, match=words):
        reopt.sweep(reopt.datasets.japan_2025(), **kwargs)


# --- how it runs ---------------------------------------------------------------------------
@pytest.mark.parametrize(("session", "solver"), [(HighsSession, "highs"), (AutoSession, "auto")])
def test_warm_and_cold_disagreement_is_an_error(monkeypatch, three_suppliers, session, solver):
    """A warm verdict without a certificate (here a wrong "infeasible") is re-solved cold."""
    real = session.resolve

    def wrongly_infeasible(self, lp):
        from dataclasses import replace

        solution = real(self, lp)
        return replace(solution, status=reopt.Status.INFEASIBLE, x=None, row_dual=None)

    monkeypatch.setattr(session, "resolve", wrongly_infeasible)
    with pytest.raises(reopt.SolverError, match="disagrees with a cold solve"):
        # a price what-if: "auto" reads a China-cap sweep off the greedy curve instead
        reopt.sweep(
            three_suppliers, scale_price={"country": "CN"}, factors=[1.0, 1.1], solver=solver
        )


@pytest.mark.parametrize(("session", "solver"), [(HighsSession, "highs"), (AutoSession, "auto")])
def test_a_wrong_warm_plan_is_caught_by_the_numpy_check(
    monkeypatch, three_suppliers, session, solver
):
    """An "optimal" warm answer is proved by its duals, not by a second solve: one moved off
    its optimum fails that proof and is solved again, so the table keeps the right costs."""
    real = session.resolve
    calls = []

    def off_by_a_thousandth(self, lp):
        from dataclasses import replace

        solution = real(self, lp)
        calls.append(1)
        return replace(solution, x=solution.x * 1.001)

    kwargs = {"scale_price": {"country": "CN"}, "factors": [1.0, 1.1, 1.2], "solver": solver}
    right = reopt.sweep(three_suppliers, **kwargs)
    monkeypatch.setattr(session, "resolve", off_by_a_thousandth)
    curve = reopt.sweep(three_suppliers, **kwargs)
    assert len(calls) == 3  # every point from the session, none solved twice
    np.testing.assert_allclose(curve["cost_usd"], right["cost_usd"], rtol=1e-9)


def test_only_the_first_run_of_a_sweep_starts_from_scratch(monkeypatch):
    """60 points are three runs: the second and third start from a handed-on basis, at the
    first point of the run before them, and the curve is the one of cold solves."""
    market = reopt.datasets.japan_2025()
    caps = [float(c) for c in np.linspace(0.4, 1.0, 60)]
    starts = []
    real = HighsSession.set_basis

    def spy(self, basis):
        if isinstance(basis, StartBasis):
            starts.append(basis)
        real(self, basis)

    monkeypatch.setattr(HighsSession, "set_basis", spy)
    curve = reopt.sweep(market, china_cap=caps, solver="highs", exact=False, progress=False)
    assert len(starts) == 2
    assert starts[0].col_status.shape == starts[1].col_status.shape
    cold = [reopt.solve(market, china_cap=cap, solver="highs").cost_usd for cap in caps]
    np.testing.assert_allclose(curve["cost_usd"], cold, rtol=1e-9)


def test_a_points_scaling_reuses_only_what_it_shares_with_the_last_point():
    """A sweep's next point moves row bounds only: its scaled program is the full scaling's,
    array for array, with the matrix, costs and column bounds of the last one reused."""
    market = reopt.datasets.synthetic(300, seed=4)
    lp = reopt.compile(market, [reopt.cap_share(0.6, country="CN")])
    scaling = reopt.model.scaling.scaling_for(lp)
    first = scaling.apply(lp)
    moved = reopt.analysis.engine.with_share(lp, 0, reopt.cap_share(0.7, country="CN"))
    fast = scaling.apply(moved)
    full = moved.scaled(scaling.col, scaling.row).with_costs(
        moved.cost * scaling.col * scaling.col_cost
    )
    assert fast.value is first.value and fast.cost is first.cost
    for name in ("value", "cost", "col_lower", "col_upper", "row_lower", "row_upper"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(full, name))
    cheaper = moved.with_costs(moved.cost * 0.5)  # new costs: scaled again
    np.testing.assert_array_equal(scaling.apply(cheaper).cost, first.cost * 0.5)


def test_thread_and_process_pools_give_the_same_curve():
    market = reopt.datasets.japan_2025()
    caps = [0.5, 0.6, 0.75, 1.0]
    serial = reopt.sweep(market, china_cap=caps, progress=False)
    with ThreadPoolExecutor(2) as pool:
        threaded = reopt.sweep(market, china_cap=caps, solver="pulp-highs", executor=pool)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        processes = reopt.sweep(market, china_cap=caps, executor=pool)
    for other in (threaded, processes):
        assert other["status"].tolist() == serial["status"].tolist()
        np.testing.assert_allclose(other["cost_usd"], serial["cost_usd"], rtol=1e-9)


def test_progress_bar_only_when_asked_or_interactive(capsys, three_suppliers):
    reopt.sweep(three_suppliers, china_cap=[0.5, 0.6], progress=True)
    assert "sweep 2/2" in capsys.readouterr().err
    reopt.sweep(three_suppliers, china_cap=[0.5, 0.6])  # pytest's stderr is not a terminal
    assert capsys.readouterr().err == ""


def test_minimum_orders_sweep_without_breakpoints():
    offers = offers_table(
        [
            ("cn", "A", "CN", "refinery", None, 10.0),
            ("au", "A", "AU", "mine", 80.0, 15.0),
        ]
    ).assign(min_order_t=[0.0, 50.0])
    market = reopt.Market(offers, demand_table([("A", 100.0)]))
    curve = reopt.sweep(market, china_cap=[0.4, 0.6, 1.0])
    assert set(curve["point"]) == {"grid"}  # the MILP's cost is not piecewise linear
    assert curve["cost_usd"].tolist() == pytest.approx([1_300_000, 1_250_000, 1_000_000])
    if available("cbc"):
        cbc = reopt.sweep(market, china_cap=[0.4, 0.6, 1.0], solver="cbc")
        np.testing.assert_allclose(cbc["cost_usd"], curve["cost_usd"], rtol=1e-7)


@pytest.mark.parametrize("bound", [reopt.cap_share, reopt.min_share])
def test_moving_a_share_changes_only_its_bounds(bound):
    market = reopt.datasets.japan_2025()
    fixed = [reopt.cap_share(0.65, each="country")]
    base = reopt.compile(market, [*fixed, bound(0.5, kind="recycler")])
    for share in (0.0, 0.3, 0.77, 1.0):
        policy = bound(share, kind="recycler")
        quick = reopt.analysis.engine.with_share(base, len(fixed), policy)
        full = reopt.compile(market, [*fixed, policy])
        for name in ("cost", "row_lower", "row_upper", "row_start", "col_index", "value"):
            np.testing.assert_array_equal(getattr(quick, name), getattr(full, name), name)
        pd.testing.assert_frame_equal(quick.rows, full.rows)
        assert quick.policies == full.policies


@pytest.mark.parametrize(
    "what",
    [
        {"scale_price": {"country": "CN"}},
        {"scale_capacity": {"country": ["AU", "US"]}},
        {"scale_demand": {}},
    ],
)
def test_warm_what_ifs_match_cold_solves_at_every_point(what):
    """Prices also sit in the value-basis policy's rows, so coefficients move too."""
    market = reopt.datasets.japan_2025()
    policies = [
        reopt.cap_share(0.7, country="CN"),
        reopt.cap_share(0.75, country="CN", scope="total", basis="value"),
    ]
    factors = [1.0, 1.3, 0.8, 2.0, 1.1]
    curve = reopt.sweep(market, factors=factors, policies=policies, **what)
    setup = reopt.analysis.whatif.setup_sweep(
        market,
        china_cap=None,
        vary=None,
        shares=None,
        factors=factors,
        policies=policies,
        scale_price=what.get("scale_price"),
        scale_capacity=what.get("scale_capacity"),
        scale_demand=what.get("scale_demand"),
    )
    assert curve["factor"].tolist() == sorted(factors)
    for row in curve.itertuples():
        m, p = setup.build(row.factor)
        cold = reopt.solve(m, policies=p)
        assert row.status == cold.status.value
        if cold.is_optimal:
            assert row.cost_usd == pytest.approx(cold.cost_usd, rel=1e-9)


def test_feasibility_limit_refuses_value_basis():
    with pytest.raises(reopt.InputError, match="tonnes basis"):
        reopt.feasibility_limit(
            reopt.datasets.japan_2025(), reopt.cap_share(1, country="CN", basis="value")
        )


def test_no_chinese_capacity_at_factor_zero_and_numpy_factors():
    market = reopt.datasets.japan_2025()
    curve = reopt.sweep(market, scale_capacity=CN, factors=np.array([0, 1]))
    assert curve["status"].tolist() == ["infeasible", "optimal"]


def test_warm_time_limit_applies_to_each_point():
    market = reopt.datasets.synthetic(2000, seed=2)
    options = reopt.SolverOptions(time_limit_s=5.0)
    curve = reopt.sweep(market, china_cap=np.linspace(0.3, 1, 60), options=options, exact=False)
    assert set(curve["status"]) == {"optimal"}


def test_what_if_filters_read_codes_as_policies_do():
    market = reopt.datasets.japan_2025()
    upper = reopt.sweep(market, scale_price=CN, factors=[1.5])
    lower = reopt.sweep(market, scale_price={"country": " cn"}, factors=[1.5])
    assert lower["cost_usd"].tolist() == pytest.approx(upper["cost_usd"].tolist(), rel=1e-12)


def test_shrinking_capacity_below_a_minimum_order_shuts_the_offer():
    """Australia sells 50..80 t or nothing; at half capacity (40 t) it cannot sell at all."""
    offers = offers_table(
        [
            ("cn", "A", "CN", "refinery", None, 10.0),
            ("au", "A", "AU", "mine", 80.0, 15.0),
            ("us", "A", "US", "mine", None, 20.0),
        ]
    ).assign(min_order_t=[0.0, 50.0, 0.0])
    market = reopt.Market(offers, demand_table([("A", 100.0)]))
    cap = [reopt.cap_share(0.5, country="CN")]
    curve = reopt.sweep(market, scale_capacity={"source": "au"}, factors=[1.0, 0.5], policies=cap)
    by_factor = curve.set_index("factor")["cost_usd"]
    # 1.0: 50 t CN + 50 t AU; 0.5: Australia shut, 50 t CN + 50 t US
    assert by_factor.loc[1.0] == pytest.approx(1_250_000)
    assert by_factor.loc[0.5] == pytest.approx(1_500_000)


def test_a_spent_breakpoint_budget_warns_and_keeps_what_it_found(monkeypatch):
    market = reopt.datasets.japan_2025()
    full = reopt.sweep(market, china_cap=[0.6, 1.0])
    monkeypatch.setattr(reopt.analysis.breakpoints, "MAX_KINK_SOLVES", 8)
    with pytest.warns(reopt.ReoptWarning, match="stopped after 8 extra solves"):
        short = reopt.sweep(market, china_cap=[0.6, 1.0], solver="highs")  # solves, searched
    found = short.loc[short["point"] == "breakpoint", "china_cap"]
    exact = full.loc[full["point"] == "breakpoint", "china_cap"].tolist()
    assert 0 < len(found) < len(exact)
    for cap in found:
        assert min(abs(cap - e) for e in exact) <= 1e-9


def test_a_cap_of_one_saves_nothing_when_loosened_whichever_the_order():
    market = reopt.datasets.japan_2025()
    up = reopt.sweep(market, china_cap=[0.6, 1.0], exact=False)
    down = reopt.sweep(market, china_cap=[1.0], exact=False)
    assert up["price_usd_per_pp"].iloc[-1] == 0.0 and down["price_usd_per_pp"].iloc[0] == 0.0
    floor = reopt.sweep(market, vary=reopt.min_share(0, kind="recycler"), shares=[0.0, 0.05])
    assert floor.loc[floor["share"] == 0.0, "price_usd_per_pp"].iloc[0] == 0.0


def test_warm_solve_time_is_the_points_own():
    market = reopt.datasets.synthetic(2000, seed=2)
    lp = reopt.compile(market, [reopt.cap_share(0.6, country="CN")])
    warm = HighsSession(lp, reopt.SolverOptions())
    first = warm.resolve(lp)
    second = warm.resolve(
        reopt.analysis.engine.with_share(lp, 0, reopt.cap_share(0.7, country="CN"))
    )
    total = warm.highs.getRunTime()
    assert 0 <= second.solve_time_s <= total - first.solve_time_s + 1e-9


def test_glpk_interior_point_sweeps_the_grid_but_searches_no_breakpoints():
    if not available("glpk"):
        pytest.skip("glpk is not installed here")
    market = reopt.datasets.japan_2025()
    ipm = reopt.SolverOptions(method="ipm")
    with pytest.raises(reopt.InputError, match="GLPK interior point stops near one"):
        reopt.sweep(market, china_cap=[0.6, 0.8], solver="glpk", options=ipm)
    grid = reopt.sweep(market, china_cap=[0.6, 0.8], solver="glpk", options=ipm, exact=False)
    assert grid["point"].tolist() == ["grid", "grid"]
