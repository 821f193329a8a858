"""`LinearProgram`: the model as numpy arrays, with typed row and column families.

Everything downstream of `reopt.compile` (back ends, the numpy check, the plan, ranges,
sweeps) reads the model through this small public API rather than through private helpers:

- `RowFamily` and `ColumnFamily` say what each row and column is (an enum, not strings);
- `LinearProgram.family_rows`, `LinearProgram.rows_of` pick rows by family or by policy;
- `LinearProgram.with_row_bounds`, `with_col_bounds`, `with_costs`, `with_columns` return
  changed copies (the program itself never changes);
- `reopt.model.blocks.RowBlock` and `csr_block` build a family of rows from (row, column,
  value) triplets, the way each policy and each block of the formulation adds its rows.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from reopt.data.market import readonly
from reopt.errors import InputError
from reopt.model.blocks import RowBlock, RowFamily, csr_block, entry_rows
from reopt.model.files import read_program
from reopt.model.program_checks import numeric_arrays, program_problems
from reopt.vectors import row_sums

__all__ = [
    "ROW_LABELS",
    "ColumnFamily",
    "LinearProgram",
    "RowBlock",
    "RowFamily",
    "csr_block",
    "entry_rows",
]


class ColumnFamily(StrEnum):
    """What a column is."""

    #: tonnes bought on an offer (columns ``0 .. n_offers - 1``)
    OFFER = "offer"
    #: money spent on a product (or in a period), for value-basis shares
    VALUE = "value"
    #: a 0/1 buy choice for an offer with a minimum order
    BUY = "buy"
    #: a column of a program built from arrays or read from a file
    OTHER = "other"


#: Per-row labels and their defaults. ``policy``: position in ``LinearProgram.policies``;
#: ``demand_row``: position in the market's demand (-1 for a whole-period row); ``period``:
#: period code; ``group``: code of the ``each`` group; ``share`` and ``base_t``: a share and
#: the tonnes it is a share of; ``value_col``: the column holding the value a share is of.
ROW_LABELS: Mapping[str, object] = {
    "policy": -1,
    "demand_row": -1,
    "period": -1,
    "group": -1,
    "share": np.nan,
    "base_t": np.nan,
    "value_col": -1,
}


@dataclass(frozen=True)
class LinearProgram:
    """A minimisation LP in standard form, with labels that tie rows back to the market.

    ``min cost @ x + objective_offset  s.t.  row_lower <= A @ x <= row_upper,
    col_lower <= x <= col_upper``, with ``A`` stored row-wise: the entries of row ``i`` are
    ``value[row_start[i]:row_start[i + 1]]`` in columns ``col_index[...]``.

    Columns ``0 .. n_offers - 1`` are the offers of the market in order (tonnes bought);
    further columns are auxiliary (`ColumnFamily`); ``col_offer`` gives the offer of each
    column (-1 for value columns). ``row_labels`` holds one array per label, each with one
    entry per row: ``family`` (a `RowFamily`) and the labels of `ROW_LABELS`; ``rows`` shows
    them as a table. ``maximise`` records a program read from a maximisation (its costs are
    the negated objective; `reopt.model.files.objective_sense`).
    """

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_start: np.ndarray
    col_index: np.ndarray
    value: np.ndarray
    integrality: np.ndarray
    row_labels: Mapping[str, np.ndarray]
    col_offer: np.ndarray
    n_offers: int
    policies: tuple[Any, ...] = field(default=())
    objective_offset: float = 0.0
    maximise: bool = False

    @classmethod
    def from_arrays(
        cls,
        *,
        cost: Sequence[float] | np.ndarray,
        col_lower: Sequence[float] | np.ndarray,
        col_upper: Sequence[float] | np.ndarray,
        row_lower: Sequence[float] | np.ndarray,
        row_upper: Sequence[float] | np.ndarray,
        row_start: Sequence[int] | np.ndarray,
        col_index: Sequence[int] | np.ndarray,
        value: Sequence[float] | np.ndarray,
        integrality: Sequence[int] | np.ndarray | None = None,
        objective_offset: float = 0.0,
    ) -> LinearProgram:
        """A program from plain arrays, with no market behind it (rows and columns `OTHER`).

        Raises `reopt.InputError` listing every problem with the arrays
        (`reopt.model.program_checks`): wrong lengths, indices outside the program, a column
        named twice in a row, costs or entries that are not finite, unmeetable bounds.

        Examples
        --------
        >>> lp = LinearProgram.from_arrays(cost=[1.0, 2.0], col_lower=[0, 0],
        ...     col_upper=[np.inf, np.inf], row_lower=[1.0], row_upper=[np.inf],
        ...     row_start=[0, 2], col_index=[0, 1], value=[1.0, 1.0])
        >>> lp
        LinearProgram(2 columns, 1 rows, 2 nonzeros)
        """
        given = {"cost": cost, "col_lower": col_lower, "col_upper": col_upper}
        given |= {"row_lower": row_lower, "row_upper": row_upper, "row_start": row_start}
        given |= {"col_index": col_index, "value": value}
        given["integrality"] = np.zeros(len(cost)) if integrality is None else integrality
        arrays, problems = numeric_arrays(given, whole=("row_start", "col_index", "integrality"))
        problems = problems or program_problems(arrays)
        if problems:
            raise InputError(problems)
        n_cols, n_rows = len(arrays["cost"]), len(arrays["row_lower"])
        labels = {"family": np.full(n_rows, RowFamily.OTHER, dtype=object)} | {
            name: np.full(n_rows, default) for name, default in ROW_LABELS.items()
        }
        return cls(
            cost=readonly(arrays["cost"]),
            col_lower=readonly(arrays["col_lower"]),
            col_upper=readonly(arrays["col_upper"]),
            row_lower=readonly(arrays["row_lower"]),
            row_upper=readonly(arrays["row_upper"]),
            row_start=readonly(arrays["row_start"].astype(np.int32)),
            col_index=readonly(arrays["col_index"].astype(np.int32)),
            value=readonly(arrays["value"]),
            integrality=readonly(arrays["integrality"].astype(np.int32)),
            row_labels={name: readonly(v) for name, v in labels.items()},
            col_offer=readonly(np.full(n_cols, -1)),
            n_offers=0,
            objective_offset=float(objective_offset),
        )

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> LinearProgram:
        """The program in an MPS (free or fixed format) or LP file.

        The objective's constant becomes ``objective_offset``; a maximisation is read as the
        minimisation of the negated objective, recorded so that `reopt.solve_lp` reports
        the objective in the file's sense (`reopt.model.files.objective_sense`). The file
        is parsed by the reader registered for its suffix (`reopt.model.files`).

        Raises
        ------
        InputError
            When the file is missing, its suffix is unknown, or it cannot be parsed.
        """
        return read_program(path)

    # --- sizes -------------------------------------------------------------------------------
    @property
    def n_cols(self) -> int:
        """Number of columns (variables)."""
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        """Number of rows (constraints)."""
        return len(self.row_lower)

    @property
    def n_nonzeros(self) -> int:
        """Number of nonzero matrix entries."""
        return len(self.value)

    @property
    def is_mip(self) -> bool:
        """True when some column is integer."""
        return bool(self.integrality.any())

    # --- labels ------------------------------------------------------------------------------
    @property
    def row_family(self) -> np.ndarray:
        """The `RowFamily` of every row (an object array)."""
        return self.row_labels["family"]

    @cached_property
    def rows(self) -> pd.DataFrame:
        """One row per row of the program: its family and labels (`ROW_LABELS`)."""
        return pd.DataFrame(dict(self.row_labels))

    @cached_property
    def col_family(self) -> np.ndarray:
        """The `ColumnFamily` of every column (an object array)."""
        if self.n_offers == 0:  # built from arrays, or read from a file
            return np.full(self.n_cols, ColumnFamily.OTHER, dtype=object)
        buy = (self.integrality == 1) | (self.col_offer >= 0)  # (a choice fixed: still one)
        out = np.where(buy, ColumnFamily.BUY, ColumnFamily.VALUE)
        out = out.astype(object)
        out[: self.n_offers] = ColumnFamily.OFFER
        return out

    @property
    def columns(self) -> pd.DataFrame:
        """One row per column: ``kind`` (a `ColumnFamily`) and ``offer`` (-1 for value)."""
        return pd.DataFrame({"kind": self.col_family, "offer": self.col_offer})

    def label(self, name: str) -> np.ndarray:
        """One of `ROW_LABELS` for every row, as an array."""
        return self.row_labels[name]

    def family_rows(self, family: RowFamily) -> np.ndarray:
        """Positions of the rows of ``family``."""
        return np.flatnonzero(self.row_family == family)

    def rows_of(self, policy: int | object) -> np.ndarray:
        """Positions of the rows of one policy (its position, or the policy itself)."""
        k = policy if isinstance(policy, (int, np.integer)) else self.policies.index(policy)
        mine = (self.row_family == RowFamily.POLICY) & (self.label("policy") == k)
        return np.flatnonzero(mine)

    @cached_property
    def entry_row(self) -> np.ndarray:
        """The row of every matrix entry."""
        return readonly(entry_rows(self.row_start))

    def on_entries(self, row_values: np.ndarray) -> np.ndarray:
        """Each matrix entry's row's value: ``row_values[entry_row]``, made by repeating each.

        A new array; it needs no `entry_row` (one 64-bit number per entry) and no gather.
        """
        return np.repeat(np.asarray(row_values), np.diff(self.row_start))

    # --- products with vectors ---------------------------------------------------------------
    def row_activity(self, x: np.ndarray) -> np.ndarray:
        """``A @ x``, computed from the row-wise arrays."""
        terms = np.asarray(x, dtype=float)[self.col_index]
        terms *= self.value
        return row_sums(self.row_start, terms)

    def column_activity(self, y: np.ndarray) -> np.ndarray:
        """``A.T @ y``, computed from the row-wise arrays."""
        terms = self.on_entries(np.asarray(y, dtype=float))
        terms *= self.value
        return np.bincount(self.col_index, weights=terms, minlength=self.n_cols)

    def same_structure(self, other: LinearProgram) -> bool:
        """Whether ``other`` has the same shape, sparsity pattern and integrality."""
        return (
            self.n_cols == other.n_cols
            and self.n_rows == other.n_rows
            and np.array_equal(self.row_start, other.row_start)
            and np.array_equal(self.col_index, other.col_index)
            and np.array_equal(self.integrality, other.integrality)
        )

    # --- changed copies ----------------------------------------------------------------------
    def with_row_bounds(
        self,
        rows: np.ndarray,
        *,
        lower: np.ndarray | float | None = None,
        upper: np.ndarray | float | None = None,
        labels: Mapping[str, object] | None = None,
    ) -> LinearProgram:
        """A copy with new bounds (and optionally labels) on ``rows``."""
        row_lower, row_upper = self.row_lower.copy(), self.row_upper.copy()
        if lower is not None:
            row_lower[rows] = lower
        if upper is not None:
            row_upper[rows] = upper
        table = dict(self.row_labels)
        for name, value in (labels or {}).items():
            changed = table[name].copy()
            changed[rows] = value
            table[name] = readonly(changed)
        return self._sharing(
            replace(
                self, row_lower=readonly(row_lower), row_upper=readonly(row_upper), row_labels=table
            )
        )

    def with_col_bounds(
        self,
        cols: np.ndarray,
        *,
        lower: np.ndarray | float | None = None,
        upper: np.ndarray | float | None = None,
    ) -> LinearProgram:
        """A copy with new bounds on ``cols``."""
        col_lower, col_upper = self.col_lower.copy(), self.col_upper.copy()
        if lower is not None:
            col_lower[cols] = lower
        if upper is not None:
            col_upper[cols] = upper
        return self._sharing(
            replace(self, col_lower=readonly(col_lower), col_upper=readonly(col_upper))
        )

    def with_costs(self, cost: np.ndarray) -> LinearProgram:
        """A copy with another cost vector."""
        return self._sharing(replace(self, cost=readonly(np.asarray(cost, dtype=float))))

    def with_policies(self, policies: Sequence[object]) -> LinearProgram:
        """A copy that records other policy objects (rows unchanged)."""
        return replace(self, policies=tuple(policies))

    def with_columns(
        self,
        *,
        cost: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
        rows: np.ndarray,
        cols: np.ndarray,
        vals: np.ndarray,
    ) -> LinearProgram:
        """A copy with new continuous columns appended.

        ``cost``, ``lower`` and ``upper`` give one value per new column; ``(rows, cols,
        vals)`` are their matrix entries, ``cols`` counted from 0 among the new columns.
        """
        n_new = len(cost)
        block = csr_block(
            np.concatenate([self.entry_row, np.asarray(rows, dtype=np.int64)]),
            np.concatenate([self.col_index, self.n_cols + np.asarray(cols, dtype=np.int64)]),
            np.concatenate([self.value, np.asarray(vals, dtype=float)]),
            self.n_rows,
        )
        return replace(
            self,
            cost=readonly(np.concatenate([self.cost, cost])),
            col_lower=readonly(np.concatenate([self.col_lower, lower])),
            col_upper=readonly(np.concatenate([self.col_upper, upper])),
            row_start=readonly(block.start.astype(self.row_start.dtype)),
            col_index=readonly(block.index.astype(self.col_index.dtype)),
            value=readonly(block.value),
            integrality=readonly(
                np.concatenate([self.integrality, np.zeros(n_new, dtype=np.int32)])
            ),
            col_offer=readonly(np.concatenate([self.col_offer, np.full(n_new, -1)])),
        )

    def _sharing(self, new: LinearProgram) -> LinearProgram:
        """``new`` (a copy of this program) with the entry rows worked out here, if shared.

        They are shared when ``new`` has the same row starts (the same array).
        """
        if new.row_start is self.row_start and "entry_row" in self.__dict__:
            new.__dict__["entry_row"] = self.__dict__["entry_row"]
        return new

    def scaled(self, col_scale: np.ndarray, row_scale: np.ndarray) -> LinearProgram:
        """The same program in other units (costs are left as they are).

        Column ``j`` counts ``col_scale[j]`` old units; row ``i`` is multiplied by
        ``row_scale[i]``.
        """
        value = np.asarray(col_scale, dtype=float)[self.col_index]
        value *= self.value
        value *= self.on_entries(row_scale)
        return self._sharing(
            replace(
                self,
                value=readonly(value),
                col_lower=self.col_lower  # zeros stay zeros: shared, not divided
                if not self.col_lower.any()
                else readonly(self.col_lower / col_scale),
                col_upper=readonly(self.col_upper / col_scale),
                row_lower=readonly(self.row_lower * row_scale),
                row_upper=readonly(self.row_upper * row_scale),
            )
        )

    def __repr__(self) -> str:
        return (
            f"LinearProgram({self.n_cols:,} columns, {self.n_rows:,} rows, "
            f"{self.n_nonzeros:,} nonzeros{', MIP' if self.is_mip else ''})"
        )
