"""Sensitivity ranges: their time against the solve that made the plan.

    python -m reopt.bench.ranging [--sizes m l] [--repeat 3]

For each benchmark instance (cap, policies and periods variants), reopt solves the plan once,
then times `reopt.results.ranging.shadow_price_ranges` (two LPs per row over the optimal face)
and `reopt.results.ranging.price_ranges` (HiGHS's crossover from the plan's solution and ranging) on
fresh copies of the plan, and reports medians next to the solve's own time.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import reopt
from reopt.bench.instances import SIZES, instance
from reopt.results.ranging import price_ranges, shadow_price_ranges

VARIANTS = ("cap", "policies", "periods")


def timed(fn: Callable[[reopt.Plan], object], plan: reopt.Plan, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(plan)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["m", "l"], choices=list(SIZES))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{'instance':<14}{'rows':>6}{'solve s':>10}{'shadow s':>10}{'price s':>10}")
    for size in args.sizes:
        for variant in VARIANTS:
            spec = instance(size, variant)
            market = reopt.Market(*spec.tables())
            t0 = time.perf_counter()
            plan = reopt.solve(market, policies=spec.policies())
            solve_s = time.perf_counter() - t0
            shadow_s = timed(shadow_price_ranges, plan, args.repeat)
            price_s = timed(price_ranges, plan, args.repeat)
            rows = len(plan.shadow_prices)
            print(f"{spec.name:<14}{rows:>6}{solve_s:>10.3f}{shadow_s:>10.3f}{price_s:>10.3f}")


if __name__ == "__main__":
    main()
