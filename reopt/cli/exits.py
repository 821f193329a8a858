"""The exit codes of ``reopt``, in one place: what each means and how reopt's errors become one.

======  =====================================================================================
code    meaning
======  =====================================================================================
0       an optimal plan (or valid input, or a file written)
1       infeasible: no plan meets every demand and policy (the explanation is printed)
2       bad input: every problem is listed (also bad arguments, as argparse exits)
3       solver trouble: a limit, a failure, a failed check, a solver that is not installed
        here (with how to install it), no writable temporary folder for a solver that needs one
141     the output was piped into a program that stopped reading (``reopt ... | head -1``):
        reopt stops quietly, as ``cat`` or ``seq`` do when SIGPIPE ends them (128 + 13)
======  =====================================================================================

`run_command` runs a subcommand's ``run(args)`` and turns each error into one line on stderr
and its code; `EPILOG` is the same table for ``reopt --help``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable

from reopt.backends import get_backend
from reopt.backends.pulp_backend import TempFolderError
from reopt.errors import InputError, ReoptError, SolverError

__all__ = [
    "EPILOG",
    "EXIT_BROKEN_PIPE",
    "EXIT_INFEASIBLE",
    "EXIT_INPUT",
    "EXIT_OPTIMAL",
    "EXIT_SOLVER",
    "SolverUnavailableError",
    "check_available",
    "run_command",
]

#: Exit codes: an optimal plan (or valid input), infeasible, bad input, solver trouble.
EXIT_OPTIMAL, EXIT_INFEASIBLE, EXIT_INPUT, EXIT_SOLVER = 0, 1, 2, 3
#: The output's reader went away (128 + SIGPIPE, what the shell reports for ``cat``).
EXIT_BROKEN_PIPE = 141

#: The exit codes as ``reopt --help`` lists them.
EPILOG = (
    "exit codes: 0 optimal (or valid input, or file written); 1 infeasible; 2 bad input; "
    "3 solver trouble (a limit, a failure, a failed check, a solver not installed here); "
    "141 output pipe closed early (e.g. | head), quietly."
)


class SolverUnavailableError(ReoptError):
    """A solver named on the command line does not run here; the message says how to install it.

    Not bad input (the name is a known solver) but the machine's set-up: exit code 3.
    """


def check_available(solvers: Iterable[object]) -> None:
    """Raise `SolverUnavailableError` for the known solvers among ``solvers`` not installed here.

    Unknown names are left alone, for the usual `InputError` that lists the known ones.

    Raises
    ------
    SolverUnavailableError
        One message for every solver that is known but not available, each with its
        install hint.
    """
    missing = []
    for name in solvers:
        try:
            backend = get_backend(name)
        except InputError:
            continue
        if not backend.is_available():
            hint = backend.install_hint
            missing.append(f"the solver {backend.name} is not available here. {hint}".strip())
    if missing:
        raise SolverUnavailableError(" ".join(missing))


def run_command(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run ``run(args)`` and return its exit code, or the code of the error it raised.

    Each error becomes one line on stderr (``reopt: ...``): `InputError` and any other
    `ReoptError` exit 2; `SolverError`, `SolverUnavailableError` and `TempFolderError` exit 3.
    A closed output pipe exits `EXIT_BROKEN_PIPE` with nothing on stderr.
    """
    try:
        code = int(run(args))
        sys.stdout.flush()  # a reader that went away shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except InputError as err:
        print(f"reopt: {err}", file=sys.stderr)
        return EXIT_INPUT
    except SolverError as err:
        print(f"reopt: solver trouble: {err}", file=sys.stderr)
        return EXIT_SOLVER
    except (SolverUnavailableError, TempFolderError) as err:
        print(f"reopt: {err}", file=sys.stderr)
        return EXIT_SOLVER
    except ReoptError as err:
        print(f"reopt: {err}", file=sys.stderr)
        return EXIT_INPUT


def _silence_stdout() -> None:
    """Point stdout at the null device, so that what is still buffered goes nowhere.

    Without it Python flushes the buffer once more at exit, fails again and prints
    "Exception ignored ... BrokenPipeError" on stderr.
    """
    try:
        fileno = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # a captured stdout has no file descriptor
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fileno)
    os.close(devnull)
