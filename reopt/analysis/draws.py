"""`Draw`: one random factor of a Monte Carlo run, its checks, and how samples are drawn.

A draw multiplies one kind of input of the offers or demand a filter picks (as policies and
what-ifs read filters, `reopt.data.filters`) by a random factor:

- ``scale``: ``"price"`` or ``"capacity"`` (offers) or ``"demand"``;
- ``dist`` and its parameters:

  ===============  ===========================  ============================================
  ``dist``         parameters                   factor
  ===============  ===========================  ============================================
  ``lognormal``    ``sigma >= 0``               ``exp(sigma Z)``: median 1 (today's value is
                                                the median; the mean is ``exp(sigma²/2)``)
  ``uniform``      ``0 <= low <= high``         uniform on ``[low, high]``
  ``triangular``   ``0 <= low <= mode <= high`` triangular, peak at ``mode``
  ``outage``       ``0 <= p <= 1``,             ``factor`` with probability ``p``, else 1
                   ``factor >= 0`` (default 0)
  ===============  ===========================  ============================================

Every draw starts from a standard normal ``Z``; with a correlation matrix ``C`` over the draws
the normals are ``N(0, C)`` (a Gaussian copula) and each factor is its distribution's inverse
CDF at ``Phi(Z)``. Sample ``i`` of a run with root seed ``s`` is drawn from the generator
seeded by ``numpy.random.SeedSequence(s).spawn(n)[i]`` (`sample_seed`), so its numbers do not
depend on where or in which batch it is drawn.

A sample's factors become one factor per offer and demand row (`vectors`), and a market
with them applied (`scaled_market`).
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from reopt.data import filters
from reopt.data.market import Market
from reopt.errors import InputError, Problem, ProblemList

__all__ = [
    "DEMAND_FILTERS",
    "DISTRIBUTIONS",
    "SCALES",
    "Draw",
    "correlation_root",
    "normal_cdf",
    "sample_factors",
    "sample_seed",
    "scaled_market",
    "vectors",
]

#: What a draw may scale.
SCALES = ("price", "capacity", "demand")
#: Each distribution's parameters: required ones, and optional ones with their defaults.
DISTRIBUTIONS: Mapping[str, tuple[tuple[str, ...], Mapping[str, float]]] = {
    "lognormal": (("sigma",), {}),
    "uniform": (("low", "high"), {}),
    "triangular": (("low", "mode", "high"), {}),
    "outage": (("p",), {"factor": 0.0}),
}
#: Demand columns a demand draw may filter on (offers: `reopt.data.filters.FILTER_COLUMNS`).
DEMAND_FILTERS = ("product", "period")
_HINTS = {
    "lognormal": "e.g. Draw(scale='price', where={'country': 'CN'}, dist='lognormal', sigma=0.3)",
    "uniform": "e.g. Draw(scale='price', where={}, dist='uniform', low=0.8, high=1.2)",
    "triangular": "e.g. Draw(scale='demand', dist='triangular', low=0.9, mode=1.0, high=1.3)",
    "outage": "e.g. Draw(scale='capacity', where={'source': 'x'}, dist='outage', p=0.05)",
}


@dataclass(frozen=True, init=False)
class Draw:
    """A random factor on the prices, capacities or demand a filter picks.

    Parameters
    ----------
    scale : {"price", "capacity", "demand"}
    where : mapping, optional
        A filter as in policies and what-ifs (``{"country": "CN"}``); empty or None: all.
        Offers: country, refined_in, kind, source, product, period; demand: product, period.
    dist : {"lognormal", "uniform", "triangular", "outage"}
    **parameters : float
        The distribution's parameters (see the module documentation).

    Raises
    ------
    InputError
        Listing every bad argument and parameter at once.

    Examples
    --------
    >>> d = Draw(scale="price", where={"country": "CN"}, dist="lognormal", sigma=0.3)
    >>> d.parameters
    {'sigma': 0.3}
    >>> float(d.factors(np.array([0.0]))[0])
    1.0
    """

    scale: str
    where: dict[str, object]
    dist: str
    parameters: dict[str, float] = field(default_factory=dict)

    def __init__(
        self,
        scale: str,
        where: Mapping[str, object] | None = None,
        dist: str = "lognormal",
        **parameters: object,
    ) -> None:
        problems = ProblemList()
        at = "Draw()"
        if scale not in SCALES:
            problems.add("options", at, "scale", scale, f"must be one of {', '.join(SCALES)}")
        allowed = DEMAND_FILTERS if scale == "demand" else filters.FILTER_COLUMNS
        if where is None:
            where = {}
        if not isinstance(where, Mapping):
            problems.add(
                "options", at, "where", where, "expected a filter such as {'country': 'CN'}"
            )
            where = {}
        for key in where:
            if key not in allowed:
                problems.add(
                    "options",
                    at,
                    f"where[{key!r}]",
                    None,
                    f"a {scale} draw filters on {', '.join(allowed)}",
                )
        values: dict[str, float] = {}
        if dist not in DISTRIBUTIONS:
            problems.add("options", at, "dist", dist, f"must be one of {', '.join(DISTRIBUTIONS)}")
        else:
            values = _parameters(dist, parameters, problems)
        problems.raise_if_any()
        object.__setattr__(self, "scale", scale)
        object.__setattr__(self, "where", dict(where))
        object.__setattr__(self, "dist", dist)
        object.__setattr__(self, "parameters", values)

    def __hash__(self) -> int:
        return hash((self.scale, repr(self.where), self.dist, repr(self.parameters)))

    @property
    def label(self) -> str:
        """A short text for tables and plots, e.g. ``price lognormal(sigma=0.3) country=CN``."""
        args = ", ".join(f"{k}={v:g}" for k, v in self.parameters.items())
        picked = " ".join(f"{k}={v}" for k, v in self.where.items()) or "all"
        return f"{self.scale} {self.dist}({args}) {picked}"

    def factors(self, z: np.ndarray) -> np.ndarray:
        """The factors at standard normal values ``z`` (each through ``Phi(z)``)."""
        z = np.asarray(z, dtype=float)
        p = self.parameters
        if self.dist == "lognormal":
            with np.errstate(over="ignore"):  # inf: refused by the magnitude limits
                return np.exp(p["sigma"] * z)
        u = normal_cdf(z)
        if self.dist == "uniform":
            return p["low"] + (p["high"] - p["low"]) * u
        if self.dist == "outage":
            return np.where(u < p["p"], p["factor"], 1.0)
        low, mode, high = p["low"], p["mode"], p["high"]
        width = high - low
        if width == 0:
            return np.full(z.shape, low)
        cut = (mode - low) / width
        below = low + np.sqrt(u * width * (mode - low))
        above = high - np.sqrt((1 - u) * width * (high - mode))
        return np.where(u < cut, below, above)


def _parameters(dist: str, given: Mapping[str, object], problems: ProblemList) -> dict[str, float]:
    """The distribution's parameters, checked; every problem recorded in ``problems``."""
    required, optional = DISTRIBUTIONS[dist]
    hint = _HINTS[dist]
    out: dict[str, float] = {}
    for name in given:
        if name not in required and name not in optional:
            known = ", ".join((*required, *optional))
            problems.add("options", "Draw()", name, given[name], f"{dist} takes {known}", hint)
    for name in (*required, *optional):
        if name not in given:
            if name in required:
                problems.add("options", "Draw()", name, None, f"{dist} needs {name}", hint)
            else:
                out[name] = optional[name]
            continue
        value = given[name]
        if (
            not isinstance(value, numbers.Real)
            or isinstance(value, bool)
            or not math.isfinite(float(value))
            or float(value) < 0
        ):
            problems.add("options", "Draw()", name, value, "must be a finite number >= 0", hint)
        else:
            out[name] = float(value)
    bounds = [k for k in ("low", "mode", "high") if k in (*required, *optional)]
    order = [out[k] for k in bounds if k in out]
    if len(order) == len(bounds) and any(a > b for a, b in itertools.pairwise(order)):
        names = " <= ".join(bounds)
        problems.add("options", "Draw()", dist, order, f"needs {names}", hint)
    if out.get("p", 0.0) > 1:
        problems.add("options", "Draw()", "p", out["p"], "a probability is at most 1", hint)
    return out


