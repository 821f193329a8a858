"""The ``reopt`` command line: demo, solve, sweep, whatif, export, validate, datasets, bench.

Exit codes: 0 an optimal plan (or valid input), 1 infeasible (the explanation is printed),
2 bad input (every problem is listed), 3 solver trouble (a limit, a failure, a failed check).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from reopt import __version__, datasets
from reopt.analysis.sweeps import sweep
from reopt.backends.export import FORMATS, write_model
from reopt.data.io import Scenario, read_scenario
from reopt.errors import InputError, ReoptError, SolverError
from reopt.model.policies import cap_share, check_share
from reopt.options import Method, SolverOptions
from reopt.results.plan import Plan
from reopt.results.planning import SOLVERS, solve
from reopt.status import Status

__all__ = ["main"]

EXIT_OPTIMAL, EXIT_INFEASIBLE, EXIT_INPUT, EXIT_SOLVER = 0, 1, 2, 3

#: The files each output flag writes, by suffix (matched without regard to case).
PLAN_SUFFIXES = (".csv", ".xlsx")
TABLE_SUFFIXES = (".csv",)
PLOT_SUFFIXES = (".png", ".svg", ".pdf")
#: The most points a START:STOP:STEP range may make.
MAX_POINTS = 100_000


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:  # the runner parses its own options, --help included
        from reopt.bench.runner import main as bench

        return bench(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
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
    except ReoptError as err:
        print(f"reopt: {err}", file=sys.stderr)
        return EXIT_INPUT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reopt",
        description="Cheapest rare-earth purchasing plans under a cap on China's share.",
        epilog="Exit codes: 0 optimal, 1 infeasible, 2 bad input, 3 solver trouble.",
    )
    parser.add_argument("--version", action="version", version=f"reopt {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="solve the bundled Japan dataset at a 60%% China cap and print the plan",
        description="Solve a bundled dataset with and without a China cap, and show what "
        "the cap costs.",
    )
    demo.add_argument(
        "--dataset",
        default="japan_2025",
        choices=list(datasets.NAMES),
        help="bundled dataset (default: japan_2025)",
    )
    demo.add_argument(
        "--china-cap",
        type=_share,
        default=0.6,
        metavar="SHARE",
        help="China's maximum share of each product, a fraction (default: 0.6)",
    )
    demo.set_defaults(run=_demo)

    solve_cmd = sub.add_parser(
        "solve",
        help="solve a market from a CSV folder, .xlsx workbook or .toml scenario",
        description="Solve a market and print the plan. PATH is a folder with offers.csv "
        "and demand.csv (and optionally sources.csv), an .xlsx workbook with sheets of those "
        "names, or a .toml scenario file.",
    )
    solve_cmd.add_argument("path", type=Path, metavar="PATH")
    _china_cap_argument(
        solve_cmd,
        "cap China's share of each product (a fraction, e.g. 0.6); "
        "overrides the scenario's china_cap",
    )
    solve_cmd.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the plan: .csv (allocation) or .xlsx (all tables)",
    )
    solve_cmd.add_argument(
        "--ranges",
        action="store_true",
        help="also print over what span each shadow price and each offer's price hold",
    )
    _solver_arguments(solve_cmd)
    solve_cmd.set_defaults(run=_solve)

    sweep_cmd = sub.add_parser(
        "sweep",
        help="cost of the cheapest plan along a range of China caps (the frontier)",
        description="Solve a market at each China cap of a range, and add the exact "
        "breakpoints of the cost curve and the minimum feasible cap. PATH is a market "
        "(folder, .xlsx, .toml) or, with --dataset, omitted.",
    )
    _market_arguments(sweep_cmd)
    sweep_cmd.add_argument(
        "--china-cap",
        type=_share_range,
        default=_share_range("0:1:0.05"),
        metavar="START:STOP:STEP",
        help="caps to solve at, e.g. 0.2:0.95:0.05 (inclusive; default 0:1:0.05)",
    )
    sweep_cmd.add_argument(
        "--grid-only",
        action="store_true",
        help="solve the caps given, without the exact breakpoints and minimum feasible cap",
    )
    _analysis_outputs(sweep_cmd)
    _solver_arguments(sweep_cmd)
    sweep_cmd.set_defaults(run=_sweep)

    whatif = sub.add_parser(
        "whatif",
        help="cost and China's share as prices, capacities or demand change",
        description="Solve a market with the prices or capacities of some offers, or some "
        "demand, multiplied by each factor. SPEC is [COLUMN:]VALUE=F1,F2,...: for prices and "
        "capacities COLUMN is an offers column (default country), e.g. CN=1,1.5,2,3 or "
        "source:lynas_malaysia=0,0.5,1,1.5; for demand COLUMN is product (default), and "
        "VALUE * means every product.",
    )
    _market_arguments(whatif)
    change = whatif.add_mutually_exclusive_group(required=True)
    change.add_argument("--scale-price", type=_what_if, metavar="SPEC", help="scale prices")
    change.add_argument("--scale-capacity", type=_what_if, metavar="SPEC", help="scale capacities")
    change.add_argument("--scale-demand", type=_what_if, metavar="SPEC", help="scale demand")
    _china_cap_argument(
        whatif, "a China cap held at every point; overrides the scenario's china_cap"
    )
    _analysis_outputs(whatif)
    _solver_arguments(whatif)
    whatif.set_defaults(run=_whatif)

    export = sub.add_parser(
        "export",
        help="write a market's model as an MPS or LP file for other solvers",
        description="Compile a market (and its scenario's policies) and write the linear "
        "program as an MPS or LP file, with a NAME.names.csv saying what each column and "
        "row name stands for.",
    )
    export.add_argument("path", type=Path, metavar="PATH")
    export.add_argument(
        "--format",
        choices=[suffix.lstrip(".") for suffix in FORMATS],
        default=None,
        help="file format (default: from --out's suffix, else mps)",
    )
    export.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="model file to write (default: model.FORMAT in the current folder)",
    )
    _china_cap_argument(
        export, "cap China's share of each product; overrides the scenario's china_cap"
    )
    export.set_defaults(run=_export)

    bench = sub.add_parser(
        "bench",
        help="benchmark back ends and HiGHS settings (see reopt bench --help)",
        description="Run the benchmark suite; every option goes to the runner.",
        add_help=False,
    )
    bench.add_argument("arguments", nargs=argparse.REMAINDER)

    validate = sub.add_parser(
        "validate",
        help="check a market's files and list every problem",
        description="Read and check a market without solving it; prints every problem found.",
    )
    validate.add_argument("path", type=Path, metavar="PATH")
    validate.set_defaults(run=_validate)

    data = sub.add_parser(
        "datasets",
        help="list the bundled datasets, or export one as a template",
        description="Without arguments, list the bundled datasets. With --export NAME DIR, "
        "copy a dataset's CSVs and README into DIR as a template for your own data.",
    )
    data.add_argument(
        "--export", nargs=2, metavar=("NAME", "DIR"), help="copy dataset NAME into folder DIR"
    )
    data.set_defaults(run=_datasets)
    return parser


def _solver_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("solver")
    group.add_argument(
        "--solver",
        default="highs",
        choices=list(SOLVERS),
        help="back end (default: highs, in-process)",
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
    group.add_argument("--seed", type=int, default=None, metavar="N", help="solver seed")
    group.add_argument(
        "--log",
        nargs="?",
        const=True,
        default=False,
        metavar="FILE",
        help="show the solver's log, or write it to FILE",
    )


def _options(args: argparse.Namespace) -> SolverOptions:
    return SolverOptions(
        time_limit_s=args.time_limit,
        threads=args.threads,
        presolve=args.presolve,
        method=args.method,
        mip_gap=args.mip_gap,
        seed=args.seed,
        log=args.log,
    )


def _china_cap_argument(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--china-cap", type=_share, default=None, metavar="SHARE", help=help)


def _market_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, nargs="?", default=None, metavar="PATH")
    parser.add_argument(
        "--dataset",
        choices=list(datasets.NAMES),
        default=None,
        help="a bundled dataset instead of PATH",
    )


def _analysis_outputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, default=None, metavar="FILE", help="write the table as .csv"
    )
    parser.add_argument(
        "--plot", type=Path, default=None, metavar="FILE", help="save a plot (.png, .svg, .pdf)"
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress bar, even in a terminal"
    )


def _share_range(text: str) -> list[float]:
    parts = text.split(":")
    try:
        if len(parts) == 1:
            values = [float(v) for v in text.split(",")]
        elif len(parts) == 3:
            start, stop, step = (float(p) for p in parts)
            if not all(map(math.isfinite, (start, stop, step))) or step <= 0 or stop < start:
                raise ValueError
            count = math.floor((stop - start) / step + 1e-9)  # STOP inclusive, never past it
            if count >= MAX_POINTS:
                raise argparse.ArgumentTypeError(
                    f"{text!r}: more than {MAX_POINTS:,} points (use a larger STEP)"
                )
            values = [start + i * step for i in range(count + 1)]
            if values[-1] < stop - 1e-12:
                values.append(stop)
            values = [round(v, 12) for v in values]
        else:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected START:STOP:STEP (e.g. 0.2:0.95:0.05) or a list 0.5,0.6"
        ) from None
    for value in values:
        _share(repr(value))
    return values


def _what_if(text: str) -> tuple[str | None, str, list[float]]:
    target, sep, numbers = text.rpartition("=")
    column, colon, value = target.partition(":")
    if not colon:
        column, value = "", target
    try:
        factors = [float(f) for f in numbers.split(",")]
    except ValueError:
        factors = []
    if not sep or not value or not factors:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected [COLUMN:]VALUE=F1,F2,... (e.g. CN=1,1.5,2,3)"
        )
    return (column or None), value, factors


def _scenario(args: argparse.Namespace) -> Scenario:
    if (args.path is None) == (args.dataset is None):
        raise ReoptError("give either PATH or --dataset NAME")
    if args.dataset is not None:
        return Scenario(datasets.load(args.dataset), None, ())
    return read_scenario(args.path)


def _share(text: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    try:
        return check_share(value, where="command line", column="--china-cap")
    except InputError as err:
        raise argparse.ArgumentTypeError(str(err.problems[0])) from None


def _exit_code(plan: Plan) -> int:
    if plan.status is Status.OPTIMAL:
        return EXIT_OPTIMAL
    if plan.status is Status.INFEASIBLE:
        return EXIT_INFEASIBLE
    return EXIT_SOLVER


def _demo(args: argparse.Namespace) -> int:
    market = datasets.load(args.dataset)
    print(f"dataset {args.dataset}: {market}")
    print()
    capped = solve(market, china_cap=args.china_cap)
    print(capped.summary())
    if not capped.is_optimal:
        return _exit_code(capped)
    free = solve(market)
    print()
    if free.is_optimal:
        extra = capped.cost_usd - free.cost_usd
        print(
            f"what the {args.china_cap:.0%} cap costs: USD {extra:,.0f} a year more than the "
            f"uncapped plan (USD {free.cost_usd:,.0f}), +{extra / free.cost_usd:.1%}"
        )
        cn_free = free.shares("country").get("CN")
        cn_capped = capped.shares("country").get("CN")
        if cn_free is not None:
            print("China's share of each product, uncapped -> capped:")
            for product in cn_free.index:
                after = 0.0 if cn_capped is None else float(cn_capped.get(product, 0.0))
                print(f"  {product:<14} {cn_free[product]:6.1%} -> {after:6.1%}")
    return EXIT_OPTIMAL


def _solve(args: argparse.Namespace) -> int:
    if not _outputs_ok(_output_problems("--out", args.out, PLAN_SUFFIXES)):
        return EXIT_INPUT
    scenario = read_scenario(args.path)
    china_cap = args.china_cap if args.china_cap is not None else scenario.china_cap
    plan = solve(
        scenario.market,
        china_cap=china_cap,
        policies=scenario.policies,
        solver=args.solver,
        options=_options(args),
    )
    print(plan.summary())
    if args.ranges and plan.is_optimal:
        _print_ranges(plan)
    if args.out is not None and plan.status in (Status.OPTIMAL, Status.INFEASIBLE):
        excel = args.out.suffix.lower() == ".xlsx"
        if excel or plan.is_optimal:  # the CSV is the allocation, which only a plan has
            if not _write("--out", args.out, plan.to_excel if excel else plan.to_csv):
                return EXIT_INPUT
            print(f"\nwrote {args.out}")
    return _exit_code(plan)


def _print_ranges(plan: Plan) -> None:
    if plan.lp.is_mip:
        print("\n(no ranges: minimum orders make this a MILP)")
        return
    prices = plan.shadow_price_ranges
    grouped = _grouped_constraints(prices)
    print("\nshadow prices hold while the bound stays within:")
    for _, row in prices.iterrows():
        if row["range_unit"] == "share":
            span = f"{row['valid_from']:.2%} .. {row['valid_to']:.2%}"
        elif row["range_unit"] == "t":
            span = f"{row['valid_from']:,.1f} .. {row['valid_to']:,.1f} t"
        else:
            span = "(not available for a value-basis policy)"
        group = f" [{row['group']}]" if row["constraint"] in grouped else ""
        print(
            f"  {row['constraint']}{group}, {_where(row, prices)}: "
            f"{row['value']:,.0f} {row['unit']}  [{span}]"
        )
    offers = plan.price_ranges
    print("\nthe plan stays optimal while each offer's price stays within (USD/kg):")
    for _, row in offers.iterrows():
        print(
            f"  {row['source']} / {_where(row, offers)}: {row['price_usd_per_kg']:,.4g} "
            f"[{row['price_low_usd_per_kg']:,.4g} .. {row['price_high_usd_per_kg']:,.4g}]"
        )


def _grouped_constraints(prices: pd.DataFrame) -> set[str]:
    """The constraints of a shadow-price table whose rows need their group to tell apart.

    Those are the policies with ``each=`` (one bound per country, kind, ...), and any
    constraint whose rows carry more than one group.
    """
    named = prices[prices["group"] != ""]
    varied = named.groupby("constraint")["group"].nunique()
    grouped = set(varied.index[varied > 1])
    grouped.update(c for c in named["constraint"] if "each=" in c)
    return grouped


def _where(row: pd.Series, table: pd.DataFrame) -> str:
    """A row's product, and its period when the market has periods: ``"Dy oxide 2026"``."""
    period = f" {row['period']}" if "period" in table.columns else ""
    return f"{row['product']}{period}"


