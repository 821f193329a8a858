"""Fixed cost of one solve at 200 offers, comparable across versions of reopt.

    PYTHONPATH=CHECKOUT python benchmarks/fixed_cost.py [REPEATS]

Times ``reopt.solve(market, china_cap=0.6)`` on a validated ``synthetic(200, seed=1)`` market
(the public call every version has) against a numpy-to-highspy build and solve of the same LP
with HiGHS's defaults, alternating the two in one process, and prints the medians as JSON.
The raw side uses HiGHS's default settings, so the ratio ``ours / raw`` compares versions of
reopt run on the same machine, not reopt against its best rival (`reopt bench` does that).
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import highspy
import numpy as np
import pandas as pd

import reopt

CAP = 0.6
TABLES = reopt.datasets.synthetic(200, seed=1)
MARKET = reopt.Market(TABLES.offers, TABLES.demand)


def raw() -> tuple[float, float]:
    """Seconds and optimal cost of the raw build: demand rows, then China-cap rows."""
    t0 = time.perf_counter()
    offers, demand = TABLES.offers, TABLES.demand
    product, products = pd.factorize(offers["product"])
    n, m = len(product), len(products)
    china = offers["country"].to_numpy() == "CN"
    demand_t = demand.set_index("product")["demand_t"].reindex(products).to_numpy(float)
    rows = np.concatenate([product, m + product[china]])
    cols = np.concatenate([np.arange(n), np.flatnonzero(china)])
    order = np.argsort(rows, kind="stable")
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, 2 * m
    lp.col_cost_ = 1000 * offers["price_usd_per_kg"].to_numpy(float)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = offers["capacity_t"].fillna(np.inf).to_numpy(float)
    lp.row_lower_ = np.concatenate([demand_t, np.full(m, -np.inf)])
    lp.row_upper_ = np.concatenate([demand_t, CAP * demand_t])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.searchsorted(rows[order], np.arange(2 * m + 1)).astype(np.int32)
    lp.a_matrix_.index_ = cols[order].astype(np.int32)
    lp.a_matrix_.value_ = np.ones(len(cols))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    h.run()
    solution = h.getSolution()
    np.asarray(solution.col_value), np.asarray(solution.row_dual)
    return time.perf_counter() - t0, h.getInfo().objective_function_value


def ours() -> tuple[float, float]:
    """Seconds and cost of reopt's checked plan."""
    t0 = time.perf_counter()
    cost = reopt.solve(MARKET, china_cap=CAP).cost_usd
    return time.perf_counter() - t0, cost


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    for _ in range(100):  # warm up both
        raw(), ours()
    mine, theirs = [], []
    for _ in range(repeats):
        seconds, cost_ours = ours()
        mine.append(seconds)
        seconds, cost_raw = raw()
        theirs.append(seconds)
    assert abs(cost_ours - cost_raw) <= 1e-7 * abs(cost_raw), (cost_ours, cost_raw)
    ours_ms, raw_ms = 1e3 * statistics.median(mine), 1e3 * statistics.median(theirs)
    result = {"reopt": reopt.__file__, "ours_ms": ours_ms, "raw_ms": raw_ms}
    print(json.dumps(result | {"ours_over_raw": ours_ms / raw_ms}))


if __name__ == "__main__":
    main()
