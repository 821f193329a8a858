"""The default back end against HiGHS whole on every class of market it tells apart.

Markets over one to three periods, with stock linking periods or not, under no policy (stock
alone), caps that nest (laminar), caps from two families that cross, floors, or all of them
at once. The size
thresholds of the split and set-aside paths are lowered so that these small markets take
them, as large ones do. Both answers must agree on status, cost (1e-9), each country's
share where the tonnes agree, and every shadow price the market fixes (a dual that every
optimal dual solution shares, `certificates.unique_row_duals`); where duals are not unique,
each answer's duals must still prove it optimal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from certificates import assert_certificate, unique_row_duals
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import stock_markets

import reopt
import reopt.backends.relaxed as relaxed
import reopt.backends.split as split

CLASSES = ("none", "laminar", "two families", "floors", "mixed")


def policies_for(kind: str, cap: float, floor: float) -> list[reopt.SharePolicy]:
    """The policies of one class of market; source 0 (China) and 1 (Australia) sell always."""
    china = reopt.cap_share(cap, country="CN")
    nested = [china, reopt.cap_share(max(cap, 0.8), each="country")]
    crossing = [
        reopt.cap_share(0.9, country=["CN", "AU"]),
        reopt.cap_share(0.9, country=["AU", "VN", "US"]),
    ]
    mined = reopt.min_share(floor, kind="mine")
    return {
        "none": [],
        "laminar": nested,
        "two families": [china, *crossing],
        "floors": [china, mined],
        "mixed": [*nested, mined, *crossing],
    }[kind]


def bought_t(plan: reopt.Plan, index: pd.Index) -> np.ndarray:
    """Whether each product (and period) of ``index`` bought more than 1e-6 t in all."""
    keys = plan.market.demand_keys
    tonnes = plan.allocation.groupby(keys)["tonnes"].sum()
    return (tonnes.reindex(index, fill_value=0.0) > 1e-6).to_numpy()


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    market=stock_markets(),
    kind=st.sampled_from(CLASSES),
    cap=st.floats(0.6, 1.0),
    floor=st.floats(0.0, 0.3),
)
def test_auto_agrees_with_highs_on_every_class(market, kind, cap, floor) -> None:
    policies = policies_for(kind, cap, floor)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(relaxed, "RELAX_FROM_COLUMNS", 0)
        patch.setattr(split, "SPLIT_FROM_COLUMNS", 0)
        auto = reopt.solve(market, policies=policies)
    highs = reopt.solve(market, policies=policies, solver="highs")
    assert auto.status is highs.status
    if not highs.is_optimal:
        return
    assert auto.cost_usd == pytest.approx(highs.cost_usd, rel=1e-9, abs=1e-9)
    assert_certificate(auto)
    assert_certificate(highs)
    n = market.n_offers
    if np.allclose(auto.solution.x[:n], highs.solution.x[:n], rtol=1e-9, atol=1e-9):
        # shares of what both bought; a purchase within tolerance of none (a floor of
        # 1e-254 t met exactly by one, left at 0 by the other) has no share to compare
        shares = auto.shares("country").align(highs.shares("country"), fill_value=0.0)
        both = bought_t(auto, shares[0].index) & bought_t(highs, shares[0].index)
        assert np.allclose(shares[0][both].to_numpy(), shares[1][both].to_numpy(), atol=1e-9)
    fixed = unique_row_duals(auto)
    if fixed is not None:
        scale = max(1.0, float(np.abs(auto.lp.cost).max()))
        y_auto, y_highs = auto.solution.row_dual, highs.solution.row_dual
        assert np.allclose(y_auto[fixed], y_highs[fixed], rtol=1e-7, atol=1e-7 * scale)


def test_the_classes_take_the_paths_they_are_named_for() -> None:
    """The generated classes reach the greedy, split and set-aside paths (stock held at its
    floors among them), not HiGHS alone."""
    seen: set[str] = set()

    @settings(max_examples=60, deadline=None, derandomize=True, database=None)
    @given(
        market=stock_markets(),
        kind=st.sampled_from(CLASSES),
        cap=st.floats(0.6, 1.0),
        floor=st.floats(0.0, 0.3),
    )
    def record(market, kind, cap, floor):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(relaxed, "RELAX_FROM_COLUMNS", 0)
            patch.setattr(split, "SPLIT_FROM_COLUMNS", 0)
            plan = reopt.solve(market, policies=policies_for(kind, cap, floor))
        if plan.is_optimal:
            methods = set(plan.methods["method"])
            seen.update(methods)
            if market.stock is not None:
                seen.add("stock")
                if "relaxed" in methods:
                    seen.add("stock held at its floors")

    record()
    assert {"greedy", "relaxed", "stock", "stock held at its floors"} <= seen, seen
    assert seen & {"highs", "split"}, seen  # and the general LP, whole or by parts
