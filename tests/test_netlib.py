"""Model files and known optima: `LinearProgram.read` and `solve_lp` on netlib's LPs.

Every vendored netlib problem (tests/data/netlib, sources in its README.md) is read from
its MPS file and solved on every back end to its published optimum; small files written
here check the objective's constant, a maximisation, free and fixed MPS, LP files, and the
errors for files that cannot be read.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import reopt
from reopt.backends import Feature, Solution
from reopt.model.files import known_suffixes, objective_sense, read_program, register_reader
from reopt.options import SolverOptions
from reopt.results.lp_solve import solve_lp
from reopt.results.verify import violations

NETLIB = Path(__file__).parent / "data" / "netlib"

#: Optimal values published in netlib's lp/data/readme.
OPTIMA = {
    "afiro": -4.6475314286e02,
    "adlittle": 2.2549496316e05,
    "blend": -3.0812149846e01,
    "kb2": -1.7499001299e03,
    "sc50a": -6.4575077059e01,
    "sc50b": -7.0e01,
}
#: e226's objective row has right-hand side -7.113: its constant is +7.113 (the negated
#: right-hand side, as HiGHS, CPLEX and Gurobi read it). Netlib's value leaves it out.
E226_PUBLISHED = -1.8751929066e01
E226_CONSTANT = 7.113

#: Relative agreement with the published optimum (which has 11 significant digits). CBC's
#: solution file prints about eight significant digits.
RTOL = {"cbc": 1e-7}
DEFAULT_RTOL = 1e-8


def close(value: float, expected: float, solver: str) -> bool:
    return math.isclose(value, expected, rel_tol=RTOL.get(solver, DEFAULT_RTOL), abs_tol=0.0)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="ascii")
    return path


# --- the corpus ------------------------------------------------------------------------------
def test_the_corpus_is_all_there():
    files = {path.stem for path in NETLIB.glob("*.mps")}
    assert files == set(OPTIMA) | {"e226"}
    readme = (NETLIB / "README.md").read_text("utf-8")
    for name in files:
        assert f"`{name}.mps`" in readme, f"README.md does not say where {name}.mps came from"


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_netlib_optimum_on_every_back_end(name: str, solver: str):
    lp = reopt.LinearProgram.read(NETLIB / f"{name}.mps")
    solution = solve_lp(lp, solver=solver)
    assert solution.status is reopt.Status.OPTIMAL, solution.raw_status
    assert close(solution.objective, OPTIMA[name], solver), solution.objective
    assert solution.x is not None
    assert violations(lp, solution.x, solution.objective) == []


def test_e226_constant_is_the_negated_right_hand_side(solver: str):
    lp = reopt.LinearProgram.read(NETLIB / "e226.mps")
    assert lp.objective_offset == pytest.approx(E226_CONSTANT, rel=1e-15)
    solution = solve_lp(lp, solver=solver)
    assert solution.status is reopt.Status.OPTIMAL
    assert solution.x is not None
    # netlib's published value is c @ x; the objective adds the constant
    assert close(float(lp.cost @ solution.x), E226_PUBLISHED, solver)
    assert close(solution.objective, E226_PUBLISHED + E226_CONSTANT, solver)


def test_netlib_sizes():
    """Netlib's readme counts the objective row among the rows; the program does not."""
    sizes = {name: reopt.LinearProgram.read(NETLIB / f"{name}.mps") for name in OPTIMA}
    assert (sizes["afiro"].n_cols, sizes["afiro"].n_rows) == (32, 27)
    assert (sizes["adlittle"].n_cols, sizes["adlittle"].n_rows) == (97, 56)
    assert (sizes["kb2"].n_cols, sizes["kb2"].n_rows) == (41, 43)
    assert not any(lp.is_mip for lp in sizes.values())


# --- small files with hand-computed answers --------------------------------------------------
#: max 3x + 2y + 5  s.t.  x + y <= 5,  x + 3y <= 6,  0 <= x <= 3,  y >= 0.
#: Optimum x = 3, y = 1, objective 16. Raising c2's bound by 1 adds 1/3 to y: dual 2/3; raising
#: x's upper bound by 1 gives x = 4, y = 2/3: reduced cost 3 - 2/3 = 7/3; c1 is slack.
MAX_LP = """\\ a maximisation with a constant
Maximize
 profit: 3 x + 2 y + 5
Subject To
 c1: x + y <= 5
 c2: x + 3 y <= 6
Bounds
 x <= 3
End
"""

