"""The benchmark suite's runner: generated markets, every contender, a fresh process per run.

It runs every contender (`reopt.bench.contenders`) on every instance of the suite
(`reopt.bench.instances`), each run in a fresh process, the contenders alternating within a
round and rounds repeated; a contender that hits the time limit, fails, or takes more than
`SLOW_S` seconds is not repeated.
Then it checks that every optimal objective agrees with reopt's default (rtol 1e-6) and that
reopt's default found every instance feasible (`problems`); either failure makes the run fail
(exit 1) after the results are written. ``reopt bench`` (`reopt.bench.cli`) writes the
results to ``results.json`` in ``--out`` and the report (`reopt.bench.report`) to
`default_report` unless ``--report`` says otherwise.
"""

from __future__ import annotations

import json
import math
import os
import platform
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

__all__ = ["DEFAULT_OUT", "SLOW_S", "SUITES", "default_report", "problems", "run_suite"]

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
    # the structure-exploiting default against general LP solvers: single- and multi-period,
    # with a refining cap nested around the China cap, and the CRMA rules with a recycled
    # floor (a general LP, which "auto" hands to HiGHS)
    "structure": {
        "sizes": ["s", "l", "xl", "xxl"],
        "variants": {
            "s": ["cap", "periods", "refining", "policies"],
            "l": ["cap", "periods", "refining", "policies"],
            "xl": ["cap", "periods", "refining"],
            "xxl": ["cap"],
        },
        "repeat": 3,
        "limit_s": 300.0,
    },
}


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
