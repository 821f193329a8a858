"""The back-end registry, the Backend protocol, and warm re-solves in a HiGHS session."""

from __future__ import annotations

import math
import pickle
from dataclasses import dataclass, field, replace

import numpy as np
import pytest
from planted import PlantedBackend

import reopt
from reopt.backends import Backend, Feature, Solution, StartBasis, available_solvers, get_backend
from reopt.backends.auto import AutoSession
from reopt.backends.highs import HIGHS, HighsSession, solve_highs
from reopt.data.market import readonly
from reopt.options import Method, SolverOptions


def test_every_registered_back_end_keeps_the_protocol():
    for name in reopt.known_solvers():
        backend = get_backend(name)
        assert isinstance(backend, Backend)
        assert backend.name == name
        assert backend.features <= set(Feature)


@pytest.mark.parametrize("feature", list(Feature))
def test_available_solvers_by_feature(feature):
    names = available_solvers(feature)
    assert set(names) <= set(available_solvers())
    assert all(feature in get_backend(n).features for n in names)
    assert "highs" in names  # HiGHS in-process has every feature


def test_feature_lookup_without_a_name():
    assert get_backend(feature=Feature.IIS) is HIGHS
    assert get_backend(feature="warm_start") is HIGHS


def test_an_unknown_solver_is_an_input_error_naming_the_known_ones():
    with pytest.raises(reopt.InputError, match="unknown solver; known: highs, auto, cbc"):
        get_backend("gurobi-ish")
    with pytest.raises(reopt.InputError, match="unknown solver"):
        reopt.solve(reopt.datasets.japan_2025(), solver=42)


def test_vertex_answers_follow_the_method():
    assert get_backend("highs").at_vertex(SolverOptions(method=Method.IPM))
    assert not get_backend("highs").at_vertex(SolverOptions(method=Method.PDLP))
    assert not get_backend("glpk").at_vertex(SolverOptions(method=Method.IPM))
    assert get_backend("glpk").at_vertex(SolverOptions(method=Method.SIMPLEX))


def test_option_problems_are_refused_before_solving():
    problems = get_backend("glpk").option_problems(
        reopt.compile(reopt.datasets.japan_2025()), SolverOptions(threads=2, seed=1)
    )
    assert {p.column for p in problems} == {"threads", "seed"}


@dataclass(frozen=True)
class CountingBackend(PlantedBackend):
    """A back end written outside reopt: HiGHS, counting its solves."""

    calls: list[int] = field(default_factory=list)
    name: str = "counting"

    def solve(self, lp, options) -> Solution:
        self.calls.append(lp.n_cols)
        return solve_highs(lp, options)


def test_a_back_end_object_is_used_as_given(three_suppliers):
    backend = CountingBackend()
    assert isinstance(backend, Backend)
    plan = reopt.solve(three_suppliers, china_cap=0.3, solver=backend)
    assert plan.cost_usd == pytest.approx(1_450_000)
    assert backend.calls == [3]


# ------------------------------------------------------------------------------------------
# HighsSession: each kind of change, warm, gives the cold answer
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lp():
    market = reopt.datasets.synthetic(300, seed=4)
    return reopt.compile(market, [reopt.cap_share(0.7, country="CN")])


def _changes(lp):
    cap_rows = lp.rows_of(0)
    offers = np.arange(lp.n_offers)
    rng = np.random.default_rng(0)
    cost = lp.cost.copy()
    cost[offers] *= rng.uniform(0.8, 1.2, lp.n_offers)
    value = lp.value.copy()
    cap_entries = np.flatnonzero(np.isin(lp.entry_row, cap_rows))
    value[cap_entries[:3]] = 0.5
    return {
        "row bounds": lp.with_row_bounds(cap_rows, upper=lp.row_upper[cap_rows] * 0.9),
        "column bounds": lp.with_col_bounds(offers[:20], upper=np.minimum(lp.col_upper[:20], 1.0)),
        "costs": lp.with_costs(cost),
        "coefficients": replace(lp, value=readonly(value)),
    }


@pytest.mark.parametrize("change", ["row bounds", "column bounds", "costs", "coefficients"])
def test_a_warm_session_agrees_with_a_cold_solve(lp, change):
    session = HighsSession(lp)
    first = session.run()
    assert first.status is reopt.Status.OPTIMAL
    changed = _changes(lp)[change]
    warm = session.resolve(changed)
    cold = solve_highs(changed)
    assert warm.status is cold.status is reopt.Status.OPTIMAL
    assert math.isclose(warm.objective, cold.objective, rel_tol=1e-9)
    assert session.settings["solver"] == "simplex"  # from a basis, simplex


def test_a_session_takes_a_program_of_another_shape(lp):
    session = HighsSession(lp)
    session.run()
    other = reopt.compile(reopt.datasets.japan_2025(), [reopt.cap_share(0.6, country="CN")])
    assert not lp.same_structure(other)
    assert math.isclose(session.resolve(other).objective, solve_highs(other).objective)


def test_a_basis_handed_to_a_new_session_starts_it_at_the_optimum(lp):
    """A `StartBasis` pickles (for a worker) and starts another session where the first
    ended: no simplex iteration, the same objective."""
    first = HighsSession(lp)
    solved = first.run()
    basis = first.start_basis()
    assert isinstance(basis, StartBasis)
    assert basis.col_status.dtype == np.int8 and len(basis.col_status) == lp.n_cols
    handed = pickle.loads(pickle.dumps(basis))
    second = HighsSession(lp)
    second.set_basis(handed)
    again = second.run()
    assert again.iterations == 0
    assert second.settings["solver"] == "simplex"
    assert math.isclose(again.objective, solved.objective, rel_tol=1e-12)
    assert HighsSession(lp).start_basis() is None  # nothing solved: no basis


def test_an_auto_session_keeps_a_start_until_highs_is_needed():
    """The default back end's session holds a `StartBasis` for its first HiGHS run."""
    market = reopt.datasets.synthetic(300, seed=4)
    floor = [reopt.cap_share(0.7, country="CN"), reopt.min_share(0.1, kind="recycler")]
    lp = reopt.compile(market, floor)  # a floor: HiGHS, not the greedy method
    first = HighsSession(lp)
    first.run()
    auto = AutoSession(lp)
    assert auto.start_basis() is None
    auto.set_basis(first.start_basis())
    assert auto.run().iterations == 0
    assert isinstance(auto.start_basis(), StartBasis)
