"""The errors reopt raises, and the `Problem` record that bad input is reported as.

Every error reopt raises is a `ReoptError`:

- `InputError` (also a `ValueError`): the input is wrong. It lists *every* problem found,
  each with the table, the row as the user numbers it, the column, the value, the rule that
  was broken and a hint.
- `SolverError`: the solver failed, or returned a solution that does not pass reopt's own
  check of bounds, rows and objective.
- `NoSolutionError`: a result was asked of a plan that has none (infeasible, time limit, ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

__all__ = ["InputError", "NoSolutionError", "Problem", "ReoptError", "ReoptWarning", "SolverError"]

#: How many problems an `InputError` message spells out before it summarises the rest.
MESSAGE_LIMIT = 25


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input.

    Attributes
    ----------
    table : str
        ``"offers"``, ``"demand"``, ``"sources"``, ``"policies"``, ``"options"`` or ``"file"``.
    where : str
        The place as the user would look for it: ``"offers.csv line 7"``,
        ``"market.xlsx sheet 'demand' row 3"``, ``"offers row 12"`` (a DataFrame index label),
        or the table or file itself when the problem is not about one row.
    column : str or None
        The column (or argument) at fault.
    value : object
        The offending value as found (``None`` when the value is missing altogether).
    rule : str
        The rule that was broken, e.g. ``"must be a number >= 0"``.
    hint : str
        How to fix it, e.g. ``"did you mean 0.35?"``; may be empty.
    """

    table: str
    where: str
    column: str | None
    value: object
    rule: str
    hint: str = ""

    def __str__(self) -> str:
        parts = [self.where]
        if self.column is not None:
            shown = "" if self.value is None else f"={_show(self.value)}"
            parts.append(f"{self.column}{shown}")
        text = ", ".join(parts) + f": {self.rule}"
        return f"{text} ({self.hint})" if self.hint else text


def _show(value: object) -> str:
    """The value as its table holds it: a numpy scalar as the Python number it is."""
    if isinstance(value, np.generic):
        value = value.item()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class ReoptError(Exception):
    """Base class of every error reopt raises."""


class InputError(ReoptError, ValueError):
    """The input breaks one or more rules; ``problems`` lists every one of them.

    Examples
    --------
    >>> err = InputError([Problem("policies", "solve()", "china_cap", 35, "a share is a fraction "
    ...                           "in [0, 1]", "did you mean 0.35?")])
    >>> print(err)
    1 problem in the input:
      - solve(), china_cap=35: a share is a fraction in [0, 1] (did you mean 0.35?)
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("InputError needs at least one Problem")
        super().__init__(self._message())

    def _message(self) -> str:
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} in the input:"]
        lines += [f"  - {p}" for p in self.problems[:MESSAGE_LIMIT]]
        if n > MESSAGE_LIMIT:
            lines.append(f"  ... and {n - MESSAGE_LIMIT} more (see InputError.problems)")
        return "\n".join(lines)


class SolverError(ReoptError, RuntimeError):
    """The solver failed, or its answer did not pass reopt's own check."""


class NoSolutionError(ReoptError):
    """A result (allocation, shares, prices) was asked of a plan that has no solution."""


class ReoptWarning(UserWarning):
    """Something the user should know about a result that is still correct as far as it goes."""


class ProblemList:
    """Collects problems while validating, then raises them all at once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(
        self,
        table: str,
        where: str,
        column: str | None,
        value: object,
        rule: str,
        hint: str = "",
    ) -> None:
        """Record one problem."""
        self.items.append(Problem(table, where, column, value, rule, hint))

    def extend(self, problems: Iterable[Problem]) -> None:
        """Record several problems."""
        self.items.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        """Raise one `InputError` with everything recorded so far, if anything was."""
        if self.items:
            raise InputError(self.items)
