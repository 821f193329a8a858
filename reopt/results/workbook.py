"""A plan as a workbook a buyer can forward: one sheet per table, units in every header.

Sheets, in order: ``Summary`` (status, policies, total cost, solver: one item a row),
``Orders`` (`Plan.orders`), ``Shares`` (each product's shares by country of origin),
``Binding limits`` (`Plan.binding_limits`), ``Shadow prices`` (`Plan.shadow_prices`) and
``Reduced costs`` (`Plan.reduced_costs`); a plan without shadow prices has no last three,
an infeasible plan has ``Summary`` and ``Infeasibility``. Numbers stay numbers, rounded to
`reopt.results.precision.SIGNIFICANT_DIGITS` significant digits and shown with thousands
separators and percentages; the header row is frozen and every column fits its cells.
Writing is escaped and atomic (`reopt.data.writing`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pandas as pd

from reopt.data.writing import Sheet, write_workbook
from reopt.results.precision import round_significant
from reopt.status import Status

if TYPE_CHECKING:
    from reopt.results.plan import Plan

__all__ = ["HEADERS", "plan_sheets", "write_plan"]

#: Column labels as the workbook shows them (units in brackets), with their number format.
HEADERS: dict[str, tuple[str, str | None]] = {
    "refined_in": ("refined in", None),
    "applies_to": ("applies to", None),
    "tonnes": ("tonnes (t)", "#,##0.00"),
    "capacity_t": ("capacity (t)", "#,##0.00"),
    "price_usd_per_kg": ("price (USD/kg)", "#,##0.000"),
    "cost_usd": ("cost (USD)", "#,##0"),
    "share": ("share (%)", "0.0%"),
    "value_usd_per_kg": ("value (USD/kg)", "#,##0.000"),
    "value_usd_per_pp": ("value (USD/pp)", "#,##0"),
    "reduced_cost_usd_per_kg": ("reduced cost (USD/kg)", "#,##0.000"),
    "limit_t": ("limit (t)", "#,##0.00"),
    "available_t": ("available (t)", "#,##0.00"),
    "change_t": ("change (t)", "#,##0.00"),
}


def write_plan(plan: Plan, path: str | os.PathLike[str]) -> None:
    """Write ``plan``'s workbook at ``path`` (see the module docstring)."""
    write_workbook(path, plan_sheets(plan))


def plan_sheets(plan: Plan) -> list[Sheet]:
    """The sheets of ``plan``'s workbook, laid out and formatted."""
    sheets = [_summary(plan)]
    if plan.status is Status.INFEASIBLE:
        sheets.append(_sheet("Infeasibility", plan.infeasibility))
    if not plan.is_optimal:
        return sheets
    sheets.append(_sheet("Orders", plan.orders))
    shares = plan.shares("country")
    shares.columns = [f"{c} (%)" for c in shares.columns]
    formats = tuple((c, "0.0%") for c in shares.columns)
    sheets.append(Sheet("Shares", round_significant(shares), True, formats, True))
    if plan.has_prices:
        limits = plan.binding_limits.rename(columns={"share": "bound"})
        sheets.append(_sheet("Binding limits", limits, {"bound": ("bound (%)", "0.0%")}))
        sheets.append(_sheet("Shadow prices", plan.shadow_prices.drop(columns="unit")))
        sheets.append(_sheet("Reduced costs", plan.reduced_costs))
    return sheets


def _summary(plan: Plan) -> Sheet:
    """Status, policies, cost and solver as two columns: item and value."""
    items: list[tuple[str, object]] = [("status", plan.status.value)]
    items += [("policy", p.name) for p in plan.policies]
    if plan.is_optimal:
        items.append(("total cost (USD)", round(plan.cost_usd)))
        items.append(("solved by", plan.backend))
    items += [("note", note) for note in plan.notes]
    if not plan.is_optimal:
        items += [("explanation", line.strip()) for line in plan.explain().splitlines()]
    frame = pd.DataFrame(items, columns=["item", "value"], dtype=object)
    return Sheet("Summary", frame, False, (("value", "#,##0"),), True)


def _sheet(
    name: str, frame: pd.DataFrame, extra: dict[str, tuple[str, str | None]] | None = None
) -> Sheet:
    """``frame`` as the sheet ``name``: labels with units, number formats, rounded numbers."""
    headers = {**HEADERS, **(extra or {})}
    renamed, formats = {}, []
    for column in frame.columns:
        label, number_format = headers.get(column, (column, None))
        renamed[column] = label
        if number_format is not None:
            formats.append((label, number_format))
    table = round_significant(frame).rename(columns=renamed)
    return Sheet(name, table, False, tuple(formats), True)
