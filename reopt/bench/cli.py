"""The options of ``reopt bench`` (and ``python -m benchmarks``), and what each way of running does.

Three ways to run:

- ``reopt bench PATH``: benchmark the back ends available here on your own market (a folder
  of CSVs, an ``.xlsx`` workbook or a ``.toml`` scenario, which brings its policies) with
  `reopt.bench.user.benchmark`; prints the table, ``--out FILE.csv`` also writes it;
- ``reopt bench``: the generated-market suite (`reopt.bench.runner`), its results and plots
  to ``--out`` and the report (`reopt.bench.report`) to ``--report``;
- ``reopt bench --from-results FILE``: rewrite the report and plots from an earlier run.

``reopt bench`` is an ordinary subcommand of the ``reopt`` parser (`reopt.cli.bench` adds
these options to it); ``python -m benchmarks`` parses the same options and runs them through
the same error handling (`reopt.cli.exits.run_command`), so both exit with the same codes:
0, 2 bad input, 3 solver trouble (a solver not installed here, or a suite that found a
disagreement or an unsolved instance).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from reopt.bench.contenders import CONTENDERS
from reopt.bench.instances import SIZES
from reopt.bench.report import write_report
from reopt.bench.runner import DEFAULT_OUT, SUITES, default_report, run_suite
from reopt.bench.user import benchmark
from reopt.cli.common import (
    TABLE_SUFFIXES,
    allow_outside_argument,
    china_cap_argument,
    output_problems,
)
from reopt.cli.exits import (
    EXIT_INPUT,
    EXIT_OPTIMAL,
    EXIT_SOLVER,
    check_available,
    run_command,
)
from reopt.data.io import read_scenario
from reopt.data.writing import write_csv
from reopt.errors import InputError, Problem

__all__ = ["DESCRIPTION", "add_arguments", "main", "run"]

DESCRIPTION = (
    "Benchmark reopt's back ends: on your own market (PATH), or, without PATH, the suite of "
    "generated procurement markets against the raw numpy build and idiomatic PuLP."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``reopt bench`` to ``parser``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The parser (or sub-parser) of the ``bench`` command; `run` reads what it parses.
    """
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=None,
        help="your market: a folder of CSVs, an .xlsx workbook or a .toml scenario; without "
        "it, the suite of generated markets runs",
    )
    allow_outside_argument(parser)
    parser.add_argument(
        "--suite", choices=list(SUITES), default="quick", help="the suite to run (no PATH)"
    )
    parser.add_argument(
        "--sizes", default=None, help=f"comma-separated sizes ({', '.join(SIZES)}; no PATH)"
    )
    parser.add_argument(
        "--solvers",
        default=None,
        help="comma-separated: with PATH, solvers (default: every available one, e.g. "
        "'highs,cbc'); without, contenders (default: all, e.g. 'reopt default,raw highspy')",
    )
    parser.add_argument(
        "--repeat", type=int, default=None, help="rounds (default: 3 with PATH, else the suite's)"
    )
    parser.add_argument(
        "--time-limit",
        "--limit",
        dest="limit",
        type=float,
        default=None,
        metavar="SECONDS",
        help="solver time limit per run",
    )
    china_cap_argument(
        parser, "with PATH: cap China's share (e.g. 0.6 or 60%%; overrides the scenario's)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"with PATH: a CSV file for the table; without: the folder for results.json and "
        f"the plots (default: {DEFAULT_OUT})",
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        help=f"the Markdown report of the suite (default: benchmarks/RESULTS.md with the "
        f"default --out ({DEFAULT_OUT}), else OUT/RESULTS.md)",
    )
    parser.add_argument(
        "--from-results",
        type=Path,
        default=None,
        metavar="FILE",
        help="do not run: rewrite the report and plots from an earlier results.json, where a "
        "run with --out set to FILE's folder writes them",
    )


