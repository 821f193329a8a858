"""`ScenarioPlan`: the plan of the two-stage disruption model, and `solve_scenarios`.

A `ScenarioPlan` is a `reopt.results.plan.Plan` whose allocation and order sheet are the
first-stage contracts, with the risk results on top: each scenario's cost and recourse
(`ScenarioPlan.scenarios`, `ScenarioPlan.scenario_products`, `ScenarioPlan.shortage`), the
expected cost, VaR and CVaR at ``alpha`` of the scenario costs, and VSS and EVPI, which need
further solves and are computed on first access (see `reopt.results.risk`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property

import numpy as np
import pandas as pd

from reopt.data.market import Market
from reopt.data.scenarios import ScenarioFactors, ScenarioSet
from reopt.errors import InputError, NoSolutionError, Problem
from reopt.model.formulation import compile
from reopt.model.policy import Policy
from reopt.model.program import RowFamily
from reopt.model.risk import (
    DEFAULT_ALPHA,
    CVaR,
    conditional_value_at_risk,
    risk_value,
    value_at_risk,
)
from reopt.model.scenario_factors import check_factors
from reopt.model.two_stage import TwoStageModel
from reopt.results import risk as results
from reopt.results.in_order import executor_of
from reopt.results.plan import Plan

__all__ = ["ScenarioPlan", "solve_scenarios"]

_NO_RANGES = (
    "ranges are not computed for a two-stage plan: its offers' objective coefficients are "
    "expected delivered costs, not prices, and demand and capacity also enter every scenario"
)


@dataclass(frozen=True, eq=False, repr=False)
class ScenarioPlan(Plan):
    """A two-stage plan: contracts now, and what each scenario then costs.

    Attributes (besides `Plan`'s)
    -----------------------------
    model : TwoStageModel
        The extensive-form program and where its parts are.
    resolver : reopt.results.risk.Resolver
        The solve path used for the mean-value and wait-and-see problems.
    """

    model: TwoStageModel | None = None
    resolver: results.Resolver | None = None

    @classmethod
    def of(cls, plan: Plan, model: TwoStageModel, resolver: results.Resolver) -> ScenarioPlan:
        """``plan`` with its two-stage model attached."""
        base = {f.name: getattr(plan, f.name) for f in fields(Plan)}
        return cls(**base, model=model, resolver=resolver)

    @property
    def _model(self) -> TwoStageModel:
        assert self.model is not None
        return self.model

    # --- scalars -----------------------------------------------------------------------------
    @property
    def alpha(self) -> float:
        """The level of `var_usd` and `cvar_usd` (the risk's, else `DEFAULT_ALPHA`)."""
        risk = self._model.risk
        return risk.alpha if risk is not None else DEFAULT_ALPHA

    @property
    def probability(self) -> np.ndarray:
        """Each scenario's probability."""
        return np.asarray(self._model.factors.probability, dtype=float)

    @cached_property
    def scenario_costs(self) -> np.ndarray:
        """Each scenario's cost in USD, from the checked solution (NaN unless optimal)."""
        if not self.is_optimal or self.solution.x is None:
            return np.full(self._model.factors.n_scenarios, np.nan)
        return self._model.scenario_costs(self.solution.x)

    @property
    def cost_usd(self) -> float:
        """The expected cost in USD (`expected_cost_usd`)."""
        return self.expected_cost_usd

    @property
    def expected_cost_usd(self) -> float:
        """``E[cost] = sum_s p_s cost_s`` in USD."""
        return float(self.probability @ self.scenario_costs)

    @property
    def var_usd(self) -> float:
        """VaR at `alpha`: the lower alpha-quantile of the scenario costs, USD.

        ``min {v : P(cost <= v) >= alpha}`` over scenarios of positive probability.
        """
        if not self.is_optimal:
            return float("nan")
        return value_at_risk(self.scenario_costs, self.probability, self.alpha)

    @property
    def cvar_usd(self) -> float:
        """CVaR at `alpha` of the scenario costs, USD: ``VaR + E[(cost - VaR)+] / (1-alpha)``."""
        if not self.is_optimal:
            return float("nan")
        return conditional_value_at_risk(self.scenario_costs, self.probability, self.alpha)

    @property
    def objective_usd(self) -> float:
        """The minimised objective ``(1 - w) E[cost] + w CVaR_alpha(cost)`` (RP), USD."""
        if not self.is_optimal:
            return float("nan")
        return risk_value(self.scenario_costs, self.probability, self._model.risk)

    @cached_property
    def _vss(self) -> tuple[float, float]:
        return self._solve_vss(None)

    @cached_property
    def _evpi(self) -> tuple[float, float]:
        return self._solve_evpi(None)

    def _solve_vss(self, executor: object) -> tuple[float, float]:
        if not self.is_optimal or self.resolver is None:
            return float("nan"), float("nan")
        return results.value_of_stochastic_solution(
            self.resolver, self._model, self.objective_usd, executor
        )

    def _solve_evpi(self, executor: object) -> tuple[float, float]:
        if not self.is_optimal or self.resolver is None:
            return float("nan"), float("nan")
        return results.expected_value_of_perfect_information(
            self.resolver, self._model, self.objective_usd, executor
        )

    def vss(self, executor: object = None) -> float:
        """VSS (`vss_usd`), its solves run on ``executor`` if not yet done.

        ``executor``: None (here), any `concurrent.futures.Executor` such as
        `reopt.process_executor`, or a Dask client; the figure is the same on each.
        """
        if "_vss" not in self.__dict__:
            self.__dict__["_vss"] = self._solve_vss(executor_of(executor))
        return self.vss_usd

    def evpi(self, executor: object = None) -> float:
        """EVPI (`evpi_usd`), its wait-and-see solves (one per scenario) run on ``executor``.

        As `vss`: solved once, on first use, in scenario order whatever the executor.
        """
        if "_evpi" not in self.__dict__:
            self.__dict__["_evpi"] = self._solve_evpi(executor_of(executor))
        return self.evpi_usd

    @property
    def eev_usd(self) -> float:
        """The objective of the mean-value plan's contracts (EEV), USD; solved on first use."""
        return self._vss[0]

    @property
    def vss_usd(self) -> float:
        """Value of the stochastic solution, ``EEV - RP`` (>= 0; ``inf``: see the docs)."""
        return self._vss[1]

    @property
    def ws_usd(self) -> float:
        """The risk measure of the wait-and-see costs (WS), USD; solved on first use."""
        return self._evpi[0]

    @property
    def evpi_usd(self) -> float:
        """Expected value of perfect information, ``RP - WS`` (>= 0)."""
        return self._evpi[1]

    @property
    def risk_notes(self) -> tuple[str, ...]:
        """Remarks from the VSS and EVPI solves (e.g. why VSS is infinite)."""
        return tuple(self.resolver.notes) if self.resolver is not None else ()

    # --- tables ------------------------------------------------------------------------------
    @property
    def scenarios(self) -> pd.DataFrame:
        """One row per scenario (see `reopt.results.risk.scenario_table` for the columns)."""
        return results.scenario_table(self._model, self._all_x)

    @property
    def scenario_products(self) -> pd.DataFrame:
        """One row per scenario and product (and period): demand, arrivals, spot, shortage."""
        return results.scenario_product_table(self._model, self.market, self._all_x)

    @property
    def scenario_stock(self) -> pd.DataFrame:
        """Per scenario, stocked product and period: stock, draws, below the floor.

        See `reopt.results.risk.scenario_stock_table`; ``plan.stock`` is the plan's own
        (first-stage) stock. Empty for a market without a stock table.
        """
        return results.scenario_stock_table(self._model, self.market, self._all_x)

    @property
    def shortage(self) -> pd.DataFrame:
        """Per product: expected and worst shortage in tonnes, and the worst scenario."""
        return results.shortage_table(self._model, self.market, self._all_x)

    @property
    def _price_ranges(self) -> pd.DataFrame:
        raise NoSolutionError(_NO_RANGES)

    @property
    def _shadow_price_ranges(self) -> pd.DataFrame:
        raise NoSolutionError(_NO_RANGES)

    def demand_prices(self, row_dual: np.ndarray) -> np.ndarray:
        """d(objective)/d(demand) per demand row: the first-stage rows and every scenario's."""
        base = super().demand_prices(row_dual)
        rows = self.lp.family_rows(RowFamily.SCENARIO_DEMAND)
        d = self.lp.label("demand_row")[rows]
        return base + np.bincount(d, weights=row_dual[rows], minlength=len(base))

    @property
    def _all_x(self) -> np.ndarray:
        self._x  # noqa: B018 - raises for a plan without a solution
        assert self.solution.x is not None
        return self.solution.x

    def __repr__(self) -> str:
        if not self.is_optimal:
            return f"ScenarioPlan(status={self.status.value!r})"
        return (
            f"ScenarioPlan(status={self.status.value!r}, "
            f"expected_cost_usd={self.expected_cost_usd:,.0f}, "
            f"cvar_usd={self.cvar_usd:,.0f} at alpha={self.alpha:g}, "
            f"scenarios={self._model.factors.n_scenarios})"
        )


def solve_scenarios(
    market: Market,
    policies: tuple[Policy, ...],
    scenarios: object,
    risk: object,
    plan_of: results.PlanOf,
    executor: object = None,
) -> ScenarioPlan:
    """The two-stage plan of ``market`` under ``scenarios`` and ``risk``.

    ``scenarios`` is a `reopt.ScenarioSet` (applied to ``market``) or `ScenarioFactors`;
    ``plan_of`` turns a program into a checked plan (`reopt.results.planning.solve`'s path;
    picklable, such as `reopt.results.risk.PlanPath`, for an ``executor``). With an
    ``executor``, VSS and EVPI are solved there before the plan is returned.
    """
    problems: list[Problem] = []
    try:
        executor = executor_of(executor)
    except InputError as err:
        problems.extend(err.problems)
    if risk is not None and not isinstance(risk, CVaR):
        problems.append(
            Problem(
                "options",
                "solve()",
                "risk",
                type(risk).__name__,
                "expected reopt.CVaR or None",
                "e.g. risk=reopt.CVaR(alpha=0.95, weight=0.5)",
            )
        )
    if scenarios is None:
        problems.append(
            Problem(
                "options",
                "solve()",
                "scenarios",
                None,
                "risk= and executor= need scenarios=",
                "pass a reopt.ScenarioSet",
            )
        )
    if problems:
        raise InputError(problems)
    factors = scenarios.factors(market) if isinstance(scenarios, ScenarioSet) else scenarios
    factors = check_factors(market, factors)
    assert isinstance(factors, ScenarioFactors) and (risk is None or isinstance(risk, CVaR))
    resolver = results.Resolver(market, compile(market, policies), plan_of)
    model, plan = resolver.solve(factors, risk)
    done = ScenarioPlan.of(plan, model, resolver)
    if executor is not None and done.is_optimal:
        done.vss(executor)
        done.evpi(executor)
    return done
