"""Plots (matplotlib, ``pip install "reopt[plot]"``): each takes ``ax=`` and returns the Axes.

- `frontier`: cost against the swept parameter from a `reopt.sweep`, in percent above the
  cheapest plan (or in USD from zero), with its breakpoints and the minimum feasible cap
  marked, and the infeasible range shaded;
- `supply_mix`: a plan's supply by country for each product, as stacked bars of shares;
- `sweep_shares`: China's share of each product along a sweep, each line with its own marker
  and dash so that lines lying on each other stay visible, with the price of one percentage
  point of the swept bound on a second axis;
- `cost_distribution` and `share_distribution` (`reopt.plot_montecarlo`): a Monte Carlo
  table's cost histogram and China's share of each product across the draws.

Every plot has a title and axis labels with units. The x-axis of a what-if names what was
scaled: from ``scaled=``, else from the table's ``attrs["scaled"]`` (a mapping with the scaled
``column`` and the ``filter`` that picked the offers or the demand rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from reopt.checks import input_error
from reopt.data.countries import country_name
from reopt.errors import ReoptError
from reopt.plot_montecarlo import cost_distribution, share_distribution
from reopt.results.plan import Plan

__all__ = ["cost_distribution", "frontier", "share_distribution", "supply_mix", "sweep_shares"]

_PARAMETERS = {
    "china_cap": "China cap (% of each product's tonnes)",
    "share": "swept share bound (%)",
    "factor": "factor on what was scaled (x today's)",
}
_TITLES = {"china_cap": "by China cap", "share": "by swept share bound"}
_QUANTITIES = {"price_usd_per_kg": "price", "capacity_t": "capacity", "demand_t": "demand"}
#: how a what-if filter's column reads after "price of offers"
_FILTER_WORDS = {
    "country": "from {}",
    "refined_in": "refined in {}",
    "source": "of {}",
    "product": "of {}",
    "period": "in {}",
}
#: (marker, dashes) per line of `sweep_shares`: no two alike, so coinciding lines stay apart
_STYLES = [
    ("o", "-"),
    ("s", "--"),
    ("^", "-."),
    ("D", ":"),
    ("v", (0, (6, 2, 1, 2, 1, 2))),
    ("P", (0, (1, 1))),
    ("X", (0, (8, 3))),
    ("*", (0, (3, 1, 3, 4))),
]


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the environment
        raise ReoptError(
            'plotting needs matplotlib: pip install "reopt[plot]" (or matplotlib)'
        ) from None
    return plt


def _ticker() -> Any:
    import matplotlib.ticker

    return matplotlib.ticker


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


def _scaled(curve: pd.DataFrame, scaled: str | None) -> str | None:
    """What a what-if scaled, in words: ``scaled`` itself, else read from ``curve.attrs``."""
    if scaled:
        return scaled
    record = curve.attrs.get("scaled")
    if isinstance(record, str) and record:
        return record
    if not isinstance(record, Mapping) or record.get("column") not in _QUANTITIES:
        return None
    quantity = _QUANTITIES[record["column"]]
    where = record.get("filter") or {}
    words = {key: _either(key, value) for key, value in where.items()}
    if quantity == "demand":
        if not words:
            return "all demand"
        parts = [f"for {words.pop('product')}"] if "product" in words else []
        return " ".join(["demand", *parts, *(f"in {v}" for v in words.values())])
    before = f"{words.pop('kind')} " if "kind" in words else ""
    after = [_FILTER_WORDS.get(key, key + " {}").format(v) for key, v in words.items()]
    return " ".join([f"{quantity} of {before}offers", *after])


def _either(key: str, value: object) -> str:
    """A filter's value(s) in words: country codes as names, several joined by "or"."""
    values = [value] if isinstance(value, str) or not hasattr(value, "__iter__") else value
    named = [country_name(str(v)) if key in ("country", "refined_in") else str(v) for v in values]
    return " or ".join(named)


def _x_label(curve: pd.DataFrame, parameter: str, scaled: str | None) -> str:
    what = _scaled(curve, scaled) if parameter == "factor" else None
    return f"{what} (x today's)" if what else _PARAMETERS[parameter]


def _by(curve: pd.DataFrame, parameter: str, scaled: str | None) -> str:
    """The end of a title: what the x-axis varies."""
    if parameter != "factor":
        return _TITLES[parameter]
    what = _scaled(curve, scaled)
    return f"as the {what} is scaled" if what else "along the what-if"


def _optimal(curve: pd.DataFrame, parameter: str) -> pd.DataFrame:
    """The optimal points, one per parameter value, in order."""
    ok = curve[curve["status"] == "optimal"]
    return ok.drop_duplicates(parameter).sort_values(parameter)


def _x(curve: pd.DataFrame, parameter: str) -> np.ndarray:
    values = curve[parameter].to_numpy(dtype=float)
    return values * 100 if parameter != "factor" else values