#: The same program as free-format MPS: the constant 5 is the negated right-hand side of
#: the objective row.
MAX_FREE_MPS = """NAME maxfree
OBJSENSE
    MAX
ROWS
 N profit
 L c1
 L c2
COLUMNS
    x profit 3 c1 1
    x c2 1
    y profit 2 c1 1
    y c2 3
RHS
    rhs c1 5 c2 6
    rhs profit -5
BOUNDS
 UP bnd x 3
ENDATA
"""


def fixed_card(*fields: str) -> str:
    """One fixed-format MPS line: fields at columns 2, 5, 15, 25, 40, 50."""
    kind, name, row, value, row2, value2 = (*fields, "", "", "", "", "", "")[:6]
    line = f" {kind:<2} {name:<8}  {row:<8}  {value:>12}"
    if row2:
        line += f"   {row2:<8}  {value2:>12}"
    return line.rstrip()


#: min x + 2y + 5 s.t. x + y >= 4, x <= 3, in fixed format with spaces inside names (which
#: free format cannot read). Optimum x = 3, y = 1: 3 + 2 + 5 = 10.
FIXED_MPS = "\n".join(
    [
        "NAME          FIXED",
        "ROWS",
        fixed_card("N", "COST"),
        fixed_card("G", "LIM 1"),
        "COLUMNS",
        fixed_card("", "X ONE", "COST", "1.0", "LIM 1", "1.0"),
        fixed_card("", "Y", "COST", "2.0", "LIM 1", "1.0"),
        "RHS",
        fixed_card("", "RHS", "LIM 1", "4.0", "COST", "-5.0"),
        "BOUNDS",
        fixed_card("UP", "BND", "X ONE", "3.0"),
        "ENDATA",
        "",
    ]
)


@pytest.mark.parametrize(("name", "text"), [("max.lp", MAX_LP), ("max.mps", MAX_FREE_MPS)])
def test_a_maximisation_with_a_constant(tmp_path: Path, solver: str, name: str, text: str):
    lp = reopt.LinearProgram.read(write(tmp_path, name, text))
    # stored as the minimisation of the negated objective, and recorded as such
    np.testing.assert_array_equal(lp.cost, [-3.0, -2.0])
    assert lp.objective_offset == -5.0
    assert objective_sense(lp) == -1
    solution = solve_lp(lp, solver=solver)
    assert solution.status is reopt.Status.OPTIMAL
    assert close(solution.objective, 16.0, solver)
    np.testing.assert_allclose(solution.x, [3.0, 1.0], rtol=1e-7)
    if solution.row_dual is not None:  # in the file's sense: what a unit more bound is worth
        np.testing.assert_allclose(solution.row_dual, [0.0, 2 / 3], rtol=1e-6, atol=1e-9)
    if solution.col_dual is not None:
        np.testing.assert_allclose(solution.col_dual, [7 / 3, 0.0], rtol=1e-6, atol=1e-9)


def test_an_lp_file_matrix_is_read_row_wise(tmp_path: Path):
    text = "Minimize\n obj: x + y + z\nSubject To\n a: 2 y + 3 z >= 1\n b: x + 4 z <= 8\nEnd\n"
    lp = reopt.LinearProgram.read(write(tmp_path, "rows.lp", text))
    assert lp.row_start.tolist() == [0, 2, 4]
    assert lp.col_index.tolist() == [1, 2, 0, 2]
    assert lp.value.tolist() == [2.0, 3.0, 1.0, 4.0]
    assert lp.row_lower.tolist() == [1.0, -np.inf]
    assert lp.row_upper.tolist() == [np.inf, 8.0]
    assert objective_sense(lp) == 1


def test_fixed_format_mps_with_spaces_in_names(tmp_path: Path):
    lp = reopt.LinearProgram.read(write(tmp_path, "fixed.mps", FIXED_MPS))
    assert (lp.n_cols, lp.n_rows) == (2, 1)
    assert lp.col_upper.tolist() == [3.0, np.inf]
    assert lp.objective_offset == 5.0
    solution = solve_lp(lp)
    assert solution.objective == pytest.approx(10.0, rel=1e-12)


