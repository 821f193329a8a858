"""A Monte Carlo run on a process pool, for tests/test_montecarlo.py to interrupt (Ctrl-C).

Run as a script in its own session: it starts the pool, prints ``running`` once a run is
under way in the workers, and keeps them busy until the test sends SIGINT to its group.
"""

from __future__ import annotations

import signal
import sys
import threading

import reopt


def main() -> None:
    # a shell that starts a command in the background (``pytest &``) leaves SIGINT ignored,
    # and children inherit that; Ctrl-C in a terminal reaches a process that takes it
    signal.signal(signal.SIGINT, signal.default_int_handler)
    market = reopt.datasets.japan_2025()
    draw = reopt.Draw(scale="price", where={"country": "CN"}, dist="lognormal", sigma=0.3)
    with reopt.process_executor(2) as pool:
        reopt.monte_carlo(market, n=100, draws=[draw], seed=0, executor=pool, batch_size=10)
        threading.Timer(0.5, lambda: print("running", flush=True)).start()
        reopt.monte_carlo(
            market, n=10**6, draws=[draw], seed=0, executor=pool, progress=False, batch_size=200
        )
    sys.exit("the run was not interrupted")


if __name__ == "__main__":
    main()
