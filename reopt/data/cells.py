"""Cell checks: one column of one input table at a time, every problem recorded with its row.

Each function reads a column of a user's table, returns the cleaned values per row and adds a
`Problem` to a `ProblemList` for every bad cell, naming the row the way the user numbers it
(`TableOrigin`). Distinct values are checked once (a column of 100,000 offers from 40 countries
is 40 checks). Text and text periods are names, normalised and checked by `reopt.data.text`;
country codes and kinds follow `reopt.data.filters`; numbers accept numeric text and say why
they refuse the rest (``"1,200"``, ``"300,5"``, ``"35%"``, ``"69 $/kg"``, a complex number).
A capacity may also say it has no limit in words (`UNLIMITED`), as a blank cell does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reopt.data.filters import code_problem, normalise_text
from reopt.data.labels import duplicate_problems
from reopt.data.text import already_names, name_problem, normalise_name
from reopt.errors import ProblemList

__all__ = [
    "UNLIMITED",
    "TableOrigin",
    "coded_column",
    "duplicate_problems",
    "number_column",
    "period_column",
    "text_column",
]


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")  # 1,200 or 1,234,567.5
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")  # 300,5


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


def _factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes per row and the distinct values, so that checks run once per distinct value.

    Missing cells (None, NaN) get code -1; the returned list of distinct values has one
    extra slot at the end, so that indexing it with the codes maps missing cells there.
    A column of plain numpy integers or floats is factorised as numbers (no Python object
    per row); its distinct values are then Python numbers, as the object path gives.
    """
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "iuf":
        codes, uniques = pd.factorize(values.to_numpy(), use_na_sentinel=True)
        distinct = np.asarray(uniques).astype(object)
    else:
        codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
        distinct = np.asarray(uniques, dtype=object)
    return codes, np.concatenate([distinct, np.array([None])])


def text_column(
    df: pd.DataFrame,
    col: str,
    table: str,
    origin: TableOrigin,
    problems: ProblemList,
    *,
    required: bool,
    coded: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    same: set[str] | None = None,
) -> np.ndarray:
    """Normalised text per row (None where empty); integers become text (ids such as 101).

    Text is written as `reopt.data.text.normalise_name` writes names, and a name that
    `reopt.data.text.name_problem` refuses (control characters, look-alike letters) is a
    problem. With ``coded``, also records ``coded[col] = (codes, labels)``: an integer code
    per row (-1 where empty) into the distinct cleaned values, for the market's encoding.
    With ``same``, adds ``col`` to it when normalising changed no cell (every cell is text
    already written as names are): the column as given is then its clean form, and the
    array returned may be the caller's own (to read, not to keep).
    """
    codes, distinct = _factorize(df[col])
    clean = np.empty(len(distinct), dtype=object)
    state = np.zeros(len(distinct), dtype=np.int8)  # 0 fine, 1 empty, 2 not text, 3 bad name
    refused: dict[int, tuple[str, str]] = {}
    plain = already_names(distinct[:-1].tolist())  # then each value is clean as it is
    if plain:
        clean[:-1] = distinct[:-1]
    for k, value in enumerate(distinct[:-1] if not plain else ()):
        if isinstance(value, str):
            clean[k] = normalise_name(value) or None
            state[k] = 0 if clean[k] else 1
            broken = name_problem(clean[k]) if clean[k] else None
            if broken is not None:
                refused[k], state[k] = broken, 3
        elif isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
            clean[k] = str(value)
        else:
            state[k] = 2
    state[-1] = 1
    unchanged = not (codes < 0).any() and (
        plain or all(state[k] == 0 and clean[k] == value for k, value in enumerate(distinct[:-1]))
    )
    if unchanged:
        if coded is not None:
            coded[col] = (codes.astype(np.int64, copy=False), distinct[:-1])
        if same is not None:  # the caller keeps the column as given (not this array)
            same.add(col)
            return df[col].to_numpy(dtype=object)
        return clean[codes]
    per_row = state[codes]
    for i in np.flatnonzero(per_row >= 2):
        where, raw = origin.where(df.index[i], i), df[col].iloc[i]
        if per_row[i] == 2:
            problems.add(table, where, col, raw, "expected text")
        else:
            problems.add(table, where, col, raw, *refused[int(codes[i])])
    if required:
        for i in np.flatnonzero(per_row == 1):
            problems.add(table, origin.where(df.index[i], i), col, None, "missing value")
    if coded is not None:
        coded[col] = _recode(codes, clean)
    return clean[codes]


