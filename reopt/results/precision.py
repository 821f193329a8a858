"""Numbers written at the precision of the inputs: no float noise such as 49.80000000000001.

A plan's tonnes and costs are sums and products of the inputs' numbers, computed in binary
floating point, so they carry noise in their last digits (``49.80000000000001``,
``17853300.000000004``). The rule: every float written is rounded to ``digits`` significant
digits (default `SIGNIFICANT_DIGITS`, 10), well within the 15 to 17 that a double holds and
beyond what any input (a price, a capacity) is given with. NaN and infinities are kept.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from reopt.errors import InputError, Problem

__all__ = ["SIGNIFICANT_DIGITS", "check_digits", "round_significant", "round_value"]

#: Significant digits kept in files by default.
SIGNIFICANT_DIGITS = 10


def check_digits(digits: object, where: str = "precision") -> int:
    """``digits`` as an int from 1 to 17, or an `InputError` saying what is allowed."""
    ok = isinstance(digits, int | np.integer) and not isinstance(digits, bool)
    if not ok or not 1 <= int(digits) <= 17:  # type: ignore[call-overload]
        raise InputError(
            [
                Problem(
                    "options",
                    where,
                    "precision",
                    digits,
                    "must be a whole number of significant digits from 1 to 17",
                    f"the default is {SIGNIFICANT_DIGITS}",
                )
            ]
        )
    return int(digits)  # type: ignore[call-overload]


def round_value(value: float, digits: int = SIGNIFICANT_DIGITS) -> float:
    """``value`` rounded to ``digits`` significant digits.

    Examples
    --------
    >>> round_value(49.80000000000001), round_value(17853300.000000004), round_value(1 / 3, 3)
    (49.8, 17853300.0, 0.333)
    """
    if not math.isfinite(value) or value == 0:
        return value
    return float(f"{value:.{digits - 1}e}")


def round_significant(frame: pd.DataFrame, digits: int = SIGNIFICANT_DIGITS) -> pd.DataFrame:
    """A copy of ``frame`` whose float columns are rounded to ``digits`` significant digits.

    Examples
    --------
    >>> round_significant(pd.DataFrame({"t": [49.80000000000001, 0.1 + 0.2]}))["t"].tolist()
    [49.8, 0.3]
    """
    digits = check_digits(digits)
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if pd.api.types.is_float_dtype(column.dtype):
            rounded = [round_value(float(v), digits) for v in column.to_numpy()]
            out.isetitem(position, pd.Series(rounded, index=column.index, dtype=column.dtype))
    return out
