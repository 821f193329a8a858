"""Exit codes, hints and files of the ``reopt`` command: a closed pipe, a solver that is not
installed, hints in the reader's own terms, ``export`` that never overwrites unasked and
writes readable names, outputs whose writer's package is missing, and ``reopt bench`` run
like every other subcommand."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import highspy
import pandas as pd
import pytest
from conftest import demand_table, offers_table

import reopt
from reopt.backends import get_backend
from reopt.bench.cli import main as bench_main
from reopt.cli import main
from reopt.cli.common import PLOT_SUFFIXES, output_problems
from reopt.status import Status

REPO = Path(__file__).resolve().parents[1]
#: The exit code of a closed output pipe (128 + SIGPIPE), as `reopt.cli.exits` documents it.
BROKEN_PIPE = 141
#: A name both file formats read: ASCII letters, digits and _, starting with a letter.
SAFE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "market"
    reopt.write_market(reopt.datasets.japan_2025(), out)
    return out


@pytest.fixture
def no_cbc(monkeypatch: pytest.MonkeyPatch) -> None:
    """CBC known but not installed here."""
    monkeypatch.setattr(get_backend("cbc"), "is_available", lambda: False)


# --- 1. a closed pipe ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        [
            "sweep",
            "--dataset",
            "japan_2025",
            "--china-cap",
            "0.5:0.9:0.1",
            "--grid-only",
            "--no-progress",
        ],
        ["datasets"],
    ],
    ids=["sweep", "datasets"],
)
def test_a_pipe_closed_early_exits_quietly_with_141(argv: list[str]):
    """``reopt ... | head -0``: the reader is gone before reopt writes a byte."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "reopt.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == BROKEN_PIPE
    assert err == ""


def test_a_pipe_closed_after_the_first_line_exits_quietly(tmp_path: Path):
    """``reopt sweep ... | head -1`` through a real shell pipe (more output than a pipe holds)."""
    if shutil.which("head") is None or shutil.which("bash") is None:
        pytest.skip("no bash or head here")
    command = (
        f"'{sys.executable}' -m reopt.cli sweep --dataset japan_2025 "
        "--china-cap 0.2:0.95:0.0005 --grid-only --no-progress 2>err.txt | head -1; "
        "echo rc=${PIPESTATUS[0]}"
    )
    done = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    lines = done.stdout.splitlines()
    assert len(lines) >= 2 and f"rc={BROKEN_PIPE}" in lines, done.stdout
    assert (tmp_path / "err.txt").read_text() == ""


# --- 2. solver availability and the documented codes -----------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        ["solve", "{folder}", "--solver", "cbc"],
        [
            "sweep",
            "{folder}",
            "--china-cap",
            "0.6",
            "--grid-only",
            "--no-progress",
            "--solver",
            "cbc",
        ],
        ["whatif", "{folder}", "--scale-price", "CN=1,1.1", "--solver", "cbc"],
        ["bench", "{folder}", "--solvers", "cbc", "--repeat", "1"],
    ],
    ids=["solve", "sweep", "whatif", "bench"],
)
def test_a_solver_not_installed_exits_3_with_how_to_install(
    argv: list[str], folder: Path, no_cbc: None, capsys: pytest.CaptureFixture[str]
):
    code = main([a.format(folder=folder) for a in argv])
    captured = capsys.readouterr()
    assert code == 3, captured.err
    assert "cbc is not available here" in captured.err
    assert "pip install" in captured.err
    assert "optimal" not in captured.out  # refused before anything was solved


def test_python_m_benchmarks_exits_3_for_a_solver_not_installed(
    folder: Path, no_cbc: None, capsys: pytest.CaptureFixture[str]
):
    assert bench_main([str(folder), "--solvers", "cbc", "--repeat", "1"]) == 3
    assert "pip install" in capsys.readouterr().err


