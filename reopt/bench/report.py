"""``RESULTS.md`` from a results file: tables, targets, recommendations and plots.

Times are medians over the rounds of a contender's optimal runs. Ratios compare contenders
measured in the same run on the same machine.
"""

from __future__ import annotations

import math
import os
import statistics
from pathlib import Path
from typing import Any

import pandas as pd

from reopt.bench.contenders import HIGHS_SETTINGS
from reopt.bench.instances import SIZES
from reopt.bench.runner import SLOW_S

__all__ = ["summary", "targets", "write_report"]

STAGES = ["validate", "build", "handoff", "solver", "extract", "end_to_end", "peak_mb"]


def summary(results: dict[str, Any]) -> pd.DataFrame:
    """One row per (instance, contender): status, objective and median stage times."""
    runs = pd.DataFrame(results["runs"])
    rows = []
    for (name, contender), group in runs.groupby(["instance", "contender"], sort=False):
        ok = group[group["status"] == "optimal"]
        row: dict[str, Any] = {
            "instance": name,
            "contender": contender,
            "group": results["contenders"][contender]["group"],
            "status": "optimal" if len(ok) else str(group["status"].iloc[0]),
            "runs": len(ok),
            "error": "" if len(ok) else str(group.get("error", pd.Series([""])).iloc[0] or ""),
        }
        use = ok if len(ok) else group
        for stage in ["objective", *STAGES]:
            values = [v for v in use.get(stage, pd.Series(dtype=float)) if _finite(v)]
            row[stage] = statistics.median(values) if values else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _get(table: pd.DataFrame, instance: str, contender: str, column: str) -> float:
    hit = table[(table["instance"] == instance) & (table["contender"] == contender)]
    if hit.empty or hit["status"].iloc[0] != "optimal":
        return math.nan
    return float(hit[column].iloc[0])


