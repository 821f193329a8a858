"""Reading the tables of an Excel workbook cell by cell, so that only an empty cell is empty.

pandas turns an error cell (``#N/A``), a formula saved without its value and the covered
cells of a merged range into NaN, and NaN in ``capacity_t`` means unlimited. Here each cell
is looked at with openpyxl (read-only, streaming): an error cell, a formula with no saved value
or a merged cell is a `Problem` naming the sheet, row and column. Formulas are read a second
time for their saved values only when the sheet has some. Each table is the one sheet whose
name matches after case and space folding; two such sheets are a problem, not a guess.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from reopt.data.tables import FileOrigin, clean_header, clean_name, table_frame
from reopt.errors import InputError, Problem, ProblemList, ReoptError

__all__ = ["FORMULA_HINT", "WorkbookTables", "read_workbook_tables"]

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')
_RESAVE = (
    "open it in Excel and save it again as an Excel Workbook (.xlsx), also if it is an old .xls"
)
_UNSAVED = "with no saved value"
#: The hint of a formula cell without a value: programs that write workbooks store formulas only.
FORMULA_HINT = (
    "open and save the file in Excel (or LibreOffice) so that the values of its formulas are "
    "stored; a workbook written by a program holds the formulas only"
)


@dataclass(frozen=True)
class WorkbookTables:
    """The tables found in a workbook, where their records are, and what was wrong.

    Attributes
    ----------
    tables : dict of str to DataFrame or None
    origins : dict of str to FileOrigin
    problems : tuple of Problem
        Cells that cannot be read as values, duplicate headers, missing or ambiguous sheets.
    """

    tables: dict[str, pd.DataFrame | None]
    origins: dict[str, FileOrigin] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()


def read_workbook_tables(
    path: Path, tables: tuple[str, ...], optional: tuple[str, ...] = ("sources",)
) -> WorkbookTables:
    """Read the sheets named like ``tables`` (those in ``optional`` may be absent) from ``path``.

    Raises
    ------
    InputError
        When the file is not a readable workbook at all.
    ReoptError
        When openpyxl is not installed.
    """
    try:
        from openpyxl.reader.excel import ExcelReader
    except ImportError:
        raise ReoptError("Excel files need openpyxl: pip install 'reopt[excel]'") from None
    problems = ProblemList()
    out: dict[str, pd.DataFrame | None] = dict.fromkeys(tables)
    origins: dict[str, FileOrigin] = {}
    try:
        reader = ExcelReader(str(path), read_only=True, data_only=False)
        reader.read()
        sheets = [
            (str(s.name), str(s.state or "visible"), str(rel.target))
            for s, rel in reader.parser.find_sheets()
            if "chartsheet" not in str(rel.Type)
        ]
        for table in tables:
            found = [s for s in sheets if _fold(s[0]) == table]
            if len(found) != 1:
                _sheet_problem(path, table, found, sheets, problems, table in optional)
                continue
            name, _, target = found[0]
            label = f"{path} sheet {name!r}"
            merged = _merged_ranges(reader.archive, target)
            sheet = _read_sheet(reader.wb[name], label, table, merged, problems)
            if sheet is None:
                continue
            if sheet[2]:
                _fill_formulas(ExcelReader, path, name, sheet)
            out[table], origins[table] = _frame(sheet[0], sheet[1], label, table, problems)
    except InputError:
        raise
    except PermissionError as err:
        raise ReoptError(f"{path}: cannot be read ({err.strerror})") from None
    except Exception as err:  # anything the zip or XML layer raises
        raise _unreadable(path, err) from None
    return WorkbookTables(out, origins, tuple(problems.items))


def _unreadable(path: Path, err: Exception) -> InputError:
    if isinstance(err, zipfile.BadZipFile):
        why = "not a zip archive"
    elif type(err).__name__ == "ParseError" or isinstance(err, KeyError):
        why = f"broken inside ({type(err).__name__}: {' '.join(str(err).split())[:120]})"
    else:
        why = f"broken inside ({type(err).__name__})"
    return InputError(
        [Problem("file", str(path), None, None, f"not a readable Excel workbook: {why}", _RESAVE)]
    )


def _fold(name: str) -> str:
    return " ".join(clean_name(name).split()).casefold()


def _sheet_problem(
    path: Path,
    table: str,
    found: list[tuple[str, str, str]],
    sheets: list[tuple[str, str, str]],
    problems: ProblemList,
    optional: bool,
) -> None:
    if found:
        names = ", ".join(f"{n!r} ({state})" for n, state, _ in found)
        problems.add(
            "file",
            str(path),
            None,
            None,
            f"more than one sheet could be {table!r}: {names}",
            "rename or delete all but one of them",
        )
    elif not optional:
        present = [n for n, _, _ in sheets]
        problems.add(
            "file", str(path), None, None, f"no sheet named {table!r}", f"sheets: {present}"
        )


def _merged_ranges(archive: zipfile.ZipFile, target: str) -> list[tuple[int, int, int, int, str]]:
    """(first row, first column, last row, last column, "A4:A6") of each merged range."""
    from openpyxl.utils.cell import range_boundaries

    raw = archive.read(target)
    if b"mergeCell" not in raw:
        return []
    out = []
    for match in _MERGE.finditer(raw):
        ref = match.group(1).decode()
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        out.append((int(min_row), int(min_col), int(max_row), int(max_col), ref))  # type: ignore[arg-type]
    return out


_Cells = dict[tuple[int, int], str]


def _read_sheet(
    ws: Any,
    label: str,
    table: str,
    merged: list[tuple[int, int, int, int, str]],
    problems: ProblemList,
) -> tuple[dict[int, list[object]], _Cells, _Cells] | None:
    """Rows by number, cells that are not values (and why), formula cells awaiting values."""
    ws.reset_dimensions()
    rows: dict[int, list[object]] = {}
    bad: _Cells = {}
    formulas: dict[tuple[int, int], str] = {}
    for r, cells in enumerate(ws.iter_rows(), start=1):
        values: list[object] = []
        marked = False  # a cell that is not a plain value
        for c, cell in enumerate(cells):
            value, kind = cell.value, cell.data_type
            if kind == "e":
                bad[r, c] = f"error cell {value}"
                value, marked = None, True
            elif kind == "f" or type(value).__name__ in ("ArrayFormula", "DataTableFormula"):
                formulas[r, c] = str(getattr(value, "text", value))
                value, marked = None, True
            else:
                value = _plain(value)
            values.append(value)
        if marked or any(v is not None for v in values):
            rows[r] = values
    last_row = max(rows, default=0)
    last_col = max((len(v) for v in rows.values()), default=0)
    for top, left, bottom, right, ref in merged:
        bottom, right = min(bottom, last_row), min(right, max(last_col, left))
        anchor = rows.get(top, [])
        filled = left - 1 < len(anchor) and anchor[left - 1] is not None
        for r in range(top, bottom + 1):
            if r not in rows and not filled:
                continue
            row = rows.setdefault(r, [])
            row.extend([None] * (right - len(row)))
            for c in range(left - 1, right):
                if (r, c + 1) != (top, left):
                    bad[r, c] = f"part of merged range {ref}"
    if not rows and not formulas:
        problems.add(table, label, None, None, "the sheet is empty", "it needs a header row")
        return None
    return rows, bad, formulas


def _fill_formulas(
    excel_reader: Any,
    path: Path,
    name: str,
    sheet: tuple[dict[int, list[object]], _Cells, _Cells],
) -> None:
    """Put each formula's saved value in its cell, or record it as a cell without a value."""
    rows, bad, formulas = sheet
    reader = excel_reader(str(path), read_only=True, data_only=True)
    reader.read()
    ws = reader.wb[name]
    ws.reset_dimensions()
    last = max(r for r, _ in formulas)
    for r, cells in enumerate(ws.iter_rows(max_row=last), start=1):
        for c, cell in enumerate(cells):
            if (r, c) not in formulas:
                continue
            value = cell.value
            if cell.data_type == "e":
                bad[r, c] = f"formula {_shown(formulas[r, c])} gives the error {value}"
            elif value is not None and value != "":
                rows[r][c] = _plain(value)
    for r, c in formulas:
        if rows[r][c] is None and (r, c) not in bad:
            bad[r, c] = f"formula {_shown(formulas[r, c])} {_UNSAVED}"


