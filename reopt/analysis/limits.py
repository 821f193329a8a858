"""The feasibility limit of a share policy: the smallest feasible cap, the largest floor.

For a tonnes-basis policy the limit is exact, from one LP in which the share is a variable
``t`` in [0, 1] that is minimised (for a cap) or maximised (for a floor): `share_limit`.
For a value-basis policy (whose rows are not linear in the share) it is found by bisection
(`bisect_limit`). `limit_point` solves a sweep's point at the limit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from reopt.analysis.engine import Engine
from reopt.analysis.points import SweepPoint
from reopt.analysis.whatif import SweepSetup
from reopt.backends.highs import solve_highs
from reopt.data.market import Encoded, Market
from reopt.errors import InputError, Problem
from reopt.model.formulation import compile
from reopt.model.policy import Policy, policies_for
from reopt.model.program import LinearProgram
from reopt.model.shares import Basis, Bound, SharePolicy
from reopt.options import Method, SolverOptions
from reopt.results.ranging import SMALLEST_ENTRY, size_scales
from reopt.status import Status

__all__ = [
    "bisect_limit",
    "feasibility_limit",
    "limit_point",
    "share_limit",
    "tidy_share",
    "tidy_shares",
]


def feasibility_limit(
    market: Market, policy: SharePolicy, *, policies: Iterable[Policy] = ()
) -> float:
    """The smallest feasible bound of a cap (the largest of a floor), given other policies.

    Solved as one LP that treats the share as a variable: minimise it (for a cap) or
    maximise it (for a floor). NaN when no bound makes the market feasible. Only for
    tonnes-basis policies; `sweep` bisects for value-basis ones.

    Examples
    --------
    >>> import reopt
    >>> cap = feasibility_limit(reopt.datasets.japan_2025(), reopt.cap_share(1, country="CN"))
    >>> 0.5 < cap < 0.6
    True
    """
    if not isinstance(policy, SharePolicy) or policy.basis is not Basis.TONNES:
        raise InputError(
            [
                Problem(
                    "policies",
                    "feasibility_limit()",
                    "policy",
                    policy,
                    "needs a share policy on a tonnes basis",
                    "for basis='value', sweep it: reopt.sweep(market, vary=policy, shares=[...])",
                )
            ]
        )
    others = policies_for(market, policies=policies)
    if market.has_stock_balance:  # the share multiplies the purchases: no LP for the limit
        rule = "needs a market without stock or lead times"
        hint = "sweep the share instead: reopt.sweep(market, vary=policy, shares=[...])"
        raise InputError([Problem("market", "feasibility_limit()", "market", market, rule, hint)])
    checked = (*others, policy)
    lp = compile(market, checked)
    return share_limit(lp, market.encoded, len(checked) - 1, policy.bound)


def limit_point(setup: SweepSetup, engine: Engine, *, span: bool) -> list[SweepPoint]:
    """The smallest feasible cap (largest feasible floor) of a share sweep, solved there."""
    policy, k = setup.policy, setup.varied
    assert policy is not None and k is not None
    market, policies = setup.build(policy.share)
    kind = "min_feasible" if policy.bound is Bound.MAX else "max_feasible"
    if policy.basis is Basis.TONNES and not market.has_stock_balance:
        limit = share_limit(compile(market, policies), market.encoded, k, policy.bound)
    else:
        limit = bisect_limit(setup)
    if not math.isfinite(limit):
        return []
    point = engine.point(setup, limit, kind, span=span)
    if point.status is Status.INFEASIBLE:  # within the solver's tolerance of the edge
        nudged = min(limit + 1e-9, 1.0) if kind == "min_feasible" else max(limit - 1e-9, 0.0)
        point = engine.point(setup, nudged, kind, span=span)
    return [point]


def share_limit(lp: LinearProgram, enc: Encoded, k: int, bound: Bound) -> float:
    """Solve the LP in which the share of policy ``k`` is a variable ``t`` in [0, 1].

    Tonnes are counted in units of their product's demand and rows in units of their size
    (`reopt.results.ranging.size_scales`): in plain tonnes, a tonne of a 10 Mt product moves
    ``t`` by 1e-7, which HiGHS's dual tolerance takes for nothing. NaN when infeasible.
    """
    mine = lp.rows_of(k)
    col_scale, row_scale = size_scales(lp, enc)
    scaled = lp.scaled(col_scale, row_scale).with_costs(np.zeros(lp.n_cols))
    if bound is Bound.MAX:  # the policy's rows: its tonnes - t * base_t <= 0 (>= 0, a floor)
        scaled = scaled.with_row_bounds(mine, upper=0.0)
    else:
        scaled = scaled.with_row_bounds(mine, lower=0.0)
    direct = scaled.with_columns(
        cost=np.array([1.0 if bound is Bound.MAX else -1.0]),
        lower=np.zeros(1),
        upper=np.ones(1),
        rows=mine,
        cols=np.zeros(len(mine), dtype=np.int64),
        vals=-lp.label("base_t")[mine] * row_scale[mine],
    )
    solution = solve_highs(
        direct,
        SolverOptions(method=Method.SIMPLEX, extra={"small_matrix_value": SMALLEST_ENTRY}),
    )
    if solution.status is not Status.OPTIMAL or solution.x is None:
        return math.nan
    return tidy_share(float(solution.x[lp.n_cols]))


def tidy_share(share: float) -> float:
    """A share in [0, 1] without float noise: 0.20000000000000007 (an LP's 0.2) is 0.2.

    Only a few units in the last place are removed; a share such as 0.75308642197531 is
    kept whole, since a cap rounded below it can be infeasible for a large market.

    Examples
    --------
    >>> tidy_share(0.20000000000000007), tidy_share(-0.0)
    (0.2, 0.0)
    """
    return float(tidy_shares(np.array([share], dtype=float))[0])


def tidy_shares(shares: np.ndarray) -> np.ndarray:
    """`tidy_share` of every element of ``shares``.

    Examples
    --------
    >>> tidy_shares(np.array([0.20000000000000007, 0.75308642197531])).tolist()
    [0.2, 0.75308642197531]
    """
    share = np.clip(np.asarray(shares, dtype=float), 0.0, 1.0)
    short = np.round(share, 12)
    near = np.abs(short - share) <= 4 * np.spacing(share)
    return np.where(near, short, share) + 0.0  # not -0.0


def bisect_limit(setup: SweepSetup, tol: float = 1e-6) -> float:
    """The feasibility limit of a share sweep's policy by bisection (value-basis policies)."""

    def feasible(s: float) -> bool:
        market, policies = setup.build(s)
        lp = compile(market, policies)
        return solve_highs(lp, SolverOptions(presolve=False)).status is Status.OPTIMAL

    assert setup.policy is not None
    cap = setup.policy.bound is Bound.MAX
    good, bad = (1.0, 0.0) if cap else (0.0, 1.0)
    if not feasible(good):
        return math.nan
    if feasible(bad):
        return bad
    while abs(good - bad) > tol:
        mid = 0.5 * (good + bad)
        good, bad = (mid, bad) if feasible(mid) else (good, mid)
    return good
