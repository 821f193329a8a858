"""Stock held at its floors: the greedy plan for each period, and HiGHS from it where holding pays.

`reopt.backends.relaxed` through the default back end, on small markets (the size
threshold lowered, as large markets take the path). Every answer is checked against
hand-worked costs, HiGHS on the whole program, and as a certificate of its own duals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from certificates import assert_certificate
from conftest import THREE_PERIOD_DEMAND, THREE_PERIOD_OFFERS

import reopt
import reopt.backends.relaxed as relaxed
import reopt.backends.split as split
from reopt.backends.held import holding

OFFERS, DEMAND = THREE_PERIOD_OFFERS, THREE_PERIOD_DEMAND


@pytest.fixture(autouse=True)
def small_programs_too(monkeypatch):
    """Small markets take the path here (from `RELAX_FROM_COLUMNS` columns; parts from
    `SPLIT_FROM_COLUMNS`)."""
    monkeypatch.setattr(relaxed, "RELAX_FROM_COLUMNS", 0)
    monkeypatch.setattr(split, "SPLIT_FROM_COLUMNS", 0)


def market(**stock: float) -> reopt.Market:
    row = {"product": "A", "initial_t": 0.0, "min_t": 0.0, "max_t": 150.0}
    row["holding_usd_per_kg"] = 1.0
    row.update(stock)
    return reopt.Market(OFFERS.copy(), DEMAND.copy(), stock=pd.DataFrame([row]))


def solved(m: reopt.Market, **kwargs) -> reopt.Plan:
    plan = reopt.solve(m, **kwargs)
    whole = reopt.solve(m, solver="highs", **kwargs)
    assert plan.status is whole.status
    if whole.is_optimal:
        assert plan.cost_usd == pytest.approx(whole.cost_usd, rel=1e-9)
        assert_certificate(plan)
    return plan


def test_the_plan_alone_where_holding_costs_more_than_it_saves() -> None:
    """Holding costs 15 USD/kg a period: period 2's 20 is cheaper than 10 + 15; no stock.

    Cost (10 + 20 + 11) * 100 t * 1,000 = 4,100,000 USD, with no LP solver run.
    """
    plan = solved(market(holding_usd_per_kg=15.0))
    assert plan.cost_usd == pytest.approx(4_100_000.0, rel=1e-12)
    assert plan.solution.raw_status.startswith("greedy: optimal")
    assert plan.methods["method"].eq("relaxed").all()
    assert plan.methods["reason"].iloc[0] == (
        "with its stock between periods set aside, each product's caps nest; the greedy "
        "plan for the rest was optimal with the stock at its floors"
    )


def test_stock_at_its_floor_is_bought_and_held() -> None:
    """A floor of 20 t, held at 15 USD/kg: 20 t more in period 1, held through the horizon.

    x = (120, 100, 100): (120 * 10 + 100 * 20 + 100 * 11) * 1,000 = 4,300,000 USD, plus
    20 t * 15 USD/kg * 3 periods = 900,000 USD: 5,200,000 USD.
    """
    plan = solved(market(min_t=20.0, holding_usd_per_kg=15.0))
    assert plan.cost_usd == pytest.approx(5_200_000.0, rel=1e-12)
    assert plan.solution.raw_status.startswith("greedy: optimal")
    assert np.allclose(plan.solution.x[:3], [120.0, 100.0, 100.0])


def test_highs_from_the_plan_where_buying_ahead_pays() -> None:
    """Holding at 1 USD/kg: period 2's 100 t come from period 1 (10 + 1 < 20), up to the
    150 t stock limit; period 3 buys its own at 11 (held from period 1: 12).

    x = (200, 0, 100), s = (100, 0, 0): (200 * 10 + 100 * 11) * 1,000 + 100 * 1,000 =
    3,200,000 USD.
    """
    plan = solved(market())
    assert plan.cost_usd == pytest.approx(3_200_000.0, rel=1e-12)
    assert plan.methods["reason"].iloc[0] == (
        "with its stock between periods set aside, each product's caps nest; the greedy "
        "plan for the rest was not optimal for the program, and HiGHS, started from it, "
        "solved the program"
    )


def test_only_the_products_where_holding_pays_go_to_highs() -> None:
    """Two products, stock linking each one's periods: B holds nothing worth holding."""
    offers = pd.concat([OFFERS, OFFERS.assign(product="B", price_usd_per_kg=[10.0, 10.5, 11.0])])
    demand = pd.concat([DEMAND, DEMAND.assign(product="B")])
    rows = [("A", 0.0, 0.0, 150.0, 1.0), ("B", 0.0, 0.0, 150.0, 1.0)]
    stock = pd.DataFrame(
        rows, columns=["product", "initial_t", "min_t", "max_t", "holding_usd_per_kg"]
    )
    plan = solved(reopt.Market(offers, demand, stock=stock))
    assert plan.cost_usd == pytest.approx(3_200_000.0 + 3_150_000.0, rel=1e-12)
    assert "was optimal in 1 of 2 parts" in plan.methods["reason"].iloc[0]


