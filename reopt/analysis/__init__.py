"""Analysis: many solves along a parameter (sweeps, what-ifs), breakpoints and limits.

Read in this order: `reopt.analysis.whatif` (what a sweep varies), `reopt.analysis.points`
(a solved point as a row), `reopt.analysis.engine` (solving points, warm or cold),
`reopt.analysis.limits` (the feasibility limit), `reopt.analysis.breakpoints` (the exact
kinks), and `reopt.analysis.sweeps` (`sweep` and its table).
"""

from reopt.analysis.limits import feasibility_limit
from reopt.analysis.sweeps import sweep

__all__ = ["feasibility_limit", "sweep"]
