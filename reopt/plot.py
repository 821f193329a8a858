"""Plots (matplotlib, ``pip install "reopt[plot]"``): each takes ``ax=`` and returns the Axes.

- `frontier`: cost against the China cap from a `reopt.sweep`, with its breakpoints and the
  minimum feasible cap marked, and the infeasible range shaded;
- `supply_mix`: a plan's supply by country for each product, as stacked bars of shares;
- `sweep_shares`: China's share of each product along a sweep, with the price of one
  percentage point of the swept bound on a second axis.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from reopt.checks import input_error
from reopt.data.countries import country_name
from reopt.errors import ReoptError
from reopt.results.plan import Plan

__all__ = ["frontier", "supply_mix", "sweep_shares"]

_PARAMETERS = {
    "china_cap": "China cap (% of each product's tonnes)",
    "share": "swept share bound (%)",
    "factor": "factor (x)",
}


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the environment
        raise ReoptError(
            'plotting needs matplotlib: pip install "reopt[plot]" (or matplotlib)'
        ) from None
    return plt


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots(figsize=(8, 5), layout="constrained")
    return ax


def _parameter(curve: pd.DataFrame) -> str:
    """The swept parameter: the table's own record of it (``attrs``), else its column."""
    named = curve.attrs.get("parameter")
    if named in _PARAMETERS and named in curve.columns:
        return str(named)
    for name in _PARAMETERS:
        if name in curve.columns:
            return name
    raise input_error(
        "options",
        "plot",
        "curve",
        list(curve.columns)[:4],
        "not a table from reopt.sweep",
        "pass the DataFrame that reopt.sweep returned",
    )


def _optimal(curve: pd.DataFrame, parameter: str) -> pd.DataFrame:
    """The optimal points, one per parameter value, in order."""
    ok = curve[curve["status"] == "optimal"]
    return ok.drop_duplicates(parameter).sort_values(parameter)


def _x(curve: pd.DataFrame, parameter: str) -> np.ndarray:
    values = curve[parameter].to_numpy(dtype=float)
    return values * 100 if parameter != "factor" else values


def frontier(
    curve: pd.DataFrame, *, ax: Any = None, label: str | None = None, color: str | None = None
) -> Any:
    """Cost of the plan (USD million, over all its periods) against the swept parameter.

    Optimal points make the line; breakpoints are marked with dots and their value, the
    minimum feasible cap (or maximum feasible floor) with a dashed line, and the infeasible
    range is shaded. Call it again on the same ``ax`` with another ``label`` to compare
    markets.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import reopt, reopt.plot
    >>> curve = reopt.sweep(reopt.datasets.japan_2025(), china_cap=[0.6, 0.8, 1.0])
    >>> reopt.plot.frontier(curve).get_xlabel()
    "China cap (% of each product's tonnes)"
    """
    ax = _axes(ax)
    parameter = _parameter(curve)
    ok = _optimal(curve, parameter)
    x, cost = _x(ok, parameter), ok["cost_usd"].to_numpy() / 1e6
    (line,) = ax.plot(x, cost, "-", color=color, label=label or "cheapest plan", lw=2)
    color = line.get_color()
    # a breakpoint may fall on a grid cap, whose row _optimal keeps: mark it from the curve
    kinks = curve[(curve["point"] == "breakpoint") & (curve["status"] == "optimal")]
    if len(kinks):
        kx, ky = _x(kinks, parameter), kinks["cost_usd"].to_numpy() / 1e6
        ax.plot(kx, ky, "o", color=color, ms=5, label=f"breakpoints ({len(kinks)})")
    edge = curve[curve["point"].isin(["min_feasible", "max_feasible"])]
    unit = "%" if parameter != "factor" else "x"
    everything = _x(curve, parameter)
    if len(edge):
        ex = float(_x(edge, parameter)[0])
        floor = edge["point"].iat[0] == "max_feasible"
        word = "maximum feasible floor" if floor else "minimum feasible cap"
        ax.axvline(ex, color=color, ls="--", lw=1, label=f"{word}: {ex:.1f}{unit}")
        lo, hi = (ex, everything.max()) if floor else (everything.min(), ex)
        if hi > lo:
            ax.axvspan(lo, hi, color=color, alpha=0.08, lw=0, label="infeasible")
    span = everything.max() - everything.min()
    ax.set_xlim(everything.min() - 0.02 * span, everything.max() + 0.02 * span)
    ax.set_xlabel(_PARAMETERS[parameter])
    ax.set_ylabel("cost of the plan (USD million)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return ax


def supply_mix(plan: Plan, *, ax: Any = None, by: str = "country") -> Any:
    """Each product's supply as a horizontal stacked bar of shares (by country by default).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import reopt, reopt.plot
    >>> plan = reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6)
    >>> reopt.plot.supply_mix(plan).get_xlabel()
    "share of the product's tonnes (%)"
    """
    ax = _axes(ax)
    shares = plan.shares(by)
    shares = shares.loc[:, shares.sum().sort_values(ascending=False).index]
    labels = [" / ".join(map(str, k)) if isinstance(k, tuple) else str(k) for k in shares.index]
    left = np.zeros(len(shares))
    colors = _pyplot().get_cmap("tab20").colors
    for i, group in enumerate(shares.columns):
        width = shares[group].to_numpy() * 100
        name = country_name(group) if by in ("country", "refined_in") else str(group)
        bars = ax.barh(labels, width, left=left, color=colors[i % len(colors)], label=name)
        texts = [f"{w:.0f}%" if w >= 8 else "" for w in width]
        ax.bar_label(bars, labels=texts, label_type="center", fontsize="small")
        left += width
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of the product's tonnes (%)")
    ax.invert_yaxis()
    ax.legend(
        title=by.replace("_", " "), loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small"
    )
    return ax


def sweep_shares(curve: pd.DataFrame, *, ax: Any = None) -> Any:
    """China's share of each product along a sweep, and what a percentage point costs.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import reopt, reopt.plot
    >>> curve = reopt.sweep(reopt.datasets.japan_2025(), china_cap=[0.6, 0.8, 1.0])
    >>> reopt.plot.sweep_shares(curve).get_ylabel()
    "China's share of the product (%)"
    """
    ax = _axes(ax)
    parameter = _parameter(curve)
    ok = _optimal(curve, parameter)
    x = _x(ok, parameter)
    handles = []
    for column in [c for c in ok.columns if c.startswith("china_share:")]:
        (line,) = ax.plot(x, ok[column].to_numpy() * 100, lw=1.5, label=column.split(":", 1)[1])
        handles.append(line)
    ax.set_xlabel(_PARAMETERS[parameter])
    ax.set_ylabel("China's share of the product (%)")
    ax.set_ylim(0, 105)
    ax.grid(True, alpha=0.3)
    if parameter != "factor" and len(ok) >= 2:
        # between consecutive points (breakpoints included) the curve is straight, so its
        # slope is the exact price of a percentage point there
        cost = ok["cost_usd"].to_numpy()
        price = np.abs(np.diff(cost) / np.diff(x))
        scale, unit = (1e6, "million") if price.max() >= 1e6 else (1e3, "thousand")
        twin = ax.twinx()
        steps = twin.stairs(
            price / scale, x, baseline=None, color="k", ls="--", lw=1, label="price of 1 pp"
        )
        twin.set_ylabel(f"price of one percentage point (USD {unit})")
        twin.set_ylim(bottom=0)
        handles.append(steps)
    # one legend for both axes, above them, where it covers no line
    ax.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.01),
        ncol=min(len(handles), 4),
        fontsize="small",
        frameon=False,
    )
    return ax
