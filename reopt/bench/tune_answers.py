"""Which answers agree: the reference answer of `reopt.bench.tune`, and agreement with it.

Every candidate's answer went through reopt's numpy check, so an optimal answer is feasible,
and where the back end returned duals its optimality is proved (no cheaper plan exists).
Answers are grouped by status, and optimal ones by cost within
`reopt.bench.user.AGREEMENT_RTOL`; the reference is the group with a proof if any has one,
then with the most back ends (settings of one back end share its faults, so they do not
count as votes). Two groups tied on both leave no reference, and then nothing agrees: a
wrong answer can be out-voted, never chosen.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import NamedTuple

from reopt.bench.user import AGREEMENT_RTOL
from reopt.status import Status

__all__ = ["Answer", "Reference", "agrees", "reference_answer", "same_cost"]

_OPTIMAL = Status.OPTIMAL.value


class Answer(NamedTuple):
    """One candidate's answer: its back end, status, cost (NaN unless optimal), proof."""

    backend: str
    status: str
    cost: float
    proved: bool


class Reference(NamedTuple):
    """The answer the candidates agree on: a status and, when optimal, a cost."""

    status: str
    cost: float

    def __str__(self) -> str:
        """``"optimal, USD 510075800"`` or the status alone."""
        return f"{self.status}, USD {self.cost:.10g}" if self.status == _OPTIMAL else self.status


def same_cost(cost: float, other: float) -> bool:
    """Equal within `AGREEMENT_RTOL`, or both missing (no optimal cost).

    Examples
    --------
    >>> same_cost(1.0, 1.0 + 1e-9), same_cost(1.0, 1.001), same_cost(math.nan, math.nan)
    (True, False, True)
    """
    both_missing = math.isnan(cost) and math.isnan(other)
    return both_missing or math.isclose(cost, other, rel_tol=AGREEMENT_RTOL)


def agrees(status: str, cost: float, reference: Reference | None) -> bool:
    """Whether an answer is the reference's (no reference: nothing agrees)."""
    if reference is None or status != reference.status:
        return False
    return status != _OPTIMAL or same_cost(cost, reference.cost)


def reference_answer(answers: Sequence[Answer]) -> tuple[Reference | None, list[str]]:
    """The answer the candidates agree on, or None; and notes on how they differed.

    Examples
    --------
    >>> reference_answer([Answer("a", "optimal", 10.0, True), Answer("b", "optimal", 9.0, False),
    ...                   Answer("c", "optimal", 9.0, False)])
    (Reference(status='optimal', cost=10.0), ['answers differ: 2 groups'])
    >>> reference_answer([Answer("a", "optimal", 10.0, False), Answer("b", "optimal", 9.0, False)])
    (None, ['answers differ: 2 groups', 'no answer is proved or shared by more back ends'])
    """
    groups: list[list[Answer]] = []
    for answer in sorted(answers, key=lambda a: (a.status, _key(a))):
        first = groups[-1][0] if groups else None
        if first is not None and first.status == answer.status and _together(first, answer):
            groups[-1].append(answer)
        else:
            groups.append([answer])
    if not groups:
        return None, []
    ordered = sorted(groups, key=_score, reverse=True)
    notes = [f"answers differ: {len(groups)} groups"] if len(groups) > 1 else []
    if len(ordered) > 1 and _score(ordered[0]) == _score(ordered[1]):
        return None, [*notes, "no answer is proved or shared by more back ends"]
    status = ordered[0][0].status
    cost = statistics.median(a.cost for a in ordered[0]) if status == _OPTIMAL else math.nan
    return Reference(status, cost), notes


def _key(answer: Answer) -> float:
    return answer.cost if answer.status == _OPTIMAL else 0.0


def _together(first: Answer, answer: Answer) -> bool:
    return answer.status != _OPTIMAL or same_cost(first.cost, answer.cost)


def _score(group: list[Answer]) -> tuple[bool, int]:
    return (any(a.proved for a in group), len({a.backend for a in group}))
