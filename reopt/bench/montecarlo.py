"""Monte Carlo throughput: samples per second, serial, in a process pool and on Dask.

    python -m reopt.bench.montecarlo [-n 10000] [--solver auto|highs]
        [--out benchmarks/results/montecarlo.json]

On japan_2025 with China capped at 60% and one lognormal factor (sigma 0.3) on Chinese
prices, ``reopt.monte_carlo`` runs ``n`` samples serially, in `reopt.process_executor(2)` and
on a 2-worker Dask ``LocalCluster`` (processes, one thread each, loopback); the three tables
must be identical. Against them: the limit, a raw highspy loop over the same factors that
changes the Chinese offers' costs on one kept model and re-runs it (no checks, no tables).
The serial per-sample time is split into its parts on a smaller run (2,000 samples), with
a timer around each part and, separately, with cProfile. ``--solver`` is the back end
(default: reopt's default, ``"auto"``, whose greedy method solves this market).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
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
from reopt.options import DEFAULT_SOLVER

__all__ = ["DRAW", "main", "raw_loop"]

CAP = 0.6
DRAW = reopt.Draw(scale="price", where={"country": "CN"}, dist="lognormal", sigma=0.3)


def run(
    market: reopt.Market, n: int, executor: Any, solver: str = DEFAULT_SOLVER
) -> tuple[float, pd.DataFrame]:
    """Seconds for ``n`` samples on ``executor`` (None: serial), and the table."""
    t0 = time.perf_counter()
    table = reopt.monte_carlo(
        market,
        n=n,
        draws=[DRAW],
        china_cap=CAP,
        seed=0,
        executor=executor,
        progress=False,
        solver=solver,
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


#: The parts of a serial sample: (label, module, attribute path) of the function measured.
PARTS = (
    ("sample factors", "reopt.analysis.mc_job", "sample_factors"),
    ("factor vectors", "reopt.analysis.mc_job", "vectors"),
    ("magnitude checks", "reopt.analysis.mc_fast", "Limits.beyond"),
    ("costs and bounds of the samples", "reopt.analysis.mc_fast", "Sampler._entries"),
    ("model update (costs, bounds, basis)", "reopt.backends.highs", "HighsSession.set_costs"),
    ("model update (costs, bounds, basis)", "reopt.backends.highs", "HighsSession.set_col_bounds"),
    ("model update (costs, bounds, basis)", "reopt.backends.highs", "HighsSession.set_row_bounds"),
    ("model update (costs, bounds, basis)", "reopt.backends.highs", "HighsSession.set_basis"),
    ("model update (costs, bounds, basis)", "reopt.backends.auto", "AutoSession.set_costs"),
    ("model update (costs, bounds, basis)", "reopt.backends.auto", "AutoSession.set_col_bounds"),
    ("model update (costs, bounds, basis)", "reopt.backends.auto", "AutoSession.set_row_bounds"),
    ("model update (costs, bounds, basis)", "reopt.backends.auto", "AutoSession.set_basis"),
    ("solver run and read back (HiGHS or greedy)", "reopt.analysis.mc_fast", "run_arrays"),
    ("numpy check (array)", "reopt.analysis.mc_fast", "ArrayCheck.passes"),
    ("full check (answers the array check refused)", "reopt.analysis.mc_fast", "make_plan"),
    ("China shares", "reopt.analysis.mc_job", "Shares.of_tonnes"),
)


def split(market: reopt.Market, n: int, solver: str = DEFAULT_SOLVER) -> dict[str, float]:
    """Milliseconds per serial sample in each part (`PARTS`), by a timer around each.

    Each part's function is wrapped, for this run only, in a timer (well under a
    microsecond per call); ``all`` is the whole run and ``other`` what the parts leave.
    """
    totals = {label: 0.0 for label, _, _ in PARTS}
    undo = []
    for label, module, path in PARTS:
        owner, name = _owner(module, path)
        original = owner.__dict__[name]
        undo.append((owner, name, original))
        setattr(owner, name, _timed(original, label, totals))
    try:
        seconds, _ = run(market, n, None, solver)
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)
    out = {"all": 1000 * seconds / n}
    out |= {label: 1000 * total / n for label, total in totals.items()}
    out["other"] = out["all"] - sum(1000 * total / n for total in totals.values())
    return out


def _owner(module: str, path: str) -> tuple[Any, str]:
    """The module or class holding the function at ``path``, and its name there."""
    owner: Any = importlib.import_module(module)
    *outer, name = path.split(".")
    for step in outer:
        owner = getattr(owner, step)
    return owner, name


def _timed(f: Any, label: str, totals: dict[str, float]) -> Any:
    """``f`` adding its time to ``totals[label]``."""

    @functools.wraps(f)
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return f(*args, **kwargs)
        finally:
            totals[label] += time.perf_counter() - start

    return timed


def profile(market: reopt.Market, n: int, solver: str = DEFAULT_SOLVER) -> dict[str, float]:
    """Milliseconds per serial sample in the same parts, cumulative under cProfile.

    The profiler inflates every call: read them as shares. A part it does not see (the
    HiGHS run) is left out.
    """
    prof = cProfile.Profile()
    prof.enable()
    run(market, n, None, solver)
    prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    out: dict[str, float] = {}
    for label, module, path in PARTS:
        owner, name = _owner(module, path)
        code = owner.__dict__[name].__code__
        key = (code.co_filename, code.co_firstlineno, code.co_name)
        if key in stats:  # HiGHS's run is not seen: it leaves the profiler's stack unbalanced
            out[label] = out.get(label, 0.0) + 1000 * stats[key][3] / n
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--solver", default=DEFAULT_SOLVER, help="the back end (default: auto)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/montecarlo.json"))
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    market = reopt.datasets.japan_2025()
    solver = args.solver
    run(market, 50, None, solver)  # warm up
    serial_s, serial = run(market, args.n, None, solver)
    with reopt.process_executor(2) as pool:
        run(market, 50, pool, solver)  # start the workers
        pool_s, pooled = run(market, args.n, pool, solver)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)  # fmt: skip
    with cluster, Client(cluster) as client:
        run(market, 50, client, solver)
        dask_s, dasked = run(market, args.n, client, solver)
    pd.testing.assert_frame_equal(serial, pooled)
    pd.testing.assert_frame_equal(serial, dasked)
    raw_s, raw_costs = raw_loop(market, args.n)
    ok = serial["status"] == "optimal"
    assert np.allclose(serial["cost_usd"][ok], raw_costs[ok.to_numpy()], rtol=1e-7)
    seconds = {"serial": serial_s, "pool_2": pool_s, "dask_2": dask_s, "raw_loop": raw_s}
    rate = {name: args.n / s for name, s in seconds.items()}
    result = {
        "benchmark": "montecarlo",
        "command": f"python -m reopt.bench.montecarlo -n {args.n} --solver {solver}",
        "solver": solver,
        "samples": args.n,
        "samples_per_s": rate,
        "serial_over_raw": rate["serial"] / rate["raw_loop"],
        "pool_over_serial": rate["pool_2"] / rate["serial"],
        "dask_over_pool": rate["dask_2"] / rate["pool_2"],
        "serial_ms_per_sample": split(market, min(args.n, 2000), solver),
        "serial_ms_per_sample_cprofile": profile(market, min(args.n, 2000), solver),
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
