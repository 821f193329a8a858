"""Benchmarks: reopt's back ends and settings, timed on your market or on generated ones.

- `reopt.bench.user`: `benchmark`, every available solver and set of options on your own
  market, in this process (``reopt.benchmark``, ``reopt bench PATH``);
- the suite: `reopt.bench.instances` (generated markets), `reopt.bench.contenders` (reopt
  and the baselines `reopt.bench.raw` and `reopt.bench.pulp_model`, each run timed in a
  fresh process by `reopt.bench.worker`), `reopt.bench.runner` and `reopt.bench.report`;
- `reopt.bench.cli`: the options of ``reopt bench`` (also ``python -m benchmarks``)::

      reopt bench my_market/ --china-cap 0.6 --out timings.csv
      reopt bench --suite quick --out /tmp/bench
      python -m benchmarks --suite full

- studies that measure one thing each, run as ``python -m reopt.bench.<study>``:
  `reopt.bench.compile_vs_raw`, `reopt.bench.settings`, `reopt.bench.sweep_warm`,
  `reopt.bench.ranging`, `reopt.bench.breakpoints`, `reopt.bench.floors`, `reopt.bench.stock`.
"""
