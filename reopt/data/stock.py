"""The stock table and offers' lead times: what carries tonnes from one period to the next.

``stock`` (optional), one row per product held in stock:

=======================  ======================================================================
column                   meaning
=======================  ======================================================================
``product``              a demanded product (required)
``initial_t``            tonnes in stock before the first period, >= 0 (blank: 0)
``min_t``                strategic floor in tonnes, held at the end of every period (blank: 0)
``min_days``             the floor in days of demand instead: ``min_days / 365`` times the
                         period's demand (periods are taken as years; JOGMEC's target is
                         about 60 days). At most one of ``min_t`` and ``min_days`` per row.
``max_t``                most tonnes held at the end of a period (blank: no limit)
``holding_usd_per_kg``   cost of holding one kg for one period, >= 0 (blank: 0)
=======================  ======================================================================

A stocked product needs demand in every period of the market (a demand of 0 is fine), so
that its stock is carried through each of them. Offers may carry ``lead_time_periods``
(a whole number >= 0, blank 0): tonnes bought in period ``t`` arrive in ``t + lead``. An
offer whose tonnes would arrive after the last period (or in a period without demand for
its product) cannot be used: its tonnes are bounded by 0, and a `ReoptWarning` says so.

`clean_stock` checks the table and `lead_times` the offers' column, each adding one
`Problem` per bad cell with a hint; `stock_data` gathers both into `StockData`, the values
the model is built from.
"""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reopt.data.cells import (
    TableOrigin,
    duplicate_problems,
    number_column,
    text_column,
)
from reopt.data.encoding import Encoded, readonly
from reopt.data.headers import column_problems, read_headers
from reopt.errors import ProblemList, ReoptWarning

__all__ = [
    "DAYS_PER_PERIOD",
    "LEAD_TIME",
    "STOCK_COLUMNS",
    "StockData",
    "clean_stock",
    "lead_times",
    "stock_data",
]

#: The columns of the stock table.
STOCK_COLUMNS = ("product", "initial_t", "min_t", "min_days", "max_t", "holding_usd_per_kg")
#: The offers' column of lead times (periods between purchase and arrival).
LEAD_TIME = "lead_time_periods"
#: Days in a period, for floors given in days of demand (periods are years).
DAYS_PER_PERIOD = 365.0
#: How many offers a warning names before it counts the rest.
_SHOWN = 5


@dataclass(frozen=True)
class StockData:
    """The stock table and lead times as arrays (read-only), per stock row and per offer.

    ``product`` names each stock row's product; ``min_t`` and ``min_days`` are NaN where
    the row gives the other (both NaN: no floor); ``max_t`` is inf for no limit. ``lead``
    is each offer's lead time in periods and ``arrival`` the demand row its tonnes arrive
    in (-1: they cannot arrive within the horizon).
    """

    product: np.ndarray
    initial_t: np.ndarray
    min_t: np.ndarray
    min_days: np.ndarray
    max_t: np.ndarray
    holding_usd_per_kg: np.ndarray
    lead: np.ndarray
    arrival: np.ndarray

    @property
    def is_empty(self) -> bool:
        """True when there is no stock table and no offer has a lead time."""
        return len(self.product) == 0 and not (self.lead > 0).any()

    def floor_t(self, row: int, demand_t: float) -> float:
        """Stock row ``row``'s floor in tonnes, in a period with ``demand_t`` of demand."""
        if np.isfinite(self.min_days[row]):
            return float(self.min_days[row] / DAYS_PER_PERIOD * demand_t)
        return float(self.min_t[row]) if np.isfinite(self.min_t[row]) else 0.0


def clean_stock(
    stock: object,
    demand: pd.DataFrame,
    periods: int,
    origin: TableOrigin,
    problems: ProblemList,
) -> pd.DataFrame | None:
    """The stock table in canonical form (None when not given), or problems added.

    ``demand`` is the clean demand table and ``periods`` the number of the market's
    periods (1 without periods).
    """
    if stock is None:
        return None
    table = "stock"
    if not isinstance(stock, pd.DataFrame):
        problems.add(
            table,
            origin.label,
            None,
            None,
            f"expected a pandas DataFrame, got {type(stock).__name__}",
            "build it with pandas.DataFrame(...) with columns " + ", ".join(STOCK_COLUMNS),
        )
        return None
    if len(stock) == 0:
        problems.add(table, origin.label, None, None, "the table has no rows", "leave it out")
        return None
    df = read_headers(stock, table, origin, STOCK_COLUMNS, problems)
    if df is None:
        return None
    column_problems(df, table, origin, ["product"], STOCK_COLUMNS, problems)
    if "product" not in df.columns:
        return None
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    out["product"] = text_column(df, "product", table, origin, problems, required=True)
    defaults = {"initial_t": 0.0, "min_t": np.nan, "min_days": np.nan, "max_t": np.inf}
    for col in STOCK_COLUMNS[1:]:
        if col not in df.columns:
            out[col] = defaults.get(col, 0.0)
            continue
        unlimited = col == "max_t"
        out[col] = number_column(
            df,
            col,
            table,
            origin,
            problems,
            blank=defaults.get(col, 0.0),
            infinite_ok=unlimited,
            unlimited_ok=unlimited,
        )
    duplicate_problems(out, ["product"], df, table, origin, problems)
    _row_problems(out, df, demand, periods, origin, problems)
    return out


