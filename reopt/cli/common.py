"""What the ``reopt`` subcommands share: common arguments, parsing, output files.

Solver options (``--solver``, ``--time-limit``, ...), the market arguments (``PATH`` or
``--dataset``), ``--china-cap`` and its share and range parsing, the checks run on output
paths before anything is solved (folder, suffix, and the package the file's writer needs),
and the one-line report of a file that could not be written. The exit codes are
`reopt.cli.exits`'s, named here too for the subcommands.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from reopt import datasets
from reopt.backends import known_solvers
from reopt.cli.exits import EXIT_INFEASIBLE, EXIT_INPUT, EXIT_OPTIMAL, EXIT_SOLVER
from reopt.data.io import Scenario, read_scenario
from reopt.data.solver_section import SolverSection, read_solver_section
from reopt.data.writing import WriteError, replacing
from reopt.errors import InputError, ReoptError
from reopt.options import DEFAULT_SOLVER, Method, SolverOptions
from reopt.results.plan import Plan
from reopt.share_rule import share_value
from reopt.status import Status

__all__ = [
    "EXIT_INFEASIBLE",
    "EXIT_INPUT",
    "EXIT_OPTIMAL",
    "EXIT_SOLVER",
    "MAX_POINTS",
    "PLAN_SUFFIXES",
    "PLOT_SUFFIXES",
    "TABLE_SUFFIXES",
    "WRITER_PACKAGES",
    "Subparsers",
    "allow_outside_argument",
    "china_cap_argument",
    "chosen_scenario",
    "exit_code",
    "market_arguments",
    "output_problems",
    "outputs_ok",
    "share",
    "share_range",
    "solver_arguments",
    "solver_options",
    "write_output",
]

#: The files each output flag writes, by suffix (matched without regard to case).
PLAN_SUFFIXES = (".csv", ".xlsx")
TABLE_SUFFIXES = (".csv",)
PLOT_SUFFIXES = (".png", ".svg", ".pdf")
#: What each suffix's writer imports: (package, what needs it, how to install it).
WRITER_PACKAGES = {
    ".xlsx": ("openpyxl", "writing Excel", "pip install openpyxl"),
    ".png": ("matplotlib", "plotting", 'pip install "reopt[plot]"'),
    ".svg": ("matplotlib", "plotting", 'pip install "reopt[plot]"'),
    ".pdf": ("matplotlib", "plotting", 'pip install "reopt[plot]"'),
    ".parquet": ("pyarrow", "writing Parquet", "pip install pyarrow"),
}
#: The most points a START:STOP:STEP range may make.
MAX_POINTS = 100_000


class Subparsers(Protocol):
    """What ``ArgumentParser.add_subparsers()`` returns, as far as a subcommand uses it."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        """Add the subcommand ``name``; keyword arguments go to `argparse.ArgumentParser`."""
        ...


def solver_arguments(parser: argparse.ArgumentParser, *, seed_flag: str = "--seed") -> None:
    """Add the ``solver`` group of options.

    They are ``--solver``, ``--solver-file``, ``--time-limit``, ``--threads``, ``--method``,
    ``--presolve``/``--no-presolve``, ``--mip-gap``, ``--seed`` and ``--log``; `solver_options`
    reads them back.
    """
    group = parser.add_argument_group("solver")
    group.add_argument(
        "--solver",
        default=_Default(DEFAULT_SOLVER),
        choices=list(known_solvers()),
        help=f"back end (default: {DEFAULT_SOLVER}: the greedy method where each product's "
        "caps nest, else HiGHS in-process)",
    )
    group.add_argument(
        "--solver-file",
        action=_SolverFile,
        default=None,
        metavar="FILE",
        help="the back end and settings of FILE's [solver] section (reopt tune --out writes "
        "one); the other solver flags override it",
    )
    group.add_argument(
        "--time-limit", type=float, default=None, metavar="SECONDS", help="stop after this long"
    )
    group.add_argument("--threads", type=int, default=None, metavar="N", help="solver threads")
    group.add_argument(
        "--method",
        choices=[m.value for m in Method],
        default="auto",
        help="LP algorithm (default: auto, reopt's measured choice)",
    )
    presolve = group.add_mutually_exclusive_group()
    presolve.add_argument(
        "--presolve", dest="presolve", action="store_true", default=None, help="force presolve on"
    )
    presolve.add_argument(
        "--no-presolve", dest="presolve", action="store_false", help="force presolve off"
    )
    group.add_argument(
        "--mip-gap", type=float, default=None, metavar="GAP", help="relative MILP gap"
    )
    group.add_argument(
        seed_flag, dest="seed", type=int, default=None, metavar="N", help="solver seed"
    )
    group.add_argument(
        "--log",
        nargs="?",
        const=True,
        default=False,
        metavar="FILE",
        help="show the solver's log, or write it to FILE",
    )


def solver_options(args: argparse.Namespace) -> SolverOptions:
    """The `SolverOptions` given by the arguments `solver_arguments` added.

    The settings of ``--solver-file`` first, then each flag that was given.
    """
    section = getattr(args, "solver_file", None)
    base = section.options if isinstance(section, SolverSection) else SolverOptions()
    flags = {
        "time_limit_s": args.time_limit,
        "threads": args.threads,
        "presolve": args.presolve,
        "method": None if args.method == Method.AUTO else args.method,
        "mip_gap": args.mip_gap,
        "seed": args.seed,
        "log": args.log or None,
    }
    return base.replace(**{k: v for k, v in flags.items() if v is not None})


class _Default(str):
    """A default value, told apart from the same text given on the command line."""

    __slots__ = ()


class _SolverFile(argparse.Action):
    """``--solver-file FILE``: read its ``[solver]`` section now, into ``solver_file``.

    Its back end becomes ``--solver`` unless that was given; a bad file, key or value is
    an error of this option, as a bad value of any other flag is.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        try:
            section = read_solver_section(Path(str(values)))
        except ReoptError as err:
            raise argparse.ArgumentError(self, str(err)) from None
        if section.solver not in known_solvers():
            known = ", ".join(known_solvers())
            raise argparse.ArgumentError(
                self, f"{values} [solver], name={section.solver!r}: unknown solver; known: {known}"
            )
        setattr(namespace, self.dest, section)
        if isinstance(getattr(namespace, "solver", None), _Default):
            namespace.solver = section.solver


