"""Checks of a scenario set's tables: every cell of ``scenarios``, ``changes`` and ``lost_supply``.

`clean_tables` reads the three tables the way the market's tables are read (labels matched to
the known columns by `reopt.data.headers`, cells by `reopt.data.cells`, filter values cleaned
and validated by `reopt.data.filters`: ``"cn"`` is country ``CN``, ``"Mine"`` is kind
``mine``), records a `Problem` for every cell that breaks a rule, and returns the tables with
typed columns. Rows keep the index they were given, so that a problem found later (a change
row that matches no offer) names the row as the user numbers it.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from reopt.data.cells import TableOrigin, coded_column, number_column, text_column
from reopt.data.filters import CODE_COLUMNS
from reopt.data.headers import read_headers
from reopt.errors import ProblemList

__all__ = [
    "CHANGE_COLUMNS",
    "LOST_COLUMNS",
    "MAX_DELAY",
    "NOTE_COLUMNS",
    "PROBABILITY_TOLERANCE",
    "SCENARIO_COLUMNS",
    "SCENARIO_FILTERS",
    "clean_tables",
    "rows_where",
]

#: The offer columns a change row may filter on.
SCENARIO_FILTERS = ("country", "refined_in", "kind", "source", "product")
#: Probabilities must sum to 1 within this.
PROBABILITY_TOLERANCE = 1e-9
#: The longest delay a change may state, in periods.
MAX_DELAY = 1_000_000
#: Columns of notes (citations, reasoning), kept as given in every table; so is any column
#: whose name ends in ``citation`` or ``basis`` (``price_citation``, ``basis``).
NOTE_COLUMNS = ("description", "notes")
_NOTE_ENDINGS = ("citation", "basis")
#: The columns of each table.
SCENARIO_COLUMNS = ("scenario", "probability", *NOTE_COLUMNS)
CHANGE_COLUMNS = (
    "scenario",
    *SCENARIO_FILTERS,
    "capacity_factor",
    "price_factor",
    "delay_periods",
    *NOTE_COLUMNS,
)
LOST_COLUMNS = ("product", "value_usd_per_kg", *NOTE_COLUMNS)
_KNOWN = {"scenarios": SCENARIO_COLUMNS, "changes": CHANGE_COLUMNS, "lost_supply": LOST_COLUMNS}
_REQUIRED = {
    "scenarios": ("scenario", "probability"),
    "changes": ("scenario",),
    "lost_supply": ("product", "value_usd_per_kg"),
}
_ROWS_NAMED = 10


def clean_tables(
    given: Mapping[str, object],
    spot_premium: object,
    origins: Mapping[str, TableOrigin],
    premium_where: str,
    problems: ProblemList,
) -> tuple[dict[str, pd.DataFrame], float]:
    """The three tables with typed columns, and the spot premium; problems for every bad cell.

    Parameters
    ----------
    given : mapping
        ``"scenarios"``, ``"changes"``, ``"lost_supply"`` -> what the user gave (``None`` for
        an optional table left out).
    spot_premium : object
    origins : mapping of str to TableOrigin
        How to name each table's rows.
    premium_where : str
        Where the spot premium was given, for its problems.
    problems : ProblemList
        Receives every problem; the returned tables are only meaningful when none was added.
    """
    tables = {name: _table(name, given.get(name), origins[name], problems) for name in _KNOWN}
    premium = _premium(spot_premium, premium_where, problems)
    out: dict[str, pd.DataFrame] = {}
    scenarios = tables["scenarios"]
    out["scenarios"] = (
        _clean_scenarios(scenarios, origins["scenarios"], problems)
        if scenarios is not None
        else pd.DataFrame({"scenario": pd.Series(dtype=object), "probability": []})
    )
    names = [n for n in out["scenarios"]["scenario"] if isinstance(n, str)]
    changes = tables["changes"]
    out["changes"] = (
        _clean_changes(changes, names, origins["changes"], problems)
        if changes is not None
        else _empty(CHANGE_COLUMNS[: -len(NOTE_COLUMNS)])
    )
    lost = tables["lost_supply"]
    out["lost_supply"] = (
        _clean_lost(lost, origins["lost_supply"], problems)
        if lost is not None
        else _empty(LOST_COLUMNS[: -len(NOTE_COLUMNS)])
    )
    return out, premium


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    """An empty table of ``columns`` with the dtypes a clean one has."""
    dtypes = {"delay_periods": np.int64, "capacity_factor": float, "price_factor": float}
    dtypes["value_usd_per_kg"] = float
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, object)) for c in columns})


def _table(
    name: str, value: object, origin: TableOrigin, problems: ProblemList
) -> pd.DataFrame | None:
    """The table with its labels read as the known columns; None when absent or unusable."""
    if value is None:
        if name == "scenarios":
            problems.add(name, origin.label, None, None, "missing", "give at least one scenario")
        return None
    if not isinstance(value, pd.DataFrame):
        problems.add(
            name,
            origin.label,
            None,
            None,
            f"expected a pandas DataFrame, got {type(value).__name__}",
            "build it with pandas.DataFrame(...) or read files with reopt.read_scenarios",
        )
        return None
    if len(value) == 0:
        if name == "scenarios":
            rule, hint = "the table has no rows", "give at least one scenario and its probability"
            problems.add(name, origin.label, None, None, rule, hint)
        return None
    df = read_headers(value, name, origin, _KNOWN[name], problems)
    if df is None:
        return None
    if not isinstance(df.index, pd.RangeIndex):  # rows named 3, not np.int64(3)
        df = df.copy(deep=False)
        df.index = pd.Index(df.index.tolist(), dtype=object)
    usable = True
    known = _KNOWN[name]
    for col in _REQUIRED[name]:
        if col not in df.columns:
            close = difflib.get_close_matches(col, [str(c) for c in df.columns], n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"add a column {col!r}"
            problems.add(name, origin.label, col, None, "required column is missing", hint)
            usable = False
    for col in df.columns:
        if col not in known and not _is_note(str(col)):
            close = difflib.get_close_matches(str(col), known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"known columns: {', '.join(known)}"
            problems.add(name, origin.label, str(col), None, "unknown column", hint)
    return _single_values(df, name, origin, problems) if usable else None


def _single_values(
    df: pd.DataFrame, table: str, origin: TableOrigin, problems: ProblemList
) -> pd.DataFrame:
    """``df`` with cells holding several values (a list, a mapping) emptied, each a problem."""
    out = df
    for position, col in enumerate(df.columns):
        column = df.iloc[:, position]
        if not pd.api.types.is_object_dtype(column.dtype):
            continue
        several = [i for i, v in enumerate(column) if not isinstance(v, Hashable)]
        for i in several:
            problems.add(
                table,
                origin.where(df.index[i], i),
                str(col),
                column.iloc[i],
                "expected one value",
                "give one value per cell; for several, add a row for each",
            )
        if several:
            out = out.copy() if out is df else out
            values = column.to_numpy(dtype=object, copy=True)
            values[several] = None
            out.isetitem(position, pd.Series(values, index=df.index, dtype=object))
    return out


def _premium(value: object, where: str, problems: ProblemList) -> float:
    rule = "must be a number >= 0 (0.5 means spot costs 50% more than the offer's price)"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        problems.add("options", where, "spot_premium", value, rule)
        return 0.0
    number = float(value)
    if not math.isfinite(number) or number < 0:
        problems.add("options", where, "spot_premium", value, rule, "e.g. spot_premium=0.5")
        return 0.0
    return number


def rows_where(origin: TableOrigin, index: pd.Index, positions: Sequence[int]) -> str:
    """Several rows named at once: ``"scenarios.csv lines 2, 3, 4"``, ``"scenarios rows 0, 1"``."""
    prefix = f"{origin.label} {origin.row_word} "
    shown = []
    for k in positions[:_ROWS_NAMED]:
        text = origin.where(index[k], k)
        shown.append(text[len(prefix) :] if text.startswith(prefix) else text)
    more = f" and {len(positions) - _ROWS_NAMED} more" if len(positions) > _ROWS_NAMED else ""
    return f"{origin.label} {origin.row_word}s {', '.join(shown)}{more}"


def _duplicates(
    values: np.ndarray,
    df: pd.DataFrame,
    col: str,
    table: str,
    origin: TableOrigin,
    problems: ProblemList,
) -> None:
    """A problem for every row whose (non-empty) ``values`` repeat an earlier row's."""
    first: dict[object, int] = {}
    for i, value in enumerate(values):
        if value is None:
            continue
        if value in first:
            j = first[value]
            problems.add(
                table,
                origin.where(df.index[i], i),
                col,
                df[col].iloc[i],
                f"duplicate {col}",
                f"same as {origin.where(df.index[j], j)}; each {col} needs one row",
            )
        else:
            first[value] = i


