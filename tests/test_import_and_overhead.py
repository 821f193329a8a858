"""What ``import reopt`` loads, the HiGHS/PuLP load order, and a numbers-only `Market.replace`.

PuLP is imported only when a PuLP back end is used, and HiGHS's library is loaded with
global symbols before highspy is imported (what PuLP 4 does when imported first), so every
back end solves in a fresh process whichever is loaded first. A market that only had its
numbers changed is checked again in its numbers only, and a bad number is still refused with
the same problems as a full validation.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import reopt
from reopt.data import validation

# --- import -------------------------------------------------------------------------------


def _run(code: str) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter; it prints one JSON object as its last line."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_reopt_loads_no_pulp_matplotlib_or_dask():
    found = _run(
        "import json, sys, reopt\n"
        "print(json.dumps([m for m in ('pulp', 'matplotlib', 'dask', 'distributed')"
        " if m in sys.modules]))"
    )
    assert found == []


def test_the_version_is_read_from_package_metadata_on_first_use_only():
    found = _run(
        "import json, sys, reopt\n"
        "before = 'importlib.metadata' in sys.modules\n"
        "from importlib import metadata\n"
        "print(json.dumps([before, reopt.__version__, metadata.version('reopt'),"
        " '__version__' in dir(reopt)]))"
    )
    assert found[0] is False
    assert found[1] == found[2]
    assert found[3] is True


def test_a_highs_solve_does_not_import_pulp():
    found = _run(
        "import json, sys, reopt\n"
        "plan = reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6, solver='highs')\n"
        "reopt.backends.get_backend('highs')\n"
        "print(json.dumps({'status': plan.status.value, 'pulp': 'pulp' in sys.modules}))"
    )
    assert found == {"status": "optimal", "pulp": False}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="dlopen symbol scopes")
def test_highs_library_is_loaded_with_global_symbols_before_pulp():
    """What PuLP 4 does on import, reopt does: highspy's library in the global scope."""
    found = _run(
        "import ctypes, glob, json, os, sys, reopt, highspy\n"
        "path = glob.glob(os.path.join(os.path.dirname(highspy.__file__), '_core*.so'))[0]\n"
        "mine = ctypes.CDLL(path).PyInit__core\n"
        "seen = getattr(ctypes.CDLL(None), 'PyInit__core', None)\n"
        "same = seen is not None and ctypes.cast(seen, ctypes.c_void_p).value"
        " == ctypes.cast(mine, ctypes.c_void_p).value\n"
        "print(json.dumps({'global': bool(same), 'pulp': 'pulp' in sys.modules}))"
    )
    assert found == {"global": True, "pulp": False}


_SOLVE_ALL = """
import json, sys
{first}
import reopt
market = reopt.datasets.japan_2025()
names = {names}
here = set(reopt.available_solvers())
costs = {{}}
for name in names:
    if name in here:
        plan = reopt.solve(market, china_cap=0.6, solver=name)
        costs[name] = [plan.status.value, round(float(plan.cost_usd), 2)]
print(json.dumps(costs))
"""


@pytest.mark.parametrize(
    ("first", "names"),
    [
        ("", ["highs", "cbc", "glpk", "pulp-highs", "highs"]),
        ("", ["pulp-highs", "cbc", "glpk", "highs", "pulp-highs"]),
        ("import highspy", ["highs", "pulp-highs", "cbc", "highs"]),
        ("import pulp", ["highs", "pulp-highs", "glpk", "highs"]),
    ],
    ids=["highs-first", "pulp-first", "user-highspy-first", "user-pulp-first"],
)
def test_every_back_end_solves_in_a_fresh_process_in_either_order(first, names):
    costs = _run(_SOLVE_ALL.format(first=first, names=names))
    assert "highs" in costs and "pulp-highs" in costs, costs
    reference = costs["highs"][1]
    for name, (status, cost) in costs.items():
        assert status == "optimal", name
        assert cost == pytest.approx(reference, rel=1e-6), name


def test_a_pulp_solver_instance_is_still_a_back_end():
    import pulp

    backend = reopt.backends.get_backend(pulp.HiGHS(msg=False))
    plan = reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6, solver=backend)
    assert plan.status is reopt.Status.OPTIMAL


def test_something_else_is_not_taken_for_a_pulp_solver():
    with pytest.raises(reopt.InputError, match="unknown solver"):
        reopt.backends.get_backend(object())


# --- Market.replace with only numbers changed ----------------------------------------------


@pytest.fixture(scope="module")
def japan():
    return reopt.datasets.japan_2025()


def _assert_same_market(a: reopt.Market, b: reopt.Market) -> None:
    assert_frame_equal(a.offers, b.offers)
    assert_frame_equal(a.demand, b.demand)
    for name in a.encoded.__dataclass_fields__:
        x, y = getattr(a.encoded, name), getattr(b.encoded, name)
        if isinstance(x, dict):
            assert x.keys() == y.keys(), name
            for key in x:
                np.testing.assert_array_equal(x[key], y[key], err_msg=f"{name}[{key}]")
        else:
            np.testing.assert_array_equal(x, y, err_msg=name)
    assert a.is_mip == b.is_mip
    assert a.has_stock_balance == b.has_stock_balance


