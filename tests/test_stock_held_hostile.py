"""Stock held at its floors, on hostile markets: the default back end against HiGHS whole.

`reopt.backends.relaxed` (stock held at its floors, purchases fixed by the balance rows) on
markets built to break it: floors in days of demand that fall from one period to the next,
``max_t`` binding, initial stock above the floor, above ``max_t`` or above the first
period's demand, periods without demand, products with and without a stock row side by
side, lead times, China caps, caps per country, recycled floors, value-basis shares, no
holding cost, tied prices and infeasible markets. The size thresholds are lowered so that
these small markets take the path. Every answer must match HiGHS's status and cost (1e-9)
and its duals must prove it optimal.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from certificates import assert_certificate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reopt
import reopt.backends.relaxed as relaxed
import reopt.backends.split as split
from reopt.errors import ReoptWarning

OFFER_COLUMNS = ["source", "product", "period", "country", "kind", "capacity_t"]
CN = reopt.cap_share(0.5, country="CN")
POLICIES = {
    "none": [],
    "china": [CN],
    "each country": [CN, reopt.cap_share(0.7, each="country")],
    "recycled floor": [CN, reopt.min_share(0.2, kind="recycler")],
    "crossing": [
        CN,
        reopt.cap_share(0.9, country=["CN", "AU"]),
        reopt.cap_share(0.9, country=["AU", "US"]),
    ],
}


@pytest.fixture(autouse=True)
def small_programs_too(monkeypatch):
    """Small markets take the path here (see tests/test_stock_held.py)."""
    monkeypatch.setattr(relaxed, "RELAX_FROM_COLUMNS", 0)
    monkeypatch.setattr(split, "SPLIT_FROM_COLUMNS", 0)


def offers(prices: dict[str, list[float]], products: str = "A", **extra: list) -> pd.DataFrame:
    """Per product and period: AU mine, CN refinery, US recycler (40 t), at ``prices``."""
    where = {"au": ("AU", "mine", np.nan), "cn": ("CN", "refinery", np.nan)}
    where["rc"] = ("US", "recycler", 40.0)
    rows = [
        (s, p, t + 1, *where[s], price)
        for p in products
        for s, series in prices.items()
        for t, price in enumerate(series)
    ]
    return pd.DataFrame(rows, columns=[*OFFER_COLUMNS, "price_usd_per_kg"]).assign(**extra)


def demand(series: list[float], products: str = "A") -> pd.DataFrame:
    rows = [(p, t + 1, d) for p in products for t, d in enumerate(series)]
    return pd.DataFrame(rows, columns=["product", "period", "demand_t"])


def stock(*rows: dict) -> pd.DataFrame:
    """Stock rows; blank ``initial_t`` 0, holding 1 USD/kg a period."""
    return pd.DataFrame([{"initial_t": 0.0, "holding_usd_per_kg": 1.0} | r for r in rows])


PRICES = {"au": [10.0, 20.0, 11.0], "cn": [6.0, 9.0, 5.0], "rc": [14.0, 25.0, 12.0]}


def solved(m: reopt.Market, policies: list) -> reopt.Plan:
    """Auto's plan, checked against HiGHS whole (status, cost) and as a certificate."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReoptWarning)
        plan = reopt.solve(m, policies=policies)
        whole = reopt.solve(m, policies=policies, solver="highs")
    assert plan.status is whole.status
    if whole.is_optimal:
        assert plan.cost_usd == pytest.approx(whole.cost_usd, rel=1e-9, abs=1e-9)
        assert_certificate(plan)
    return plan


STOCKS = {
    "days floor": {"min_days": 73.0},
    "days floor falling": {"min_days": 365.0},
    "max_t binds": {"max_t": 30.0},
    "initial above floor": {"initial_t": 60.0, "min_t": 20.0},
    "initial above max_t": {"initial_t": 80.0, "max_t": 50.0},
    "initial above demand": {"initial_t": 250.0, "max_t": 300.0},
    "floor = max_t": {"min_t": 25.0, "max_t": 25.0},
    "no holding cost": {"holding_usd_per_kg": 0.0, "min_t": 10.0},
    "dear holding": {"holding_usd_per_kg": 30.0, "min_t": 10.0},
}


