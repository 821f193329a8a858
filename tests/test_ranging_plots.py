"""Sensitivity ranges checked by re-solving at their ends; plots drawn without errors."""

from __future__ import annotations

import dataclasses

import matplotlib
import numpy as np
import pytest
from conftest import RTOL, demand_table, offers_table
from hypothesis import HealthCheck, example, given, reject, settings
from hypothesis import strategies as st
from strategies import MIN_FEASIBLE_CAP, Case, cases

import reopt
import reopt.plot
from reopt.backends import get_backend

matplotlib.use("Agg")


def test_ranges_on_the_three_supplier_market(three_suppliers):
    """At a 60% cap, its 5,000 USD/pp holds for caps 50%..100%. A tonne more demand is
    0.6 t from China and 0.4 t from Australia (12,000 USD/t) until Australia's 50 t run out
    at 125 t. China's price may rise to 15 $/kg, Australia's move within 10..20."""
    plan = reopt.solve(three_suppliers, china_cap=0.6)
    ranges = plan.shadow_price_ranges.set_index("constraint")
    cap = ranges.loc["cap_share(0.6, country='CN')"]
    assert (cap["valid_from"], cap["valid_to"], cap["range_unit"]) == (
        pytest.approx(0.5),
        pytest.approx(1.0),
        "share",
    )
    demand = ranges.loc["demand"]
    assert demand["value_usd_per_kg"] == pytest.approx(12)
    assert (demand["valid_from"], demand["valid_to"]) == (0, pytest.approx(125))
    prices = plan.price_ranges.set_index("source")
    assert prices.loc["cn", "price_high_usd_per_kg"] == pytest.approx(15)
    assert prices.loc["cn", "price_low_usd_per_kg"] == -np.inf
    assert prices.loc["au", ["price_low_usd_per_kg", "price_high_usd_per_kg"]].tolist() == (
        pytest.approx([10, 20])
    )


def test_demand_range_moves_the_share_rules_along():
    """China has 61 t, so at a 60% cap it supplies 0.6 t of each tonne more demand until
    demand reaches 61 / 0.6 = 101.67 t; from there every tonne more comes from Australia."""
    offers = offers_table(
        [
            ("cn", "A", "CN", "refinery", 61.0, 10.0),
            ("au", "A", "AU", "mine", 100.0, 12.0),
            ("us", "A", "US", "mine", None, 20.0),
        ]
    )

    def cost(demand_t: float) -> float:
        market = reopt.Market(offers, demand_table([("A", demand_t)]))
        return reopt.solve(market, china_cap=0.6).cost_usd

    table = reopt.solve(reopt.Market(offers, demand_table([("A", 100.0)])), china_cap=0.6)
    demand = table.shadow_price_ranges.set_index("constraint").loc["demand"]
    assert demand["value_usd_per_kg"] == pytest.approx(0.6 * 10 + 0.4 * 12)
    assert (demand["valid_from"], demand["valid_to"]) == (0, pytest.approx(61 / 0.6))
    per_t = 1000 * demand["value_usd_per_kg"]
    assert cost(61 / 0.6) - cost(100) == pytest.approx(per_t * (61 / 0.6 - 100))
    assert cost(103) - cost(102) == pytest.approx(12_000)


def test_price_ranges_are_those_of_the_plans_own_tonnes():
    """Two Australian offers tie; whichever the plan buys, its ranges describe that plan."""
    offers = offers_table(
        [
            ("a1", "A", "AU", "mine", 100.0, 10.0),
            ("a2", "A", "AU", "mine", 100.0, 10.0),
            ("cn", "A", "CN", "refinery", None, 8.0),
        ]
    )
    plan = reopt.solve(reopt.Market(offers, demand_table([("A", 100.0)])), china_cap=0.3)
    bought = plan.allocation.set_index("source")["tonnes"]
    used, idle = ("a1", "a2") if bought.get("a1", 0) > 0 else ("a2", "a1")
    x = plan.solution.x.copy()
    x[[0, 1]] = x[[1, 0]]  # the other optimal plan: the same tonnes from the other offer
    other = dataclasses.replace(plan, solution=dataclasses.replace(plan.solution, x=x))
    for each, buys in ((plan, used), (other, idle)):
        ranges = each.price_ranges.set_index("source")
        doesnt = idle if buys == used else used
        # the offer bought may rise to its rival's price, the other may fall to it
        assert ranges.loc[buys, "price_high_usd_per_kg"] == pytest.approx(10)
        assert ranges.loc[doesnt, "price_low_usd_per_kg"] == pytest.approx(10)
        assert ranges.loc[doesnt, "price_high_usd_per_kg"] == np.inf


