"""Writing tables to CSV and Excel files that carry no formulas and are never half-written.

Every table reopt writes (a market, a plan, a sweep, a model's names, a benchmark) goes
through this module, which keeps two promises:

- **No formulas.** A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is written with a leading single quote (``'=HYPERLINK(...)``), as OWASP's
  CSV-injection guidance says, so that a spreadsheet shows it as text instead of running it.
  Column and index labels are text cells too. Numbers stay numbers (a negative price in a
  number column is written as a number). In Excel such a cell is a string cell, never a
  formula; a text cell Excel cannot hold at all (control characters such as BEL, U+0007) is an
  `InputError` naming every such cell, raised before anything is written.
- **All or nothing.** A file is written to a temporary file in the same folder and then moved
  onto the target with `os.replace`; a failed write leaves no file (and no temporary file)
  behind and an existing file as it was, and raises `WriteError`.

The quote is taken off again when reading (`unescape_text`), so the mapping is reversible:
text that already starts with quotes followed by one of these characters (``'=x``) gets one
more quote (``''=x``), and a reader removes exactly one leading quote from a cell whose rest
would have been escaped. ``read_market(write_market(m))`` gives ``m`` back whatever its names.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from reopt.errors import InputError, Problem, ReoptError

__all__ = [
    "FORMULA_STARTS",
    "Sheet",
    "Workbook",
    "WriteError",
    "escape_frame",
    "escape_text",
    "needs_escape",
    "replacing",
    "unescape_text",
    "workbook",
    "write_csv",
    "write_workbook",
]

#: The first characters that make a spreadsheet read a text cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Characters an Excel file cannot hold (the control characters other than tab, LF and CR).
_EXCEL_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class WriteError(ReoptError, OSError):
    """A file could not be written; nothing was left in its place.

    Also an `OSError`, so that code catching the operating system's errors still does.

    Attributes
    ----------
    path : str
        The file that was not written.
    reason : str
        Why, e.g. ``"Permission denied"``.
    """

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}")
        self.path = str(path)
        self.reason = reason


# --- escaping ---------------------------------------------------------------------------------
def escape_text(value: object) -> object:
    """``value`` with a leading ``'`` when it is text a spreadsheet would read as a formula.

    Text that starts with quotes followed by a formula start gets one more quote too
    (`needs_escape`), so that `unescape_text` undoes exactly what was added.

    Examples
    --------
    >>> escape_text("=1+1"), escape_text("-2+3"), escape_text("NdPr oxide"), escape_text(-2.5)
    ("'=1+1", "'-2+3", 'NdPr oxide', -2.5)
    """
    if isinstance(value, str) and needs_escape(value):
        return "'" + value
    return value


def needs_escape(text: str) -> bool:
    """Whether `escape_text` quotes ``text``: it starts with quotes (or none) then a formula start.

    Quotes before a formula start count, so that `unescape_text` can tell an escaped cell
    (``''=x``, from ``'=x``) from one that was written as it is.

    Examples
    --------
    >>> needs_escape("=x"), needs_escape("'=x"), needs_escape("''@x"), needs_escape("'x")
    (True, True, True, False)
    """
    return text.lstrip("'").startswith(FORMULA_STARTS)


def unescape_text(value: object) -> object:
    """``value`` without the quote `escape_text` added: the inverse of `escape_text`.

    Exactly one leading ``'`` is removed, and only when the rest is text `escape_text` would
    have quoted; anything else is returned as it is.

    Examples
    --------
    >>> unescape_text("'=1+1"), unescape_text("''=x"), unescape_text("'quoted"), unescape_text(3)
    ('=1+1', "'=x", "'quoted", 3)
    """
    if isinstance(value, str) and value.startswith("'") and needs_escape(value[1:]):
        return value[1:]
    return value


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell, column label and index label escaped.

    Only text is changed (see `escape_text`); numeric columns are kept as they are.
    """
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        escaped = _escape_column(column)
        if escaped is not column:
            out.isetitem(position, escaped)
    out.columns = _escape_index(out.columns)
    out.index = _escape_index(out.index)
    return out


def _escape_column(column: pd.Series) -> pd.Series:
    """``column`` itself when it holds no text to escape, else an escaped copy."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        column = column.astype(object)
        dtype = column.dtype
    if not _is_text(dtype):
        return column
    values = column.tolist()
    escaped = [escape_text(v) for v in values]
    if all(a is b for a, b in zip(values, escaped, strict=True)):
        return column
    return pd.Series(escaped, index=column.index, name=column.name, dtype=dtype)


def _is_text(dtype: object) -> bool:
    """Whether a column of ``dtype`` may hold text (object or string columns)."""
    return isinstance(dtype, pd.StringDtype) or pd.api.types.is_object_dtype(dtype)


def _escape_index(index: pd.Index) -> pd.Index:
    names = [escape_text(n) for n in index.names]
    if isinstance(index, pd.MultiIndex):
        tuples = [tuple(escape_text(v) for v in t) for t in index]
        return pd.MultiIndex.from_tuples(tuples, names=names)
    if not _is_text(index.dtype):
        return index.set_names(names)
    return pd.Index([escape_text(v) for v in index], dtype=index.dtype, name=names[0])


# --- writing atomically -----------------------------------------------------------------------
@contextlib.contextmanager
def replacing(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path next to ``path``, moved onto ``path`` when the block ends without error.

    Write the file at the path this yields. The temporary file has the target's suffix (so
    that a writer that goes by the suffix picks the right format) and the mode an existing
    target has. When the block raises, the temporary file is removed and the target is left as
    it was; a `ReoptError` (such as an `InputError`) is raised as it is, any other error as a
    `WriteError`.

    Raises
    ------
    WriteError
        When the file cannot be written (no such folder, no permission, a full disk, a writer
        that failed half-way).
    """
    target = Path(path)
    if target.is_dir():
        raise WriteError(target, "it is a folder")
    temp = target.with_name(f".{target.stem}.{secrets.token_hex(6)}.part{target.suffix}")
    try:
        os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as err:
        raise WriteError(target, _reason(err)) from err
    done = False
    try:
        with contextlib.suppress(OSError):
            shutil.copymode(target, temp)
        yield temp
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, target)
        done = True
    except WriteError as err:  # a writer that writes atomically too: name the target
        raise WriteError(target, err.reason) from err
    except ReoptError:
        raise
    except Exception as err:
        raise WriteError(target, _reason(err)) from err
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.remove(temp)


