"""Compile + hand-off to HiGHS: reopt against the raw numpy build of the same LP.

    python -m reopt.bench.compile_vs_raw [--offers 200000] [--repeat 7]

reopt's side is ``reopt.compile`` on a validated ``Market`` (validation, which also encodes
labels as integers, is timed separately) plus passing the arrays to HiGHS. Two raw builds of
the same LP go against it: from the tables (`reopt.bench.raw.build`, which factorises the
products itself) and from arrays already encoded as integers (`raw.build_from_arrays`, the
least work possible). The contenders run alternately and medians are compared; all three
models are then solved once to check they are the same LP (equal optimal cost).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import reopt
from reopt.backends.highs_calls import apply_settings, new_highs, pass_model
from reopt.backends.highs_settings import default_settings
from reopt.bench import raw

CAP = 0.6


def reopt_side(market: reopt.Market) -> tuple[float, Any, reopt.LinearProgram]:
    t0 = time.perf_counter()
    lp = reopt.compile(market, [reopt.cap_share(CAP, country="CN")])
    h = new_highs()
    settings = default_settings(lp, reopt.SolverOptions())
    apply_settings(h, settings)
    pass_model(h, lp)
    return time.perf_counter() - t0, h, lp


def raw_side(
    offers: pd.DataFrame, demand: pd.DataFrame, settings: dict[str, object]
) -> tuple[float, Any]:
    t0 = time.perf_counter()
    lp = raw.build(offers, demand, CAP)
    h = raw.hand_off(lp, settings)
    return time.perf_counter() - t0, h


#: The encoded inputs of `raw.build_from_arrays`: product codes, China mask, prices,
#: capacities and demand per product.
Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def raw_arrays_side(arrays: Arrays, settings: dict[str, object]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    lp = raw.build_from_arrays(*arrays, CAP)
    h = raw.hand_off(lp, settings)
    return time.perf_counter() - t0, h


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()

    base = reopt.datasets.synthetic(args.offers, seed=0)
    offers, demand = base.offers, base.demand
    t0 = time.perf_counter()
    reopt.Market(offers, demand)
    validate_s = time.perf_counter() - t0

    product, products = pd.factorize(offers["product"])
    arrays: Arrays = (
        product,
        offers["country"].to_numpy() == "CN",
        offers["price_usd_per_kg"].to_numpy(dtype=float),
        offers["capacity_t"].fillna(np.inf).to_numpy(dtype=float),
        demand.set_index("product")["demand_t"].reindex(products).to_numpy(dtype=float),
    )
    ours, from_tables, from_arrays = [], [], []
    market = reopt.Market(offers, demand)
    for _ in range(args.repeat):  # alternate the contenders
        seconds, h_ours, lp = reopt_side(market)
        ours.append(seconds)
        settings = default_settings(lp, reopt.SolverOptions())
        seconds, h_tables = raw_side(offers, demand, settings)
        from_tables.append(seconds)
        seconds, h_arrays = raw_arrays_side(arrays, settings)
        from_arrays.append(seconds)

    costs = []
    for h in (h_ours, h_tables, h_arrays):
        h.run()
        costs.append(h.getInfo().objective_function_value)
    assert np.allclose(costs, costs[0], rtol=1e-9), costs
    cost_ours = costs[0]

    result = {
        "benchmark": "compile_vs_raw",
        "offers": args.offers,
        "columns": lp.n_cols,
        "rows": lp.n_rows,
        "nonzeros": lp.n_nonzeros,
        "repeat": args.repeat,
        "validate_s": validate_s,
        "reopt_compile_handoff_s_median": statistics.median(ours),
        "raw_from_tables_s_median": statistics.median(from_tables),
        "raw_from_arrays_s_median": statistics.median(from_arrays),
        "ratio_to_raw_from_tables": statistics.median(ours) / statistics.median(from_tables),
        "ratio_to_raw_from_arrays": statistics.median(ours) / statistics.median(from_arrays),
        "optimal_cost_usd": cost_ours,
        "machine": platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "highspy": version("highspy"),
        "reopt": reopt.__version__,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"compile_vs_raw_{args.offers}.json").write_text(json.dumps(result, indent=2))
    print(f"{args.offers:,} offers: {lp}")
    print(f"validation (not in the comparison): {validate_s:.3f} s")
    print(f"medians of {args.repeat} runs, compile/build + hand-off to HiGHS:")
    print(f"  reopt.compile on a built Market: {result['reopt_compile_handoff_s_median']:.4f} s")
    print(
        f"  raw numpy from the tables:       {result['raw_from_tables_s_median']:.4f} s "
        f"(reopt / raw = {result['ratio_to_raw_from_tables']:.2f}x)"
    )
    print(
        f"  raw numpy from encoded arrays:   {result['raw_from_arrays_s_median']:.4f} s "
        f"(reopt / raw = {result['ratio_to_raw_from_arrays']:.2f}x, target <= 1.5x)"
    )
    print(f"same optimum on all three: {cost_ours:.10e}")


if __name__ == "__main__":
    main()
