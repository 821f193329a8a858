"""Output files that cannot carry formulas, and that are written whole or not at all."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import reopt
from reopt.cli import main
from reopt.data.writing import WriteError, write_csv, write_workbook

#: Names a spreadsheet would run as formulas (OWASP's CSV-injection list of first characters).
LINK = '=HYPERLINK("http://example.com/x","click")'
CMD = "+cmd|' /C calc'!A0"
SUM = "@SUM(1+1)*cmd"
MINUS = "-2+3"


def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    offers = pd.DataFrame(
        {
            "source": [LINK, CMD, MINUS, "plain"],
            "product": [SUM, SUM, "NdPr oxide", "NdPr oxide"],
            "country": ["CN", "AU", "US", "CN"],
            "kind": ["mine", "mine", "recycler", "refinery"],
            "capacity_t": [50.0, 40.0, 30.0, 100.0],
            "price_usd_per_kg": [10.0, 12.0, 14.0, 9.0],
        }
    )
    demand = pd.DataFrame({"product": [SUM, "NdPr oxide"], "demand_t": [60.0, 80.0]})
    return offers, demand


@pytest.fixture
def market() -> reopt.Market:
    return reopt.Market(*_tables())


@pytest.fixture
def plan(market: reopt.Market) -> reopt.Plan:
    plan = reopt.solve(market, china_cap=0.9)
    assert plan.is_optimal
    return plan


def _csv_cells(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def _assert_csv_escaped(path: Path, names: tuple[str, ...] = (LINK, CMD, MINUS, SUM)) -> None:
    cells = _csv_cells(path)
    for name in names:
        assert "'" + name in cells, (name, path.name)
        assert name not in cells, (name, path.name)
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]


def _assert_excel_escaped(path: Path, names: tuple[str, ...] = (LINK, CMD, MINUS, SUM)) -> None:
    book = openpyxl.load_workbook(path)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert cells
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    text = {c.value for c in cells if c.data_type == "s"}
    for name in names:
        assert "'" + name in text, name
        assert name not in text, name


def _left_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- escaping: every writer ----------------------------------------------------------------
def test_plan_to_csv_escapes_names(plan: reopt.Plan, tmp_path: Path):
    plan.to_csv(tmp_path / "plan.csv")
    _assert_csv_escaped(tmp_path / "plan.csv")


def test_plan_to_excel_writes_names_as_text_never_formulas(plan: reopt.Plan, tmp_path: Path):
    plan.to_excel(tmp_path / "plan.xlsx")
    _assert_excel_escaped(tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    # the shares sheet has the products as its index: labels are escaped too
    shares = book["Shares"]
    assert "'" + SUM in [row[0].value for row in shares.iter_rows()]


def test_write_market_escapes_names_and_keeps_numbers(market: reopt.Market, tmp_path: Path):
    reopt.write_market(market, tmp_path / "m")
    _assert_csv_escaped(tmp_path / "m" / "offers.csv")
    _assert_csv_escaped(tmp_path / "m" / "demand.csv", (SUM,))
    offers = pd.read_csv(tmp_path / "m" / "offers.csv")
    assert offers["price_usd_per_kg"].tolist() == [10.0, 12.0, 14.0, 9.0]


def test_a_market_without_such_names_round_trips(tmp_path: Path):
    market = reopt.datasets.japan_2025()
    reopt.write_market(market, tmp_path / "m")
    back = reopt.read_market(tmp_path / "m")
    pd.testing.assert_frame_equal(back.offers, market.offers)
    pd.testing.assert_frame_equal(back.demand, market.demand)


def test_model_names_file_escapes_names(market: reopt.Market, tmp_path: Path):
    reopt.write_model(market, tmp_path / "m.lp", china_cap=0.9)
    _assert_csv_escaped(tmp_path / "m.lp.names.csv")


def test_write_csv_escapes_only_text_cells(tmp_path: Path):
    frame = pd.DataFrame(
        {
            "text": ["\tx", "\rx", "-2.5", "=1+1", "ok", None],
            "number": [-2.5, -1.0, 0.0, 1.0, 2.0, 3.0],
            "=label": [1, 2, 3, 4, 5, 6],
        }
    )
    write_csv(frame, tmp_path / "t.csv")
    with open(tmp_path / "t.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["text", "number", "'=label"]
    assert [r[0] for r in rows[1:]] == ["'\tx", "'\rx", "'-2.5", "'=1+1", "ok", ""]
    assert [r[1] for r in rows[1:]] == ["-2.5", "-1.0", "0.0", "1.0", "2.0", "3.0"]


def test_excel_numbers_stay_numbers(tmp_path: Path):
    frame = pd.DataFrame({"name": ["-5", "@x"], "price": [-5.0, 2.0]})
    write_workbook(tmp_path / "t.xlsx", [reopt.data.writing.Sheet("s", frame)])
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["s"]
    assert [(c.value, c.data_type) for c in sheet["A"][1:]] == [("'-5", "s"), ("'@x", "s")]
    assert [(c.value, c.data_type) for c in sheet["B"][1:]] == [(-5, "n"), (2, "n")]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().err


@pytest.fixture
def folder(market: reopt.Market, tmp_path: Path) -> Path:
    out = tmp_path / "market"
    out.mkdir()
    offers, demand = _tables()
    offers.to_csv(out / "offers.csv", index=False)  # the raw names, as a user's file has them
    demand.to_csv(out / "demand.csv", index=False)
    return out


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_cli_solve_out_escapes(capsys, folder: Path, tmp_path: Path, suffix: str):
    out = tmp_path / f"plan{suffix}"
    code, err = run(capsys, "solve", str(folder), "--china-cap", "0.9", "--out", str(out))
    assert code == 0, err
    (_assert_csv_escaped if suffix == ".csv" else _assert_excel_escaped)(out)


def test_cli_sweep_out_escapes(capsys, folder: Path, tmp_path: Path):
    """``reopt whatif --out`` is written by the same code (`reopt.cli.analysis.report`)."""
    out = tmp_path / "curve.csv"
    args = ["--china-cap", "0.9,1", "--grid-only", "--no-progress", "--out", str(out)]
    code, err = run(capsys, "sweep", str(folder), *args)
    assert code == 0, err
    cells = _csv_cells(out)
    # the offers entering or leaving the plan are named by source, here "-2+3 / NdPr oxide"
    assert "'" + MINUS + " / NdPr oxide" in cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_cli_bench_out_escapes(capsys, monkeypatch, folder: Path, tmp_path: Path):
    """Whatever text the benchmark's table holds (an error message quoting a name) is escaped."""
    import reopt.bench.cli

    def benchmark(market: reopt.Market, **kwargs: object) -> pd.DataFrame:
        return pd.DataFrame({"solver": ["highs"], "cost_usd": [-1.5], "error": [LINK]})

    monkeypatch.setattr(reopt.bench.cli, "benchmark", benchmark)
    out = tmp_path / "bench.csv"
    code, err = run(capsys, "bench", str(folder), "--out", str(out))
    assert code == 0, err
    assert _csv_cells(out) == ["solver", "cost_usd", "error", "highs", "-1.5", "'" + LINK]


