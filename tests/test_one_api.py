"""One API in two spellings: what the CLI does, Python does with the same names and rules.

Shares follow one rule (`reopt.share_rule`) in Python arguments and on the command line;
`reopt sweep` / `reopt whatif` options are `reopt.sweep` arguments; `import reopt` shows
public names only, with `reopt.plot` loaded on first use.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import reopt
from reopt.checks import Share, check
from reopt.cli import main
from reopt.cli.common import share, share_range
from reopt.share_rule import Refusal, read_share, share_value


@pytest.fixture(scope="module")
def japan() -> reopt.Market:
    return reopt.datasets.japan_2025()


# --- one share rule ---------------------------------------------------------------------------
TEXTS = [
    "0.6",
    "60%",
    " 60 % ",
    "0.5%",
    "100%",
    "0%",
    "1",
    "0",
    "60",
    "1.5",
    "160%",
    "-10%",
    "-0.1",
    "abc",
    "",
    "%",
    "nan",
    "inf%",
]


@pytest.mark.parametrize("text", TEXTS, ids=repr)
def test_python_checker_and_cli_read_a_share_alike(text: str) -> None:
    """The argument checker (`Share`) and the CLI's ``--china-cap`` parser agree on text."""
    python = check({"cap": text}, {"cap": Share()}, where="solve()")
    try:
        cli: float | str = share(text)
    except argparse.ArgumentTypeError as err:
        cli = str(err)
    if python:
        (problem,) = python
        assert isinstance(cli, str), f"the CLI took {text!r}, Python refused it"
        assert problem.rule in cli and problem.hint in cli
    else:
        assert cli == share_value(text, where="solve()", column="cap")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.6, 0.6), ("60%", 0.6), ("0.6", 0.6), ("57.5%", 0.575), ("33.3%", 0.333), (1, 1.0)],
    ids=repr,
)
def test_percent_text_is_the_same_float_as_the_fraction(value: object, expected: float) -> None:
    assert read_share(value) == expected  # exactly: "60%" solves the same model as 0.6


@pytest.mark.parametrize(
    ("value", "rule", "hint"),
    [
        (60, "a share is a fraction in [0, 1]", "did you mean 0.6?"),
        ("60", "a share is a fraction in [0, 1]", "did you mean 0.6?"),
        (1.5, "a share is a fraction in [0, 1]", "did you mean 0.015?"),
        (-0.1, "a share is a fraction in [0, 1]", ""),
        ("160%", "a percentage share is in [0%, 100%]", ""),
        ("-10%", "a percentage share is in [0%, 100%]", ""),
        ("abc", "a share must be a number in [0, 1] or a percentage such as '60%'", ""),
        (True, "a share must be a number in [0, 1]", ""),
    ],
    ids=repr,
)
def test_ambiguous_or_invalid_shares_are_one_input_error(
    value: object, rule: str, hint: str
) -> None:
    assert read_share(value) == Refusal(rule, hint)
    with pytest.raises(reopt.InputError) as info:
        share_value(value, where="solve()", column="china_cap")
    (problem,) = info.value.problems
    assert (problem.column, problem.value, problem.rule, problem.hint) == (
        "china_cap",
        value,
        rule,
        hint,
    )


def test_cli_range_takes_percentages() -> None:
    assert share_range("50%:60%:5%") == [0.5, 0.55, 0.6]
    assert share_range("50%,0.6") == [0.5, 0.6]


def test_cli_range_refuses_a_bare_number_above_one() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=r"did you mean 0\.6"):
        share_range("0.5:60:0.05")


# The rule reaches solve(), cap_share() and scenario files alike.


def test_solve_takes_a_percent_cap(japan: reopt.Market) -> None:
    text = reopt.solve(japan, china_cap="60%")
    assert text.cost_usd == reopt.solve(japan, china_cap=0.6).cost_usd


def test_cap_share_takes_a_percent() -> None:
    assert reopt.cap_share("60%", country="CN") == reopt.cap_share(0.6, country="CN")


def test_scenario_file_takes_a_percent_cap(tmp_path: Path) -> None:
    reopt.datasets.export("japan_2025", tmp_path / "data")
    (tmp_path / "s.toml").write_text('folder = "data"\nchina_cap = "60%"\n', encoding="utf-8")
    assert reopt.read_scenario(tmp_path / "s.toml").china_cap == 0.6


# --- sweep: the what-if's held cap, and percentages -----------------------------------------
def test_sweep_holds_one_china_cap_at_every_what_if_point(japan: reopt.Market) -> None:
    """``whatif --china-cap 0.6`` in Python: one china_cap beside scale_price is held."""
    held = reopt.sweep(japan, scale_price={"country": "CN"}, factors=[1, 2], china_cap=0.6)
    policy = reopt.cap_share(0.6, country="CN")
    same = reopt.sweep(japan, scale_price={"country": "CN"}, factors=[1, 2], policies=[policy])
    free = reopt.sweep(japan, scale_price={"country": "CN"}, factors=[1, 2])
    pd.testing.assert_series_equal(held["cost_usd"], same["cost_usd"])
    assert held["cost_usd"][0] > free["cost_usd"][0]  # at today's prices the cap binds
    assert (held.filter(like="china_share:").to_numpy() <= 0.6 + 1e-9).all()


