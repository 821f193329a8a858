"""A multi-period market with stock: the default back end against HiGHS whole.

    python -m reopt.bench.stock [--size l] [--holding 0.2 50] [--initial 0] [--lead 0]
        [--repeat 5]

The structure suite's ``periods`` instance (`reopt.bench.instances`; at ``l``: 200,000
offers, 17 products, 4 periods, a 60% China cap on each period's purchases) with a stock
row for every product (a floor of 5 t, up to 10,000 t; an initial stock of ``--initial``
times the product's first-period demand, none by default), every offer arriving ``--lead``
periods after it is bought (none by default; with a lead time, an ``--initial`` above 1
meets the first periods, and the last periods' offers arrive too late to be used) and each
of ``--holding`` as its holding cost in USD/kg a period. Each market is solved end to end
(``reopt.solve`` from a validated market) by the default back end
(`reopt.backends.relaxed` and `reopt.backends.held`: the stock held at its floors, the
greedy plan for each period, HiGHS from it for the products where holding more pays) and
by ``solver="highs"`` (the whole program), alternating over ``--repeat`` rounds; medians
are reported with the plan's note. Costs must agree (rtol 1e-9), or the run fails.
Results go to ``benchmarks/results/stock.json``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

import reopt
from reopt.bench.instances import instance
from reopt.bench.records import save_run

__all__ = ["main", "run", "stocked_market"]


def stocked_market(
    offers: pd.DataFrame,
    demand: pd.DataFrame,
    holding_usd_per_kg: float,
    initial: float = 0.0,
    lead: int = 0,
) -> reopt.Market:
    """The market of ``offers`` and ``demand`` with a stock row for every product.

    Its initial stock is ``initial`` times the product's demand in the first period; every
    offer arrives ``lead`` periods after it is bought.
    """
    first = demand.sort_values("period").groupby("product", sort=False)["demand_t"].first()
    stock = pd.DataFrame(
        {
            "product": first.index,
            "initial_t": initial * first.to_numpy(),
            "min_t": 5.0,
            "max_t": 1e4,
            "holding_usd_per_kg": holding_usd_per_kg,
        }
    )
    if not lead:
        return reopt.Market(offers, demand, stock=stock)
    with warnings.catch_warnings():  # the last periods' offers arrive too late, as meant
        warnings.simplefilter("ignore", reopt.ReoptWarning)
        return reopt.Market(offers.assign(lead_time_periods=lead), demand, stock=stock)


def run(
    size: str, holdings: list[float], repeat: int, initial: float = 0.0, lead: int = 0
) -> list[dict[str, Any]]:
    """One row per market and contender: median seconds, and how the plan was solved."""
    rows = []
    inst = instance(size, "periods")
    offers, demand = inst.tables()
    policies = inst.policies()
    for holding in holdings:
        market = stocked_market(offers, demand, holding, initial, lead)
        times: dict[str, list[float]] = {"auto": [], "highs": []}
        reasons: dict[str, str] = {}
        cost = math.nan
        for _ in range(repeat):
            for solver in times:
                t0 = time.perf_counter()
                plan = reopt.solve(market, policies=policies, solver=solver)
                times[solver].append(time.perf_counter() - t0)
                assert plan.is_optimal, (solver, plan.status)
                cost = plan.cost_usd if math.isnan(cost) else cost
                assert math.isclose(plan.cost_usd, cost, rel_tol=1e-9), (solver, plan.cost_usd)
                reasons[solver] = str(plan.methods["reason"].iloc[0])
        whole = statistics.median(times["highs"])
        for solver, runs in times.items():
            seconds = statistics.median(runs)
            rows.append(
                {
                    "instance": f"{size}-periods with stock",
                    "offers": market.n_offers,
                    "holding_usd_per_kg": holding,
                    "initial_times_first_demand": initial,
                    "lead_time_periods": lead,
                    "contender": solver,
                    "seconds": seconds,
                    "runs_s": runs,
                    "highs_whole_over_it": whole / seconds,
                    "reason": reasons[solver],
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="l")
    parser.add_argument("--holding", type=float, nargs="+", default=[0.2, 50.0])
    parser.add_argument("--initial", type=float, default=0.0)
    parser.add_argument("--lead", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/stock.json"))
    args = parser.parse_args()
    rows = run(args.size, args.holding, args.repeat, args.initial, args.lead)
    for row in rows:
        print(
            f"{row['instance']} holding {row['holding_usd_per_kg']:g} USD/kg "
            f"{row['contender']:<6} {row['seconds']:.3f} s "
            f"(HiGHS whole / it: {row['highs_whole_over_it']:.2f}x): {row['reason']}"
        )
    command = (
        f"python -m reopt.bench.stock --size {args.size} "
        f"--holding {' '.join(map(str, args.holding))} --initial {args.initial:g} "
        f"--lead {args.lead} --repeat {args.repeat}"
    )
    save_run(args.out, "stock", command, rows)


if __name__ == "__main__":
    main()
