"""ISO 3166-1 alpha-2 country codes: which codes exist, their names, and guesses for typos.

The code list ships as ``reopt/data/countries.csv`` (249 codes with short English names).
It is read with ``keep_default_na=False`` so that Namibia's ``NA`` stays a code.
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType

__all__ = ["country_name", "country_names", "is_country_code", "suggest_country"]


@cache
def country_names() -> Mapping[str, str]:
    """All ISO 3166-1 alpha-2 codes mapped to short English names.

    Examples
    --------
    >>> country_names()["NA"], country_names()["CN"]
    ('Namibia', 'China')
    """
    text = resources.files("reopt.data").joinpath("countries.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return MappingProxyType({row["code"]: row["name"] for row in rows})


def is_country_code(code: str) -> bool:
    """True if ``code`` is an ISO 3166-1 alpha-2 code (upper case)."""
    return code in country_names()


def country_name(code: str) -> str:
    """The short English name of ``code``, or ``code`` itself when it is not a known code."""
    return country_names().get(code, code)


@cache
def _names_to_codes() -> Mapping[str, str]:
    aliases = {
        "usa": "US",
        "united states of america": "US",
        "america": "US",
        "uk": "GB",
        "britain": "GB",
        "great britain": "GB",
        "england": "GB",
        "burma": "MM",
        "south korea": "KR",
        "korea": "KR",
        "russia": "RU",
        "prc": "CN",
        "mainland china": "CN",
        "viet nam": "VN",
    }
    table = {name.lower(): code for code, name in country_names().items()}
    table.update(aliases)
    return MappingProxyType(table)


def suggest_country(text: str) -> str:
    """A hint for a value that is not an alpha-2 code: the code it probably means.

    Examples
    --------
    >>> suggest_country("China")
    "use the ISO 3166-1 alpha-2 code 'CN' for China"
    >>> suggest_country("XX")
    'use an ISO 3166-1 alpha-2 code such as CN, AU, US, JP'
    """
    key = text.strip().lower()
    names = _names_to_codes()
    if key in names:
        code = names[key]
        return f"use the ISO 3166-1 alpha-2 code {code!r} for {country_name(code)}"
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.8)
    if close:
        code = names[close[0]]
        return f"did you mean {code!r} ({country_name(code)})?"
    return "use an ISO 3166-1 alpha-2 code such as CN, AU, US, JP"
