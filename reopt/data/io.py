"""Reading markets and scenarios from files: `read_market`, `read_scenario` and `Scenario`.

Three layouts hold the same tables (``offers``, ``demand``, optional ``sources`` and
``stock``; see `reopt.data.market_files`):

- a folder with ``offers.csv``, ``demand.csv`` and optionally ``sources.csv``, ``stock.csv``;
- an ``.xlsx`` workbook with sheets of those names;
- a ``.toml`` scenario that points at them, or holds them, and lists policies::

      offers = "offers.csv"        # or: folder = "data"   or: workbook = "market.xlsx"
      demand = "demand.csv"        #     or [[offers]] / [[demand]] entries in the file
      sources = "sources.csv"      # optional
      china_cap = 0.6              # optional
      [[stock]]                    # optional: or stock = "stock.csv"
      product = "Dy oxide"
      min_days = 60
      [[policies]]
      cap_share = 0.65
      each = "country"
      [[policies]]
      min_share = 0.1
      kind = "recycler"
      over = "horizon"

CSV files are read as text by `reopt.data.csvfiles` (comma, semicolon or tab separated;
decimal commas in semicolon-separated files) and workbooks cell by cell by
`reopt.data.excel`; problems name the line, row or entry a user sees in an editor, and
`Scenario.dialects` says how each CSV file was read. A scenario's
paths stay inside its folder (symlinks resolved) unless ``allow_outside=True``; a scenario,
like a CSV, may start with a UTF-8 byte-order mark. `write_market`
(`reopt.data.market_writing`) writes each layout back.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from reopt.checks import Optional, Share, check, input_error
from reopt.data.cells import TableOrigin
from reopt.data.dialect import CsvDialect
from reopt.data.market import Market
from reopt.data.market_files import (
    MARKET_TABLES,
    MarketTables,
    build_market,
    inside,
    read_csv_into,
    read_folder_tables,
    read_workbook_tables_of_market,
)
from reopt.data.market_writing import write_market
from reopt.data.scenario_files import SCENARIO_KEYS
from reopt.data.tomlfiles import read_toml, toml_records
from reopt.errors import InputError, Problem, ProblemList
from reopt.model.policies import FILTERS, SharePolicy, cap_share, min_share
from reopt.share_rule import share_value

__all__ = ["Scenario", "read_market", "read_scenario", "write_market"]

#: Keys of a .toml scenario; the scenario set's and risk's keys are read by their own readers.
_SCENARIO_KEYS: tuple[str, ...] = (*MARKET_TABLES, "folder", "workbook")
_SCENARIO_KEYS += ("china_cap", "policies")
_SCENARIO_KEYS += ("name", "description", *SCENARIO_KEYS, "risk", "solver")
_CAP_RULE = {"china_cap": Optional(Share())}
_POLICY_KEYS = ("cap_share", "min_share", *FILTERS, "each", "scope", "over", "basis", "name")


@dataclass(frozen=True)
class Scenario:
    """A market with the policies a scenario file lists.

    Attributes
    ----------
    market : Market
    china_cap : float or None
        The scenario's ``china_cap``, if it gives one.
    policies : tuple of SharePolicy
        The scenario's other policies.
    name : str
    dialects : dict of str to CsvDialect
        How each CSV file was read, by its path: ``str(dialect)`` is e.g.
        ``"semicolon-separated with decimal commas"``. Empty for a workbook.
    """

    market: Market
    china_cap: float | None = None
    policies: tuple[SharePolicy, ...] = ()
    name: str = ""
    dialects: dict[str, CsvDialect] = field(default_factory=dict)


def read_market(path: str | os.PathLike[str], *, allow_outside: bool = False) -> Market:
    """Read a market from a folder of CSVs, an ``.xlsx`` workbook, or a ``.toml`` scenario.

    Parameters
    ----------
    path : str or path-like
    allow_outside : bool, default=False
        Let a ``.toml`` scenario name files outside its own folder (after resolving symlinks).

    Raises
    ------
    InputError
        For a missing file or sheet, unreadable content, or any invalid cell (all of them).

    Examples
    --------
    >>> import reopt, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> reopt.write_market(reopt.datasets.japan_2025(), folder)
    >>> reopt.read_market(folder).n_offers == reopt.datasets.japan_2025().n_offers
    True
    """
    return read_scenario(path, allow_outside=allow_outside).market


def read_scenario(path: str | os.PathLike[str], *, allow_outside: bool = False) -> Scenario:
    """Read a market and, from a ``.toml`` file, its policies; see `read_market`.

    A scenario's paths are relative to its folder and must stay inside it (symlinks resolved)
    unless ``allow_outside`` is true.
    """
    p = Path(path)
    if not p.exists():
        raise input_error("file", str(p), None, None, "no such file or folder")
    problems = ProblemList()
    if p.is_dir():
        dialects: dict[str, CsvDialect] = {}
        tables, origins = read_folder_tables(p, problems, dialects)
        return Scenario(build_market(tables, origins, problems), dialects=dialects)
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        tables, origins = read_workbook_tables_of_market(p, problems)
        return Scenario(build_market(tables, origins, problems))
    if suffix == ".toml":
        return _read_toml(p, allow_outside)
    if suffix == ".csv":
        hint = "pass the folder that holds offers.csv and demand.csv"
    else:
        hint = "use a folder of CSVs, an .xlsx workbook or a .toml scenario"
    raise input_error("file", str(p), None, None, f"cannot read {suffix or 'this'} files", hint)


def _read_toml(path: Path, allow_outside: bool) -> Scenario:
    data = read_toml(path)
    problems = ProblemList()
    for key in data:
        if key not in _SCENARIO_KEYS:
            close = difflib.get_close_matches(key, _SCENARIO_KEYS, n=1)
            problems.add(
                "file",
                str(path),
                key,
                None,
                "unknown key",
                f"did you mean {close[0]!r}?" if close else f"known keys: {list(_SCENARIO_KEYS)}",
            )
    china_cap = data.get("china_cap")
    cap_problems = check({"china_cap": china_cap}, _CAP_RULE, where=str(path), table="policies")
    problems.extend(cap_problems)
    if china_cap is not None and not cap_problems:
        china_cap = share_value(china_cap, where=str(path), column="china_cap")
    policies = _toml_policies(data.get("policies", []), path, problems)
    problems.raise_if_any()
    dialects: dict[str, CsvDialect] = {}
    market = _toml_market(data, path, allow_outside, dialects)
    name = data.get("name", path.stem)
    return Scenario(market, china_cap, tuple(policies), str(name), dialects)


def _toml_market(
    data: dict[str, Any], path: Path, allow_outside: bool, dialects: dict[str, CsvDialect]
) -> Market:
    """The market a scenario names: a folder, a workbook, or its tables one by one.

    A table given one by one is a path (``stock = "stock.csv"``) or written in the file
    (``[[stock]]`` entries); ``sources`` and ``stock`` may also join a folder or workbook
    that does not hold them.
    """
    root = None if allow_outside else path.parent.resolve()
    given: list[str] = [k for k in ("folder", "workbook") if k in data]
    if "offers" in data or "demand" in data:
        given.append("offers/demand")
    if len(given) != 1:
        rule = "names no tables" if not given else f"names tables twice ({', '.join(given)})"
        hint = "give offers and demand, or folder, or workbook"
        raise input_error("file", str(path), None, None, rule, hint)
    problems = ProblemList()
    tables: dict[str, pd.DataFrame | None] = dict.fromkeys(MARKET_TABLES)
    origins: dict[str, TableOrigin] = {}
    place = given[0]
    if place != "offers/demand":
        file = _named_path(data, place, path, problems)
        problems.raise_if_any()
        assert file is not None
        if root is not None and not inside(file, root, place, problems):
            problems.raise_if_any()
        if place == "folder":
            tables, origins = read_folder_tables(file, problems, dialects, root)
        else:
            tables, origins = read_workbook_tables_of_market(file, problems)
    for table in MARKET_TABLES:
        if table not in data:
            if place == "offers/demand" and table in MARKET_TABLES[:2]:
                hint = f'e.g. {table} = "{table}.csv", or [[{table}]] entries'
                problems.add("file", str(path), table, None, "missing", hint)
            continue
        if table in origins:
            rule = f"the table {table!r} is given twice: here and in the {place}"
            problems.add("file", str(path), table, None, rule, "keep one of them")
            continue
        _toml_table(data, table, path, root, (tables, origins), dialects, problems)
    return build_market(tables, origins, problems)


def _toml_table(
    data: dict[str, Any],
    table: str,
    path: Path,
    root: Path | None,
    into: MarketTables,
    dialects: dict[str, CsvDialect],
    problems: ProblemList,
) -> None:
    """Read the table a scenario gives under ``table``: a CSV file, or entries in the file."""
    value = data[table]
    if isinstance(value, list):
        read = toml_records(value, table, path, problems)
        if read is not None:
            into[0][table], into[1][table] = read
        return
    file = _named_path(data, table, path, problems)
    if file is None or (root is not None and not inside(file, root, table, problems)):
        return
    if not file.exists():
        problems.add("file", str(file), None, None, "no such file", f"named by {path.name}")
        return
    read_csv_into(file, table, into, dialects, problems)


def _named_path(data: dict[str, Any], key: str, path: Path, problems: ProblemList) -> Path | None:
    """The path a scenario gives under ``key``, relative to the scenario's folder."""
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        hint = f'e.g. {key} = "..."' + (f" or [[{key}]] entries" if key in MARKET_TABLES else "")
        problems.add("file", str(path), key, value, "must be a path as text", hint)
        return None
    return path.parent / value


