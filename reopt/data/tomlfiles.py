"""A TOML file read as a mapping, with every way that can fail said as reopt says problems.

The scenario files of `reopt.data.io` (a market and its policies) and of
`reopt.data.scenario_files` (a scenario set) and the risk settings of ``reopt scenarios``
share one file; each reads the keys it owns from what `read_toml` returns. A table may be
written in the file itself as a list of tables (``[[stock]]`` entries); `toml_records` reads
one as a DataFrame whose rows problems name as ``case.toml stock entry 2``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pandas as pd

from reopt.checks import input_error
from reopt.data.cells import TableOrigin
from reopt.errors import ProblemList, ReoptError

__all__ = ["read_toml", "toml_records"]


def read_toml(path: Path) -> dict[str, Any]:
    """The file's contents; an `InputError` for bad TOML or text, `ReoptError` if unreadable.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "case.toml"
    >>> _ = file.write_text('china_cap = "60%"')
    >>> read_toml(file)
    {'china_cap': '60%'}
    """
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as err:
        raise input_error("file", str(path), None, None, f"not valid TOML ({err})") from None
    except UnicodeDecodeError:
        raise input_error("file", str(path), None, None, "not UTF-8 text") from None
    except OSError as err:
        raise ReoptError(f"{path}: cannot be read ({err.strerror or err})") from None


def toml_records(
    value: object,
    table: str,
    path: Path,
    problems: ProblemList,
    value_columns: tuple[str, str] | None = None,
) -> tuple[pd.DataFrame, TableOrigin] | None:
    """A table written in the file: a list of tables (``[[table]]``), as text cells and numbers.

    With ``value_columns`` (key, number), a map ``{name = number, ...}`` is read too, one row
    per key. A key missing from an entry is a blank cell. None, with a problem, when
    ``value`` is neither.

    Examples
    --------
    >>> import pathlib
    >>> frame, origin = toml_records([{"product": "A", "min_t": 5}], "stock",
    ...                              pathlib.Path("case.toml"), ProblemList())
    >>> frame.to_dict("records"), origin.where(0, 0)
    ([{'product': 'A', 'min_t': 5}], 'case.toml stock entry 1')
    """
    label = f"{path} {table}"
    if isinstance(value, dict) and value_columns is not None:
        key, number = value_columns
        frame = pd.DataFrame(
            {key: list(value), number: list(value.values())}, index=list(value), dtype=object
        )
        return frame, TableOrigin(label, "key")
    if not isinstance(value, list):
        shape = f"{{name = value, ...}} or [[{table}]]" if value_columns else f"[[{table}]]"
        problems.add("file", str(path), table, None, f"must be a list of tables ({shape})")
        return None
    origin = TableOrigin(label, "entry", 1)
    rows = []
    for k, item in enumerate(value):
        if not isinstance(item, dict):
            rule = f"must be a table (a [[{table}]] entry of key = value lines)"
            problems.add(table, origin.where(k, k), None, item, rule)
            continue
        rows.append(item)
    if len(rows) < len(value):
        return None
    frame = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    return frame.astype(object), origin
