"""Reading markets and scenarios from files, and writing them back.

Three layouts hold the same tables (``offers``, ``demand``, optional ``sources``):

- a folder with ``offers.csv``, ``demand.csv`` and optionally ``sources.csv``;
- an ``.xlsx`` workbook with sheets of those names;
- a ``.toml`` scenario file that points at either of them and lists policies::

      offers = "offers.csv"        # or: folder = "data"   or: workbook = "market.xlsx"
      demand = "demand.csv"
      sources = "sources.csv"      # optional
      china_cap = 0.6              # optional
      [[policies]]
      cap_share = 0.65
      each = "country"
      [[policies]]
      min_share = 0.1
      kind = "recycler"

CSV files are read as text by `reopt.data.csvfiles` (comma, semicolon or tab separated;
decimal commas in semicolon-separated files) and workbooks cell by cell by
`reopt.data.excel`; problems name the line or row a user sees in an editor, and
`Scenario.dialects` says how each CSV file was read. A scenario's
paths stay inside its folder (symlinks resolved) unless ``allow_outside=True``; a scenario,
like a CSV, may start with a UTF-8 byte-order mark.
"""

from __future__ import annotations

import contextlib
import difflib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from reopt.checks import Optional, Share, check, input_error
from reopt.data.cells import TableOrigin
from reopt.data.csvfiles import read_csv_table
from reopt.data.dialect import CsvDialect
from reopt.data.excel import read_workbook_tables
from reopt.data.market import Market
from reopt.data.scenario_files import SCENARIO_KEYS
from reopt.data.tomlfiles import read_toml
from reopt.data.writing import Workbook, WriteError, workbook, write_csv
from reopt.errors import InputError, Problem, ProblemList, ReoptError
from reopt.model.policies import FILTERS, SharePolicy, cap_share, min_share
from reopt.share_rule import share_value

__all__ = ["Scenario", "read_market", "read_scenario", "write_market"]

TABLES = ("offers", "demand", "sources")
_Tables = tuple[dict[str, pd.DataFrame | None], dict[str, TableOrigin], dict[str, CsvDialect]]
#: Keys of a .toml scenario; the scenario set's and risk's keys are read by their own readers.
_SCENARIO_KEYS: tuple[str, ...] = ("offers", "demand", "sources", "folder", "workbook")
_SCENARIO_KEYS += ("china_cap", "policies")
_SCENARIO_KEYS += ("name", "description", *SCENARIO_KEYS, "risk")
_CAP_RULE = {"china_cap": Optional(Share())}
_POLICY_KEYS = ("cap_share", "min_share", *FILTERS, "each", "scope", "basis", "name")


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
    if p.is_dir():
        dialects: dict[str, CsvDialect] = {}
        return Scenario(_read_folder(p, dialects=dialects), dialects=dialects)
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return Scenario(_read_workbook(p))
    if suffix == ".toml":
        return _read_toml(p, allow_outside)
    if suffix == ".csv":
        hint = "pass the folder that holds offers.csv and demand.csv"
    else:
        hint = "use a folder of CSVs, an .xlsx workbook or a .toml scenario"
    raise input_error("file", str(p), None, None, f"cannot read {suffix or 'this'} files", hint)


def write_market(market: Market, folder: str | os.PathLike[str]) -> None:
    """Write ``market`` as ``offers.csv``, ``demand.csv`` (and ``sources.csv``) in ``folder``.

    Unlimited capacity is written as an empty cell; `read_market` reads the folder back. Each
    file is written whole or not at all, and text a spreadsheet would run as a formula is
    written with a leading quote (see `reopt.data.writing`).

    Raises
    ------
    WriteError
        When a file cannot be written.
    """
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise WriteError(out, err.strerror or str(err)) from err
    offers = market.offers
    offers["capacity_t"] = offers["capacity_t"].map(lambda v: "" if v == float("inf") else v)
    write_csv(offers, out / "offers.csv")
    write_csv(market.demand, out / "demand.csv")
    if market.sources is not None:
        write_csv(market.sources, out / "sources.csv")