def test_a_china_cap_on_each_periods_purchases_with_stock() -> None:
    """A Chinese offer at 5 USD/kg each period under a 50% cap on the period's purchases.

    With stock, a share's base is the period's purchases (a column): held with the stock,
    it is the period's demand plus what the stock takes, and the cap one the greedy method
    takes. A tonne more bought in period 1 costs half at 5 and half at 10, held at 1: 8.5,
    against 12.5 bought in period 2 (half at 5, half at 20); period 3's own tonne costs 8
    (held from period 1: 9.5). So period 1 buys 200 t (100 from China), period 2 nothing,
    period 3 100 t (50 from China): 1,500 + 100 holding + 800 = 2,400 USD/kg-t:
    2,400,000 USD; HiGHS, started from the plan, finds it.
    """
    china = OFFERS.assign(source="c", country="CN", price_usd_per_kg=5.0)
    m = reopt.Market(
        pd.concat([OFFERS, china]),
        DEMAND.copy(),
        stock=pd.DataFrame(
            [("A", 0.0, 0.0, 150.0, 1.0)],
            columns=["product", "initial_t", "min_t", "max_t", "holding_usd_per_kg"],
        ),
    )
    plan = solved(m, china_cap=0.5)
    assert plan.cost_usd == pytest.approx(2_400_000.0, rel=1e-12)
    assert plan.methods["method"].eq("relaxed").all()
    assert "HiGHS, started from it" in plan.methods["reason"].iloc[0]
    expensive = solved(m.replace(stock=m.stock.assign(holding_usd_per_kg=10.0)), china_cap=0.5)
    # held at 10 USD/kg, nothing is worth holding: (50 * 5 + 50 * p) for p = 10, 20, 11
    assert expensive.cost_usd == pytest.approx(2_800_000.0, rel=1e-12)
    assert expensive.solution.raw_status.startswith("greedy: optimal")


def test_initial_stock_is_used_up_first_by_the_plan_alone() -> None:
    """250 t at the start, held at 1 USD/kg a period: periods 1 and 2 live on it, period 3
    takes its last 50 t and buys 50 t at 11.

    Stock (150, 50, 0): 200 t-periods * 1,000 + 50 * 11 * 1,000 = 750,000 USD. The plan
    is proved optimal with no LP solver: the stock held above its floor prices period 2 at
    11 - 1 = 10 USD/kg and period 1 at 9, below what either period's offer costs.
    """
    m = market(initial_t=250.0, max_t=300.0)
    plan = solved(m)
    assert plan.cost_usd == pytest.approx(750_000.0, rel=1e-12)
    assert plan.methods["method"].eq("relaxed").all()
    assert plan.solution.raw_status.startswith("greedy: optimal")
    assert np.allclose(plan.solution.x[:3], [0.0, 0.0, 50.0])
    prices = plan.shadow_prices
    demand = prices[prices["constraint"] == "demand"]["value_usd_per_kg"].to_numpy()
    assert np.allclose(demand, [9.0, 10.0, 11.0])  # HiGHS's, too


