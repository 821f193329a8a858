"""A sweep's price at a kink is what loosening the swept bound saves, from every back end.

At a breakpoint the swept rows' dual is not unique: HiGHS returned the price of tightening
(the piece below a cap), the greedy curve that of loosening (the piece above), which is
what ``price_usd_per_pp`` is documented to be. The table now takes it from the piece on the
loosening side, whichever back end solved the point.

Nd, 100 t: China 100 t at 10 USD/kg, Australia 30 t at 20, Vietnam without limit at 30.
Above a China cap of 70% the marginal non-Chinese tonne is Australia's (a point of the cap
saves 1 t x 10 USD/kg = 10,000 USD); below, Vietnam's (20,000 USD). With China capped at
60%, a floor on Vietnam's share binds above its 10%: each point replaces Australia's tonne
(10,000 USD) up to 40%, then China's (20,000 USD). At 10% loosening it saves nothing.
"""

from __future__ import annotations

import pandas as pd
import pytest

import reopt

SOLVERS = ["highs", "auto", "glpk"]


@pytest.fixture(scope="module")
def market() -> reopt.Market:
    offers = pd.DataFrame(
        {
            "source": ["cn", "au", "vn"],
            "product": "Nd",
            "country": ["CN", "AU", "VN"],
            "kind": "mine",
            "capacity_t": [100.0, 30.0, float("inf")],
            "price_usd_per_kg": [10.0, 20.0, 30.0],
        }
    )
    return reopt.Market(offers, pd.DataFrame({"product": ["Nd"], "demand_t": [100.0]}))


@pytest.mark.parametrize("solver", [s for s in SOLVERS if s in reopt.available_solvers()])
def test_a_cap_sweep_prices_its_kink_by_loosening(market, solver):
    table = reopt.sweep(market, china_cap=[0.5, 0.7, 0.9], solver=solver, progress=False)
    assert table.attrs["breakpoints"] == pytest.approx([0.7])
    at = table[table["china_cap"].sub(0.7).abs() < 1e-9]
    assert len(at) >= 1
    assert at["price_usd_per_pp"].to_numpy() == pytest.approx(10_000.0, rel=1e-9)
    below = table[table["china_cap"] == 0.5]["price_usd_per_pp"]
    assert below.to_numpy() == pytest.approx(20_000.0, rel=1e-9)


def test_auto_and_highs_sweeps_give_the_same_prices(market):
    tables = [
        reopt.sweep(market, china_cap=[0.5, 0.7, 0.9], solver=s, progress=False)
        for s in ("auto", "highs")
    ]
    assert tables[0]["price_usd_per_pp"].to_numpy() == pytest.approx(
        tables[1]["price_usd_per_pp"].to_numpy(), rel=1e-9
    )


@pytest.mark.parametrize("solver", [s for s in SOLVERS if s in reopt.available_solvers()])
def test_a_floor_sweep_prices_its_kinks_by_loosening(market, solver):
    floor = reopt.min_share(0.0, country="VN")
    table = reopt.sweep(
        market,
        china_cap=0.6,
        vary=floor,
        shares=[0.05, 0.1, 0.4, 0.6],
        solver=solver,
        progress=False,
    )
    share = table.columns[0]
    assert table.attrs["breakpoints"] == pytest.approx([0.1, 0.4])
    for kink, saved in ((0.1, 0.0), (0.4, 10_000.0), (0.6, 20_000.0)):
        at = table[table[share].sub(kink).abs() < 1e-9]["price_usd_per_pp"].to_numpy()
        assert len(at) >= 1
        assert at == pytest.approx(saved, rel=1e-9, abs=1e-6), (kink, table)
