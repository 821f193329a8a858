"""One timed run of a `reopt.bench.tune` candidate, ended at its deadline whatever the solver does.

A back end that runs a solver program (PuLP's command-line solvers such as ``glpsol`` and
``cbc``, `runs_a_program`) may not keep to its own time limit: ``glpsol``'s presolver does
not look at it, and the model file is written and read outside it. Such runs go to a worker
process (`Runs`), started once per tuning with the market and its policies, in a process
group of its own and with a temporary folder of its own. When a run's deadline passes, the
whole group is stopped (the worker and every program it started), the folder is removed, and
the next such run starts a new worker. Other back ends run in this process (`solve_once`)
and are ended by their own time limit.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from reopt.backends import Backend, pulp_adapter
from reopt.backends.pulp_backend import private_folder
from reopt.data.market import Market
from reopt.errors import ReoptError
from reopt.model.policy import Policy
from reopt.options import SolverOptions
from reopt.results.planning import solve
from reopt.status import Status

__all__ = ["Outcome", "Runs", "runs_a_program", "solve_once"]

_UNSENDABLE = (pickle.PicklingError, AttributeError, TypeError)
_UNREADABLE_ERRORS = (*_UNSENDABLE, ImportError, pickle.UnpicklingError)
_START = "from reopt.bench.tune_runs import serve; serve()"
_ENDED = "ended"  # what the reader hands on when the worker's output ends
_UNREADABLE = "unreadable"  # the worker could not read what it was sent


@dataclass(frozen=True)
class Outcome:
    """What one run gave.

    Attributes
    ----------
    status : str
        A `reopt.status.Status` value (``"interrupted"`` when stopped, ``"error"`` on failure).
    cost : float
        The plan's cost in USD (NaN unless optimal).
    has_prices : bool
        Whether the plan has shadow prices (its optimality is proved by the duals).
    seconds : float
        Wall-clock time of the run, end to end through `reopt.solve`.
    failed : str
        Why the run failed (the error's first line); empty otherwise.
    stopped : str
        ``"budget"`` or ``"limit"`` when the run was stopped at that deadline; empty otherwise.
    """

    status: str
    cost: float = math.nan
    has_prices: bool = False
    seconds: float = math.nan
    failed: str = ""
    stopped: str = ""


def runs_a_program(backend: Backend) -> bool:
    """Whether ``backend`` runs a solver program: PuLP's back ends that work through files."""
    return bool(getattr(backend, "files", False))


def solve_once(
    market: Market, policies: tuple[Policy, ...], backend: Backend, options: SolverOptions
) -> Outcome:
    """One run through `reopt.solve`, timed; a `ReoptError` is a failed run."""
    start = time.perf_counter()
    try:
        plan = solve(market, policies=policies, solver=backend, options=options)
    except ReoptError as err:
        return Outcome(Status.ERROR.value, failed=_first_line(err))
    seconds = time.perf_counter() - start
    return Outcome(plan.status.value, plan.cost_usd, plan.has_prices, seconds)


class Runs:
    """Runs candidates of one tuning: solver programs in a worker that is stopped at a deadline.

    Parameters
    ----------
    market : Market
    policies : tuple of Policy
        What every run solves; sent to each worker once, when it starts.

    Notes
    -----
    The worker is ``python -c`` with this module's `serve`, in a session (POSIX) or process
    group (Windows) of its own, talking through its standard input and output. Use `Runs` as
    a context manager: leaving it ends the worker, also on an error or Ctrl-C. When the
    market, its policies or a back end cannot be sent to a worker (a class defined in
    ``__main__``, say), the runs are made in this process and ``notes`` says so.
    """

    def __init__(self, market: Market, policies: tuple[Policy, ...]) -> None:
        self.market = market
        self.policies = policies
        self.notes: list[str] = []
        self._worker: subprocess.Popen[bytes] | None = None
        self._answers: queue.Queue[Any] = queue.Queue()
        self._reader: threading.Thread | None = None
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._in_process = False

    def __enter__(self) -> Runs:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is None:
            self.close()
        else:  # an error or Ctrl-C (which the worker, in a session of its own, does not get)
            self._stop()

    def run(
        self, backend: Backend, options: SolverOptions, budget_end: float, limit_s: float
    ) -> Outcome | None:
        """Run ``backend`` once; None when the budget ran out before the run could start.

        A solver program is stopped at ``budget_end`` (a `time.perf_counter` reading) or
        ``limit_s`` seconds after its run starts, whichever comes first; a worker's start-up
        counts against the budget only.
        """
        if runs_a_program(backend) and not self._in_process and not self._started(budget_end):
            return None
        if not runs_a_program(backend) or self._worker is None:
            return solve_once(self.market, self.policies, backend, options)
        start = time.perf_counter()
        try:
            job = pickle.dumps((backend, options))
            _write(self._worker.stdin, job)
        except _UNSENDABLE:
            return self._instead(backend, options, f"{backend.name} cannot be sent to a worker")
        stop_at = min(budget_end, start + limit_s)
        answer = self._next(stop_at)
        if isinstance(answer, Outcome):
            return answer
        if isinstance(answer, tuple):  # the worker could not read the back end
            return self._instead(backend, options, answer[1])
        self._stop()
        if answer == _ENDED:
            return Outcome(Status.ERROR.value, failed="the worker process ended")
        seconds = time.perf_counter() - start
        reason = "budget" if stop_at == budget_end else "limit"
        return Outcome(Status.INTERRUPTED.value, seconds=seconds, stopped=reason)

    def close(self) -> None:
        """End the worker (asked first, then stopped) and remove its temporary folder."""
        if self._worker is not None:
            with contextlib.suppress(OSError, ValueError):
                _write(self._worker.stdin, pickle.dumps(None))
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._worker.wait(timeout=2.0)
        self._stop()

    # --- the worker --------------------------------------------------------------------------
    def _started(self, budget_end: float) -> bool:
        """A worker ready for a run, started if need be; False when the budget ran out first.

        True also when no worker can take the runs (`run` then makes them in this process).
        """
        if self._worker is not None:
            return True
        try:
            payload = pickle.dumps((self.market, self.policies), pickle.HIGHEST_PROTOCOL)
        except _UNSENDABLE:
            self._fall_back("its market or policies cannot be sent to a worker")
            return True
        self._folder = private_folder("tune")
        # this very reopt, wherever it was imported from
        here = str(Path(__file__).resolve().parents[2])
        paths = [here, *filter(None, [os.environ.get("PYTHONPATH")])]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
        own_group: dict[str, Any] = (
            {"start_new_session": True}
            if os.name == "posix"
            else {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
        )
        self._worker = worker = subprocess.Popen(
            [sys.executable, "-c", _START],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            **own_group,
        )
        self._answers = queue.Queue()
        self._reader = threading.Thread(
            target=_read, args=(worker.stdout, self._answers), daemon=True
        )
        self._reader.start()
        first = pickle.dumps(self._folder.name) + payload
        threading.Thread(target=_write, args=(worker.stdin, first, True), daemon=True).start()
        ready = self._next(budget_end)
        if isinstance(ready, tuple):
            self._stop()
            self._fall_back(ready[1])
            return True
        if ready != "ready":
            self._stop()
            return False
        return True

    def _next(self, until: float) -> Any:
        """The worker's next message, or None at ``until`` (a `time.perf_counter` reading)."""
        try:
            return self._answers.get(timeout=max(0.0, until - time.perf_counter()))
        except queue.Empty:
            return None

    def _instead(self, backend: Backend, options: SolverOptions, why: str) -> Outcome:
        self._stop()
        self._fall_back(why)
        return solve_once(self.market, self.policies, backend, options)

    def _fall_back(self, why: str) -> None:
        self._in_process = True
        self.notes.append(
            f"solver programs ran in this process ({why}): only their own time limits applied"
        )

    def _stop(self) -> None:
        """Stop the worker and every program it started; remove its temporary folder."""
        worker, self._worker = self._worker, None
        if worker is not None:
            _stop_group(worker.pid)
            worker.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.wait(timeout=5.0)
            if self._reader is not None:
                self._reader.join(timeout=1.0)
            for stream in (worker.stdin, worker.stdout):
                with contextlib.suppress(OSError):
                    if stream is not None:
                        stream.close()
        if self._folder is not None:
            shutil.rmtree(self._folder.name, ignore_errors=True)
            with contextlib.suppress(OSError):
                self._folder.cleanup()
            self._folder = None


def _stop_group(pid: int) -> None:
    """Kill the process group led by ``pid`` (a worker and the programs it started)."""
    if hasattr(os, "killpg"):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    else:  # Windows: the worker's tree
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(pid)], capture_output=True, check=False)


