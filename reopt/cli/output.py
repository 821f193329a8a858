"""How ``reopt solve`` and ``reopt demo`` print a plan: rich, plain, Markdown or JSON.

``--format text`` (the default) draws the report of `reopt.results.report` with ``rich``
tables when standard output is a terminal, and as plain aligned text when it is piped or
redirected, so that a file or ``grep`` sees no colour codes. ``--format markdown`` writes
Markdown tables, and ``--format json`` one JSON object for tools: numbers as numbers, NaN
and infinite values as ``null``, the tables as lists of records with the DataFrames' own
column names (units in the names).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import IO, Any, Literal

import numpy as np
import pandas as pd

from reopt.results.plan import Plan
from reopt.results.precision import SIGNIFICANT_DIGITS, round_value
from reopt.results.report import Lines, Section, Table, money, percent, plain_text

__all__ = [
    "FORMATS",
    "cost_of_policies",
    "format_argument",
    "json_ready",
    "markdown_text",
    "plan_data",
    "print_json",
    "records",
    "rich_print",
    "show",
]

#: The values of ``--format``.
FORMATS = ("text", "json", "markdown")


def format_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--format text|json|markdown`` (see the module docstring)."""
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (tables in a terminal, plain text when piped), markdown, or json for tools",
    )


def cost_of_policies(
    capped: Plan, free: Plan | None, label: str, china: bool = True
) -> list[Section]:
    """What the policies cost against the plan without them, and China's share before/after."""
    if free is None or not free.is_optimal or not capped.is_optimal:
        return []
    extra = capped.cost_usd - free.cost_usd
    relative = f", +{extra / free.cost_usd:.1%}" if free.cost_usd > 0 else ""
    line = (
        f"what {label} costs: USD {money(extra)} a year more than the uncapped plan "
        f"(USD {money(free.cost_usd)}){relative}"
    )
    sections: list[Section] = [Lines("", (line,))]
    cn_free = free.shares("country").get("CN")
    if china and cn_free is not None:
        cn_capped = capped.shares("country").get("CN")
        rows = []
        for key, before in cn_free.items():
            after = 0.0 if cn_capped is None else float(cn_capped.get(key, 0.0))
            name = " ".join(map(str, key if isinstance(key, tuple) else (key,)))
            rows.append((name, percent(float(before)), percent(after)))
        title = "China's share of each product, uncapped -> capped:"
        header = ("product", "uncapped", "capped")
        sections.append(Table(title, header, tuple(rows), (False, True, True)))
    return sections


def show(sections: Sequence[Section], fmt: str, stream: IO[str] | None = None) -> None:
    """Print ``sections`` as ``fmt`` (``text`` or ``markdown``) on ``stream`` (stdout)."""
    out = sys.stdout if stream is None else stream
    if fmt == "markdown":
        print(markdown_text(sections), file=out)
    elif _is_terminal(out):
        rich_print(sections, out)
    else:
        print(plain_text(sections), file=out)


def _is_terminal(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def rich_print(sections: Sequence[Section], stream: IO[str], *, force: bool = False) -> None:
    """Print ``sections`` with ``rich``: a table per `Table`, lines as they are."""
    from rich import box
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console(file=stream, force_terminal=force or None, highlight=False)
    for i, section in enumerate(sections):
        if i:
            console.print()
        if isinstance(section, Lines):
            if section.title:
                console.print(section.title, style="bold", markup=False)
            for line in section.lines:
                console.print(line, markup=False)
            continue
        if section.title:  # above the table, never wrapped to the table's width
            console.print(section.title, style="bold", markup=False, crop=False)
        table = RichTable(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        needed = 2
        for i, (name, right) in enumerate(zip(section.header, section.numeric, strict=True)):
            widest = max([len(name)] + [len(row[i]) for row in section.rows])
            justify: Literal["left", "right"] = "right" if right else "left"
            table.add_column(name, justify=justify, no_wrap=True, min_width=widest)
            needed += widest + 3
        for row in section.rows:
            table.add_row(*row)
        console.print(table, width=max(console.width, needed), crop=False)  # never clip


def markdown_text(sections: Sequence[Section]) -> str:
    """The sections as Markdown: titles in bold, tables as pipe tables."""
    blocks = []
    for section in sections:
        lines = [f"**{_md(section.title)}**", ""] if section.title else []
        if isinstance(section, Lines):
            lines += [_md(line) + "  " for line in section.lines]
        else:
            lines.append("| " + " | ".join(_md(h) for h in section.header) + " |")
            lines.append(
                "|" + "|".join("---:" if right else ":---" for right in section.numeric) + "|"
            )
            lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in section.rows]
        blocks.append("\n".join(lines).rstrip())
    return "\n\n".join(blocks)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def plan_data(plan: Plan, *, ranges: bool = False) -> dict[str, Any]:
    """``plan`` as a dictionary ready for `json.dumps` (see `json_ready`)."""
    data: dict[str, Any] = {
        "status": plan.status.value,
        "policies": [p.name for p in plan.policies],
    }
    if not plan.is_optimal:
        data["explanation"] = plan.explain("cli")
        if not plan.infeasibility.empty:
            data["infeasibility"] = records(plan.infeasibility)
        return data
    data["cost_usd"] = plan.cost_usd
    data["backend"] = plan.backend
    data["notes"] = list(plan.notes)
    data["orders"] = records(plan.orders)
    shares = plan.shares("country")
    data["shares_by_country"] = records(shares.reset_index())
    if plan.has_prices:
        data["binding_limits"] = records(plan.binding_limits)
        data["shadow_prices"] = records(plan.shadow_prices)
        data["reduced_costs"] = records(plan.reduced_costs)
        if ranges and not plan.lp.is_mip:
            data["shadow_price_ranges"] = records(plan.shadow_price_ranges)
            data["price_ranges"] = records(plan.price_ranges)
    return json_ready(data)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts with text keys (pass them through `json_ready`)."""
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    return list(frame.to_dict(orient="records"))


def json_ready(value: Any, digits: int = SIGNIFICANT_DIGITS) -> Any:
    """``value`` ready for JSON: numbers as numbers, NaN and infinities as None.

    Numpy scalars become Python numbers, and floats are rounded to ``digits`` significant
    digits (`reopt.results.precision`).

    Examples
    --------
    >>> json_ready({"a": [np.float64(49.80000000000001), float("inf")], "b": np.int64(2)})
    {'a': [49.8, None], 'b': 2}
    """
    if isinstance(value, dict):
        return {str(k): json_ready(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v, digits) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return round_value(value, digits) if math.isfinite(value) else None
    return value


def print_json(data: dict[str, Any], stream: IO[str] | None = None) -> None:
    """Print ``data`` as one JSON object (strict: no NaN)."""
    out = sys.stdout if stream is None else stream
    print(json.dumps(json_ready(data), indent=2, allow_nan=False), file=out)
