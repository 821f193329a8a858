"""An LP answer HiGHS leaves "Unknown" is finished by simplex from its basis."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import highspy
import pytest

import reopt
from reopt.backends import highs
from reopt.backends.highs_calls import finish, new_highs
from reopt.status import Status

UNKNOWN = highspy.HighsModelStatus.kUnknown
OPTIMAL = highspy.HighsModelStatus.kOptimal


class Script:
    """A stand-in for a HiGHS instance: the statuses its runs end with, and its options."""

    def __init__(self, after_runs: list[Any], *, basis_valid: bool = True) -> None:
        self.after_runs = after_runs
        self.status = UNKNOWN
        self.basis_valid = basis_valid
        self.options: dict[str, object] = {"solver": "ipm"}
        self.solvers_run: list[object] = []

    def getModelStatus(self) -> Any:
        return self.status

    def getBasis(self) -> Any:
        return SimpleNamespace(valid=self.basis_valid)

    def getOptionValue(self, name: str) -> tuple[Any, object]:
        return highspy.HighsStatus.kOk, self.options[name]

    def setOptionValue(self, name: str, value: object) -> Any:
        self.options[name] = value
        return highspy.HighsStatus.kOk

    def run(self) -> Any:
        self.solvers_run.append(self.options["solver"])
        self.status = self.after_runs.pop(0)
        return highspy.HighsStatus.kOk


LP = SimpleNamespace(is_mip=False)


def test_an_unknown_lp_answer_is_run_once_more_by_simplex() -> None:
    h = Script([OPTIMAL])
    assert finish(h, LP) is True  # type: ignore[arg-type]
    assert h.solvers_run == ["simplex"]
    assert h.status == OPTIMAL
    assert h.options["solver"] == "ipm"  # put back for the next runs


def test_a_second_unknown_stays_unknown() -> None:
    h = Script([UNKNOWN])
    assert finish(h, LP) is True  # type: ignore[arg-type]
    assert h.solvers_run == ["simplex"]
    assert h.status == UNKNOWN


@pytest.mark.parametrize(
    ("status", "is_mip", "basis_valid"),
    [(OPTIMAL, False, True), (UNKNOWN, True, True), (UNKNOWN, False, False)],
    ids=["optimal", "mip", "no basis"],
)
def test_nothing_else_is_run_again(status: Any, is_mip: bool, basis_valid: bool) -> None:
    h = Script([], basis_valid=basis_valid)
    h.status = status
    assert finish(h, SimpleNamespace(is_mip=is_mip)) is False  # type: ignore[arg-type]
    assert h.solvers_run == []


class FirstRunUnknown:
    """A real HiGHS instance whose first run is reported as "Unknown"."""

    def __init__(self) -> None:
        self.h = new_highs()
        self.runs = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.h, name)

    def run(self) -> Any:
        self.runs += 1
        return self.h.run()

    def getModelStatus(self) -> Any:
        return UNKNOWN if self.runs == 1 else self.h.getModelStatus()


def test_a_solve_left_unknown_is_finished_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    market = reopt.datasets.japan_2025()
    lp = reopt.compile(market, [reopt.cap_share(0.6, country="CN")])
    expected = highs.solve_highs(lp)
    assert "finished_by" not in expected.settings
    made: list[FirstRunUnknown] = []

    def unknown_first() -> FirstRunUnknown:
        made.append(FirstRunUnknown())
        return made[-1]

    monkeypatch.setattr(highs, "new_highs", unknown_first)
    solution = highs.solve_highs(lp, reopt.SolverOptions(method="ipm"))
    assert made[0].runs == 2
    assert solution.status is Status.OPTIMAL
    assert solution.settings["finished_by"] == "simplex"
    assert solution.settings["solver"] == "ipm"  # what was asked for
    assert solution.objective == pytest.approx(expected.objective, rel=1e-9)
