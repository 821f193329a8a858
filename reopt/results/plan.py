"""`Plan`: the immutable result of a solve, in the buyer's terms.

A plan carries its status and, when optimal, what to buy (`Plan.orders`, the order sheet,
and `Plan.allocation`), the shares it reaches (`Plan.shares`), the limits it runs into
(`Plan.binding_limits`), what each constraint costs (`Plan.shadow_prices`), how much
cheaper an unused offer must get to be used (`Plan.reduced_costs`) and what one more tonne
of capacity is worth (`Plan.capacity_values`). A plan that is not optimal has no allocation:
asking for one raises `NoSolutionError`, and `Plan.explain` says what went wrong.

Units and sign conventions (one for every table): every value per tonne is given in USD/kg,
the unit prices are given in (a value of 13.8 USD/kg is 13,800 USD per tonne), in a column
whose name says so (``value_usd_per_kg``); a share policy's in USD per percentage point
(``value_usd_per_pp``).

- a share policy's price is the cost saved, in USD, by loosening it by one percentage point
  (a cap raised from 60% to 61%, a floor lowered from 25% to 24%); it is >= 0;
- demand's price is the cost of one more tonne of demand, in USD/kg, including the tonnes
  the share policies then allow or require;
- capacity's value is the cost saved by one more tonne of capacity, in USD/kg, >= 0;
- a reduced cost is the price cut, in USD/kg, at which an unused offer would enter the plan.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from reopt.backends import Solution
from reopt.data.market import Market
from reopt.data.writing import write_csv
from reopt.errors import InputError, NoSolutionError, Problem
from reopt.model.formulation import KG_PER_T
from reopt.model.policy import Policy
from reopt.model.program import LinearProgram
from reopt.model.shares import demand_coupling
from reopt.results import explain, labels, methods, orders, periods, prices, ranging, render
from reopt.results.precision import SIGNIFICANT_DIGITS, round_significant
from reopt.status import Status
from reopt.vectors import dot

__all__ = ["Plan"]

#: An offer counts as bought above this share of its product's demand, or of its money.
BOUGHT_SHARE = 1e-9
_GROUPINGS = ("country", "refined_in", "kind", "source")


@dataclass(frozen=True, eq=False, repr=False)
class Plan:
    """The result of `reopt.solve`: status, cost, what to buy, and what constraints cost.

    Attributes
    ----------
    status : Status
        reopt's verdict; only `Status.OPTIMAL` plans have an allocation.
    market : Market
        The market that was solved.
    policies : tuple of Policy
        The policies in force (``china_cap`` appears as ``cap_share(..., country='CN')``).
    lp : LinearProgram
        The compiled model.
    solution : Solution
        What the back end read from the solver.
    notes : tuple of str
        Remarks on how the plan was obtained (e.g. a re-solve without presolve).
    """

    status: Status
    market: Market
    policies: tuple[Policy, ...]
    lp: LinearProgram
    solution: Solution
    notes: tuple[str, ...] = field(default=())

    # --- scalars -----------------------------------------------------------------------------
    @property
    def is_optimal(self) -> bool:
        """True when the plan is optimal (and was verified)."""
        return self.status is Status.OPTIMAL

    @property
    def cost_usd(self) -> float:
        """Total cost in USD with holding, recomputed from the input prices (NaN unless optimal)."""
        if not self.is_optimal:
            return float("nan")
        purchases = KG_PER_T * dot(self.market.encoded.price_usd_per_kg, self._x)
        return purchases + periods.holding_cost_usd(self)

    @property
    def has_prices(self) -> bool:
        """True when the plan has shadow prices and reduced costs (an optimal LP with duals)."""
        return self.is_optimal and self.solution.row_dual is not None

    @cached_property
    def bought(self) -> np.ndarray:
        """Per offer: bought, above `BOUGHT_SHARE` of its product's demand or of its spend.

        Tonnes that are a sliver of the demand can still be most of the money where prices
        lie far apart; those are bought too, so that the purchases add up to `cost_usd`.
        """
        enc = self.market.encoded
        demanded = enc.group >= 0
        row = np.maximum(enc.group, 0)
        spend = np.abs(enc.price_usd_per_kg * self._x) * demanded
        size = enc.demand_t[row] * demanded
        money = np.bincount(row, weights=spend, minlength=1)[row] * demanded
        return (self._x > BOUGHT_SHARE * size) | ((self._x > 0) & (spend > BOUGHT_SHARE * money))

    @property
    def backend(self) -> str:
        """The back end that solved the model."""
        return self.solution.backend

    @property
    def methods(self) -> pd.DataFrame:
        """Which method solved each product (and period), and why (``solver="auto"``)."""
        return methods.method_table(self.market, self.lp, self.solution.settings, self.backend)

    @property
    def solve_time_s(self) -> float:
        """Seconds spent inside the solver, by the solver's clock."""
        return self.solution.solve_time_s

    # --- tables ------------------------------------------------------------------------------
    @property
    def allocation(self) -> pd.DataFrame:
        """What to buy: one row per offer bought.

        Columns: source, product, [period], country, refined_in, kind, tonnes,
        price_usd_per_kg, cost_usd.
        """
        return self._allocation.copy()

    @cached_property
    def _allocation(self) -> pd.DataFrame:
        """Cached allocation (shared; the public property returns a copy)."""
        x = self._x
        bought = np.flatnonzero(self.bought)
        table = self.offer_table(bought)
        table["tonnes"] = x[bought]
        table["price_usd_per_kg"] = self.market.encoded.price_usd_per_kg[bought]
        table["cost_usd"] = KG_PER_T * table["price_usd_per_kg"] * table["tonnes"]
        return table

    def shares(self, by: str = "country", *, basis: str = "tonnes") -> pd.DataFrame:
        """Shares of each product's purchases by group, as fractions.

        Parameters
        ----------
        by : {"country", "refined_in", "kind", "source"}, default="country"
        basis : {"tonnes", "value"}, default="tonnes"

        Returns
        -------
        pandas.DataFrame
            One row per product (and period), one column per group that supplies anything;
            each row sums to 1 (0 for a product with zero demand).
        """
        checks = (
            ("by", by, by in _GROUPINGS, f"must be one of {', '.join(map(repr, _GROUPINGS))}"),
            ("basis", basis, basis in ("tonnes", "value"), "must be 'tonnes' or 'value'"),
        )
        problems = [
            Problem("options", "Plan.shares()", arg, value, rule)
            for arg, value, ok, rule in checks
            if not ok
        ]
        if problems:
            raise InputError(problems)
        alloc = self._allocation
        keys = self.market.demand_keys
        measure = "tonnes" if basis == "tonnes" else "cost_usd"
        amounts = alloc.pivot_table(
            index=keys,
            columns=by,
            values=measure,
            aggfunc="sum",
            fill_value=0.0,
            observed=True,
        )
        index = (
            pd.MultiIndex.from_frame(self.market.demand[keys])
            if len(keys) > 1
            else (pd.Index(self.market.demand["product"], name="product"))
        )
        amounts = amounts.reindex(index, fill_value=0.0)
        totals = amounts.sum(axis=1)
        shares = amounts.div(totals.where(totals > 0, 1.0), axis=0)
        shares.columns.name = by
        return shares

    @property
    def shadow_prices(self) -> pd.DataFrame:
        """What each demand and policy row costs, in the units of the module docstring.

        Columns: constraint (``demand`` or the policy's name), product (``all products`` for
        ``scope="total"``), [period], group (e.g. ``country CN``), value, unit, binding.
        """
        return self._shadow_prices.copy()

    @cached_property
    def _shadow_prices(self) -> pd.DataFrame:
        """Cached shadow prices (shared; the public property returns a copy)."""
        return prices.shadow_price_table(self)

    @property
    def orders(self) -> pd.DataFrame:
        """The order sheet: what to buy from whom, product by product, largest order first.

        Columns: product, [period], source, country, refined_in, kind, tonnes,
        price_usd_per_kg, cost_usd, share (of the product's tonnes, a fraction).

        Examples
        --------
        >>> import reopt
        >>> plan = reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6)
        >>> first = plan.orders.iloc[0]
        >>> f"{first['tonnes']:,.0f} t of {first['product']} from {first['source']}"
        '3,300 t of NdPr oxide from china'
        """
        return orders.order_table(self)

    @property
    def binding_limits(self) -> pd.DataFrame:
        """The capacities and policies the plan runs into, and what loosening each is worth.

        Columns: limit (``capacity`` or the policy's name), product, [period], applies_to,
        capacity_t, share (a share policy's bound), value_usd_per_kg (one more tonne of
        capacity, in USD/kg), value_usd_per_pp (one more percentage point of a share policy);
        NaN where a column does not apply. Capacities first, then policies, each by product
        and most valuable first. Needs shadow prices (`has_prices`).

        Examples
        --------
        >>> import reopt
        >>> plan = reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6)
        >>> lynas = plan.binding_limits.query("applies_to == 'source lynas_malaysia'")
        >>> round(float(lynas.set_index("product").loc["NdPr oxide", "value_usd_per_kg"]), 6)
        13.8
        """
        return orders.binding_limit_table(self)

    @property
    def capacity_values(self) -> pd.DataFrame:
        """Value of one more tonne of capacity (USD/kg) for every offer with finite capacity.

        Columns: source, product, [period], capacity_t, tonnes, value_usd_per_kg, binding.
        """
        return self._capacity_values.copy()

    @cached_property
    def _capacity_values(self) -> pd.DataFrame:
        return orders.capacity_table(self, BOUGHT_SHARE)

    @property
    def reduced_costs(self) -> pd.DataFrame:
        """For unused offers: the price cut (USD/kg) at which each would enter the plan.

        Columns: source, product, [period], country, price_usd_per_kg,
        reduced_cost_usd_per_kg. A zero means the offer could enter at its current price (a
        tie with the plan's choice).
        """
        return self._reduced_costs.copy()

    @cached_property
    def _reduced_costs(self) -> pd.DataFrame:
        _, col_dual = self.duals
        enc = self.market.encoded
        unused = np.flatnonzero(~self.bought & (enc.group >= 0) & (enc.capacity_t > 0))
        table = self.offer_table(unused, extra=False)
        table["country"] = enc.labels["country"][enc.codes["country"][unused]]
        table["price_usd_per_kg"] = enc.price_usd_per_kg[unused]
        table["reduced_cost_usd_per_kg"] = np.maximum(col_dual[unused], 0.0) / KG_PER_T + 0.0
        return table.sort_values("reduced_cost_usd_per_kg", kind="stable").reset_index(drop=True)

    by_period = property(periods.period_table)
    stock = property(periods.stock_table)

    @property
    def shadow_price_ranges(self) -> pd.DataFrame:
        """`shadow_prices` plus the span over which each holds (LP plans only).

        ``valid_from`` / ``valid_to``: the share (fraction) for a tonnes-basis policy, the
        tonnes for demand; ``range_unit`` says which. See `reopt.results.ranging`.
        """
        return self._shadow_price_ranges.copy()

    @cached_property
    def _shadow_price_ranges(self) -> pd.DataFrame:
        return ranging.shadow_price_ranges(self)

    @property
    def price_ranges(self) -> pd.DataFrame:
        """For each offer: the price span (USD/kg) over which this plan stays optimal.

        See `reopt.results.ranging.price_ranges` for the columns (LP plans only).
        """
        return self._price_ranges.copy()

    @cached_property
    def _price_ranges(self) -> pd.DataFrame:
        return ranging.price_ranges(self)

    @property
    def infeasibility(self) -> pd.DataFrame:
        """For an infeasible market: what must give way, one row per demand or policy.

        See `reopt.results.explain.infeasibility` for the columns. Empty for any other status.
        """
        return self._infeasibility.copy()

    @cached_property
    def _infeasibility(self) -> pd.DataFrame:
        if self.status is not Status.INFEASIBLE:
            return pd.DataFrame(columns=explain.INFEASIBILITY_COLUMNS)
        return explain.infeasibility(self.market, self.lp)

    @cached_property
    def conflict(self) -> tuple[str, ...]:
        """For an infeasible market: one irreducible set of constraints that cannot all hold.

        From HiGHS's IIS, in words (demands, policies, offers at their capacity). Empty for
        any other status, or when HiGHS cannot compute one.
        """
        if self.status is not Status.INFEASIBLE:
            return ()
        return tuple(explain.conflict(self.market, self.lp))

    # --- text, HTML and files (see reopt.results.render) -------------------------------------
    def explain(self, audience: str = "python") -> str:
        """Why the plan is what it is, in words; for an infeasible market, what must give way.

        ``audience`` (``"python"`` or ``"cli"``) chooses how hints name solver settings.
        """
        return render.explain_text(self, audience)

    def summary(self, audience: str = "python") -> str:
        """A readable report: status, cost, what to buy, binding limits, shares, prices."""
        return render.summary_text(self, audience)

    def __repr__(self) -> str:
        cost = f", cost_usd={self.cost_usd:,.0f}" if self.is_optimal else ""
        return f"Plan(status={self.status.value!r}{cost}, policies={list(self.policies)})"

    def _repr_html_(self) -> str:
        return render.plan_html(self)

    def to_csv(self, path: str | os.PathLike[str], *, precision: int = SIGNIFICANT_DIGITS) -> None:
        """Write the allocation as CSV, atomically and escaped (see `reopt.data.writing`).

        Numbers are rounded to ``precision`` significant digits (default 10), so that float
        noise (``49.80000000000001``) is written as the input had it (``49.8``); see
        `reopt.results.precision`.
        """
        write_csv(round_significant(self.allocation, precision), path)

    def to_excel(self, path: str | os.PathLike[str]) -> None:
        """Write a workbook a buyer can forward (sheets: see `reopt.results.workbook`)."""
        render.write_excel(self, path)

    # --- internals ---------------------------------------------------------------------------
    @property
    def _x(self) -> np.ndarray:
        """Tonnes per offer; raises for a plan without a solution."""
        if not self.is_optimal or self.solution.x is None:
            raise NoSolutionError(
                f"the plan is {self.status.value}, so it has no allocation; see plan.explain()"
            )
        return self.solution.x[: self.lp.n_offers]

    @property
    def duals(self) -> tuple[np.ndarray, np.ndarray]:
        """The row and column duals (USD per unit of bound); `NoSolutionError` without them."""
        self._x  # noqa: B018 - raises for a plan without a solution
        if self.solution.row_dual is None or self.solution.col_dual is None:
            reason = (
                "minimum orders make the model a MILP, and its LP with the choices fixed gave none"
                if self.lp.is_mip
                else f"{self.backend} returned no valid dual solution"
            )
            raise NoSolutionError(f"no shadow prices for this plan: {reason}")
        return self.solution.row_dual, self.solution.col_dual

    def offer_table(self, offers: np.ndarray, *, extra: bool = True) -> pd.DataFrame:
        """Labels of ``offers``: source, product, [period] (+ country, refined_in, kind)."""
        return labels.offer_labels(self.market, offers, extra=extra)

    def demand_prices(self, row_dual: np.ndarray) -> np.ndarray:
        """d(cost)/d(demand) per demand row, including share rows that scale with demand."""
        row, demand, coef = demand_coupling(self.lp, self.market.encoded)
        n_demand = len(self.market.encoded.demand_t)
        return np.bincount(demand, weights=row_dual[row] * coef, minlength=n_demand) + 0.0

    def label_units(self, table: pd.DataFrame) -> pd.DataFrame:
        """Replace demand-row and period codes with product and period labels (`labels`)."""
        return labels.unit_labels(self.market, table)
