"""The benchmark suite: instances, contenders, the runner and its report.

Run it with ``python -m benchmarks`` (from a checkout) or ``reopt bench``::

    reopt bench --suite quick --out /tmp/bench
    python -m benchmarks --suite full

See `reopt.bench.runner` for the options and `reopt.bench.contenders` for what is timed.
"""
