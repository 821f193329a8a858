"""A market with a recycled floor: the default back end against HiGHS whole, on 1 and 2 threads.

    python -m reopt.bench.floors [--size l] [--floors 0.05 0.7x] [--refining 0.65 0.8]
        [--threads 1 2] [--repeat 5]

The structure suite's ``policies`` instance (`reopt.bench.instances`; at ``l``: 200,000
offers, 17 products, the China cap, a cap on every country, a recycled floor) with the
recycled floor set to each of ``--floors`` (a share of each product's demand; ``0.7x``
means 0.7 of the highest feasible floor, `reopt.feasibility_limit`). Each is solved end to
end (``reopt.solve`` from a validated market) by the default back end with
``SolverOptions(threads=n)`` for each ``n`` (`reopt.backends.relaxed`: the floors set
aside, HiGHS from the greedy plan where a floor is short, parts on ``n`` threads) and by
``solver="highs"`` (the whole program), alternating over ``--repeat`` rounds; medians are
reported with the plan's note. Each of ``--refining`` adds a market with the instance's own
5% floor and a cap on every refining country (``cap_share(r, each="refined_in")``): with the
cap on every mining country, two families of caps that cross (ore mined in one country is
refined in another). Costs must agree (rtol 1e-9), or the run fails. Results go to
``benchmarks/results/floors.json``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from pathlib import Path
from typing import Any

import reopt
from reopt.bench.instances import instance
from reopt.bench.records import save_run

__all__ = ["main", "run"]


def _floor(text: str, highest: float) -> float:
    return float(text[:-1]) * highest if text.endswith("x") else float(text)


def run(
    size: str, floors: list[str], refining: list[float], threads: list[int], repeat: int
) -> list[dict[str, Any]]:
    """One row per market and contender: median seconds, and the note on how it was solved."""
    inst = instance(size, "policies")
    market = reopt.Market(*inst.tables())
    china, crma, floor = inst.policies()
    recycled = reopt.min_share(0.0, kind="recycler")
    highest = reopt.feasibility_limit(market, recycled, policies=[china, crma])
    markets: list[tuple[str, float | None, list[Any]]] = [
        (text, None, [china, crma, reopt.min_share(_floor(text, highest), kind="recycler")])
        for text in floors
    ]
    markets += [
        (f"{floor.share:g}", cap, [china, crma, floor, reopt.cap_share(cap, each="refined_in")])
        for cap in refining
    ]
    rows = []
    for text, cap, policies in markets:
        contenders: dict[str, dict[str, Any]] = {
            f"auto, threads={n}": {"solver": "auto", "options": reopt.SolverOptions(threads=n)}
            for n in threads
        }
        contenders["highs whole"] = {"solver": "highs", "options": None}
        times: dict[str, list[float]] = {name: [] for name in contenders}
        notes: dict[str, str] = {}
        cost = math.nan
        for _ in range(repeat):
            for name, kwargs in contenders.items():
                t0 = time.perf_counter()
                plan = reopt.solve(market, policies=policies, **kwargs)
                times[name].append(time.perf_counter() - t0)
                assert plan.is_optimal, (name, plan.status)
                cost = plan.cost_usd if math.isnan(cost) else cost
                assert math.isclose(plan.cost_usd, cost, rel_tol=1e-9), (name, plan.cost_usd)
                notes[name] = plan.notes[0] if plan.notes else ""
        whole = statistics.median(times["highs whole"])
        for name in contenders:
            seconds = statistics.median(times[name])
            rows.append(
                {
                    "instance": inst.name,
                    "floor": _floor(text, highest),
                    "floor_given": text,
                    "refining_cap": cap,
                    "contender": name,
                    "seconds": seconds,
                    "runs_s": times[name],
                    "highs_whole_over_it": whole / seconds,
                    "note": notes[name],
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="l")
    parser.add_argument("--floors", nargs="+", default=["0.05", "0.7x"])
    parser.add_argument("--refining", type=float, nargs="*", default=[0.65, 0.8])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/floors.json"))
    args = parser.parse_args()
    rows = run(args.size, args.floors, args.refining, args.threads, args.repeat)
    for row in rows:
        refining = "" if row["refining_cap"] is None else f", refining cap {row['refining_cap']}"
        print(
            f"{row['instance']} floor {row['floor']:.4f}{refining} {row['contender']:<16} "
            f"{row['seconds']:.3f} s (HiGHS whole / it: {row['highs_whole_over_it']:.2f}x)"
        )
    command = (
        f"python -m reopt.bench.floors --size {args.size} --floors {' '.join(args.floors)} "
        f"--refining {' '.join(map(str, args.refining))} "
        f"--threads {' '.join(map(str, args.threads))} --repeat {args.repeat}"
    )
    save_run(args.out, "floors", command, rows)


if __name__ == "__main__":
    main()
