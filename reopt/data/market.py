"""`Market`: the validated, immutable inputs of a purchasing plan (offers and demand).

A market is built from pandas tables in the canonical form below, or read from files by
`reopt.read_market`. Building it checks every cell and raises one `InputError` that lists
every problem found; a `Market` that exists is valid.

``offers``, one row per (source, product[, period]):

=====================  ========================================================================
column                 meaning
=====================  ========================================================================
``source``             id of a supplier or supply route (required)
``product``            e.g. ``"NdPr oxide"`` (required)
``period``             optional; ordered periods (integers, or text in the order of ``demand``)
``country``            ISO 3166-1 alpha-2 code where the material is mined or recovered
                       (required, here or in ``sources``)
``refined_in``         ISO alpha-2 code where it is separated/refined (default: ``country``)
``kind``               mine, refinery, recycler, stockpile, spot or other (default: other)
``capacity_t``         tonnes available per period, >= 0; blank, NaN or inf = unlimited
``price_usd_per_kg``   delivered price, >= 0 (required)
``min_order_t``        if bought at all, at least this many tonnes (default 0)
=====================  ========================================================================

``demand``, one row per (product[, period]): ``demand_t`` >= 0.

``sources`` (optional), one row per ``source``: ``country``, ``refined_in``, ``kind`` and any
other columns (``name``, ...); joined onto the offers that do not state them.

Other columns (citations, notes) are kept and ignored by the model.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from reopt.data.countries import is_country_code, suggest_country
from reopt.errors import ProblemList

__all__ = ["KINDS", "Market", "TableOrigin"]

#: The kinds of source reopt knows; ``other`` is the default.
KINDS: tuple[str, ...] = ("mine", "refinery", "recycler", "stockpile", "spot", "other")

_OFFER_TEXT = ("source", "product", "country", "refined_in", "kind")
_OFFER_NUMBERS = ("capacity_t", "price_usd_per_kg", "min_order_t")
_OFFER_KNOWN = ("source", "product", "period", *_OFFER_TEXT[2:], *_OFFER_NUMBERS)
_DEMAND_KNOWN = ("product", "period", "demand_t")
_SOURCE_KNOWN = ("source", "country", "refined_in", "kind")
_JOINABLE = ("country", "refined_in", "kind")


@dataclass(frozen=True)
class TableOrigin:
    """Where a table came from, so that problems name rows the way the user numbers them.

    Attributes
    ----------
    label : str
        ``"offers"`` for a DataFrame, ``"offers.csv"`` or ``"market.xlsx sheet 'offers'"``.
    row_word : str
        ``"row"`` or ``"line"``.
    first_row : int or None
        The number the user sees for the first data row (2 in a CSV or sheet with a header
        line); ``None`` for a DataFrame, whose rows are named by their index labels.
    """

    label: str
    row_word: str = "row"
    first_row: int | None = None

    def where(self, index_label: Hashable, position: int | np.integer) -> str:
        """The user's name for the row at ``position`` (0-based) with index ``index_label``."""
        if self.first_row is None:
            return f"{self.label} row {index_label!r}"
        return f"{self.label} {self.row_word} {self.first_row + int(position)}"


@dataclass(frozen=True)
class Encoded:
    """Integer codes of a market, computed once, shared by the compiler and results.

    ``*_code`` arrays have one entry per offer and index into the matching ``*_labels``.
    ``group`` gives each offer's row in ``demand`` (-1 when nobody demands its product), and
    ``by_group`` lists the offers that have one, ordered by it (a stable sort, done once).
    """

    price_usd_per_kg: np.ndarray
    capacity_t: np.ndarray
    min_order_t: np.ndarray
    demand_t: np.ndarray
    demand_product: np.ndarray
    group: np.ndarray
    by_group: np.ndarray
    demand_period_code: np.ndarray
    codes: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]


