"""A plan's report as titled sections of text and tables, and that report as plain text.

`plan_report` lays out what a buyer reads, in order: the headline (status, cost), the order
sheet (one table per product: source, country, refined in, tonnes, USD/kg, cost), the
binding limits (capacities with the value of one more tonne in USD/kg, policies with their
price per percentage point), the country shares, and the marginal cost of demand in USD/kg.
Cells are text already formatted, numbers right-aligned, with the unit in each header; an
infinite bound reads ``no limit``. `plain_text` lays the sections out as aligned text;
the command line renders the same sections with ``rich`` or as Markdown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from reopt.data.countries import country_name

if TYPE_CHECKING:
    from reopt.results.plan import Plan

__all__ = [
    "NO_LIMIT",
    "Lines",
    "Section",
    "Table",
    "money",
    "number",
    "percent",
    "plain_text",
    "plan_report",
    "price",
]

#: How an infinite bound or range end is written.
NO_LIMIT = "no limit"


@dataclass(frozen=True)
class Lines:
    """A section of plain lines (a headline, a note); ``title`` may be empty."""

    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A titled table of formatted cells; ``numeric`` marks the right-aligned columns."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]


Section = Lines | Table


def number(value: float, decimals: int = 3) -> str:
    """A quantity with thousands separators and at most ``decimals`` decimals: ``1,600``."""
    if not math.isfinite(value):
        return NO_LIMIT if math.isinf(value) else ""
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def price(value: float) -> str:
    """A price or value in USD/kg: four significant digits, whole above 1,000: ``13.8``."""
    if not math.isfinite(value):
        return NO_LIMIT if math.isinf(value) else ""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.4g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.3g}"


def money(value: float) -> str:
    """USD, whole, with thousands separators: ``529,609,535``."""
    return f"{value:,.0f}" if math.isfinite(value) else NO_LIMIT


def percent(value: float) -> str:
    """A fraction as a percentage with one decimal: ``60.0%``."""
    return f"{value:.1%}" if math.isfinite(value) else ""


def plan_report(plan: Plan, audience: str = "python") -> list[Section]:
    """The sections of ``plan``'s report; the headline first (see the module docstring).

    ``audience`` (``"python"`` or ``"cli"``) chooses how hints name solver settings.
    """
    head = [f"reopt plan: {plan.status.value}"]
    if plan.policies:
        head.append("policies: " + "; ".join(p.name for p in plan.policies))
    if not plan.is_optimal:
        return [Lines("", (*head, *plan.explain(audience).splitlines()))]
    head.append(f"total cost: USD {money(plan.cost_usd)}")
    head.append(f"solved by {plan.backend} in {1000 * plan.solve_time_s:.1f} ms")
    head += [f"note: {note}" for note in plan.notes]
    sections: list[Section] = [Lines("", tuple(head))]
    sections += order_sections(plan)
    if plan.has_prices:
        sections += limit_sections(plan)
    sections.append(share_section(plan))
    if plan.has_prices:
        sections.append(demand_section(plan))
    else:
        sections.append(Lines("", ("(no shadow prices: the solver returned no duals)",)))
    return sections


def order_sections(plan: Plan) -> list[Section]:
    """One table per product (and period): the suppliers to buy from."""
    orders = plan.orders
    keys = plan.market.demand_keys
    refined = bool((orders["refined_in"] != orders["country"]).any())
    header = ["source", "country"] + (["refined in"] if refined else [])
    header += ["tonnes (t)", "price (USD/kg)", "cost (USD)", "share"]
    numeric = (False,) * (3 if refined else 2) + (True,) * 4
    sections: list[Section] = []
    for key, part in orders.groupby(keys, sort=False):
        name = " ".join(map(str, key if isinstance(key, tuple) else (key,)))
        rows = []
        for row in part.itertuples(index=False):
            cells = [row.source, row.country] + ([row.refined_in] if refined else [])
            cells += [number(row.tonnes), price(row.price_usd_per_kg), money(row.cost_usd)]
            rows.append((*cells, percent(row.share)))
        total = f"{number(part['tonnes'].sum())} t, USD {money(part['cost_usd'].sum())}"
        sections.append(Table(f"buy {name} ({total}):", tuple(header), tuple(rows), numeric))
    if not sections:
        sections.append(Lines("", ("nothing to buy: every demand is zero",)))
    return sections


def limit_sections(plan: Plan) -> list[Section]:
    """The binding capacities and the binding policies, each with what loosening it is worth."""
    limits = plan.binding_limits
    keys = plan.market.demand_keys
    capacity = limits[limits["limit"] == "capacity"]
    policy = limits[limits["limit"] != "capacity"]
    sections: list[Section] = []
    if capacity.empty:
        sections.append(Lines("", ("no capacity is binding",)))
    else:
        rows: tuple[tuple[str, ...], ...] = tuple(
            (
                _where(row, keys),
                str(row["applies_to"]).removeprefix("source "),
                number(row["capacity_t"]),
                price(row["value_usd_per_kg"]),
            )
            for _, row in capacity.iterrows()
        )
        header: tuple[str, ...] = ("product", "source", "capacity (t)", "one more tonne (USD/kg)")
        sections.append(Table("binding capacities:", header, rows, (False, False, True, True)))
    if policy.empty:
        sections.append(Lines("", ("no policy is binding",)))
    else:
        rows = tuple(
            (
                str(row["limit"]),
                _where(row, keys),
                str(row["applies_to"]),
                percent(row["share"]),
                money(row["value_usd_per_pp"])
                if math.isfinite(row["value_usd_per_pp"])
                else f"{price(row['value_usd_per_kg'])} USD/kg",
            )
            for _, row in policy.iterrows()
        )
        header = ("policy", "product", "applies to", "bound", "one more point (USD/pp)")
        sections.append(Table("binding policies:", header, rows, (False, False, False, True, True)))
    return sections


def share_section(plan: Plan, most: int = 6) -> Table:
    """Each product's shares by country of origin; the ``most`` largest, the rest as other."""
    shares = plan.shares("country")
    order = shares.sum().sort_values(ascending=False).index
    shown = shares[order[:most]].copy()
    if len(order) > most:
        shown["other"] = shares[order[most:]].sum(axis=1)
    header = ["product", *(f"{c} {country_name(c)}" if c != "other" else c for c in shown)]
    rows = tuple(
        (
            " ".join(map(str, key if isinstance(key, tuple) else (key,))),
            *(percent(v) if v > 0 else "-" for v in values),
        )
        for key, values in zip(shown.index, shown.to_numpy(), strict=True)
    )
    numeric = (False,) + (True,) * (len(header) - 1)
    title = "shares of each product's tonnes by country of origin:"
    return Table(title, tuple(header), rows, numeric)