def _reason(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str], *, index: bool = False) -> None:
    """Write ``frame`` as CSV at ``path``, escaped (`escape_frame`) and atomically.

    Lines end in LF; when a text cell holds a carriage return, they end in CR LF
    instead, so that such cells are quoted (Python's CSV writer quotes only the characters of
    the line ending) and the file keeps one record per row.

    Raises
    ------
    WriteError
        When the file cannot be written; nothing is left in its place.
    """
    table = escape_frame(frame)
    cells = [table.columns, table.index if index else pd.Index([])]
    cells += [table.iloc[:, i] for i in range(table.shape[1]) if _is_text(table.dtypes.iloc[i])]
    return_in_text = any(isinstance(v, str) and "\r" in v for part in cells for v in part)
    with replacing(path) as temp:
        table.to_csv(temp, index=index, lineterminator="\r\n" if return_in_text else "\n")


# --- Excel ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: its name, its table and whether the index is written.

    ``number_formats`` pairs a column label with an Excel number format (``"#,##0"``,
    ``"0.0%"``) for that column's cells; with ``laid_out``, the header row (and the index
    columns) are frozen and each column is as wide as its widest cell.
    """

    name: str
    frame: pd.DataFrame
    index: bool = False
    number_formats: tuple[tuple[str, str], ...] = ()
    laid_out: bool = False


@dataclass
class Workbook:
    """The sheets of a workbook being put together by `workbook`, in order."""

    sheets: list[Sheet] = field(default_factory=list)

    def add(self, name: str, frame: pd.DataFrame, *, index: bool = False) -> None:
        """Add the sheet ``name`` holding ``frame`` (with its index when ``index``)."""
        self.sheets.append(Sheet(name, frame, index))

    def add_sheet(self, sheet: Sheet) -> None:
        """Add ``sheet`` as it is (with its number formats and layout)."""
        self.sheets.append(sheet)


@contextlib.contextmanager
def workbook(path: str | os.PathLike[str]) -> Iterator[Workbook]:
    """Collect sheets in the block, then write them with `write_workbook` when it ends.

    Nothing is written when the block raises.
    """
    book = Workbook()
    yield book
    write_workbook(path, book.sheets)


def write_workbook(path: str | os.PathLike[str], sheets: Iterable[Sheet]) -> None:
    """Write ``sheets`` as one ``.xlsx`` workbook at ``path``, escaped and atomically.

    Raises
    ------
    InputError
        When text cells hold characters an Excel file cannot hold; every such cell is listed
        and nothing is written.
    WriteError
        When the file cannot be written (or openpyxl is missing); nothing is left in its place.
    """
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise WriteError(path, "Excel files need openpyxl: pip install 'reopt[excel]'") from None
    escaped = [replace(s, frame=escape_frame(s.frame)) for s in sheets]
    problems = [p for sheet in escaped for p in _excel_problems(path, sheet)]
    if problems:
        raise InputError(problems)
    with replacing(path) as temp, pd.ExcelWriter(temp, engine="openpyxl") as writer:
        for sheet in escaped:
            sheet.frame.to_excel(writer, sheet_name=sheet.name, index=sheet.index)
            _lay_out(writer.sheets[sheet.name], sheet)


def _lay_out(cells: Any, sheet: Sheet) -> None:
    """Apply ``sheet``'s number formats, and with ``laid_out`` freeze panes and widths."""
    from openpyxl.utils import get_column_letter

    frame = sheet.frame
    first = frame.index.nlevels if sheet.index else 0
    header_rows = frame.columns.nlevels
    n = len(frame)
    formats = dict(sheet.number_formats)
    for position, label in enumerate(frame.columns):
        number_format = formats.get(str(label))
        if number_format is None:
            continue
        column = first + position + 1
        for row in range(header_rows + 1, header_rows + n + 1):
            cells.cell(row=row, column=column).number_format = number_format
    if not sheet.laid_out:
        return
    cells.freeze_panes = cells.cell(row=header_rows + 1, column=first + 1).coordinate
    for column in range(1, cells.max_column + 1):
        letter = get_column_letter(column)
        widest = max((_shown_width(c.value) for c in cells[letter]), default=8)
        cells.column_dimensions[letter].width = min(max(widest + 2, 8), 60)


