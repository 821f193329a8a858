"""Breakpoints by back end: how far each one's lie from HiGHS's, on the bundled datasets.

    python -m reopt.bench.breakpoints [--points 81]

Sweeps the China cap from 20% to 100% on ``japan_2025`` and ``japan_2010`` with every
known back end and reports, per back end, the largest distance between its breakpoints
(and minimum feasible cap) and those of the default sweep (HiGHS in-process; its own row is
the check that a sweep repeats itself). A back end that finds a different number of them is
reported as such.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

import reopt
from reopt.backends import available_solvers, known_solvers

DATASETS = ("japan_2025", "japan_2010")


def exact_points(curve: pd.DataFrame) -> np.ndarray:
    """The caps of a sweep's breakpoints and minimum feasible cap, in order."""
    found = curve[curve["point"].isin(["breakpoint", "min_feasible"])]
    return np.sort(found["china_cap"].to_numpy(dtype=float))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=81)
    args = parser.parse_args(argv)
    caps = np.linspace(0.2, 1.0, args.points).round(6).tolist()
    print(f"{'dataset':<12}{'back end':<12}{'points':>7}{'largest distance':>18}")
    for name in DATASETS:
        market = getattr(reopt.datasets, name)()
        reference = exact_points(reopt.sweep(market, china_cap=caps, progress=False))
        for solver in sorted(known_solvers()):
            if solver not in available_solvers():
                print(f"{name:<12}{solver:<12}{'':>7}{'not installed':>18}")
                continue
            found = exact_points(reopt.sweep(market, china_cap=caps, solver=solver, progress=False))
            if len(found) != len(reference):
                shown = f"{len(found)} vs {len(reference)}"
                print(f"{name:<12}{solver:<12}{len(found):>7}{shown:>18}")
                continue
            distance = float(np.max(np.abs(found - reference), initial=0.0))
            print(f"{name:<12}{solver:<12}{len(found):>7}{distance:>18.2e}")


if __name__ == "__main__":
    main()