@contextlib.contextmanager
def excel_writer(path: str | os.PathLike[str]) -> Iterator[Workbook]:
    """Collect sheets (``book.add(name, frame)``) and write them as one workbook at the end.

    The workbook is escaped and written atomically by `reopt.data.writing.write_workbook`;
    nothing is written when the block raises, or when openpyxl is missing (a clear message).
    """
    _need_openpyxl()
    with workbook(path) as book:
        yield book


# ------------------------------------------------------------------------------------------
def _read_folder(
    folder: Path,
    root: Path | None = None,
    key: str = "folder",
    *,
    dialects: dict[str, CsvDialect],
) -> Market:
    problems = ProblemList()
    tables: dict[str, pd.DataFrame | None] = dict.fromkeys(TABLES)
    origins: dict[str, TableOrigin] = {}
    for table in (*TABLES, "stock"):  # stock.csv: optional, see reopt.data.stock
        path = folder / f"{table}.csv"
        if not path.exists():
            if table in TABLES[:2]:
                present = sorted(p.name for p in folder.glob("*.csv"))
                close = difflib.get_close_matches(path.name, present, n=1)
                hint = f"did you mean {close[0]}?" if close else f"CSV files here: {present}"
                problems.add("file", str(path), None, None, "missing", hint)
            continue
        if root is not None and not _inside(path, root, key, problems):
            continue
        _read_csv(path, table, (tables, origins, dialects), problems)
    return _market(tables, origins, problems)


def _read_csv(path: Path, table: str, into: _Tables, problems: ProblemList) -> None:
    """Read one CSV table into ``into``: (tables, their origins, how each file was read)."""
    read = read_csv_table(path, table, problems)
    if read is not None:
        into[0][table], into[1][table] = read
        into[2][str(path)] = read[1].dialect


def _read_workbook(path: Path) -> Market:
    found = read_workbook_tables(path, TABLES)
    problems = ProblemList()
    problems.extend(found.problems)
    return _market(found.tables, dict(found.origins), problems)


def _market(
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


def _inside(path: Path, root: Path, key: str, problems: ProblemList) -> bool:
    """Whether ``path`` (symlinks resolved) is inside ``root``; a problem when it is not."""
    try:
        inside = path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):
        inside = False
    if not inside:
        problems.add(
            "file",
            str(path),
            key,
            None,
            f"is outside the scenario's folder {root}",
            "move the file next to the scenario, or pass allow_outside=True "
            "(--allow-outside on the command line) if you trust the scenario",
        )
    return inside


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
    base = path.parent
    root = None if allow_outside else base.resolve()
    given: list[str] = [k for k in ("folder", "workbook") if k in data]
    if "offers" in data or "demand" in data:
        given.append("offers/demand")
    if len(given) != 1:
        rule = "names no tables" if not given else f"names tables twice ({', '.join(given)})"
        hint = "give offers and demand, or folder, or workbook"
        raise input_error("file", str(path), None, None, rule, hint)
    problems = ProblemList()
    named = {k: _named_path(data, k, path, problems) for k in (*TABLES, "folder", "workbook")}
    problems.raise_if_any()
    for key, file in named.items():
        if file is not None and root is not None:
            _inside(file, root, key, problems)
    problems.raise_if_any()
    if named["folder"] is not None:
        return _read_folder(named["folder"], root, dialects=dialects)
    if named["workbook"] is not None:
        return _read_workbook(named["workbook"])
    tables: dict[str, pd.DataFrame | None] = dict.fromkeys(TABLES)
    origins: dict[str, TableOrigin] = {}
    for table in TABLES:
        file = named[table]
        if file is None:
            if table != "sources":
                problems.add(
                    "file", str(path), table, None, "missing", f'e.g. {table} = "{table}.csv"'
                )
            continue
        if not file.exists():
            problems.add("file", str(file), None, None, "no such file", f"named by {path.name}")
            continue
        _read_csv(file, table, (tables, origins, dialects), problems)
    return _market(tables, origins, problems)


def _named_path(data: dict[str, Any], key: str, path: Path, problems: ProblemList) -> Path | None:
    """The path a scenario gives under ``key``, relative to the scenario's folder."""
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        problems.add("file", str(path), key, value, "must be a path as text", f'e.g. {key} = "..."')
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


def _need_openpyxl() -> None:
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise ReoptError("Excel files need openpyxl: pip install 'reopt[excel]'") from None
