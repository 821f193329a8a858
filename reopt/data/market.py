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

``stock`` (optional), one row per product held in stock (``initial_t``, ``min_t`` or
``min_days``, ``max_t``, ``holding_usd_per_kg``), and an optional offers' column
``lead_time_periods``: see `reopt.data.stock`. With either, each period's demand is met
from a stock balance instead of that period's purchases alone.

Other columns (citations, notes) are kept and ignored by the model. A column label that differs
from a known one only by spaces or case (``"Price_USD_per_kg "``) is that column.

Names (``source``, ``product``, ``country``, ``refined_in``, ``kind``, text periods, and the
``sources`` keys) are compared as `reopt.data.text` writes them: Unicode NFC, no zero-width
characters, one space for any run of spaces, none at the ends. A name with control characters
or with Cyrillic or Greek letters posing as Latin ones is refused; an offer for a product that
nobody demands is a `ReoptWarning`.

The checks live in `reopt.data.validation` (tables), `reopt.data.headers` (column labels)
and `reopt.data.cells` (cells), the integer encoding in `reopt.data.encoding`, the rules for
country codes and kinds in `reopt.data.filters`; `KINDS`, `TableOrigin`, `Encoded` and
`readonly` are also importable from here.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd

from reopt.data.cells import TableOrigin
from reopt.data.encoding import Encoded, readonly
from reopt.data.filters import KINDS
from reopt.data.stock import StockData, clean_stock, lead_times, stock_data
from reopt.data.validation import validate, validate_numbers
from reopt.errors import ProblemList

__all__ = ["KINDS", "Encoded", "Market", "TableOrigin", "readonly"]


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

    __slots__ = ("_demand", "_encoded", "_offers", "_origins", "_sources", "_stock", "_stock_data")
    _offers: pd.DataFrame
    _demand: pd.DataFrame
    _sources: pd.DataFrame | None
    _encoded: Encoded
    _origins: dict[str, TableOrigin]
    _stock: pd.DataFrame | None
    _stock_data: StockData

    def __init__(
        self,
        offers: pd.DataFrame,
        demand: pd.DataFrame,
        sources: pd.DataFrame | None = None,
        *,
        stock: pd.DataFrame | None = None,
        origins: dict[str, TableOrigin] | None = None,
    ) -> None:
        where = {
            "offers": TableOrigin("offers"),
            "demand": TableOrigin("demand"),
            "sources": TableOrigin("sources"),
            "stock": TableOrigin("stock"),
        }
        where.update(origins or {})
        self._build(validate(offers, demand, sources, where), stock, where)

    def _build(
        self,
        canonical: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, Encoded],
        stock: pd.DataFrame | None,
        where: dict[str, TableOrigin],
    ) -> None:
        """Check the stock table and lead times against validated tables, and keep them all."""
        problems = ProblemList()
        periods = len(canonical[3].labels.get("period", [None]))
        held = clean_stock(stock, canonical[1], periods, where["stock"], problems)
        lead, _ = lead_times(canonical[0], where["offers"], problems)
        problems.raise_if_any()
        held_data = stock_data(held, lead, canonical[3], canonical[0], where["offers"])
        object.__setattr__(self, "_stock", held)
        object.__setattr__(self, "_stock_data", held_data)
        object.__setattr__(self, "_offers", canonical[0])
        object.__setattr__(self, "_demand", canonical[1])
        object.__setattr__(self, "_sources", canonical[2])
        object.__setattr__(self, "_encoded", canonical[3])
        object.__setattr__(self, "_origins", where)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Market is immutable; build a new one (see Market.replace)")

    def __reduce__(self) -> tuple[Any, tuple[object, ...]]:
        """Pickle by its clean tables (validated again when unpickled)."""
        tables = (self._offers, self._demand, self._sources)
        if self._stock is None:
            return (Market, tables)
        return (partial(Market, stock=self._stock), tables)

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

    @property
    def stock(self) -> pd.DataFrame | None:
        """The stock table in canonical form (a copy), or None; see `reopt.data.stock`."""
        return None if self._stock is None else self._stock.copy()

    # --- facts about the market --------------------------------------------------------------
    @property
    def has_stock_balance(self) -> bool:
        """True when tonnes carry between periods: a stock table, or an offer's lead time.

        Then demand is met through a stock balance per product and period, and share
        policies count each period's purchases (`reopt.model.stock`).
        """
        return not self._stock_data.is_empty or self._stock is not None

    @property
    def stock_data(self) -> StockData:
        """The stock table and the offers' lead times as arrays (`reopt.data.stock`)."""
        return self._stock_data

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
        stock: pd.DataFrame | None = None,
    ) -> Market:
        """A new market with some tables replaced (validated again).

        Tables that keep this market's column names, rows and labels (only numbers changed:
        prices, capacities, demand) have only their numbers checked again, with the same
        problems for a bad number; any other change is validated in full.

        Examples
        --------
        >>> import reopt
        >>> m = reopt.datasets.japan_2025()
        >>> bigger = m.replace(demand=m.demand.assign(demand_t=m.demand["demand_t"] * 1.1))
        >>> round(float(bigger.demand["demand_t"].sum() / m.demand["demand_t"].sum()), 6)
        1.1
        """
        new_offers = self._offers if offers is None else offers
        new_demand = self._demand if demand is None else demand
        new_stock = self._stock if stock is None else stock
        if sources is None:
            where = {name: TableOrigin(name) for name in ("offers", "demand", "sources", "stock")}
            clean = (self._offers, self._demand, self._sources, self._encoded)
            canonical = validate_numbers(new_offers, new_demand, clean, where)
            if canonical is not None:
                market = Market.__new__(Market)
                market._build(canonical, new_stock, where)
                return market
        return Market(
            new_offers, new_demand, self._sources if sources is None else sources, stock=new_stock
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