def _numbers(
    df: pd.DataFrame,
    col: str,
    table: str,
    origin: TableOrigin,
    problems: ProblemList,
    *,
    blank: float | None,
    positive: bool = False,
) -> np.ndarray:
    """A finite numeric column; with ``positive``, zero and negative numbers are refused."""
    found = ProblemList()
    values = number_column(df, col, table, origin, found, blank=blank, infinite_ok=False)
    named: set[str] = set()
    for p in found.items:
        if p.where in named:
            continue  # one problem per cell: -inf is not finite, and that says it
        named.add(p.where)
        if positive and p.rule == "must be >= 0":
            problems.add(p.table, p.where, p.column, p.value, "must be > 0", p.hint)
        else:
            problems.add(p.table, p.where, p.column, p.value, p.rule, p.hint)
    if positive:
        for i in np.flatnonzero(values == 0):
            problems.add(table, origin.where(df.index[i], i), col, df[col].iloc[i], "must be > 0")
    return values


def _text(values: np.ndarray, index: pd.Index) -> pd.Series:
    """A text column as stored: object dtype, None where blank (whatever pandas infers)."""
    return pd.Series(values, index=index, dtype=object)


def _is_note(col: str) -> bool:
    return col.endswith(_NOTE_ENDINGS)


def _keep_notes(df: pd.DataFrame, out: pd.DataFrame) -> None:
    for col in df.columns:
        if col in NOTE_COLUMNS or _is_note(str(col)):
            out[col] = _text(df[col].to_numpy(dtype=object), df.index)