def _row_problems(
    out: pd.DataFrame,
    df: pd.DataFrame,
    demand: pd.DataFrame,
    periods: int,
    origin: TableOrigin,
    problems: ProblemList,
) -> None:
    """Checks within a row and against demand: products, floors against limits, periods."""
    demanded = list(pd.unique(demand["product"]))
    rows_of = demand.groupby("product", sort=False).size()
    for i in range(len(out)):
        where = origin.where(df.index[i], i)
        product, max_t = out["product"].iat[i], float(out["max_t"].iat[i])
        min_t, min_days = float(out["min_t"].iat[i]), float(out["min_days"].iat[i])
        if product is not None and product not in demanded:
            close = difflib.get_close_matches(str(product), [str(p) for p in demanded], n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"demanded products: {demanded}"
            problems.add("stock", where, "product", product, "nobody demands this product", hint)
        elif product is not None and int(rows_of.get(product, 0)) < periods:
            problems.add(
                "stock",
                where,
                "product",
                product,
                f"has demand in {int(rows_of[product])} of the market's {periods} periods",
                "a stocked product needs a demand row in every period (0 t is fine)",
            )
        if np.isfinite(min_t) and np.isfinite(min_days):
            problems.add(
                "stock",
                where,
                "min_days",
                df["min_days"].iat[i],
                "a floor in tonnes (min_t) and in days (min_days) on one row",
                "give one of them",
            )
        elif np.isfinite(min_t) and min_t > max_t:
            problems.add(
                "stock",
                where,
                "min_t",
                df["min_t"].iat[i],
                f"the floor is above max_t={max_t:g}",
                "lower the floor or raise max_t",
            )
        elif np.isfinite(min_days) and product in demanded:
            top = float(demand.loc[demand["product"] == product, "demand_t"].max())
            floor = min_days / DAYS_PER_PERIOD * top
            if floor > max_t:
                problems.add(
                    "stock",
                    where,
                    "min_days",
                    df["min_days"].iat[i],
                    f"{min_days:g} days of the largest period's demand ({top:g} t) is "
                    f"{floor:g} t, above max_t={max_t:g}",
                    "lower the floor or raise max_t",
                )


def lead_times(
    offers: pd.DataFrame, origin: TableOrigin, problems: ProblemList
) -> tuple[np.ndarray, str | None]:
    """Each offer's lead time in periods (0 where blank or not given), and its column.

    ``offers`` is the clean offers table, which keeps columns the model does not know; the
    column is found by its label without regard to case or surrounding spaces.
    """
    found = [c for c in offers.columns if str(c).strip().lower() == LEAD_TIME]
    if not found:
        return np.zeros(len(offers), dtype=np.int64), None
    col = found[0]
    frame = offers[[col]].rename(columns={col: LEAD_TIME})
    values = number_column(
        frame, LEAD_TIME, "offers", origin, problems, blank=0.0, infinite_ok=False
    )
    whole = np.isfinite(values) & (values == np.floor(values))
    for i in np.flatnonzero(np.isfinite(values) & ~whole):
        problems.add(
            "offers",
            origin.where(offers.index[i], i),
            LEAD_TIME,
            offers[col].iat[i],
            "must be a whole number of periods",
            "round it to a whole number of periods (0: arrives in the period bought)",
        )
    clean = np.where(whole & (values >= 0), values, 0.0)
    return clean.astype(np.int64), str(col)


def stock_data(
    stock: pd.DataFrame | None,
    lead: np.ndarray,
    enc: Encoded,
    offers: pd.DataFrame,
    origin: TableOrigin,
) -> StockData:
    """`StockData` of a checked market; warns about offers that cannot arrive in time."""
    n_periods = int(enc.demand_period_code.max()) + 1
    n_products = len(enc.labels["product"])
    table = np.full((n_products, n_periods + 1), -1, dtype=np.int64)
    product_of = {p: k for k, p in enumerate(enc.labels["product"])}
    codes = np.array([product_of.get(p, -1) for p in enc.demand_product], dtype=np.int64)
    table[codes, enc.demand_period_code] = np.arange(len(enc.demand_t))
    period = enc.demand_period_code[np.maximum(enc.group, 0)]
    arrive = np.minimum(period + lead, n_periods)
    arrival = np.where(enc.group >= 0, table[enc.codes["product"], arrive], -1)
    late = np.flatnonzero((enc.group >= 0) & (arrival < 0))
    if len(late):
        shown = ", ".join(origin.where(offers.index[i], i) for i in late[:_SHOWN])
        more = f" and {len(late) - _SHOWN} more" if len(late) > _SHOWN else ""
        warnings.warn(
            f"{shown}{more}: with its lead time, the offer's tonnes would arrive after the "
            "last period (or in a period without demand for the product), so it is not used",
            ReoptWarning,
            stacklevel=4,
        )
    if stock is None:
        stock = pd.DataFrame({c: [] for c in STOCK_COLUMNS})
    return StockData(
        product=readonly(stock["product"].to_numpy(dtype=object)),
        initial_t=readonly(stock["initial_t"].to_numpy(dtype=float)),
        min_t=readonly(stock["min_t"].to_numpy(dtype=float)),
        min_days=readonly(stock["min_days"].to_numpy(dtype=float)),
        max_t=readonly(stock["max_t"].to_numpy(dtype=float)),
        holding_usd_per_kg=readonly(stock["holding_usd_per_kg"].to_numpy(dtype=float)),
        lead=readonly(lead),
        arrival=readonly(arrival.astype(np.int64)),
    )