def _sweep(args: argparse.Namespace) -> int:
    if not _outputs_ok(_analysis_output_problems(args)):
        return EXIT_INPUT
    scenario = _scenario(args)
    curve = sweep(
        scenario.market,
        china_cap=args.china_cap,
        policies=scenario.policies,
        solver=args.solver,
        options=_options(args),
        progress=False if args.no_progress else None,
        exact=not args.grid_only,
    )
    if not _report(curve, args, "china_cap"):
        return EXIT_INPUT
    return EXIT_OPTIMAL if (curve["status"] == "optimal").any() else EXIT_INFEASIBLE


def _whatif(args: argparse.Namespace) -> int:
    if not _outputs_ok(_analysis_output_problems(args)):
        return EXIT_INPUT
    scenario = _scenario(args)
    china_cap = args.china_cap if args.china_cap is not None else scenario.china_cap
    policies = list(scenario.policies)
    if china_cap is not None:
        policies.append(cap_share(china_cap, country="CN"))
    if args.scale_demand is not None:
        column, value, factors = args.scale_demand
        where = {} if value == "*" else {column or "product": value}
        kwargs = {"scale_demand": where}
    else:
        name = "scale_price" if args.scale_price is not None else "scale_capacity"
        column, value, factors = getattr(args, name)
        kwargs = {name: {column or "country": value}}
    curve = sweep(
        scenario.market,
        factors=factors,
        policies=policies,
        solver=args.solver,
        options=_options(args),
        progress=False if args.no_progress else None,
        **kwargs,  # type: ignore[arg-type]
    )
    if not _report(curve, args, "factor"):
        return EXIT_INPUT
    return EXIT_OPTIMAL if (curve["status"] == "optimal").any() else EXIT_INFEASIBLE