def china_cap_argument(parser: argparse.ArgumentParser, help: str) -> None:
    """Add ``--china-cap SHARE`` (a fraction or a percentage; None when not given)."""
    parser.add_argument("--china-cap", type=share, default=None, metavar="SHARE", help=help)


def market_arguments(parser: argparse.ArgumentParser) -> None:
    """Add an optional ``PATH`` and ``--dataset NAME``, of which `chosen_scenario` wants one."""
    parser.add_argument("path", type=Path, nargs="?", default=None, metavar="PATH")
    parser.add_argument(
        "--dataset",
        choices=list(datasets.NAMES),
        default=None,
        help="a bundled dataset instead of PATH",
    )
    allow_outside_argument(parser)


def allow_outside_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--allow-outside``: a .toml scenario at PATH may name files outside its folder.

    The subcommand passes ``allow_outside=args.allow_outside`` to `read_scenario`.
    """
    parser.add_argument(
        "--allow-outside",
        action="store_true",
        help="let a .toml scenario at PATH name files outside its own folder",
    )


def chosen_scenario(args: argparse.Namespace) -> Scenario:
    """The scenario named by the arguments `market_arguments` added.

    Raises
    ------
    ReoptError
        When both or neither of ``PATH`` and ``--dataset`` were given.
    """
    if (args.path is None) == (args.dataset is None):
        raise ReoptError("give either PATH or --dataset NAME")
    if args.dataset is not None:
        return Scenario(datasets.load(args.dataset), None, ())
    return read_scenario(args.path, allow_outside=args.allow_outside)


def share(text: str) -> float:
    """A share from the command line, by the rule of `reopt.share_rule`: ``0.6`` or ``60%``.

    Raises
    ------
    argparse.ArgumentTypeError
        When the text is not a share (``"35"`` asks whether 0.35 was meant).
    """
    try:
        return share_value(text, where="command line", column="--china-cap")
    except InputError as err:
        raise argparse.ArgumentTypeError(str(err.problems[0])) from None


def share_range(text: str) -> list[float]:
    """Shares from ``START:STOP:STEP`` (STOP included, never passed) or a list ``0.5,0.6``.

    Each share follows `reopt.share_rule` (``60%`` is 0.6), and so does STEP in a range of
    percentages (``50%:100%:5%``).

    Raises
    ------
    argparse.ArgumentTypeError
        When the text is neither form, a value is not a share, or the range would make
        `MAX_POINTS` points or more.
    """
    parts = text.split(":")
    if len(parts) == 1:
        return [share(v) for v in text.split(",")]
    try:
        if len(parts) != 3:
            raise ValueError
        start, stop = share(parts[0]), share(parts[1])
        step = float(Decimal(parts[2].strip().removesuffix("%")))
        step /= 100 if parts[2].strip().endswith("%") else 1
        if not math.isfinite(step) or step <= 0 or stop < start:
            raise ValueError
    except (ValueError, ArithmeticError):
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected START:STOP:STEP (e.g. 0.2:0.95:0.05) or a list 0.5,0.6"
        ) from None
    count = math.floor((stop - start) / step + 1e-9)  # STOP inclusive, never past it
    if count >= MAX_POINTS:
        raise argparse.ArgumentTypeError(
            f"{text!r}: more than {MAX_POINTS:,} points (use a larger STEP)"
        )
    values = [round(start + i * step, 12) for i in range(count + 1)]
    if values[-1] < stop - 1e-12:
        values.append(stop)
    return values


def exit_code(plan: Plan) -> int:
    """`EXIT_OPTIMAL`, `EXIT_INFEASIBLE`, or `EXIT_SOLVER` for any other status."""
    if plan.status is Status.OPTIMAL:
        return EXIT_OPTIMAL
    if plan.status is Status.INFEASIBLE:
        return EXIT_INFEASIBLE
    return EXIT_SOLVER


def output_problems(flag: str, path: Path | None, suffixes: Sequence[str]) -> list[str]:
    """What stops ``flag``'s file ``path`` from being written, one message per problem.

    Parameters
    ----------
    flag : str
        The option that names the file, e.g. ``"--out"``.
    path : Path or None
        The file to write; None when the option was not given.
    suffixes : sequence of str
        The suffixes the option writes, lower case with the dot, e.g. ``(".csv",)``.

    Returns
    -------
    list of str
        Messages such as ``"--out out/x.csv: folder out does not exist"`` or
        ``'--plot x.png: plotting needs matplotlib: pip install "reopt[plot]"'``;
        empty when the file can be written as far as can be told without writing it.
    """
    if path is None:
        return []
    problems = []
    use = f"(use {_either(suffixes)})"
    suffix = path.suffix.lower()
    if not path.suffix:
        problems.append(f"{flag} {path}: no suffix {use}")
    elif suffix not in suffixes:
        problems.append(f"{flag} {path}: unsupported suffix {path.suffix} {use}")
    elif suffix in WRITER_PACKAGES and not _installed(WRITER_PACKAGES[suffix][0]):
        package, what, install = WRITER_PACKAGES[suffix]
        problems.append(f"{flag} {path}: {what} needs {package}: {install}")
    folder = path.parent
    if path.is_dir():
        problems.append(f"{flag} {path}: is a folder")
    elif not folder.exists():
        problems.append(f"{flag} {path}: folder {folder} does not exist")
    elif not folder.is_dir():
        problems.append(f"{flag} {path}: {folder} is not a folder")
    return problems


def _installed(package: str) -> bool:
    """Whether ``package`` can be imported here, found without importing it."""
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):  # a broken install, or a module without a spec
        return False


def _either(suffixes: Sequence[str]) -> str:
    """``".csv"``, ``".csv or .xlsx"``, ``".png, .svg or .pdf"``."""
    if len(suffixes) == 1:
        return suffixes[0]
    return f"{', '.join(suffixes[:-1])} or {suffixes[-1]}"


def outputs_ok(problems: Sequence[str]) -> bool:
    """Print each problem once to stderr as ``reopt: ...``; True when there are none."""
    for problem in dict.fromkeys(problems):
        print(f"reopt: {problem}", file=sys.stderr)
    return not problems


def write_output(flag: str, path: Path, write: Callable[[Path], object]) -> bool:
    """Call ``write`` on a temporary file next to ``path`` and move it onto ``path``.

    The file is written whole or not at all (`reopt.data.writing.replacing`): when ``write``
    fails, no file is left behind and an existing ``path`` is kept as it was, one line goes
    to stderr and the result is False. An `InputError` (such as text an Excel file cannot
    hold) is raised as it is, for the caller to report in full.

    Parameters
    ----------
    flag : str
        The option that named the file, for the message.
    path : Path
        The file to write.
    write : callable
        Writes the file at the path it is given (a temporary path with the same suffix).

    Returns
    -------
    bool
        True when the file was written.
    """
    try:
        with replacing(path) as temp:
            write(temp)
    except WriteError as err:
        print(f"reopt: {flag} {path}: could not write it ({err.reason})", file=sys.stderr)
        return False
    return True