@pytest.mark.parametrize("policy", list(POLICIES))
@pytest.mark.parametrize("row", list(STOCKS))
@pytest.mark.parametrize("series", [[100.0, 50.0, 120.0], [100.0, 0.0, 80.0], [0.0, 0.0, 0.0]])
def test_stock_rows_of_every_shape(row: str, policy: str, series: list[float]) -> None:
    """Floors in days or tonnes, ``max_t`` binding, initial stock high, zero demand: each
    stock row under each policy class, products A (stocked) and B (not) side by side."""
    m = reopt.Market(
        offers(PRICES, "AB"), demand(series, "AB"), stock=stock({"product": "A"} | STOCKS[row])
    )
    solved(m, POLICIES[policy])


@pytest.mark.parametrize("holding", [0.0, 1.0, 30.0])
@pytest.mark.parametrize("policy", list(POLICIES))
def test_tied_prices(holding: float, policy: str) -> None:
    """Every offer at one price (10 USD/kg): stock costs only its holding, any plan of the
    right tonnes is optimal, and the path's answer must still carry a valid certificate."""
    tied = {s: [10.0] * 3 for s in PRICES}
    m = reopt.Market(
        offers(tied),
        demand([100.0, 50.0, 120.0]),
        stock=stock({"product": "A", "min_t": 5.0, "holding_usd_per_kg": holding}),
    )
    solved(m, POLICIES[policy])


@pytest.mark.parametrize("holding", [0.0, 1.0, 30.0])
def test_value_basis_with_prices_tied_in_each_period_takes_the_path(holding: float) -> None:
    """Prices tie within each period (10, 20, 11): the value column, like the tonnes one,
    is fixed by the balance row, and the value-basis cap is one the greedy method takes."""
    tied = {s: [10.0, 20.0, 11.0] for s in PRICES}
    m = reopt.Market(
        offers(tied),
        demand([100.0, 80.0, 120.0]),
        stock=stock({"product": "A", "max_t": 150.0, "holding_usd_per_kg": holding}),
    )
    for policies in (
        [reopt.cap_share(0.5, country="CN", basis="value")],
        [CN, reopt.cap_share(0.4, country="CN", basis="value")],
    ):
        plan = solved(m, policies)
        assert plan.methods["method"].eq("relaxed").all()


@pytest.mark.parametrize("lead", ["all one", "recycler one", "China one"])
@pytest.mark.parametrize("policy", ["none", "china", "recycled floor"])
def test_lead_times(lead: str, policy: str) -> None:
    """Lead times with and without shares: where every offer arrives a period late, a
    period's purchases are the next period's balance (initial stock covers period 1), and
    a share is a cap on them."""
    late = {"all one": ["au", "cn", "rc"], "recycler one": ["rc"], "China one": ["cn"]}[lead]
    table = offers(PRICES)
    table["lead_time_periods"] = table["source"].isin(late).astype(int)
    m = reopt.Market(
        table, demand([100.0, 50.0, 120.0]), stock=stock({"product": "A", "initial_t": 100.0})
    )
    plan = solved(m, POLICIES[policy])
    if lead == "all one" and policy != "recycled floor":  # one lead time: the path, shares too
        assert plan.methods["method"].eq("relaxed").all()


