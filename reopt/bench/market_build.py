"""Building a `reopt.Market`: how long validation takes, part by part, and its peak memory.

    python -m reopt.bench.market_build [--offers 5000 200000 1000000] [--periods 1 12]
                                       [--repeat 5] [--no-memory]

For every size (offers) and number of periods, the generated tables
(`reopt.datasets.synthetic.synthetic_tables`) are built into a ``Market`` ``--repeat``
times in a warm process and the median is printed, split into the parts of validation that
`reopt.data.validation.validate` reports through its ``timings`` argument (headers, cells,
cross-table checks, magnitudes, encoding), the stock checks and ``compile`` with the China
cap.

Peak memory is measured in a fresh process per case (``ru_maxrss``): the tables alone; the
raw numpy build for highspy (`reopt.bench.raw`: build and hand-off); and reopt's
``Market`` + ``compile`` + hand-off. The ratio of the last two, both peaks measured after the
tables were made (so that the generator's own peak is left out), is what the memory target
is set on (1.1x at 1,000,000 offers). Timings are medians; on a busy machine they are noisy.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict

import numpy as np

__all__ = ["main", "peak_mb", "time_build"]

CAP = 0.6
#: The cases of the memory measurement, each run in a fresh process.
MEMORY_CASES = ("tables", "raw", "reopt")


def time_build(n_offers: int, n_periods: int, repeat: int) -> dict[str, float]:
    """Median seconds of each part of building a market of ``n_offers`` (warm process)."""
    from reopt.data.market import Market
    from reopt.data.validation import validate
    from reopt.datasets.synthetic import synthetic_tables
    from reopt.model.formulation import compile
    from reopt.model.policies import cap_share

    offers, demand = synthetic_tables(n_offers, n_periods=n_periods, seed=0)
    Market(offers, demand)  # warm up
    parts: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeat):
        timings: dict[str, float] = {}
        from reopt.data.cells import TableOrigin

        origins = {name: TableOrigin(name) for name in ("offers", "demand", "sources", "stock")}
        t0 = time.perf_counter()
        validate(offers, demand, None, origins, timings=timings)
        validated = time.perf_counter() - t0
        t0 = time.perf_counter()
        market = Market(offers, demand)
        built = time.perf_counter() - t0
        t0 = time.perf_counter()
        compile(market, [cap_share(CAP, country="CN")])
        compiled = time.perf_counter() - t0
        for name, seconds in timings.items():
            parts[name].append(seconds)
        parts["validate"].append(validated)
        parts["Market()"].append(built)
        parts["compile"].append(compiled)
    return {name: statistics.median(values) for name, values in parts.items()}


def _status_mb(field: str) -> float:
    """A memory figure of this process from ``/proc/self/status`` (``VmRSS``, ``VmHWM``), MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return float(line.split()[1]) / 1024.0
    return float("nan")


def _reset_peak() -> bool:
    """Reset this process's peak resident memory to its current one (Linux only)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def _memory_case(case: str, n_offers: int, n_periods: int) -> tuple[float, float, float]:
    """Run one case in this process: (peak MB, MB held by the tables, peak MB after them).

    The tables are generated first; where Linux allows, the peak is then reset, so that the
    third figure is the peak of the case's own work on top of the tables (else NaN).
    """
    import gc

    from reopt.datasets.synthetic import synthetic_tables

    offers, demand = synthetic_tables(n_offers, n_periods=n_periods, seed=0)
    gc.collect()
    held = _status_mb("VmRSS")
    reset = _reset_peak()
    if case == "raw":
        from reopt.bench import raw

        settings = {"presolve": "off", "threads": 1, "output_flag": False}
        lp = raw.build(offers, demand, CAP)
        h = raw.hand_off(lp, settings)
        del h
    elif case == "reopt":
        from reopt.backends.highs_calls import apply_settings, new_highs, pass_model
        from reopt.data.market import Market
        from reopt.model.formulation import compile
        from reopt.model.policies import cap_share

        market = Market(offers, demand)
        program = compile(market, [cap_share(CAP, country="CN")])
        h = new_highs()
        apply_settings(h, {"presolve": "off", "threads": 1})
        pass_model(h, program)
        del h
    total = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    after = _status_mb("VmHWM") if reset else float("nan")
    return total, held, after


def peak_mb(case: str, n_offers: int, n_periods: int) -> tuple[float, float, float]:
    """`_memory_case` of ``case`` (one of `MEMORY_CASES`) in a fresh Python process."""
    code = (
        "from reopt.bench.market_build import _memory_case; "
        f"print(*_memory_case({case!r}, {n_offers}, {n_periods}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    total, held, after = (float(x) for x in out.strip().splitlines()[-1].split())
    return total, held, after


def main(argv: list[str] | None = None) -> None:
    """Print the table of timings and the peak memory (see the module documentation)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--offers", type=int, nargs="+", default=[5_000, 200_000, 1_000_000])
    parser.add_argument("--periods", type=int, nargs="+", default=[1, 12])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-memory", action="store_true", help="skip the memory cases")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)

    rows = []
    for n_offers in args.offers:
        for n_periods in args.periods:
            rows.append((n_offers, n_periods, time_build(n_offers, n_periods, args.repeat)))
    names = list(dict.fromkeys(name for *_, parts in rows for name in parts))
    print(f"median seconds of {args.repeat} builds in a warm process (noisy on a busy machine)")
    print(f"{'offers':>10} {'periods':>7} " + " ".join(f"{n:>10}" for n in names))
    for n_offers, n_periods, parts in rows:
        cells = " ".join(f"{parts.get(n, np.nan):>10.4f}" for n in names)
        print(f"{n_offers:>10,} {n_periods:>7} {cells}")
    memory = []
    if not args.no_memory:
        print(
            "\npeak memory (MB, fresh process per case): tables (their generator's peak), "
            "then peaks after the tables were made: raw build, reopt; and above the tables"
        )
        for n_offers in args.offers:
            for n_periods in args.periods:
                mb = {case: peak_mb(case, n_offers, n_periods) for case in MEMORY_CASES}
                # the peaks after the tables were made (their generator's own peak left out)
                ratio = mb["reopt"][2] / mb["raw"][2]
                extra = {case: mb[case][2] - mb[case][1] for case in MEMORY_CASES}
                memory.append(
                    {"offers": n_offers, "periods": n_periods, "ratio": ratio}
                    | {case: mb[case][0] for case in MEMORY_CASES}
                    | {f"{case}_above_tables": extra[case] for case in MEMORY_CASES}
                )
                print(
                    f"{n_offers:>10,} {n_periods:>7} {mb['tables'][0]:>8.0f} "
                    f"{mb['raw'][2]:>8.0f} {mb['reopt'][2]:>8.0f}  reopt/raw {ratio:.2f}x; "
                    f"above the tables: raw {extra['raw']:.0f}, reopt {extra['reopt']:.0f}"
                )
    if args.json:
        timing = [{"offers": o, "periods": p, **parts} for o, p, parts in rows]
        print(json.dumps({"timings": timing, "memory": memory}, indent=2))


if __name__ == "__main__":
    main()