def test_ranges_of_a_plan_off_a_vertex_are_refused(three_suppliers):
    plan = reopt.solve(three_suppliers, china_cap=0.6)
    x = plan.solution.x.copy()
    assert x.tolist() == pytest.approx([60, 40, 0])
    cheap = reopt.solve(
        reopt.Market(
            three_suppliers.offers.assign(price_usd_per_kg=[10.0, 15.0, 15.0]),
            three_suppliers.demand,
        ),
        china_cap=0.6,
    )
    # Australia and the USA tie at 15 $/kg: buying 20 t from each is optimal, not a vertex
    x = np.array([60.0, 20.0, 20.0])
    middle = dataclasses.replace(cheap, solution=dataclasses.replace(cheap.solution, x=x))
    with pytest.raises(reopt.NoSolutionError, match="not at a vertex"):
        middle.price_ranges  # noqa: B018
    # shadow prices do not need a vertex: the same span as at either end
    assert middle.shadow_price_ranges["valid_to"].tolist() == pytest.approx(
        cheap.shadow_price_ranges["valid_to"].tolist()
    )


def test_an_expensive_offer_elsewhere_does_not_widen_the_ranges():
    """Lanthanum costs 0.6 $/kg; a scandium offer nobody buys costs 100,000 $/kg."""
    offers = offers_table(
        [
            ("cn", "La", "CN", "refinery", None, 0.600),
            ("au", "La", "AU", "mine", None, 0.610),
            ("us", "La", "US", "mine", 50.0, 0.605),
            ("xx", "Sc", "US", "refinery", None, 1e5),
        ]
    )
    plan = reopt.solve(reopt.Market(offers, demand_table([("La", 100.0)])), china_cap=0.3)
    ranges = plan.shadow_price_ranges.set_index("constraint")
    # the US's 50 t fill up at a cap of 0.5; below 71.43 t of demand its 50 t are 70%
    assert ranges.loc["cap_share(0.3, country='CN')", "valid_to"] == pytest.approx(0.5)
    assert ranges.loc["demand", "valid_from"] == pytest.approx(50 / 0.7)


def test_price_ranges_of_a_plan_with_tonnes_of_very_different_sizes():
    offers = offers_table(
        [
            ("small", "A", "AU", "recycler", 1e-4, 1.0),
            ("big", "A", "US", "mine", 1e6, 2.0),
            ("cn", "A", "CN", "refinery", None, 3.0),
        ]
    )
    plan = reopt.solve(reopt.Market(offers, demand_table([("A", 1e6)])))
    ranges = plan.price_ranges.set_index("source")
    assert ranges.loc["big", ["price_low_usd_per_kg", "price_high_usd_per_kg"]].tolist() == (
        pytest.approx([1.0, 3.0])
    )


