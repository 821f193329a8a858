"""How a plan reads: its explanation and summary in text, HTML for notebooks, a workbook.

`reopt.results.plan.Plan` delegates its text, HTML and Excel output here, so that the plan
module holds the results and this one how they are shown.
"""

from __future__ import annotations

import html
import os
from typing import TYPE_CHECKING

import pandas as pd

from reopt.data.countries import country_name
from reopt.data.io import excel_writer
from reopt.status import Status

if TYPE_CHECKING:
    from reopt.results.plan import Plan

__all__ = [
    "explain_text",
    "format_shares",
    "plan_html",
    "price_lines",
    "summary_text",
    "write_excel",
]


def explain_text(plan: Plan) -> str:
    """Why the plan is what it is, in words; for an infeasible market, what must give way."""
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
        return (
            f"The solver stopped ({plan.status.value}: {plan.solution.raw_status}) before "
            "it proved a plan optimal; reopt reports no plan. Raise the limit "
            "(SolverOptions(time_limit_s=...)) or try another method."
        )
    return f"The solve ended with status {plan.status.value} ({plan.solution.raw_status})."


def summary_text(plan: Plan) -> str:
    """A readable report: status, cost, shares by country, binding constraints."""
    lines = [f"reopt plan: {plan.status.value}"]
    if plan.policies:
        lines.append("policies: " + "; ".join(p.name for p in plan.policies))
    if not plan.is_optimal:
        lines.append(plan.explain())
        return "\n".join(lines)
    lines.append(f"total cost: USD {plan.cost_usd:,.0f}")
    lines.append(f"solved by {plan.backend} in {1000 * plan.solve_time_s:.1f} ms")
    for note in plan.notes:
        lines.append(f"note: {note}")
    shares = plan.shares("country")
    lines.append("")
    lines.append("shares of each product's tonnes by country of origin:")
    lines.append(format_shares(shares))
    if not plan.has_prices:
        lines.append("")
        lines.append("(no shadow prices: the solver returned no duals)")
        return "\n".join(lines)
    prices = plan.shadow_prices
    binding = prices[prices["binding"] & (prices["constraint"] != "demand")]
    lines.append("")
    if binding.empty:
        lines.append("no share policy is binding")
    else:
        lines.append("binding policies (USD saved per +1 percentage point of allowed share):")
        lines += [f"  {line}" for line in price_lines(binding)]
    demand = prices[prices["constraint"] == "demand"]
    lines.append("")
    lines.append("marginal cost of one more tonne of demand (USD/t):")
    for _, row in demand.iterrows():
        period = f" {row['period']}" if "period" in demand.columns else ""
        lines.append(f"  {row['product']}{period}: {row['value']:,.0f}")
    return "\n".join(lines)


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
    """Write a workbook: summary, allocation, shares, shadow prices, reduced costs.

    For a plan that is not optimal, the workbook holds the summary (and, when infeasible,
    what must give way). Needs ``openpyxl`` (``pip install 'reopt[excel]'``). Text that a
    spreadsheet would run as a formula is written as text with a leading quote, and the file
    is written whole or not at all (see `reopt.data.writing`).
    """
    summary = pd.DataFrame({"summary": summary_text(plan).splitlines()})
    with excel_writer(path) as book:
        book.add("summary", summary)
        if plan.status is Status.INFEASIBLE:
            book.add("infeasibility", plan.infeasibility)
        if not plan.is_optimal:
            return
        book.add("allocation", plan.allocation)
        book.add("shares_by_country", plan.shares("country"), index=True)
        if plan.has_prices:
            book.add("shadow_prices", plan.shadow_prices)
            book.add("reduced_costs", plan.reduced_costs)


def price_lines(table: pd.DataFrame) -> list[str]:
    lines = []
    for _, row in table.iterrows():
        where = row["product"] + (f" {row['period']}" if "period" in table.columns else "")
        group = f" [{row['group']}]" if "each=" in row["constraint"] else ""
        per = str(row["unit"]).removeprefix("USD/")
        lines.append(f"{row['constraint']}{group}, {where}: USD {row['value']:,.0f} per {per}")
    return lines


def format_shares(shares: pd.DataFrame, most: int = 6) -> str:
    """Shares as percentages, the ``most`` largest groups by name and the rest as "other"."""
    order = shares.sum().sort_values(ascending=False).index
    shown = shares[order[:most]].copy()
    if len(order) > most:
        shown["other"] = shares[order[most:]].sum(axis=1)
    legend = ", ".join(f"{c} {country_name(c)}" for c in shown.columns if c != "other")
    table = shown.map(lambda v: f"{v:6.1%}" if v > 0 else "     -").to_string()
    return f"{table}\n({legend})"


def has_jinja() -> bool:
    try:
        import jinja2  # noqa: F401
    except ImportError:
        return False
    return True