def targets(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The targets of the benchmark issue, measured on the ``cap`` instances."""
    out = []

    def add(name: str, size: str, value: float, limit: float, better: str, unit: str) -> None:
        if math.isnan(value):
            verdict = "not measured"
        else:
            met = value <= limit if better == "lower" else value >= limit
            verdict = "met" if met else "missed"
        out.append(
            {
                "target": name,
                "size": size,
                "measured": value,
                "limit": limit,
                "unit": unit,
                "better": better,
                "verdict": verdict,
            }
        )

    for size in ("l", "xl"):
        inst = f"{size}-cap"
        ours = _get(table, inst, "reopt default", "build") + _get(
            table, inst, "reopt default", "handoff"
        )
        raw = _get(table, inst, "raw highspy", "build") + _get(
            table, inst, "raw highspy", "handoff"
        )
        add("compile + hand-off vs raw build + hand-off", size, ours / raw, 1.5, "lower", "x")
    for size in ("m", "l", "xl"):
        inst = f"{size}-cap"
        e2e = _get(table, inst, "reopt default", "end_to_end")
        solver = _get(table, inst, "reopt default", "solver")
        add(
            "end to end minus HiGHS's solve, share of HiGHS's solve",
            size,
            (e2e - solver) / solver,
            0.25,
            "lower",
            "",
        )
    pulp = _get(table, "l-cap", "pulp idiomatic + highs", "end_to_end")
    ours = _get(table, "l-cap", "reopt default", "end_to_end")
    add("idiomatic PuLP + HiGHS end to end / reopt's", "l", pulp / ours, 5.0, "higher", "x")
    ours = _get(table, "xs-cap", "reopt default", "end_to_end")
    raw = _get(table, "xs-cap", "raw highspy", "end_to_end")
    add("end to end, reopt minus raw highspy", "xs", 1000 * (ours - raw), 2.0, "lower", "ms")
    ours = _get(table, "xl-cap", "reopt default", "peak_mb")
    raw = _get(table, "xl-cap", "raw highspy", "peak_mb")
    add("peak memory vs raw highspy", "xl", ours / raw, 1.5, "lower", "x")
    # the structure-exploiting default, "auto", where the suite ran it
    auto = _get(table, "xl-cap", "reopt auto", "peak_mb")
    add("reopt auto peak memory vs raw highspy", "xl", auto / raw, 1.1, "lower", "x")
    for size, limit in (("l", 0.15), ("xl", 0.8)):
        auto = _get(table, f"{size}-cap", "reopt auto", "end_to_end")
        add("reopt auto end to end (s)", size, auto, limit, "lower", "s")
    auto = _get(table, "l-cap", "reopt auto", "end_to_end")
    best = min(
        (_get(table, "l-cap", name, "end_to_end") for name in HIGHS_SETTINGS),
        key=lambda v: math.inf if math.isnan(v) else v,
    )
    add("best HiGHS setting end to end / reopt auto's", "l", best / auto, 20.0, "higher", "x")
    return out


def write_report(results: dict[str, Any], path: Path, plots: Path) -> None:
    """Write the Markdown report to ``path`` and its plots into ``plots``."""
    table = summary(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    pictures = _plots(table, results, plots)
    rel = {k: os.path.relpath(v, path.parent) for k, v in pictures.items()}
    lines = [
        "# Benchmark results",
        "",
        "Generated by `reopt.bench` (do not edit by hand); rerun with:",
        "",
        f"    {results['command']}",
        "",
        f"Started {results['started']} on {_machine(results)}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in results["versions"].items()) + ".",
        "",
        f"Each run is a fresh process; rounds: {results['suite']['repeat']}, contenders "
        "alternating; times are medians of the optimal runs, in seconds; solver time limit "
        f"{results['suite']['limit_s']:g} s per run. A contender that stops on a limit, fails, "
        f"or takes more than {SLOW_S:g} s is not repeated (its one time is reported).",
        "",
    ]
    lines += _problems(results)
    lines += [
        "How to read the comparisons:",
        "",
        "- reopt's *build* starts from a validated `Market` (labels already encoded as "
        "integers; *validate* is its own column, paid once per market); the raw build starts "
        "from the tables and encodes the products itself. *End to end* is likewise from a "
        "validated market to a checked `Plan` for reopt, from the tables to the solution for "
        "the baselines.",
        "- The raw build solves with reopt's default settings, so that only the build "
        "differs. Idiomatic PuLP solves with each solver's own defaults, as its users do "
        "(with the time limit every contender has): for HiGHS that means presolve on, which "
        "is most of its time on the larger instances (see its *solver* column); its *build* "
        "column is PuLP's model building alone.",
        "",
    ]
    lines += _instances(results)
    lines += _targets(table)
    lines += _settings(table)
    lines += _per_instance(table)
    if rel:
        lines += ["## Plots", ""]
        lines += [f"![{k}]({v})" for k, v in rel.items()]
        lines.append("")
    path.write_text("\n".join(lines))


def _machine(results: dict[str, Any]) -> str:
    m = results["machine"]
    return f"{m['platform']}, Python {m['python']}, {m['cores']} cores, {m['memory_gib']} GiB"


def _problems(results: dict[str, Any]) -> list[str]:
    if not results["problems"]:
        return ["Every optimal objective agreed with reopt's default (rtol 1e-6).", ""]
    return ["## FAILED", "", *[f"- {p}" for p in results["problems"]], ""]


def _instances(results: dict[str, Any]) -> list[str]:
    lines = [
        "## Instances",
        "",
        "| instance | offers | periods | variables | rows | nonzeros | policies |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for inst in results["instances"]:
        lines.append(
            f"| {inst['name']} | {inst['offers']:,} | {inst['periods']} | "
            f"{inst.get('n_vars', 0):,} | {inst.get('n_rows', 0):,} | "
            f"{inst.get('nonzeros', 0):,} | {'; '.join(inst['policies'])} |"
        )
    return [*lines, ""]


def _targets(table: pd.DataFrame) -> list[str]:
    lines = [
        "## Targets",
        "",
        "| target | size | measured | limit | verdict |",
        "|---|---|---:|---:|---|",
    ]
    for t in targets(table):
        shown = "-" if math.isnan(t["measured"]) else f"{t['measured']:.3g}{t['unit']}"
        sign = "<=" if t["better"] == "lower" else ">="
        lines.append(
            f"| {t['target']} | {t['size']} | {shown} | {sign} {t['limit']:g}{t['unit']} | "
            f"{t['verdict']} |"
        )
    return [*lines, ""]


def _settings(table: pd.DataFrame) -> list[str]:
    lines = [
        "## HiGHS settings: best, worst, and reopt's default",
        "",
        "By HiGHS's own solve time on each instance. A setting that stopped on the time limit "
        "or failed (e.g. an answer that failed reopt's check) is the worst, shown with its "
        "status.",
        "",
        "| instance | best | worst | worst / best | reopt default / best |",
        "|---|---|---|---:|---:|",
    ]
    recommended: dict[str, list[str]] = {}
    for name, group in table[table["group"] == "settings"].groupby("instance", sort=False):
        ok = group[group["status"] == "optimal"]
        if ok.empty:
            continue
        best = ok.loc[ok["solver"].idxmin()]
        limited = group[group["status"] != "optimal"]
        worst = ok.loc[ok["solver"].idxmax()]
        worst_name, worst_time = worst["contender"], float(worst["solver"])
        if not limited.empty:
            worst_name = ", ".join(f"{r.contender} ({r.status})" for r in limited.itertuples())
            worst_time = math.inf
        default = _get(table, name, "reopt default", "solver")
        ratio = "-" if math.isinf(worst_time) else f"{worst_time / best['solver']:.1f}x"
        lines.append(
            f"| {name} | {best['contender']} ({best['solver']:.3g} s) | {worst_name} | "
            f"{ratio} | {default / best['solver']:.2f}x |"
        )
        recommended.setdefault(name.split("-")[0], []).append(f"{name}: {best['contender']}")
    lines += ["", "Recommended settings (fastest measured) per size:", ""]
    for size in SIZES:
        if size in recommended:
            lines.append(f"- {size}: " + "; ".join(recommended[size]))
    return [*lines, ""]


def _per_instance(table: pd.DataFrame) -> list[str]:
    lines = ["## Every contender", ""]
    for name, group in table.groupby("instance", sort=False):
        raw = _get(table, name, "raw highspy", "end_to_end")
        pulp = _get(table, name, "pulp idiomatic + highs", "end_to_end")
        lines += [
            f"### {name}",
            "",
            "| contender | status | end to end | build | hand-off | solver | extract | validate "
            "| peak MB | vs raw | PuLP+HiGHS / it |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in group.itertuples():
            status = row.status if not row.error else f"{row.status}: {row.error[:60]}"
            lines.append(
                f"| {row.contender} | {status} | {_s(row.end_to_end)} | {_s(row.build)} | "
                f"{_s(row.handoff)} | {_s(row.solver)} | {_s(row.extract)} | {_s(row.validate)} | "
                f"{_mb(row.peak_mb)} | {_x(row.end_to_end / raw)} | {_x(pulp / row.end_to_end)} |"
            )
        lines.append("")
    return lines


def _s(value: float) -> str:
    return "-" if not _finite(value) else f"{value:.4f}" if value < 1 else f"{value:.2f}"


def _mb(value: float) -> str:
    return "-" if not _finite(value) else f"{value:,.0f}"


def _x(value: float) -> str:
    return "-" if not _finite(value) else f"{value:.2f}x"


def _plots(table: pd.DataFrame, results: dict[str, Any], folder: Path) -> dict[str, Path]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return {}
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    sizes = [s for s in SIZES if f"{s}-cap" in set(table["instance"])]
    offers = [SIZES[s] for s in sizes]

    def series(contender: str, column: str) -> list[float]:
        return [_get(table, f"{s}-cap", contender, column) for s in sizes]

    if len(sizes) >= 2:
        fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
        stages = ("validate", "build", "handoff", "solver", "extract", "end_to_end")
        for i, stage in enumerate(stages):
            # hollow markers, smaller the later drawn: lines lying on each other stay visible
            (line,) = ax.plot(offers, series("reopt default", stage), "osD^vP"[i] + "-")
            line.set(mfc="none", ms=11 - 1.3 * i, label=stage.replace("_", " "))
        ax.plot(offers, series("raw highspy", "end_to_end"), "k--", label="raw highspy, end to end")
        ax.plot(
            offers,
            series("pulp idiomatic + highs", "end_to_end"),
            "r:",
            label="idiomatic PuLP + HiGHS",
        )
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="offers in the market (log scale)",
            ylabel="median time (s, log scale)",
        )
        ax.set_title("reopt's stages by size (China-cap instances)")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
        out["time by size"] = folder / "time_by_size.png"
        fig.savefig(out["time by size"], dpi=110)
        plt.close(fig)

        fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
        for contender in ("reopt default", "raw highspy", "pulp idiomatic + highs"):
            ax.plot(offers, series(contender, "peak_mb"), "o-", label=contender)
        ax.set(xscale="log", xlabel="offers in the market (log scale)")
        ax.set(ylabel="peak memory of the process (MB)", ylim=(0, None))
        ax.set_title("peak memory by size (China-cap instances)")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
        out["memory"] = folder / "memory_by_size.png"
        fig.savefig(out["memory"], dpi=110)
        plt.close(fig)

    settings = table[(table["group"] == "settings") & table["instance"].str.endswith("-cap")]
    if not settings.empty:
        names = list(dict.fromkeys(settings["contender"]))
        limit = results["suite"]["limit_s"]
        fig, ax = plt.subplots(figsize=(9, 4.8), layout="constrained")
        # dots, not bars: a bar on a log axis has no honest base
        markers = "osD^vP<X>*"
        step = 0.8 / max(len(names), 1)
        for i, contender in enumerate(names):
            values = [_get(table, f"{s}-cap", contender, "solver") for s in sizes]
            at = [k - 0.4 + step * (i + 0.5) for k in range(len(sizes))]
            (dots,) = ax.plot(at, values, markers[i % len(markers)], ls="", label=contender)
            stopped = [a for a, v in zip(at, values, strict=True) if math.isnan(v)]
            if stopped:  # no solve time: stopped on the limit or failed, drawn hollow on it
                shape, color = markers[i % len(markers)], dots.get_color()
                (hollow,) = ax.plot(stopped, [limit] * len(stopped), shape, color=color)
                hollow.set(mfc="none")
        ax.axhline(limit, color="k", ls=":", lw=1, label=f"time limit ({limit:g} s)")
        ax.set_xticks(range(len(sizes)), [f"{s} ({SIZES[s]:,})" for s in sizes])
        ax.set(yscale="log", xlabel="instance size (offers)")
        ax.set_ylabel("HiGHS solve time (s, log scale; hollow: stopped or failed)")
        ax.grid(True, axis="y", alpha=0.3)
        ax.set_title("HiGHS settings by size (China-cap instances)")
        ax.legend(fontsize="x-small", ncols=2)
        out["settings"] = folder / "settings_by_size.png"
        fig.savefig(out["settings"], dpi=110)
        plt.close(fig)
    return out