def _toml_policies(items: object, path: Path, problems: ProblemList) -> list[SharePolicy]:
    if not isinstance(items, list):
        problems.add("file", str(path), "policies", None, "must be a list of [[policies]] tables")
        return []
    out = []
    for k, item in enumerate(items, start=1):
        where = f"{path} [[policies]] #{k}"
        if not isinstance(item, dict):
            problems.add("policies", where, None, item, "must be a table")
            continue
        unknown = [key for key in item if key not in _POLICY_KEYS]
        for key in unknown:
            close = difflib.get_close_matches(key, _POLICY_KEYS, n=1)
            problems.add(
                "policies",
                where,
                key,
                None,
                "unknown key",
                f"did you mean {close[0]!r}?" if close else f"known: {list(_POLICY_KEYS)}",
            )
        verbs = [v for v in ("cap_share", "min_share") if v in item]
        if len(verbs) != 1:
            problems.add(
                "policies",
                where,
                None,
                None,
                "needs exactly one of cap_share or min_share",
                "e.g. cap_share = 0.6",
            )
            continue
        if unknown:
            continue
        args = {key: value for key, value in item.items() if key not in verbs}
        make = cap_share if verbs[0] == "cap_share" else min_share
        try:
            out.append(make(item[verbs[0]], **args))
        except InputError as err:
            problems.extend(
                Problem(p.table, f"{where} ({p.where})", p.column, p.value, p.rule, p.hint)
                for p in err.problems
            )
    return out