def _hint(why: str) -> str:
    """The hint for a cell that is not a value: how to store a formula's value, or none."""
    return FORMULA_HINT if why.endswith(_UNSAVED) else ""


def _shown(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _plain(value: object) -> object:
    """A cell value as pandas would give it: whole floats as ints, empty text as None."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None if value == "" else value


def _frame(
    rows: dict[int, list[object]],
    bad: _Cells,
    label: str,
    table: str,
    problems: ProblemList,
) -> tuple[pd.DataFrame, FileOrigin]:
    """The table under its header row (the first row that is not empty)."""
    from openpyxl.utils.cell import get_column_letter

    top = min(rows)
    used = [c for r, c in bad] + [
        k for values in rows.values() for k, v in enumerate(values) if v is not None
    ]
    width = max(used) + 1
    names = rows[top] + [None] * (width - len(rows[top]))
    for (r, c), why in sorted(bad.items()):
        if r == top:
            letter = get_column_letter(c + 1)
            rule, hint = f"header cell {letter}: {why}", _hint(why)
            problems.add(table, f"{label} row {r}", None, None, rule, hint)
    columns = clean_header(
        names[:width], table, label, lambda k: f"column {get_column_letter(k + 1)}", problems
    )
    numbers = sorted(r for r in rows if r > top)
    for (r, c), why in sorted(bad.items()):
        if r > top and c < width:
            problems.add(table, f"{label} row {r}", columns[c], None, why, _hint(why))
    frame = table_frame(columns, [rows[r] for r in numbers])
    bad_columns = {columns[c] for r, c in bad if c < width}
    empty = [
        name
        for name in frame.columns
        if name.startswith("Unnamed: ") and name not in bad_columns and frame[name].isna().all()
    ]
    frame = frame.drop(columns=empty)
    return frame, FileOrigin(label, "row", top + 1, tuple(numbers))
