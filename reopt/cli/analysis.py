"""What ``reopt sweep`` and ``reopt whatif`` share: their output options and their report.

Both solve a market at a series of points and get a curve (`reopt.analysis.sweeps.sweep`);
this module adds ``--out``, ``--plot`` and ``--no-progress``, checks the output paths before
anything is solved, prints the curve and the offers entering and leaving the plan, and writes
the table and the plot.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from reopt.cli.common import (
    PLOT_SUFFIXES,
    TABLE_SUFFIXES,
    output_problems,
    write_output,
)
from reopt.data.writing import write_csv

__all__ = ["output_arguments", "output_problems_of", "report"]


def output_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--out FILE`` (.csv), ``--plot FILE`` (.png, .svg, .pdf) and ``--no-progress``."""
    parser.add_argument(
        "--out", type=Path, default=None, metavar="FILE", help="write the table as .csv"
    )
    parser.add_argument(
        "--plot", type=Path, default=None, metavar="FILE", help="save a plot (.png, .svg, .pdf)"
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress bar, even in a terminal"
    )


def output_problems_of(args: argparse.Namespace) -> list[str]:
    """Problems with the ``--out`` and ``--plot`` of ``args``, found before solving.

    `reopt.cli.common.output_problems` also says when matplotlib, which ``--plot`` needs, is
    not installed.
    """
    problems = output_problems("--out", args.out, TABLE_SUFFIXES)
    problems += output_problems("--plot", args.plot, PLOT_SUFFIXES)
    return problems


def report(curve: pd.DataFrame, args: argparse.Namespace, parameter: str) -> bool:
    """Print a sweep's table and the offers entering and leaving, and write --out and --plot.

    Parameters
    ----------
    curve : DataFrame
        The table `reopt.analysis.sweeps.sweep` returned.
    args : Namespace
        The parsed arguments, with ``out`` and ``plot``.
    parameter : str
        The column that varies along the curve: ``"china_cap"`` or ``"factor"``.

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
        if write_output("--out", args.out, lambda path: write_csv(curve, path)):
            print(f"\nwrote {args.out}")
        else:
            ok = False
    if args.plot is not None:
        if write_output("--plot", args.plot, lambda path: _save_plot(curve, path, parameter)):
            print(f"wrote {args.plot}")
        else:
            ok = False
    return ok


def _save_plot(curve: pd.DataFrame, path: Path, parameter: str) -> None:
    """Save the cost curve above China's shares along it, as one figure at ``path``."""
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
        fig.savefig(path, dpi=120)
    finally:
        plt.close(fig)