def normal_cdf(z: np.ndarray) -> np.ndarray:
    """``Phi(z)``, the standard normal CDF, elementwise."""
    z = np.asarray(z, dtype=float)
    return np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in z.ravel()]).reshape(z.shape)


def correlation_root(correlation: object, k: int) -> np.ndarray | None:
    """``L`` with ``L @ L.T == correlation``, checked; None for no correlation.

    The matrix must be ``k`` by ``k`` (one row per draw), finite, symmetric, with a unit
    diagonal, entries in [-1, 1] and positive semi-definite (a singular matrix, such as two
    draws that move together, is allowed).

    Raises
    ------
    InputError
        Naming every rule the matrix breaks.
    """
    if correlation is None:
        return None
    problems = ProblemList()
    at = "monte_carlo()"
    try:
        c = np.asarray(correlation, dtype=float)
    except (TypeError, ValueError):
        rule = "expected a square matrix of numbers, one row per draw"
        raise InputError([Problem("options", at, "correlation", correlation, rule)]) from None
    if c.shape != (k, k):
        problems.add("options", at, "correlation", c.shape, f"must be {k} x {k}, one per draw")
        problems.raise_if_any()
    if not np.isfinite(c).all():
        problems.add("options", at, "correlation", None, "entries must be finite numbers")
        problems.raise_if_any()
    if not np.allclose(c, c.T, rtol=0, atol=1e-9):
        problems.add("options", at, "correlation", None, "must be symmetric")
    if not np.allclose(np.diag(c), 1.0, rtol=0, atol=1e-12):
        problems.add("options", at, "correlation", np.diag(c).tolist(), "diagonal must be 1")
    if (np.abs(c) > 1 + 1e-12).any():
        problems.add("options", at, "correlation", None, "entries must lie in [-1, 1]")
    problems.raise_if_any()
    c = (c + c.T) / 2
    w, v = np.linalg.eigh(c)
    if w.min() < -1e-9:
        problems.add(
            "options",
            at,
            "correlation",
            float(w.min()),
            "must be positive semi-definite (its smallest eigenvalue is negative)",
            "correlations must be consistent, e.g. a~b and b~c strong but a~c negative is not",
        )
        problems.raise_if_any()
    return v * np.sqrt(np.clip(w, 0.0, None))


