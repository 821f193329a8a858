"""The reopt command line: output, files and exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import reopt
from reopt.cli import main
from reopt.cli.app import COMMANDS


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
    assert "Orders" in pd.read_excel(tmp_path / "plan.xlsx", sheet_name=None)


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
    from reopt.cli.common import exit_code

    market = reopt.datasets.synthetic(500, seed=1)
    plan = reopt.solve(market, options=reopt.SolverOptions(extra={"simplex_iteration_limit": 0}))
    assert plan.status is reopt.Status.ITERATION_LIMIT
    assert exit_code(plan) == 3


def test_help_everywhere(capsys):
    # one run through ``python -m reopt.cli``; the commands' own help in this process
    result = subprocess.run(
        [sys.executable, "-m", "reopt.cli", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "usage: reopt" in result.stdout
    for command in (module.__name__.rsplit(".", 1)[-1] for module in COMMANDS):
        with pytest.raises(SystemExit) as stop:
            main([command, "--help"])
        assert stop.value.code == 0
        assert f"usage: reopt {command}" in capsys.readouterr().out


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
        ["sweep", "--dataset", "japan_2025", "--china-cap", "0:inf:0.1"],
        ["sweep", "--dataset", "japan_2025", "--china-cap", "0:1:nan"],
        ["sweep", "--dataset", "japan_2025", "--china-cap", "0:1:1e-300"],  # 1e300 points
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
    from reopt.cli.common import share_range

    assert share_range("0:0.55:0.1")[-1] == 0.55
    assert max(share_range("0.45:1:0.1")) == 1.0


SMALL_SWEEP = ["sweep", "--dataset", "japan_2025", "--china-cap", "0.6:0.7:0.05"]
SMALL_WHATIF = ["whatif", "--dataset", "japan_2025", "--scale-price", "CN=1,2"]


@pytest.fixture
def no_solving(monkeypatch):
    """Make any solve or sweep the command line starts fail the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the command solved before checking its output paths")

    monkeypatch.setattr("reopt.cli.sweep.sweep", refuse)
    monkeypatch.setattr("reopt.cli.whatif.sweep", refuse)
    monkeypatch.setattr("reopt.cli.solve.solve", refuse)


@pytest.mark.parametrize("command", [SMALL_SWEEP, SMALL_WHATIF], ids=["sweep", "whatif"])
@pytest.mark.parametrize(
    ("flag", "name", "problem"),
    [
        ("--plot", "curve.gif", "unsupported suffix .gif (use .png, .svg or .pdf)"),
        ("--plot", "curve", "no suffix (use .png, .svg or .pdf)"),
        ("--plot", "missing/curve.png", "folder {tmp}/missing does not exist"),
        ("--out", "curve.txt", "unsupported suffix .txt (use .csv)"),
        ("--out", "curve.xlsx", "unsupported suffix .xlsx (use .csv)"),
        ("--out", "missing/curve.csv", "folder {tmp}/missing does not exist"),
        ("--out", "taken.csv/curve.csv", "{tmp}/taken.csv is not a folder"),
        ("--out", "folder.csv", "is a folder"),
    ],
)
def test_bad_output_paths_exit_2_before_solving(
    capsys, tmp_path: Path, no_solving, command, flag, name, problem
):
    (tmp_path / "taken.csv").write_text("x\n")
    (tmp_path / "folder.csv").mkdir()
    path = tmp_path / name
    code, out, err = run(capsys, *command, flag, str(path))
    assert code == 2
    assert err == f"reopt: {flag} {path}: {problem.format(tmp=tmp_path)}\n"
    assert out == ""


def test_every_bad_output_path_is_listed(capsys, tmp_path: Path, no_solving):
    out, plot = tmp_path / "nowhere" / "curve.csv", tmp_path / "curve.gif"
    code, _, err = run(capsys, *SMALL_SWEEP, "--out", str(out), "--plot", str(plot))
    assert code == 2
    assert err.splitlines() == [
        f"reopt: --out {out}: folder {out.parent} does not exist",
        f"reopt: --plot {plot}: unsupported suffix .gif (use .png, .svg or .pdf)",
    ]


def test_solve_checks_out_before_solving(capsys, folder: Path, tmp_path: Path, no_solving):
    out = tmp_path / "missing" / "plan.xlsx"
    code, _, err = run(capsys, "solve", str(folder), "--out", str(out))
    assert code == 2
    assert err == f"reopt: --out {out}: folder {out.parent} does not exist\n"
    text = tmp_path / "plan.txt"
    code, _, err = run(capsys, "solve", str(folder), "--out", str(text))
    assert code == 2
    assert err == f"reopt: --out {text}: unsupported suffix .txt (use .csv or .xlsx)\n"


