"""The reopt command line: output, files and exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import reopt
from reopt.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo(capsys):
    code, out, _ = run(capsys, "demo")
    assert code == 0
    assert "reopt plan: optimal" in out
    assert "total cost: USD" in out
    assert "shares of each product's tonnes by country of origin" in out
    assert "binding policies" in out
    assert "what the 60% cap costs" in out


def test_demo_2010(capsys):
    code, out, _ = run(capsys, "demo", "--dataset", "japan_2010")
    assert code == 0
    assert "Mixed REO" in out


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return reopt.datasets.export("japan_2025", tmp_path / "japan")


def test_solve_writes_csv_and_excel(capsys, folder: Path, tmp_path: Path):
    code, _, _ = run(
        capsys, "solve", str(folder), "--china-cap", "0.6", "--out", str(tmp_path / "plan.csv")
    )
    assert code == 0
    assert pd.read_csv(tmp_path / "plan.csv")["tonnes"].sum() > 0
    code, _, _ = run(
        capsys, "solve", str(folder), "--china-cap", "60%", "--out", str(tmp_path / "plan.xlsx")
    )
    assert code == 0
    assert "allocation" in pd.read_excel(tmp_path / "plan.xlsx", sheet_name=None)


def test_solve_infeasible_exits_1_with_explanation(capsys, folder: Path):
    code, out, _ = run(capsys, "solve", str(folder), "--china-cap", "0")
    assert code == 1
    assert "No plan meets every demand and policy" in out
    assert "NdPr oxide" in out


def test_bad_input_exits_2_with_every_problem(capsys, folder: Path):
    offers = pd.read_csv(folder / "offers.csv", keep_default_na=False, dtype=str)
    offers.loc[0, "price_usd_per_kg"] = "cheap"
    offers.loc[1, "capacity_t"] = "-4"
    offers.to_csv(folder / "offers.csv", index=False)
    code, _, err = run(capsys, "validate", str(folder))
    assert code == 2
    assert "line 2, price_usd_per_kg='cheap': not a number" in err
    assert "line 3, capacity_t='-4': must be >= 0" in err
    code, _, err = run(capsys, "solve", str(folder))
    assert code == 2


def test_bad_cap_on_command_line_exits_2(capsys, folder: Path):
    with pytest.raises(SystemExit) as info:
        main(["solve", str(folder), "--china-cap", "35"])
    assert info.value.code == 2
    assert "did you mean 0.35?" in capsys.readouterr().err


def test_validate_ok(capsys, folder: Path):
    code, out, _ = run(capsys, "validate", str(folder))
    assert code == 0
    assert "valid" in out


def test_datasets_list_and_export(capsys, tmp_path: Path):
    code, out, _ = run(capsys, "datasets")
    assert code == 0
    assert "japan_2025" in out and "japan_2010" in out
    code, out, _ = run(capsys, "datasets", "--export", "japan_2010", str(tmp_path / "t"))
    assert code == 0
    assert (tmp_path / "t" / "offers.csv").exists()


def test_solver_limits_map_to_exit_3():
    from reopt.cli import _exit_code

    market = reopt.datasets.synthetic(500, seed=1)
    plan = reopt.solve(market, options=reopt.SolverOptions(extra={"simplex_iteration_limit": 0}))
    assert plan.status is reopt.Status.ITERATION_LIMIT
    assert _exit_code(plan) == 3


def test_help_everywhere():
    commands = ["demo", "solve", "sweep", "whatif", "export", "validate", "datasets", "bench"]
    for args in ([], *([c] for c in commands)):
        result = subprocess.run(
            [sys.executable, "-m", "reopt.cli", *args, "--help"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "usage: reopt" in result.stdout


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "reopt"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("reopt ")


def test_sweep_writes_curve_and_plot(capsys, tmp_path: Path):
    out, png = tmp_path / "curve.csv", tmp_path / "curve.png"
    code, text, _ = run(
        capsys,
        "sweep",
        "--dataset",
        "japan_2025",
        "--china-cap",
        "0.4:1:0.1",
        "--out",
        str(out),
        "--plot",
        str(png),
    )
    assert code == 0
    assert "min_feasible" in text and "breakpoint" in text
    assert "offers entering (+) and leaving (-) the plan" in text
    curve = pd.read_csv(out)
    assert curve.loc[curve["point"] == "grid", "china_cap"].tolist() == pytest.approx(
        [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    )
    assert png.stat().st_size > 10_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sweep_on_a_folder_with_another_solver(capsys, folder: Path):
    code, text, _ = run(capsys, "sweep", str(folder), "--china-cap", "0.6,0.8", "--solver", "cbc")
    assert code == 0
    assert "optimal" in text


@pytest.mark.parametrize(
    "args",
    [
        ["sweep", "--china-cap", "0.6"],  # neither PATH nor --dataset
        ["sweep", "--dataset", "japan_2025", "--china-cap", "0.9:0.2:0.1"],
        ["sweep", "--dataset", "japan_2025", "--china-cap", "0:1:0"],
        ["sweep", "--dataset", "japan_2025", "--china-cap", "0:35:5"],
        ["whatif", "--dataset", "japan_2025", "--scale-price", "CN"],
        ["whatif", "--dataset", "japan_2025", "--scale-price", "CN=a,b"],
        ["whatif", "--dataset", "japan_2025", "--scale-price", "FR=1,2"],
        ["whatif", "--dataset", "japan_2025"],
    ],
)
def test_bad_sweep_arguments_exit_2(capsys, args):
    try:
        code = main(args)
    except SystemExit as stop:  # argparse rejects some before reopt sees them
        code = stop.code
    assert code == 2
    assert capsys.readouterr().err


def test_whatif_prices_capacity_and_demand(capsys, tmp_path: Path):
    code, text, _ = run(
        capsys, "whatif", "--dataset", "japan_2025", "--scale-price", "CN=1,2", "--china-cap", "0.9"
    )
    assert code == 0
    assert "factor" in text
    out = tmp_path / "lynas.csv"
    code, text, _ = run(
        capsys,
        "whatif",
        "--dataset",
        "japan_2025",
        "--scale-capacity",
        "source:lynas_malaysia=0,0.5,1,1.5",
        "--out",
        str(out),
    )
    assert code == 0
    assert pd.read_csv(out)["factor"].tolist() == [0, 0.5, 1, 1.5]
    code, text, _ = run(
        capsys, "whatif", "--dataset", "japan_2025", "--scale-demand", "*=1,1.2", "--no-progress"
    )
    assert code == 0


def test_solve_prints_ranges(capsys, folder: Path):
    code, text, _ = run(capsys, "solve", str(folder), "--china-cap", "0.6", "--ranges")
    assert code == 0
    assert "shadow prices hold while the bound stays within" in text
    assert "cap_share(0.6, country='CN'), Dy oxide" in text
    assert "the plan stays optimal while each offer's price stays within (USD/kg)" in text


def test_cap_ranges_never_pass_stop():
    from reopt.cli import _share_range

    assert _share_range("0:0.55:0.1")[-1] == 0.55
    assert max(_share_range("0.45:1:0.1")) == 1.0
