"""Loose ends of the trust work: scenario paths on every subcommand, escaped names that read
back as written, a missing temporary folder, and glpsol options it does not have."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import available
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reopt
from reopt.backends import pulp_adapter, pulp_backend
from reopt.cli import main
from reopt.data.writing import Sheet, escape_text, unescape_text, write_workbook
from reopt.errors import InputError, ReoptError, SolverError

#: The characters reopt's writers escape with a leading quote.
STARTS = "=+-@\t\r"


# --- 1. --allow-outside on every subcommand that reads a market PATH ------------------------
@pytest.fixture
def outside_scenario(tmp_path: Path) -> Path:
    """A scenario whose ``folder`` key names a market outside the scenario's own folder."""
    reopt.write_market(reopt.datasets.japan_2025(), tmp_path / "secret")
    (tmp_path / "scenario").mkdir()
    path = tmp_path / "scenario" / "s.toml"
    path.write_text('folder = "../secret"\n', encoding="utf-8")
    return path


def _argv(command: str, path: Path, tmp_path: Path) -> list[str]:
    extra = {
        "solve": [],
        "export": ["--out", str(tmp_path / "model.mps")],
        "validate": [],
        "sweep": ["--china-cap", "0.6", "--grid-only", "--no-progress"],
        "whatif": ["--scale-price", "CN=1,1.1"],
        "bench": ["--solvers", "highs", "--repeat", "1"],
    }[command]
    return [command, str(path), *extra]


COMMANDS = [
    "solve",
    "export",
    "validate",
    "sweep",
    "whatif",
    "bench",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_refuses_outside_paths_and_allows_them_with_the_flag(
    command: str, outside_scenario: Path, tmp_path: Path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    argv = _argv(command, outside_scenario, tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "folder: is outside the scenario's folder" in err
    assert main([*argv, "--allow-outside"]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("command", ["solve", "export", "validate", "sweep", "whatif", "bench"])
def test_every_subcommand_refuses_outside_paths_without_the_flag(
    command: str, outside_scenario: Path, tmp_path: Path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert main(_argv(command, outside_scenario, tmp_path)) == 2
    assert "folder: is outside the scenario's folder" in capsys.readouterr().err


# --- 2. escaped names read back as they were written ----------------------------------------
#: Text a writer escapes, or text that looks like what an escape makes (quotes, then more).
escapable = st.builds(
    lambda head, tail: head + tail,
    st.text(alphabet="'" + STARTS, min_size=1, max_size=4),
    st.text(alphabet="ab '=+-@", max_size=4),
)


def test_escaping_is_reversible_for_the_examples_of_the_rule():
    assert escape_text("'=x") == "''=x"
    assert unescape_text("''=x") == "'=x"
    assert unescape_text("'=x") == "=x"
    assert unescape_text("'plain") == "'plain"
    assert escape_text("'plain") == "'plain"


@given(st.one_of(escapable, st.text(max_size=6)))
def test_unescape_undoes_escape(text: str):
    assert unescape_text(escape_text(text)) == text


def _market(sources: list[str], products: list[str]) -> reopt.Market:
    sources = [f"{s}s{k}" for k, s in enumerate(sources)]
    products = [f"{p}p{k}" for k, p in enumerate(products)]
    pairs = [(s, p) for s in sources for p in products]
    offers = pd.DataFrame(
        {
            "source": [s for s, _ in pairs],
            "product": [p for _, p in pairs],
            "country": "AU",
            "kind": "mine",
            "capacity_t": 100.0,
            "price_usd_per_kg": 10.0,
        }
    )
    demand = pd.DataFrame({"product": products, "demand_t": 10.0})
    return reopt.Market(offers, demand)


names = st.lists(escapable, min_size=1, max_size=3)


def _same_market(back: reopt.Market, market: reopt.Market) -> None:
    # values, not dtypes: a Market built without refined_in holds it as object, read as str
    pd.testing.assert_frame_equal(back.offers, market.offers, check_dtype=False)
    pd.testing.assert_frame_equal(back.demand, market.demand, check_dtype=False)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sources=names, products=names)
def test_write_market_then_read_market_gives_the_market_back(
    tmp_path: Path, sources: list[str], products: list[str]
):
    market = _market(sources, products)
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        reopt.write_market(market, folder)
        _same_market(reopt.read_market(folder), market)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sources=names, products=names)
def test_a_workbook_written_by_reopt_reads_back_as_written(
    tmp_path: Path, sources: list[str], products: list[str]
):
    market = _market(sources, products)
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        path = Path(folder) / "m.xlsx"
        write_workbook(path, [Sheet("offers", market.offers), Sheet("demand", market.demand)])
        _same_market(reopt.read_market(path), market)


def test_a_quoted_name_in_the_file_is_the_name_with_one_quote_less(tmp_path: Path):
    reopt.write_market(reopt.datasets.japan_2025(), tmp_path)
    offers = pd.read_csv(tmp_path / "offers.csv", dtype=str, keep_default_na=False)
    offers.loc[0, "source"] = "''=x"
    offers.loc[1, "source"] = "'plain"
    offers.to_csv(tmp_path / "offers.csv", index=False)
    sources = reopt.read_market(tmp_path).offers["source"].tolist()
    assert sources[:2] == ["'=x", "'plain"]


# --- 3. no writable temporary folder ---------------------------------------------------------
PULP_SOLVERS = ["cbc", "glpk", "pulp-highs"]


@pytest.fixture(params=["missing", "a file", "read-only"])
def no_temp_folder(request, tmp_path: Path, monkeypatch) -> Path:
    """TMPDIR and `tempfile.tempdir` pointing at a folder that cannot be used."""
    bad = tmp_path / "no-such-folder"
    if request.param == "a file":
        bad = tmp_path / "a-file"
        bad.write_text("not a folder")
    elif request.param == "read-only":
        if os.geteuid() == 0:
            pytest.skip("root writes to read-only folders")
        bad = tmp_path / "read-only"
        bad.mkdir(mode=0o555)
    monkeypatch.setenv("TMPDIR", str(bad))
    monkeypatch.setattr(tempfile, "tempdir", str(bad))

    def never(*args, **kwargs):
        raise AssertionError("the solver ran")

    monkeypatch.setattr(pulp_adapter, "solve_problem", never)
    return bad


@pytest.mark.parametrize("name", PULP_SOLVERS)
def test_no_temp_folder_is_a_reopt_error_saying_what_to_do(name: str, no_temp_folder: Path):
    if not available(name):
        pytest.skip(f"{name} is not installed here")
    market = reopt.datasets.japan_2025()
    with pytest.raises(ReoptError) as caught:
        reopt.solve(market, china_cap=0.6, solver=name)
    assert not isinstance(caught.value, (SolverError, InputError))
    message = str(caught.value)
    assert "writable temporary folder" in message
    assert name in message
    assert "TMPDIR" in message
    assert str(no_temp_folder) in message


@pytest.mark.parametrize("name", PULP_SOLVERS)
def test_the_cli_exits_3_without_a_temp_folder(
    name: str, no_temp_folder: Path, tmp_path: Path, capsys
):
    if not available(name):
        pytest.skip(f"{name} is not installed here")
    folder = reopt.datasets.export("japan_2025", tmp_path / "japan")
    assert main(["solve", str(folder), "--solver", name]) == 3
    err = capsys.readouterr().err
    assert "writable temporary folder" in err
    assert "TMPDIR" in err


# --- 4. a glpsol option glpsol does not have -------------------------------------------------
def _glpk() -> None:
    if not available("glpk"):
        pytest.skip("glpk is not installed here")


def test_an_unknown_glpsol_option_is_an_input_error_before_solving(monkeypatch):
    _glpk()

    def never(*args, **kwargs):
        raise AssertionError("the solver ran")

    monkeypatch.setattr(pulp_adapter, "solve_problem", never)
    options = reopt.SolverOptions(extra={"nonsense": 1, "dual": None})
    with pytest.raises(InputError) as caught:
        reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6, solver="glpk", options=options)
    assert [p.value for p in caught.value.problems] == ["nonsense"]
    assert "glpsol has no option --nonsense" in str(caught.value)
    options = reopt.SolverOptions(extra={"tmlm": 5})
    with pytest.raises(InputError, match="did you mean --tmlim"):
        reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6, solver="glpk", options=options)


def test_a_known_glpsol_option_still_solves():
    _glpk()
    options = reopt.SolverOptions(extra={"dual": None})
    plan = reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6, solver="glpk", options=options)
    assert plan.is_optimal