def _clean_scenarios(df: pd.DataFrame, origin: TableOrigin, problems: ProblemList) -> pd.DataFrame:
    names = text_column(df, "scenario", "scenarios", origin, problems, required=True)
    _duplicates(names, df, "scenario", "scenarios", origin, problems)
    before = len(problems.items)
    probability = _numbers(df, "probability", "scenarios", origin, problems, blank=None)
    for i in np.flatnonzero(np.isfinite(probability) & (probability > 1)):
        value = float(probability[i])
        hint = "a probability is a fraction in [0, 1]"
        if 2 <= value <= 100:
            hint += f"; did you mean {value / 100:g}?"
        where = origin.where(df.index[i], i)
        rule = "a probability must be <= 1"
        problems.add("scenarios", where, "probability", df["probability"].iloc[i], rule, hint)
    valid = len(problems.items) == before
    total = math.fsum(probability.tolist()) if valid else 1.0
    if valid and abs(total - 1.0) > PROBABILITY_TOLERANCE:
        gap = total - 1.0
        problems.add(
            "scenarios",
            rows_where(origin, df.index, list(range(len(df)))),
            "probability",
            total,
            f"the probabilities must sum to 1 (within {PROBABILITY_TOLERANCE:g})",
            f"they sum to {total:.12g}, {abs(gap):.3g} too {'much' if gap > 0 else 'little'}",
        )
    out = pd.DataFrame(
        {"scenario": _text(names, df.index), "probability": pd.Series(probability, index=df.index)}
    )
    _keep_notes(df, out)
    return out


def _clean_changes(
    df: pd.DataFrame, names: Sequence[str], origin: TableOrigin, problems: ProblemList
) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    scenario = text_column(df, "scenario", "changes", origin, problems, required=True)
    known = set(names)
    for i, name in enumerate(scenario):
        if name is None or name in known or not names:
            continue
        close = difflib.get_close_matches(name, list(names), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"scenarios: {', '.join(names[:8])}"
        rule = "no scenario of this name in the scenarios table"
        problems.add("changes", origin.where(df.index[i], i), "scenario", name, rule, hint)
    out["scenario"] = _text(scenario, df.index)
    for col in SCENARIO_FILTERS:
        if col not in df.columns:
            out[col] = _text(np.full(len(df), None, dtype=object), df.index)
            continue
        text = text_column(df, col, "changes", origin, problems, required=False)
        if col in CODE_COLUMNS or col == "kind":
            text = coded_column(text, df, col, "changes", origin, problems)
        out[col] = _text(text, df.index)
    n = len(df)
    for col, positive in (("capacity_factor", False), ("price_factor", True)):
        out[col] = (
            _numbers(df, col, "changes", origin, problems, blank=1.0, positive=positive)
            if col in df.columns
            else np.ones(n)
        )
    delay = np.zeros(n, dtype=np.int64)
    if "delay_periods" in df.columns:
        values = _numbers(df, "delay_periods", "changes", origin, problems, blank=0.0)
        whole = np.isfinite(values) & (values == np.round(values))
        for k in np.flatnonzero(np.isfinite(values) & ~whole):
            where, raw = origin.where(df.index[k], k), df["delay_periods"].iloc[k]
            hint = f"e.g. {math.floor(values[k])} or {math.ceil(values[k])}"
            problems.add("changes", where, "delay_periods", raw, "must be a whole number", hint)
        for k in np.flatnonzero(whole & (values > MAX_DELAY)):
            where, raw = origin.where(df.index[k], k), df["delay_periods"].iloc[k]
            rule = f"must be at most {MAX_DELAY:,} periods"
            hint = "for supply that never arrives, use capacity_factor = 0"
            problems.add("changes", where, "delay_periods", raw, rule, hint)
        ok = whole & (values >= 0) & (values <= MAX_DELAY)
        delay[ok] = values[ok].astype(np.int64)
    out["delay_periods"] = delay
    _keep_notes(df, out)
    return out


def _clean_lost(df: pd.DataFrame, origin: TableOrigin, problems: ProblemList) -> pd.DataFrame:
    product = text_column(df, "product", "lost_supply", origin, problems, required=True)
    _duplicates(product, df, "product", "lost_supply", origin, problems)
    value = _numbers(
        df, "value_usd_per_kg", "lost_supply", origin, problems, blank=None, positive=True
    )
    out = pd.DataFrame(
        {"product": _text(product, df.index), "value_usd_per_kg": pd.Series(value, index=df.index)}
    )
    _keep_notes(df, out)
    return out
