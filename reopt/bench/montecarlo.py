"""Monte Carlo throughput: samples per second, serial, in a process pool and on Dask.

    python -m reopt.bench.montecarlo [-n 10000] [--out benchmarks/results/montecarlo.json]

On japan_2025 with China capped at 60% and one lognormal factor (sigma 0.3) on Chinese
prices, ``reopt.monte_carlo`` runs ``n`` samples serially, in `reopt.process_executor(2)` and
on a 2-worker Dask ``LocalCluster`` (processes, one thread each, loopback); the three tables
must be identical. Against them: the limit, a raw highspy loop over the same factors that
changes the Chinese offers' costs on one kept model and re-runs it (no checks, no tables).
The serial per-sample time is split into its parts with cProfile on a smaller run.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import platform
import pstats
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import reopt
from reopt.analysis.draws import sample_factors
from reopt.backends.highs_settings import default_settings
from reopt.bench import raw

__all__ = ["DRAW", "main", "raw_loop"]

CAP = 0.6
DRAW = reopt.Draw(scale="price", where={"country": "CN"}, dist="lognormal", sigma=0.3)


def run(market: reopt.Market, n: int, executor: Any) -> tuple[float, pd.DataFrame]:
    """Seconds for ``n`` samples on ``executor`` (None: serial), and the table."""
    t0 = time.perf_counter()
    table = reopt.monte_carlo(
        market, n=n, draws=[DRAW], china_cap=CAP, seed=0, executor=executor, progress=False
    )
    return time.perf_counter() - t0, table


def raw_loop(market: reopt.Market, n: int) -> tuple[float, np.ndarray]:
    """The limit: one highspy model, each sample's Chinese costs changed, then run."""
    offers, demand = market.offers, market.demand
    lp = raw.build(offers, demand, CAP)
    settings = default_settings(reopt.compile(market, [reopt.cap_share(CAP, country="CN")]),
                                reopt.SolverOptions())  # fmt: skip
    h = raw.hand_off(lp, settings)
    china = np.flatnonzero(offers["country"].to_numpy() == "CN").astype(np.int32)
    base = lp.cost[china].copy()
    costs = np.empty(n)
    t0 = time.perf_counter()
    for i in range(n):
        factor = sample_factors([DRAW], 0, i, None)[0]
        h.changeColsCost(len(china), china, base * factor)
        h.run()
        costs[i] = h.getInfo().objective_function_value
    return time.perf_counter() - t0, costs


def split(market: reopt.Market, n: int) -> dict[str, float]:
    """Milliseconds per serial sample in the heaviest parts.

    Measured with cProfile (cumulative), so the profiler inflates them: read them as shares.
    """
    profile = cProfile.Profile()
    profile.enable()
    run(market, n, None)
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    parts = {
        "model update (costs, bounds)": ("apply_update", "highs"),
        "plan and numpy check": ("make_plan", "planning"),
        "China shares": ("_china_shares", "mc_job"),
        "magnitude checks": ("_check_magnitudes", "mc_job"),
        "sample factors": ("sample_factors", "draws"),
    }
    out = {}
    for label, (name, module) in parts.items():
        total = sum(v[3] for k, v in stats.items() if k[2].startswith(name) and module in k[0])
        out[label] = 1000 * total / n
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/montecarlo.json"))
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    market = reopt.datasets.japan_2025()
    run(market, 50, None)  # warm up
    serial_s, serial = run(market, args.n, None)
    with reopt.process_executor(2) as pool:
        run(market, 50, pool)  # start the workers
        pool_s, pooled = run(market, args.n, pool)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)  # fmt: skip
    with cluster, Client(cluster) as client:
        run(market, 50, client)
        dask_s, dasked = run(market, args.n, client)
    pd.testing.assert_frame_equal(serial, pooled)
    pd.testing.assert_frame_equal(serial, dasked)
    raw_s, raw_costs = raw_loop(market, args.n)
    ok = serial["status"] == "optimal"
    assert np.allclose(serial["cost_usd"][ok], raw_costs[ok.to_numpy()], rtol=1e-7)
    seconds = {"serial": serial_s, "pool_2": pool_s, "dask_2": dask_s, "raw_loop": raw_s}
    rate = {name: args.n / s for name, s in seconds.items()}
    result = {
        "benchmark": "montecarlo",
        "command": f"python -m reopt.bench.montecarlo -n {args.n}",
        "samples": args.n,
        "samples_per_s": rate,
        "serial_over_raw": rate["serial"] / rate["raw_loop"],
        "pool_over_serial": rate["pool_2"] / rate["serial"],
        "dask_over_pool": rate["dask_2"] / rate["pool_2"],
        "serial_ms_per_sample": {"all": 1000 * serial_s / args.n}
        | split(market, min(args.n, 2000)),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "versions": {"highspy": version("highspy"), "numpy": np.__version__},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    for name, value in rate.items():
        print(f"{name:<9} {value:8.0f} samples/s")
    print(f"serial / raw loop {result['serial_over_raw']:.2f}  (target >= 0.5)")
    print(f"pool / serial     {result['pool_over_serial']:.2f}  (target >= 1.7)")
    print(f"dask / pool       {result['dask_over_pool']:.2f}  (target >= 0.75)")
    print(
        "serial ms per sample:", {k: round(v, 3) for k, v in result["serial_ms_per_sample"].items()}
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
