"""Warm-started sweeps against cold solves of the same points.

    python -m reopt.bench.sweep_warm [--points 200] [--repeat 3] [--offers 20000] [--no-cold]

For each market (the bundled ``japan_2025``, and a generated market of ``--offers`` offers),
a China-cap sweep of ``--points`` caps is timed two ways, both with ``solver="highs"``:
``reopt.sweep`` (one HiGHS model,
re-solved in place from the last basis; grid points only, so that both sides solve the same
points) and one ``reopt.solve`` per cap (cold). The two alternate over ``--repeat`` rounds
and medians are compared. On the generated market a third contender runs in the same
rounds: the raw warm loop an expert would write for highspy (the numpy build of
`reopt.bench.raw` with reopt's HiGHS settings, then for each cap: change the cap rows'
bounds, re-run by simplex from the last basis, read the values back). Every cap's status
and cost must agree (cost rtol 1e-9), or the run fails. Results go to
``benchmarks/results/sweep_warm.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

import reopt
from reopt.bench.contenders import raw_settings
from reopt.bench.raw import build, hand_off
from reopt.datasets.synthetic import synthetic_tables
from reopt.vectors import dot


def warm(market: reopt.Market, caps: list[float]) -> tuple[float, pd.DataFrame]:
    t0 = time.perf_counter()
    curve = reopt.sweep(market, china_cap=caps, progress=False, exact=False, solver="highs")
    return time.perf_counter() - t0, curve


def cold(market: reopt.Market, caps: list[float]) -> tuple[float, list[reopt.Plan]]:
    t0 = time.perf_counter()
    plans = [reopt.solve(market, china_cap=cap, solver="highs") for cap in caps]
    return time.perf_counter() - t0, plans


def raw_warm(
    tables: tuple[pd.DataFrame, pd.DataFrame], caps: list[float]
) -> tuple[float, list[tuple[str, float]]]:
    """The raw warm loop: build once, then per cap new cap-row bounds, a re-run, the values."""
    offers, demand = tables
    t0 = time.perf_counter()
    lp = build(offers, demand, caps[0])
    h = hand_off(lp, raw_settings(offers, 3600.0))
    n_products = len(lp.row_lower) // 2
    rows = np.arange(n_products, 2 * n_products, dtype=np.int32)
    demand_t = lp.row_upper[:n_products]
    answers = []
    for k, cap in enumerate(caps):
        if k:
            h.changeRowsBounds(n_products, rows, np.full(n_products, -np.inf), cap * demand_t)
        h.run()
        status = h.modelStatusToString(h.getModelStatus())
        x = np.asarray(h.getSolution().col_value)
        cost = dot(lp.cost, x) if status == "Optimal" else math.nan
        answers.append(("optimal" if status == "Optimal" else status.lower(), cost))
        if not k:
            h.setOptionValue("solver", "simplex")  # re-solves from the last basis
    return time.perf_counter() - t0, answers


def compare_raw(curve: pd.DataFrame, answers: list[tuple[str, float]]) -> None:
    grid = curve[curve["point"] == "grid"]
    for row, (status, cost) in zip(grid.itertuples(), answers, strict=True):
        assert (row.status == "optimal") == (status == "optimal"), (row.china_cap, status)
        if status == "optimal":
            assert math.isclose(row.cost_usd, cost, rel_tol=1e-9), row.china_cap


def compare(curve: pd.DataFrame, plans: list[reopt.Plan]) -> None:
    grid = curve[curve["point"] == "grid"]
    for row, plan in zip(grid.itertuples(), plans, strict=True):
        assert row.status == plan.status.value, (row.china_cap, row.status, plan.status)
        if plan.is_optimal:
            assert math.isclose(row.cost_usd, plan.cost_usd, rel_tol=1e-9), row.china_cap


def run(
    name: str,
    market: reopt.Market,
    caps: list[float],
    repeat: int,
    tables: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    *,
    with_cold: bool = True,
) -> dict[str, object]:
    """``repeat`` alternating rounds; ``tables``: the market's, for the raw warm loop.

    Without ``with_cold`` the cold solves are left out (at 200,000 offers they take minutes
    a round); the warm sweep is then held to the raw loop's answers only.
    """
    warm_times, cold_times, raw_times = [], [], []
    for _ in range(repeat):
        seconds, curve = warm(market, caps)
        warm_times.append(seconds)
        if tables is not None:
            seconds, answers = raw_warm(tables, caps)
            raw_times.append(seconds)
            compare_raw(curve, answers)
        if with_cold:
            seconds, plans = cold(market, caps)
            cold_times.append(seconds)
            compare(curve, plans)
    statuses = curve["status"].value_counts().to_dict()
    record: dict[str, object] = {
        "market": name,
        "offers": market.n_offers,
        "points": len(caps),
        "statuses": statuses,
        "warm_s": statistics.median(warm_times),
    }
    cold_words = ""
    if cold_times:
        record["cold_s"] = statistics.median(cold_times)
        record["speedup"] = record["cold_s"] / record["warm_s"]  # type: ignore[operator]
        cold_words = f", cold {record['cold_s']:.3f} s, speed-up {record['speedup']:.2f}x"
    raw = ""
    if raw_times:
        record["raw_warm_s"] = statistics.median(raw_times)
        record["warm_vs_raw"] = record["warm_s"] / record["raw_warm_s"]  # type: ignore[operator]
        raw = f", raw warm loop {record['raw_warm_s']:.3f} s ({record['warm_vs_raw']:.2f}x)"
    print(
        f"{name:<22} {market.n_offers:>8,} offers {len(caps):>4} caps: "
        f"warm {record['warm_s']:.3f} s{cold_words}{raw}  ({statuses})",
        flush=True,
    )
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--offers", type=int, default=20_000)
    parser.add_argument(
        "--no-cold", action="store_true", help="leave out the cold solves (and japan_2025)"
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/sweep_warm.json"))
    args = parser.parse_args()

    caps = np.linspace(0.3, 1.0, args.points).tolist()
    records = []
    if not args.no_cold:
        records.append(run("japan_2025", reopt.datasets.japan_2025(), caps, args.repeat))
    records.append(
        run(
            f"synthetic({args.offers})",
            reopt.datasets.synthetic(args.offers, seed=1),
            caps,
            args.repeat,
            synthetic_tables(args.offers, seed=1),
            with_cold=not args.no_cold,
        )
    )
    result = {
        "benchmark": "sweep_warm",
        "command": f"python -m reopt.bench.sweep_warm --points {args.points} "
        f"--repeat {args.repeat} --offers {args.offers}"
        + (f" --no-cold --out {args.out}" if args.no_cold else ""),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "versions": {
            "reopt": reopt.__version__,
            "highspy": version("highspy"),
            "numpy": np.__version__,
        },
        "results": records,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