def _write(stream: IO[bytes] | None, data: bytes, quietly: bool = False) -> None:
    """Write ``data`` to the worker; ``quietly``: a worker already stopped is no error."""
    if stream is None:
        return
    try:
        stream.write(data)
        stream.flush()
    except (OSError, ValueError):
        if not quietly:
            raise


def _read(stream: IO[bytes] | None, answers: queue.Queue[Any]) -> None:
    """Hand on each message of the worker, then `_ENDED` when its output ends."""
    while stream is not None:
        try:
            answers.put(pickle.load(stream))
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):
            break
    answers.put(_ENDED)


def serve() -> None:
    """The worker: read the tuner's folder, market and policies, then run each job it sends.

    A job is ``(backend, options)``, answered with an `Outcome`; None ends the worker. Its
    standard input and output carry the messages; the programs it starts get neither.
    """
    jobs = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)  # nothing on the tuner's standard output (``--format json``)
    os.close(null)

    def send(message: object) -> None:
        pickle.dump(message, answers)
        answers.flush()

    try:
        tempfile.tempdir = pickle.load(jobs)  # every solve's private folder goes in the tuner's
        market, policies = pickle.load(jobs)
    except _UNREADABLE_ERRORS as err:
        send((_UNREADABLE, f"the worker could not read the market or policies: {err}"))
        return
    pulp_adapter.pulp()  # imported before the first run is timed, as in the tuner's process
    send("ready")
    while True:
        try:
            job = pickle.load(jobs)
        except EOFError:
            return
        except _UNREADABLE_ERRORS as err:
            send((_UNREADABLE, f"the worker could not read the back end: {err}"))
            return  # the rest of the stream cannot be trusted; the tuner stops this worker
        if job is None:
            return
        backend, options = job
        try:
            outcome = solve_once(market, policies, backend, options)
        except Exception as err:  # a fault of the back end's: its run failed, the tuning goes on
            outcome = Outcome(Status.ERROR.value, failed=f"{type(err).__name__}: {err}")
        send(outcome)


def _first_line(err: BaseException) -> str:
    lines = str(err).splitlines()
    return lines[0] if lines else type(err).__name__
