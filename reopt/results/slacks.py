"""Complementary slackness, element by element: what `reopt.results.verify` tests each dual by.

`slacks` gives each value's slack (its dual times its distance to the bound the dual points
at) and whether its dual points where no bound allows; `beyond` and `reported_off` are the
element-wise tests the check applies to them. Each runs `CHUNK` elements at a time
(`in_chunks`): a chunk's temporaries stay in the processor's cache, and none is the size of
the program. A value at the bound its dual points at, or with a dual of 0, has no slack
and points nowhere it may not, whatever its tolerances: where values are many (a program's
columns, most of them unbought), `slacks` finds those first and works out only the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "CHUNK",
    "FEASIBILITY_RTOL",
    "REACH_RTOL",
    "ROUNDING_RTOL",
    "beyond",
    "in_chunks",
    "reported_off",
    "slacks",
]

#: Allowed violation of a bound or row, relative to max(1, |bound|, sum |a_ij x_j|).
FEASIBILITY_RTOL = 1e-9
#: The rounding of one subtraction, relative to the numbers subtracted (four units in the
#: last place).
ROUNDING_RTOL = 4 * float(np.finfo(float).eps)
#: How far from its bound a value may be and still hold a dual there: the feasibility
#: tolerance, and the rounding of the subtraction that measures it (a row the feasibility
#: check passes, ``value <= bound + tol`` in floating point, is within reach of its bound).
REACH_RTOL = FEASIBILITY_RTOL + ROUNDING_RTOL
#: Columns (or rows) the optimality check's element-wise tests take at a time: a chunk's
#: temporaries stay in the processor's cache, and none is the size of the program.
CHUNK = 1 << 14


def in_chunks(
    test: Callable[..., None], out: tuple[np.ndarray, ...], *arrays: Any
) -> tuple[np.ndarray, ...]:
    """``out``, filled by ``test(*out[part], *arrays[part])`` for each `CHUNK` of elements.

    Arrays of ``out``'s length are cut into parts; anything else in ``arrays`` (a tolerance,
    a number, a 0-d array or None) is passed whole.
    """
    n = len(out[0])
    cut = [np.ndim(a) == 1 and len(a) == n for a in arrays]
    for start in range(0, n, CHUNK):
        part = slice(start, start + CHUNK)
        test(
            *(o[part] for o in out),
            *(a[part] if c else a for a, c in zip(arrays, cut, strict=True)),
        )
    return out


def beyond(
    out: np.ndarray,
    amount: np.ndarray,
    money: np.ndarray,
    rtol: float,
    floor: float | np.ndarray,
) -> None:
    """Where ``amount`` exceeds ``rtol`` of its ``money`` plus ``floor`` (into ``out``)."""
    limit = money * rtol
    limit += floor
    np.greater(amount, limit, out=out)


def reported_off(
    out: np.ndarray,
    reported: np.ndarray,
    d: np.ndarray,
    terms: np.ndarray,
    rtol: float,
    floor: float,
) -> None:
    """Where a reported reduced cost is not ``d``, to ``rtol`` of its ``terms`` plus ``floor``."""
    off = np.subtract(reported, d)
    beyond(out, np.abs(off, out=off), terms, rtol, floor)


def slacks(
    value: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    dual: np.ndarray,
    terms: np.ndarray,
    rtol: float,
    floor: np.ndarray | Callable[[np.ndarray], np.ndarray],
    largest: float,
    size: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """Each value's dual against its bounds: ``(astray, gap, looked, floors)``.

    ``astray`` marks a dual pointing where it may not, ``gap`` is the complementary slack in
    USD, ``looked`` the values looked at and ``floors`` their floors.

    A positive dual belongs to a lower bound, a negative one to an upper bound: its slack is
    the dual times the distance to that bound. A dual beyond its tolerance (``rtol`` of the
    money it is made of, ``terms``, plus its ``floor`` over the point's ``largest``
    quantity) may not point at an infinite bound, nor at one farther than the feasibility
    tolerance (`FEASIBILITY_RTOL` of ``size``, by default ``max(|value|, 1)``): a column
    3e-7 of its product's demand below its capacity with a reduced cost of half its price
    is not at the vertex its dual stands for, however small that slack. A dual within its
    ``floor`` is rounding and leaves no slack, however far its bound (a reduced cost of
    1e-17 against a bound of 3e14 is not a gap of 3e-3). The values looked at are those not
    at the bound their dual points at (None: all of them); the others have neither.
    ``floor`` is each value's, or a function giving those of the values at given places
    (so that a floor is worked out only where it is looked at).
    """
    n = len(value)
    floor_at = floor if callable(floor) else floor.__getitem__
    if n <= CHUNK:
        floors = floor_at(np.arange(n))
        arrays = (value, lower, upper, dual, terms, floors, size)
        out = (np.empty(n, dtype=bool), np.empty(n))
        astray, gap = in_chunks(_slacks_of_part, out, *arrays, rtol, largest)
        return astray, gap, None, floors
    (looked,) = in_chunks(_off_its_bound, (np.empty(n, dtype=bool),), value, lower, upper, dual)
    at = np.flatnonzero(looked)
    astray, gap = np.zeros(n, dtype=bool), np.zeros(n)
    floors = floor_at(at)
    if len(at):
        picked = [None if a is None else a[at] for a in (value, lower, upper, dual, terms)]
        sizes = None if size is None else size[at]
        out = (np.empty(len(at), dtype=bool), np.empty(len(at)))
        astray[at], gap[at] = in_chunks(_slacks_of_part, out, *picked, floors, sizes, rtol, largest)
    return astray, gap, at, floors


def _off_its_bound(
    out: np.ndarray, value: np.ndarray, lower: np.ndarray, upper: np.ndarray, dual: np.ndarray
) -> None:
    """Where a nonzero dual's value is not exactly at the bound the dual points at."""
    np.not_equal(value, lower, out=out)
    out &= dual > 0
    away = value != upper
    away &= dual < 0
    out |= away


def _slacks_of_part(
    astray: np.ndarray,
    gap: np.ndarray,
    value: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    dual: np.ndarray,
    terms: np.ndarray,
    floor: np.ndarray,
    size: np.ndarray | None,
    rtol: float,
    largest: float,
) -> None:
    """`slacks` of one part, into ``astray`` and ``gap``."""
    # a dual is its lower bound's when positive, else its upper bound's
    magnitude = np.abs(dual)
    beyond(astray, magnitude, terms, rtol, floor / largest)
    work = np.abs(value)
    if size is None:
        size = np.maximum(work, 1.0, out=work)
    reach = np.multiply(size, REACH_RTOL, out=work)
    lower_side = dual > 0
    distance = np.subtract(upper, value, out=gap)  # infinite where that bound is missing
    np.subtract(value, lower, out=distance, where=lower_side)
    astray &= np.greater(distance, reach, out=lower_side)
    np.maximum(distance, 0.0, out=distance)
    distance[np.isinf(distance)] = 0.0  # no such bound: no slack
    magnitude[magnitude <= floor] = 0.0
    np.multiply(distance, magnitude, out=distance)
    if astray.any():
        gap[astray] = np.inf
