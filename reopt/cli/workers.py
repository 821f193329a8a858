"""``--workers N`` and ``--dask ADDRESS``: where a command's many solves run.

`worker_arguments` adds the two flags (they exclude each other); `executor_for` opens what
they ask for -- a spawn-based process pool (`reopt.analysis.executors.process_executor`) or a
client of a running Dask cluster -- for the length of a ``with`` block, and closes it after,
also on errors and Ctrl-C. Without either flag the solves run in this process.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from reopt.analysis.executors import process_executor
from reopt.errors import InputError, Problem

__all__ = ["DASK_CONNECT_S", "executor_for", "worker_arguments"]

#: How long ``--dask`` waits for the scheduler to answer before the address is refused.
DASK_CONNECT_S = 10.0


def worker_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--workers N`` and ``--dask ADDRESS`` (one or the other)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--workers",
        type=_positive,
        default=None,
        metavar="N",
        help="solve in N local worker processes (spawned, one HiGHS thread each)",
    )
    group.add_argument(
        "--dask",
        default=None,
        metavar="ADDRESS",
        help=(
            "solve on a running Dask cluster, e.g. tcp://scheduler:8786 (reopt[dask]); "
            f"its scheduler has {DASK_CONNECT_S:g} s to answer"
        ),
    )


@contextmanager
def executor_for(args: argparse.Namespace) -> Iterator[Any]:
    """The executor ``--workers`` or ``--dask`` ask for (None: this process), closed after."""
    if getattr(args, "workers", None) is not None:
        pool = process_executor(args.workers)
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    if getattr(args, "dask", None) is not None:
        client = _client(args.dask)
        try:
            yield client
        finally:
            client.close()
        return
    yield None


def _client(address: str) -> Any:
    try:
        from distributed import Client
    except ImportError:
        rule = "Dask's distributed package is not installed"
        raise InputError(
            [
                Problem(
                    "options", "command line", "--dask", address, rule, 'pip install "reopt[dask]"'
                )
            ]
        ) from None
    try:
        return Client(address, timeout=f"{DASK_CONNECT_S}s")
    except OSError as err:
        rule = f"no Dask scheduler answered within {DASK_CONNECT_S:g} s ({err})"
        hint = "start one (dask scheduler) or check the address"
        raise InputError(
            [Problem("options", "command line", "--dask", address, rule, hint)]
        ) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of workers >= 1")
    return value
