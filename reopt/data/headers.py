"""Headers: a table's column labels, read as the columns reopt knows, and their problems.

A label is the known column it names when the two differ only by spaces, case or Unicode form
(``"Price_USD_per_kg "`` is ``price_usd_per_kg``). A header reopt cannot read is a problem of
the table: several header rows (MultiIndex columns), labels that are not text, and two labels
for one column. A label close to a known one gets a "did you mean" only when both state the
same units: ``price_usd_per_t`` is never offered as ``price_usd_per_kg``, nor the reverse.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import pandas as pd

from reopt.data.cells import TableOrigin
from reopt.data.text import normalise_name
from reopt.errors import ProblemList

__all__ = ["column_problems", "read_headers", "same_units"]

_MASS = {
    "t": "t", "mt": "t", "ton": "t", "tons": "t", "tonne": "t", "tonnes": "t",
    "kg": "kg", "kgs": "kg", "g": "g", "mg": "mg", "lb": "lb", "lbs": "lb", "oz": "oz",
    "kt": "kt",
}  # fmt: skip
_MONEY = {"usd", "eur", "cny", "rmb", "jpy", "yen", "gbp", "aud", "cad", "krw", "inr", "chf"}


def _key(label: str) -> str:
    return normalise_name(label).lower()


def _units(label: str) -> tuple[str | None, str | None]:
    """(mass unit, currency) a label states, e.g. ``("kg", "usd")`` for price_usd_per_kg."""
    words = _key(label).replace(" ", "_").split("_")[1:]
    mass = next((_MASS[w] for w in words if w in _MASS), None)
    money = next((w for w in words if w in _MONEY), None)
    return mass, money


def same_units(a: str, b: str) -> bool:
    """False when both labels state a mass unit, or a currency, and these differ.

    Examples
    --------
    >>> same_units("price_usd_per_t", "price_usd_per_kg"), same_units("capacity", "capacity_t")
    (False, True)
    """
    return all(x is None or y is None or x == y for x, y in zip(_units(a), _units(b), strict=True))


def read_headers(
    df: pd.DataFrame,
    table: str,
    origin: TableOrigin,
    known: Sequence[str],
    problems: ProblemList,
) -> pd.DataFrame | None:
    """``df`` with its labels written as the known columns they name; None if unreadable.

    Problems: columns with several header levels, a label that is not text, a column named
    twice (also when the two labels differ only by spaces or case).
    """
    if isinstance(df.columns, pd.MultiIndex):
        problems.add(
            table,
            origin.label,
            None,
            [str(c) for c in df.columns[:6]],
            f"the header has {df.columns.nlevels} rows (MultiIndex columns)",
            "give the table one row of column names, e.g. df.columns = ['source', ...]",
        )
        return None
    labels = list(df.columns)
    broken = False
    for label in labels:
        if not isinstance(label, str):
            broken = True
            rule = f"column label is not text ({type(label).__name__})"
            problems.add(table, origin.label, str(label), label, rule, "name every column")
    if broken:
        return None
    by_key = {_key(k): k for k in known}
    named = [by_key.get(_key(label), label) for label in labels]
    groups: dict[str, list[str]] = {}
    for label, name in zip(labels, named, strict=True):
        groups.setdefault(_key(name), []).append(label)
    for key, same in groups.items():
        if len(same) > 1:
            column = by_key.get(key, same[0])
            problems.add(
                table,
                origin.label,
                column,
                same if len(set(same)) > 1 else None,
                "column appears more than once",
                "keep one of them",
            )
            broken = True
    if broken:
        return None
    if named == labels:
        return df
    out = df.copy(deep=False)
    out.columns = named
    return out


def column_problems(
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
        if col in present:
            continue
        close = difflib.get_close_matches(col, present, n=3, cutoff=0.6)
        same = [c for c in close if same_units(c, col)]
        if same:
            hint = f"did you mean {same[0]!r}?"
        elif close:
            hint = f"{close[0]!r} is in other units: convert its values to the units of {col!r}"
        else:
            hint = f"columns present: {present}"
        problems.add(table, origin.label, col, None, "required column is missing", hint)
    for col in present:
        if col in known:
            continue
        close = difflib.get_close_matches(col, list(known), n=3, cutoff=0.75)
        close = [c for c in close if c not in present]
        same = [c for c in close if same_units(c, col)]
        if same:
            rule = "unknown column that looks like a known one"
            hint = f"did you mean {same[0]!r}? (units are part of the name)"
        elif close and close[0] not in required:
            rule = f"unknown column, in other units than {close[0]!r}"
            hint = f"convert the values to the units of {close[0]!r} to use them"
        else:
            continue
        problems.add(table, origin.label, col, None, rule, hint)
