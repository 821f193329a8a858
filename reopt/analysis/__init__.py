"""Analysis: many solves along a parameter (sweeps, what-ifs), breakpoints and limits."""

from reopt.analysis.sweeps import feasibility_limit, sweep

__all__ = ["feasibility_limit", "sweep"]
