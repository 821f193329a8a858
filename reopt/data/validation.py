"""Validation: the checks that turn the user's offers, demand and sources into clean tables.

`validate` runs them in three rounds and raises one `InputError` after each round that found
something: the tables themselves (DataFrames with rows and one readable header, see
`reopt.data.headers`), every cell of every table (columns present, names, codes, numbers,
periods, duplicate keys, sources joined onto offers), then the tables against each other
(periods on both sides, demand only for offered products). Offers for a product nobody
demands are a `ReoptWarning`. The cell-level checks live in `reopt.data.cells`.
`validate_numbers` checks again only the numbers of tables that keep a validated market's
labels (`reopt.Market.replace` with new prices, capacities or demand).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from reopt.data.cells import (
    TableOrigin,
    coded_column,
    duplicate_problems,
    number_column,
    period_column,
    text_column,
)
from reopt.data.cross import check_cross, warn_undemanded
from reopt.data.encoding import Encoded, encode, readonly
from reopt.data.headers import column_problems, read_headers
from reopt.data.labels import JOINABLE, as_given, join_sources
from reopt.data.magnitudes import magnitude_problems
from reopt.errors import ProblemList

__all__ = ["NUMBER_COLUMNS", "validate", "validate_numbers"]

_OFFER_TEXT = ("source", "product", "country", "refined_in", "kind")
_OFFER_NUMBERS = ("capacity_t", "price_usd_per_kg", "min_order_t")
_OFFER_KNOWN = ("source", "product", "period", *_OFFER_TEXT[2:], *_OFFER_NUMBERS)
_DEMAND_KNOWN = ("product", "period", "demand_t")
_SOURCE_KNOWN = ("source", "country", "refined_in", "kind")
_JOINABLE = JOINABLE
#: The label columns: a market whose tables keep them needs its numbers checked only.
_LABELS = ("source", "product", "period", *_JOINABLE)
_KNOWN = {"offers": _OFFER_KNOWN, "demand": _DEMAND_KNOWN, "sources": _SOURCE_KNOWN}
#: The numeric columns of each table (what a file reader may read decimal commas in).
NUMBER_COLUMNS: dict[str, tuple[str, ...]] = {
    "offers": _OFFER_NUMBERS,
    "demand": ("demand_t",),
    "sources": (),
}


def validate(
    offers: object,
    demand: object,
    sources: object,
    origins: dict[str, TableOrigin],
    *,
    timings: dict[str, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, Encoded]:
    """Check the three tables; return them in canonical form, with their encoding.

    Parameters
    ----------
    offers, demand, sources : object
        What the user gave; ``sources`` may be None.
    origins : dict of str to TableOrigin
        How to name the rows of each table in problems.
    timings : dict, optional
        Receives the seconds of each part (``headers``, ``cells``, ``cross``,
        ``magnitudes``, ``encode``), for `reopt.bench.market_build`.

    Returns
    -------
    tuple
        ``(offers, demand, sources, encoded)``, clean.

    Raises
    ------
    InputError
        Listing every problem found: first those of the tables' types, then of every cell,
        then across tables.
    """
    clock = _Clock(timings)
    problems = ProblemList()
    tables: dict[str, pd.DataFrame | None] = {}
    for name, table, required in (
        ("offers", offers, True),
        ("demand", demand, True),
        ("sources", sources, False),
    ):
        if table is None and not required:
            tables[name] = None
        elif not isinstance(table, pd.DataFrame):
            problems.add(
                name,
                origins[name].label,
                None,
                None,
                f"expected a pandas DataFrame, got {type(table).__name__}",
                "build it with pandas.DataFrame(...) or read files with reopt.read_market",
            )
        elif len(table) == 0:
            problems.add(name, origins[name].label, None, None, "the table has no rows")
        else:
            tables[name] = read_headers(table, name, origins[name], _KNOWN[name], problems)
    problems.raise_if_any()
    clock.lap("headers")

    src = None
    if tables["sources"] is not None:
        src = _clean_sources(tables["sources"], origins["sources"], problems)
    coded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    off = _clean_offers(tables["offers"], src, origins["offers"], problems, coded)  # type: ignore[arg-type]
    dem = _clean_demand(tables["demand"], origins["demand"], problems)  # type: ignore[arg-type]
    problems.raise_if_any()
    clock.lap("cells")
    check_cross(off, dem, tables["demand"], origins, problems, coded)  # type: ignore[arg-type]
    clock.lap("cross")
    given = {"offers": (off, tables["offers"]), "demand": (dem, tables["demand"])}
    magnitude_problems(given, origins, problems, coded["product"])  # type: ignore[arg-type]
    problems.raise_if_any()
    offered = coded["product"]
    warn_undemanded(off, dem, tables["offers"], origins["offers"], offered)  # type: ignore[arg-type]
    clock.lap("magnitudes")
    encoded = encode(off, dem, "period" in dem.columns, coded)
    clock.lap("encode")
    return off, dem, src, encoded


class _Clock:
    """Seconds between laps, written into ``timings`` (nothing when it is None)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        if self.timings is not None:
            now = time.perf_counter()
            self.timings[name] = self.timings.get(name, 0.0) + now - self.last
            self.last = now


