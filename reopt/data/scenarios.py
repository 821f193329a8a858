"""Disruption scenarios: the tables that describe them, their checks, and what they do to offers.

A `ScenarioSet` is three tables:

- ``scenarios``: ``scenario`` (a name), ``probability`` (>= 0, summing to 1 within 1e-9);
- ``changes``: ``scenario`` and any of the offer filters ``country``, ``refined_in``,
  ``kind``, ``source``, ``product`` (a blank cell matches every offer), with
  ``capacity_factor`` (>= 0, default 1: the share of each contracted and spot tonne the
  scenario still delivers), ``price_factor`` (> 0, default 1: applies to spot purchases) and
  ``delay_periods`` (an integer >= 0, default 0: deliveries arrive that many periods late);
  every row must match at least one offer of the market it is applied to;
- ``lost_supply``: ``product`` and ``value_usd_per_kg`` (> 0): what a kilogram of demand that
  goes unmet costs the buyer (the value of lost supply); every demanded product needs one.

Where several change rows of one scenario match an offer, their capacity and price factors
multiply and the longest delay applies. ``spot_premium`` (>= 0) prices spot purchases at
``price * (1 + spot_premium) * price_factor``.

A table's rows are named as the user numbers them: ``changes row 3`` for a DataFrame,
``changes.csv line 4`` when read by `reopt.data.scenario_files`. The checks of the cells live
in `reopt.data.scenario_checks`; columns of notes (``description``, ``notes``, and
names ending in ``citation`` or ``basis``) are kept in any table; other unknown columns are
refused.

`ScenarioSet.factors` applies the set to a `Market`: a `ScenarioFactors` of plain arrays, one
row per scenario and one column per offer, which is what the two-stage model is built from.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from reopt.data.cells import TableOrigin
from reopt.data.filters import normalise
from reopt.data.market import Market
from reopt.data.scenario_checks import SCENARIO_FILTERS, clean_tables
from reopt.errors import ProblemList

__all__ = ["SCENARIO_FILTERS", "ScenarioFactors", "ScenarioSet"]

TABLES = ("scenarios", "changes", "lost_supply")


@dataclass(frozen=True)
class ScenarioFactors:
    """A scenario set applied to one market: plain arrays for the two-stage model.

    Attributes
    ----------
    names : tuple of str
        The scenarios, in the order of the rows below.
    probability : ndarray, shape (S,)
        Each scenario's probability (sums to 1).
    capacity_factor : ndarray, shape (S, n_offers)
        The share of each offer's contracted and spot tonnes delivered in each scenario.
    price_factor : ndarray, shape (S, n_offers)
        The factor on each offer's spot price in each scenario.
    delay_periods : ndarray of int, shape (S, n_offers)
        Periods by which each offer's deliveries arrive late in each scenario.
    lost_usd_per_kg : ndarray, shape (n_demand_rows,)
        The value of lost supply of each demand row's product (``market.demand`` order).
    spot_premium : float
        Spot purchases cost ``price * (1 + spot_premium) * price_factor``.
    """

    names: tuple[str, ...]
    probability: np.ndarray
    capacity_factor: np.ndarray
    price_factor: np.ndarray
    delay_periods: np.ndarray
    lost_usd_per_kg: np.ndarray
    spot_premium: float

    @property
    def n_scenarios(self) -> int:
        """Number of scenarios."""
        return len(self.names)


@dataclass(frozen=True)
class ScenarioSet:
    """Disruption scenarios, checked (see the module docstring for the tables).

    Build one with `ScenarioSet.from_tables` (or read one with
    `reopt.data.scenario_files.read_scenarios`); every problem in the tables is reported at
    once as one `reopt.InputError` naming the table, row, column and value.

    Attributes
    ----------
    scenarios : DataFrame
        ``scenario`` (str), ``probability`` (float), in the order given.
    changes : DataFrame
        ``scenario``, the filters of `SCENARIO_FILTERS` (cleaned text, None where blank),
        ``capacity_factor``, ``price_factor`` (float) and ``delay_periods`` (int).
    lost_supply : DataFrame
        ``product`` (str), ``value_usd_per_kg`` (float).
    spot_premium : float
    origins : mapping of str to TableOrigin
        How each table's rows are named in problems (a DataFrame's index, or a file's lines).

    Examples
    --------
    >>> import pandas as pd
    >>> s = ScenarioSet.from_tables(
    ...     pd.DataFrame({"scenario": ["calm", "halt"], "probability": [0.9, 0.1]}),
    ...     pd.DataFrame({"scenario": ["halt"], "country": ["cn"], "capacity_factor": [0]}),
    ...     pd.DataFrame({"product": ["A"], "value_usd_per_kg": [200.0]}))
    >>> s.changes.loc[0, "country"], s.spot_premium
    ('CN', 0.5)
    """

    scenarios: pd.DataFrame
    changes: pd.DataFrame
    lost_supply: pd.DataFrame
    spot_premium: float = 0.5
    origins: Mapping[str, TableOrigin] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_tables(
        cls,
        scenarios: pd.DataFrame,
        changes: pd.DataFrame | None = None,
        lost_supply: pd.DataFrame | None = None,
        *,
        spot_premium: float = 0.5,
        origins: Mapping[str, TableOrigin] | None = None,
    ) -> ScenarioSet:
        """Check the tables and return the set (InputError listing every problem).

        Parameters
        ----------
        scenarios : DataFrame
            ``scenario``, ``probability``: at least one row, names unique and non-empty,
            probabilities in [0, 1] summing to 1 within 1e-9.
        changes : DataFrame, optional
            ``scenario`` (one of ``scenarios``), filters, ``capacity_factor`` (>= 0, blank 1),
            ``price_factor`` (> 0, blank 1), ``delay_periods`` (whole number >= 0, blank 0).
        lost_supply : DataFrame, optional
            ``product`` (unique), ``value_usd_per_kg`` (> 0, finite).
        spot_premium : float, default=0.5
            >= 0 and finite.
        origins : mapping of str to TableOrigin, optional
            How to name each table's rows (file readers pass the file's lines); also
            ``"spot_premium"``, whose label names where the premium was given.

        Raises
        ------
        InputError
            Listing every problem: unknown columns (with a did-you-mean), bad cells, unknown
            country codes or kinds in filters, duplicate names, changes for unknown
            scenarios, probabilities that do not sum to 1 (naming the rows and the sum).
        """
        where = {name: TableOrigin(name) for name in TABLES}
        where.update(origins or {})
        premium_at = where.get("spot_premium", TableOrigin("ScenarioSet.from_tables()"))
        given = {"scenarios": scenarios, "changes": changes, "lost_supply": lost_supply}
        problems = ProblemList()
        tables, premium = clean_tables(given, spot_premium, where, premium_at.label, problems)
        problems.raise_if_any()
        return cls(
            tables["scenarios"],
            tables["changes"],
            tables["lost_supply"],
            premium,
            {name: where[name] for name in TABLES},
        )

    @property
    def names(self) -> tuple[str, ...]:
        """The scenarios, in order."""
        return tuple(str(n) for n in self.scenarios["scenario"])

    def factors(self, market: Market) -> ScenarioFactors:
        """The set applied to ``market``.

        Where several change rows of a scenario match an offer, their capacity and price
        factors multiply and the longest delay applies; an offer no row matches keeps
        factors 1 and no delay.

        Raises
        ------
        InputError
            For every change row whose filters match no offer of the market (with the close
            values the market has), and every demanded product without a value of lost
            supply.

        Examples
        --------
        >>> import pandas as pd, reopt
        >>> m = reopt.Market(
        ...     pd.DataFrame({"source": ["cn", "au"], "product": "A", "country": ["CN", "AU"],
        ...                   "capacity_t": None, "price_usd_per_kg": [10.0, 15.0]}),
        ...     pd.DataFrame({"product": ["A"], "demand_t": [100.0]}))
        >>> s = ScenarioSet.from_tables(
        ...     pd.DataFrame({"scenario": ["calm", "halt"], "probability": [0.9, 0.1]}),
        ...     pd.DataFrame({"scenario": ["halt"], "country": ["cn"], "capacity_factor": [0]}),
        ...     pd.DataFrame({"product": ["A"], "value_usd_per_kg": [200.0]}))
        >>> s.factors(m).capacity_factor.tolist()
        [[1.0, 1.0], [0.0, 1.0]]
        """
        offers = market.offers
        names = self.names
        row_of = {name: k for k, name in enumerate(names)}
        shape = (len(names), len(offers))
        capacity, price = np.ones(shape), np.ones(shape)
        delay = np.zeros(shape, dtype=np.int64)
        columns = {c: normalise(c, offers[c].astype(str).to_numpy()) for c in SCENARIO_FILTERS}
        coded = {c: pd.factorize(v) for c, v in columns.items()}
        code_of = {c: {str(x): k for k, x in enumerate(labels)} for c, (_, labels) in coded.items()}
        problems = ProblemList()
        origin = self.origins.get("changes", TableOrigin("changes"))
        changes = self.changes
        records = changes[["scenario", *SCENARIO_FILTERS]].to_numpy(dtype=object)
        numbers = changes[["capacity_factor", "price_factor"]].to_numpy(dtype=float)
        delays = changes["delay_periods"].to_numpy(dtype=np.int64)
        for i, record in enumerate(records):
            pairs = zip(SCENARIO_FILTERS, record[1:], strict=True)
            wanted = {c: v for c, v in pairs if isinstance(v, str)}
            mask = np.ones(len(offers), dtype=bool)
            for col, value in wanted.items():
                mask &= coded[col][0] == code_of[col].get(value, -2)
            at = np.flatnonzero(mask)
            if len(at) == 0:
                _no_match(wanted, columns, origin.where(changes.index[i], i), problems)
                continue
            s = row_of[record[0]]
            if numbers[i, 0] != 1:
                capacity[s, at] *= numbers[i, 0]
            if numbers[i, 1] != 1:
                price[s, at] *= numbers[i, 1]
            if delays[i] > 0:
                delay[s, at] = np.maximum(delay[s, at], delays[i])
        lost = _lost_values(self, market, problems)
        problems.raise_if_any()
        return ScenarioFactors(
            names,
            self.scenarios["probability"].to_numpy(dtype=float).copy(),
            capacity,
            price,
            delay,
            lost,
            float(self.spot_premium),
        )


def _no_match(
    wanted: dict[str, str], columns: dict[str, np.ndarray], where: str, problems: ProblemList
) -> None:
    """The problem of a change row that matches no offer, with what the market does have."""
    shown = ", ".join(f"{c}={v!r}" for c, v in wanted.items()) or "(no filter)"
    column = ", ".join(wanted) or None
    value = next(iter(wanted.values())) if len(wanted) == 1 else shown
    for col, v in wanted.items():
        known = sorted(set(columns[col].tolist()))
        if v not in known:
            close = difflib.get_close_matches(v, known, n=3, cutoff=0.5)
            hint = (
                f"no offer has {col}={v!r}; did you mean {' or '.join(map(repr, close))}?"
                if close
                else f"no offer has {col}={v!r}; the market has {col} {', '.join(known[:10])}"
            )
            break
    else:
        first, *rest = wanted
        picked = columns[first] == wanted[first]
        have = "; ".join(
            f"{c} {', '.join(sorted(set(columns[c][picked].tolist()))[:10])}" for c in rest
        )
        hint = f"each value is in the market, but no offer has them all; with {first}="
        hint += f"{wanted[first]!r} the offers have {have}"
    problems.add("changes", where, column, value, "matches no offer of the market", hint)


def _lost_values(scenarios: ScenarioSet, market: Market, problems: ProblemList) -> np.ndarray:
    """The value of lost supply of each demand row's product (a problem for each one missing)."""
    table = scenarios.lost_supply
    values = dict(zip(table["product"], table["value_usd_per_kg"], strict=True))
    label = scenarios.origins.get("lost_supply", TableOrigin("lost_supply")).label
    products = market.demand["product"].to_numpy(dtype=object)
    for product in dict.fromkeys(products.tolist()):
        if product not in values:
            problems.add(
                "lost_supply",
                label,
                "product",
                product,
                "a demanded product has no value of lost supply",
                f"add a row to lost_supply: product={product!r}, value_usd_per_kg=...",
            )
    return np.array([float(values.get(p, np.nan)) for p in products], dtype=float)
