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

# ruff: noqa: E402  (HiGHS's library is loaded, below, before any reopt module imports highspy)
import importlib as _importlib


def _load_highs_globally() -> None:
    """Load HiGHS's library with global symbols before ``highspy`` is first imported.

    PuLP 4 does this when it is imported: otherwise PuLP's own compiled core, loaded later,
    splits the C++ runtime's state with HiGHS and a HiGHS solve can crash on Linux. Doing it
    here, whichever of the two is imported first, keeps PuLP off ``import reopt``: it is
    imported when a PuLP back end is first used.
    """
    import ctypes
    import glob
    import importlib.util
    import os
    import sys

    if "highspy" in sys.modules or not hasattr(os, "RTLD_GLOBAL"):
        return  # too late (PuLP's own load then makes it global), or not a dlopen platform
    try:
        spec = importlib.util.find_spec("highspy")
        for folder in (spec.submodule_search_locations or []) if spec else []:
            for library in sorted(glob.glob(os.path.join(folder, "_core*.so")))[:1]:
                ctypes.CDLL(library, ctypes.RTLD_GLOBAL)
    except OSError:  # highspy's own import then says what is wrong
        pass


_load_highs_globally()

from reopt import datasets
from reopt.analysis import feasibility_limit, sweep
from reopt.analysis.executors import process_executor
from reopt.analysis.montecarlo import Draw, monte_carlo
from reopt.analysis.risk_curves import cap_risk_curve, risk_frontier, stock_risk_curve
from reopt.backends import Backend, Feature, available_solvers, known_solvers
from reopt.backends.export import model_names, write_model
from reopt.bench.tune import TuneResult, tune
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

#: reopt's version, read from the installed package's metadata on first use (see __getattr__).
__version__: str

del _load_highs_globally

__all__ = [
    "Backend",
    "CVaR",
    "Draw",
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
    "TuneResult",
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
    "monte_carlo",
    "plot",
    "process_executor",
    "read_market",
    "read_scenario",
    "read_scenarios",
    "risk_frontier",
    "solve",
    "solve_lp",
    "stock_risk_curve",
    "sweep",
    "tune",
    "write_market",
    "write_model",
]

#: Submodules reached as attributes but imported only on first use.
_LAZY = ("plot",)


def __getattr__(name: str) -> object:
    """``reopt.plot`` on first use (it needs matplotlib only when a plot is drawn).

    ``reopt.__version__`` too: reading package metadata takes longer than the rest of the
    names here.
    """
    if name in _LAZY:
        return _importlib.import_module(f"{__name__}.{name}")
    if name == "__version__":
        metadata = _importlib.import_module("importlib.metadata")
        try:
            version = str(metadata.version("reopt"))
        except metadata.PackageNotFoundError:  # a source tree that is not installed
            version = "0+unknown"
        globals()["__version__"] = version
        return version
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names: those of ``__all__``."""
    return sorted(__all__)