RANGE_SETTINGS = settings(
    max_examples=20,  # on each of the five back ends
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def solve_with(case: Case, solver: str, *, demand: dict, caps: dict) -> reopt.Plan:
    table = case.demand.assign(demand_t=case.demand["product"].map(demand))
    policies = [reopt.cap_share(caps[p], country="CN", product=p) for p in case.demand["product"]]
    try:
        return reopt.solve(reopt.Market(case.offers, table), policies=policies, solver=solver)
    except reopt.SolverError as err:
        # a back end that prints its answer (CBC) can return duals that do not prove its
        # plan optimal on near-degenerate markets; reopt then refuses the plan, as it must
        printed = reopt.Feature.FULL_PRECISION not in get_backend(solver).features
        if printed and "do not prove optimal" in str(err):
            reject()
        raise


# a cheap product beside a dear one: its kinks are small against the total cost
SMALL_BESIDE_LARGE = Case(
    offers_table(
        [
            ("s0", "P0", "CN", "refinery", np.nan, 1.0),
            ("s0", "P1", "CN", "refinery", np.nan, 27.0),
            ("s1", "P0", "AU", "mine", 0.7, 0.5),
            ("s1", "P1", "AU", "mine", 13.3, 500.0),
        ]
    ),
    demand_table([("P0", 1.0), ("P1", 19.0)]),
)


@RANGE_SETTINGS
@given(case=cases(), cap=st.floats(MIN_FEASIBLE_CAP + 0.05, 0.95))
@example(case=SMALL_BESIDE_LARGE, cap=0.5)
def test_each_range_is_where_its_price_holds_and_no_further(solver, case, cap):
    """The cost is linear with the row's price up to each finite end and turns beyond it."""
    demand = dict(zip(case.demand["product"], case.demand["demand_t"], strict=True))
    caps = dict.fromkeys(demand, cap)
    plan = solve_with(case, solver, demand=demand, caps=caps)
    table = plan.shadow_price_ranges
    f0 = plan.cost_usd
    tol = 20 * RTOL[solver] * max(1.0, f0)
    for row in table.itertuples():
        at = demand[row.product] if row.range_unit == "t" else cap
        per_unit = (
            1000 * row.value_usd_per_kg if row.range_unit == "t" else -100 * row.value_usd_per_pp
        )

        def moved(to: float, row=row) -> reopt.Plan:
            if row.range_unit == "t":
                return solve_with(case, solver, demand={**demand, row.product: to}, caps=caps)
            return solve_with(case, solver, demand=demand, caps={**caps, row.product: to})

        natural = (0.0, np.inf) if row.range_unit == "t" else (0.0, 1.0)
        for end, outward in ((row.valid_from, -1.0), (row.valid_to, 1.0)):
            if not np.isfinite(end):
                continue
            at_end = moved(end).cost_usd
            assert at_end - f0 == pytest.approx(per_unit * (end - at), abs=tol)
            # any step beyond a kink shows it (the curve is convex), so take a long one
            room = end - natural[0] if outward < 0 else natural[1] - end
            step = min(0.25 * at if row.range_unit == "t" else 0.1, 0.5 * room)
            if step <= 1e-6:
                continue
            beyond = end + outward * step
            past = moved(beyond)
            if past.status is not reopt.Status.OPTIMAL:
                continue  # the span ends where the plan stops being feasible
            slope = (past.cost_usd - at_end) / (beyond - end)
            assert abs(slope - per_unit) > tol / step, (row.constraint, row.product, end)


@RANGE_SETTINGS
@given(case=cases(), cap=st.floats(MIN_FEASIBLE_CAP, 1.0))
def test_the_plan_stays_optimal_at_both_ends_of_each_price_range(solver, case, cap):
    """At either end of an offer's price range, the plan's tonnes still cost the optimum."""
    plan = reopt.solve(case.market, china_cap=cap, solver=solver)
    x = plan.solution.x[: len(case.offers)]
    ranges = plan.price_ranges
    for row in ranges.itertuples():
        at = np.flatnonzero(
            (case.offers["source"] == row.source) & (case.offers["product"] == row.product)
        )
        for end in (row.price_low_usd_per_kg, row.price_high_usd_per_kg):
            if not np.isfinite(end) or end < 0 or end == row.price_usd_per_kg:
                continue
            prices = case.offers["price_usd_per_kg"].to_numpy().copy()
            prices[at] = end
            moved = reopt.solve(
                reopt.Market(case.offers.assign(price_usd_per_kg=prices), case.demand),
                china_cap=cap,
            )
            ours = float(1000 * prices @ x)
            assert ours == pytest.approx(moved.cost_usd, rel=10 * RTOL[solver], abs=1e-6)


def test_ranges_of_every_row_family_hold_to_their_ends(solver):
    """Each-country caps, a recycled floor and China's cap together: move one row's bound
    (demand with the share bounds on it) to each end of its range in the LP itself, and the
    optimum moves by exactly the shadow price times the step."""
    from reopt.backends.highs import solve_highs
    from reopt.model.shares import demand_coupling

    market = reopt.datasets.japan_2025()
    policies = [
        reopt.cap_share(0.65, country="CN"),
        reopt.cap_share(0.55, each="country", product=["Dy oxide", "Tb oxide"]),
        reopt.min_share(0.03, kind="recycler", scope="total"),
    ]
    plan = reopt.solve(market, policies=policies, solver=solver)
    lp, table = plan.lp, plan.shadow_price_ranges
    family = lp.rows["family"].to_numpy()
    order = np.concatenate([np.flatnonzero(family == "demand"), np.flatnonzero(family == "policy")])
    coupled_row, coupled_demand, coupled_coef = demand_coupling(lp, market.encoded)
    checked = 0
    for r, row in zip(order, table.itertuples(), strict=True):
        if row.range_unit == "t":
            d = int(lp.rows["demand_row"].iat[r])
            rows, coef = coupled_row[coupled_demand == d], coupled_coef[coupled_demand == d]
            at, slope = float(market.encoded.demand_t[d]), 1000 * row.value_usd_per_kg
        else:
            rows, coef = np.array([r]), np.array([lp.rows["base_t"].iat[r]])
            at = float(lp.rows["share"].iat[r])
            sign = -1.0 if row.constraint.startswith("cap_share") else 1.0
            slope = sign * 100 * row.value_usd_per_pp
        for end in (row.valid_from, row.valid_to):
            if not np.isfinite(end) or end == at:
                continue
            lower, upper = lp.row_lower.copy(), lp.row_upper.copy()
            moved_by = np.bincount(rows, weights=coef * (end - at), minlength=lp.n_rows)
            lower += np.where(np.isfinite(lower), moved_by, 0.0)
            upper += np.where(np.isfinite(upper), moved_by, 0.0)
            moved = solve_highs(dataclasses.replace(lp, row_lower=lower, row_upper=upper))
            assert moved.objective - plan.cost_usd == pytest.approx(
                slope * (end - at), rel=1e-6, abs=1e-6 * plan.cost_usd
            ), (row.constraint, row.product, row.group, end)
            checked += 1
    assert checked >= 20


def product_cap_price(market: reopt.Market, product: str, share: float) -> float:
    """The price of China's cap on ``product`` at ``share``, the others held at 60%."""
    policies = [
        reopt.cap_share(share if p == product else 0.6, country="CN", product=p)
        for p in market.products
    ]
    prices = reopt.solve(market, policies=policies).shadow_prices
    return float(prices.loc[prices["product"] == product, "value_usd_per_pp"].iloc[-1])


def test_a_ten_million_tonne_demands_range_beside_a_one_kilogram_product(solver):
    """Every country at most 68% of all tonnes. Big (10 Mt) buys Vietnam's 68% at 11.27
    $/kg and China's 14.35 $/kg for the rest; Small (1 kg) is American. Its demand price
    holds while Vietnam's 68% fits its 8.4 Mt: up to 8.4e6 / 0.68 - 0.001 t. The 1 kg sits
    in every total row, a ten-billionth of it."""
    offers = offers_table(
        [
            ("vn", "Big", "VN", "mine", 8_400_000.0, 11.27),
            ("cn", "Big", "CN", "refinery", 6_800_000.0, 14.35),
            ("us", "Big", "US", "mine", 6_900_000.0, 36.01),
            ("us", "Small", "US", "mine", None, 11.72),
        ]
    )
    market = reopt.Market(offers, demand_table([("Big", 1e7), ("Small", 1e-3)]))
    policies = [reopt.cap_share(0.68, each="country", scope="total")]
    plan = reopt.solve(market, policies=policies, solver=solver)
    ranges = plan.shadow_price_ranges
    big = ranges[(ranges["constraint"] == "demand") & (ranges["product"] == "Big")].iloc[0]
    # a tonne more of Big: 0.68 t more from Vietnam, 0.32 t more from China
    assert big["value_usd_per_kg"] == pytest.approx(0.68 * 11.27 + 0.32 * 14.35)
    assert big["valid_to"] == pytest.approx(8_400_000 / 0.68 - 1e-3, rel=1e-9)
    assert 0 < big["valid_from"] < 1.0  # within a tonne of zero: see docs/analysis.md


def test_a_share_row_about_ten_million_tonnes_holding_one_kilogram(solver):
    """Every country at most 66% of all tonnes; Vietnam's only offer is Small's 1 kg, so its
    row holds 1 kg and is about 10 Mt. Big's price (Australia's, 21,610 USD/t) holds from
    where the US's 66% falls below its 6.6 Mt to where Australia's 10.84 Mt run out; and a
    demand never ranges below zero."""
    offers = offers_table(
        [
            ("us", "Big", "US", "mine", 6_600_000.0, 14.74),
            ("au", "Big", "AU", "mine", 10_843_960.0, 21.61),
            ("vn", "Small", "VN", "mine", None, 23.56),
        ]
    )
    market = reopt.Market(offers, demand_table([("Big", 1e7), ("Small", 1e-3)]))
    policies = [reopt.cap_share(0.66, each="country", scope="total")]
    ranges = reopt.solve(market, policies=policies, solver=solver).shadow_price_ranges
    big = ranges[(ranges["constraint"] == "demand") & (ranges["product"] == "Big")].iloc[0]
    assert big["value_usd_per_kg"] == pytest.approx(21.61, rel=RTOL[solver])
    assert big["valid_from"] == pytest.approx(6_600_000 / 0.66 - 1e-3, rel=1e-12)
    assert big["valid_to"] == pytest.approx(6_600_000 + 10_843_960, rel=1e-9)
    assert (ranges.loc[ranges["constraint"] == "demand", "valid_from"] >= 0).all()


def test_a_demand_range_starts_at_zero_tonnes_not_below(solver):
    """P1's price (Malaysia's) holds down to no demand at all; the LP's tolerance, in units
    of P1's 10,000 t, could put that end a few grams below zero."""
    offers = offers_table(
        [
            ("s3", "P0", "AU", "mine", 0.00067, 7.37),
            ("s4", "P0", "CN", "mine", None, 19.85),
            ("s0", "P1", "CN", "mine", 1900.0, 29.8),
            ("s1", "P1", "MY", "mine", None, 26.03),
        ]
    )
    market = reopt.Market(offers, demand_table([("P0", 0.001), ("P1", 10_000.0)]))
    policies = [reopt.cap_share(0.34, country="CN", scope="total")]
    ranges = reopt.solve(market, policies=policies, solver=solver).shadow_price_ranges
    p1 = ranges[(ranges["constraint"] == "demand") & (ranges["product"] == "P1")].iloc[0]
    assert p1["valid_from"] == 0.0


def test_each_shadow_price_holds_across_its_range():
    """HiGHS's ranges are those of the plan's basis: the price holds at least that far."""
    market = reopt.datasets.japan_2025()
    table = reopt.solve(market, china_cap=0.6).shadow_price_ranges
    caps = table[table["range_unit"] == "share"]
    assert len(caps) == len(market.products)
    for row in caps.itertuples():
        assert row.valid_from <= 0.6 <= row.valid_to
        width = row.valid_to - row.valid_from
        for share in (row.valid_from + 1e-3 * width, row.valid_to - 1e-3 * width):
            assert product_cap_price(market, row.product, share) == pytest.approx(
                row.value_usd_per_pp, rel=1e-7
            ), (row.product, share)


def test_the_plan_holds_across_each_price_range():
    market = reopt.datasets.japan_2025()
    plan = reopt.solve(market, china_cap=0.6)
    expected = plan.allocation.set_index(["source", "product"])["tonnes"].to_dict()
    offers = market.offers
    ranges = plan.price_ranges
    checked = 0
    for row in ranges.itertuples():
        at = (offers["source"] == row.source) & (offers["product"] == row.product)
        for price in (
            row.price_low_usd_per_kg * (1 + 1e-6),
            row.price_high_usd_per_kg * (1 - 1e-6),
        ):
            if not np.isfinite(price) or price < 0:
                continue
            changed = offers.assign(
                price_usd_per_kg=np.where(at, price, offers["price_usd_per_kg"])
            )
            moved = reopt.solve(market.replace(offers=changed), china_cap=0.6)
            bought = moved.allocation.set_index(["source", "product"])["tonnes"].to_dict()
            assert bought == pytest.approx(expected, rel=1e-9, abs=1e-9), (row.source, price)
            checked += 1
    assert checked >= 10


def test_no_ranges_for_milp_or_infeasible(three_suppliers):
    offers = offers_table(
        [("cn", "A", "CN", "refinery", None, 10.0), ("au", "A", "AU", "mine", 80.0, 15.0)]
    )
    milp = reopt.Market(offers.assign(min_order_t=[0.0, 50.0]), demand_table([("A", 100.0)]))
    with pytest.raises(reopt.NoSolutionError, match="MILP"):
        reopt.solve(milp, china_cap=0.6).price_ranges  # noqa: B018
    infeasible = reopt.solve(three_suppliers, policies=[reopt.cap_share(0.0, country=["CN", "US"])])
    with pytest.raises(reopt.NoSolutionError, match="infeasible"):
        infeasible.shadow_price_ranges  # noqa: B018


def test_value_basis_ranges_are_not_claimed(three_suppliers):
    plan = reopt.solve(
        three_suppliers, policies=[reopt.cap_share(0.5, country="CN", basis="value")]
    )
    assert plan.price_ranges["price_low_usd_per_kg"].isna().all()
    policy = plan.shadow_price_ranges
    assert policy.loc[policy["unit"] == "USD/pp", "valid_from"].isna().all()


def test_a_slack_value_cap_leaves_ranges_to_every_back_end(solver):
    """China's share of spend may reach 76% and does not: the value columns are free, and
    a back end's reduced cost of 2e-13 on one (all its terms zero) is zero, not a bound."""
    offers = offers_table(
        [
            ("s0", "P0", "CN", "mine", 0.25, 15.94),
            ("s1", "P0", "VN", "mine", 0.2, 18.74),
            ("s2", "P0", "VN", "mine", 0.29, 29.04),
            ("s3", "P0", "MY", "refinery", 1.913638591309843, 16.74),
            ("s0", "P1", "CN", "recycler", 25.0, 33.68),
            ("s1", "P1", "US", "mine", None, 44.33),
        ]
    )
    market = reopt.Market(offers, demand_table([("P0", 1.0), ("P1", 100.0)]))
    policies = [reopt.cap_share(0.76, country="CN", basis="value")]
    plan = reopt.solve(market, policies=policies, solver=solver)
    reference = reopt.solve(market, policies=policies).shadow_price_ranges
    ranges = plan.shadow_price_ranges
    demand = ranges["constraint"] == "demand"
    np.testing.assert_allclose(
        ranges.loc[demand, ["valid_from", "valid_to"]],
        reference.loc[demand, ["valid_from", "valid_to"]],
        rtol=1e-6,
    )


def test_plots_return_their_axes_with_labels():
    import matplotlib.pyplot as plt

    market = reopt.datasets.japan_2025()
    curve = reopt.sweep(market, china_cap=np.linspace(0.4, 1, 7).tolist())
    _, axes = plt.subplots(1, 3)
    assert reopt.plot.frontier(curve, ax=axes[0], label="2025") is axes[0]
    assert "%" in axes[0].get_ylabel() and "cheapest plan" in axes[0].get_ylabel()
    assert any("minimum feasible cap" in t.get_text() for t in axes[0].get_legend().get_texts())
    plan = reopt.solve(market, china_cap=0.6)
    assert reopt.plot.supply_mix(plan, ax=axes[1]) is axes[1]
    names = [t.get_text() for t in axes[1].get_legend().get_texts()]
    assert "China" in names and "Australia" in names
    assert reopt.plot.sweep_shares(curve, ax=axes[2]) is axes[2]
    legend = axes[2].get_legend()
    entries = [t.get_text() for t in legend.get_texts()]
    assert "price of 1 pp" in entries and "Dy oxide" in entries
    assert legend.get_bbox_to_anchor().y0 >= axes[2].get_window_extent().y1  # above the lines
    what_if = reopt.sweep(market, scale_price={"country": "CN"}, factors=[1, 2])
    reopt.plot.frontier(what_if)
    with pytest.raises(reopt.InputError, match=r"not a table from reopt\.sweep"):
        reopt.plot.frontier(plan.allocation)
    plt.close("all")


def test_a_slack_caps_zero_price_holds_while_it_stays_slack():
    market = reopt.datasets.japan_2025()
    policies = [reopt.cap_share(0.8, country="CN", product=p) for p in market.products]
    table = reopt.solve(market, policies=policies).shadow_price_ranges
    slack = table[(table["unit"] == "USD/pp") & ~table["binding"]]
    assert len(slack) >= 1
    for row in slack.itertuples():
        assert row.value_usd_per_pp == 0 and row.valid_to == 1.0 and row.valid_from < 0.8
        assert product_cap_price(market, row.product, row.valid_from + 1e-3) == 0.0


def test_frontier_marks_breakpoints_that_fall_on_grid_caps():
    import matplotlib.pyplot as plt

    market = reopt.datasets.japan_2025()
    kinks = reopt.sweep(market, china_cap=[0.6, 1.0])
    found = kinks.loc[kinks["point"] == "breakpoint", "china_cap"].tolist()
    curve = reopt.sweep(market, china_cap=[0.6, *found, 1.0])
    ax = reopt.plot.frontier(curve)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"breakpoints ({len(found)})" in labels
    plt.close("all")
