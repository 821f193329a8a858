"""A table as a file holds it: its header as written and the line or row of every record.

CSV and Excel readers hand their records here. Header names are cleaned the same way for both
(Unicode NFC, surrounding and zero-width spaces removed), so that ``price_usd_per_kg `` is
``price_usd_per_kg``; a name that appears twice after that is a problem naming both places,
never settled by which one comes first. `FileOrigin` names each record by the line (CSV) or
row (Excel) a user sees in an editor, whatever blank lines or multi-line cells came before.
Every text cell and header name loses the quote reopt's writers put before text a spreadsheet
would run as a formula (`reopt.data.writing.unescape_text`), so what reopt wrote reads back
as it was.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reopt.data.cells import TableOrigin
from reopt.data.writing import unescape_text
from reopt.errors import ProblemList

__all__ = ["FileOrigin", "clean_header", "clean_name", "table_frame", "unescape_cells"]

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


@dataclass(frozen=True)
class FileOrigin(TableOrigin):
    """A table read from a file, with the physical line or row number of each record.

    Attributes
    ----------
    rows : tuple of int
        The number a user sees in an editor for each record, in order (``rows[0]`` for the
        first record after the header).
    """

    rows: tuple[int, ...] = ()

    def where(self, index_label: Hashable, position: int | np.integer) -> str:
        """The user's name for the record at ``position`` (0-based)."""
        k = int(position)
        if 0 <= k < len(self.rows):
            return f"{self.label} {self.row_word} {self.rows[k]}"
        return super().where(index_label, position)


def clean_name(name: object) -> str:
    """A header cell as text: NFC, without surrounding or zero-width spaces."""
    text = "" if name is None else str(name)
    return unicodedata.normalize("NFC", text.translate(_INVISIBLE)).strip()


def clean_header(
    names: Sequence[object],
    table: str,
    label: str,
    place: Callable[[int], str],
    problems: ProblemList,
) -> list[str]:
    """Cleaned header names; an empty one becomes ``"Unnamed: k"`` (0-based position).

    ``place(k)`` names position ``k`` for the user (``"field 3"``, ``"column C"``); a name that
    appears more than once is a problem naming every place it appears.
    """
    clean = [clean_name(unescape_text(n)) for n in names]
    seen: dict[str, list[int]] = {}
    for k, name in enumerate(clean):
        if name:
            seen.setdefault(name, []).append(k)
    for name, at in seen.items():
        if len(at) > 1:
            places = " and ".join(place(k) for k in at)
            problems.add(
                table,
                label,
                name,
                None,
                f"column appears more than once ({places})",
                "keep one column of each name; reopt would not know which one to use",
            )
    return [name or f"Unnamed: {k}" for k, name in enumerate(clean)]


def table_frame(columns: list[str], records: list[list[object]]) -> pd.DataFrame:
    """An object-dtype DataFrame of ``records`` (padded with None) under unique ``columns``.

    Repeated names (already reported by `clean_header`) keep their first column only.
    """
    width = len(columns)
    padded = [r + [None] * (width - len(r)) if len(r) < width else r[:width] for r in records]
    frame = pd.DataFrame(padded, columns=range(width), dtype=object)
    keep: dict[str, int] = {}
    for k, name in enumerate(columns):
        keep.setdefault(name, k)
    frame = frame[list(keep.values())]
    frame.columns = list(keep)
    return unescape_cells(frame.reset_index(drop=True))


def unescape_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the escaping quote taken off every text cell (in place; returned).

    Only cells that start with ``'`` are looked at (`reopt.data.writing.unescape_text`).
    """
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        dtype = column.dtype
        if not (isinstance(dtype, pd.StringDtype) or pd.api.types.is_object_dtype(dtype)):
            continue
        values = column.to_numpy(dtype=object, copy=True)
        try:
            quoted = column.str.startswith("'", na=False).to_numpy(dtype=bool)
        except AttributeError:  # an object column without text (numbers from a workbook)
            quoted = np.array([isinstance(v, str) and v[:1] == "'" for v in values], dtype=bool)
        if quoted.any():
            values[quoted] = [unescape_text(v) for v in values[quoted]]
            frame.isetitem(position, pd.Series(values, index=column.index, dtype=dtype))
    return frame