def demand_section(plan: Plan) -> Table:
    """The marginal cost of one more tonne of each product's demand, in USD/kg."""
    prices = plan.shadow_prices
    demand = prices[prices["constraint"] == "demand"]
    keys = plan.market.demand_keys
    rows = tuple(
        (_where(row, keys), price(row["value_usd_per_kg"])) for _, row in demand.iterrows()
    )
    title = "marginal cost of one more tonne of demand:"
    return Table(title, ("product", "marginal cost (USD/kg)"), rows, (False, True))


def plain_text(sections: Sequence[Section]) -> str:
    """The sections as aligned plain text, a blank line between them."""
    blocks = []
    for section in sections:
        lines = [section.title] if section.title else []
        if isinstance(section, Lines):
            lines += list(section.lines)
        else:
            lines += ["  " + line for line in aligned(section)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def aligned(table: Table) -> list[str]:
    """A table's header and rows, columns padded to their widest cell, two spaces apart."""
    cells = [table.header, *table.rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.header))]
    out = []
    for row in cells:
        padded = (
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(row, widths, table.numeric, strict=True)
        )
        out.append("  ".join(padded).rstrip())
    return out


def _where(row: pd.Series, keys: Sequence[str]) -> str:
    """A row's product, and its period when the market has periods: ``"Dy oxide 2026"``."""
    return " ".join(str(row[key]) for key in keys)


def method_sections(plan: Plan) -> list[Section]:
    """How the plan was solved: the method of each product (and period), and why."""
    table = plan.methods
    chosen = table[["method", "reason"]].drop_duplicates().itertuples(index=False)
    keys = [c for c in table.columns if c not in ("method", "reason")]
    rows = tuple(
        tuple(str(v) for v in row) for row in table[[*keys, "method"]].itertuples(index=False)
    )
    return [
        Lines("How it was solved", tuple(f"{method}: {reason}" for method, reason in chosen)),
        Table("Method by product", (*keys, "method"), rows, (False,) * (len(keys) + 1)),
    ]