def _report(curve: pd.DataFrame, args: argparse.Namespace, parameter: str) -> bool:
    """Print a sweep's table and the offers entering and leaving, and write --out and --plot.

    Returns
    -------
    bool
        False when a file could not be written (the reason is printed to stderr).
    """
    shown = curve[[parameter, "point", "status", "cost_usd"]].copy()
    china = curve.filter(like="china_share:")
    shown["china_share_max"] = china.max(axis=1)
    if "price_usd_per_pp" in curve.columns:
        shown["price_usd_per_pp"] = curve["price_usd_per_pp"]
    print(
        shown.to_string(
            index=False,
            formatters={
                parameter: "{:.6g}".format,
                "cost_usd": "{:,.0f}".format,
                "china_share_max": "{:.1%}".format,
                "price_usd_per_pp": "{:,.0f}".format,
            },
            na_rep="-",
        )
    )
    changes = curve[(curve["entering"] != "") | (curve["leaving"] != "")]
    if len(changes):
        print("\noffers entering (+) and leaving (-) the plan:")
        for row in changes.itertuples():
            value = getattr(row, parameter)
            for offer in filter(None, row.entering.split("; ")):
                print(f"  {value:.6g}: + {offer}")
            for offer in filter(None, row.leaving.split("; ")):
                print(f"  {value:.6g}: - {offer}")
    ok = True
    if args.out is not None:
        if _write("--out", args.out, lambda path: curve.to_csv(path, index=False)):
            print(f"\nwrote {args.out}")
        else:
            ok = False
    if args.plot is not None:
        if _write("--plot", args.plot, lambda path: _save_plot(curve, path, parameter)):
            print(f"wrote {args.plot}")
        else:
            ok = False
    return ok


