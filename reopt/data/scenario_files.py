"""Reading a scenario set from files: a folder of CSVs, an Excel workbook, or a TOML file.

The tables are those of `reopt.data.scenarios`: ``scenarios`` and ``lost_supply`` are needed,
``changes`` may be left out (a set where nothing changes). Three layouts hold them:

- a folder with ``scenarios.csv``, ``lost_supply.csv`` and optionally ``changes.csv``, read
  as market CSVs are (`reopt.data.csvfiles`: comma, semicolon or tab separated, decimal
  commas in semicolon-separated files);
- an ``.xlsx`` workbook with sheets of those names, read cell by cell (`reopt.data.excel`);
- a ``.toml`` file that lists them, or points at a folder or workbook holding them::

      spot_premium = 0.5                 # optional, default 0.5
      lost_supply = {"Dy oxide" = 2400}  # or [{product = ..., value_usd_per_kg = ...}, ...]
      [[scenarios]]
      scenario = "calm"
      probability = 0.9
      [[scenarios]]
      scenario = "halt"
      probability = 0.1
      [[changes]]
      scenario = "halt"
      country = "CN"
      capacity_factor = 0

  ``scenarios`` may also be ``{name = probability, ...}``; ``folder = "dir"`` or
  ``workbook = "file.xlsx"`` supplies the tables the file does not list (one place per
  table), and its paths stay inside the file's folder unless ``allow_outside=True``. The same
  file may hold a market and its policies (`reopt.data.io`): those keys (`OTHER_KEYS`) are
  left to their readers; any other key is refused.

Problems name the file and the line, sheet row or entry: ``changes.csv line 4``,
``risk.xlsx sheet 'changes' row 3``, ``risk.toml changes entry 2``.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from reopt.checks import input_error
from reopt.data.cells import TableOrigin
from reopt.data.csvfiles import read_csv_table
from reopt.data.dialect import read_decimals
from reopt.data.excel import read_workbook_tables
from reopt.data.headers import header_key
from reopt.data.scenarios import TABLES, ScenarioSet
from reopt.data.tomlfiles import read_toml, toml_records
from reopt.errors import InputError, ProblemList

__all__ = ["OTHER_KEYS", "SCENARIO_KEYS", "read_scenarios"]

#: The keys of a TOML file that this reader reads.
SCENARIO_KEYS = ("scenarios", "changes", "lost_supply", "spot_premium", "folder", "workbook")
#: Keys of the same file read by others (the market, its policies, stock, risk settings).
OTHER_KEYS = (
    "offers",
    "demand",
    "sources",
    "china_cap",
    "policies",
    "name",
    "description",
    "stock",
    "risk",
    "cvar",
)
#: Tables a scenario set needs.
REQUIRED = ("scenarios", "lost_supply")
_NUMBERS = {
    "scenarios": ("probability",),
    "changes": ("capacity_factor", "price_factor", "delay_periods"),
    "lost_supply": ("value_usd_per_kg",),
}
_VALUE_COLUMN = {
    "scenarios": ("scenario", "probability"),
    "lost_supply": ("product", "value_usd_per_kg"),
}
_Read = tuple[dict[str, pd.DataFrame], dict[str, TableOrigin]]


def read_scenarios(path: str | os.PathLike[str], *, allow_outside: bool = False) -> ScenarioSet:
    r"""Read a scenario set from a folder of CSVs, an ``.xlsx`` workbook, or a ``.toml`` file.

    Parameters
    ----------
    path : str or path-like
    allow_outside : bool, default=False
        Let a ``.toml`` file name a folder or workbook outside its own folder.

    Raises
    ------
    InputError
        For a missing file, table or sheet, unreadable content, or any invalid cell (all of
        them, each named by its file and line or row).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "scenarios.csv").write_text("scenario,probability\ncalm,0.9\nhalt,0.1\n")
    >>> _ = (folder / "changes.csv").write_text("scenario,country,capacity_factor\nhalt,cn,0\n")
    >>> _ = (folder / "lost_supply.csv").write_text("product,value_usd_per_kg\nA,200\n")
    >>> read_scenarios(folder).names
    ('calm', 'halt')
    """
    p = Path(path)
    if not p.exists():
        raise input_error("file", str(p), None, None, "no such file or folder")
    problems = ProblemList()
    if p.is_dir():
        read = _read_folder(p, REQUIRED, problems)
        return _build(read, REQUIRED, 0.5, str(p), problems)
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        read = _read_workbook(p, REQUIRED, problems)
        return _build(read, REQUIRED, 0.5, str(p), problems)
    if suffix == ".toml":
        return _read_toml(p, allow_outside)
    hint = "use a folder of CSVs (scenarios.csv, changes.csv, lost_supply.csv), a workbook or TOML"
    if suffix == ".csv":
        hint = "pass the folder that holds scenarios.csv and lost_supply.csv"
    raise input_error("file", str(p), None, None, f"cannot read {suffix or 'this'} files", hint)


def _build(
    read: _Read,
    required: tuple[str, ...],
    spot_premium: object,
    premium_where: str,
    problems: ProblemList,
) -> ScenarioSet:
    """The set of the tables read, or one InputError with the reading problems and the rest.

    When a needed table could not be read at all, the problems of reading are the answer.
    A problem the set's checks find at a cell whose reading already failed is left out.
    """
    tables, origins = read
    if any(tables.get(name) is None for name in required):
        problems.raise_if_any()
    seen = {(p.where, p.column) for p in problems.items}
    try:
        found = ScenarioSet.from_tables(
            tables.get("scenarios"),
            tables.get("changes"),
            tables.get("lost_supply"),
            spot_premium=spot_premium,  # type: ignore[arg-type]  # checked there
            origins={**origins, "spot_premium": TableOrigin(premium_where)},
        )
    except InputError as err:
        problems.extend(p for p in err.problems if (p.where, p.column) not in seen)
        problems.raise_if_any()
        raise
    problems.raise_if_any()
    return found


def _read_folder(folder: Path, required: tuple[str, ...], problems: ProblemList) -> _Read:
    tables: dict[str, pd.DataFrame] = {}
    origins: dict[str, TableOrigin] = {}
    for table in TABLES:
        path = folder / f"{table}.csv"
        if not path.is_file():
            if table in required:
                present = sorted(p.name for p in folder.glob("*.csv"))
                close = difflib.get_close_matches(path.name, present, n=1)
                hint = f"did you mean {close[0]}?" if close else f"CSV files here: {present}"
                problems.add("file", str(path), None, None, "missing", hint)
            continue
        read = read_csv_table(path, table, problems)
        if read is None:
            continue
        frame, origin = read
        if origin.dialect.delimiter == ";":
            numeric = [c for c in frame.columns if header_key(str(c)) in _NUMBERS[table]]
            read_decimals(frame, numeric, table, _namer(origin), problems)
        tables[table], origins[table] = frame, origin
    return tables, origins


def _namer(origin: TableOrigin) -> Callable[[int], str]:
    """The user's name of the record at a 0-based position of a table read from a file."""
    return lambda position: origin.where(position, position)


