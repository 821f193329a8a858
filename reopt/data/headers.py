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

__all__ = ["column_problems", "header_key", "read_headers", "same_units", "unit_hint"]

_MASS = {
    "t": "t", "mt": "t", "ton": "t", "tons": "t", "tonne": "t", "tonnes": "t",
    "kg": "kg", "kgs": "kg", "g": "g", "mg": "mg", "lb": "lb", "lbs": "lb", "oz": "oz",
    "kt": "kt",
}  # fmt: skip
_MONEY = {"usd", "eur", "cny", "rmb", "jpy", "yen", "gbp", "aud", "cad", "krw", "inr", "chf"}


def header_key(label: str) -> str:
    """The form in which two labels for one column are equal: normalised, lower case."""
    return normalise_name(label).lower()


def _units(label: str) -> tuple[str | None, str | None, str | None]:
    """(currency, mass per which, mass) a label states, e.g. ``("usd", "kg", None)``.

    That is price_usd_per_kg; capacity_t is ``(None, None, "t")`` and price_usd is
    ``("usd", None, None)``.
    """
    words = header_key(label).replace(" ", "_").replace("/", "_per_").split("_")[1:]
    money = next((w for w in words if w in _MONEY), None)
    per = mass = None
    for before, word in zip(["", *words], words, strict=False):
        if word not in _MASS:
            continue
        if before == "per" or before in _MONEY:
            per = per or _MASS[word]
        else:
            mass = mass or _MASS[word]
    return money, per, mass


def same_units(a: str, b: str) -> bool:
    """False when both labels state units and these differ (a currency left out is no unit).

    ``price_usd`` (money) and ``price_usd_per_kg`` (money per kg) differ, as do
    ``capacity_kt`` and ``capacity_t``; a label that states no unit (``capacity``) agrees
    with every other.

    Examples
    --------
    >>> same_units("price_usd_per_t", "price_usd_per_kg"), same_units("capacity", "capacity_t")
    (False, True)
    >>> same_units("price_usd", "price_usd_per_kg"), same_units("price_per_kg", "price_usd_per_kg")
    (False, True)
    """
    x, y = _units(a), _units(b)
    if x == (None, None, None) or y == (None, None, None):
        return True
    return (x[0] is None or y[0] is None or x[0] == y[0]) and x[1:] == y[1:]


#: Tonnes in one of each mass unit.
_TONNES = {"t": 1.0, "kg": 1e-3, "g": 1e-6, "mg": 1e-9, "lb": 4.5359237e-4, "oz": 2.8349523125e-5}
_TONNES["kt"] = 1e3
_UNIT_WORDS = {"t": "tonnes", "kg": "kg"}
_WHAT = {"price": "prices", "capacity": "capacities", "demand": "demand", "min": "minimum orders"}


def unit_hint(given: str, col: str) -> str:
    """What ``col`` is measured in and how to convert ``given``'s values to it.

    Examples
    --------
    >>> unit_hint("price_usd_per_t", "price_usd_per_kg")
    'prices are given in USD per kg: column price_usd_per_kg (divide USD/t by 1,000)'
    >>> unit_hint("capacity_kg", "capacity_t")
    'capacities are given in tonnes: column capacity_t (divide kg by 1,000)'
    """
    g_money, g_per, g_mass = _units(given)
    money, per, mass = _units(col)
    what = _WHAT.get(col.split("_", 1)[0], col)
    if per is not None:
        unit = f"{(money or '').upper()} per {_UNIT_WORDS.get(per, per)}".strip()
    else:
        unit = _UNIT_WORDS.get(mass or "", mass or "")
    steps = []
    if g_money is not None and money is not None and g_money != money:
        steps.append(f"convert {g_money.upper()} to {money.upper()}")
    if per is not None and g_per is not None and g_per != per:
        label = f"{(money or g_money or '').upper()}/{g_per}".lstrip("/")
        steps.append(_scaled(label, _TONNES[per] / _TONNES[g_per]))
    if mass is not None and g_mass is not None and g_mass != mass:
        steps.append(_scaled(g_mass, _TONNES[g_mass] / _TONNES[mass]))
    verb = "is" if what == "demand" else "are"
    text = f"{what} {verb} given in {unit}: column {col}" if unit else f"use column {col}"
    return f"{text} ({', then '.join(steps)})" if steps else text


def _scaled(label: str, factor: float) -> str:
    """``"divide USD/t by 1,000"``: how to turn a value in ``label`` into one ``factor`` times."""
    verb, by = ("multiply", factor) if factor >= 1 else ("divide", 1 / factor)
    shown = f"{round(by):,}" if abs(by - round(by)) < 1e-9 * by else f"{by:,.6g}"
    return f"{verb} {label} by {shown}"


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
    by_key = {header_key(k): k for k in known}
    named = [by_key.get(header_key(label), label) for label in labels]
    groups: dict[str, list[str]] = {}
    for label, name in zip(labels, named, strict=True):
        groups.setdefault(header_key(name), []).append(label)
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
            hint = unit_hint(close[0], col)
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
            hint = unit_hint(col, close[0])
        else:
            continue
        problems.add(table, origin.label, col, None, rule, hint)