def _recode(codes: np.ndarray, distinct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row codes into the distinct values of ``distinct[codes]`` (which may repeat or be None)."""
    merged, labels = pd.factorize(distinct, use_na_sentinel=True)
    return merged[codes].astype(np.int64, copy=False), np.asarray(labels, dtype=object)


def number_column(
    df: pd.DataFrame,
    col: str,
    table: str,
    origin: TableOrigin,
    problems: ProblemList,
    *,
    blank: float | None,
    infinite_ok: bool,
    unlimited_ok: bool = False,
) -> np.ndarray:
    """Parse a numeric column; ``blank`` is the value of an empty cell (None: not allowed).

    With ``unlimited_ok`` (capacities), a word for no limit (`UNLIMITED`: ``unlimited``,
    ``inf``, ``infinity``, ``no limit``, ``∞``, in any case) is infinity, as a blank cell is.
    """
    values = df[col]
    complex_rows = np.zeros(len(values), dtype=bool)
    if pd.api.types.is_complex_dtype(values.dtype):
        raw = values.to_numpy()
        numbers = np.full(len(values), np.nan)
        missing = np.isnan(raw)
        complex_rows = ~missing
        unparsed = np.zeros(len(values), dtype=bool)
    elif pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    ):
        numbers = values.to_numpy(dtype=float, na_value=np.nan).copy()
        missing = np.isnan(numbers)
        unparsed = np.zeros(len(values), dtype=bool)
    else:
        codes, distinct = _factorize(values)
        parsed = np.full(len(distinct), np.nan)
        state = np.zeros(len(distinct), dtype=np.int8)  # 0 fine, 1 empty, 2 not a number
        for k, value in enumerate(distinct[:-1]):
            parsed[k], state[k] = _parse_number(value)
            if unlimited_ok and state[k] == 2 and _unlimited(value):
                parsed[k], state[k] = np.inf, 0
        state[-1] = 1
        numbers = parsed[codes]
        missing, unparsed = state[codes] == 1, state[codes] == 2
        complex_rows = state[codes] == 3
    for i in np.flatnonzero(unparsed):
        raw = values.iloc[i]
        where = origin.where(df.index[i], i)
        hint = _number_hint(raw, col)
        if _unlimited(raw):
            hint = "only capacity_t can be unlimited (a blank cell); give a number"
        problems.add(table, where, col, raw, "not a number", hint)
    for i in np.flatnonzero(complex_rows):
        where, hint = origin.where(df.index[i], i), "give the real number alone"
        problems.add(table, where, col, values.iloc[i], "not a real number", hint)
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
    for i in np.flatnonzero((numbers != 0) & (np.abs(numbers) < _SMALLEST)):
        problems.add(
            table,
            origin.where(df.index[i], i),
            col,
            values.iloc[i],
            f"too small to compute with (below {_SMALLEST:.3g}, a subnormal number)",
            "give 0, or the quantity in larger units",
        )
    return numbers


#: The smallest normal float: below it, numbers lose precision and solvers refuse them.
_SMALLEST = float(np.finfo(float).tiny)


#: Words a capacity cell may hold for "no limit" (compared in lower case, spaces folded).
UNLIMITED = frozenset({"unlimited", "inf", "+inf", "infinity", "+infinity", "∞", "no limit"})


def _unlimited(value: object) -> bool:
    """Whether ``value`` is one of the `UNLIMITED` words (``"Unlimited"``, ``"no  limit"``)."""
    if not isinstance(value, str):
        return False
    return " ".join(value.replace("-", " ").split()).lower() in UNLIMITED


def _parse_number(value: object) -> tuple[float, int]:
    """(number, state) with state 0 fine, 1 empty, 2 not a number, 3 complex."""
    if isinstance(value, (bool, np.bool_)):
        return np.nan, 2
    if isinstance(value, (complex, np.complexfloating)):
        return np.nan, 3
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return np.nan, 1
        try:
            number = float(text)
        except ValueError:
            return np.nan, 2
        return (number, 0) if not math.isnan(number) else (np.nan, 2)  # "nan" is not blank
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
    if text.lower().lstrip("+-") == "nan":
        return "leave the cell empty if it has no value, or give a number"
    if text.endswith("%"):
        return "write the number without '%'"
    if _THOUSANDS.fullmatch(text):
        plain = text.replace(",", "")
        return (
            f"remove the thousands separator: {plain}; or, if the comma is a decimal comma, "
            f"write {text.replace(',', '.')}: decimal commas are read in semicolon-separated "
            "files only"
        )
    if _DECIMAL_COMMA.fullmatch(text):
        return (
            f"write {text.replace(',', '.')} with a decimal point: decimal commas are read in "
            "semicolon-separated files only"
        )
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


def coded_column(
    values: np.ndarray,
    df: pd.DataFrame,
    col: str,
    table: str,
    origin: TableOrigin,
    problems: ProblemList,
    coded: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    *,
    same: set[str] | None = None,
) -> np.ndarray:
    """Country codes (upper case, ISO alpha-2) or kinds (lower case, one of `KINDS`).

    ``values`` is the column as `text_column` cleaned it; the rule is `filters.code_problem`.
    When ``coded`` already holds ``col`` (`text_column` recorded it), those codes are used
    instead of reading ``values`` again, and are replaced by the codes of the fixed values.
    With ``same`` holding ``col``, ``col`` stays in it only when no value changed case.
    """
    if coded is not None and col in coded:
        codes, labels = coded[col]
        distinct = np.concatenate([labels, np.array([None])])
    else:
        codes, distinct = _factorize(pd.Series(values, dtype=object))
    fixed = np.array([normalise_text(col, v) for v in distinct[:-1]] + [None], dtype=object)
    for k, value in enumerate(distinct[:-1]):
        if name_problem(value) is not None:
            continue  # already reported by text_column
        broken = code_problem(col, value)
        if broken is None:
            continue
        for i in np.flatnonzero(codes == k):
            problems.add(table, origin.where(df.index[i], i), col, df[col].iloc[i], *broken)
    if (
        same is not None
        and col in same
        and any(a != b for a, b in zip(fixed[:-1], distinct[:-1], strict=True))
    ):
        same.discard(col)
    if coded is not None:
        coded[col] = _recode(codes, fixed)
    if same is not None and col in same:
        return values
    return fixed[codes]


def period_column(
    df: pd.DataFrame,
    table: str,
    origin: TableOrigin,
    problems: ProblemList,
    coded: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> np.ndarray:
    """Periods are all integers or all text; integer-valued floats (from Excel) become ints.

    With ``coded``, also records ``coded["period"] = (codes, labels)`` as `text_column` does.
    """
    codes, distinct = _factorize(df["period"])
    fixed = np.array([_as_period(v) for v in distinct[:-1]] + [None], dtype=object)
    empty = np.array([v is None or (isinstance(v, str) and not v) for v in fixed])
    fixed[empty] = None
    for i in np.flatnonzero(empty[codes]):
        problems.add(table, origin.where(df.index[i], i), "period", None, "missing value")
    for k, value in enumerate(fixed[:-1]):
        broken = name_problem(value) if isinstance(value, str) else None
        if broken is None:
            continue
        for i in np.flatnonzero(codes == k):
            where = origin.where(df.index[i], i)
            problems.add(table, where, "period", df["period"].iloc[i], *broken)
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
    if coded is not None:
        coded["period"] = _recode(codes, fixed)
    return fixed[codes]


def _as_period(value: object) -> object:
    if isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = normalise_name(value)
        return int(text) if text.lstrip("-").isdigit() and text.isascii() else text
    return value