def validate_numbers(
    offers: pd.DataFrame,
    demand: pd.DataFrame,
    clean: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, Encoded],
    origins: dict[str, TableOrigin],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, Encoded] | None:
    """`validate` for tables that differ from a validated market's ``clean`` ones in numbers only.

    When ``offers`` and ``demand`` have the clean tables' column names, rows and labels
    (every text and period column equal), the checks of names, codes, keys and of the tables
    against each other cannot find anything new: only the numbers are checked again (every
    cell, minimum orders against capacities, magnitudes) and the encoding keeps its codes.

    Returns ``(offers, demand, sources, encoded)`` as `validate` does, or None when a column
    name or a label differs (then run `validate`); raises the `InputError` it would raise.
    """
    off0, dem0, src, enc = clean
    if not (_same_labels(offers, off0, _LABELS) and _same_labels(demand, dem0, _LABELS)):
        return None
    problems = ProblemList()
    off, dem = off0.copy(), dem0.copy()
    _offer_numbers(off, offers, origins["offers"], problems)
    _copy_extras(off, offers, _OFFER_KNOWN)
    dem["demand_t"] = _demand_t(demand, origins["demand"], problems)
    _copy_extras(dem, demand, _DEMAND_KNOWN)
    problems.raise_if_any()
    offered = (enc.codes["product"], enc.labels["product"])
    given = {"offers": (off, offers), "demand": (dem, demand)}
    magnitude_problems(given, origins, problems, offered)
    problems.raise_if_any()
    warn_undemanded(off, dem, offers, origins["offers"], offered)
    arrays: dict[str, Any] = {c: readonly(off[c].to_numpy(dtype=float)) for c in _OFFER_NUMBERS}
    arrays["demand_t"] = readonly(dem["demand_t"].to_numpy(dtype=float))
    return off, dem, src, replace(enc, **arrays)


def _same_labels(new: object, old: pd.DataFrame, labels: tuple[str, ...]) -> bool:
    """Whether ``new`` has ``old``'s column names and rows, and its values in ``labels``."""
    if not isinstance(new, pd.DataFrame) or list(new.columns) != list(old.columns):
        return False
    return len(new) == len(old) and all(
        new[col].reset_index(drop=True).equals(old[col]) for col in labels if col in old.columns
    )


def _clean_sources(df: pd.DataFrame, origin: TableOrigin, problems: ProblemList) -> pd.DataFrame:
    column_problems(df, "sources", origin, ["source"], _SOURCE_KNOWN, problems)
    if "source" not in df.columns:
        return df
    out = df.copy()
    out.columns = [str(c) for c in out.columns]
    out["source"] = text_column(df, "source", "sources", origin, problems, required=True)
    for col in _JOINABLE:
        if col in df.columns:
            text = text_column(df, col, "sources", origin, problems, required=False)
            out[col] = coded_column(text, df, col, "sources", origin, problems)
    duplicate_problems(out, ["source"], df, "sources", origin, problems)
    return out.reset_index(drop=True)


