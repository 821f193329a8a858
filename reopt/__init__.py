"""reopt: the cheapest plan to buy the rare earths you need under a cap on China's share.

>>> import reopt
>>> market = reopt.datasets.japan_2025()
>>> plan = reopt.solve(market, china_cap=0.6)
>>> plan.status
<Status.OPTIMAL: 'optimal'>

The pieces, in the order data flows through them: `Market` (validated inputs, or
`read_market`), policies (`cap_share`, `min_share`), `compile` (the LP as numpy arrays),
`solve` (a back end plus reopt's own checks), and `Plan` (the result). `reopt.plot` draws
them; it is imported on first use, so matplotlib is needed only then
(``pip install "reopt[plot]"``).
"""

import importlib as _importlib
from importlib import metadata as _metadata

# PuLP 4 preloads HiGHS's library; importing pulp before highspy avoids a crash on Linux
import pulp

from reopt import datasets
from reopt.analysis import feasibility_limit, sweep
from reopt.analysis.risk_curves import cap_risk_curve, risk_frontier
from reopt.backends import Backend, Feature, available_solvers, known_solvers
from reopt.backends.export import model_names, write_model
from reopt.bench.user import benchmark
from reopt.data.io import Scenario, read_market, read_scenario, write_market
from reopt.data.market import Market
from reopt.data.scenario_files import read_scenarios
from reopt.data.scenarios import ScenarioSet
from reopt.errors import (
    InputError,
    NoSolutionError,
    Problem,
    ReoptError,
    ReoptWarning,
    SolverError,
)
from reopt.model.formulation import compile
from reopt.model.policies import SharePolicy, cap_share, min_share
from reopt.model.policy import Policy
from reopt.model.program import LinearProgram
from reopt.model.risk import CVaR
from reopt.options import Method, SolverOptions
from reopt.results.lp_solve import solve_lp
from reopt.results.plan import Plan
from reopt.results.planning import solve
from reopt.status import Status

try:
    __version__: str = _metadata.version("reopt")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

del pulp  # imported above for its side effect only; not part of reopt's namespace

__all__ = [
    "Backend",
    "CVaR",
    "Feature",
    "InputError",
    "LinearProgram",
    "Market",
    "Method",
    "NoSolutionError",
    "Plan",
    "Policy",
    "Problem",
    "ReoptError",
    "ReoptWarning",
    "Scenario",
    "ScenarioSet",
    "SharePolicy",
    "SolverError",
    "SolverOptions",
    "Status",
    "__version__",
    "available_solvers",
    "benchmark",
    "cap_risk_curve",
    "cap_share",
    "compile",
    "datasets",
    "feasibility_limit",
    "known_solvers",
    "min_share",
    "model_names",
    "plot",
    "read_market",
    "read_scenario",
    "read_scenarios",
    "risk_frontier",
    "solve",
    "solve_lp",
    "sweep",
    "write_market",
    "write_model",
]

#: Submodules reached as attributes but imported only on first use.
_LAZY = ("plot",)


def __getattr__(name: str) -> object:
    """``reopt.plot`` on first use (it needs matplotlib only when a plot is drawn)."""
    if name in _LAZY:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names: those of ``__all__``."""
    return sorted(__all__)
