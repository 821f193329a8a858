"""How a CSV file writes its table: the delimiter and the decimal mark, found from the file.

Excel writes CSV with the list separator of the computer's region: commas in much of the
world, semicolons with decimal commas (``1234,5``, ``1.234,5``) in much of Europe; other tools
write tabs. `sniff_delimiter` asks `csv.Sniffer` which of ``,``, ``;`` and tab separates the
fields, and keeps the comma when the header line holds none of the others (a file of one
column, or semicolons only inside text). In a semicolon-separated file, `read_decimals` turns
the numeric columns' decimal-comma text into numbers: there a comma is always the decimal
mark (``1,000`` is one), as no program writes semicolons with thousands commas. A number is
never guessed: ``1.234`` where the file writes decimal commas, or where nothing in the file
says whether its dot marks thousands or decimals, is a problem naming its line, and so is a
decimal point among decimal commas.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reopt.errors import ProblemList

__all__ = ["CsvDialect", "read_decimals", "sniff_delimiter"]

_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_LINES, _CHARS = 50, 1 << 13  # the sniffer looks at the first 50 lines, at most 8 KiB
#: The forms of a number cell that concern the decimal mark, matched in this order.
_FORM = re.compile(
    r"(?P<comma>[+-]?(?:[1-9]\d{0,2}(?:\.\d{3})+|\d+),\d+)"  # 1.234,5 or 1234,5
    r"|(?P<groups>[+-]?[1-9]\d{0,2}(?:\.\d{3}){2,})"  # 1.234.567: thousands only
    r"|(?P<either>[+-]?[1-9]\d{0,2}\.\d{3})"  # 1.234: thousands or a decimal point?
    r"|(?P<point>[+-]?\d*\.\d+(?:[eE][+-]?\d+)?)"  # 12.5: a decimal point
)


@dataclass(frozen=True)
class CsvDialect:
    r"""How a CSV file was read.

    Attributes
    ----------
    delimiter : str
        ``","``, ``";"`` or ``"\t"``.
    decimal : str
        ``","`` when the file's numbers use decimal commas, else ``"."``.

    Examples
    --------
    >>> str(CsvDialect(";", ","))
    'semicolon-separated with decimal commas'
    >>> CsvDialect().description
    'comma-separated'
    """

    delimiter: str = ","
    decimal: str = "."

    @property
    def description(self) -> str:
        """The dialect in words, e.g. ``"semicolon-separated with decimal commas"``."""
        name = f"{_NAMES.get(self.delimiter, repr(self.delimiter))}-separated"
        return f"{name} with decimal commas" if self.decimal == "," else name

    def __str__(self) -> str:
        return self.description


def sniff_delimiter(text: str) -> str:
    r"""The delimiter of the CSV ``text``: ``","``, ``";"`` or ``"\t"`` (comma when unsure).

    `csv.Sniffer` looks at the first 50 lines (at most 8 KiB of whole lines), then at the
    header line alone if that fails. A delimiter the header line does not contain is not
    taken: the file has one column, and what the sniffer saw was inside text.

    Examples
    --------
    >>> sniff_delimiter("source;price_usd_per_kg\nlynas;90,5\n")
    ';'
    >>> sniff_delimiter('source,note\nlynas,"a; b; c"\n'), sniff_delimiter("product\nDy\n")
    (',', ',')
    """
    sample = "".join(text[:_CHARS].splitlines(keepends=True)[:_LINES])
    if not sample.endswith("\n") and "\n" in sample:
        sample = sample[: sample.rfind("\n") + 1]  # whole lines only
    header = next((line for line in sample.splitlines() if line.strip()), "")
    for part in (sample, header):
        try:
            found = csv.Sniffer().sniff(part, delimiters=",;\t").delimiter
        except csv.Error:
            continue
        if found in header:
            return found
    return ","


def read_decimals(
    frame: pd.DataFrame,
    columns: Collection[str],
    table: str,
    where: Callable[[int], str],
    problems: ProblemList,
) -> str:
    """Read the decimal-comma numbers of a semicolon-separated table; return its decimal mark.

    The file writes decimal commas when a cell of one of ``columns`` does (``1234,5``,
    ``1.234,5``); those cells become numbers in ``frame`` (in place), and so do cells with
    dots between groups of three digits only (``1.234.567``). A cell ``1.234`` is a problem
    unless another cell shows that the file writes decimal points (``12.5``), and a decimal
    point in a file that writes decimal commas is a problem too; such cells are emptied,
    as their problem is the one to report. Other cells are left to the column's checks.

    Parameters
    ----------
    frame : DataFrame
        The table as text cells (changed in place).
    columns : collection of str
        The labels of its numeric columns, as they appear in ``frame``.
    table : str
    where : callable
        The user's name for the record at a 0-based position (``"offers.csv line 4"``).
    problems : ProblemList

    Returns
    -------
    str
        ``","`` or ``"."``.
    """
    kinds: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for col in columns:
        if col in frame.columns and not pd.api.types.is_numeric_dtype(frame[col].dtype):
            codes, distinct = pd.factorize(frame[col].to_numpy(dtype=object))
            stripped = [v.strip() if isinstance(v, str) else "" for v in distinct]
            found = [_FORM.fullmatch(t) for t in stripped]
            kind = np.array([m.lastgroup if m else "" for m in found] + [""], dtype=object)
            kinds[col] = (codes, kind, np.array([*stripped, ""], dtype=object))
    comma = any((kind == "comma").any() for _, kind, _ in kinds.values())
    point = any((kind == "point").any() for _, kind, _ in kinds.values())
    for col, (codes, kind, texts) in kinds.items():
        per_row, given = kind[codes], frame[col].to_numpy(dtype=object)
        out = given.copy()
        if comma:
            rows = np.flatnonzero(per_row == "comma")
            out[rows] = [float(t.replace(".", "").replace(",", ".")) for t in texts[codes[rows]]]
        if not point:
            rows = np.flatnonzero(per_row == "groups")
            out[rows] = [float(t.replace(".", "")) for t in texts[codes[rows]]]
        either = (per_row == "either") & (not point)
        stray = ((per_row == "point") | ((per_row == "either") & point)) & comma
        for i in np.flatnonzero(either | stray):
            value = texts[codes[i]]
            if either[i]:
                rule = (
                    "ambiguous in a file that writes decimal commas: is the dot a thousands "
                    "separator?"
                    if comma
                    else "ambiguous in a semicolon-separated file: is the dot a thousands "
                    "separator or a decimal point?"
                )
                hint = (
                    f"write {value.replace('.', '')} if the dot separates thousands, or "
                    f"{value.replace('.', ',')} if it is a decimal point"
                )
            else:
                rule = "a decimal point in a file that writes decimal commas"
                hint = f"write {value.replace('.', ',')}"
            problems.add(table, where(int(i)), col, given[i], rule, hint)
            out[i] = None
        frame[col] = pd.Series(out, index=frame.index, dtype=object)
    return "," if comma else "."