def test_integer_columns_are_read(tmp_path: Path):
    text = "Maximize\n obj: x + y\nSubject To\n c: 2 x + 2 y <= 7\nGeneral\n x y\nEnd\n"
    lp = reopt.LinearProgram.read(write(tmp_path, "int.lp", text))
    assert lp.integrality.tolist() == [1, 1]
    solution = solve_lp(lp)
    assert solution.objective == pytest.approx(3.0)


def test_suffixes_are_matched_without_case(tmp_path: Path):
    path = tmp_path / "AFIRO.MPS"
    path.write_bytes((NETLIB / "afiro.mps").read_bytes())
    assert reopt.LinearProgram.read(path).n_cols == 32
    assert ".mps" in known_suffixes() and ".lp" in known_suffixes()


# --- errors ------------------------------------------------------------------------------------
def problems_of(path: object) -> list[reopt.Problem]:
    with pytest.raises(reopt.InputError) as caught:
        reopt.LinearProgram.read(path)  # type: ignore[arg-type]
    return list(caught.value.problems)


def test_a_missing_file(tmp_path: Path):
    path = tmp_path / "nowhere.mps"
    (problem,) = problems_of(path)
    assert problem.where == str(path) and "no such file" in problem.rule


def test_a_folder_is_not_a_file(tmp_path: Path):
    folder = tmp_path / "model.mps"
    folder.mkdir()
    (problem,) = problems_of(folder)
    assert problem.where == str(folder) and "folder" in problem.rule


def test_an_unknown_suffix(tmp_path: Path):
    path = write(tmp_path, "model.txt", MAX_LP)
    (problem,) = problems_of(path)
    assert problem.where == str(path) and problem.value == ".txt"
    assert ".mps" in problem.hint


def test_a_missing_file_with_an_unknown_suffix_lists_both(tmp_path: Path):
    rules = [problem.rule for problem in problems_of(tmp_path / "model.xyz")]
    assert len(rules) == 2 and "no such file" in rules