def _analysis_output_problems(args: argparse.Namespace) -> list[str]:
    """Problems with the --out and --plot of ``sweep`` and ``whatif``, found before solving."""
    problems = _output_problems("--out", args.out, TABLE_SUFFIXES)
    problems += _output_problems("--plot", args.plot, PLOT_SUFFIXES)
    if args.plot is not None and importlib.util.find_spec("matplotlib") is None:
        problems.append(f'--plot {args.plot}: plotting needs matplotlib: pip install "reopt[plot]"')
    return problems


def _output_problems(flag: str, path: Path | None, suffixes: Sequence[str]) -> list[str]:
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
        Messages such as ``"--out out/x.csv: folder out does not exist"``; empty when the
        file can be written as far as can be told without writing it.
    """
    if path is None:
        return []
    problems = []
    use = f"(use {_either(suffixes)})"
    if not path.suffix:
        problems.append(f"{flag} {path}: no suffix {use}")
    elif path.suffix.lower() not in suffixes:
        problems.append(f"{flag} {path}: unsupported suffix {path.suffix} {use}")
    folder = path.parent
    if path.is_dir():
        problems.append(f"{flag} {path}: is a folder")
    elif not folder.exists():
        problems.append(f"{flag} {path}: folder {folder} does not exist")
    elif not folder.is_dir():
        problems.append(f"{flag} {path}: {folder} is not a folder")
    return problems


def _either(suffixes: Sequence[str]) -> str:
    """``".csv"``, ``".csv or .xlsx"``, ``".png, .svg or .pdf"``."""
    if len(suffixes) == 1:
        return suffixes[0]
    return f"{', '.join(suffixes[:-1])} or {suffixes[-1]}"


def _outputs_ok(problems: Sequence[str]) -> bool:
    """Print each problem to stderr as ``reopt: ...``; True when there are none."""
    for problem in problems:
        print(f"reopt: {problem}", file=sys.stderr)
    return not problems


def _write(flag: str, path: Path, write: Callable[[Path], object]) -> bool:
    """Call ``write(path)``; on an OS error print one line to stderr and return False.

    Parameters
    ----------
    flag : str
        The option that named the file, for the message.
    path : Path
        The file to write.
    write : callable
        Writes the file at the path it is given.

    Returns
    -------
    bool
        True when the file was written.
    """
    try:
        write(path)
    except OSError as err:
        reason = err.strerror or str(err) or type(err).__name__
        print(f"reopt: {flag} {path}: could not write it ({reason})", file=sys.stderr)
        return False
    return True


def _save_plot(curve: pd.DataFrame, path: Path, parameter: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from reopt import plot

    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(9, 8), sharex=True, layout="constrained", height_ratios=[3, 2]
    )
    try:
        plot.frontier(curve, ax=top)
        plot.sweep_shares(curve, ax=bottom)
        top.set_xlabel("")
        top.set_title(
            "cost of the cheapest plan" + (" by China cap" if parameter == "china_cap" else "")
        )
        fig.savefig(path, dpi=120)
    finally:
        plt.close(fig)


def _export(args: argparse.Namespace) -> int:
    fmt = args.format
    if args.out is not None and fmt is not None and args.out.suffix.lower() != f".{fmt}":
        print(f"reopt: --out {args.out} does not end in .{fmt}", file=sys.stderr)
        return EXIT_INPUT
    if fmt is None:
        fmt = args.out.suffix.lower().lstrip(".") if args.out is not None else "mps"
    out = args.out if args.out is not None else Path(f"model.{fmt}")
    scenario = read_scenario(args.path)
    china_cap = args.china_cap if args.china_cap is not None else scenario.china_cap
    written = write_model(scenario.market, out, china_cap=china_cap, policies=scenario.policies)
    print(f"wrote {written} and {written}.names.csv")
    return EXIT_OPTIMAL


def _validate(args: argparse.Namespace) -> int:
    scenario = read_scenario(args.path)
    market = scenario.market
    print(f"{args.path}: valid. {market}")
    policies = list(scenario.policies)
    if scenario.china_cap is not None:
        print(f"china_cap: {scenario.china_cap:g}")
    for policy in policies:
        policy.matches(market)
        print(f"policy: {policy.name}")
    return EXIT_OPTIMAL


def _datasets(args: argparse.Namespace) -> int:
    if args.export:
        name, folder = args.export
        out = datasets.export(name, folder)
        print(f"exported {name} to {out}: " + ", ".join(sorted(p.name for p in out.iterdir())))
        print(f"edit the CSVs, then: reopt solve {out} --china-cap 0.6")
        return EXIT_OPTIMAL
    table = datasets.available()
    for row in table.itertuples():
        print(f"{row.name:<12} {row.offers:>3} offers, {row.products} products  {row.description}")
    return EXIT_OPTIMAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