def _read_workbook(path: Path, required: tuple[str, ...], problems: ProblemList) -> _Read:
    found = read_workbook_tables(path, TABLES)
    optional = {f"no sheet named {t!r}" for t in TABLES if t not in required}
    problems.extend(p for p in found.problems if p.rule not in optional)
    tables = {name: frame for name, frame in found.tables.items() if frame is not None}
    return tables, dict(found.origins)


def _read_toml(path: Path, allow_outside: bool) -> ScenarioSet:
    data = read_toml(path)
    problems = ProblemList()
    for key in data:
        if key not in SCENARIO_KEYS and key not in OTHER_KEYS:
            close = difflib.get_close_matches(key, SCENARIO_KEYS + OTHER_KEYS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"keys: {', '.join(SCENARIO_KEYS)}"
            problems.add("file", str(path), key, None, "unknown key", hint)
    tables: dict[str, pd.DataFrame] = {}
    origins: dict[str, TableOrigin] = {}
    for table in TABLES:
        if table in data:
            frame = toml_records(data[table], table, path, problems, _VALUE_COLUMN.get(table))
            if frame is not None:
                tables[table], origins[table] = frame
    places = [k for k in ("folder", "workbook") if k in data]
    if len(places) > 1:
        rule, hint = "names both a folder and a workbook", "keep one of them"
        problems.add("file", str(path), "folder, workbook", None, rule, hint)
    elif places:
        _toml_files(data, places[0], path, allow_outside, (tables, origins), problems)
    for table in REQUIRED if not places else ():
        if table not in tables and table not in data:
            hint = f'e.g. [[{table}]] entries, or folder = "..." with {table}.csv'
            problems.add("file", str(path), table, None, "missing", hint)
    premium = data.get("spot_premium", 0.5)
    return _build((tables, origins), REQUIRED, premium, str(path), problems)


def _toml_files(
    data: dict[str, Any],
    key: str,
    path: Path,
    allow_outside: bool,
    into: _Read,
    problems: ProblemList,
) -> None:
    """Add the tables of the folder or workbook the file names that it does not list itself."""
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        problems.add("file", str(path), key, value, "must be a path as text", f'{key} = "..."')
        return
    target = path.parent / value
    if not allow_outside and not _inside(target, path.parent):
        problems.add(
            "file",
            str(target),
            key,
            None,
            f"is outside the scenario file's folder {path.parent.resolve()}",
            "move it next to the file, or pass allow_outside=True if you trust the file",
        )
        return
    if not target.exists():
        problems.add("file", str(target), None, None, "no such file", f"named by {path.name}")
        return
    listed = set(into[0])
    needed = tuple(t for t in REQUIRED if t not in listed)
    found = ProblemList()
    if key == "folder":
        tables, origins = _read_folder(target, needed, found)
    else:
        tables, origins = _read_workbook(target, needed, found)
    problems.extend(found.items)
    for table, frame in tables.items():
        if table in listed:
            rule = f"the table {table!r} is given twice: in {path.name} and in {target.name}"
            problems.add("file", str(path), table, None, rule, "keep one of them")
            continue
        into[0][table], into[1][table] = frame, origins[table]


def _inside(target: Path, root: Path) -> bool:
    try:
        return target.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False