def _clean_offers(
    df: pd.DataFrame,
    sources: pd.DataFrame | None,
    origin: TableOrigin,
    problems: ProblemList,
    coded: dict[str, tuple[np.ndarray, np.ndarray]],
) -> pd.DataFrame:
    """The clean offers; ``coded`` receives the codes of every label column (see `encode`).

    A label column that cleaning leaves unchanged is kept as given (shared, not copied, where
    pandas copies on write), so that a large table is not held twice.
    """
    required = ["source", "product", "capacity_t", "price_usd_per_kg"]
    if sources is None or "country" not in sources.columns:
        required.insert(2, "country")
    column_problems(df, "offers", origin, required, _OFFER_KNOWN, problems)
    if any(col not in df.columns for col in required):
        return df
    same: set[str] = set()
    for col in ("source", "product"):
        text_column(df, col, "offers", origin, problems, required=True, coded=coded, same=same)
    if "period" in df.columns:
        period_column(df, "offers", origin, problems, coded)
    for col in _JOINABLE:
        if col in df.columns:
            text = text_column(
                df, col, "offers", origin, problems, required=False, coded=coded, same=same
            )
            coded_column(text, df, col, "offers", origin, problems, coded, same=same)
        else:
            coded[col] = (np.full(len(df), -1, dtype=np.int64), np.empty(0, dtype=object))
    join_sources(coded, df, sources, origin, problems)
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    for col in ("source", "product", "period", *_JOINABLE):
        if col in same:
            out[col] = as_given(df[col])
        elif col in coded:
            codes, labels = coded[col]
            out[col] = np.concatenate([labels, np.array([None])])[codes]
    _offer_numbers(out, df, origin, problems)
    keys = ["source", "product"] + (["period"] if "period" in out.columns else [])
    key_codes = [coded[k][0] for k in keys]
    duplicate_problems(out, keys, df, "offers", origin, problems, key_codes)
    _copy_extras(out, df, _OFFER_KNOWN)
    return out


def _offer_numbers(
    out: pd.DataFrame, df: pd.DataFrame, origin: TableOrigin, problems: ProblemList
) -> None:
    """The offers' numbers from ``df`` into ``out``: capacities, prices, minimum orders."""
    out["capacity_t"] = number_column(
        df,
        "capacity_t",
        "offers",
        origin,
        problems,
        blank=np.inf,
        infinite_ok=True,
        unlimited_ok=True,
    )
    out["price_usd_per_kg"] = number_column(
        df, "price_usd_per_kg", "offers", origin, problems, blank=None, infinite_ok=False
    )
    if "min_order_t" in df.columns:
        out["min_order_t"] = number_column(
            df, "min_order_t", "offers", origin, problems, blank=0.0, infinite_ok=False
        )
        too_big = out["min_order_t"].to_numpy() > out["capacity_t"].to_numpy()
        for i in np.flatnonzero(too_big):
            problems.add(
                "offers",
                origin.where(df.index[i], i),
                "min_order_t",
                df["min_order_t"].iloc[i],
                f"larger than capacity_t={out['capacity_t'].iloc[i]:g}",
                "lower the minimum order or raise the capacity",
            )
    else:
        out["min_order_t"] = 0.0


def _copy_extras(out: pd.DataFrame, df: pd.DataFrame, known: tuple[str, ...]) -> None:
    """Columns the model does not know, kept as given."""
    for col in [str(c) for c in df.columns if str(c) not in known]:
        out[col] = df[col].to_numpy()


def _clean_demand(df: pd.DataFrame, origin: TableOrigin, problems: ProblemList) -> pd.DataFrame:
    column_problems(df, "demand", origin, ["product", "demand_t"], _DEMAND_KNOWN, problems)
    if "product" not in df.columns or "demand_t" not in df.columns:
        return df
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    out["product"] = text_column(df, "product", "demand", origin, problems, required=True)
    if "period" in df.columns:
        out["period"] = period_column(df, "demand", origin, problems)
    out["demand_t"] = _demand_t(df, origin, problems)
    keys = ["product"] + (["period"] if "period" in out.columns else [])
    duplicate_problems(out, keys, df, "demand", origin, problems)
    _copy_extras(out, df, _DEMAND_KNOWN)
    return out


def _demand_t(df: pd.DataFrame, origin: TableOrigin, problems: ProblemList) -> np.ndarray:
    return number_column(df, "demand_t", "demand", origin, problems, blank=None, infinite_ok=False)
