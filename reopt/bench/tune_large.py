"""`reopt.bench.tune.tune` on a large generated market: does it keep to its budget there?

    python -m reopt.bench.tune_large [--offers 200000] [--budget 120] [--china-cap 0.6]

Generates a market of ``--offers`` offers (`reopt.datasets.synthetic`, seed 0), tunes it
under a China cap with every available back end, and prints the ranked table, the time
taken against the budget, and the recommended ``[solver]`` section. Exits 1 if the tuning
took longer than the budget plus `reopt.bench.tune.ALLOWANCE_S`, or recommended nothing.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import pandas as pd

from reopt.bench.tune import ALLOWANCE_S, tune
from reopt.datasets.synthetic import synthetic

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns 0 when it kept to its budget and recommended a setting."""
    parser = argparse.ArgumentParser(prog="python -m reopt.bench.tune_large")
    parser.add_argument("--offers", type=int, default=200_000)
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--china-cap", type=float, default=0.6)
    parser.add_argument("--solvers", default=None, help="comma-separated (default: all)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    market = synthetic(args.offers, seed=0)
    built = time.perf_counter() - t0
    solvers = None if args.solvers is None else args.solvers.split(",")
    result = tune(market, china_cap=args.china_cap, solvers=solvers, budget_s=args.budget)
    with pd.option_context("display.width", 160, "display.max_colwidth", 50):
        print(result.table.drop(columns=["cost_usd"]).to_string(index=False))
    print(
        f"\n{args.offers:,} offers (generated in {built:.1f} s); tuned in "
        f"{result.elapsed_s:.1f} s of a {args.budget:g} s budget; answer {result.reference}"
    )
    for note in result.notes:
        print(f"note: {note}")
    if result.best is None:
        print("no setting to recommend")
        return 1
    print(result.to_toml())
    return 0 if result.elapsed_s <= args.budget + ALLOWANCE_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
