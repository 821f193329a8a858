"""``reopt montecarlo``: many plans under random prices, capacities or demand, summarised.

Each ``--draw`` is one random factor, written ``SCALE,FILTER=VALUE...,DIST,PARAM=VALUE...``:

    --draw price,country=CN,lognormal,sigma=0.3
    --draw capacity,source=lynas_malaysia,outage,p=0.05,factor=0
    --draw demand,product=Dy oxide,uniform,low=0.9,high=1.2

(`reopt.Draw`: SCALE is price, capacity or demand; filters as in policies; DIST is lognormal,
uniform, triangular or outage with its parameters). ``-n`` samples are solved, in this
process, in ``--workers`` local processes or on a ``--dask`` cluster, with the same numbers in
every case for one ``--seed``. Printed: the summary (mean, standard deviation, quantiles,
probability of no plan); ``--out`` writes every sample (.csv, or .parquet with pyarrow),
``--plot`` the cost distribution.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from reopt.analysis.draws import DISTRIBUTIONS, Draw
from reopt.analysis.montecarlo import monte_carlo
from reopt.cli.common import (
    EXIT_INPUT,
    EXIT_OPTIMAL,
    Subparsers,
    china_cap_argument,
    chosen_scenario,
    market_arguments,
    output_problems,
    outputs_ok,
    solver_arguments,
    solver_options,
    write_output,
)
from reopt.cli.workers import executor_for, worker_arguments
from reopt.data.filters import FILTER_COLUMNS
from reopt.errors import InputError

__all__ = ["add_parser", "parse_draw", "run"]


def add_parser(subparsers: Subparsers) -> None:
    """Add the ``montecarlo`` subcommand to the subparsers of the ``reopt`` parser."""
    parser = subparsers.add_parser(
        "montecarlo",
        help="many plans under random prices, capacities or demand, summarised",
        description="Solve a market for many random samples of its prices, capacities or "
        "demand and summarise the costs and China's shares. PATH is a market (folder, "
        ".xlsx, .toml) or, with --dataset, omitted.",
    )
    market_arguments(parser)
    parser.add_argument("-n", type=_count, default=1000, help="samples (default 1000)")
    parser.add_argument(
        "--draw",
        type=parse_draw,
        action="append",
        required=True,
        metavar="SPEC",
        help="a random factor, e.g. price,country=CN,lognormal,sigma=0.3 (repeat for more)",
    )
    parser.add_argument(
        "--seed", dest="sample_seed", type=_count0, default=0, help="root seed (default 0)"
    )
    china_cap_argument(parser, "cap China's share of each product (0.6 or 60%%)")
    parser.add_argument(
        "--out", type=Path, default=None, metavar="FILE", help="every sample: .csv or .parquet"
    )
    parser.add_argument(
        "--plot", type=Path, default=None, metavar="FILE", help="the cost distribution (.png)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    worker_arguments(parser)
    solver_arguments(parser, seed_flag="--solver-seed")  # --seed is the samples' root seed
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check the outputs, run the samples, print the summary, write --out and --plot."""
    problems = output_problems("--out", args.out, (".csv", ".parquet"))
    problems += output_problems("--plot", args.plot, (".png", ".svg", ".pdf"))
    if not outputs_ok(problems):
        return EXIT_INPUT
    scenario = chosen_scenario(args)
    china_cap = args.china_cap if args.china_cap is not None else scenario.china_cap
    with executor_for(args) as executor:
        table = monte_carlo(
            scenario.market,
            n=args.n,
            draws=args.draw,
            china_cap=china_cap,
            policies=scenario.policies,
            seed=args.sample_seed,
            executor=executor,
            progress=False if args.no_progress else None,
            solver=args.solver,
            options=solver_options(args),
        )
    print(f"{args.n} samples, seed {args.sample_seed}:")
    print(table.summary().to_string(float_format=lambda v: f"{v:,.4g}"))
    if args.out is not None:
        parquet = args.out.suffix.lower() == ".parquet"

        def write_table(path: Path) -> None:
            plain = table.copy()
            plain.attrs = {}
            if parquet:
                plain.to_parquet(path, index=False)
            else:
                plain.to_csv(path, index=False)

        if not write_output("--out", args.out, write_table):
            return EXIT_INPUT
    if args.plot is not None:
        if not write_output("--plot", args.plot, lambda path: _save_plot(table, path)):
            return EXIT_INPUT
    return EXIT_OPTIMAL


def parse_draw(text: str) -> Draw:
    """``SCALE,FILTER=VALUE...,DIST,PARAM=VALUE...`` as a `reopt.Draw` (argparse type)."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise argparse.ArgumentTypeError("empty --draw")
    scale, where, dist, parameters = parts[0], {}, None, {}
    for part in parts[1:]:
        key, equals, value = (s.strip() for s in part.partition("="))
        if not equals:
            if part not in DISTRIBUTIONS:
                raise argparse.ArgumentTypeError(
                    f"{part!r} in --draw {text!r}: not a distribution ({', '.join(DISTRIBUTIONS)})"
                )
            dist = part
        elif key in FILTER_COLUMNS:
            where[key] = value
        else:
            try:
                parameters[key] = float(value)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"{part!r} in --draw {text!r}: {key} must be a number"
                ) from None
    try:
        return Draw(scale, where=where or None, dist=dist or "lognormal", **parameters)
    except InputError as err:
        raise argparse.ArgumentTypeError(f"--draw {text!r}: {err}") from None


def _save_plot(table: object, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from reopt.plot_montecarlo import cost_distribution

    ax = cost_distribution(table)  # type: ignore[arg-type]
    try:
        ax.figure.savefig(path, dpi=120)
    finally:
        plt.close(ax.figure)


def _count(text: str) -> int:
    value = _count0(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return value


def _count0(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0")
    return value
