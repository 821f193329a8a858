"""``reopt montecarlo`` and the ``--workers`` / ``--dask`` flags of the many-solves commands."""

from __future__ import annotations

import argparse

import pandas as pd
import pytest

import reopt
from reopt.cli import main, workers
from reopt.cli.montecarlo import parse_draw

CN_PRICE = "price,country=CN,lognormal,sigma=0.3"


def test_a_draw_is_written_as_scale_filters_distribution_parameters():
    draw = parse_draw("capacity, source=lynas_malaysia, outage, p=0.05, factor=0")
    assert draw == reopt.Draw(
        scale="capacity", where={"source": "lynas_malaysia"}, dist="outage", p=0.05, factor=0.0
    )
    assert parse_draw(CN_PRICE) == reopt.Draw(
        scale="price", where={"country": "CN"}, dist="lognormal", sigma=0.3
    )


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("price,country=CN,normal,sigma=0.3", "not a distribution"),
        ("price,country=CN,lognormal,sigma=x", "sigma must be a number"),
        ("cost,lognormal,sigma=0.3", "scale"),
        ("price,lognormal,sigma=-1", "sigma"),
        ("", "empty"),
    ],
)
def test_a_bad_draw_is_refused_with_what_is_wrong(spec, words):
    with pytest.raises(argparse.ArgumentTypeError, match=words):
        parse_draw(spec)


def test_the_command_prints_the_summary_and_writes_every_sample(tmp_path, capsys):
    out = tmp_path / "draws.csv"
    args = ["montecarlo", "--dataset", "japan_2025", "-n", "40", "--seed", "3"]
    code = main([*args, "--draw", CN_PRICE, "--china-cap", "60%", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "40 samples, seed 3" in printed and "cost_usd" in printed
    written = pd.read_csv(out)
    expected = reopt.monte_carlo(
        reopt.datasets.japan_2025(),
        n=40,
        draws=[reopt.Draw(scale="price", where={"country": "CN"}, dist="lognormal", sigma=0.3)],
        china_cap=0.6,
        seed=3,
        progress=False,
    )
    assert written["cost_usd"].tolist() == pytest.approx(expected["cost_usd"].tolist(), rel=1e-12)


def test_workers_give_the_same_samples(tmp_path, capsys):
    serial, pooled = tmp_path / "serial.csv", tmp_path / "pooled.csv"
    base = ["montecarlo", "--dataset", "japan_2025", "-n", "30", "--draw", CN_PRICE]
    assert main([*base, "--out", str(serial)]) == 0
    assert main([*base, "--workers", "2", "--out", str(pooled)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(serial), pd.read_csv(pooled))


def test_a_sweep_on_workers_is_the_sweep_in_this_process(tmp_path, capsys):
    serial, pooled = tmp_path / "serial.csv", tmp_path / "pooled.csv"
    base = ["sweep", "--dataset", "japan_2025", "--china-cap", "0.55:1:0.05", "--no-progress"]
    assert main([*base, "--out", str(serial)]) == 0
    assert main([*base, "--workers", "2", "--out", str(pooled)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(serial), pd.read_csv(pooled))


def test_workers_and_dask_exclude_each_other_and_bad_counts_are_refused(capsys):
    for extra in (["--workers", "2", "--dask", "tcp://127.0.0.1:1"], ["--workers", "0"]):
        with pytest.raises(SystemExit) as stop:
            main(["montecarlo", "--dataset", "japan_2025", "--draw", CN_PRICE, *extra])
        assert stop.value.code == 2


def test_an_unreachable_dask_scheduler_is_bad_input(capsys, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(workers, "DASK_CONNECT_S", 1.0)  # the default waits 10 s
    code = main(
        ["montecarlo", "--dataset", "japan_2025", "-n", "2", "--draw", CN_PRICE,
         "--dask", "tcp://127.0.0.1:9"]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "--dask" in err
    assert "within 1 s" in err


def test_outputs_are_checked_before_any_sample(tmp_path, capsys):
    code = main(
        ["montecarlo", "--dataset", "japan_2025", "--draw", CN_PRICE,
         "--out", str(tmp_path / "draws.txt")]
    )  # fmt: skip
    assert code == 2
    assert "samples" not in capsys.readouterr().out
