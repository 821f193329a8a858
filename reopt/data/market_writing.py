"""Writing a market back to files, in each layout `reopt.read_market` reads.

`write_market` writes the market's tables (``offers``, ``demand``, and ``sources`` and
``stock`` when the market has them) as a folder of CSVs, an ``.xlsx`` workbook with one
sheet per table, or a ``.toml`` file holding each table as ``[[table]]`` entries. A limit
without bound (unlimited capacity, a stock without ``max_t``) is an empty cell in CSV and
Excel and ``inf`` in TOML; a missing value is an empty cell, left out of a TOML entry. The
readers take each as it was. CSV and Excel files go through `reopt.data.writing` (text
that starts like a formula is quoted, and each file is written whole or not at all).
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from reopt.data.market import Market
from reopt.data.writing import Sheet, WriteError, replacing, write_csv, write_workbook

__all__ = ["market_tables", "toml_text", "write_market"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def market_tables(market: Market, *, blank_unlimited: bool = True) -> dict[str, pd.DataFrame]:
    """The market's tables as they are written: limits without bound as missing cells.

    With ``blank_unlimited=False`` (TOML, which has ``inf``) they stay infinite.
    """
    tables = {"offers": market.offers, "demand": market.demand}
    if market.sources is not None:
        tables["sources"] = market.sources
    if market.stock is not None:
        tables["stock"] = market.stock
    for frame in tables.values() if blank_unlimited else ():
        for column in ("capacity_t", "max_t"):
            if column in frame.columns:
                values = frame[column].astype(object)
                frame[column] = values.where(values != np.inf, None)
    return tables


def write_market(market: Market, path: str | os.PathLike[str]) -> None:
    """Write ``market`` as a folder of CSVs, an ``.xlsx`` workbook or a ``.toml`` file.

    A path ending in ``.xlsx`` gets a workbook, one ending in ``.toml`` a TOML file, and any
    other path a folder with ``offers.csv``, ``demand.csv`` (and ``sources.csv``,
    ``stock.csv``). `read_market` reads each of them back as the same market.

    Raises
    ------
    WriteError
        When a file cannot be written.

    Examples
    --------
    >>> import pathlib, tempfile, reopt
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "market.toml"
    >>> reopt.write_market(reopt.datasets.japan_2025(), file)
    >>> reopt.read_market(file).n_offers == reopt.datasets.japan_2025().n_offers
    True
    """
    out = Path(path)
    suffix = out.suffix.lower() if not out.is_dir() else ""
    tables = market_tables(market, blank_unlimited=suffix != ".toml")
    if suffix == ".xlsx":
        write_workbook(out, [Sheet(name, frame) for name, frame in tables.items()])
        return
    if suffix == ".toml":
        with replacing(out) as temp:
            Path(temp).write_text(toml_text(tables), encoding="utf-8")
        return
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise WriteError(out, err.strerror or str(err)) from err
    for name, frame in tables.items():
        write_csv(frame, out / f"{name}.csv")


def toml_text(tables: dict[str, pd.DataFrame]) -> str:
    """The tables as TOML ``[[table]]`` entries; a missing cell is left out of its entry.

    Examples
    --------
    >>> print(toml_text({"stock": pd.DataFrame({"product": ["A"], "max_t": [None]})}))
    [[stock]]
    product = "A"
    <BLANKLINE>
    """
    lines: list[str] = []
    for name, frame in tables.items():
        keys = [_key(str(c)) for c in frame.columns]
        for row in frame.itertuples(index=False):
            lines.append(f"[[{_key(name)}]]")
            for key, value in zip(keys, row, strict=True):
                shown = _value(value)
                if shown is not None:
                    lines.append(f"{key} = {shown}")
            lines.append("")
    return "\n".join(lines)


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else _string(name)


def _string(text: str) -> str:
    """A TOML basic string: JSON's escapes, and DEL escaped too (TOML refuses it bare)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: object) -> str | None:
    """A cell as a TOML value, or None for a missing cell."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        if math.isinf(number):
            return "inf" if number > 0 else "-inf"
        return repr(number)
    return _string(str(value))
