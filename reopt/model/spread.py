"""How far a MILP's prices spread, and the spreads past which its solve is refused.

Branch and bound judges rows and reduced costs by absolute tolerances, and a MILP's rows
defining money are scaled by their median entry (`reopt.model.scaling`), so a back-stop
offer far dearer than the rest keeps its size there: `milp_spread` is the dearest offer
over its product's median price. Past two spreads the answers measured were
not the optimum, though called so:

- `GLPK_MILP_SPREAD` (1e7), for GLPK, whose simplex judges reduced costs against the
  largest cost: beside a back-stop 1.7e9 times the median it stopped at choices of orders
  up to 2.5 times the optimum (none seen at 1.7e8);
- `MONEY_MILP_SPREAD` (1e7), for every back end, where a policy is on the money (its
  rows hold ``V = sum p x``): a purchase of -5e-9 of the demand at a back-stop's price,
  within a solver's bound tolerance, moves the money by as much as all other offers. At a
  spread of 1.7e9 HiGHS stopped at dearer choices, or none, in 9 of 40 markets and CBC in
  3 (none of 40 at 1.7e8, nor of 80 at 1.7e7).

`spread_problems` says so as a `Problem`, which `reopt.solve` raises as an `InputError`:
`money_spread_problems` for every back end, GLPK's option check for its own limit.
"""

from __future__ import annotations

from reopt.errors import Problem
from reopt.model.program import LinearProgram, RowFamily
from reopt.model.scaling import cost_spread

__all__ = [
    "GLPK_MILP_SPREAD",
    "MONEY_MILP_SPREAD",
    "milp_spread",
    "money_spread_problems",
    "spread_problems",
]

#: The most a MILP's prices may spread in one product (dearest over median) for GLPK.
GLPK_MILP_SPREAD = 1e7
#: The most they may spread, for any back end, in a MILP with a policy on the money.
MONEY_MILP_SPREAD = 1e7


def milp_spread(lp: LinearProgram) -> float:
    """The largest of each part's costs over its median (`reopt.model.scaling.cost_spread`).

    Columns that cannot move (an offer of capacity 0) do not count.

    Examples
    --------
    >>> import pandas as pd, reopt
    >>> offers = pd.DataFrame({"source": ["a", "b", "c"], "product": "Nd", "country": "AU",
    ...     "kind": "mine", "capacity_t": [5.0, 5.0, 5.0], "price_usd_per_kg": [10.0, 20.0, 1e6],
    ...     "min_order_t": [1.0, 0.0, 0.0]})
    >>> market = reopt.Market(offers, pd.DataFrame({"product": ["Nd"], "demand_t": [8.0]}))
    >>> float(milp_spread(reopt.compile(market)))
    50000.0
    """
    if not lp.is_mip:
        raise ValueError("milp_spread measures a MILP's costs (one with minimum orders)")
    return cost_spread(lp)


def money_spread_problems(lp: LinearProgram) -> list[Problem]:
    """The problem of a MILP with a policy on the money whose prices spread too far (or none)."""
    if not lp.is_mip or not len(lp.family_rows(RowFamily.VALUE)):
        return []
    hint = "or hold the policy on tonnes (basis='tonnes')"
    return spread_problems(lp, MONEY_MILP_SPREAD, "a policy on the money", hint)


def spread_problems(lp: LinearProgram, limit: float, what: str, hint: str) -> list[Problem]:
    """The problem of a MILP whose prices spread beyond ``limit`` (or none).

    ``what`` names what cannot bear it; ``hint`` follows "give a placeholder offer
    capacity 0" in the problem's hint.
    """
    if not lp.is_mip:
        return []
    spread = cost_spread(lp)
    if spread <= limit:
        return []
    return [
        Problem(
            "offers",
            "solve()",
            "price_usd_per_kg",
            f"{spread:.3g} times the median",
            f"with minimum orders and {what}, an offer more than {limit:g} times its "
            "product's median price cannot be solved reliably: branch and bound stops at "
            "a dearer choice of orders, called optimal",
            f"give a placeholder offer capacity 0, {hint}",
        )
    ]
