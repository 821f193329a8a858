"""Reading one CSV table: text cells, the header as written, and each record's physical line.

The file is read once (UTF-8, an Excel byte-order mark is fine) with the delimiter
`reopt.data.dialect.sniff_delimiter` finds (comma, semicolon or tab), so that a record after a
blank line or a quoted cell spanning lines is named by the line an editor shows. In a
semicolon-separated file the numeric columns may use decimal commas
(`reopt.data.dialect.read_decimals`); how the file was read is the `CsvOrigin.dialect` of
the table, and `csv_dialect` says it for any file. Nothing is turned into a missing value
except empty cells, so Namibia's ``NA`` stays a country code, and the quote reopt's writers
put before formula-like text is taken off (`reopt.data.tables.unescape_cells`). Messages
about a file that cannot be read never quote its content.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from reopt.data.dialect import CsvDialect, read_decimals, sniff_delimiter
from reopt.data.headers import header_key
from reopt.data.tables import FileOrigin, clean_header, table_frame, unescape_cells
from reopt.data.validation import NUMBER_COLUMNS
from reopt.errors import ProblemList

__all__ = ["CsvOrigin", "csv_dialect", "read_csv_table"]

_NUMERIC = frozenset(name for names in NUMBER_COLUMNS.values() for name in names)
_WORDS = {",": "commas", ";": "semicolons", "\t": "tabs"}


@dataclass(frozen=True)
class CsvOrigin(FileOrigin):
    """A table read from a CSV file: where its records are, and how the file was read.

    Attributes
    ----------
    dialect : CsvDialect
        The delimiter and decimal mark, e.g. ``str(origin.dialect)`` is
        ``"semicolon-separated with decimal commas"``.
    """

    dialect: CsvDialect = field(default_factory=CsvDialect)


def csv_dialect(path: str | os.PathLike[str]) -> CsvDialect:
    r"""How reopt reads the CSV file at ``path``: its delimiter and decimal mark.

    Raises
    ------
    InputError
        When the file cannot be read as a table (the problems `read_market` would report).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "demand.csv"
    >>> _ = path.write_text("product;demand_t\nDy oxide;1000,5\n", encoding="utf-8")
    >>> print(csv_dialect(path))
    semicolon-separated with decimal commas
    """
    problems = ProblemList()
    read = read_csv_table(Path(path), Path(path).stem, problems)
    problems.raise_if_any()
    assert read is not None  # no problem means a table
    return read[1].dialect


def read_csv_table(
    path: Path, table: str, problems: ProblemList
) -> tuple[pd.DataFrame, CsvOrigin] | None:
    """The table in ``path`` and where its records are, or None after recording why not.

    Decimal-comma numbers of a semicolon-separated file are numbers in the table; a number
    that could be read two ways is a problem (see `reopt.data.dialect.read_decimals`).
    """
    read = _read_text_table(path, table, problems)
    if read is None:
        return None
    frame, origin, delimiter = read
    decimal = "."
    if delimiter == ";":
        numeric = [c for c in frame.columns if header_key(str(c)) in _NUMERIC]
        decimal = read_decimals(frame, numeric, table, lambda i: origin.where(i, i), problems)
    dialect = CsvDialect(delimiter, decimal)
    return frame, CsvOrigin(origin.label, origin.row_word, origin.first_row, origin.rows, dialect)


def _read_text_table(
    path: Path, table: str, problems: ProblemList
) -> tuple[pd.DataFrame, FileOrigin, str] | None:
    """The table of text cells in ``path``, where its records are, and its delimiter."""
    where = str(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        problems.add("file", where, None, None, f"cannot be read ({err.strerror or err})")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        problems.add(
            "file", where, None, None, f"not UTF-8 text (line {line})", "save the file as CSV UTF-8"
        )
        return None
    delimiter = sniff_delimiter(text)
    fast = _whole_lines(text, delimiter)
    if fast is not None:
        first, names, frame, at = fast
        columns = clean_header(names, table, where, lambda k: f"field {k + 1}", problems)
        frame.columns = range(frame.shape[1])
        keep = {name: k for k, name in reversed(list(enumerate(columns)))}
        frame = frame[sorted(keep.values())].reset_index(drop=True)
        frame.columns = [columns[k] for k in sorted(keep.values())]
        return unescape_cells(frame), FileOrigin(where, "line", first + 1, at), delimiter
    try:
        try:
            parsed = _records(text, delimiter, strict=True)
        except csv.Error as err:
            if "unexpected end of data" in str(err):
                raise
            # a stray quote inside a value, read as pandas reads it
            parsed = _records(text, delimiter, strict=False)
    except csv.Error as err:
        start, line = err.args[1:3] if len(err.args) == 3 else (0, 0)
        rule = (
            f"a quoted value that starts on line {start} is never closed"
            if "unexpected end of data" in str(err.args[0])
            else f"not a readable CSV file (line {line}: {err.args[0]})"
        )
        problems.add("file", where, None, None, rule, "check the quotes around that value")
        return None
    header, header_line, records, lines, too_long = parsed
    if header is None:
        problems.add(table, where, None, None, "the file is empty", "it needs a header line")
        return None
    for line in too_long[:5]:
        problems.add(
            "file",
            f"{where} line {line}",
            None,
            None,
            f"more fields than the header ({len(header)})",
            f"check for unquoted {_WORDS[delimiter]} inside values",
        )
    if too_long:
        return None
    columns = clean_header(header, table, where, lambda k: f"field {k + 1}", problems)
    origin = FileOrigin(where, "line", header_line + 1, tuple(lines))
    return table_frame(columns, records), origin, delimiter


def _whole_lines(
    text: str, delimiter: str
) -> tuple[int, list[str], pd.DataFrame, tuple[int, ...]] | None:
    """(header line, header, records, their lines) when every record is one line, else None.

    The common case, read by pandas' C parser; a file where a quoted value spans lines, a
    line has more fields than the first, or anything else unusual is left to `_records`.
    """
    physical = text.split("\n")
    if physical and physical[-1] == "":
        physical.pop()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            frame = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                header=None,
                dtype=str,
                keep_default_na=False,
                na_values=[],
                skip_blank_lines=False,
                skipinitialspace=True,
                index_col=False,
            )
    except Exception:  # the careful reader says what is wrong
        return None
    if len(frame) != len(physical) or len(frame) == 0:
        return None
    filled = np.array([bool(line.rstrip("\r")) for line in physical])
    numbers = np.flatnonzero(filled) + 1
    if len(numbers) == 0:
        return None
    rows = frame.iloc[numbers - 1]
    names = [str(v) for v in rows.iloc[0]]
    return int(numbers[0]), names, rows.iloc[1:], tuple(int(n) for n in numbers[1:])


def _records(
    text: str, delimiter: str, *, strict: bool
) -> tuple[list[str] | None, int, list[list[object]], list[int], list[int]]:
    """(header, its line, records, each record's first line, lines with too many fields).

    Raises
    ------
    csv.Error
        With ``args`` (message, first line of the record, line reached).
    """
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True, strict=strict
    )
    header: list[str] | None = None
    header_line = 0
    records: list[list[object]] = []
    lines: list[int] = []
    too_long: list[int] = []
    last = 0
    try:
        for record in reader:
            start, last = last + 1, reader.line_num
            if not record:
                continue
            if header is None:
                header, header_line = record, start
                continue
            if len(record) > len(header):
                too_long.append(start)
            records.append(list(record))
            lines.append(start)
    except csv.Error as err:
        raise csv.Error(str(err), last + 1, reader.line_num) from None
    return header, header_line, records, lines, too_long
