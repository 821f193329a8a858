"""Offers entering and leaving a sweep's plan: only where the cost curve kinks, whatever the grid.

With offers tied in price the cheapest plan is not unique, and which of the tied offers a
solver's answer buys is its own choice. The sweep reports, on each piece of the cost curve,
the offers bought in at least one cheapest plan (the same on the whole piece), so offers
enter or leave only at a breakpoint or at the feasibility limit, and the same ones on any
grid.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import demand_table, offers_table
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import MIN_FEASIBLE_CAP, cases

import reopt

#: The rows where the curve changes: where offers may enter or leave (a grid row only at an
#: end of the curve, a share of 0 or 1).
EVENT_POINTS = {"breakpoint", "min_feasible", "max_feasible"}


def events(curve: pd.DataFrame) -> dict[tuple[float, str], tuple[str, str]]:
    """(value, point) -> (entering, leaving) for every row where something changes."""
    parameter = curve.attrs["parameter"]
    changed = curve[(curve["entering"] != "") | (curve["leaving"] != "")]
    return {
        (round(float(getattr(row, parameter)), 9), row.point): (row.entering, row.leaving)
        for row in changed.itertuples()
    }


def at_rows(curve: pd.DataFrame, values: set[float]) -> dict[tuple[float, str], tuple[str, str]]:
    """(value, point) -> (entering, leaving) for the rows at ``values`` (rounded to 1e-9)."""
    parameter = curve.attrs["parameter"]
    out = {}
    for row in curve.itertuples():
        key = round(float(getattr(row, parameter)), 9)
        if key in values:
            out[(key, row.point)] = (row.entering, row.leaving)
    return out


def assert_only_at_breakpoints(curve: pd.DataFrame) -> None:
    """Changes only at a breakpoint, the feasibility limit, or a share of 0 or 1."""
    kinks = {round(b, 9) for b in curve.attrs["breakpoints"]}
    limit = curve.attrs["feasibility_limit"]
    ends = {0.0, 1.0} | ({round(limit, 9)} if limit is not None else set())
    for value, point in events(curve):
        if point == "breakpoint":
            assert value in kinks, (value, point)
        else:
            assert point in EVENT_POINTS or value in (0.0, 1.0), (value, point)
            assert value in ends, (value, point)
    for value in kinks:  # one row per change, never a grid row beside a breakpoint row
        assert not [key for key in events(curve) if key == (value, "grid")]


def grid(step: float) -> np.ndarray:
    return np.round(np.arange(0.5, 1.0 + step / 2, step), 9)


# --- japan_2025: three grids, one answer -----------------------------------------------------
@pytest.fixture(scope="module")
def japan_curves() -> dict[float, pd.DataFrame]:
    market = reopt.datasets.japan_2025()
    return {
        step: reopt.sweep(market, china_cap=grid(step), progress=False)
        for step in (0.05, 0.01, 0.001)
    }


def test_japan_offers_enter_and_leave_only_at_breakpoints(japan_curves):
    for curve in japan_curves.values():
        assert_only_at_breakpoints(curve)
        assert events(curve)  # the curve has kinks, and offers do change there


def test_japan_entering_and_leaving_do_not_depend_on_the_grid(japan_curves):
    coarse, medium, fine = (japan_curves[s] for s in (0.05, 0.01, 0.001))
    shared = {round(v, 9) for v in grid(0.05)}
    shared |= {round(b, 9) for b in coarse.attrs["breakpoints"]}
    shared.add(round(coarse.attrs["feasibility_limit"], 9))
    reference = at_rows(coarse, shared)
    assert len(reference) > len(grid(0.05))  # the grid, the breakpoints and the limit
    for other in (medium, fine):
        rows = at_rows(other, shared)
        assert {key: rows[key] for key in reference} == reference
    # and no grid finds a change the others do not
    assert events(coarse) == events(medium) == events(fine)


def test_japan_tied_recyclers_change_only_together_at_a_kink(japan_curves):
    """The issue's cases: tied recyclers left at a cap that is no kink, and came back."""
    heavy = (
        "japan_recycling / Dy oxide; japan_recycling / Tb oxide; "
        "vietnam_jp_recycling / Dy oxide; vietnam_jp_recycling / Tb oxide"
    )
    for curve in japan_curves.values():
        text = curve["entering"] + " " + curve["leaving"]
        tb = text.str.contains("japan_recycling / Tb oxide")
        # the heavy rare earths' tied recyclers stay in until the cap stops binding at 100%
        assert tb.sum() == 1
        assert curve[tb].iloc[0].china_cap == 1.0
        assert curve[tb].iloc[0].leaving == heavy
        vietnam = text.str.contains("vietnam_jp_recycling / NdPr oxide")
        assert vietnam.sum() == 1  # where the curve kinks at 67.27%, with its tied rival
        row = curve[vietnam].iloc[0]
        assert row.point == "breakpoint"
        assert row.china_cap == pytest.approx(0.6727272727, abs=1e-9)
        assert row.leaving == "japan_recycling / NdPr oxide; vietnam_jp_recycling / NdPr oxide"


