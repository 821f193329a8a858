"""reopt's benchmark results (``RESULTS.md``, ``results/``) and ``python -m benchmarks``.

The code lives in `reopt.bench`; ``python -m benchmarks`` is the same as ``reopt bench``.
"""
