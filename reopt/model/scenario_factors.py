"""What the two-stage model needs of a scenario set: its checks and the scenarios it derives.

`check_factors` confirms that a `ScenarioFactors` fits a market (shapes, ranges, and
probabilities summing to 1); `arrival_rows` says where each offer's deliveries arrive once a
scenario delays them; `mean_value_factors` is the mean-value problem's one scenario and
`one_scenario` a scenario alone, for VSS and EVPI (`reopt.results.risk`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reopt.data.encoding import Encoded
from reopt.data.market import Market
from reopt.data.scenarios import ScenarioFactors
from reopt.errors import InputError, Problem

__all__ = ["arrival_rows", "check_factors", "mean_value_factors", "one_scenario"]


def check_factors(market: Market, factors: object) -> ScenarioFactors:
    """``factors`` if it fits ``market`` (one row per scenario, one column per offer)."""
    if not isinstance(factors, ScenarioFactors):
        raise InputError(
            [
                Problem(
                    "scenarios",
                    "solve()",
                    "scenarios",
                    type(factors).__name__,
                    "expected a reopt.ScenarioSet or ScenarioFactors",
                )
            ]
        )
    n_s, n_o, n_d = factors.n_scenarios, market.n_offers, len(market.encoded.demand_t)
    shapes = {
        "probability": (np.asarray(factors.probability), (n_s,)),
        "capacity_factor": (np.asarray(factors.capacity_factor), (n_s, n_o)),
        "price_factor": (np.asarray(factors.price_factor), (n_s, n_o)),
        "delay_periods": (np.asarray(factors.delay_periods), (n_s, n_o)),
        "lost_usd_per_kg": (np.asarray(factors.lost_usd_per_kg), (n_d,)),
    }
    problems = [
        Problem("scenarios", "ScenarioFactors", name, a.shape, f"must have shape {shape}")
        for name, (a, shape) in shapes.items()
        if a.shape != shape
    ]
    if not problems:
        ranges = {
            "probability": shapes["probability"][0] >= 0,
            "capacity_factor": shapes["capacity_factor"][0] >= 0,
            "price_factor": shapes["price_factor"][0] > 0,
            "delay_periods": shapes["delay_periods"][0] >= 0,
            "lost_usd_per_kg": shapes["lost_usd_per_kg"][0] > 0,
        }
        problems = [
            Problem("scenarios", "ScenarioFactors", name, None, "has values out of range")
            for name, ok in ranges.items()
            if not (np.all(ok) and np.all(np.isfinite(shapes[name][0])))
        ]
        total = float(np.sum(factors.probability))
        if abs(total - 1.0) > 1e-9:
            problems.append(
                Problem("scenarios", "ScenarioFactors", "probability", total, "must sum to 1")
            )
    if problems:
        raise InputError(problems)
    return factors


def arrival_rows(enc: Encoded, delay: np.ndarray, lead: np.ndarray | None = None) -> np.ndarray:
    """The demand row each offer's deliveries arrive in, per scenario (-1: never).

    An offer bought for demand row (product p, period t) with lead time ``lead`` (periods;
    default 0) arrives in (p, t + lead + delay); past the last period (or with any delay in a
    market without periods) it does not arrive.
    """
    n_demand = len(enc.demand_t)
    n_periods = int(enc.demand_period_code.max()) + 1 if n_demand else 1
    shift = np.asarray(delay, dtype=np.int64)
    if lead is not None:
        shift = shift + np.asarray(lead, dtype=np.int64)[None, :]
    if n_periods == 1:  # one period: what arrives at all arrives in its own row
        return np.where((enc.group >= 0)[None, :] & (shift == 0), enc.group[None, :], -1)
    products, product_code = np.unique(enc.demand_product.astype(str), return_inverse=True)
    table = np.full((len(products), n_periods), -1, dtype=np.int64)
    table[product_code, enc.demand_period_code] = np.arange(n_demand)
    has_row = enc.group >= 0
    row = np.maximum(enc.group, 0)
    lead = np.zeros(len(row), dtype=np.int64) if lead is None else np.asarray(lead)
    period = enc.demand_period_code[row][None, :] + np.asarray(delay, dtype=np.int64)
    period = period + lead.astype(np.int64)[None, :]
    inside = has_row[None, :] & (period < n_periods)
    found = table[product_code[row][None, :], np.minimum(period, n_periods - 1)]
    return np.where(inside, found, -1)


def mean_value_factors(factors: ScenarioFactors) -> ScenarioFactors:
    """The mean-value problem's one scenario: probability-weighted factors.

    Capacity and price factors are averaged with the probabilities; the delay is the
    probability-weighted mean delay rounded to the nearest whole period.
    """
    p = np.asarray(factors.probability, dtype=float)
    delay = np.rint(p @ np.asarray(factors.delay_periods, dtype=float)).astype(np.int64)
    return replace(
        factors,
        names=("mean value",),
        probability=np.ones(1),
        capacity_factor=(p @ np.asarray(factors.capacity_factor, dtype=float))[None, :],
        price_factor=(p @ np.asarray(factors.price_factor, dtype=float))[None, :],
        delay_periods=delay[None, :],
    )


def one_scenario(factors: ScenarioFactors, s: int) -> ScenarioFactors:
    """Scenario ``s`` alone, with probability 1 (a wait-and-see problem)."""
    return replace(
        factors,
        names=(factors.names[s],),
        probability=np.ones(1),
        capacity_factor=np.asarray(factors.capacity_factor)[s : s + 1],
        price_factor=np.asarray(factors.price_factor)[s : s + 1],
        delay_periods=np.asarray(factors.delay_periods)[s : s + 1],
    )