class Market:
    """Validated, immutable purchasing market: who offers what at which price, and demand.

    Parameters
    ----------
    offers : pandas.DataFrame
        One row per (source, product[, period]); columns as in the module documentation.
    demand : pandas.DataFrame
        One row per (product[, period]) with ``demand_t``.
    sources : pandas.DataFrame, optional
        One row per source with ``country``, ``refined_in``, ``kind`` (and any other
        columns), joined onto offers that do not state them.

    Raises
    ------
    InputError
        Listing every problem found in the three tables.

    Examples
    --------
    >>> import pandas as pd
    >>> offers = pd.DataFrame({
    ...     "source": ["china", "lynas"], "product": ["NdPr oxide"] * 2,
    ...     "country": ["CN", "AU"], "refined_in": ["CN", "MY"],
    ...     "capacity_t": [None, 3000.0], "price_usd_per_kg": [69.0, 90.0]})
    >>> demand = pd.DataFrame({"product": ["NdPr oxide"], "demand_t": [5500.0]})
    >>> Market(offers, demand)
    Market(2 offers from 2 sources, 1 product, demand 5,500 t)
    """

    __slots__ = ("_demand", "_encoded", "_offers", "_origins", "_sources")
    _offers: pd.DataFrame
    _demand: pd.DataFrame
    _sources: pd.DataFrame | None
    _encoded: Encoded
    _origins: dict[str, TableOrigin]

    def __init__(
        self,
        offers: pd.DataFrame,
        demand: pd.DataFrame,
        sources: pd.DataFrame | None = None,
        *,
        origins: dict[str, TableOrigin] | None = None,
    ) -> None:
        where = {
            "offers": TableOrigin("offers"),
            "demand": TableOrigin("demand"),
            "sources": TableOrigin("sources"),
        }
        where.update(origins or {})
        canonical = _validate(offers, demand, sources, where)
        object.__setattr__(self, "_offers", canonical[0])
        object.__setattr__(self, "_demand", canonical[1])
        object.__setattr__(self, "_sources", canonical[2])
        object.__setattr__(self, "_encoded", canonical[3])
        object.__setattr__(self, "_origins", where)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Market is immutable; build a new one (see Market.replace)")

    def __reduce__(self) -> tuple[type[Market], tuple[object, ...]]:
        """Pickle by its clean tables (validated again when unpickled)."""
        return (Market, (self._offers, self._demand, self._sources))

    # --- the tables, as copies -------------------------------------------------------------
    @property
    def offers(self) -> pd.DataFrame:
        """The offers in canonical form (a copy): one row per (source, product[, period])."""
        return self._offers.copy()

    @property
    def demand(self) -> pd.DataFrame:
        """Demand in canonical form (a copy): one row per (product[, period])."""
        return self._demand.copy()

    @property
    def sources(self) -> pd.DataFrame | None:
        """The sources table as given (validated, a copy), or None."""
        return None if self._sources is None else self._sources.copy()

    # --- facts about the market --------------------------------------------------------------
    @property
    def has_periods(self) -> bool:
        """True when offers and demand carry a ``period`` column."""
        return "period" in self._demand.columns

    @property
    def products(self) -> tuple[str, ...]:
        """Products with demand, in the order of the demand table."""
        return tuple(pd.unique(self._demand["product"]))

    @property
    def periods(self) -> tuple[Any, ...]:
        """Periods in order (empty when the market has none)."""
        if not self.has_periods:
            return ()
        return tuple(self.encoded.labels["period"])

    @property
    def n_offers(self) -> int:
        """Number of offers."""
        return len(self._offers)

    @property
    def key_columns(self) -> list[str]:
        """Columns that identify an offer: source, product[, period]."""
        return ["source", "product", "period"] if self.has_periods else ["source", "product"]

    @property
    def demand_keys(self) -> list[str]:
        """Columns that identify a demand row: product[, period]."""
        return ["product", "period"] if self.has_periods else ["product"]

    @property
    def is_mip(self) -> bool:
        """True when some offer has a minimum order, which makes the model a MILP."""
        return bool((self.encoded.min_order_t > 0).any())

    def replace(
        self,
        *,
        offers: pd.DataFrame | None = None,
        demand: pd.DataFrame | None = None,
        sources: pd.DataFrame | None = None,
    ) -> Market:
        """A new market with some tables replaced (validated again).

        Examples
        --------
        >>> import reopt
        >>> m = reopt.datasets.japan_2025()
        >>> bigger = m.replace(demand=m.demand.assign(demand_t=m.demand["demand_t"] * 1.1))
        >>> round(float(bigger.demand["demand_t"].sum() / m.demand["demand_t"].sum()), 6)
        1.1
        """
        return Market(
            self._offers if offers is None else offers,
            self._demand if demand is None else demand,
            self._sources if sources is None else sources,
        )

    @property
    def encoded(self) -> Encoded:
        """Integer codes and numeric arrays (read-only), made once when the market is built."""
        return self._encoded

    def __repr__(self) -> str:
        n_src = self._offers["source"].nunique()
        n_prod = len(self.products)
        total = float(self._demand["demand_t"].sum())
        periods = f", {len(self.periods)} periods" if self.has_periods else ""
        return (
            f"Market({self.n_offers:,} offer{'s' * (self.n_offers != 1)} from {n_src:,} "
            f"source{'s' * (n_src != 1)}, {n_prod} product{'s' * (n_prod != 1)}{periods}, "
            f"demand {total:,.0f} t)"
        )


