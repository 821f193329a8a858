"""A new kind of rule is one class: defined here, in the test file alone, it is compiled,
solved on every back end and priced in the plan like the built-in share policies."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from conftest import RTOL

import reopt
from reopt.model.formulation import ModelBuild
from reopt.model.program import LinearProgram, RowBlock, RowFamily, csr_block


@dataclass(frozen=True)
class SourceTonnesCap:
    """At most ``max_t`` tonnes in all from one source, across products."""

    source: str
    max_t: float

    @property
    def name(self) -> str:
        return f"source_tonnes_cap({self.source!r}, {self.max_t:g})"

    @property
    def price_unit(self) -> str:
        return "USD/t"

    def define_rows(self, build: ModelBuild, k: int) -> RowBlock:
        enc = build.encoded
        code = list(enc.labels["source"]).index(self.source)
        members = np.flatnonzero((enc.codes["source"] == code) & (enc.group >= 0))
        block = csr_block(np.zeros(len(members), dtype=np.int64), members, np.ones(len(members)), 1)
        block.lower, block.upper = np.array([-np.inf]), np.array([self.max_t])
        return block

    def prices(self, lp: LinearProgram, rows, row_dual, x) -> np.ndarray:
        return -row_dual[rows]  # USD saved per tonne more allowed

    def groups(self, market, lp, rows) -> list[str]:
        return [f"source {self.source}"] * len(rows)


def test_the_toy_rule_is_a_policy():
    assert isinstance(SourceTonnesCap("cn", 70), reopt.Policy)


@pytest.mark.parametrize(
    ("max_t", "cost", "price"),
    [
        # 70 t from cn (10 $/kg) + 30 t au (15): one more cn tonne replaces an au tonne
        (70.0, 1_150_000.0, 5_000.0),
        # 30 t cn + 50 t au (its capacity) + 20 t us (20): one more cn tonne replaces a us one
        (30.0, 1_450_000.0, 10_000.0),
        # not binding: all 100 t from cn, worth nothing
        (150.0, 1_000_000.0, 0.0),
    ],
)
def test_a_new_rule_solves_and_is_priced_on_every_back_end(
    solver, three_suppliers, max_t, cost, price
):
    rule = SourceTonnesCap("cn", max_t)
    plan = reopt.solve(three_suppliers, policies=[rule], solver=solver)
    assert plan.status is reopt.Status.OPTIMAL
    assert math.isclose(plan.cost_usd, cost, rel_tol=RTOL[solver])
    rows = plan.lp.rows_of(rule)
    assert len(rows) == 1 and plan.lp.row_family[rows[0]] == RowFamily.POLICY
    prices = plan.shadow_prices.set_index("constraint")
    mine = prices.loc[rule.name]
    assert mine["unit"] == "USD/kg"  # a rule priced per tonne is reported per kg
    assert mine["group"] == "source cn"
    assert mine["value_usd_per_kg"] == pytest.approx(price / 1000, rel=1e-6, abs=1e-6)
    assert bool(mine["binding"]) is (max_t < 100)


def test_a_new_rule_beside_a_share_cap(three_suppliers):
    """cn at most 50 t binds before China's 60 t: 50 t cn + 50 t au (its capacity)."""
    rule = SourceTonnesCap("cn", 50)
    plan = reopt.solve(three_suppliers, china_cap=0.6, policies=[rule])
    assert plan.cost_usd == pytest.approx(500_000 + 750_000)
    prices = plan.shadow_prices.set_index("constraint")
    # one more cn tonne displaces an au tonne (15 - 10 $/kg); China's cap is slack
    assert prices.loc[rule.name, "value_usd_per_kg"] == pytest.approx(5.0)
    cap = prices.loc["cap_share(0.6, country='CN')", "value_usd_per_pp"]
    assert cap == pytest.approx(0.0, abs=1e-6)
    assert "source_tonnes_cap('cn', 50)" in plan.summary()


def test_an_infeasible_new_rule_is_explained(three_suppliers):
    """au 50 t + us 0 t (scaled away) cannot meet 100 t with cn held at 10 t."""
    market = three_suppliers.replace(
        offers=three_suppliers.offers.assign(capacity_t=[None, 50.0, 0.0])
    )
    plan = reopt.solve(market, policies=[SourceTonnesCap("cn", 10)])
    assert plan.status is reopt.Status.INFEASIBLE
    assert "source_tonnes_cap('cn', 10)" in plan.explain()