def test_not_a_path():
    (problem,) = problems_of(42)
    assert problem.value == 42


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("garbage.mps", b"this is not a model\n"),
        ("garbage.lp", b"this : is ] not [ an LP\n"),
        ("empty.mps", b""),
        ("binary.lp", bytes(range(256))),
        ("swapped.mps", MAX_LP.encode()),
    ],
)
def test_a_file_highs_cannot_parse(tmp_path: Path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    (problem,) = problems_of(path)
    assert problem.where == str(path) and "could not parse" in problem.rule


def test_a_quadratic_objective_is_refused(tmp_path: Path):
    text = "Minimize\n obj: x + [ 2 x ^ 2 ] / 2\nSubject To\n c: x >= 1\nEnd\n"
    path = write(tmp_path, "quad.lp", text)
    (problem,) = problems_of(path)
    assert problem.where == str(path) and "quadratic" in problem.rule


def test_a_registered_reader_is_used(tmp_path: Path):
    program = reopt.LinearProgram.read(NETLIB / "sc50b.mps")
    register_reader([".sc50b-test"], lambda path: program)
    path = write(tmp_path, "model.SC50B-TEST", "anything")
    assert read_program(path) is program


# --- solve_lp ----------------------------------------------------------------------------------
def test_solve_lp_refuses_what_is_not_a_program():
    with pytest.raises(reopt.InputError, match="LinearProgram"):
        solve_lp("afiro.mps")  # type: ignore[arg-type]


def test_solve_lp_refuses_an_unknown_solver():
    lp = reopt.LinearProgram.read(NETLIB / "afiro.mps")
    with pytest.raises(reopt.InputError, match="unknown solver"):
        solve_lp(lp, solver="no-such-solver")


def test_an_infeasible_file(tmp_path: Path, solver: str):
    text = "Minimize\n obj: x\nSubject To\n a: x + y >= 4\n b: x + y <= 3\nEnd\n"
    solution = solve_lp(reopt.LinearProgram.read(write(tmp_path, "inf.lp", text)), solver=solver)
    assert solution.status in (reopt.Status.INFEASIBLE, reopt.Status.INFEASIBLE_OR_UNBOUNDED)


class PresolveTrips:
    """A back end whose presolve wrongly calls every program infeasible."""

    name = "presolve-trips"
    features = frozenset({Feature.VERTEX, Feature.FULL_PRECISION})
    install_hint = ""

    def __init__(self) -> None:
        self.calls: list[object] = []

    def is_available(self) -> bool:
        return True

    def option_problems(self, lp: reopt.LinearProgram, options: SolverOptions) -> list:
        return []

    def at_vertex(self, options: SolverOptions) -> bool:
        return True

    def solve(self, lp: reopt.LinearProgram, options: SolverOptions) -> Solution:
        self.calls.append(options.presolve)
        if options.presolve is not False:
            return Solution(reopt.Status.INFEASIBLE, "infeasible", None, None, None, math.nan, "x")
        # the one-column program below: min x + 10, x in [1, 2] -> x = 1
        return Solution(reopt.Status.OPTIMAL, "optimal", np.array([1.0]), None, None, 1.0, "x")


def test_an_infeasible_verdict_is_confirmed_without_presolve():
    lp = reopt.LinearProgram.from_arrays(
        cost=[1.0], col_lower=[1.0], col_upper=[2.0], row_lower=[], row_upper=[],
        row_start=[0], col_index=[], value=[], objective_offset=10.0,
    )  # fmt: skip
    backend = PresolveTrips()
    solution = solve_lp(lp, solver=backend)
    assert backend.calls == [None, False]
    assert solution.status is reopt.Status.OPTIMAL
    assert solution.objective == 11.0


class Canned(PresolveTrips):
    """A back end that answers with one fixed solution."""

    def __init__(self, solution: Solution) -> None:
        super().__init__()
        self.solution = solution

    def solve(self, lp: reopt.LinearProgram, options: SolverOptions) -> Solution:
        return self.solution


#: min x + y  s.t.  x + y >= 1,  x, y in [0, 1]; optimum 1 (x = 1, y = 0 is one of many).
ONE_ROW = {
    "cost": [1.0, 1.0], "col_lower": [0.0, 0.0], "col_upper": [1.0, 1.0],
    "row_lower": [1.0], "row_upper": [np.inf], "row_start": [0, 2], "col_index": [0, 1],
    "value": [1.0, 1.0],
}  # fmt: skip


def answer(x: list[float], objective: float, row_dual: list[float] | None = None) -> Solution:
    duals = None if row_dual is None else np.array(row_dual)
    return Solution(reopt.Status.OPTIMAL, "optimal", np.array(x), duals, None, objective, "canned")


def test_an_optimal_answer_that_breaks_a_row_is_refused():
    lp = reopt.LinearProgram.from_arrays(**ONE_ROW)
    with pytest.raises(reopt.SolverError, match="row 0"):
        solve_lp(lp, solver=Canned(answer([0.2, 0.2], 0.4)))


def test_an_optimal_answer_its_duals_do_not_prove_is_refused():
    lp = reopt.LinearProgram.from_arrays(**ONE_ROW)
    # feasible but not optimal (2 where 1 is possible): no duals prove it, so reopt's own
    # repair of the duals cannot either, and the second attempt answers the same
    with pytest.raises(reopt.SolverError, match="duals"):
        solve_lp(lp, solver=Canned(answer([1.0, 1.0], 2.0, row_dual=[0.0])))
    # optimal, with a wrong dual: reopt finds the duals that prove it
    repaired = solve_lp(lp, solver=Canned(answer([1.0, 0.0], 1.0, row_dual=[0.0])))
    assert repaired.objective == 1.0 and repaired.row_dual is not None
    assert solve_lp(lp, solver=Canned(answer([1.0, 0.0], 1.0, row_dual=[1.0]))).objective == 1.0


def test_a_constant_reaches_the_objective_on_every_back_end(solver: str):
    lp = reopt.LinearProgram.read(NETLIB / "sc50b.mps")
    shifted = replace(lp, objective_offset=100.0)
    solution = solve_lp(shifted, solver=solver)
    assert close(solution.objective, OPTIMA["sc50b"] + 100.0, solver)
