"""VSS and EVPI on an executor, and the stock risk curve on one: the serial figures, exactly.

The pool and the Dask cluster are the module-scoped fixtures of tests/test_executors.py.
"""

from __future__ import annotations

import pandas as pd
import pytest
from test_executors import client, pool  # noqa: F401 - module-scoped fixtures, reused

import reopt
from reopt.analysis.risk_curves import stock_risk_curve

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def japan() -> reopt.Market:
    return reopt.datasets.japan_2025()


@pytest.fixture(scope="module")
def serial(japan) -> tuple[float, float, float, float]:
    plan = reopt.solve(
        japan,
        china_cap=0.6,
        scenarios=reopt.datasets.japan_2025_scenarios(),
        risk=reopt.CVaR(alpha=0.95, weight=0.5),
    )
    return plan.vss_usd, plan.evpi_usd, plan.eev_usd, plan.ws_usd


@pytest.mark.parametrize("which", ["pool", "client"])
def test_vss_and_evpi_on_an_executor_are_the_serial_ones(japan, serial, request, which):
    executor = request.getfixturevalue(which)
    kwargs = dict(
        china_cap=0.6,
        scenarios=reopt.datasets.japan_2025_scenarios(),
        risk=reopt.CVaR(alpha=0.95, weight=0.5),
    )
    plan = reopt.solve(japan, **kwargs, executor=executor)  # solved there, before returning
    assert "_vss" in plan.__dict__ and "_evpi" in plan.__dict__
    assert (plan.vss_usd, plan.evpi_usd, plan.eev_usd, plan.ws_usd) == serial
    later = reopt.solve(japan, **kwargs)
    assert later.vss(executor=executor) == serial[0]
    assert later.evpi(executor=executor) == serial[1]


@pytest.mark.parametrize("which", ["pool", "client"])
def test_a_stock_risk_curve_on_an_executor_is_the_serial_one(japan, request, which):
    executor = request.getfixturevalue(which)
    scenarios = reopt.datasets.japan_2025_scenarios()
    kwargs = dict(days=[90, 0, 60], holding_usd_per_kg=2.0, progress=False)
    serial = stock_risk_curve(japan, scenarios, **kwargs)
    parallel = stock_risk_curve(japan, scenarios, **kwargs, executor=executor)
    pd.testing.assert_frame_equal(parallel, serial, check_exact=True)
