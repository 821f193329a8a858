"""The ``reopt`` command: the top-level parser, its subcommands, and errors as exit codes.

Each subcommand is a module of `reopt.cli` with ``add_parser(subparsers)`` and
``run(args) -> int``; `main` parses the command line, checks that a solver named with
``--solver`` runs here, runs the subcommand, and turns reopt's errors into one line on stderr
and an exit code. The codes are listed once, in `reopt.cli.exits` (and in ``reopt --help``):
0 an optimal plan (or valid input), 1 infeasible (the explanation is printed),
2 bad input (every problem is listed), 3 solver trouble (a limit, a failure, a failed check,
a solver not installed here, no writable temporary folder for a solver that needs one),
141 the output pipe was closed early.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from reopt import __version__
from reopt.cli import (
    bench,
    datasets,
    demo,
    export,
    montecarlo,
    scenarios,
    solve,
    sweep,
    tune,
    validate,
    whatif,
)
from reopt.cli.exits import EPILOG, EXIT_INPUT, check_available, run_command

__all__ = ["COMMANDS", "main", "parser"]

#: The subcommand modules, in the order ``reopt --help`` lists them.
COMMANDS = (
    demo,
    solve,
    scenarios,
    sweep,
    whatif,
    montecarlo,
    export,
    bench,
    tune,
    validate,
    datasets,
)


def parser() -> argparse.ArgumentParser:
    """The ``reopt`` parser, with every subcommand of `COMMANDS`."""
    top = argparse.ArgumentParser(
        prog="reopt",
        description="Cheapest rare-earth purchasing plans under a cap on China's share.",
        epilog=EPILOG,
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
        0 optimal (or valid), 1 infeasible, 2 bad input, 3 solver trouble, 141 the output
        pipe closed early (`reopt.cli.exits`). Bad arguments exit through `SystemExit` with
        code 2, as argparse does.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    top = parser()
    args = top.parse_args(argv)
    if not hasattr(args, "run"):
        top.print_help()
        return EXIT_INPUT
    return run_command(_checked_run, args)


def _checked_run(args: argparse.Namespace) -> int:
    """The subcommand's ``run``, once the solver it names (``--solver``) is known to run here."""
    check_available([args.solver] if getattr(args, "solver", None) is not None else [])
    return int(args.run(args))