# ------------------------------------------------------------------------------------------
# validation
# ------------------------------------------------------------------------------------------
def _validate(
    offers: object,
    demand: object,
    sources: object,
    origins: dict[str, TableOrigin],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, Encoded]:
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
            tables[name] = table
    problems.raise_if_any()

    src = None
    if tables["sources"] is not None:
        src = _clean_sources(tables["sources"], origins["sources"], problems)
    coded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    off = _clean_offers(tables["offers"], src, origins["offers"], problems, coded)  # type: ignore[arg-type]
    dem = _clean_demand(tables["demand"], origins["demand"], problems)  # type: ignore[arg-type]
    problems.raise_if_any()
    _check_cross(off, dem, tables["demand"], origins, problems)  # type: ignore[arg-type]
    problems.raise_if_any()
    return off, dem, src, _encode(off, dem, "period" in dem.columns, coded)


def _column_problems(
    df: pd.DataFrame,
    table: str,
    origin: TableOrigin,
    required: Sequence[str],
    known: Sequence[str],
    problems: ProblemList,
) -> None:
    """Missing required columns, and unknown columns that look like misspelt known ones."""
    present = [str(c) for c in df.columns]
    for col in required:
        if col not in present:
            close = difflib.get_close_matches(col, present, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"columns present: {present}"
            problems.add(table, origin.label, col, None, "required column is missing", hint)
    for col in present:
        if col in known:
            continue
        close = difflib.get_close_matches(col, list(known), n=1, cutoff=0.75)
        if close and close[0] not in present:
            problems.add(
                table,
                origin.label,
                col,
                None,
                "unknown column that looks like a known one",
                f"did you mean {close[0]!r}? (units are part of the name)",
            )
    dupes = sorted({c for c in present if present.count(c) > 1})
    for col in dupes:
        problems.add(table, origin.label, col, None, "column appears more than once")


def _factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes per row and the distinct values, so that checks run once per distinct value.

    Missing cells (None, NaN) get code -1; the returned list of distinct values has one
    extra slot at the end, so that indexing it with the codes maps missing cells there.
    """
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    return codes, np.concatenate([np.asarray(uniques, dtype=object), np.array([None])])


def _text_column(
    df: pd.DataFrame,
    col: str,
    table: str,
    origin: TableOrigin,
    problems: ProblemList,
    *,
    required: bool,
    coded: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> np.ndarray:
    """Stripped text per row (None where empty); integers become text (ids such as 101).

    With ``coded``, also records ``coded[col] = (codes, labels)``: an integer code per row
    (-1 where empty) into the distinct cleaned values, for the market's encoding.
    """
    codes, distinct = _factorize(df[col])
    clean = np.empty(len(distinct), dtype=object)
    state = np.zeros(len(distinct), dtype=np.int8)  # 0 fine, 1 empty, 2 not text
    for k, value in enumerate(distinct[:-1]):
        if isinstance(value, str):
            clean[k] = value.strip() or None
            state[k] = 0 if clean[k] else 1
        elif isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
            clean[k] = str(value)
        else:
            state[k] = 2
    state[-1] = 1
    per_row = state[codes]
    for i in np.flatnonzero(per_row == 2):
        problems.add(table, origin.where(df.index[i], i), col, df[col].iloc[i], "expected text")
    if required:
        for i in np.flatnonzero(per_row == 1):
            problems.add(table, origin.where(df.index[i], i), col, None, "missing value")
    if coded is not None:
        coded[col] = _recode(codes, clean)
    return clean[codes]


def _recode(codes: np.ndarray, distinct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row codes into the distinct values of ``distinct[codes]`` (which may repeat or be None)."""
    merged, labels = pd.factorize(distinct, use_na_sentinel=True)
    return merged[codes].astype(np.int64), np.asarray(labels, dtype=object)


def _number_column(
    df: pd.DataFrame,
    col: str,
    table: str,
    origin: TableOrigin,
    problems: ProblemList,
    *,
    blank: float | None,
    infinite_ok: bool,
) -> np.ndarray:
    """Parse a numeric column; ``blank`` is the value of an empty cell (None: not allowed)."""
    values = df[col]
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        numbers = values.to_numpy(dtype=float, na_value=np.nan).copy()
        missing = np.isnan(numbers)
        unparsed = np.zeros(len(values), dtype=bool)
    else:
        codes, distinct = _factorize(values)
        parsed = np.full(len(distinct), np.nan)
        state = np.zeros(len(distinct), dtype=np.int8)  # 0 fine, 1 empty, 2 not a number
        for k, value in enumerate(distinct[:-1]):
            parsed[k], state[k] = _parse_number(value)
        state[-1] = 1
        numbers = parsed[codes]
        missing, unparsed = state[codes] == 1, state[codes] == 2
    for i in np.flatnonzero(unparsed):
        raw = values.iloc[i]
        where = origin.where(df.index[i], i)
        problems.add(table, where, col, raw, "not a number", _number_hint(raw, col))
    if blank is None:
        for i in np.flatnonzero(missing):
            problems.add(table, origin.where(df.index[i], i), col, None, "missing value")
    else:
        numbers[missing] = blank
    if not infinite_ok:
        for i in np.flatnonzero(np.isinf(numbers)):
            problems.add(table, origin.where(df.index[i], i), col, values.iloc[i], "must be finite")
    for i in np.flatnonzero(numbers < 0):
        problems.add(table, origin.where(df.index[i], i), col, values.iloc[i], "must be >= 0")
    return numbers


def _parse_number(value: object) -> tuple[float, int]:
    """(number, state) with state 0 fine, 1 empty, 2 not a number."""
    if isinstance(value, (bool, np.bool_)):
        return np.nan, 2
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return np.nan, 1
        try:
            number = float(text)
        except ValueError:
            return np.nan, 2
        return (number, 0) if not math.isnan(number) else (np.nan, 1)
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        return (number, 0) if not math.isnan(number) else (np.nan, 1)
    return np.nan, 2


def _number_hint(raw: object, col: str) -> str:
    if isinstance(raw, (bool, np.bool_)):
        return "a number is expected, not True/False"
    if not isinstance(raw, str):
        return ""
    text = raw.strip()
    if text.endswith("%"):
        return "write the number without '%'"
    if "," in text and text.replace(",", "").replace(".", "", 1).isdigit():
        return f"remove the thousands separator: {text.replace(',', '')}"
    stripped = text.rstrip("abcdefghijklmnopqrstuvwxyz$/ ").lstrip("$ ")
    if stripped and stripped != text:
        try:
            float(stripped)
        except ValueError:
            pass
        else:
            unit = col.split("_", 1)[1] if "_" in col else ""
            return f"write the number only ({stripped}); the unit ({unit}) is in the column name"
    return ""


def _coded_column(
    values: np.ndarray,
    df: pd.DataFrame,
    col: str,
    table: str,
    origin: TableOrigin,
    problems: ProblemList,
    coded: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> np.ndarray:
    """Country codes (upper case, ISO alpha-2) or kinds (lower case, one of `KINDS`)."""
    codes, distinct = _factorize(pd.Series(values, dtype=object))
    fixed = np.array(
        [v.lower() if col == "kind" else v.upper() for v in distinct[:-1]] + [None],
        dtype=object,
    )
    for k, value in enumerate(fixed[:-1]):
        if col == "kind":
            if value in KINDS:
                continue
            close = difflib.get_close_matches(value, KINDS, n=1, cutoff=0.6)
            rule = "unknown kind"
            hint = f"did you mean {close[0]!r}?" if close else f"one of {', '.join(KINDS)}"
        else:
            if is_country_code(value):
                continue
            rule = "not an ISO 3166-1 alpha-2 country code"
            hint = suggest_country(str(distinct[k]))
        for i in np.flatnonzero(codes == k):
            problems.add(table, origin.where(df.index[i], i), col, df[col].iloc[i], rule, hint)
    if coded is not None:
        coded[col] = _recode(codes, fixed)
    return fixed[codes]


def _period_column(
    df: pd.DataFrame, table: str, origin: TableOrigin, problems: ProblemList
) -> np.ndarray:
    """Periods are all integers or all text; integer-valued floats (from Excel) become ints."""
    codes, distinct = _factorize(df["period"])
    fixed = np.array([_as_period(v) for v in distinct[:-1]] + [None], dtype=object)
    empty = np.array([v is None or (isinstance(v, str) and not v) for v in fixed])
    fixed[empty] = None
    for i in np.flatnonzero(empty[codes]):
        problems.add(table, origin.where(df.index[i], i), "period", None, "missing value")
    kinds = {type(v).__name__ for v in fixed if v is not None}
    if len(kinds) > 1 or kinds - {"int", "str"}:
        first = next(k for k, v in enumerate(fixed) if v is not None and not isinstance(v, int))
        at = int(np.flatnonzero(codes == first)[0])
        problems.add(
            table,
            origin.where(df.index[at], at),
            "period",
            df["period"].iloc[at],
            "periods must be all integers or all text",
            "use 2025, 2026, ... or labels such as '2025Q1'",
        )
    return fixed[codes]


def _as_period(value: object) -> object:
    if isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        return int(text) if text.lstrip("-").isdigit() else text
    return value


def _duplicate_problems(
    frame: pd.DataFrame,
    keys: list[str],
    df: pd.DataFrame,
    table: str,
    origin: TableOrigin,
    problems: ProblemList,
) -> None:
    dup = frame.duplicated(keys, keep=False).to_numpy()
    if not dup.any():
        return
    first: dict[tuple[object, ...], int | np.integer] = {}
    for i in np.flatnonzero(dup):
        key = tuple(frame[k].iloc[i] for k in keys)
        if key in first:
            j = first[key]
            problems.add(
                table,
                origin.where(df.index[i], i),
                ", ".join(keys),
                key if len(key) > 1 else key[0],
                "duplicate key",
                f"same as {origin.where(df.index[j], j)}; merge the rows or tell them apart",
            )
        else:
            first[key] = i


def _clean_sources(df: pd.DataFrame, origin: TableOrigin, problems: ProblemList) -> pd.DataFrame:
    _column_problems(df, "sources", origin, ["source"], _SOURCE_KNOWN, problems)
    if "source" not in df.columns:
        return df
    out = df.copy()
    out.columns = [str(c) for c in out.columns]
    out["source"] = _text_column(df, "source", "sources", origin, problems, required=True)
    for col in _JOINABLE:
        if col in df.columns:
            text = _text_column(df, col, "sources", origin, problems, required=False)
            out[col] = _coded_column(text, df, col, "sources", origin, problems)
    _duplicate_problems(out, ["source"], df, "sources", origin, problems)
    return out.reset_index(drop=True)


def _clean_offers(
    df: pd.DataFrame,
    sources: pd.DataFrame | None,
    origin: TableOrigin,
    problems: ProblemList,
    coded: dict[str, tuple[np.ndarray, np.ndarray]],
) -> pd.DataFrame:
    required = ["source", "product", "capacity_t", "price_usd_per_kg"]
    if sources is None or "country" not in sources.columns:
        required.insert(2, "country")
    _column_problems(df, "offers", origin, required, _OFFER_KNOWN, problems)
    if any(col not in df.columns for col in required):
        return df
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    for col in ("source", "product"):
        out[col] = _text_column(df, col, "offers", origin, problems, required=True, coded=coded)
    if "period" in df.columns:
        out["period"] = _period_column(df, "offers", origin, problems)
    for col in _JOINABLE:
        if col in df.columns:
            text = _text_column(df, col, "offers", origin, problems, required=False)
            out[col] = _coded_column(text, df, col, "offers", origin, problems, coded)
        else:
            out[col] = np.full(len(df), None, dtype=object)
    if sources is not None or out["refined_in"].isna().any() or out["kind"].isna().any():
        for col in _JOINABLE:  # joined or defaulted below: encode the final values instead
            coded.pop(col, None)
    _join_sources(out, df, sources, origin, problems)

    out["capacity_t"] = _number_column(
        df, "capacity_t", "offers", origin, problems, blank=np.inf, infinite_ok=True
    )
    out["price_usd_per_kg"] = _number_column(
        df, "price_usd_per_kg", "offers", origin, problems, blank=None, infinite_ok=False
    )
    if "min_order_t" in df.columns:
        out["min_order_t"] = _number_column(
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
    keys = ["source", "product"] + (["period"] if "period" in out.columns else [])
    _duplicate_problems(out, keys, df, "offers", origin, problems)

    extras = [str(c) for c in df.columns if str(c) not in _OFFER_KNOWN]
    for col in extras:
        out[col] = df[col].to_numpy()
    return out


def _join_sources(
    out: pd.DataFrame,
    df: pd.DataFrame,
    sources: pd.DataFrame | None,
    origin: TableOrigin,
    problems: ProblemList,
) -> None:
    """Fill country/refined_in/kind from ``sources``; defaults; conflicts are problems."""
    if sources is not None and "source" in sources.columns:
        table = sources.drop_duplicates("source").set_index("source")
        known = out["source"].isin(table.index).to_numpy()
        for col in _JOINABLE:
            if col not in table.columns:
                continue
            joined = out["source"].map(table[col]).to_numpy()
            mine = out[col].to_numpy()
            conflict = known & pd.notna(mine) & pd.notna(joined) & (mine != joined)
            for i in np.flatnonzero(conflict):
                problems.add(
                    "offers",
                    origin.where(df.index[i], i),
                    col,
                    mine[i],
                    f"differs from the sources table ({joined[i]!r} for {out['source'][i]!r})",
                    "state it in one table only",
                )
            out[col] = np.where(pd.isna(mine), joined, mine)
        unknown = ~known & out["country"].isna().to_numpy() & out["source"].notna().to_numpy()
        for i in np.flatnonzero(unknown):
            problems.add(
                "offers",
                origin.where(df.index[i], i),
                "source",
                out["source"][i],
                "not in the sources table, and the offer has no country",
                "add the source to sources, or a country to the offer",
            )
    else:
        for i in np.flatnonzero(out["country"].isna().to_numpy()):
            problems.add("offers", origin.where(df.index[i], i), "country", None, "missing value")
    out["refined_in"] = out["refined_in"].where(out["refined_in"].notna(), out["country"])
    out["kind"] = out["kind"].where(out["kind"].notna(), "other")


def _clean_demand(df: pd.DataFrame, origin: TableOrigin, problems: ProblemList) -> pd.DataFrame:
    _column_problems(df, "demand", origin, ["product", "demand_t"], _DEMAND_KNOWN, problems)
    if "product" not in df.columns or "demand_t" not in df.columns:
        return df
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    out["product"] = _text_column(df, "product", "demand", origin, problems, required=True)
    if "period" in df.columns:
        out["period"] = _period_column(df, "demand", origin, problems)
    out["demand_t"] = _number_column(
        df, "demand_t", "demand", origin, problems, blank=None, infinite_ok=False
    )
    keys = ["product"] + (["period"] if "period" in out.columns else [])
    _duplicate_problems(out, keys, df, "demand", origin, problems)
    for col in [str(c) for c in df.columns if str(c) not in _DEMAND_KNOWN]:
        out[col] = df[col].to_numpy()
    return out


def _check_cross(
    offers: pd.DataFrame,
    demand: pd.DataFrame,
    demand_input: pd.DataFrame,
    origins: dict[str, TableOrigin],
    problems: ProblemList,
) -> None:
    """Checks across tables: periods on both sides, demand for products somebody offers."""
    has_o, has_d = "period" in offers.columns, "period" in demand.columns
    if has_o != has_d:
        with_p, without = ("offers", "demand") if has_o else ("demand", "offers")
        problems.add(
            without,
            origins[without].label,
            "period",
            None,
            f"{with_p} has a period column but {without} has none",
            "give both tables a period column, or neither",
        )
        return
    keys = ["product", "period"] if has_d else ["product"]
    offered = set(map(tuple, offers[keys].to_numpy().tolist()))
    products = sorted(set(offers["product"]))
    origin = origins["demand"]
    for i, key in enumerate(map(tuple, demand[keys].to_numpy().tolist())):
        if key in offered:
            continue
        product = key[0]
        if product in set(products):
            rule = f"nobody offers {product!r} in period {key[1]!r}"
            hint = "add offers for that period or drop the demand row"
        else:
            rule = f"nobody offers {product!r}"
            close = difflib.get_close_matches(product, products, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"offered products: {products}"
        where = origin.where(demand_input.index[i], i)
        problems.add("demand", where, "product", product, rule, hint)
    if has_d:
        periods_o = offers["period"].dropna()
        periods_d = demand["period"].dropna()
        if len(periods_o) and len(periods_d):
            kinds = {type(periods_o.iloc[0]).__name__, type(periods_d.iloc[0]).__name__}
            if len(kinds) > 1:
                problems.add(
                    "demand",
                    origin.label,
                    "period",
                    None,
                    "periods are integers in one table and text in the other",
                    "use the same period labels in offers and demand",
                )


# ------------------------------------------------------------------------------------------
# encoding
# ------------------------------------------------------------------------------------------
def readonly(a: np.ndarray) -> np.ndarray:
    """``a`` as a contiguous array that cannot be written to (arrays in values are shared)."""
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


def _encode(
    offers: pd.DataFrame,
    demand: pd.DataFrame,
    has_periods: bool,
    known: dict[str, tuple[np.ndarray, np.ndarray]],
) -> Encoded:
    """Integer codes per offer for every label column, and each offer's demand row.

    ``known`` holds codes the validation already computed; other columns are factorised.
    """
    codes: dict[str, np.ndarray] = {}
    labels: dict[str, np.ndarray] = {}
    for col in ("source", "product", "country", "refined_in", "kind"):
        if col in known:
            code, uniques = known[col]
        else:
            code, uniques = pd.factorize(offers[col].to_numpy(dtype=object))
        codes[col] = readonly(code.astype(np.int64))
        labels[col] = readonly(np.asarray(uniques, dtype=object))
    product_of = {p: i for i, p in enumerate(labels["product"])}
    demand_product = demand["product"].map(product_of).to_numpy(dtype=np.int64)
    if has_periods:
        order = _period_order(demand["period"], offers["period"])
        lookup = {p: i for i, p in enumerate(order)}
        codes["period"] = readonly(offers["period"].map(lookup).to_numpy(dtype=np.int64))
        labels["period"] = readonly(np.asarray(order, dtype=object))
        demand_period = demand["period"].map(lookup).to_numpy(dtype=np.int64)
        offer_period = codes["period"]
    else:
        demand_period = np.zeros(len(demand), dtype=np.int64)
        offer_period = np.zeros(len(offers), dtype=np.int64)
    # each offer's demand row, through a (product, period) -> demand row table
    n_periods = int(demand_period.max()) + 1
    table = np.full((len(labels["product"]), n_periods), -1, dtype=np.int64)
    table[demand_product, demand_period] = np.arange(len(demand))
    group = table[codes["product"], np.minimum(offer_period, n_periods - 1)]
    group[offer_period >= n_periods] = -1
    return Encoded(
        price_usd_per_kg=readonly(offers["price_usd_per_kg"].to_numpy(dtype=float)),
        capacity_t=readonly(offers["capacity_t"].to_numpy(dtype=float)),
        min_order_t=readonly(offers["min_order_t"].to_numpy(dtype=float)),
        demand_t=readonly(demand["demand_t"].to_numpy(dtype=float)),
        demand_product=readonly(demand["product"].to_numpy(dtype=object)),
        group=readonly(group),
        by_group=readonly(_sorted_by(group)),
        demand_period_code=readonly(demand_period),
        codes=codes,
        labels=labels,
    )


def _sorted_by(group: np.ndarray) -> np.ndarray:
    """Offers with a demand row, stably sorted by it (radix sort when codes fit 16 bits)."""
    keep = np.flatnonzero(group >= 0)
    keys = group[keep]
    if len(keys) and keys.max() < np.iinfo(np.uint16).max:
        keys = keys.astype(np.uint16)
    return keep[np.argsort(keys, kind="stable")]


def _period_order(demand_periods: pd.Series, offer_periods: pd.Series) -> list[Any]:
    """Integer periods in numeric order; text periods in order of first appearance."""
    seen = list(dict.fromkeys([*demand_periods.tolist(), *offer_periods.tolist()]))
    if all(isinstance(p, int) for p in seen):
        return sorted(seen)
    return seen
