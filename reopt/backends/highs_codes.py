"""HiGHS's codes in reopt's terms: model statuses as `Status`, bases as `StartBasis`.

`map_status` reads a ``HighsModelStatus`` (a limit is never optimal). A warm start
carried to another HiGHS instance, perhaps in another process (a sweep's runs
on workers), travels as a `reopt.backends.base.StartBasis`: one small integer per column
and row, HiGHS's own status numbers, which pickle where HiGHS's object does not.
"""

from __future__ import annotations

from typing import Any

import highspy
import numpy as np

from reopt.backends.base import StartBasis
from reopt.status import Status

__all__ = ["BASIS_STATUSES", "highs_basis", "map_status", "start_basis"]

_STATUS = {
    "kOptimal": Status.OPTIMAL,
    "kInfeasible": Status.INFEASIBLE,
    "kUnbounded": Status.UNBOUNDED,
    "kUnboundedOrInfeasible": Status.INFEASIBLE_OR_UNBOUNDED,
    "kTimeLimit": Status.TIME_LIMIT,
    "kIterationLimit": Status.ITERATION_LIMIT,
    "kSolutionLimit": Status.OTHER_LIMIT,
    "kMemoryLimit": Status.OTHER_LIMIT,
    "kObjectiveBound": Status.OTHER_LIMIT,
    "kObjectiveTarget": Status.OTHER_LIMIT,
    "kInterrupt": Status.INTERRUPTED,
    "kHighsInterrupt": Status.INTERRUPTED,
}


def map_status(raw: object) -> Status:
    """Reopt's status for a ``HighsModelStatus``; anything unknown is an error."""
    return _STATUS.get(getattr(raw, "name", str(raw)), Status.ERROR)


#: HiGHS's basis statuses by their numbers: 0 at lower, 1 basic, 2 at upper, 3 zero, 4 nonbasic.
BASIS_STATUSES = np.array(
    sorted(highspy.HighsBasisStatus.__members__.values(), key=int), dtype=object
)


def start_basis(basis: Any) -> StartBasis | None:
    """``basis`` (a ``highspy.HighsBasis``) as a `StartBasis`, or None when not valid."""
    if not basis.valid:
        return None
    col, row = (np.fromiter(map(int, s), np.int8) for s in (basis.col_status, basis.row_status))
    return StartBasis(col, row)


def highs_basis(given: StartBasis) -> Any:
    """``given`` as a ``highspy.HighsBasis`` to pass to ``Highs.setBasis``.

    Examples
    --------
    >>> b = highs_basis(StartBasis(np.array([1, 0], np.int8), np.array([2], np.int8)))
    >>> [int(s) for s in b.col_status], [int(s) for s in b.row_status], b.valid
    ([1, 0], [2], True)
    >>> start_basis(b) == None
    False
    """
    basis = highspy.HighsBasis()
    basis.col_status = BASIS_STATUSES[given.col_status].tolist()
    basis.row_status = BASIS_STATUSES[given.row_status].tolist()
    basis.valid = True
    return basis