@pytest.mark.parametrize(
    "policies, capacity",
    [
        ([reopt.cap_share(0.1, country="CN"), reopt.cap_share(0.1, country="AU")], None),
        ([reopt.min_share(0.9, kind="recycler")], None),
        ([], 30.0),
    ],
    ids=["caps too tight", "floor unreachable", "capacity short"],
)
def test_infeasible_markets(policies: list, capacity: float | None) -> None:
    """Infeasible with stock: auto says so too, through whatever path it takes."""
    table = offers(PRICES)
    if capacity is not None:
        table["capacity_t"] = capacity
    m = reopt.Market(
        table, demand([100.0, 100.0, 100.0]), stock=stock({"product": "A", "min_t": 10.0})
    )
    assert not solved(m, policies).is_optimal


def test_holding_makes_feasible_what_the_floor_plan_is_not() -> None:
    """Period 2's three offers sell only 60 t of its 100 t: with the stock at its floor there is
    no plan, but buying ahead in period 1 is one; auto must find HiGHS's optimum."""
    table = offers(PRICES).assign(capacity_t=[300.0, 20.0, 300.0] * 3)
    m = reopt.Market(table, demand([100.0, 100.0, 100.0]), stock=stock({"product": "A"}))
    for policies in POLICIES.values():
        assert solved(m, policies).is_optimal


@st.composite
def hostile_markets(draw: st.DrawFn) -> tuple[reopt.Market, list]:
    """1-5 periods, 1-3 products (P0 always stocked), floors in days or tonnes, high initial
    stock, ``max_t`` at the floor or near it, zero demand, tied prices, lead times (one for
    every offer, or some offers late)."""
    n_periods, products = draw(st.integers(1, 5)), [f"P{k}" for k in range(draw(st.integers(1, 3)))]
    price = st.sampled_from([5.0, 10.0]) if draw(st.booleans()) else st.floats(1.0, 30.0)
    lead = draw(st.sampled_from(["none", "some", "late", "all late"]))
    rows = []
    for t in range(n_periods):
        for p in products:
            for s, c, k in (
                ("s0", "CN", "refinery"),
                ("s1", "AU", "mine"),
                ("s2", "US", "recycler"),
                ("s3", "VN", "refinery"),
            ):
                cap = np.nan if s != "s3" else draw(st.sampled_from([0.0, 50.0, np.nan]))
                late = (
                    1
                    if lead == "all late"  # one lead time for every offer
                    else 0
                    if s in ("s0", "s1") or lead == "none"
                    else 1
                    if lead == "late"
                    else draw(st.integers(0, 1))
                )
                rows.append((s, p, t, c, k, cap, draw(price), late))
    table = pd.DataFrame(rows, columns=[*OFFER_COLUMNS, "price_usd_per_kg", "lead_time_periods"])
    amounts = st.sampled_from([0.0, 10.0, 100.0, 1000.0]) | st.floats(1.0, 500.0)
    dem = pd.DataFrame(
        [(p, t, draw(amounts)) for p in products for t in range(n_periods)],
        columns=["product", "period", "demand_t"],
    )
    stocked = []
    for p in products:
        if p != "P0" and draw(st.booleans()):
            continue
        floor = draw(st.sampled_from(["min_t", "min_days", None]))
        row = {"product": p, "holding_usd_per_kg": draw(st.sampled_from([0.0, 0.5, 5.0, 30.0]))}
        level = draw(st.sampled_from([0.0, 5.0, 60.0, 365.0])) if floor else 0.0
        if floor:
            row[floor] = level
        if floor == "min_days":
            level = level / 365.0 * float(dem.loc[dem["product"] == p, "demand_t"].max())
        row["max_t"] = level + draw(st.sampled_from([np.inf, 0.0, 10.0, 200.0]))
        row["initial_t"] = draw(st.sampled_from([0.0, level, level + 30.0, 150.0]))
        stocked.append(row)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReoptWarning)
        m = reopt.Market(table, dem, stock=pd.DataFrame(stocked))
    return m, POLICIES[draw(st.sampled_from(list(POLICIES)))]


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(case=hostile_markets())
def test_hostile_markets_agree_with_highs(case) -> None:
    """Generated hostile markets under every policy class: auto agrees with HiGHS whole."""
    solved(*case)