def _changes(market: reopt.Market) -> list[dict[str, pd.DataFrame]]:
    offers, demand = market.offers, market.demand
    return [
        {"offers": offers.assign(price_usd_per_kg=offers["price_usd_per_kg"] * 1.3)},
        {"offers": offers.assign(capacity_t=offers["capacity_t"] * 0.5)},
        {"demand": demand.assign(demand_t=demand["demand_t"] * 1.1)},
        {
            "offers": offers.assign(price_usd_per_kg=offers["price_usd_per_kg"] + 1.0),
            "demand": demand.assign(demand_t=demand["demand_t"] + 1.0),
        },
    ]


@pytest.mark.parametrize("name", ["japan_2025", "japan_outlook"])
def test_a_numbers_only_replace_gives_the_market_a_full_validation_gives(name):
    market = getattr(reopt.datasets, name)()
    for change in _changes(market):
        fast = market.replace(**change)
        tables = {"offers": market.offers, "demand": market.demand, **change}
        full = reopt.Market(tables["offers"], tables["demand"], market.sources, stock=market.stock)
        _assert_same_market(fast, full)
        mine, theirs = reopt.solve(fast, china_cap=0.6), reopt.solve(full, china_cap=0.6)
        assert mine.status is theirs.status
        assert mine.cost_usd == pytest.approx(theirs.cost_usd, rel=1e-9, nan_ok=True)


def test_a_numbers_only_replace_skips_the_text_checks(japan, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("text checks run again")

    monkeypatch.setattr(validation, "text_column", refuse)
    offers = japan.offers
    cheaper = japan.replace(offers=offers.assign(price_usd_per_kg=offers["price_usd_per_kg"] / 2))
    assert cheaper.encoded.price_usd_per_kg == pytest.approx(
        japan.encoded.price_usd_per_kg / 2, rel=1e-12
    )
    # a changed label is validated in full
    renamed = offers.assign(source=offers["source"] + " 2")
    with pytest.raises(AssertionError, match="text checks run again"):
        japan.replace(offers=renamed)


def test_the_market_replaced_is_unchanged(japan):
    before = japan.offers
    japan.replace(offers=before.assign(price_usd_per_kg=before["price_usd_per_kg"] * 9))
    assert_frame_equal(japan.offers, before)


def _bad_numbers(market: reopt.Market) -> list[dict[str, pd.DataFrame]]:
    offers, demand = market.offers, market.demand
    price = offers["price_usd_per_kg"].astype(object)
    capacity = offers["capacity_t"].astype(object)
    least = offers["min_order_t"].to_numpy(copy=True)
    limited = int(np.flatnonzero(np.isfinite(offers["capacity_t"].to_numpy()))[0])
    least[limited] = offers["capacity_t"].iloc[limited] * 2  # above its capacity
    return [
        {"offers": offers.assign(price_usd_per_kg=-offers["price_usd_per_kg"])},
        {"offers": offers.assign(price_usd_per_kg=price.where(price.index != 2, "12 $/kg"))},
        {"offers": offers.assign(price_usd_per_kg=price.where(price.index != 1, np.nan))},
        {"offers": offers.assign(price_usd_per_kg=price.where(price.index != 0, np.inf))},
        {"offers": offers.assign(capacity_t=capacity.where(capacity.index != 3, "lots"))},
        {"offers": offers.assign(capacity_t=-offers["capacity_t"].fillna(1.0))},
        {"offers": offers.assign(price_usd_per_kg=offers["price_usd_per_kg"] * 1e12)},
        {"offers": offers.assign(min_order_t=least)},
        {"demand": demand.assign(demand_t=-demand["demand_t"])},
        {
            "demand": demand.assign(
                demand_t=demand["demand_t"].astype(object).where(demand.index != 0, "many")
            )
        },
    ]


def test_a_bad_number_is_refused_with_the_problems_of_a_full_validation(japan):
    for change in _bad_numbers(japan):
        tables = {"offers": japan.offers, "demand": japan.demand, **change}
        with pytest.raises(reopt.InputError) as full:
            reopt.Market(tables["offers"], tables["demand"], japan.sources)
        with pytest.raises(reopt.InputError) as fast:
            japan.replace(**change)
        assert fast.value.problems == full.value.problems
        assert fast.value.problems  # at least one problem, naming the bad cell


def test_a_bad_number_under_another_index_names_the_same_rows(japan):
    offers = japan.offers
    offers.index = [f"row {i}" for i in range(len(offers))]
    bad = offers.assign(price_usd_per_kg=-offers["price_usd_per_kg"])
    with pytest.raises(reopt.InputError) as full:
        reopt.Market(bad, japan.demand, japan.sources)
    with pytest.raises(reopt.InputError) as fast:
        japan.replace(offers=bad)
    assert fast.value.problems == full.value.problems
    fine = offers.assign(price_usd_per_kg=offers["price_usd_per_kg"] * 2)
    _assert_same_market(japan.replace(offers=fine), reopt.Market(fine, japan.demand, japan.sources))


def test_a_replaced_market_still_warns_of_offers_nobody_demands():
    offers = pd.DataFrame(
        {
            "source": ["a", "b", "c"],
            "product": ["Nd", "Nd", "Dy"],
            "country": ["CN", "AU", "CN"],
            "capacity_t": [10.0, 10.0, 5.0],
            "price_usd_per_kg": [1.0, 2.0, 3.0],
        }
    )
    demand = pd.DataFrame({"product": ["Nd"], "demand_t": [5.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", reopt.ReoptWarning)
        market = reopt.Market(offers, demand)
    cheaper = market.offers.assign(price_usd_per_kg=market.offers["price_usd_per_kg"] / 2)
    with pytest.warns(reopt.ReoptWarning, match="nobody demands product 'Dy'"):
        market.replace(offers=cheaper)
