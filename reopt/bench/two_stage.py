"""The extensive-form scenario model: reopt's build against a raw numpy build for highspy.

    python -m reopt.bench.two_stage [--repeat 7] [--out benchmarks/results/two_stage.json]

For japan_2025 with 10, 100 and 1,000 scenarios and a 20,000-offer synthetic market with 100
scenarios (random capacity and price factors per country, seeded), China capped at 60% and a
CVaR term (alpha 0.95, weight 0.5): reopt's side is ``reopt.compile`` + `build_two_stage` +
the hand-off to HiGHS; the raw side builds the same program directly from encoded arrays
(`raw_two_stage`) and hands it off. Both are timed alternately (medians), their peak memory
during the build is measured with `tracemalloc` (numpy reports its buffers to it), HiGHS
solves each once and the two optima must agree.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import reopt
from reopt.backends.highs_calls import apply_settings, new_highs, pass_arrays, pass_model
from reopt.backends.highs_settings import default_settings
from reopt.bench.records import save_run
from reopt.data.market import Market
from reopt.data.scenarios import ScenarioFactors
from reopt.model.formulation import KG_PER_T
from reopt.model.risk import CVaR
from reopt.model.two_stage import build_two_stage

__all__ = ["CASES", "factors_for", "main", "raw_two_stage"]

CAP = 0.6
RISK = CVaR(alpha=0.95, weight=0.5)
PREMIUM = 0.5
#: (market name, offers, scenarios)
CASES = (("japan_2025", 25, 10), ("japan_2025", 25, 100), ("japan_2025", 25, 1000),
         ("synthetic", 20_000, 100))  # fmt: skip


def market_for(name: str, offers: int) -> Market:
    """The bundled japan_2025 market, or a seeded synthetic one."""
    if name == "japan_2025":
        return reopt.datasets.japan_2025()
    tables = reopt.datasets.synthetic(offers, seed=0)
    return reopt.Market(tables.offers, tables.demand)


def factors_for(market: Market, n_scenarios: int, seed: int = 0) -> ScenarioFactors:
    """Random scenarios, seeded.

    In each scenario one country in five is hit: its offers keep none or half of their
    capacity and its spot prices are 1 to 3 times the usual.
    """
    rng = np.random.default_rng(seed)
    countries, country = np.unique(market.offers["country"].to_numpy(str), return_inverse=True)
    hit = rng.random((n_scenarios, len(countries))) < 0.2
    keep = np.where(hit, rng.choice([0.0, 0.5], size=hit.shape), 1.0)
    price = np.where(hit, rng.uniform(1.0, 3.0, size=hit.shape), 1.0)
    probability = rng.dirichlet(np.ones(n_scenarios))
    enc = market.encoded
    top = np.zeros(len(enc.demand_t))
    np.maximum.at(top, enc.group[enc.group >= 0], enc.price_usd_per_kg[enc.group >= 0])
    lost = 5.0 * top  # a kilogram short costs five times the dearest offer of its product
    return ScenarioFactors(
        names=tuple(f"s{i}" for i in range(n_scenarios)),
        probability=probability,
        capacity_factor=keep[:, country],
        price_factor=price[:, country],
        delay_periods=np.zeros((n_scenarios, market.n_offers), dtype=np.int64),
        lost_usd_per_kg=lost,
        spot_premium=PREMIUM,
    )


@dataclass
class RawTwoStage:
    """The extensive form as the arrays HiGHS takes (row-wise matrix)."""

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_start: np.ndarray
    col_index: np.ndarray
    value: np.ndarray


def raw_two_stage(market: Market, factors: ScenarioFactors) -> RawTwoStage:
    """The same program from encoded arrays, as a script written for highspy would build it.

    Columns: contracts c[o], spot[o, s] (offers with capacity left in s), short[p, s], eta,
    z[s]. Rows: demand per product, the China cap per product, then per scenario its demand
    rows, its capacity rows (finite capacity) and its CVaR row.
    """
    enc = market.encoded
    n, m = market.n_offers, len(enc.demand_t)
    n_s = factors.n_scenarios
    product = enc.group
    china = market.offers["country"].to_numpy(str) == "CN"
    price = KG_PER_T * enc.price_usd_per_kg
    cap = enc.capacity_t
    f, p, w, alpha = factors.capacity_factor, factors.probability, RISK.weight, RISK.alpha
    s_spot, o_spot = np.nonzero(f > 0)
    n_spot = len(s_spot)
    n_cols = n + n_spot + n_s * m + 1 + n_s
    spot0, short0, eta = n, n + n_spot, n + n_spot + n_s * m
    z0 = eta + 1
    spot_price = price[o_spot] * (1 + factors.spot_premium) * factors.price_factor[s_spot, o_spot]
    lost = KG_PER_T * np.tile(factors.lost_usd_per_kg, n_s)
    p_short = np.repeat(p, m)
    cost = np.concatenate(
        [
            (1 - w) * (p[:, None] * f).sum(axis=0) * price,
            (1 - w) * p[s_spot] * spot_price,
            (1 - w) * p_short * lost,
            [w],
            w * p / (1 - alpha),
        ]
    )
    col_upper = np.concatenate(
        [cap, np.full(n_spot + n_s * m, np.inf), [np.inf], np.full(n_s, np.inf)]
    )
    col_lower = np.zeros(n_cols)
    col_lower[eta] = -np.inf
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []

    def add(r: np.ndarray, c: np.ndarray, v: np.ndarray) -> None:
        rows.append(r)
        cols.append(c)
        vals.append(v)

    offers = np.arange(n)
    add(product, offers, np.ones(n))  # demand rows 0..m-1
    add(m + product[china], offers[china], np.ones(int(china.sum())))  # cap rows m..2m-1
    first = 2 * m
    # scenario demand rows: first + s*m + p
    delivered = np.nonzero(f > 0)
    add(first + delivered[0] * m + product[delivered[1]], delivered[1], f[delivered])
    add(first + s_spot * m + product[o_spot], spot0 + np.arange(n_spot), np.ones(n_spot))
    add(first + np.arange(n_s * m), short0 + np.arange(n_s * m), np.ones(n_s * m))
    # capacity rows for finite capacity with something left: spot + f c <= f cap
    capped = np.isfinite(cap[o_spot])
    k = int(capped.sum())
    cap_rows = first + n_s * m + np.arange(k)
    add(cap_rows, spot0 + np.flatnonzero(capped), np.ones(k))
    add(cap_rows, o_spot[capped], f[s_spot[capped], o_spot[capped]])
    # CVaR rows: z[s] + eta - cost[s] >= 0
    risk0 = first + n_s * m + k
    add(risk0 + np.arange(n_s), z0 + np.arange(n_s), np.ones(n_s))
    add(risk0 + np.arange(n_s), np.full(n_s, eta), np.ones(n_s))
    add(risk0 + delivered[0], delivered[1], -price[delivered[1]] * f[delivered])
    add(risk0 + s_spot, spot0 + np.arange(n_spot), -spot_price)
    add(risk0 + np.repeat(np.arange(n_s), m), short0 + np.arange(n_s * m), -lost)
    n_rows = risk0 + n_s
    d = enc.demand_t.astype(float)
    row_lower = np.concatenate(
        [d, np.full(m, -np.inf), np.tile(d, n_s), np.full(k, -np.inf), np.zeros(n_s)]
    )
    row_upper = np.concatenate(
        [
            d,
            CAP * d,
            np.full(n_s * m, np.inf),
            (f[s_spot, o_spot] * cap[o_spot])[capped],
            np.full(n_s, np.inf),
        ]
    )
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    order = np.argsort(r, kind="stable")
    start = np.searchsorted(r[order], np.arange(n_rows + 1))
    return RawTwoStage(
        cost, col_lower, col_upper, row_lower, row_upper,
        start.astype(np.int32), c[order].astype(np.int32), v[order],
    )  # fmt: skip


def reopt_side(
    market: Market, factors: ScenarioFactors, *, memory: bool = False
) -> tuple[float, Any, float]:
    """Seconds to compile, build the extensive form and hand it off; HiGHS; peak MB.

    With ``memory`` the allocations are traced for the peak, so the seconds are then not
    comparable.
    """
    if memory:
        tracemalloc.start()
    t0 = time.perf_counter()
    first = reopt.compile(market, [reopt.cap_share(CAP, country="CN")])
    model = build_two_stage(market, first, factors, RISK)
    h = new_highs()
    apply_settings(h, default_settings(model.lp, reopt.SolverOptions()))
    pass_model(h, model.lp)
    seconds = time.perf_counter() - t0
    peak = float("nan")
    if memory:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return seconds, h, peak


def raw_side(
    market: Market, factors: ScenarioFactors, settings: dict[str, object], *, memory: bool = False
) -> tuple[float, Any, float]:
    """Seconds to build the raw arrays and hand them off; HiGHS; peak MB (see `reopt_side`)."""
    if memory:
        tracemalloc.start()
    t0 = time.perf_counter()
    raw = raw_two_stage(market, factors)
    h = new_highs()
    apply_settings(h, settings)
    pass_arrays(
        h, cost=raw.cost, col_lower=raw.col_lower, col_upper=raw.col_upper,
        row_lower=raw.row_lower, row_upper=raw.row_upper, row_start=raw.row_start,
        col_index=raw.col_index, value=raw.value,
        integrality=np.zeros(len(raw.cost), dtype=np.int32),
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    peak = float("nan")
    if memory:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return seconds, h, peak


def run_case(name: str, offers: int, scenarios: int, repeat: int) -> dict[str, Any]:
    """One case: medians of ``repeat`` alternating builds, one solve each, optima compared.

    Each side is built once first, untimed, to measure its peak memory.
    """
    market = market_for(name, offers)
    factors = factors_for(market, scenarios)
    settings = default_settings(
        reopt.compile(market, [reopt.cap_share(CAP, country="CN")]), reopt.SolverOptions()
    )
    # the traced builds also warm both sides up (first-touch page faults, allocator growth)
    peak_ours = reopt_side(market, factors, memory=True)[2]
    peak_raw = raw_side(market, factors, settings, memory=True)[2]
    ours, theirs = [], []
    for _ in range(repeat):
        seconds, h_ours, _ = reopt_side(market, factors)
        ours.append(seconds)
        seconds, h_raw, _ = raw_side(market, factors, settings)
        theirs.append(seconds)
    solve_s, optimum = [], []
    for h in (h_ours, h_raw):
        t0 = time.perf_counter()
        h.run()
        solve_s.append(time.perf_counter() - t0)
        optimum.append(h.getInfo().objective_function_value)
    assert np.isclose(optimum[0], optimum[1], rtol=1e-6), optimum
    build = statistics.median(ours)
    return {
        "market": name,
        "offers": market.n_offers,
        "scenarios": scenarios,
        "reopt_build_s": build,
        "raw_build_s": statistics.median(theirs),
        "build_ratio": build / statistics.median(theirs),
        "highs_solve_s": solve_s[0],
        "reopt_peak_mb": peak_ours,
        "raw_peak_mb": peak_raw,
        "objective_usd": optimum[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/two_stage.json"))
    args = parser.parse_args()
    results = []
    for name, offers, scenarios in CASES:
        row = run_case(name, offers, scenarios, args.repeat)
        results.append(row)
        print(
            f"{name:<11} {row['offers']:>7,} offers {scenarios:>5} scenarios: build "
            f"{row['reopt_build_s']:.3f} s vs raw {row['raw_build_s']:.3f} s "
            f"({row['build_ratio']:.2f}x), HiGHS {row['highs_solve_s']:.2f} s, peak "
            f"{row['reopt_peak_mb']:.0f} MB vs {row['raw_peak_mb']:.0f} MB"
        )
    command = f"python -m reopt.bench.two_stage --repeat {args.repeat}"
    save_run(args.out, "two_stage", command, results)


if __name__ == "__main__":
    main()