def sample_seed(seed: int, i: int) -> np.random.SeedSequence:
    """Sample ``i``'s seed: the same as ``numpy.random.SeedSequence(seed).spawn(n)[i]``."""
    return np.random.SeedSequence(seed, spawn_key=(i,))


def sample_factors(draws: Sequence[Draw], seed: int, i: int, root: np.ndarray | None) -> np.ndarray:
    """The factors of sample ``i``: one per draw, from its own generator (`sample_seed`)."""
    z = np.random.default_rng(sample_seed(seed, i)).standard_normal(len(draws))
    if root is not None:
        z = root @ z
    return np.array([float(d.factors(z[j : j + 1])[0]) for j, d in enumerate(draws)])


def vectors(
    market: Market, draws: Sequence[Draw], masks: Sequence[np.ndarray], f: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per offer its price and capacity factor, per demand row its demand factor.

    ``f`` holds one factor per draw, or one row of them per sample (then so do the results).
    """
    f = np.asarray(f, dtype=float)
    lead = f.shape[:-1]
    n_offers = len(market.encoded.price_usd_per_kg)
    out = {"price": np.ones((*lead, n_offers)), "capacity": np.ones((*lead, n_offers))}
    out["demand"] = np.ones((*lead, len(market.encoded.demand_t)))
    for k, (d, mask) in enumerate(zip(draws, masks, strict=True)):
        out[d.scale][..., mask] *= f[..., k, None]
    return out["price"], out["capacity"], out["demand"]


def scaled_market(
    market: Market, price: np.ndarray, capacity: np.ndarray, demand: np.ndarray
) -> Market:
    """``market`` with prices, capacities and demand times these factors (validated again).

    As `reopt.analysis.whatif.OfferScale`: unlimited capacity stays unlimited unless its
    factor is 0, and an offer whose minimum order no longer fits its capacity is shut.
    """
    offers = market.offers
    offers["price_usd_per_kg"] = offers["price_usd_per_kg"].to_numpy(dtype=float) * price
    cap = offers["capacity_t"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        cap = np.where(np.isinf(cap) & (capacity == 0), 0.0, cap * capacity)
    offers["capacity_t"] = cap
    if "min_order_t" in offers.columns:
        shut = np.nan_to_num(offers["min_order_t"].to_numpy(dtype=float)) > cap
        offers.loc[shut, ["capacity_t", "min_order_t"]] = 0.0
    table = market.demand
    table["demand_t"] = table["demand_t"].to_numpy(dtype=float) * demand
    return market.replace(offers=offers, demand=table)
