"""Plots that tell the truth at a glance, and the progress bar drawn by tqdm.

Each plot is rendered (Agg) and read back: a title, axis labels with units, cost axes from
zero or in percent, every line of a legend visible on the canvas, the what-if axis naming
what was scaled, and no bars on a logarithmic axis.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgb

import reopt
import reopt.plot
from reopt.bench.report import write_report
from reopt.progress import Progress, interactive

RESULTS = Path(__file__).parents[1] / "benchmarks" / "results" / "results.json"
CN_PRICE = {"column": "price_usd_per_kg", "filter": {"country": "CN"}}


@pytest.fixture(scope="module")
def market():
    return reopt.datasets.japan_2025()


@pytest.fixture(scope="module")
def curve(market):
    return reopt.sweep(market, china_cap=np.linspace(0.4, 1.0, 13).tolist(), progress=False)


@pytest.fixture(scope="module")
def what_if(market):
    return reopt.sweep(
        market, scale_price={"country": "CN"}, factors=[0.5, 1, 1.5, 2, 3], progress=False
    )


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _has_unit(label: str) -> bool:
    return re.search(r"\([^)]+\)", label) is not None


# --- titles and labels -------------------------------------------------------------------


def test_every_plot_has_a_title_and_axis_labels_with_units(market, curve, what_if):
    plan = reopt.solve(market, china_cap=0.6)
    what_if = what_if.copy()
    what_if.attrs["scaled"] = CN_PRICE
    axes = [
        reopt.plot.frontier(curve),
        reopt.plot.sweep_shares(curve),
        reopt.plot.frontier(what_if),
        reopt.plot.sweep_shares(what_if),
    ]
    for ax in axes:
        assert ax.get_title(), ax.get_xlabel()
        assert _has_unit(ax.get_xlabel()) and _has_unit(ax.get_ylabel()), ax.get_title()
    mix = reopt.plot.supply_mix(plan)
    assert mix.get_title() and _has_unit(mix.get_xlabel()) and mix.get_ylabel()


# --- cost axes -----------------------------------------------------------------------------


def test_frontier_shows_the_percentage_above_the_cheapest_plan_from_zero(curve):
    ax = reopt.plot.frontier(curve)
    assert "%" in ax.get_ylabel() and "cheapest" in ax.get_ylabel()
    assert ax.get_ylim()[0] <= 0.0
    y = ax.get_lines()[0].get_ydata()
    ok = curve[curve["status"] == "optimal"]["cost_usd"]
    assert min(y) == 0.0
    assert max(y) == pytest.approx((ok.max() / ok.min() - 1) * 100)
    # the level the percentages start from is in the legend
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(f"USD {ok.min() / 1e6:,.0f} million" in t for t in labels), labels


def test_frontier_in_usd_starts_at_zero(curve):
    ax = reopt.plot.frontier(curve, relative=False)
    assert "USD million" in ax.get_ylabel()
    assert ax.get_ylim()[0] == 0.0
    ok = curve[curve["status"] == "optimal"]["cost_usd"]
    assert ax.get_ylim()[1] >= ok.max() / 1e6


# --- every line visible --------------------------------------------------------------------


def _pixels_of(ax, color) -> int:
    """How many pixels of the rendered canvas have ``color`` (legend hidden)."""
    legend = ax.get_legend()
    if legend is not None:
        legend.set_visible(False)
    canvas = ax.figure.canvas
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())[..., :3].astype(float) / 255
    return int((np.abs(image - np.array(to_rgb(color))).max(axis=-1) < 0.02).sum())


def test_every_share_line_in_the_legend_can_be_seen(curve):
    ax = reopt.plot.sweep_shares(curve)
    products = [c.split(":", 1)[1] for c in curve.columns if c.startswith("china_share:")]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(products) <= set(lines)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert set(products) <= set(legend)
    styles = {(lines[p].get_marker(), str(lines[p].get_linestyle())) for p in products}
    assert len(styles) == len(products)  # told apart even where they coincide
    for product in products:
        assert _pixels_of(ax, lines[product].get_color()) >= 30, product


# --- what was scaled -----------------------------------------------------------------------


def test_what_if_axis_names_what_the_table_says_was_scaled(what_if):
    what_if = what_if.copy()
    what_if.attrs["scaled"] = CN_PRICE
    for draw in (reopt.plot.frontier, reopt.plot.sweep_shares):
        ax = draw(what_if)
        assert ax.get_xlabel() == "price of offers from China (x today's)"
        assert "price of offers from China" in ax.get_title()


def test_what_if_axis_names_what_the_caller_says_was_scaled(what_if):
    ax = reopt.plot.frontier(what_if, scaled="price of Chinese NdPr oxide")
    assert ax.get_xlabel() == "price of Chinese NdPr oxide (x today's)"
    words = reopt.plot.sweep_shares(what_if, scaled="Dy oxide demand").get_xlabel()
    assert words == "Dy oxide demand (x today's)"


@pytest.mark.parametrize(
    ("scaled", "words"),
    [
        (
            {"column": "capacity_t", "filter": {"refined_in": ["CN", "MY"]}},
            "capacity of offers refined in China or Malaysia",
        ),
        ({"column": "demand_t", "filter": {}}, "all demand"),
        ({"column": "demand_t", "filter": {"product": "Dy oxide"}}, "demand for Dy oxide"),
        (
            {"column": "price_usd_per_kg", "filter": {"kind": "recycler"}},
            "price of recycler offers",
        ),
    ],
)
def test_what_if_words_for_each_kind_of_change(what_if, scaled, words):
    what_if = what_if.copy()
    what_if.attrs["scaled"] = scaled
    assert reopt.plot.frontier(what_if).get_xlabel() == f"{words} (x today's)"


def test_what_if_without_a_record_of_what_was_scaled_does_not_guess(what_if):
    what_if = what_if.copy()
    what_if.attrs.pop("scaled", None)
    assert reopt.plot.frontier(what_if).get_xlabel() == "factor on what was scaled (x today's)"


def test_a_what_if_sweep_records_what_it_scaled(what_if):
    assert reopt.plot.frontier(what_if).get_xlabel() == "price of offers from China (x today's)"


# --- bench plots ---------------------------------------------------------------------------


def test_bench_plots_draw_no_bars_on_a_log_axis_and_linear_axes_from_zero(tmp_path, monkeypatch):
    results = json.loads(RESULTS.read_text())
    monkeypatch.setattr(plt, "close", lambda *args: None)  # keep the figures to read them
    write_report(results, tmp_path / "RESULTS.md", tmp_path / "plots")
    pictures = sorted(p.name for p in (tmp_path / "plots").glob("*.png"))
    assert pictures == ["memory_by_size.png", "settings_by_size.png", "time_by_size.png"]
    figures = [plt.figure(n) for n in plt.get_fignums()]
    assert len(figures) == 3
    for figure in figures:
        (ax,) = figure.axes
        assert ax.get_title() and _has_unit(ax.get_ylabel()) and ax.get_xlabel()
        if ax.get_yscale() == "log":
            assert not ax.patches, ax.get_title()  # a bar on a log axis has no honest base
        else:
            assert ax.get_ylim()[0] == 0.0, ax.get_title()


# --- progress ------------------------------------------------------------------------------


def test_progress_is_drawn_by_tqdm(monkeypatch):
    import tqdm.auto

    made = []

    class Recorder(tqdm.auto.tqdm):
        def __init__(self, *args, **kwargs):
            made.append(kwargs)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(tqdm.auto, "tqdm", Recorder)
    out = io.StringIO()
    with Progress(3, label="sweep", enabled=True, file=out) as bar:
        for _ in range(3):
            bar.update()
    assert bar.done == 3
    assert len(made) == 1 and made[0]["total"] == 3 and made[0]["desc"] == "sweep"
    assert "sweep 3/3" in out.getvalue()


def test_progress_writes_to_its_stream_only_when_enabled():
    out = io.StringIO()
    with Progress(2, label="bench", enabled=True, file=out) as bar:
        bar.update(2)
    assert "bench 2/2" in out.getvalue() and out.getvalue().endswith("\n")
    quiet = io.StringIO()
    with Progress(2, label="bench", enabled=False, file=quiet) as bar:
        bar.update(2)
    assert bar.done == 2 and quiet.getvalue() == ""
    piped = io.StringIO()  # not a terminal: silent unless asked
    with Progress(2, label="bench", file=piped) as bar:
        bar.update(2)
    assert piped.getvalue() == "" and not interactive(piped)


def test_progress_is_shown_in_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    with Progress(1, label="sweep", file=screen) as bar:
        bar.update()
    assert "sweep 1/1" in screen.getvalue()


def test_importing_ipykernel_is_not_being_in_a_notebook():
    """A test run or script that imports ipykernel (nbclient does) is not a notebook."""
    pytest.importorskip("ipykernel")
    import ipykernel  # noqa: F401

    assert not interactive(io.StringIO())
