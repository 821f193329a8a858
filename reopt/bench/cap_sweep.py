"""A China-cap sweep with exact breakpoints: the greedy curve against the general path.

    python -m reopt.bench.cap_sweep [--offers 20000 200000 1000000] [--points 200]
        [--repeat 3] [--general-up-to 20000] [--grid-only]

For each size, a seeded synthetic market (`reopt.datasets.synthetic`) is swept over
``--points`` China caps from 25% to 100% with ``reopt.sweep(market, china_cap=caps)``: the
default back end, exact breakpoints. There the table is read off the greedy curve
(`reopt.analysis.greedy_sweep`, ``attrs["method"] == "greedy curve"``); the median of
``--repeat`` runs is reported with the number of breakpoints. Up to ``--general-up-to``
offers, the general path (``solver="highs"``: a warm-started solve per point and a search
for the breakpoints, at most 500 extra solves) is timed once on the same grid, and the two
tables' grid rows must agree in status and cost (rtol 1e-9), or the run fails. Results go
to ``benchmarks/results/cap_sweep.json``. With ``--grid-only`` both paths sweep with
``exact=False`` (the grid rows alone, the general path a warm solve per point) and the
results go to ``benchmarks/results/cap_sweep_grid.json``.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import reopt
from reopt.bench.records import save_run

__all__ = ["main", "run_size"]


def _timed(market: reopt.Market, caps: list[float], **kwargs: Any) -> tuple[float, pd.DataFrame]:
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", reopt.ReoptWarning)  # a spent search budget
        table = reopt.sweep(market, china_cap=caps, progress=False, **kwargs)
    return time.perf_counter() - t0, table


def run_size(
    offers: int, points: int, repeat: int, general: bool, *, exact: bool = True
) -> dict[str, Any]:
    """One market size: the greedy curve's median time, and the general path's once."""
    market = reopt.datasets.synthetic(offers, seed=0)
    caps = np.linspace(0.25, 1.0, points).round(6).tolist()
    times, table = [], None
    for _ in range(repeat):
        seconds, table = _timed(market, caps, exact=exact)
        times.append(seconds)
    assert table is not None and table.attrs["method"] == "greedy curve"
    row: dict[str, Any] = {
        "offers": market.n_offers,
        "points": points,
        "exact": exact,
        "curve_s": statistics.median(times),
        "curve_runs_s": times,
        "breakpoints": len(table.attrs["breakpoints"]),
        "rows": len(table),
    }
    if general:
        seconds, solved = _timed(market, caps, solver="highs", exact=exact)
        mine = table[table["point"] == "grid"]
        theirs = solved[solved["point"] == "grid"]
        assert list(mine["status"]) == list(theirs["status"])
        np.testing.assert_allclose(mine["cost_usd"], theirs["cost_usd"], rtol=1e-9)
        row |= {
            "general_s": seconds,
            "general_breakpoints": len(solved.attrs["breakpoints"]),
            "speedup": seconds / row["curve_s"],
        }
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, nargs="+", default=[20_000, 200_000, 1_000_000])
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--general-up-to", type=int, default=20_000)
    parser.add_argument("--grid-only", action="store_true", help="exact=False on both paths")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    name = "cap_sweep_grid" if args.grid_only else "cap_sweep"
    out = args.out or Path(f"benchmarks/results/{name}.json")
    results = []
    for offers in args.offers:
        general = offers <= args.general_up_to
        row = run_size(offers, args.points, args.repeat, general, exact=not args.grid_only)
        results.append(row)
        line = (
            f"{row['offers']:>9,} offers, {row['points']} caps: greedy curve "
            f"{row['curve_s']:.3f} s, {row['breakpoints']:,} breakpoints"
        )
        if "general_s" in row:
            line += (
                f"; general path {row['general_s']:.2f} s, {row['general_breakpoints']:,} "
                f"breakpoints ({row['speedup']:.0f}x)"
            )
        print(line)
    command = (
        f"python -m reopt.bench.cap_sweep --offers {' '.join(map(str, args.offers))} "
        f"--points {args.points} --repeat {args.repeat} --general-up-to {args.general_up_to}"
        + (" --grid-only" if args.grid_only else "")
    )
    save_run(out, name, command, results)


if __name__ == "__main__":
    main()