def test_every_exit_code_is_in_reopts_help(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = " ".join(capsys.readouterr().out.split())
    for words in ("0 optimal", "1 infeasible", "2 bad input", "3 solver trouble", "141"):
        assert words in shown
    assert "not installed" in shown


# --- 3. hints in the reader's own terms ------------------------------------------------------
def test_a_time_limit_hint_speaks_python_or_cli_as_asked():
    python, cli = Status.TIME_LIMIT.hint(), Status.TIME_LIMIT.hint(reopt.status.Audience.CLI)
    assert "SolverOptions(time_limit_s=" in python and "--time-limit" not in python
    assert "--time-limit SECONDS" in cli and "SolverOptions" not in cli
    assert Status.TIME_LIMIT.hint("cli") == cli
    assert Status.OPTIMAL.hint() == Status.INFEASIBLE.hint("cli") == ""
    assert all(s.hint("cli") for s in Status if s.is_limit)


def test_a_cli_user_is_told_about_time_limit_not_solver_options(folder: Path, capsys):
    assert main(["solve", str(folder), "--time-limit", "1e-9"]) == 3
    shown = capsys.readouterr().out
    assert "time_limit" in shown
    assert "--time-limit SECONDS" in shown and "SolverOptions" not in shown


# --- 4. export never overwrites unasked ------------------------------------------------------
def test_export_refuses_to_overwrite_without_force(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "m.mps"
    out.write_text("mine\n")
    assert main(["export", str(folder), "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_text() == "mine\n"
    assert not Path(f"{out}.names.csv").exists()
    assert main(["export", str(folder), "--out", str(out), "--force"]) == 0
    assert out.read_text() != "mine\n"


def test_export_without_out_keeps_an_existing_model_file(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.mps").write_text("mine\n")
    assert main(["export", str(folder)]) == 2
    assert "model.mps" in capsys.readouterr().err
    assert (tmp_path / "model.mps").read_text() == "mine\n"


def test_export_keeps_an_existing_names_file(folder: Path, tmp_path: Path, capsys):
    out = tmp_path / "m.lp"
    Path(f"{out}.names.csv").write_text("mine\n")
    assert main(["export", str(folder), "--out", str(out)]) == 2
    assert not out.exists()
    assert Path(f"{out}.names.csv").read_text() == "mine\n"


# --- 5. readable, safe names in model files --------------------------------------------------
def _highs_optimum(path: Path) -> float:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return h.getInfo().objective_function_value


def _glpk_optimum(path: Path, tmp_path: Path) -> float | None:
    if shutil.which("glpsol") is None:
        return None
    report = tmp_path / f"{path.name}.glpk.txt"
    form = "--freemps" if path.suffix == ".mps" else "--lp"
    done = subprocess.run(
        ["glpsol", form, str(path), "-o", str(report)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout
    line = next(x for x in report.read_text().splitlines() if x.startswith("Objective"))
    return float(line.split("=")[1].split()[0])


def test_exported_names_are_readable(tmp_path: Path):
    market = reopt.datasets.japan_2025()
    path = reopt.write_model(
        market,
        tmp_path / "m.lp",
        china_cap=0.6,
        policies=[reopt.min_share(0.05, kind="recycler", product="NdPr oxide")],
    )
    text = path.read_text()
    for name in (
        "buy_lynas_malaysia_NdPr_oxide",
        "demand_NdPr_oxide",
        "cap_share_country_CN_NdPr_oxide",
        "min_share_kind_recycler_NdPr_oxide",
    ):
        assert re.search(rf"\b{name}\b", text), name
    names = pd.read_csv(f"{path}.names.csv", keep_default_na=False)
    row = names.set_index("name").loc["buy_lynas_malaysia_NdPr_oxide"]
    assert (row["source"], row["product"]) == ("lynas_malaysia", "NdPr oxide")


HOSTILE = [
    ("RHS  ENDATA", "Nd oxide (99.5%)", "CN", "refinery", None, 10.0),
    ("Lynas, Kuantan", "Nd oxide (99.5%)", "MY", "refinery", 50.0, 12.0),
    ("Lynas  Kuantan", "Nd oxide (99.5%)", "MY", "refinery", 20.0, 12.5),
    ("Société Générale <= 3 + x", "Nd oxide (99.5%)", "FR", "spot", 10.0, 13.0),
    ("稀土集团", "Nd oxide (99.5%)", "CN", "refinery", 5.0, 9.0),
    ("1e5 st: bounds end", "Dy oxide", "AU", "mine", None, 300.0),
    ("x" * 300, "Dy oxide", "AU", "mine", 2.0, 290.0),
    ("x" * 300 + "y", "Dy oxide", "AU", "mine", 2.0, 295.0),
]


@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_exported_names_are_safe_unique_and_read_back_to_the_same_optimum(
    tmp_path: Path, suffix: str
):
    offers = offers_table(HOSTILE).assign(min_order_t=[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0])
    market = reopt.Market(offers, demand_table([("Nd oxide (99.5%)", 80.0), ("Dy oxide", 5.0)]))
    policies = [reopt.cap_share(0.8, each="source")]
    path = reopt.write_model(market, tmp_path / f"m{suffix}", china_cap=0.5, policies=policies)
    names = pd.read_csv(f"{path}.names.csv", keep_default_na=False)["name"]
    assert names.is_unique and names.str.lower().is_unique
    assert all(SAFE.match(n) for n in names), [n for n in names if not SAFE.match(n)]
    assert "buy_Lynas_Kuantan_Nd_oxide_99_5" in set(names)
    product = re.compile(r"_(Nd_oxide_99_5|Dy_oxide)(_\d+)?$")  # kept, even after 300 x's
    assert all(product.search(n) for n in names if n.startswith("buy_")), names.tolist()
    cost = reopt.solve(market, china_cap=0.5, policies=policies).cost_usd
    assert _highs_optimum(path) == pytest.approx(cost, rel=1e-9)
    glpk = _glpk_optimum(path, tmp_path)
    assert glpk is None or glpk == pytest.approx(cost, rel=1e-6)


# --- 6. a missing writer package is found before solving -------------------------------------
def test_an_output_whose_package_is_missing_is_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    assert output_problems("--plot", tmp_path / "x.png", PLOT_SUFFIXES) == []
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    (problem,) = output_problems("--plot", tmp_path / "x.png", PLOT_SUFFIXES)
    expected = 'plotting needs matplotlib: pip install "reopt[plot]"'
    assert problem == f"--plot {tmp_path / 'x.png'}: {expected}"


@pytest.mark.parametrize(
    ("argv", "package"),
    [
        (["solve", "{folder}", "--out", "{tmp}/plan.xlsx"], "openpyxl"),
        (
            [
                "sweep",
                "{folder}",
                "--china-cap",
                "0.6,0.7",
                "--grid-only",
                "--no-progress",
                "--plot",
                "{tmp}/curve.png",
            ],
            "matplotlib",
        ),
    ],
    ids=["xlsx", "png"],
)
def test_a_missing_writer_package_exits_2_before_solving(
    argv: list[str], package: str, folder: Path, tmp_path: Path, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, package, None)
    code = main([a.format(folder=folder, tmp=tmp_path) for a in argv])
    captured = capsys.readouterr()
    assert code == 2
    assert f"needs {package}" in captured.err
    assert captured.out == ""  # nothing was solved or printed


# --- 7. reopt bench is an ordinary subcommand ------------------------------------------------
@pytest.mark.parametrize("run", [main, bench_main], ids=["reopt bench", "python -m benchmarks"])
def test_bench_reads_shares_as_every_subcommand_does(run, folder: Path, tmp_path: Path):
    out = tmp_path / "b.csv"
    args = [str(folder), "--solvers", "highs", "--repeat", "1", "--china-cap", "60%"]
    argv = ["bench", *args] if run is main else args
    assert run([*argv, "--out", str(out)]) == 0
    cost = reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6).cost_usd
    assert pd.read_csv(out)["cost_usd"].iloc[0] == pytest.approx(cost, rel=1e-6)


def test_bench_reports_errors_as_reopt_does(tmp_path: Path, capsys):
    assert main(["bench", str(tmp_path / "nowhere")]) == 2
    via_reopt = capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        bench_main([str(tmp_path / "nowhere")])
    assert stop.value.code == 2
    assert capsys.readouterr().err == via_reopt


def test_a_suite_with_problems_exits_3_not_the_infeasible_code(tmp_path: Path):
    results = json.loads((REPO / "benchmarks" / "results" / "results.json").read_text())
    results["problems"] = ["cbc reached 100.01 where highs reached 100"]
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    assert main(["bench", "--from-results", str(path)]) == 3
