"""`Plan`: the immutable result of a solve, in the buyer's terms.

A plan carries its status and, when optimal, what to buy (`Plan.allocation`), the shares it
reaches (`Plan.shares`), what each binding constraint costs (`Plan.shadow_prices`), how much
cheaper an unused offer must get to be used (`Plan.reduced_costs`) and what one more tonne
of capacity is worth (`Plan.capacity_values`). A plan that is not optimal has no allocation:
asking for one raises `NoSolutionError`, and `Plan.explain` says what went wrong.

Sign conventions (one for every table):

- a share policy's price is the cost saved, in USD, by loosening it by one percentage point
  (a cap raised from 60% to 61%, a floor lowered from 25% to 24%); it is >= 0;
- demand's price is the cost of one more tonne of demand, in USD/t, including the tonnes the
  share policies then allow or require;
- capacity's value is the cost saved by one more tonne of capacity, in USD/t, >= 0;
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
from reopt.results import explain, prices, ranging, render
from reopt.status import Status

__all__ = ["Plan"]

#: An offer counts as bought above this share of its product's demand.
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
        """Total cost in USD, recomputed from the input prices (NaN unless optimal)."""
        if not self.is_optimal:
            return float("nan")
        x = self._x
        return float(KG_PER_T * self.market.encoded.price_usd_per_kg @ x)

    @property
    def has_prices(self) -> bool:
        """True when the plan has shadow prices and reduced costs (an optimal LP with duals)."""
        return self.is_optimal and self.solution.row_dual is not None

    @cached_property
    def bought(self) -> np.ndarray:
        """Per offer: bought, above `BOUGHT_SHARE` of its product's demand (not below)."""
        enc = self.market.encoded
        size = np.where(enc.group >= 0, enc.demand_t[np.maximum(enc.group, 0)], 0.0)
        return self._x > BOUGHT_SHARE * size

    @property
    def backend(self) -> str:
        """The back end that solved the model."""
        return self.solution.backend

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
    def capacity_values(self) -> pd.DataFrame:
        """Value of one more tonne of capacity (USD/t) for every offer with finite capacity.

        Columns: source, product, [period], capacity_t, tonnes, value_usd_per_t, binding.
        """
        return self._capacity_values.copy()

    @cached_property
    def _capacity_values(self) -> pd.DataFrame:
        """Cached capacity values (shared; the public property returns a copy)."""
        _, col_dual = self.duals
        enc = self.market.encoded
        x = self._x
        offers = np.flatnonzero(np.isfinite(enc.capacity_t) & (enc.group >= 0))
        table = self.offer_table(offers, extra=False)
        table["capacity_t"] = enc.capacity_t[offers]
        table["tonnes"] = x[offers]
        table["value_usd_per_t"] = np.maximum(-col_dual[offers], 0.0) + 0.0
        table["binding"] = x[offers] >= enc.capacity_t[offers] * (1 - BOUGHT_SHARE)
        return table

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
        """Cached reduced costs (shared; the public property returns a copy)."""
        _, col_dual = self.duals
        enc = self.market.encoded
        unused = np.flatnonzero(~self.bought & (enc.group >= 0) & (enc.capacity_t > 0))
        table = self.offer_table(unused, extra=False)
        table["country"] = enc.labels["country"][enc.codes["country"][unused]]
        table["price_usd_per_kg"] = enc.price_usd_per_kg[unused]
        table["reduced_cost_usd_per_kg"] = np.maximum(col_dual[unused], 0.0) / KG_PER_T + 0.0
        return table.sort_values("reduced_cost_usd_per_kg", kind="stable").reset_index(drop=True)

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
        """Cached infeasibility (shared; the public property returns a copy)."""
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
    def explain(self) -> str:
        """Why the plan is what it is, in words; for an infeasible market, what must give way."""
        return render.explain_text(self)

    def summary(self) -> str:
        """A readable report: status, cost, shares by country, binding constraints."""
        return render.summary_text(self)

    def __repr__(self) -> str:
        cost = f", cost_usd={self.cost_usd:,.0f}" if self.is_optimal else ""
        return f"Plan(status={self.status.value!r}{cost}, policies={list(self.policies)})"

    def _repr_html_(self) -> str:
        return render.plan_html(self)

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the allocation as CSV, atomically and escaped (see `reopt.data.writing`)."""
        write_csv(self.allocation, path)

    def to_excel(self, path: str | os.PathLike[str]) -> None:
        """Write a workbook: summary, allocation, shares, shadow prices, reduced costs.

        For a plan that is not optimal, the workbook holds the summary (and, when infeasible,
        what must give way). Needs ``openpyxl`` (``pip install 'reopt[excel]'``).
        """
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
        enc = self.market.encoded
        cols = ["source", "product"] + (["period"] if self.market.has_periods else [])
        if extra:
            cols += ["country", "refined_in", "kind"]
        return pd.DataFrame({c: enc.labels[c][enc.codes[c][offers]] for c in cols}).astype(
            {c: str for c in cols if c != "period"}
        )

    def demand_prices(self, row_dual: np.ndarray) -> np.ndarray:
        """d(cost)/d(demand) per demand row, including share rows that scale with demand."""
        row, demand, coef = demand_coupling(self.lp, self.market.encoded)
        n_demand = len(self.market.encoded.demand_t)
        return np.bincount(demand, weights=row_dual[row] * coef, minlength=n_demand) + 0.0

    def label_units(self, table: pd.DataFrame) -> pd.DataFrame:
        """Replace demand-row and period codes with product and period labels."""
        enc = self.market.encoded
        d = table.pop("demand_row").to_numpy()
        product = np.where(d >= 0, enc.demand_product[np.maximum(d, 0)], "all products")
        table.insert(1, "product", product.astype(str))
        period = table.pop("period").to_numpy()
        if self.market.has_periods:
            table.insert(2, "period", enc.labels["period"][period])
        return table