def test_highs_from_the_plan_where_buying_ahead_beats_using_up_the_stock() -> None:
    """The same, period 3's offer at 30: 50 t bought in period 1 at 10 and held two periods
    (12) beat 30 in period 3 and 21 from period 2. The plan (buy in period 3) is not
    optimal: with period 2 priced at 29, its offer's reduced cost is below 0, and HiGHS
    starts from the plan.

    x = (50, 0, 0), stock (200, 100, 0): 500 + 300 = 800 -> 800,000 USD.
    """
    offers = OFFERS.assign(price_usd_per_kg=[10.0, 20.0, 30.0])
    row = ("A", 250.0, 0.0, 300.0, 1.0)
    stock = pd.DataFrame(
        [row], columns=["product", "initial_t", "min_t", "max_t", "holding_usd_per_kg"]
    )
    plan = solved(reopt.Market(offers, DEMAND.copy(), stock=stock))
    assert plan.cost_usd == pytest.approx(800_000.0, rel=1e-12)
    assert plan.methods["method"].eq("relaxed").all()
    assert "HiGHS, started from it" in plan.methods["reason"].iloc[0]


def test_an_initial_stock_that_outlasts_the_horizon_buys_nothing() -> None:
    """400 t at the start, 300 t of demand: nothing bought, 300 + 200 + 100 t-periods held."""
    plan = solved(market(initial_t=400.0, max_t=300.0))
    assert plan.cost_usd == pytest.approx(600_000.0, rel=1e-12)
    assert plan.solution.raw_status.startswith("greedy: optimal")
    assert np.allclose(plan.solution.x[:3], 0.0)


def test_an_initial_stock_beyond_the_stock_limit_is_infeasible() -> None:
    """400 t at the start, 300 t of demand, at most 250 t held: the surplus cannot go."""
    m = market(initial_t=400.0, max_t=250.0)
    assert holding(reopt.compile(m)) is None
    plan = solved(m)
    assert plan.status is reopt.Status.INFEASIBLE


def test_lead_times_with_a_cap_per_period_go_to_highs() -> None:
    """Bought in one period, arriving in the next: the cap of a period spans two balances."""
    m = reopt.Market(
        OFFERS.assign(lead_time_periods=[0, 1, 0]),
        DEMAND.copy(),
        stock=pd.DataFrame(
            [("A", 0.0, 0.0, 150.0, 1.0)],
            columns=["product", "initial_t", "min_t", "max_t", "holding_usd_per_kg"],
        ),
    )
    plan = solved(m, china_cap=0.5)
    assert plan.is_optimal


@pytest.mark.parametrize("tiny", [1e-270, 1e-20, 1e-14, 1e-6])
def test_a_tiny_demand_keeps_reduced_costs_true_to_the_duals(tiny: float) -> None:
    """One stocked product needs a tiny amount in its last period, every other demand is 0.

    Scaled by its demand, that product's costs are tiny beside the others' (5e-15 at 1e-14
    t), below HiGHS's tolerances: HiGHS, started from the plan, reported reduced costs of 0
    where ``c - A^T y`` is 5e-15, and unscaling made that a whole price (1,000 USD/t) on
    the plan. Reduced costs are now ``c - A^T y`` of the answer's own duals.
    """
    rows = [
        (source, product, t, country, kind, cap, 2.0 if (product, t) == ("P0", 1) else 1.0)
        for t in range(3)
        for product in ("P0", "P1", "P2")
        for source, country, kind, cap in (
            ("s0", "CN", "refinery", np.nan),
            ("s1", "AU", "mine", np.nan),
            ("s2", "US", "recycler", np.nan),
            ("s3", "VN", "refinery", 0.0),
        )
    ]
    columns = ["source", "product", "period", "country", "kind", "capacity_t"]
    offers = pd.DataFrame(rows, columns=[*columns, "price_usd_per_kg"])
    demand = pd.DataFrame(
        [
            (p, t, tiny if (p, t) == ("P0", 2) else 0.0)
            for p in ("P0", "P1", "P2")
            for t in range(3)
        ],
        columns=["product", "period", "demand_t"],
    )
    stock = pd.DataFrame({"product": ["P0", "P1"], "initial_t": 0.0, "holding_usd_per_kg": 0.0})
    m = reopt.Market(offers, demand, stock=stock)
    plan = solved(m, policies=[reopt.cap_share(0.5, country="CN")])
    assert plan.methods["method"].eq("relaxed").all()


