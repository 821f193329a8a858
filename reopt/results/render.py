"""How a plan reads: its explanation and summary in text, HTML for notebooks, a workbook.

`reopt.results.plan.Plan` delegates its text, HTML and Excel output here, so that the plan
module holds the results and this one how they are shown. The summary is the report of
`reopt.results.report` (headline, order sheet, binding limits, shares, marginal costs) as
plain text; the workbook is laid out by `reopt.results.workbook`.
"""

from __future__ import annotations

import html
import os
from typing import TYPE_CHECKING

import pandas as pd

from reopt.results.report import money, plain_text, plan_report, price
from reopt.results.workbook import write_plan
from reopt.status import Audience, Status

if TYPE_CHECKING:
    from reopt.results.plan import Plan

__all__ = [
    "explain_text",
    "plan_html",
    "price_lines",
    "summary_text",
    "write_excel",
]


def explain_text(plan: Plan, audience: Audience | str = Audience.PYTHON) -> str:
    """Why the plan is what it is, in words; for an infeasible market, what must give way.

    ``audience`` chooses how a hint names solver settings (`reopt.status.Audience`).
    """
    if plan.status is Status.OPTIMAL:
        prices = plan.shadow_prices
        binding = prices[prices["binding"] & (prices["constraint"] != "demand")]
        if binding.empty:
            return "The plan is optimal and no share policy is binding."
        lines = ["The plan is optimal. Binding policies and what one point of slack is worth:"]
        lines += [f"  - {line}" for line in price_lines(binding)]
        return "\n".join(lines)
    if plan.status is Status.INFEASIBLE:
        table = plan.infeasibility
        lines = [
            "No plan meets every demand and policy. The smallest changes (in tonnes) that "
            "would make one possible:"
        ]
        lines += [f"  - {m}" for m in table["message"]]
        if plan.conflict:
            lines.append(
                "These cannot all hold together (one irreducible conflict, from HiGHS): "
                + "; ".join(plan.conflict)
            )
        return "\n".join(lines)
    if plan.status.is_limit:
        hint = plan.status.hint(audience)
        return (
            f"The solver stopped ({plan.status.value}: {plan.solution.raw_status}) before "
            "it proved a plan optimal; reopt reports no plan." + (f" {hint}." if hint else "")
        )
    return f"The solve ended with status {plan.status.value} ({plan.solution.raw_status})."


def summary_text(plan: Plan, audience: Audience | str = Audience.PYTHON) -> str:
    """A readable report: status, cost, what to buy, binding limits, shares, marginal costs."""
    return plain_text(plan_report(plan, audience))


def plan_html(plan: Plan) -> str:
    head = f"<p><b>reopt plan: {html.escape(plan.status.value)}</b>"
    if plan.policies:
        head += " &mdash; " + html.escape("; ".join(p.name for p in plan.policies))
    head += "</p>"
    if not plan.is_optimal:
        return head + "<pre>" + html.escape(plan.explain()) + "</pre>"
    parts = [head, f"<p>Total cost: USD {plan.cost_usd:,.0f}</p>"]
    parts.append("<p>Shares of tonnes by country of origin</p>")
    parts.append(
        plan.shares("country").style.format("{:.1%}").to_html()
        if has_jinja()
        else plan.shares("country").to_html(float_format="{:.3f}".format)
    )
    if plan.has_prices:
        parts.append("<p>Binding constraints</p>")
        prices = plan.shadow_prices
        parts.append(prices[prices["binding"]].to_html(index=False, float_format="{:,.2f}".format))
    return "\n".join(parts)


def write_excel(plan: Plan, path: str | os.PathLike[str]) -> None:
    """Write ``plan``'s workbook (sheets: see `reopt.results.workbook`).

    Text that a spreadsheet would run as a formula is written as text with a leading quote,
    and the file is written whole or not at all (see `reopt.data.writing`).
    """
    write_plan(plan, path)


def price_lines(table: pd.DataFrame) -> list[str]:
    """One line per row of a shadow-price table: ``policy, product: USD 379,500 per pp``."""
    lines = []
    for _, row in table.iterrows():
        where = row["product"] + (f" {row['period']}" if "period" in table.columns else "")
        group = f" [{row['group']}]" if "each=" in row["constraint"] else ""
        lines.append(f"{row['constraint']}{group}, {where}: {price_text(row)}")
    return lines


def price_text(row: pd.Series) -> str:
    """A shadow price with its unit, from whichever value column holds it."""
    columns = [c for c in row.index if str(c).startswith("value_") and pd.notna(row[c])]
    if not columns:
        return "no price"
    column = columns[0]
    value = float(row[column])
    if column == "value_usd_per_pp":
        return f"USD {money(value)} per pp"
    if column == "value_usd_per_kg":
        return f"{price(value)} USD/kg"
    return f"{price(value)} {row['unit']}"


def has_jinja() -> bool:
    try:
        import jinja2  # noqa: F401
    except ImportError:
        return False
    return True
