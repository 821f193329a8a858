"""The benchmark runner: ``python -m benchmarks`` or ``reopt bench``.

It runs every contender (`reopt.bench.contenders`) on every instance of the suite
(`reopt.bench.instances`), each run in a fresh process, the contenders alternating within a
round and rounds repeated; a contender that hits the time limit, fails, or takes more than
`SLOW_S` seconds is not repeated.
Then it checks that every optimal objective agrees with reopt's default (rtol 1e-6) and that
reopt's default found every instance feasible; either failure makes the run fail (exit 1)
after the results are written. Results go to ``results.json`` in ``--out``, the plots to
``plots/`` there and the report (`reopt.bench.report`) to `default_report` unless
``--report`` says otherwise. ``--from-results FILE`` rewrites the report and plots from an
earlier ``results.json`` without running, to the same places, with ``--out`` taken as
FILE's folder: ``--from-results benchmarks/results/results.json`` rewrites
``benchmarks/RESULTS.md`` and ``benchmarks/results/plots/``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from reopt.bench.contenders import CONTENDERS, Contender
from reopt.bench.instances import SIZES, Instance, instance
from reopt.progress import Progress

__all__ = ["DEFAULT_OUT", "SUITES", "default_report", "main", "run_suite"]

AGREEMENT_RTOL = 1e-6
#: The default ``--out``: the results kept in the repository.
DEFAULT_OUT = Path("benchmarks/results")
#: A run slower than this (end to end, seconds) is not repeated: its one time is reported.
SLOW_S = 30.0

#: Suites: sizes, the variants at each size, repeats and the per-run solver time limit.
SUITES: dict[str, dict[str, Any]] = {
    "quick": {
        "sizes": ["xs"],
        "variants": {"xs": ["cap", "policies", "milp"]},
        "repeat": 1,
        "limit_s": 60.0,
    },
    "full": {
        "sizes": ["xs", "s", "m", "l", "xl"],
        "variants": {
            "xs": ["cap", "policies", "milp"],
            "s": ["cap", "policies", "milp"],
            "m": ["cap", "periods", "policies"],
            "l": ["cap", "periods", "policies"],
            "xl": ["cap", "periods"],
        },
        "repeat": 3,
        "limit_s": 120.0,
    },
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="reopt bench",
        description="Benchmark reopt's back ends and HiGHS settings against the raw numpy "
        "build and idiomatic PuLP, on generated procurement markets.",
    )
    parser.add_argument("--suite", choices=list(SUITES), default="quick")
    parser.add_argument("--sizes", default=None, help=f"comma-separated sizes ({', '.join(SIZES)})")
    parser.add_argument(
        "--solvers",
        default=None,
        help="comma-separated contenders (default: all); e.g. 'reopt default,raw highspy'",
    )
    parser.add_argument("--repeat", type=int, default=None, help="rounds (default: the suite's)")
    parser.add_argument("--limit", type=float, default=None, help="solver time limit per run, s")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="folder for results.json and the plots"
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        help=f"the Markdown report (default: benchmarks/RESULTS.md with the default --out "
        f"({DEFAULT_OUT}), else OUT/RESULTS.md)",
    )
    parser.add_argument(
        "--from-results",
        type=Path,
        default=None,
        metavar="FILE",
        help="do not run: rewrite the report and plots from an earlier results.json, where a "
        "run with --out set to FILE's folder writes them",
    )
    args = parser.parse_args(argv)
    if args.from_results is not None:
        from reopt.bench.report import write_report

        results = json.loads(args.from_results.read_text())
        out = args.from_results.parent
        report = args.report or default_report(out)
        write_report(results, report, out / "plots")
        print(f"wrote {report}")
        return 1 if results["problems"] else 0
    suite = dict(SUITES[args.suite])
    if args.sizes:
        sizes = [s.strip() for s in args.sizes.split(",")]
        unknown = [s for s in sizes if s not in SIZES]
        if unknown:
            parser.error(f"unknown sizes {unknown}; known: {', '.join(SIZES)}")
        suite["sizes"] = sizes
    names = list(CONTENDERS)
    if args.solvers:
        names = [s.strip() for s in args.solvers.split(",")]
        unknown = [s for s in names if s not in CONTENDERS]
        if unknown:
            parser.error(f"unknown contenders {unknown}; known: {', '.join(CONTENDERS)}")
    if args.repeat is not None:
        suite["repeat"] = args.repeat
    if args.limit is not None:
        suite["limit_s"] = args.limit
    report = args.report or default_report(args.out)
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = shlex.join(["python", "-m", "benchmarks", *arguments])
    results = run_suite(suite, names, command=command)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    from reopt.bench.report import write_report

    write_report(results, report, args.out / "plots")
    print(f"wrote {args.out / 'results.json'} and {report}")
    for problem in results["problems"]:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if results["problems"] else 0


def default_report(out: Path) -> Path:
    """Where the report goes when ``--report`` is not given, for results in ``out``.

    Parameters
    ----------
    out
        The folder of ``results.json``: ``--out``, or the folder of ``--from-results``.

    Returns
    -------
    Path
        ``benchmarks/RESULTS.md`` when ``out`` is `DEFAULT_OUT` (relative to the working
        folder, however spelled), else ``out / "RESULTS.md"``.

    Examples
    --------
    >>> default_report(Path("benchmarks/results")).as_posix()
    'benchmarks/RESULTS.md'
    >>> default_report(Path("/tmp/bench")).as_posix()
    '/tmp/bench/RESULTS.md'
    """
    if out.resolve() == DEFAULT_OUT.resolve():
        return DEFAULT_OUT.parent / "RESULTS.md"
    return out / "RESULTS.md"


def run_suite(suite: dict[str, Any], names: Sequence[str], *, command: str) -> dict[str, Any]:
    """Run the suite; the results as plain data (see the module docstring)."""
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    instances = []
    for size in suite["sizes"]:
        for variant in suite["variants"].get(size, ["cap"]):
            instances.append(instance(size, variant))
    plan = [
        (inst, [CONTENDERS[n] for n in names if _runs_on(CONTENDERS[n], inst)])
        for inst in instances
    ]
    total = sum(len(cs) for _, cs in plan) * suite["repeat"]
    runs: list[dict[str, Any]] = []
    with Progress(total, label="bench") as bar:
        for inst, contenders in plan:
            stopped: set[str] = set()
            for round_ in range(suite["repeat"]):
                order = contenders if round_ % 2 == 0 else contenders[::-1]
                for contender in order:
                    if contender.name in stopped:
                        bar.update()
                        continue
                    result = _run_isolated(contender, inst, suite["limit_s"])
                    runs.append(
                        {"instance": inst.name, "contender": contender.name, "round": round_}
                        | result
                    )
                    slow = result.get("end_to_end", 0.0) > SLOW_S
                    if result["status"] != "optimal" or slow:
                        stopped.add(contender.name)
                    bar.update()
    results = {
        "command": command,
        "started": started,
        "machine": machine(),
        "versions": versions(),
        "suite": {k: v for k, v in suite.items()},
        "instances": [_describe(inst, runs) for inst in instances],
        "contenders": {n: {"group": CONTENDERS[n].group} for n in names},
        "runs": runs,
    }
    results["problems"] = problems(results)
    return results


def _runs_on(contender: Contender, inst: Instance) -> bool:
    order = list(SIZES)
    return inst.variant in contender.variants and order.index(inst.size) <= order.index(
        contender.largest
    )


def _run_isolated(contender: Contender, inst: Instance, limit_s: float) -> dict[str, Any]:
    spec = {"contender": contender.name, "instance": inst.to_dict(), "limit_s": limit_s}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "reopt.bench.worker", json.dumps(spec)],
            capture_output=True,
            text=True,
            timeout=3 * limit_s + 600,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"status": "killed", "error": f"no result within {3 * limit_s + 600:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"status": "error", "error": (done.stderr or "no output").strip()[-500:]}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _describe(inst: Instance, runs: list[dict[str, Any]]) -> dict[str, Any]:
    mine = [r for r in runs if r["instance"] == inst.name and r.get("n_vars")]
    sizes = {k: mine[0][k] for k in ("n_vars", "n_rows", "nonzeros")} if mine else {}
    return {
        "name": inst.name,
        "offers": inst.offers,
        "periods": inst.periods,
        "policies": [p.name for p in inst.policies()],
        **sizes,
    }


def problems(results: dict[str, Any]) -> list[str]:
    """Disagreements and instances reopt's default did not solve: each fails the run."""
    found = []
    for inst in results["instances"]:
        runs = [r for r in results["runs"] if r["instance"] == inst["name"]]
        default = [r["objective"] for r in runs if r["contender"] == "reopt default"]
        reference = [
            r["objective"]
            for r in runs
            if r["contender"] == "reopt default" and r["status"] == "optimal"
        ]
        if default and not reference:
            found.append(f"{inst['name']}: reopt's default did not solve it to optimality")
            continue
        if not reference:
            reference = [r["objective"] for r in runs if r["status"] == "optimal"]
        if not reference:
            continue
        target = statistics.median(reference)
        for r in runs:
            if r["status"] == "optimal" and not math.isclose(
                r["objective"], target, rel_tol=AGREEMENT_RTOL
            ):
                found.append(
                    f"{inst['name']}: {r['contender']} reached {r['objective']:.10g}, "
                    f"not {target:.10g} (rtol {AGREEMENT_RTOL:g})"
                )
    return found


def machine() -> dict[str, Any]:
    memory_gib = math.nan
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            memory_gib = int(f.readline().split()[1]) / 1024**2
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "memory_gib": round(memory_gib, 1),
    }


def versions() -> dict[str, str]:
    out = {}
    for package in ("reopt", "highspy", "pulp", "numpy", "pandas", "linopy"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    try:
        glpsol = subprocess.run(
            ["glpsol", "--version"], capture_output=True, text=True, check=False
        )
        out["glpk"] = glpsol.stdout.splitlines()[0] if glpsol.stdout else "not found"
    except OSError:
        out["glpk"] = "not installed"
    return out


if __name__ == "__main__":
    sys.exit(main())
