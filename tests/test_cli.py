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
    for args in ([], ["demo"], ["solve"], ["validate"], ["datasets"]):
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
