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

CSV files are read as text (UTF-8, an Excel byte-order mark is fine) with nothing turned into
a missing value except empty cells, so Namibia's ``NA`` stays a country code. Problems are
reported with the file's own line numbers (the header is line 1) or the sheet's row numbers.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import tomllib
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from reopt.checks import Optional, Share, check, input_error
from reopt.data.market import Market, TableOrigin
from reopt.errors import InputError, Problem, ProblemList, ReoptError
from reopt.model.policies import FILTERS, SharePolicy, cap_share, min_share

__all__ = ["Scenario", "read_market", "read_scenario", "write_market"]

TABLES = ("offers", "demand", "sources")
_SCENARIO_KEYS = (
    "offers",
    "demand",
    "sources",
    "folder",
    "workbook",
    "china_cap",
    "policies",
    "name",
    "description",
)
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
    """

    market: Market
    china_cap: float | None = None
    policies: tuple[SharePolicy, ...] = ()
    name: str = ""


def read_market(path: str | os.PathLike[str]) -> Market:
    """Read a market from a folder of CSVs, an ``.xlsx`` workbook, or a ``.toml`` scenario.

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
    return read_scenario(path).market


def read_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read a market and, from a ``.toml`` file, its policies; see `read_market`."""
    p = Path(path)
    if not p.exists():
        raise input_error("file", str(p), None, None, "no such file or folder")
    if p.is_dir():
        return Scenario(_read_folder(p))
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return Scenario(_read_workbook(p))
    if suffix == ".toml":
        return _read_toml(p)
    if suffix == ".csv":
        hint = "pass the folder that holds offers.csv and demand.csv"
    else:
        hint = "use a folder of CSVs, an .xlsx workbook or a .toml scenario"
    raise input_error("file", str(p), None, None, f"cannot read {suffix or 'this'} files", hint)


def write_market(market: Market, folder: str | os.PathLike[str]) -> None:
    """Write ``market`` as ``offers.csv``, ``demand.csv`` (and ``sources.csv``) in ``folder``.

    Unlimited capacity is written as an empty cell; `read_market` reads the folder back.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    offers = market.offers
    offers["capacity_t"] = offers["capacity_t"].map(lambda v: "" if v == float("inf") else v)
    offers.to_csv(out / "offers.csv", index=False)
    market.demand.to_csv(out / "demand.csv", index=False)
    if market.sources is not None:
        market.sources.to_csv(out / "sources.csv", index=False)


@contextlib.contextmanager
def excel_writer(path: str | os.PathLike[str]) -> Iterator[pd.ExcelWriter]:
    """An ``openpyxl`` Excel writer, with a clear message when openpyxl is missing."""
    _need_openpyxl()
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        yield writer


# ------------------------------------------------------------------------------------------
def _read_csv(path: Path, table: str, problems: ProblemList) -> pd.DataFrame | None:
    try:
        with warnings.catch_warnings():
            # a line with more fields than the header would otherwise lose data quietly
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                na_values=[],
                encoding="utf-8-sig",
                skipinitialspace=True,
                index_col=False,
            )
    except pd.errors.ParserWarning:
        problems.add(
            "file",
            str(path),
            None,
            None,
            "a line has more fields than the header",
            "check for unquoted commas inside values",
        )
    except UnicodeDecodeError:
        problems.add("file", str(path), None, None, "not UTF-8 text", "save the file as CSV UTF-8")
    except pd.errors.EmptyDataError:
        problems.add(table, str(path), None, None, "the file is empty", "it needs a header line")
    except pd.errors.ParserError as err:
        problems.add(
            "file",
            str(path),
            None,
            None,
            f"not a readable CSV file ({_short(err)})",
            "check that every line has as many fields as the header",
        )
    except OSError as err:
        problems.add("file", str(path), None, None, f"cannot be read ({err.strerror})")
    return None


def _read_folder(folder: Path) -> Market:
    problems = ProblemList()
    tables: dict[str, pd.DataFrame | None] = {}
    origins: dict[str, TableOrigin] = {}
    for table in TABLES:
        path = folder / f"{table}.csv"
        if not path.exists():
            if table != "sources":
                present = sorted(p.name for p in folder.glob("*.csv"))
                close = difflib.get_close_matches(path.name, present, n=1)
                hint = f"did you mean {close[0]}?" if close else f"CSV files here: {present}"
                problems.add("file", str(path), None, None, "missing", hint)
            tables[table] = None
            continue
        tables[table] = _read_csv(path, table, problems)
        origins[table] = TableOrigin(str(path), "line", 2)
    problems.raise_if_any()
    return Market(tables["offers"], tables["demand"], tables["sources"], origins=origins)


def _read_workbook(path: Path) -> Market:
    _need_openpyxl()
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as err:
        rule = f"not a readable .xlsx workbook ({_short(err)})"
        raise input_error("file", str(path), None, None, rule) from None
    problems = ProblemList()
    names = [str(n) for n in book.sheet_names]
    tables: dict[str, pd.DataFrame | None] = {}
    origins: dict[str, TableOrigin] = {}
    with book:
        for table in TABLES:
            match = next((n for n in names if n.strip().lower() == table), None)
            if match is None:
                if table != "sources":
                    problems.add(
                        "file",
                        str(path),
                        None,
                        None,
                        f"no sheet named {table!r}",
                        f"sheets in the workbook: {names}",
                    )
                tables[table] = None
                continue
            frame = pd.read_excel(
                book, sheet_name=match, dtype=object, keep_default_na=False, na_values=[""]
            )
            tables[table] = frame.dropna(how="all")
            origins[table] = TableOrigin(f"{path} sheet {match!r}", "row", 2)
    problems.raise_if_any()
    return Market(tables["offers"], tables["demand"], tables["sources"], origins=origins)


def _read_toml(path: Path) -> Scenario:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise input_error("file", str(path), None, None, f"not valid TOML ({err})") from None
    except UnicodeDecodeError:
        raise input_error("file", str(path), None, None, "not UTF-8 text") from None
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
        china_cap = float(china_cap)
    policies = _toml_policies(data.get("policies", []), path, problems)
    problems.raise_if_any()
    market = _toml_market(data, path)
    name = data.get("name", path.stem)
    return Scenario(market, china_cap, tuple(policies), str(name))


def _toml_market(data: dict[str, Any], path: Path) -> Market:
    base = path.parent
    given: list[str] = [k for k in ("folder", "workbook") if k in data]
    if "offers" in data or "demand" in data:
        given.append("offers/demand")
    if len(given) != 1:
        rule = "names no tables" if not given else f"names tables twice ({', '.join(given)})"
        hint = "give offers and demand, or folder, or workbook"
        raise input_error("file", str(path), None, None, rule, hint)
    if "folder" in data:
        return _read_folder(base / str(data["folder"]))
    if "workbook" in data:
        return _read_workbook(base / str(data["workbook"]))
    problems = ProblemList()
    tables: dict[str, pd.DataFrame | None] = {}
    origins: dict[str, TableOrigin] = {}
    for table in TABLES:
        if table not in data:
            if table != "sources":
                problems.add(
                    "file", str(path), table, None, "missing", f'e.g. {table} = "{table}.csv"'
                )
            tables[table] = None
            continue
        file = base / str(data[table])
        if not file.exists():
            problems.add("file", str(file), None, None, "no such file", f"named by {path.name}")
            continue
        tables[table] = _read_csv(file, table, problems)
        origins[table] = TableOrigin(str(file), "line", 2)
    problems.raise_if_any()
    return Market(tables["offers"], tables["demand"], tables.get("sources"), origins=origins)


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


def _short(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= 160 else text[:157] + "..."
