"""Plots of a Monte Carlo table (`reopt.monte_carlo`): its cost and China's shares.

- `cost_distribution`: a histogram of the optimal samples' cost in USD million, with the
  5%, 50% and 95% quantiles marked and the share of samples with no plan in the title;
- `share_distribution`: China's share of each product across the samples, one box per
  product, with the whiskers at the 5% and 95% quantiles.

Each takes ``ax=`` and returns the Axes; matplotlib is imported on first use. They are
also reached as ``reopt.plot.cost_distribution`` and ``reopt.plot.share_distribution``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from reopt.checks import input_error
from reopt.errors import ReoptError

__all__ = ["cost_distribution", "share_distribution"]

_SHARE = "china_share:"


def _new_axes() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the environment
        raise ReoptError(
            'plotting needs matplotlib: pip install "reopt[plot]" (or matplotlib)'
        ) from None
    _, ax = plt.subplots(figsize=(8, 5), layout="constrained")
    return ax


def _checked(table: pd.DataFrame, function: str) -> pd.DataFrame:
    """The table's optimal rows; an `InputError` for a table that is not a Monte Carlo one."""
    if not isinstance(table, pd.DataFrame) or not {"status", "cost_usd"} <= set(table.columns):
        shown = type(table).__name__
        raise input_error(
            "options",
            f"{function}()",
            "table",
            shown,
            "expected the table of reopt.monte_carlo",
            "table = reopt.monte_carlo(market, n=1000, draws=[...])",
        )
    return table[table["status"] == "optimal"]


def _no_plan(table: pd.DataFrame) -> str:
    share = float((table["status"] != "optimal").mean()) if len(table) else 0.0
    return f"{len(table):,} draws, {share:.1%} with no plan"


def cost_distribution(table: pd.DataFrame, *, ax: Any = None, bins: int = 40) -> Any:
    """Histogram of the cost of the optimal samples (USD million), quantiles marked."""
    optimal = _checked(table, "cost_distribution")
    ax = ax if ax is not None else _new_axes()
    cost = optimal["cost_usd"].to_numpy(dtype=float) / 1e6
    if len(cost):
        ax.hist(cost, bins=bins, color="#4c72b0", alpha=0.8)
        for q, style in ((0.05, ":"), (0.5, "--"), (0.95, ":")):
            value = float(np.quantile(cost, q))
            ax.axvline(value, color="black", linestyle=style, linewidth=1)
            ax.annotate(
                f"{q:.0%}", (value, 1), xycoords=("data", "axes fraction"), va="top", ha="left"
            )
    ax.set_xlabel("cost of the plan (USD million)")
    ax.set_ylabel("draws")
    ax.set_title(f"Cost distribution ({_no_plan(table)})")
    return ax


def share_distribution(table: pd.DataFrame, *, ax: Any = None) -> Any:
    """China's share of each product across the optimal samples, one box per product (%)."""
    optimal = _checked(table, "share_distribution")
    ax = ax if ax is not None else _new_axes()
    columns = [c for c in table.columns if str(c).startswith(_SHARE)]
    data = [optimal[c].dropna().to_numpy(dtype=float) * 100 for c in columns]
    names = [str(c)[len(_SHARE) :] for c in columns]
    if columns and all(len(d) for d in data):
        ax.boxplot(data, whis=(5, 95), showfliers=False)
        ax.set_xticks(range(1, len(names) + 1), names)
    ax.set_ylim(-2, 102)
    ax.set_ylabel("China's share of the product's tonnes (%)")
    ax.set_xlabel("product")
    ax.set_title(f"China's share by product ({_no_plan(table)}; whiskers 5%-95%)")
    return ax