# --- all or nothing --------------------------------------------------------------------------
def _half_written_csv(frame: pd.DataFrame, path: object, *args: object, **kwargs: object) -> None:
    Path(str(path)).write_text("source,product\nhalf")
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("existing", [False, True])
def test_a_failed_csv_write_leaves_nothing(monkeypatch, plan, tmp_path: Path, existing: bool):
    target = tmp_path / "plan.csv"
    if existing:
        target.write_text("old\n")
    monkeypatch.setattr(pd.DataFrame, "to_csv", _half_written_csv)
    with pytest.raises(WriteError, match="No space left on device") as caught:
        plan.to_csv(target)
    assert isinstance(caught.value, reopt.ReoptError)
    assert _left_in(tmp_path) == (["plan.csv"] if existing else [])
    if existing:
        assert target.read_text() == "old\n"


def _fail_on_second_sheet(monkeypatch: pytest.MonkeyPatch) -> None:
    real = pd.DataFrame.to_excel
    calls = []

    def to_excel(self: pd.DataFrame, *args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("cannot convert the cell to Excel")
        real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_excel", to_excel)


@pytest.mark.parametrize("existing", [False, True])
def test_a_failed_excel_write_leaves_nothing(monkeypatch, plan, tmp_path: Path, existing: bool):
    target = tmp_path / "plan.xlsx"
    if existing:
        target.write_bytes(b"old workbook")
    _fail_on_second_sheet(monkeypatch)
    with pytest.raises(reopt.ReoptError, match="cannot convert"):
        plan.to_excel(target)
    assert _left_in(tmp_path) == (["plan.xlsx"] if existing else [])
    if existing:
        assert target.read_bytes() == b"old workbook"


def test_a_failed_market_write_keeps_the_old_files(monkeypatch, market, tmp_path: Path):
    reopt.write_market(reopt.datasets.japan_2025(), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    monkeypatch.setattr(pd.DataFrame, "to_csv", _half_written_csv)
    with pytest.raises(WriteError):
        reopt.write_market(market, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_control_characters_are_refused_before_writing(plan, tmp_path: Path):
    bell = reopt.solve(
        plan.market, policies=[reopt.cap_share(0.9, country="CN", name="cap\x07bell")]
    )
    target = tmp_path / "plan.xlsx"
    with pytest.raises(reopt.InputError, match="U\\+0007"):
        bell.to_excel(target)
    assert _left_in(tmp_path) == []


def test_cli_failed_excel_write_is_not_exit_1(capsys, monkeypatch, folder: Path, tmp_path: Path):
    out = tmp_path / "out" / "plan.xlsx"
    out.parent.mkdir()
    _fail_on_second_sheet(monkeypatch)
    code, err = run(capsys, "solve", str(folder), "--china-cap", "0.9", "--out", str(out))
    assert code in (2, 3)
    assert "could not write it (cannot convert the cell to Excel)" in err
    assert _left_in(out.parent) == []


def test_cli_failed_csv_write_of_an_infeasible_plan_is_not_exit_1(
    capsys, monkeypatch, folder: Path, tmp_path: Path
):
    out = tmp_path / "out" / "plan.xlsx"
    out.parent.mkdir()
    _fail_on_second_sheet(monkeypatch)  # summary, then the infeasibility sheet fails
    code, err = run(capsys, "solve", str(folder), "--china-cap", "0", "--out", str(out))
    assert code in (2, 3), err
    assert _left_in(out.parent) == []
