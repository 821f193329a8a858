"""Which HiGHS settings suit procurement LPs: the measurements behind reopt's defaults.

    python -m reopt.bench.settings [--quick] [--out benchmarks/results]

For markets of several shapes (offers, periods) it solves the same LP with presolve on and
off, dual simplex and interior point (with crossover), and records HiGHS's own solve time.
Every setting must reach the same optimum (rtol 1e-9) or the run fails. Results go to
``settings.json`` and a Markdown table ``settings.md`` in the output folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

import reopt
from reopt.backends.highs_calls import apply_settings, new_highs, pass_model
from reopt.backends.highs_settings import default_settings

CONFIGS = {
    "simplex, presolve off": {"solver": "simplex", "presolve": "off"},
    "ipm+crossover, presolve off": {"solver": "ipm", "presolve": "off", "run_crossover": "on"},
    "simplex, presolve on": {"solver": "simplex", "presolve": "on"},
    "HiGHS defaults": {"solver": "choose", "presolve": "choose"},
}
SHAPES = [
    (5_000, 1),
    (50_000, 1),
    (100_000, 1),
    (200_000, 1),
    (200_000, 4),
    (1_000_000, 1),
    (1_000_000, 4),
]
QUICK = [(5_000, 1), (50_000, 1), (50_000, 12)]


def run(offers: int, periods: int, limit_s: float) -> list[dict[str, object]]:
    market = reopt.datasets.synthetic(offers, n_periods=periods, seed=0)
    lp = reopt.compile(market, [reopt.cap_share(0.6, country="CN")])
    rows = []
    chosen = default_settings(lp, reopt.SolverOptions())
    for name, config in CONFIGS.items():
        h = new_highs()
        apply_settings(h, {**config, "threads": 1, "time_limit": limit_s})
        pass_model(h, lp)
        t0 = time.perf_counter()
        h.run()
        wall = time.perf_counter() - t0
        status = h.getModelStatus().name
        rows.append(
            {
                "offers": offers,
                "periods": periods,
                "setting": name,
                "status": status,
                "solver_s": h.getRunTime(),
                "wall_s": wall,
                "objective": h.getInfo().objective_function_value if status == "kOptimal" else None,
                "reopt_default": all(chosen.get(k) == v for k, v in config.items()),
            }
        )
        print(
            f"{offers:>9,} offers {periods:>2} periods  {name:<28} {status:<12} "
            f"{h.getRunTime():8.3f} s",
            flush=True,
        )
    optima = [r["objective"] for r in rows if r["objective"] is not None]
    if not np.allclose(optima, optima[0], rtol=1e-9):
        raise SystemExit(f"settings disagree on the optimum: {optima}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small shapes only")
    parser.add_argument("--limit", type=float, default=300.0, help="time limit per solve, s")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    rows = [
        r
        for offers, periods in (QUICK if args.quick else SHAPES)
        for r in run(offers, periods, args.limit)
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    meta = {
        "machine": platform.machine(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "reopt": reopt.__version__,
    }
    (args.out / "settings.json").write_text(json.dumps({"meta": meta, "runs": rows}, indent=2))
    lines = [
        "| offers | periods | setting | status | HiGHS time (s) | reopt default |",
        "|---:|---:|---|---|---:|:---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['offers']:,} | {r['periods']} | {r['setting']} | {r['status']} | "
            f"{r['solver_s']:.3f} | {'yes' if r['reopt_default'] else ''} |"
        )
    (args.out / "settings.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out / 'settings.json'} and settings.md")


if __name__ == "__main__":
    main()