@pytest.mark.parametrize(
    ("demand_t", "floor_t", "max_t", "initial_t"),
    [
        (0.0, 364.2287377408101, np.inf, 916.0152635522994),
        (2.127203678735312, 87.18135372784424, 504.08789481548155, 257.893616870264),
    ],
)
def test_a_stock_that_covers_the_period_buys_nothing_not_a_rounding_residue(
    demand_t: float, floor_t: float, max_t: float, initial_t: float
) -> None:
    """One period whose initial stock covers its demand and floor: nothing is bought, as
    HiGHS buys nothing (the stock used up leaves what rounding leaves, 1e-14 t, which is
    nothing, not a purchase to share between countries)."""
    offers = OFFERS.iloc[:1].assign(period=1, country="CN", price_usd_per_kg=6.0)
    offers = pd.concat([offers, offers.assign(source="y", country="AU", price_usd_per_kg=40.0)])
    demand = DEMAND.iloc[:1].assign(demand_t=demand_t)
    stock = pd.DataFrame(
        [("A", initial_t, floor_t, max_t, 4.6)],
        columns=["product", "initial_t", "min_t", "max_t", "holding_usd_per_kg"],
    )
    policies = [reopt.cap_share(0.75, country="CN"), reopt.cap_share(0.8, each="country")]
    plan = solved(reopt.Market(offers, demand, stock=stock), policies=policies)
    assert plan.methods["method"].eq("relaxed").all()
    assert not plan.solution.x[: plan.market.n_offers].any()
    assert plan.shares("country").empty


def lead_market(lead_cn: int, lead_au: int, initial_t: float = 150.0) -> reopt.Market:
    """One product over three 100 t periods; CN at 10, 9, 8 USD/kg and AU at 14, 13, 12,
    each source with its own lead time; 500 USD/t a period to hold."""
    rows = []
    for t in range(3):
        rows.append(("cn", "CN", 10.0 - t, t, lead_cn))
        rows.append(("au", "AU", 14.0 - t, t, lead_au))
    offers = pd.DataFrame(
        rows, columns=["source", "country", "price_usd_per_kg", "period", "lead_time_periods"]
    ).assign(product="A", capacity_t=1_000.0)
    demand = pd.DataFrame({"product": "A", "period": [0, 1, 2], "demand_t": 100.0})
    stock = pd.DataFrame(
        [("A", initial_t, 0.0, 1_000.0, 0.5)],
        columns=["product", "initial_t", "min_t", "max_t", "holding_usd_per_kg"],
    )
    with pytest.warns(reopt.ReoptWarning, match="would arrive after the last period"):
        return reopt.Market(offers, demand, stock=stock)


def test_one_lead_time_under_a_share_is_solved_by_the_plan_alone() -> None:
    """Every offer arrives one period after it is bought; China's share of each period's
    purchases at most 60%. Period 1 lives on the initial stock (150 t, 50 t held: 25,000
    USD); period 1's purchases (50 t: 30 CN at 10, 20 AU at 14: 580,000 USD) arrive in
    period 2, period 2's (100 t: 60 at 9, 40 at 13: 1,060,000 USD) in period 3; period 3's
    would arrive too late. 1,665,000 USD, with no LP solver run."""
    plan = solved(lead_market(1, 1), policies=[reopt.cap_share(0.6, country="CN")])
    assert plan.cost_usd == pytest.approx(1_665_000.0, rel=1e-12)
    assert plan.solution.raw_status.startswith("greedy: optimal")
    assert plan.methods["method"].eq("relaxed").all()
    assert np.allclose(plan.solution.x[: plan.market.n_offers], [30, 20, 60, 40, 0, 0])
    lp = holding(plan.lp)
    assert lp is not None and len(lp.purchase_cols) == 3  # the last period's held at 0
    assert lp.values[np.isin(lp.cols, lp.purchase_cols)].tolist() == [50.0, 100.0, 0.0]


def test_lead_times_that_differ_within_a_product_go_to_highs() -> None:
    """CN's offers arrive a period later than AU's: a period's share then spans the
    arrivals of two periods, which no greedy block holds."""
    plan = solved(lead_market(1, 0), policies=[reopt.cap_share(0.6, country="CN")])
    assert plan.methods["method"].eq("highs").all()
    assert relaxed.relaxation(plan.lp) is None
