"""Filters: how a value such as ``"cn"`` or ``["recycler", "mine"]`` picks offers, and its checks.

Offers are picked by the label columns ``country``, ``refined_in`` (ISO 3166-1 alpha-2
codes, upper case), ``kind`` (one of `KINDS`, lower case), ``source``, ``product`` and
``period``. The same cleaning applies to market cells, to policy filters
(``cap_share(0.6, country="cn")``) and to what-if filters (``scale_price={"kind": "mine"}``):
text is normalised as names are (`reopt.data.text`), country codes are upper-cased and must
exist, kinds are lower-cased and must be one of `KINDS`.

Public functions
----------------
``normalise_text(column, text) -> str``
    One value cleaned: written as `reopt.data.text.normalise_name` writes names (NFC, no
    zero-width characters, one space for every run of spaces, stripped); then upper case for
    ``country``/``refined_in``, lower case for ``kind``.
``normalise(column, values: np.ndarray) -> np.ndarray``
    The same for an array (returns a numpy string array).
``code_problem(column, text) -> tuple[str, str] | None``
    ``(rule, hint)`` when ``text`` (any case, any spaces) is not a valid value of a code
    column: ``"not an ISO 3166-1 alpha-2 country code"`` with `suggest_country`'s hint, or
    ``"unknown kind"`` with ``"did you mean 'mine'?"`` (else ``"one of mine, refinery, ..."``).
    ``None`` when valid, and always for ``source``, ``product``, ``period``.
``clean_values(column, value, *, where, problems, table="policies") -> tuple[str, ...]``
    The policy rule: ``value`` is one text or an iterable of texts. Returns the cleaned,
    valid values, deduplicated in order. Adds a `Problem` ``(table, where, column, ...)`` to
    ``problems`` for: a value that is not iterable (``"expected text or a list of text"``),
    an item that is not non-empty text (``"expected non-empty text"``), a name
    `reopt.data.text.name_problem` refuses, an invalid code (see ``code_problem``), and,
    when nothing is left and ``problems`` is still empty,
    ``"the list is empty"``. ``None`` gives ``()`` and no problem.
``filter_values(column, wanted) -> np.ndarray | None``
    The what-if rule for one filter value: text or integers (integers for periods), one or a
    list, not bytes, not a mapping, not empty, no booleans; returned normalised, or ``None``
    when it breaks that rule.
``match(table, where, *, allowed, argument, where_label="sweep()", table_name="options",
problems=None) -> np.ndarray``
    Boolean mask over the rows of the DataFrame ``table`` (``market.offers`` or
    ``market.demand``) that match every ``{column: value(s)}`` of the mapping ``where``.
    Problems (table ``table_name``, where ``where_label``, column ``argument``): ``where`` not
    a mapping; a key not in ``allowed`` or not a column of ``table`` (``"cannot filter on
    'colour'"``); a value ``filter_values`` refuses; a value that matches no row
    (``"matches nothing in the market"``, with a did-you-mean hint). Without ``problems``
    they are raised at once as one `InputError`; with a `ProblemList` they are added to it
    and the caller raises.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from reopt.data.countries import is_country_code, suggest_country
from reopt.data.text import name_problem, normalise_name
from reopt.errors import ProblemList

__all__ = [
    "CODE_COLUMNS",
    "FILTER_COLUMNS",
    "KINDS",
    "clean_values",
    "code_problem",
    "filter_values",
    "match",
    "normalise",
    "normalise_text",
]

#: The kinds of source reopt knows; ``other`` is the default.
KINDS: tuple[str, ...] = ("mine", "refinery", "recycler", "stockpile", "spot", "other")

#: Columns that hold ISO 3166-1 alpha-2 country codes (upper case).
CODE_COLUMNS: tuple[str, ...] = ("country", "refined_in")

#: Every column of the offers that a filter may name.
FILTER_COLUMNS: tuple[str, ...] = ("country", "refined_in", "kind", "source", "product", "period")


def normalise_text(column: str, text: str) -> str:
    """``text`` written as the market writes values of ``column``.

    Examples
    --------
    >>> normalise_text("country", " cn "), normalise_text("kind", "Mine\u00a0")
    ('CN', 'mine')
    """
    text = normalise_name(text)
    if column in CODE_COLUMNS:
        return text.upper()
    if column == "kind":
        return text.lower()
    return text


def normalise(column: str, values: np.ndarray) -> np.ndarray:
    """Every value of ``values`` as text written as the market writes ``column``.

    Each distinct value is cleaned once, by `normalise_text`.
    """
    codes, uniques = pd.factorize(np.asarray(values).astype(str).astype(object))
    return np.asarray([normalise_text(column, u) for u in uniques], dtype=str)[codes]


def code_problem(column: str, text: str) -> tuple[str, str] | None:
    """``(rule, hint)`` if ``text`` is not a valid country code or kind, else ``None``.

    Examples
    --------
    >>> code_problem("kind", "miner")
    ('unknown kind', "did you mean 'mine'?")
    >>> code_problem("country", "cn") is None
    True
    """
    value = normalise_text(column, text)
    if column == "kind":
        if value in KINDS:
            return None
        close = difflib.get_close_matches(value, KINDS, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"one of {', '.join(KINDS)}"
        return "unknown kind", hint
    if column in CODE_COLUMNS and not is_country_code(value):
        return "not an ISO 3166-1 alpha-2 country code", suggest_country(text)
    return None


def clean_values(
    column: str,
    value: object,
    *,
    where: str,
    problems: ProblemList,
    table: str = "policies",
) -> tuple[str, ...]:
    """The valid values of one policy filter, cleaned and deduplicated in order.

    Parameters
    ----------
    column : str
        The filter, e.g. ``"country"``.
    value : str, iterable of str or None
        What the user gave.
    where : str
        Where the filter was given (e.g. ``"cap_share"``), for the problems.
    problems : ProblemList
        Receives a problem for every value that breaks a rule.
    table : str, default="policies"
        The ``table`` of those problems.

    Examples
    --------
    >>> found = ProblemList()
    >>> clean_values("country", ["cn", "CN ", "AU"], where="cap_share", problems=found)
    ('CN', 'AU')
    >>> bool(found)
    False
    """
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Iterable):
        problems.add(table, where, column, value, "expected text or a list of text")
        return ()
    out = []
    for item in items:
        if not isinstance(item, str) or not normalise_name(item):
            problems.add(table, where, column, item, "expected non-empty text")
            continue
        broken = name_problem(normalise_name(item)) or code_problem(column, item)
        if broken is not None:
            problems.add(table, where, column, item, *broken)
            continue
        out.append(normalise_text(column, item))
    if not out and not problems:
        problems.add(table, where, column, value, "the list is empty")
    return tuple(dict.fromkeys(out))


def filter_values(column: str, wanted: object) -> np.ndarray | None:
    """One what-if filter's values as normalised text; ``None`` if they are not text or ints.

    Examples
    --------
    >>> filter_values("period", [2026, "2027"]).tolist()
    ['2026', '2027']
    >>> filter_values("kind", b"mine") is None
    True
    """
    items = [wanted] if isinstance(wanted, (str, numbers.Integral)) else wanted
    if not isinstance(items, Iterable) or isinstance(items, (Mapping, bytes, bytearray)):
        return None
    values = list(items)
    if not values or not all(
        isinstance(v, (str, numbers.Integral)) and not isinstance(v, bool) for v in values
    ):
        return None
    return normalise(column, np.array([str(v) for v in values], dtype=object))


def match(
    table: pd.DataFrame,
    where: Mapping[str, object],
    *,
    allowed: Sequence[str],
    argument: str,
    where_label: str = "sweep()",
    table_name: str = "options",
    problems: ProblemList | None = None,
) -> np.ndarray:
    """Boolean mask of the rows of ``table`` that match every filter in ``where``.

    Every value must match at least one row, or a typo in a list would go unnoticed.

    Parameters
    ----------
    table : pandas.DataFrame
        ``market.offers`` or ``market.demand``.
    where : mapping
        ``{column: value or list of values}``, e.g. ``{"country": ["CN", "MM"]}``.
    allowed : sequence of str
        The columns that may be named.
    argument : str
        The argument ``where`` was given as, e.g. ``"scale_price"``.
    where_label, table_name : str
        The ``where`` and ``table`` of the problems.
    problems : ProblemList, optional
        Collects the problems; without it they are raised at once.

    Raises
    ------
    InputError
        Without ``problems``, when a filter is malformed or matches nothing.

    Examples
    --------
    >>> offers = pd.DataFrame({"country": ["CN", "AU"], "kind": ["mine", "refinery"]})
    >>> match(offers, {"country": "cn"}, allowed=FILTER_COLUMNS, argument="scale_price")
    array([ True, False])
    """
    found = ProblemList() if problems is None else problems
    mask = np.ones(len(table), dtype=bool)
    if not isinstance(where, Mapping):
        rule = "must be a mapping like {'country': 'CN'}"
        found.add(table_name, where_label, argument, where, rule)
        if problems is None:
            found.raise_if_any()
        return mask
    for key, wanted in where.items():
        if key not in allowed or key not in table.columns:
            usable = ", ".join(k for k in allowed if k in table.columns)
            found.add(
                table_name, where_label, argument, key, f"cannot filter on {key!r}", f"use {usable}"
            )
            continue
        values = filter_values(key, wanted)
        if values is None:
            rule = "expected text or a list of text"
            found.add(table_name, where_label, argument, f"{key}={wanted!r}", rule)
            continue
        column = normalise(key, table[key].astype(str).to_numpy())
        known = set(column.tolist())
        for value in values:
            if value in known:
                continue
            close = difflib.get_close_matches(str(value), sorted(known), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {sorted(known)[:8]}"
            shown = f"{key}={str(value)!r}"
            rule = "matches nothing in the market"
            found.add(table_name, where_label, argument, shown, rule, hint)
        mask &= np.isin(column, values)
    if problems is None:
        found.raise_if_any()
    return mask
