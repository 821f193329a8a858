"""Why a market has no plan: an elastic relaxation, reported in the buyer's terms.

When no plan meets every demand and policy, reopt solves the same model with an elastic
variable on each demand row (tonnes not bought) and each policy row (tonnes over a cap or
under a floor), in two steps:

1. minimise the tonnes of demand left unmet, with policies free to give way;
2. keeping that, minimise how far the policies must give way.

What is left nonzero is the smallest set of changes (in tonnes) that makes the market
feasible, which `infeasibility` turns into one row per demand or policy that must give
way, with the capacities that explain it, e.g. "Dy oxide: non-China capacity 120 t < 40% of
400 t demand under cap_share(0.6, country='CN')".

`conflict` adds HiGHS's irreducible infeasible subset (IIS): one smallest set of demands,
policies and capacities that cannot all hold, which names the offers at their limits.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from reopt.backends.highs import solve_highs
from reopt.backends.highs_tools import iis
from reopt.data.market import Market, readonly
from reopt.model.program import LinearProgram, RowFamily
from reopt.model.shares import Basis, Bound, SharePolicy
from reopt.options import SolverOptions
from reopt.status import Status

__all__ = ["conflict", "infeasibility"]

_TOL = 1e-6

INFEASIBILITY_COLUMNS = [
    "constraint",
    "product",
    "period",
    "group",
    "limit_t",
    "available_t",
    "change_t",
    "message",
]


def infeasibility(market: Market, lp: LinearProgram) -> pd.DataFrame:
    """One row per demand or policy that must give way, with a message in domain words.

    Columns: ``constraint`` (``demand`` or the policy's name), ``product``, ``period``,
    ``group`` (e.g. ``country CN``), ``limit_t`` (what the row asks: demand, or the share
    times demand), ``available_t`` (the capacity that limits it), ``change_t`` (tonnes that
    must give way) and ``message``.
    """
    elastic, slack_rows = _elastic(lp)
    demand_slack = lp.row_family[slack_rows] == RowFamily.DEMAND
    n_base = lp.n_cols
    options = SolverOptions(presolve=False)

    # step 1: least unmet demand, policies free
    cost1 = np.zeros(elastic.n_cols)
    cost1[n_base:][demand_slack] = 1.0
    first = solve_highs(replace(elastic, cost=readonly(cost1)), options)
    if first.status is not Status.OPTIMAL or first.x is None:
        return _unexplained(f"the elastic model ended {first.status.value}")
    unmet = float(first.x[n_base:][demand_slack].sum())

    # step 2: keep unmet demand at that level, least policy change
    weights = _policy_weights(market, lp, slack_rows)
    cost2 = np.zeros(elastic.n_cols)
    cost2[n_base:][~demand_slack] = weights[~demand_slack]
    upper = np.array(elastic.col_upper)
    upper[n_base:][demand_slack] = first.x[n_base:][demand_slack] + _TOL
    second = solve_highs(replace(elastic, cost=readonly(cost2), col_upper=readonly(upper)), options)
    x = second.x if second.status is Status.OPTIMAL and second.x is not None else first.x
    slack = x[n_base:]
    return _report(market, lp, slack_rows, slack, x[:n_base], unmet)


def conflict(market: Market, lp: LinearProgram) -> list[str]:
    """One irreducible set of constraints that cannot all hold, in words (HiGHS's IIS).

    Empty when HiGHS cannot compute one. The default IIS strategy of HiGHS returns an empty
    set, so reopt asks for one from the LP, reduced until irreducible.
    """
    found = iis(lp)
    if found is None:
        return []
    enc = market.encoded
    words = []
    for r in found.rows:
        info = lp.rows.iloc[int(r)]
        product, _, when = _unit_names(market, int(info["demand_row"]), int(info["period"]))
        if info["family"] == RowFamily.DEMAND:
            d = enc.demand_t[int(info["demand_row"])]
            words.append(f"demand for {product}{when} ({d:,.0f} t)")
        elif info["family"] == RowFamily.POLICY:
            words.append(f"{lp.policies[int(info['policy'])].name} on {product}{when}")
    for j, at_upper in zip(found.cols, found.col_at_upper, strict=True):
        if int(j) < lp.n_offers and at_upper and np.isfinite(enc.capacity_t[int(j)]):
            source = enc.labels["source"][enc.codes["source"][int(j)]]
            product = enc.labels["product"][enc.codes["product"][int(j)]]
            words.append(f"capacity of {source} for {product} ({enc.capacity_t[int(j)]:,.0f} t)")
    return words


def _elastic(lp: LinearProgram) -> tuple[LinearProgram, np.ndarray]:
    """``lp`` with one elastic column per demand and policy row (integrality dropped)."""
    family = lp.row_family
    rows = np.flatnonzero((family == RowFamily.DEMAND) | (family == RowFamily.POLICY))
    is_cap = np.isfinite(lp.row_upper[rows]) & ~np.isfinite(lp.row_lower[rows])
    sign = np.where(is_cap, -1.0, 1.0)
    n, k = lp.n_cols, len(rows)
    elastic = lp.with_columns(
        cost=np.zeros(k),
        lower=np.zeros(k),
        upper=np.full(k, np.inf),
        rows=rows,
        cols=np.arange(k),
        vals=sign,
    )
    elastic = replace(
        elastic,
        cost=readonly(np.zeros(n + k)),
        col_lower=readonly(np.zeros(n + k)),
        integrality=readonly(np.zeros(n + k, dtype=np.int32)),
    )
    return elastic, rows


def _policy_weights(market: Market, lp: LinearProgram, slack_rows: np.ndarray) -> np.ndarray:
    """Weights that put every row's elastic variable in tonnes (value rows: / mean price)."""
    weights = np.ones(len(slack_rows))
    value_col = lp.rows["value_col"].to_numpy()[slack_rows]
    if (value_col >= 0).any():
        mean_price = float(np.mean(market.encoded.price_usd_per_kg)) or 1.0
        weights[value_col >= 0] = 1.0 / mean_price
    return weights


def _report(
    market: Market,
    lp: LinearProgram,
    slack_rows: np.ndarray,
    slack: np.ndarray,
    x: np.ndarray,
    unmet: float,
) -> pd.DataFrame:
    enc = market.encoded
    rows = lp.rows
    records: list[tuple[object, ...]] = []
    bounds = np.concatenate([[lp.row_lower[slack_rows]], [lp.row_upper[slack_rows]]])
    scale = np.max(np.where(np.isfinite(bounds), np.abs(bounds), 0.0), axis=0)
    for k in np.flatnonzero(slack > _TOL * np.maximum(1.0, scale)):
        r = int(slack_rows[k])
        info = rows.iloc[r]
        change = float(slack[k])
        demand_row = int(info["demand_row"])
        product, period, when = _unit_names(market, demand_row, int(info["period"]))
        if info["family"] == RowFamily.DEMAND:
            supply, offers, until = _supply(market, demand_row)
            d = float(enc.demand_t[demand_row])
            asked = f"demand {d:,.0f} t" + (f" ({until:,.0f} t up to then)" if until > d else "")
            message = (
                f"{product}{when}: {asked} but {offers} can supply only {supply:,.0f} t "
                f"(short {change:,.0f} t)"
                if np.isfinite(supply)
                else f"{product}{when}: {asked} is {change:,.0f} t short, though {offers} "
                "have no capacity limit (other rows of the model hold it back)"
            )
            records.append(("demand", product, period, "", d, supply, change, message))
            continue
        policy = lp.policies[int(info["policy"])]
        unit = (product, period, when)
        if isinstance(policy, SharePolicy):
            records.append(_policy_record(market, lp, policy, info, change, x, unit))
        else:
            message = f"{product}{when}: {policy.name} must give way by {change:,.6g}"
            records.append((policy.name, product, period, "", np.nan, np.nan, change, message))
    table = pd.DataFrame.from_records(records, columns=INFEASIBILITY_COLUMNS)
    if not market.has_periods:
        table = table.drop(columns="period")
    table.attrs["unmet_demand_t"] = unmet
    return table


def _policy_record(
    market: Market,
    lp: LinearProgram,
    policy: SharePolicy,
    info: pd.Series,
    change: float,
    x: np.ndarray,
    unit: tuple[str, object, str],
) -> tuple[object, ...]:
    enc = market.encoded
    product, period, when = unit
    units = policy.units(market)
    # the row's unit: by product and period labels, which also name a unit of the horizon
    same = (units.demand_row == int(info["demand_row"])) & (units.period == int(info["period"]))
    in_unit = units.of_offer == (int(np.flatnonzero(same)[0]) if same.any() else -2)
    member = policy.matches(market) & in_unit
    group = policy.group_label()
    if policy.each is not None:
        code = int(info["group"])
        label = enc.labels[policy.each.value][code]
        member &= enc.codes[policy.each.value] == code
        group = f"{policy.each.value.replace('_', ' ')} {label}"
    share = float(info["share"])
    if policy.basis is Basis.VALUE:
        total = float(x[int(info["value_col"])])
        needed = (share * total + (change if policy.bound is Bound.MAX else -change)) / max(
            total, 1e-12
        )
        verb = "rise to at least" if policy.bound is Bound.MAX else "can reach at most"
        message = (
            f"{product}{when}: under {policy.name} the value share of {group} must "
            f"{verb} {needed:.1%} (limit {share:.0%})"
        )
        return (policy.name, product, period, group, np.nan, np.nan, np.nan, message)
    base = float(info["base_t"])
    if not np.isfinite(base) and int(info["value_col"]) >= 0:  # purchases are a column (stock)
        base = float(x[int(info["value_col"])])
    limit = share * base
    if policy.bound is Bound.MAX:
        others = _capacity(enc, in_unit & ~member)
        message = (
            f"{product}{when}: capacity outside {group} {_tonnes(others)} < "
            f"{1 - share:.0%} of {base:,.0f} t demand under {policy.name}; the {group} share "
            f"must rise to at least {(limit + change) / base:.1%} ({change:,.0f} t over the cap)"
        )
        return (policy.name, product, period, group, limit, others, change, message)
    mine = _capacity(enc, member)
    reach = (limit - change) / base if base > 0 else 0.0
    message = (
        f"{product}{when}: {policy.name} needs {limit:,.0f} t ({share:.0%} of {base:,.0f} t) "
        f"from {group}, but only {_tonnes(mine)} can be bought there; the share can reach at "
        f"most {reach:.1%} ({change:,.0f} t short)"
    )
    return (policy.name, product, period, group, limit, mine, change, message)


def _unit_names(market: Market, demand_row: int, period: int) -> tuple[str, object, str]:
    """Product name, period label (or None) and a phrase such as " in period 2026"."""
    product = "all products"
    if demand_row >= 0:
        product = str(market.encoded.demand_product[demand_row])
    if not market.has_periods or period < 0:
        return product, None, ""
    label = market.encoded.labels["period"][period]
    return product, label, f" in period {label}"


def _supply(market: Market, demand_row: int) -> tuple[float, str, float]:
    """The tonnes that can meet ``demand_row``, the offers they come from, and the demand.

    Without stock, the offers of its product and period; with a stock balance, the offers
    that arrive in its period (after their lead times) and, for a product with a stock row,
    those arriving in earlier periods and the initial stock, which can be held until then:
    the demand they meet is then the product's demand up to that period.
    """
    enc = market.encoded
    demand = float(enc.demand_t[demand_row])
    if not market.has_stock_balance:
        return _capacity(enc, enc.group == demand_row), "all offers together", demand
    held = market.stock_data
    product = enc.demand_product[demand_row]
    stocked = np.flatnonzero(held.product == product)
    if not len(stocked):
        arriving = _capacity(enc, held.arrival == demand_row)
        return arriving, "the offers arriving in that period", demand
    up_to = np.flatnonzero(
        (enc.demand_product == product)
        & (enc.demand_period_code <= enc.demand_period_code[demand_row])
    )
    supply = _capacity(enc, np.isin(held.arrival, up_to)) + float(held.initial_t[stocked].sum())
    until = float(enc.demand_t[up_to].sum())
    return supply, "the initial stock and the offers arriving by then", until


def _capacity(enc: object, mask: np.ndarray) -> float:
    return float(enc.capacity_t[mask].sum())  # type: ignore[attr-defined]


def _tonnes(value: float) -> str:
    return "unlimited" if not np.isfinite(value) else f"{value:,.0f} t"


def _unexplained(reason: str) -> pd.DataFrame:
    message = f"no explanation could be computed ({reason})"
    return pd.DataFrame(
        [("", "", "", "", np.nan, np.nan, np.nan, message)], columns=INFEASIBILITY_COLUMNS
    )