def frontier(
    curve: pd.DataFrame,
    *,
    ax: Any = None,
    label: str | None = None,
    color: str | None = None,
    relative: bool = True,
    scaled: str | None = None,
) -> Any:
    """Cost of the plan against the swept parameter, on an axis that starts at zero.

    By default (``relative=True``) the y-axis is the cost above the cheapest optimal plan of
    the curve, in percent, so that 0% is that plan (for a cap, the loosest cap) and a 5%
    rise looks like 5%; the cheapest cost itself (USD million, over all the plan's periods)
    is in the legend. With ``relative=False`` the y-axis is the cost in USD million, from 0.

    Optimal points make the line; breakpoints are marked with dots, the minimum feasible
    cap (or maximum feasible floor) with a dashed line, and the infeasible range is shaded.
    Call it again on the same ``ax`` with another ``label`` to compare markets (in percent,
    each curve is measured from its own cheapest plan).

    Parameters
    ----------
    curve : DataFrame
        A table from `reopt.sweep`.
    ax : matplotlib Axes, optional
    label, color : str, optional
        The curve's legend entry and colour.
    relative : bool, default=True
        Percent above the cheapest plan (True) or USD million from zero (False).
    scaled : str, optional
        For a what-if: what was scaled, in words (e.g. ``"price of Chinese NdPr oxide"``);
        by default read from ``curve.attrs["scaled"]``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import reopt, reopt.plot
    >>> curve = reopt.sweep(reopt.datasets.japan_2025(), china_cap=[0.6, 0.8, 1.0])
    >>> ax = reopt.plot.frontier(curve)
    >>> ax.get_xlabel()
    "China cap (% of each product's tonnes)"
    >>> ax.get_ylabel()
    'cost above the cheapest plan on the curve (%)'
    """
    ax = _axes(ax)
    parameter = _parameter(curve)
    ok = _optimal(curve, parameter)
    cheapest = float(ok["cost_usd"].min()) if len(ok) else float("nan")

    def y(rows: pd.DataFrame) -> np.ndarray:
        cost = rows["cost_usd"].to_numpy(dtype=float)
        return (cost / cheapest - 1) * 100 if relative else cost / 1e6

    name = label or "cheapest plan"
    if relative and len(ok):
        name += f" (0% = USD {cheapest / 1e6:,.0f} million)"
    (line,) = ax.plot(_x(ok, parameter), y(ok), "-", color=color, label=name, lw=2)
    color = line.get_color()
    # a breakpoint may fall on a grid cap, whose row _optimal keeps: mark it from the curve
    kinks = curve[(curve["point"] == "breakpoint") & (curve["status"] == "optimal")]
    if len(kinks):
        where = (_x(kinks, parameter), y(kinks))
        ax.plot(*where, "o", color=color, ms=5, label=f"breakpoints ({len(kinks)})")
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
    ax.set_xlabel(_x_label(curve, parameter, scaled))
    if relative:
        ax.set_ylabel("cost above the cheapest plan on the curve (%)")
        top = max(ax.get_ylim()[1], 1.0)
        ax.set_ylim(-0.03 * top, top)  # 0% on the axis, its dots not cut in half
        ax.yaxis.set_major_formatter(_ticker().PercentFormatter(decimals=None))
    else:
        ax.set_ylabel("cost of the plan (USD million)")
        ax.set_ylim(0, ax.get_ylim()[1])
    ax.set_title(f"Cost of the cheapest plan {_by(curve, parameter, scaled)}")
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
    ax.set_ylabel(" / ".join(n for n in shares.index.names if n) or "product")
    words = by.replace("_", " ")
    ax.set_title(f"Where each product comes from, by {words}")
    ax.invert_yaxis()
    ax.legend(title=words, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    return ax


def sweep_shares(curve: pd.DataFrame, *, ax: Any = None, scaled: str | None = None) -> Any:
    """China's share of each product along a sweep, and what a percentage point costs.

    Products often share a line (every product held at the cap): each line has its own
    marker and dash, drawn thinner and with smaller hollow markers the later it comes, so
    that a line lying on another still shows around it. ``scaled`` names what a what-if
    scaled, as for `frontier`.

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
    columns = [c for c in ok.columns if c.startswith("china_share:")]
    for i, column in enumerate(columns):
        marker, dashes = _STYLES[i % len(_STYLES)]
        later = len(columns) - 1 - i  # the first lines drawn widest, under the later ones
        (line,) = ax.plot(
            x,
            ok[column].to_numpy() * 100,
            marker=marker,
            ls=dashes,
            lw=1.2 + 0.7 * later,
            ms=3.5 + 1.8 * later,
            mfc="none",
            mew=1.3,
            zorder=2 + i,
            label=column.split(":", 1)[1],
        )
        handles.append(line)
    ax.set_xlabel(_x_label(curve, parameter, scaled))
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
    # one legend for both axes, above them, where it covers no line; the title above it
    columns_of_legend = min(len(handles), 4)
    rows = -(-len(handles) // max(columns_of_legend, 1))
    ax.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.01),
        ncol=columns_of_legend,
        fontsize="small",
        frameon=False,
    )
    ax.set_title(
        f"China's share of each product {_by(curve, parameter, scaled)}", pad=8 + 15 * rows
    )
    return ax