def test_plot_without_matplotlib_exits_2_before_solving(
    capsys, monkeypatch, tmp_path: Path, no_solving
):
    import importlib.util

    find_spec = importlib.util.find_spec

    def without_matplotlib(name, *args, **kwargs):
        return None if name == "matplotlib" else find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", without_matplotlib)
    plot = tmp_path / "curve.png"
    code, _, err = run(capsys, *SMALL_SWEEP, "--plot", str(plot))
    assert code == 2
    assert err == f'reopt: --plot {plot}: plotting needs matplotlib: pip install "reopt[plot]"\n'


def test_output_suffixes_ignore_case(capsys, tmp_path: Path):
    out, plot = tmp_path / "curve.CSV", tmp_path / "curve.SVG"
    code, _, err = run(capsys, *SMALL_SWEEP, "--grid-only", "--out", str(out), "--plot", str(plot))
    assert code == 0, err
    assert out.exists() and plot.read_bytes().lstrip().startswith(b"<?xml")


def _denied(*args, **kwargs):
    raise PermissionError(13, "Permission denied")


def test_a_failed_write_is_one_line_not_a_traceback(capsys, monkeypatch, tmp_path: Path):
    out, plot = tmp_path / "curve.csv", tmp_path / "curve.png"
    monkeypatch.setattr(pd.DataFrame, "to_csv", _denied)
    code, text, err = run(capsys, *SMALL_SWEEP, "--grid-only", "--out", str(out))
    assert code == 2
    assert "optimal" in text
    assert err == f"reopt: --out {out}: could not write it (Permission denied)\n"
    monkeypatch.undo()
    import matplotlib.figure

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", _denied)
    code, _, err = run(capsys, *SMALL_WHATIF, "--plot", str(plot))
    assert code == 2
    assert err == f"reopt: --plot {plot}: could not write it (Permission denied)\n"


def test_solve_reports_a_failed_write(capsys, monkeypatch, folder: Path, tmp_path: Path):
    out = tmp_path / "plan.csv"
    monkeypatch.setattr(pd.DataFrame, "to_csv", _denied)
    code, _, err = run(capsys, "solve", str(folder), "--china-cap", "0.6", "--out", str(out))
    assert code == 2
    assert err == f"reopt: --out {out}: could not write it (Permission denied)\n"


@pytest.fixture
def periods_scenario(tmp_path: Path) -> Path:
    """Two periods of one product, with a cap of 50% on every country."""
    folder = tmp_path / "periods"
    folder.mkdir()
    pd.DataFrame(
        {
            "source": ["cn", "au", "us"] * 2,
            "product": ["A"] * 6,
            "period": [2026] * 3 + [2027] * 3,
            "country": ["CN", "AU", "US"] * 2,
            "kind": ["refinery"] * 6,
            "capacity_t": ["", "40", ""] * 2,
            "price_usd_per_kg": [10.0, 15.0, 20.0] * 2,
        }
    ).to_csv(folder / "offers.csv", index=False)
    pd.DataFrame({"product": ["A", "A"], "period": [2026, 2027], "demand_t": [100, 60]}).to_csv(
        folder / "demand.csv", index=False
    )
    scenario = folder / "scenario.toml"
    scenario.write_text(
        'offers = "offers.csv"\ndemand = "demand.csv"\n\n'
        '[[policies]]\ncap_share = 0.5\neach = "country"\n',
        encoding="utf-8",
    )
    return scenario


def test_ranges_name_the_period_and_the_group(capsys, periods_scenario: Path):
    code, text, err = run(capsys, "solve", str(periods_scenario), "--ranges")
    assert code == 0, err
    prices, offers = text.split("shadow prices hold while the bound stays within:")[1].split(
        "the plan stays optimal while each offer's price stays within (USD/kg):"
    )
    price_lines = [line for line in prices.splitlines() if line.strip()]
    offer_lines = [line for line in offers.splitlines() if line.strip()]
    policy = "cap_share(0.5, each='country')"
    for period in (2026, 2027):
        assert any(line.startswith(f"  demand, A {period}: ") for line in price_lines)
        for country in ("CN", "AU", "US"):
            assert any(
                line.startswith(f"  {policy} [country {country}], A {period}: ")
                for line in price_lines
            ), price_lines
        for source in ("cn", "au", "us"):
            assert any(line.startswith(f"  {source} / A {period}: ") for line in offer_lines)
    labels = [line.split(":")[0] for line in price_lines + offer_lines]
    assert len(labels) == len(set(labels))


def test_print_ranges_shows_the_group_only_where_it_tells_rows_apart(capsys, three_suppliers):
    from reopt.cli.solve import print_ranges

    plan = reopt.solve(
        three_suppliers,
        policies=[reopt.cap_share(0.3, country="CN"), reopt.cap_share(0.45, each="country")],
    )
    print_ranges(plan)
    text = capsys.readouterr().out
    assert "  cap_share(0.3, country='CN'), A: " in text
    assert "cap_share(0.3, country='CN') [" not in text
    assert "  cap_share(0.45, each='country') [country AU], A: " in text
    assert "  cap_share(0.45, each='country') [country US], A: " in text
    assert "  au / A: " in text
