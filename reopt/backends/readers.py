"""HiGHS's model-file reader: an MPS (free or fixed format) or LP file as a `LinearProgram`.

`read_with_highs` parses the file with highspy's ``readModel`` and turns what ``getLp``
returns into reopt's row-wise arrays (numpy only, no loop over entries). It is registered
for ``.mps`` and ``.lp`` files (and their gzipped forms) in `reopt.model.files` when this
module is imported, which `reopt.backends` does, so that `LinearProgram.read` can use it
without the model stage importing a solver.

The objective's constant is HiGHS's ``offset_``: for an MPS file, the negated right-hand
side of the objective row (the convention of HiGHS, CPLEX and Gurobi). A maximisation is
negated into a minimisation and recorded (`reopt.model.files.as_maximisation`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import highspy
import numpy as np

from reopt.backends.highs_calls import new_highs
from reopt.errors import InputError, Problem
from reopt.model.blocks import csr_block
from reopt.model.files import as_maximisation, register_reader
from reopt.model.program import LinearProgram

__all__ = ["SUFFIXES", "read_with_highs"]

#: The file names HiGHS's reader is registered for.
SUFFIXES = (".mps", ".lp", ".mps.gz", ".lp.gz")

#: HiGHS's column kinds reopt's programs hold: continuous (0) and integer (1).
_SUPPORTED_KINDS = (0, 1)


def read_with_highs(path: Path) -> LinearProgram:
    """The program in the MPS or LP file at ``path``, read by HiGHS.

    Raises
    ------
    InputError
        When HiGHS cannot parse the file, or the model has what a `LinearProgram` cannot
        hold (a quadratic objective, semi-continuous or semi-integer columns).
    """
    h = new_highs()
    try:
        status = h.readModel(str(path))
    except Exception as err:  # highspy raises for a few inputs instead of returning kError
        raise _unreadable(path, str(err)) from err
    if status == highspy.HighsStatus.kError:
        raise _unreadable(path, "HiGHS could not parse it as an MPS or LP model")
    model = h.getModel()
    problems = _unsupported(path, model)
    if problems:
        raise InputError(problems)
    return _program(model.lp_)


def _unreadable(path: Path, why: str) -> InputError:
    return InputError(
        [
            Problem(
                "file",
                str(path),
                None,
                None,
                why,
                "check the file's format (free or fixed MPS, or CPLEX LP) against its suffix",
            )
        ]
    )


def _unsupported(path: Path, model: Any) -> list[Problem]:
    """What in ``model`` a `LinearProgram` cannot hold."""
    problems = []
    if model.hessian_.dim_ > 0:
        problems.append(
            Problem("file", str(path), "objective", None, "a quadratic objective is not supported")
        )
    kinds = np.asarray([int(kind) for kind in model.lp_.integrality_], dtype=np.int32)
    other = np.flatnonzero(~np.isin(kinds, _SUPPORTED_KINDS))
    if len(other):
        problems.append(
            Problem(
                "file",
                str(path),
                "integrality",
                f"{len(other)} columns",
                "semi-continuous and semi-integer columns are not supported",
            )
        )
    return problems


def _program(lp: Any) -> LinearProgram:
    """The program of a ``HighsLp``: a row-wise matrix, and a minimisation."""
    n_cols, n_rows = int(lp.num_col_), int(lp.num_row_)
    matrix = lp.a_matrix_
    rowwise = matrix.format_ == highspy.MatrixFormat.kRowwise
    n_lines = n_rows if rowwise else n_cols
    start = np.asarray(matrix.start_, dtype=np.int64)[: n_lines + 1]
    n_entries = int(start[-1]) if len(start) else 0
    index = np.asarray(matrix.index_, dtype=np.int64)[:n_entries]
    value = np.asarray(matrix.value_, dtype=float)[:n_entries]
    # the line (row or column) of every entry; column-wise is the usual case
    line = np.repeat(np.arange(n_lines), np.diff(start)) if n_lines else index[:0]
    rows, cols = (line, index) if rowwise else (index, line)
    block = csr_block(rows, cols, value, n_rows)
    sense = -1.0 if lp.sense_ == highspy.ObjSense.kMaximize else 1.0
    kinds = [int(kind) for kind in lp.integrality_]
    program = LinearProgram.from_arrays(
        cost=sense * np.asarray(lp.col_cost_, dtype=float),
        col_lower=np.asarray(lp.col_lower_, dtype=float),
        col_upper=np.asarray(lp.col_upper_, dtype=float),
        row_lower=np.asarray(lp.row_lower_, dtype=float),
        row_upper=np.asarray(lp.row_upper_, dtype=float),
        row_start=block.start,
        col_index=block.index,
        value=block.value,
        integrality=np.asarray(kinds, dtype=np.int32) if kinds else None,
        objective_offset=sense * float(lp.offset_),
    )
    return as_maximisation(program) if sense < 0 else program


register_reader(SUFFIXES, read_with_highs)
