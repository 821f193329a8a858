"""The ``reopt`` command: the top-level parser, its subcommands, and errors as exit codes.

Each subcommand is a module of `reopt.cli` with ``add_parser(subparsers)`` and
``run(args) -> int``; `main` parses the command line, runs the subcommand, and turns reopt's
errors into one line on stderr and an exit code:
0 an optimal plan (or valid input), 1 infeasible (the explanation is printed),
2 bad input (every problem is listed), 3 solver trouble (a limit, a failure, a failed check,
no writable temporary folder for a solver that needs one).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from reopt import __version__
from reopt.backends.pulp_backend import TempFolderError
from reopt.cli import bench, datasets, demo, export, solve, sweep, validate, whatif
from reopt.cli.common import EXIT_INPUT, EXIT_SOLVER
from reopt.errors import InputError, ReoptError, SolverError

__all__ = ["COMMANDS", "main", "parser"]

#: The subcommand modules, in the order ``reopt --help`` lists them.
COMMANDS = (demo, solve, sweep, whatif, export, bench, validate, datasets)


def parser() -> argparse.ArgumentParser:
    """The ``reopt`` parser, with every subcommand of `COMMANDS`."""
    top = argparse.ArgumentParser(
        prog="reopt",
        description="Cheapest rare-earth purchasing plans under a cap on China's share.",
        epilog="Exit codes: 0 optimal, 1 infeasible, 2 bad input, 3 solver trouble.",
    )
    top.add_argument("--version", action="version", version=f"reopt {__version__}")
    subparsers = top.add_subparsers(title="commands", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(subparsers)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after ``reopt``; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 optimal (or valid), 1 infeasible, 2 bad input, 3 solver trouble. Bad arguments
        exit through `SystemExit` with code 2, as argparse does.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    top = parser()
    args = top.parse_args(argv)
    if not hasattr(args, "run"):
        top.print_help()
        return EXIT_INPUT
    try:
        return int(args.run(args))
    except BrokenPipeError:  # output piped into a program that stopped reading (e.g. head)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except InputError as err:
        print(f"reopt: {err}", file=sys.stderr)
        return EXIT_INPUT
    except SolverError as err:
        print(f"reopt: solver trouble: {err}", file=sys.stderr)
        return EXIT_SOLVER
    except TempFolderError as err:
        print(f"reopt: {err}", file=sys.stderr)
        return EXIT_SOLVER
    except ReoptError as err:
        print(f"reopt: {err}", file=sys.stderr)
        return EXIT_INPUT
