"""How reopt reads a share: one rule for Python arguments, scenario files and the command line.

A share is given as

- a number in [0, 1], read as a fraction: ``0.6`` is 60%, ``1`` is 100%;
- text ending in ``%``, a percentage in [0%, 100%]: ``"60%"`` is 0.6 (``"0.5%"`` is 0.005);
- any other text, read as a number and then as above: ``"0.6"`` is 0.6.

A bare number above 1 is refused, never read as a percentage: 1 itself would be ambiguous
(100% or 1%?), and so would a sweep from 0.5 to 1.5. ``60`` and ``"60"`` are refused with
the hint ``did you mean 0.6?``; ``1.5``, ``"160%"``, ``-0.1`` and ``"-10%"`` are refused
too, as are NaN, infinities and booleans. A number within `ROUNDING` outside [0, 1] (what
``np.arange`` and sums of steps produce) is read as the end it rounds from. ``"60%"`` and
``0.6`` give the same float (the text is read as an exact decimal), so a cap written either
way solves the same model.

`read_share` applies the rule and says why a value is refused; `share_value` raises the
`InputError`. `reopt.checks.Share` (declared argument rules), the sweeps and the CLI's
``--china-cap`` all use it.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from reopt.errors import InputError, Problem

__all__ = ["ROUNDING", "Refusal", "read_share", "share_value"]

#: How far outside [0, 1] a number may lie from floating-point rounding and still be read as
#: the end it rounds from.
ROUNDING = 1e-12

_FRACTION = "a share is a fraction in [0, 1]"
_PERCENT = "a percentage share is in [0%, 100%]"
_NOT_A_NUMBER = "a share must be a number in [0, 1]"
_NOT_A_SHARE = "a share must be a number in [0, 1] or a percentage such as '60%'"


@dataclass(frozen=True)
class Refusal:
    """Why a value is not a share: the rule it breaks and a hint (possibly empty)."""

    rule: str
    hint: str = ""


def read_share(value: object) -> float | Refusal:
    """The fraction ``value`` stands for, or the `Refusal` saying why it is not a share.

    Examples
    --------
    >>> read_share(0.6), read_share("60%"), read_share("0.6"), read_share(" 57.5 % ")
    (0.6, 0.6, 0.6, 0.575)
    >>> read_share(60)
    Refusal(rule='a share is a fraction in [0, 1]', hint='did you mean 0.6?')
    >>> read_share("160%")
    Refusal(rule='a percentage share is in [0%, 100%]', hint='')
    """
    if isinstance(value, str):
        return _read_text(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return Refusal(_NOT_A_NUMBER)
    return _fraction(float(value))


def share_value(value: object, *, where: str, column: str, table: str = "policies") -> float:
    """``value`` as a fraction in [0, 1] (see the module), or an `InputError` naming it.

    Parameters
    ----------
    value : object
        A number, or text such as ``"60%"``.
    where, column, table : str
        Where the problem is reported: e.g. ``"solve()"``, ``"china_cap"``, ``"policies"``.

    Examples
    --------
    >>> share_value("60%", where="solve()", column="china_cap")
    0.6
    >>> share_value(1.5, where="solve()", column="china_cap")
    Traceback (most recent call last):
    ...
    reopt.errors.InputError: 1 problem in the input:
      - solve(), china_cap=1.5: a share is a fraction in [0, 1] (did you mean 0.015?)
    """
    found = read_share(value)
    if isinstance(found, Refusal):
        raise InputError([Problem(table, where, column, value, found.rule, found.hint)])
    return found


def _fraction(number: float) -> float | Refusal:
    """A number read as a fraction; 1 < number <= 100 gets a hint.

    A value within `ROUNDING` of 0 or 1 (``np.arange(0.5, 1.0001, 0.05)`` ends in
    1.0000000000000004) is that end.
    """
    if math.isfinite(number) and 0.0 <= number <= 1.0:
        return number
    if math.isfinite(number) and -ROUNDING <= number < 0.0:
        return 0.0
    if math.isfinite(number) and 1.0 < number <= 1.0 + ROUNDING:
        return 1.0
    hint = f"did you mean {number / 100:g}?" if 1.0 < number <= 100.0 else ""
    return Refusal(_FRACTION, hint)


def _read_text(text: str) -> float | Refusal:
    """Text: a percentage when it ends in ``%``, else a number read as a fraction."""
    body = text.strip()
    percent = body.endswith("%")
    if percent:
        body = body[:-1].rstrip()
    try:
        number = Decimal(body)
    except InvalidOperation:
        return Refusal(_NOT_A_SHARE)
    if not number.is_finite():
        return Refusal(_PERCENT if percent else _FRACTION)
    if not percent:
        return _fraction(float(number))
    if not 0 <= number <= 100:
        return Refusal(_PERCENT)
    return float(number / 100)
