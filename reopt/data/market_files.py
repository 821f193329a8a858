"""A market's tables read from a folder of CSVs or an Excel workbook, and the market they make.

The tables are ``offers`` and ``demand`` (needed), ``sources`` and ``stock`` (optional): files
``offers.csv`` ... ``stock.csv`` in a folder, or sheets of those names in a workbook. CSV files
are read as text by `reopt.data.csvfiles` and workbooks cell by cell by `reopt.data.excel`, so
an error cell, a formula without its value or a merged cell is a problem, never a blank; the
stock table then gets the same cell checks as every other (`reopt.data.stock`).

`read_folder_tables` and `read_workbook_tables_of_market` gather the tables and every reading
problem; `build_market` makes the `Market` of them or raises one `InputError` with the reading
problems and the market's own. `reopt.data.io` (``read_market``, TOML scenarios) uses them.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pandas as pd

from reopt.checks import input_error
from reopt.data.cells import TableOrigin
from reopt.data.csvfiles import read_csv_table
from reopt.data.dialect import CsvDialect
from reopt.data.excel import read_workbook_tables
from reopt.data.market import Market
from reopt.errors import InputError, ProblemList

__all__ = [
    "MARKET_TABLES",
    "MarketTables",
    "build_market",
    "inside",
    "read_csv_into",
    "read_folder_tables",
    "read_workbook_tables_of_market",
]

#: The tables of a market as files hold them; the first two are needed.
MARKET_TABLES = ("offers", "demand", "sources", "stock")
#: The tables read (None: not given, or unreadable) and where each came from.
MarketTables = tuple[dict[str, pd.DataFrame | None], dict[str, TableOrigin]]


def read_folder_tables(
    folder: Path,
    problems: ProblemList,
    dialects: dict[str, CsvDialect],
    root: Path | None = None,
    key: str = "folder",
) -> MarketTables:
    """The tables of ``folder``'s CSV files; a problem for each missing needed file.

    With ``root``, a file (symlinks resolved) outside it is a problem named by ``key``.
    ``dialects`` gets how each file was read, by its path.
    """
    tables: dict[str, pd.DataFrame | None] = dict.fromkeys(MARKET_TABLES)
    origins: dict[str, TableOrigin] = {}
    for table in MARKET_TABLES:
        path = folder / f"{table}.csv"
        if not path.exists():
            if table in MARKET_TABLES[:2]:
                present = sorted(p.name for p in folder.glob("*.csv"))
                close = difflib.get_close_matches(path.name, present, n=1)
                hint = f"did you mean {close[0]}?" if close else f"CSV files here: {present}"
                problems.add("file", str(path), None, None, "missing", hint)
            continue
        if root is not None and not inside(path, root, key, problems):
            continue
        read_csv_into(path, table, (tables, origins), dialects, problems)
    return tables, origins


def read_csv_into(
    path: Path,
    table: str,
    into: MarketTables,
    dialects: dict[str, CsvDialect],
    problems: ProblemList,
) -> None:
    """Read one CSV table into ``into`` (tables, origins) and how it was read into ``dialects``."""
    read = read_csv_table(path, table, problems)
    if read is not None:
        into[0][table], into[1][table] = read
        dialects[str(path)] = read[1].dialect


def read_workbook_tables_of_market(path: Path, problems: ProblemList) -> MarketTables:
    """The market's sheets of the workbook at ``path`` (``sources`` and ``stock`` optional)."""
    found = read_workbook_tables(path, MARKET_TABLES, optional=MARKET_TABLES[2:])
    problems.extend(found.problems)
    return dict(found.tables), dict(found.origins)


def build_market(
    tables: dict[str, pd.DataFrame | None],
    origins: dict[str, TableOrigin],
    problems: ProblemList,
) -> Market:
    """The market of ``tables``, or one InputError with the reading problems and the rest.

    A cell that could not be read (an error cell, say) is None in its table; a problem the
    market's own checks find at the same cell is left out, as the reading problem says more.
    """
    offers, demand, stock = tables["offers"], tables["demand"], tables.get("stock")
    if not problems and offers is not None and demand is not None:
        return Market(offers, demand, tables.get("sources"), stock=stock, origins=origins)
    if offers is not None and demand is not None:
        seen = {(p.where, p.column) for p in problems.items}
        try:
            Market(offers, demand, tables.get("sources"), stock=stock, origins=origins)
        except InputError as err:
            problems.extend(p for p in err.problems if (p.where, p.column) not in seen)
    problems.raise_if_any()
    raise input_error("file", "market", None, None, "offers and demand are both needed")


def inside(path: Path, root: Path, key: str, problems: ProblemList) -> bool:
    """Whether ``path`` (symlinks resolved) is inside ``root``; a problem when it is not."""
    try:
        within = path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):
        within = False
    if not within:
        problems.add(
            "file",
            str(path),
            key,
            None,
            f"is outside the scenario's folder {root}",
            "move the file next to the scenario, or pass allow_outside=True "
            "(--allow-outside on the command line) if you trust the scenario",
        )
    return within