def _shown_width(value: object) -> int:
    """About how many characters a cell shows (numbers with thousands separators)."""
    if value is None:
        return 0
    if isinstance(value, float | int) and not isinstance(value, bool):
        return len(f"{value:,.3f}") if isinstance(value, float) else len(f"{value:,}")
    return len(str(value))


def _excel_problems(path: str | os.PathLike[str], sheet: Sheet) -> list[Problem]:
    """A problem for each text cell of ``sheet`` that an Excel file cannot hold."""
    frame = sheet.frame
    where = f"{Path(path).name} sheet '{sheet.name}'"
    cells: list[tuple[str, object, object]] = []
    for label in frame.columns:
        cells.append(("header", label, label))
    if sheet.index:
        cells += [(f"row {i + 2}", "index", v) for i, v in enumerate(frame.index)]
    for position, label in enumerate(frame.columns):
        column = frame.iloc[:, position]
        if _is_text(column.dtype):
            cells += [(f"row {i + 2}", label, v) for i, v in enumerate(column.tolist())]
    problems = []
    for row, label, value in cells:
        texts = value if isinstance(value, tuple) else (value,)
        for text in texts:
            found = _EXCEL_ILLEGAL.search(text) if isinstance(text, str) else None
            if found:
                problems.append(
                    Problem(
                        "file",
                        f"{where} {row}",
                        str(label),
                        text,
                        f"holds the control character U+{ord(found.group()):04X}, "
                        "which an Excel file cannot hold",
                        "remove it from the input, or write CSV",
                    )
                )
    return problems