def run(args: argparse.Namespace) -> int:
    """Run what ``args`` (parsed with `add_arguments`) ask for.

    Returns
    -------
    int
        The exit code: 0, or 3 (`EXIT_SOLVER`) when the suite found a disagreement or an
        unsolved instance.

    Raises
    ------
    InputError
        For a bad market, scenario or option with PATH; an unknown size or contender of the
        suite.
    reopt.cli.exits.SolverUnavailableError
        With PATH, for a solver of ``--solvers`` that is not installed here.
    """
    if args.path is not None:
        return _run_market(args)
    if args.from_results is not None:
        results = json.loads(args.from_results.read_text())
        out = args.from_results.parent
        report = args.report or default_report(out)
        write_report(results, report, out / "plots")
        print(f"wrote {report}")
        return EXIT_SOLVER if results["problems"] else EXIT_OPTIMAL
    return _run_suite(args)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks``: the options of ``reopt bench``, run as ``reopt bench`` runs them.

    Returns
    -------
    int
        The exit code of `run`, through `reopt.cli.exits.run_command`. Bad input exits
        through `SystemExit` with code 2 (after its message on stderr), as bad arguments do.
    """
    parser = argparse.ArgumentParser(prog="reopt bench", description=DESCRIPTION)
    add_arguments(parser)
    code = run_command(run, parser.parse_args(argv))
    if code == EXIT_INPUT:
        raise SystemExit(code)
    return code


def _split(text: str | None) -> list[str] | None:
    return None if text is None else [s.strip() for s in text.split(",") if s.strip()]


def _contender_names(text: str | None) -> list[str] | None:
    """``--solvers`` as contender names, some of which hold a comma themselves.

    Pieces are joined again (with ``", "``) where that makes a known contender, so that
    ``'reopt auto,highs simplex, presolve off'`` is two contenders.
    """
    pieces = _split(text)
    if pieces is None:
        return None
    names: list[str] = []
    i = 0
    while i < len(pieces):  # the longest run of pieces from i that names a contender
        ends = range(len(pieces), i + 1, -1)
        j = next((j for j in ends if ", ".join(pieces[i:j]) in CONTENDERS), i + 1)
        names.append(", ".join(pieces[i:j]))
        i = j
    return names


def _run_market(args: argparse.Namespace) -> int:
    suite_only = {
        "--sizes": args.sizes,
        "--report": args.report,
        "--from-results": args.from_results,
    }
    given = [flag for flag, value in suite_only.items() if value is not None]
    if given:
        raise InputError(
            [
                Problem("options", "reopt bench", flag, None, "is for the suite, not with PATH")
                for flag in given
            ]
        )
    unwritable = output_problems("--out", args.out, TABLE_SUFFIXES)
    if unwritable:
        raise InputError(
            [Problem("options", "reopt bench", "--out", None, text) for text in unwritable]
        )
    check_available(_split(args.solvers) or [])
    scenario = read_scenario(args.path, allow_outside=args.allow_outside)
    china_cap = args.china_cap if args.china_cap is not None else scenario.china_cap
    table = benchmark(
        scenario.market,
        solvers=_split(args.solvers),
        china_cap=china_cap,
        policies=scenario.policies,
        repeats=3 if args.repeat is None else args.repeat,
        time_limit_s=args.limit,
    )
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        print(table.to_string(index=False))
    if args.out is not None:
        write_csv(table, args.out)
        print(f"wrote {args.out}")
    return 0


def _run_suite(args: argparse.Namespace) -> int:
    suite = dict(SUITES[args.suite])
    sizes = _split(args.sizes)
    if sizes:
        unknown = [s for s in sizes if s not in SIZES]
        if unknown:
            raise _bad_option("--sizes", args.sizes, f"unknown sizes {unknown}", SIZES)
        suite["sizes"] = sizes
    names = _contender_names(args.solvers) or list(CONTENDERS)
    unknown = [s for s in names if s not in CONTENDERS]
    if unknown:
        raise _bad_option("--solvers", args.solvers, f"unknown contenders {unknown}", CONTENDERS)
    if args.repeat is not None:
        suite["repeat"] = args.repeat
    if args.limit is not None:
        suite["limit_s"] = args.limit
    out = DEFAULT_OUT if args.out is None else args.out
    report = args.report or default_report(out)
    command = shlex.join(["python", "-m", "benchmarks", *_suite_arguments(args)])
    results = run_suite(suite, names, command=command)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    write_report(results, report, out / "plots")
    print(f"wrote {out / 'results.json'} and {report}")
    for problem in results["problems"]:
        print(f"FAILED: {problem}", file=sys.stderr)
    return EXIT_SOLVER if results["problems"] else EXIT_OPTIMAL


def _bad_option(flag: str, value: object, rule: str, known: Iterable[str]) -> InputError:
    return InputError(
        [Problem("options", "reopt bench", flag, value, rule, f"known: {', '.join(known)}")]
    )


def _suite_arguments(args: argparse.Namespace) -> list[str]:
    """The options that rerun this suite, for the report."""
    out: list[str] = ["--suite", args.suite]
    for flag, value in (
        ("--sizes", args.sizes),
        ("--solvers", args.solvers),
        ("--repeat", args.repeat),
        ("--limit", args.limit),
        ("--out", args.out),
        ("--report", args.report),
    ):
        if value is not None:
            out += [flag, str(value)]
    return out
