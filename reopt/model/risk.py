"""`CVaR`: the risk preference of a two-stage plan, and the risk measures it defines.

``CVaR(alpha, weight)`` asks `reopt.solve` to minimise
``(1 - weight) E[cost] + weight CVaR_alpha(cost)`` over the scenarios' costs, where
``CVaR_alpha`` is the expected cost in the worst ``1 - alpha`` of probability (Rockafellar
and Uryasev's form; see docs/risk.md). The functions below evaluate the same measures on a
finite set of scenario costs exactly, for any probabilities:

- `value_at_risk`: the lower ``alpha``-quantile, ``min {v : P(cost <= v) >= alpha}`` over the
  scenarios of positive probability (the smallest such cost at ``alpha = 0``);
- `conditional_value_at_risk`: ``VaR + E[(cost - VaR)+] / (1 - alpha)``;
- `risk_value`: the objective ``(1 - weight) E[cost] + weight CVaR_alpha(cost)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reopt.checks import Number, check
from reopt.errors import InputError

__all__ = [
    "DEFAULT_ALPHA",
    "CVaR",
    "conditional_value_at_risk",
    "risk_value",
    "value_at_risk",
]

#: The level at which a plan solved without a risk term reports its VaR and CVaR.
DEFAULT_ALPHA = 0.95

#: Cumulative probabilities within this of ``alpha`` count as reaching it.
_PROBABILITY_TOL = 1e-12


@dataclass(frozen=True)
class CVaR:
    """Risk aversion: minimise ``(1 - weight) E[cost] + weight CVaR_alpha(cost)``.

    Parameters
    ----------
    alpha : float
        The level in [0, 1): CVaR is the expected cost in the worst ``1 - alpha`` of
        probability (``alpha = 0``: the expected cost itself).
    weight : float
        The weight in [0, 1] of CVaR against the expected cost (0: risk neutral).

    Raises
    ------
    InputError
        Naming each argument out of its range.

    Examples
    --------
    >>> CVaR(alpha=0.95, weight=0.5)
    CVaR(alpha=0.95, weight=0.5)
    """

    alpha: float = DEFAULT_ALPHA
    weight: float = 0.5

    def __post_init__(self) -> None:
        problems = check(
            {"alpha": self.alpha, "weight": self.weight},
            {
                "alpha": Number(
                    0.0, 1.0, high_open=True, hint="CVaR at alpha=1 is undefined; e.g. 0.95"
                ),
                "weight": Number(0.0, 1.0, hint="0 is risk neutral, 1 is CVaR alone"),
            },
            where="CVaR()",
        )
        if problems:
            raise InputError(problems)
        object.__setattr__(self, "alpha", float(self.alpha))
        object.__setattr__(self, "weight", float(self.weight))


def value_at_risk(costs: np.ndarray, probability: np.ndarray, alpha: float) -> float:
    """The lower ``alpha``-quantile of ``costs``: ``min {v : P(cost <= v) >= alpha}``.

    Scenarios of zero probability are left out; at ``alpha = 0`` this is the smallest cost.

    Examples
    --------
    >>> value_at_risk(np.array([100.0, 580.0]), np.array([0.9, 0.1]), 0.8)
    100.0
    """
    costs, probability = np.asarray(costs, dtype=float), np.asarray(probability, dtype=float)
    keep = probability > 0
    costs, probability = costs[keep], probability[keep]
    order = np.argsort(costs, kind="stable")
    reached = np.cumsum(probability[order]) >= alpha - _PROBABILITY_TOL
    return float(costs[order][np.argmax(reached)])


def conditional_value_at_risk(costs: np.ndarray, probability: np.ndarray, alpha: float) -> float:
    """``CVaR_alpha = VaR_alpha + E[(cost - VaR_alpha)+] / (1 - alpha)`` (exact, any weights).

    Examples
    --------
    >>> round(conditional_value_at_risk(np.array([100.0, 580.0]), np.array([0.9, 0.1]), 0.8), 9)
    340.0
    """
    costs, probability = np.asarray(costs, dtype=float), np.asarray(probability, dtype=float)
    var = value_at_risk(costs, probability, alpha)
    excess = np.maximum(costs - var, 0.0)
    return float(var + probability @ excess / (1.0 - alpha))


def risk_value(costs: np.ndarray, probability: np.ndarray, risk: CVaR | None) -> float:
    """``(1 - w) E[cost] + w CVaR_alpha(cost)``; the expected cost when ``risk`` is None."""
    expected = float(np.asarray(probability, dtype=float) @ np.asarray(costs, dtype=float))
    if risk is None or risk.weight == 0:
        return expected
    tail = conditional_value_at_risk(costs, probability, risk.alpha)
    return (1.0 - risk.weight) * expected + risk.weight * tail