def test_glpsol_help_runs_once(monkeypatch):
    _glpk()
    calls = []
    real = pulp_backend.subprocess.run

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(pulp_backend.subprocess, "run", counted)
    pulp_backend.glpsol_options.cache_clear()
    options = reopt.SolverOptions(extra={"nonsense": 1})
    for _ in range(2):
        with pytest.raises(InputError):
            reopt.solve(reopt.datasets.japan_2025(), solver="glpk", options=options)
    assert len(calls) == 1
    known = pulp_backend.glpsol_options(pulp_adapter.glpk_solver(msg=False).path)
    assert known is not None
    assert {"--tmlim", "--dual", "-m", "--model", "--mipgap"} <= known
    assert "--nonsense" not in known


# --- 4b. the same for CBC, whose `cbc -?` lists its parameters with their shortest form --------
def _cbc() -> None:
    if not available("cbc"):
        pytest.skip("cbc is not installed here")


def test_an_unknown_cbc_option_is_an_input_error_before_solving(monkeypatch):
    _cbc()

    def never(*args, **kwargs):
        raise AssertionError("the solver ran")

    monkeypatch.setattr(pulp_adapter, "solve_problem", never)
    options = reopt.SolverOptions(extra={"nonsense": 1, "ratioGap": 0.0, "sec": 60})
    with pytest.raises(InputError) as caught:
        reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6, solver="cbc", options=options)
    assert [p.value for p in caught.value.problems] == ["nonsense"]
    assert "CBC has no option nonsense" in str(caught.value)


@pytest.mark.parametrize("key", ["sec", "seconds", "SECONDS", "maxNodes", "ratioGap", "-sec"])
def test_cbc_takes_every_spelling_it_lists(key: str):
    _cbc()
    known = pulp_backend.cbc_options(pulp_adapter.cbc_solver(msg=False).path)
    assert known is not None
    assert pulp_backend.cbc_knows(key, known)


@pytest.mark.parametrize("key", ["se", "secondsx", "nonsense", "ratioGapp"])
def test_cbc_refuses_what_it_does_not_list(key: str):
    _cbc()
    known = pulp_backend.cbc_options(pulp_adapter.cbc_solver(msg=False).path)
    assert known is not None
    assert not pulp_backend.cbc_knows(key, known)


def test_a_known_cbc_option_still_solves():
    _cbc()
    options = reopt.SolverOptions(extra={"maxNodes": 1000})
    plan = reopt.solve(reopt.datasets.japan_2025(), china_cap=0.6, solver="cbc", options=options)
    assert plan.is_optimal
