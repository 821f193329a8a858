"""Stock in the two-stage model: each scenario's own stock columns and its balance rows.

For a market with a stock table (`reopt.model.stock`), the first stage keeps the planned
stock ``s[p, t]`` within ``[floor, max_t]`` (the compile's balance rows). In each scenario
``s`` the stock is recourse: one column ``st[p, t, s] >= 0`` per stocked product and
period, the tonnes held at the end of the period in that scenario, and the scenario's row
of a stocked product's period is a balance, an equality::

    deliveries arriving + spot + shortage + st[p, t-1, s] - st[p, t, s] = demand[p, t]

with ``st[p, -1, s]`` the initial stock (the first stage's fixed column of it). The floor
is a strategic reserve: a scenario may draw below it, down to 0, at no penalty; ``max_t``
bounds the plan, not a scenario's stock, where late deliveries may pile up. Holding costs
``1000 * holding_usd_per_kg`` per tonne and period of each scenario's stock, in that
scenario's cost (the planned stock's holding cost is not counted again). With no
disruption, the scenario's stock is the planned stock, so one unchanged scenario is the
deterministic model. `ScenarioStock` says where the columns are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reopt.data.market import readonly
from reopt.model.formulation import KG_PER_T
from reopt.model.stock import StockLayout

__all__ = ["ScenarioStock", "scenario_stock", "start_of_period"]


@dataclass(frozen=True)
class ScenarioStock:
    """The scenarios' stock columns: one per scenario and stock column of the plan.

    Column ``first_col + k`` is the stock of stock entry ``entry[k]`` (an index into the
    `StockLayout`) in scenario ``scenario[k]``. ``rows``, ``cols`` and ``values`` are its
    matrix entries (rows counted among the scenario rows), and ``cost_*`` its holding
    cost terms (one per column with a positive holding cost).
    """

    first_col: int
    scenario: np.ndarray
    entry: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    cost_scenario: np.ndarray
    cost_col: np.ndarray
    cost_coef: np.ndarray

    @property
    def n_cols(self) -> int:
        """Number of scenario stock columns."""
        return len(self.scenario)

    @property
    def columns(self) -> np.ndarray:
        """The scenario stock columns' indices in the program."""
        return self.first_col + np.arange(self.n_cols)


def scenario_stock(layout: StockLayout, row_of: np.ndarray, first_col: int) -> ScenarioStock:
    """The scenario stock columns for ``layout``, starting at column ``first_col``.

    ``row_of[s, d]`` is the scenario row (counted among the scenario rows) of demand row
    ``d`` in scenario ``s``; every stocked demand row has one.
    """
    n_s, n_j = row_of.shape[0], layout.n_cols
    s = np.repeat(np.arange(n_s), n_j)
    j = np.tile(np.arange(n_j), n_s)
    cols = first_col + np.arange(n_s * n_j)
    carried = layout.next_row[j] >= 0
    starts = np.flatnonzero(layout.first)
    initial_s = np.repeat(np.arange(n_s), len(starts))
    initial_k = np.tile(np.arange(len(starts)), n_s)
    rows = np.concatenate(
        [
            row_of[s, layout.demand_row[j]],
            row_of[s[carried], layout.next_row[j[carried]]],
            row_of[initial_s, layout.demand_row[starts[initial_k]]],
        ]
    )
    entries = np.concatenate(
        [cols, cols[carried], layout.initial_columns[initial_k]],
    )
    values = np.concatenate(
        [-np.ones(len(cols)), np.ones(int(carried.sum())), np.ones(len(initial_k))]
    )
    held = layout.holding_usd_per_kg[j] > 0
    return ScenarioStock(
        first_col=first_col,
        scenario=readonly(s),
        entry=readonly(j),
        rows=readonly(rows.astype(np.int64)),
        cols=readonly(entries.astype(np.int64)),
        values=readonly(values),
        cost_scenario=readonly(s[held]),
        cost_col=readonly(cols[held]),
        cost_coef=readonly(KG_PER_T * layout.holding_usd_per_kg[j[held]]),
    )


def start_of_period(layout: StockLayout, held: np.ndarray) -> np.ndarray:
    """Per scenario and stock entry (``held``: shape ``(n_s, n_j)``), the stock before it.

    The previous period's end stock, or the initial stock in a product's first period.
    """
    start = np.empty_like(held)
    entry_of = {int(row): k for k, row in enumerate(layout.demand_row)}
    prev = np.full(layout.n_cols, -1)
    for k, following in enumerate(layout.next_row):
        if following >= 0:
            prev[entry_of[int(following)]] = k
    start[:, prev >= 0] = held[:, prev[prev >= 0]]
    start[:, prev < 0] = layout.initial_t[prev < 0]
    return start