# --- a hand-made tie --------------------------------------------------------------------------
@pytest.fixture
def tied_market() -> reopt.Market:
    """One product, 100 t: China 10 $/kg (unlimited), Australia and Vietnam 12 $/kg (30 t each,
    a tie), the USA 15 $/kg (100 t).

    A cap ``s`` on China leaves ``100 (1 - s)`` t to buy elsewhere: Australia and Vietnam
    first (60 t between them, in any split), then the USA. At ``s = 0`` (the limit) China buys
    nothing; on (0, 0.4) every offer is bought; at 0.4 (a kink) the USA leaves; on (0.4, 1)
    China, Australia and Vietnam are bought, the two tied offers in any split of what China
    leaves, so both stay in the plan; at 1 China buys everything.
    """
    offers = offers_table(
        [
            ("cn", "A", "CN", "refinery", None, 10.0),
            ("au", "A", "AU", "mine", 30.0, 12.0),
            ("vn", "A", "VN", "recycler", 30.0, 12.0),
            ("us", "A", "US", "refinery", 100.0, 15.0),
        ]
    )
    return reopt.Market(offers, demand_table([("A", 100.0)]))


@pytest.mark.parametrize(
    "caps",
    [
        [0.0, 1.0],
        [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
        [0.1, 0.45, 0.7, 0.95],
        list(np.round(np.linspace(0.0, 1.0, 41), 9)),
    ],
)
def test_two_tied_offers_both_stay_in_the_plan(tied_market, caps):
    curve = reopt.sweep(tied_market, china_cap=caps, progress=False)
    assert curve.attrs["breakpoints"] == pytest.approx([0.4])
    expected = {
        (0.0, "min_feasible"): ("cn / A", ""),  # China comes in as soon as the cap allows
        (0.4, "breakpoint"): ("", "us / A"),  # the tie covers what China leaves
    }
    if 1.0 in caps:  # at 100% the cap no longer binds: China alone
        expected[(1.0, "grid")] = ("", "au / A; vn / A")
    assert events(curve) == expected


def test_every_back_end_reports_the_same_changes(tied_market, solver):
    """Whichever tied offers a back end's answers buy, the changes are the same."""
    curve = reopt.sweep(tied_market, china_cap=[0.0, 0.3, 0.6, 1.0], solver=solver, progress=False)
    assert events(curve) == {
        (0.0, "min_feasible"): ("cn / A", ""),
        (0.4, "breakpoint"): ("", "us / A"),
        (1.0, "grid"): ("", "au / A; vn / A"),
    }


def test_a_tie_across_the_cap_is_reported_once(tied_market):
    """China tied with Australia: from the kink to 100% both are in every grid's answer."""
    offers = tied_market.offers.copy()
    offers.loc[offers["source"] == "au", "price_usd_per_kg"] = 10.0
    market = reopt.Market(offers, tied_market.demand)
    for caps in ([0.0, 1.0], [0.0, 0.5, 0.7, 0.71, 1.0], list(np.linspace(0, 1, 21))):
        curve = reopt.sweep(market, china_cap=caps, progress=False)
        assert_only_at_breakpoints(curve)
        assert events(curve) == {
            (0.0, "min_feasible"): ("cn / A", ""),
            (0.4, "breakpoint"): ("", "us / A"),
            (0.7, "breakpoint"): ("", "vn / A"),  # Australia, tied with China, stays
        }


# --- generated markets with ties --------------------------------------------------------------
@st.composite
def tied_markets(draw: st.DrawFn) -> reopt.Market:
    """A generated market whose prices come from three values, so that offers often tie."""
    case = draw(cases())
    offers = case.offers.copy()
    prices = st.sampled_from([5.0, 8.0, 13.0])
    offers["price_usd_per_kg"] = [draw(prices) for _ in range(len(offers))]
    return reopt.Market(offers, case.demand)


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(market=tied_markets(), extra=st.lists(st.floats(MIN_FEASIBLE_CAP, 1.0), max_size=6))
def test_entering_and_leaving_do_not_depend_on_the_grid(market, extra):
    coarse = [MIN_FEASIBLE_CAP, 1.0]
    fine = sorted({*coarse, *np.round(np.linspace(MIN_FEASIBLE_CAP, 1.0, 15), 9), *extra})
    a = reopt.sweep(market, china_cap=coarse, progress=False)
    b = reopt.sweep(market, china_cap=fine, progress=False)
    assert_only_at_breakpoints(a)
    assert_only_at_breakpoints(b)
    assert events(a) == events(b)


@settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(market=tied_markets(), extra=st.lists(st.floats(0.0, 1.0), max_size=6))
def test_a_floors_entering_and_leaving_do_not_depend_on_the_grid(market, extra):
    """The same for a recycled-content floor, whose limit is the largest feasible share."""
    assume("recycler" in set(market.offers["kind"]))
    floor = reopt.min_share(0, kind="recycler")
    fine = sorted({0.0, 1.0, *np.round(np.linspace(0.0, 1.0, 9), 9), *extra})
    a = reopt.sweep(market, vary=floor, shares=[0.0, 1.0], progress=False)
    b = reopt.sweep(market, vary=floor, shares=fine, progress=False)
    assert_only_at_breakpoints(a)
    assert_only_at_breakpoints(b)
    assert events(a) == events(b)