def test_sweep_holds_a_percent_cap_beside_a_share_sweep(japan: reopt.Market) -> None:
    floor = reopt.min_share(0.0, kind="recycler", product="NdPr oxide")
    held = reopt.sweep(japan, vary=floor, shares=[0, 0.1], china_cap="60%", exact=False)
    policy = reopt.cap_share(0.6, country="CN")
    same = reopt.sweep(japan, vary=floor, shares=[0, 0.1], policies=[policy], exact=False)
    pd.testing.assert_series_equal(held["cost_usd"], same["cost_usd"])


def test_sweep_takes_caps_as_percentages(japan: reopt.Market) -> None:
    text = reopt.sweep(japan, china_cap=["60%", "70%"], exact=False)
    numbers = reopt.sweep(japan, china_cap=[0.6, 0.7], exact=False)
    pd.testing.assert_frame_equal(text, numbers)


def test_sweep_refuses_a_lone_single_cap_and_a_bad_held_cap(japan: reopt.Market) -> None:
    with pytest.raises(reopt.InputError, match="give exactly one parameter to sweep"):
        reopt.sweep(japan, china_cap=0.6)
    with pytest.raises(reopt.InputError, match="a percentage share is in"):
        reopt.sweep(japan, scale_price={"country": "CN"}, factors=[1], china_cap="160%")


def test_cli_whatif_and_python_sweep_give_the_same_curve(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, japan: reopt.Market
) -> None:
    out = tmp_path / "curve.csv"
    args = ["whatif", "--dataset", "japan_2025", "--scale-price", "CN=1,2", "--china-cap", "60%"]
    assert main([*args, "--no-progress", "--out", str(out)]) == 0
    capsys.readouterr()
    cli = pd.read_csv(out)
    python = reopt.sweep(japan, scale_price={"country": "CN"}, factors=[1, 2], china_cap="60%")
    assert list(cli["factor"]) == list(python["factor"])
    costs = [c for c in cli.columns if c.startswith("cost")]
    assert costs, cli.columns
    assert cli[costs[0]].to_numpy() == pytest.approx(python["cost_usd"].to_numpy(), rel=1e-6)


# --- import reopt: public names only, plot on first use -------------------------------------
def test_dir_shows_public_names_only() -> None:
    names = dir(reopt)
    for leftover in ("pulp", "PackageNotFoundError", "version", "analysis", "backends"):
        assert leftover not in names
    assert names == sorted(reopt.__all__)
    assert not hasattr(reopt, "version")
    assert not hasattr(reopt, "pulp")
    for name in reopt.__all__:
        getattr(reopt, name)


def test_version_is_the_installed_version_string() -> None:
    assert isinstance(reopt.__version__, str)
    assert reopt.__version__ == importlib.metadata.version("reopt")


def _python(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )


def test_import_reopt_does_not_import_matplotlib_and_plot_is_an_attribute() -> None:
    done = _python(
        "import sys, reopt\n"
        "assert 'matplotlib' not in sys.modules, 'import reopt imported matplotlib'\n"
        "assert 'reopt.plot' not in sys.modules, 'reopt.plot loaded eagerly'\n"
        "assert 'plot' in dir(reopt) and callable(reopt.plot.frontier)\n"
    )
    assert done.returncode == 0, done.stderr


def test_plot_frontier_after_import_reopt(tmp_path: Path) -> None:
    """The README's ``reopt.plot.frontier(curve)`` after ``import reopt`` only."""
    png = tmp_path / "frontier.png"
    done = _python(
        "import reopt\n"
        "curve = reopt.sweep(reopt.datasets.japan_2025(), china_cap=[0.6, 0.8, 1.0])\n"
        "ax = reopt.plot.frontier(curve)\n"
        f"ax.figure.savefig({str(png)!r})\n"
    )
    assert done.returncode == 0, done.stderr
    assert png.stat().st_size > 0


def test_a_share_off_by_rounding_is_read_as_its_end(japan: reopt.Market) -> None:
    """``np.arange(0.5, 1.0001, 0.05)`` ends in 1.0000000000000004: read as 1, not refused."""
    import numpy as np

    caps = np.arange(0.5, 1.0001, 0.05)
    assert caps[-1] > 1.0
    curve = reopt.sweep(japan, china_cap=caps, exact=False, progress=False)
    assert curve["china_cap"].max() == 1.0
    assert reopt.cap_share(-1e-15, country="CN").share == 0.0
    with pytest.raises(reopt.InputError):
        reopt.cap_share(1.0 + 1e-9, country="CN")
