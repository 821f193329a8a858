"""Monte Carlo: the same numbers on every executor and batch size, and the right ones."""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

import reopt
import reopt.progress
from reopt.analysis import mc_fast, mc_job, montecarlo
from reopt.analysis.draws import correlation_root, sample_factors

CN_PRICE = reopt.Draw(scale="price", where={"country": "CN"}, dist="lognormal", sigma=0.3)


def one_offer(price: float = 50.0, demand: float = 100.0, capacity: float = math.inf):
    offers = pd.DataFrame(
        {
            "source": ["a", "b"],
            "product": ["X", "X"],
            "country": ["AU", "CN"],
            "capacity_t": [capacity, 0.0],
            "price_usd_per_kg": [price, price],
        }
    )
    return reopt.Market(offers, pd.DataFrame({"product": ["X"], "demand_t": [demand]}))


@pytest.fixture(scope="module")
def japan():
    return reopt.datasets.japan_2025()


@pytest.fixture(scope="module")
def serial(japan):
    return reopt.monte_carlo(
        japan, n=200, draws=[CN_PRICE], china_cap=0.6, seed=3, executor=None, progress=False
    )


def the_call(japan, ex, n=200):
    """The call of issue 15, as written."""
    return reopt.monte_carlo(
        japan,
        n=n,
        draws=[reopt.Draw(scale="price", where={"country": "CN"}, dist="lognormal", sigma=0.3)],
        china_cap=0.6,
        seed=3,
        executor=ex,
        progress=False,
    )


# --- the same numbers everywhere ---------------------------------------------------------------
def test_threads_give_the_serial_table(japan, serial):
    with ThreadPoolExecutor(2) as ex:
        threaded = the_call(japan, ex)
    assert serial["cost_usd"].tolist() == threaded["cost_usd"].tolist()
    pd.testing.assert_frame_equal(serial, threaded)
    assert serial["draw"].tolist() == list(range(200))
    assert serial["status"].eq("optimal").all()
    assert serial["cost_usd"].nunique() > 150  # the draws really differ


@pytest.mark.parametrize("batch_size", [1, 7, 64, 500])
def test_batch_size_does_not_change_the_numbers(japan, serial, batch_size):
    again = reopt.monte_carlo(
        japan, n=200, draws=[CN_PRICE], china_cap=0.6, seed=3, batch_size=batch_size
    )
    pd.testing.assert_frame_equal(serial, again)


def test_samples_stacked_a_few_at_a_time_give_the_same_numbers(japan, serial, monkeypatch):
    """A large model checks its samples a few at a time (bounded memory): same table."""
    monkeypatch.setattr(mc_fast, "STACKED_VALUES", 100)  # 2 samples of japan_2025 at a time
    pd.testing.assert_frame_equal(serial, the_call(japan, None))


def test_a_longer_run_starts_with_the_shorter_one(japan, serial):
    longer = the_call(japan, None, n=230)
    pd.testing.assert_frame_equal(serial, longer.iloc[:200])


def test_process_pool_and_dask_give_the_serial_table(japan):
    distributed = pytest.importorskip("distributed")
    n = 500
    serial = the_call(japan, None, n=n)
    with reopt.process_executor(2) as pool:
        pooled = the_call(japan, pool, n=n)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        dasked = the_call(japan, client, n=n)
    assert serial["cost_usd"].tolist() == pooled["cost_usd"].tolist()
    assert serial["cost_usd"].tolist() == dasked["cost_usd"].tolist()
    pd.testing.assert_frame_equal(serial, pooled)
    pd.testing.assert_frame_equal(serial, dasked)


def dies_at_ten(job, start, stop):
    """A batch that ends its worker process when it reaches draw 10 (module level: pickles)."""
    if start <= 10 < stop:
        os._exit(3)
    return mc_job.run_batch(job, start, stop)


def test_a_worker_that_dies_is_an_error_naming_the_draws(japan, monkeypatch):
    monkeypatch.setattr(montecarlo, "run_batch", dies_at_ten)
    with reopt.process_executor(2) as pool, pytest.raises(reopt.SolverError) as caught:
        reopt.monte_carlo(japan, n=40, draws=[CN_PRICE], executor=pool, batch_size=5)
    assert "died" in str(caught.value)
    assert any(f"draws {a}..{a + 4}" in str(caught.value) for a in range(0, 15, 5))


class _InterruptedBar(reopt.progress.Progress):
    """A progress bar whose second update is a Ctrl-C."""

    def update(self, steps: int = 1) -> None:
        super().update(steps)
        if self.done > steps:
            raise KeyboardInterrupt


def test_an_interrupted_pool_run_stops_and_leaves_no_workers(japan, monkeypatch):
    monkeypatch.setattr(montecarlo, "Progress", _InterruptedBar)
    started = time.perf_counter()
    with reopt.process_executor(2) as pool:
        with pytest.raises(KeyboardInterrupt):
            reopt.monte_carlo(japan, n=20_000, draws=[CN_PRICE], executor=pool, batch_size=20)
        assert multiprocessing.active_children()  # the pool is still the caller's to close
    assert multiprocessing.active_children() == []
    assert time.perf_counter() - started < 60  # the 1,000 batches not started were cancelled


def _session_members(session: int) -> list[tuple[int, str]]:
    """(pid, state) of every process of ``session`` still alive (zombies are not)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[3]) == session and fields[0] not in ("Z", "X"):
                found.append((int(entry), fields[0]))
    return found


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="lists processes through /proc")
def test_ctrl_c_on_a_pool_run_leaves_no_processes_or_temp_files(tmp_path):
    """SIGINT to the run's whole process group, as Ctrl-C in a terminal sends it."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    script = Path(__file__).with_name("interrupted_run.py")
    run = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=dict(os.environ, TMPDIR=str(temp)),
    )
    try:
        assert run.stdout.readline().strip() == "running"
        time.sleep(0.5)
        os.killpg(run.pid, signal.SIGINT)
        _, err = run.communicate(timeout=120)
        deadline = time.monotonic() + 20
        while _session_members(run.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = _session_members(run.pid)
    finally:
        if run.poll() is None or _session_members(run.pid):
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode != 0
    assert "KeyboardInterrupt" in err
    assert "was not interrupted" not in err
    assert left == []
    assert list(temp.iterdir()) == []


def test_sample_i_is_seeded_by_the_ith_spawned_seed():
    seeds = np.random.SeedSequence(11).spawn(5)
    for i in range(5):
        z = np.random.default_rng(seeds[i]).standard_normal(1)[0]
        assert sample_factors([CN_PRICE], 11, i, None)[0] == pytest.approx(math.exp(0.3 * z))


def test_the_factor_column_holds_the_factor_applied(japan, serial):
    """Draw 0 re-solved by hand with its factor gives the table's cost and shares."""
    row = serial.iloc[5]
    offers = japan.offers
    cn = offers["country"] == "CN"
    offers.loc[cn, "price_usd_per_kg"] *= row["price_factor:0"]
    plan = reopt.solve(japan.replace(offers=offers), china_cap=0.6)
    assert row["cost_usd"] == pytest.approx(plan.cost_usd, rel=1e-9)
    shares = plan.shares("country")["CN"]
    for product, share in shares.items():
        assert row[f"china_share:{product}"] == pytest.approx(share, abs=1e-7)


# --- the fast path gives the full path's answers -----------------------------------------------
@pytest.mark.parametrize(
    "draws",
    [
        [reopt.Draw(scale="price", where={"country": "CN"}, sigma=0.4)],
        [reopt.Draw(scale="capacity", where={"source": "lynas_malaysia"}, dist="outage", p=0.3)],
        [reopt.Draw(scale="demand", where={"product": "NdPr oxide"}, sigma=0.5)],
        [
            reopt.Draw(scale="price", where={}, dist="uniform", low=0.5, high=1.5),
            reopt.Draw(scale="capacity", where={"country": "AU"}, dist="uniform", low=0, high=2),
            reopt.Draw(scale="demand", where={}, dist="triangular", low=0.8, mode=1, high=1.6),
        ],
    ],
)
def test_fast_path_matches_the_validated_path(japan, monkeypatch, draws):
    fast = reopt.monte_carlo(japan, n=40, draws=draws, china_cap=0.6, seed=1)
    job = montecarlo._job(japan, 40, draws, 0.6, (), None, 1, None, "highs", None, 50)
    assert job.fast is not None  # the fast path was taken
    monkeypatch.setattr(montecarlo, "probe", lambda *args: None)
    full = reopt.monte_carlo(japan, n=40, draws=draws, china_cap=0.6, seed=1)
    assert fast["status"].tolist() == full["status"].tolist()
    assert (full["status"] == "optimal").sum() > 10
    np.testing.assert_allclose(fast["cost_usd"], full["cost_usd"], rtol=1e-9)
    shares = [c for c in fast.columns if c.startswith("china_share:")]
    np.testing.assert_allclose(fast[shares], full[shares], atol=1e-7)


@pytest.mark.parametrize(
    ("policy", "draw"),
    [
        # a value-basis cap puts prices into the rows' coefficients
        (reopt.cap_share(0.8, country="CN", basis="value"), CN_PRICE),
        # a cap over all products: one product's demand moves its bound only in part
        (
            reopt.cap_share(0.7, country="CN", scope="total"),
            reopt.Draw(scale="demand", where={"product": "NdPr oxide"}, sigma=0.2),
        ),
    ],
)
def test_probe_refuses_what_it_cannot_scale(japan, policy, draw):
    """The probe must see a draw that moves more than it scales, and step aside."""
    policies = (policy,)
    job = montecarlo._job(japan, 5, [draw], None, policies, None, 0, None, "highs", None, 5)
    assert job.fast is None
    table = reopt.monte_carlo(japan, n=5, draws=[draw], policies=policies, seed=0)
    factor = table[f"{draw.scale}_factor:0"].iloc[2]
    offers, demand = japan.offers, japan.demand
    if draw.scale == "price":
        offers.loc[offers["country"] == "CN", "price_usd_per_kg"] *= factor
    else:
        demand.loc[demand["product"] == "NdPr oxide", "demand_t"] *= factor
    plan = reopt.solve(japan.replace(offers=offers, demand=demand), policies=policies)
    assert plan.is_optimal
    assert table["cost_usd"].iloc[2] == pytest.approx(plan.cost_usd, rel=1e-9)


def test_fast_path_on_a_market_over_periods(monkeypatch):
    market = reopt.datasets.japan_outlook()
    draws = [
        reopt.Draw(scale="demand", where={"product": "NdPr oxide"}, sigma=0.2),
        reopt.Draw(scale="capacity", where={"country": "AU"}, dist="outage", p=0.3),
        reopt.Draw(scale="price", where={"period": 2030}, dist="uniform", low=0.5, high=2),
    ]
    c = [[1, 0.5, 0], [0.5, 1, 0], [0, 0, 1]]
    fast = reopt.monte_carlo(market, n=30, draws=draws, china_cap=0.9, correlation=c)
    monkeypatch.setattr(montecarlo, "probe", lambda *args: None)
    full = reopt.monte_carlo(market, n=30, draws=draws, china_cap=0.9, correlation=c)
    assert fast["status"].tolist() == full["status"].tolist()
    assert 5 < (full["status"] == "optimal").sum() < 30
    np.testing.assert_allclose(fast["cost_usd"], full["cost_usd"], rtol=1e-9)
    shares = [c for c in fast.columns if c.startswith("china_share:")]
    assert len(shares) == 50  # product / period
    np.testing.assert_allclose(fast[shares], full[shares], atol=1e-7)


# --- the numbers are right ---------------------------------------------------------------------
def test_closed_form_uniform_price():
    price, demand, low, high, n = 50.0, 100.0, 0.5, 2.0, 4000
    draw = reopt.Draw(scale="price", where={"source": "a"}, dist="uniform", low=low, high=high)
    table = reopt.monte_carlo(one_offer(price, demand), n=n, draws=[draw], seed=7)
    scale = demand * 1000 * price
    cost = table["cost_usd"].to_numpy()
    np.testing.assert_allclose(cost, scale * table["price_factor:0"], rtol=1e-12)
    width = (high - low) * scale
    mean, sd = (low + high) / 2 * scale, width / math.sqrt(12)
    assert abs(cost.mean() - mean) < 4 * sd / math.sqrt(n)
    stats = table.summary().loc["cost_usd"]
    assert abs(stats["mean"] - mean) < 4 * sd / math.sqrt(n)
    assert abs(stats["std"] - sd) < 4 * sd / math.sqrt(2 * n)
    for q in (0.05, 0.5, 0.95):
        exact = (low + q * (high - low)) * scale
        se = math.sqrt(q * (1 - q) / n) * width  # the density is 1 / width
        assert abs(stats[f"q{round(q * 100):02d}"] - exact) < 4 * se
    assert stats["p_infeasible"] == 0.0


def test_correlation_is_honoured():
    offers = pd.DataFrame(
        {
            "source": ["a", "b"],
            "product": ["X", "Y"],
            "country": ["AU", "CN"],
            "capacity_t": [math.inf, math.inf],
            "price_usd_per_kg": [10.0, 20.0],
        }
    )
    demand = pd.DataFrame({"product": ["X", "Y"], "demand_t": [1.0, 2.0]})
    market = reopt.Market(offers, demand)
    draws = [
        reopt.Draw(scale="price", where={"source": "a"}, sigma=0.3),
        reopt.Draw(scale="price", where={"source": "b"}, dist="uniform", low=0.5, high=1.5),
    ]
    n, rho = 2000, 0.8
    table = reopt.monte_carlo(market, n=n, draws=draws, correlation=[[1, rho], [rho, 1]])
    z_a = np.log(table["price_factor:0"]) / 0.3
    u_b = table["price_factor:1"] - 0.5
    z_b = np.array([NormalDist().inv_cdf(u) for u in u_b])
    assert abs(np.corrcoef(z_a, z_b)[0, 1] - rho) < 4 * (1 - rho**2) / math.sqrt(n)
    independent = reopt.monte_carlo(market, n=n, draws=draws)
    assert (
        abs(np.corrcoef(independent["price_factor:0"], independent["price_factor:1"])[0, 1]) < 0.1
    )
    expected = 1e4 * table["price_factor:0"] + 4e4 * table["price_factor:1"]
    np.testing.assert_allclose(table["cost_usd"], expected, rtol=1e-9)


def test_outage_frequency_is_p():
    p, n = 0.2, 2000
    draw = reopt.Draw(scale="capacity", where={"source": "a"}, dist="outage", p=p, factor=0.25)
    table = reopt.monte_carlo(one_offer(capacity=200.0), n=n, draws=[draw], seed=5)
    hit = table["capacity_factor:0"] == 0.25
    assert set(table["capacity_factor:0"]) == {0.25, 1.0}
    assert abs(hit.mean() - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_infeasible_draws_are_rows():
    draw = reopt.Draw(scale="capacity", where={"source": "a"}, dist="outage", p=0.5)
    table = reopt.monte_carlo(one_offer(capacity=150.0), n=200, draws=[draw], seed=2)
    out = table["capacity_factor:0"] == 0.0
    assert 50 < out.sum() < 150
    assert (table.loc[out, "status"] == "infeasible").all()
    assert table.loc[out, "cost_usd"].isna().all()
    assert (table.loc[~out, "status"] == "optimal").all()
    assert table.loc[~out, "cost_usd"].eq(100 * 1000 * 50.0).all()
    stats = table.summary()
    assert stats.loc["cost_usd", "p_infeasible"] == pytest.approx(out.mean())
    assert stats.loc["cost_usd", "count"] == (~out).sum()


def test_correlated_outages_and_scenarios_take_the_full_path(japan):
    scenarios = reopt.datasets.japan_2025_scenarios()
    table = reopt.monte_carlo(japan, n=3, draws=[CN_PRICE], scenarios=scenarios, seed=4)
    assert "shortage_t" in table.columns
    offers = japan.offers
    offers.loc[offers["country"] == "CN", "price_usd_per_kg"] *= table["price_factor:0"].iloc[1]
    plan = reopt.solve(japan.replace(offers=offers), scenarios=scenarios)
    assert table["cost_usd"].iloc[1] == pytest.approx(plan.expected_cost_usd, rel=1e-9)
    shortage = plan.shortage["expected_shortage_t"].sum()
    assert table["shortage_t"].iloc[1] == pytest.approx(shortage, abs=1e-9)


# --- hostile input -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "columns"),
    [
        ({"scale": "cost", "dist": "normal", "sigma": 1}, {"scale", "dist"}),
        ({"scale": "price", "sigma": -1, "mu": 2}, {"sigma", "mu"}),
        ({"scale": "price", "sigma": math.nan}, {"sigma"}),
        ({"scale": "price", "sigma": math.inf}, {"sigma"}),
        ({"scale": "price", "sigma": True}, {"sigma"}),
        ({"scale": "price", "sigma": "0.3"}, {"sigma"}),
        ({"scale": "price"}, {"sigma"}),
        ({"scale": "price", "dist": "uniform", "low": 2, "high": 1}, {"uniform"}),
        ({"scale": "price", "dist": "triangular", "low": 1, "mode": 3, "high": 2}, {"triangular"}),
        ({"scale": "capacity", "dist": "outage", "p": 1.5, "factor": -1}, {"p", "factor"}),
        ({"scale": "demand", "where": {"country": "CN"}, "sigma": 0.1}, {"where['country']"}),
        ({"scale": "price", "where": "CN", "sigma": 0.1}, {"where"}),
    ],
)
def test_hostile_draws_are_one_input_error(kwargs, columns):
    with pytest.raises(reopt.InputError) as caught:
        reopt.Draw(**kwargs)
    assert {p.column for p in caught.value.problems} == columns


def test_hostile_arguments_are_one_input_error(japan):
    with pytest.raises(reopt.InputError) as caught:
        reopt.monte_carlo(
            japan, n=0, draws=[CN_PRICE], seed=-1, china_cap=35, solver="nope", batch_size=0.5
        )
    columns = {p.column for p in caught.value.problems}
    assert {"n", "seed", "china_cap", "batch_size"} <= columns
    with pytest.raises(reopt.InputError, match="draws"):
        reopt.monte_carlo(japan, n=5, draws=[{"scale": "price"}])
    with pytest.raises(reopt.InputError, match="draws"):
        reopt.monte_carlo(japan, n=5, draws=[])
    with pytest.raises(reopt.InputError, match="ZZ"):
        zz = reopt.Draw(scale="price", where={"country": "ZZ"}, sigma=0.1)
        reopt.monte_carlo(japan, n=5, draws=[zz])
    with pytest.raises(reopt.InputError, match="executor"):
        reopt.monte_carlo(japan, n=5, draws=[CN_PRICE], executor="processes")


@pytest.mark.parametrize(
    ("matrix", "rule"),
    [
        ([[1, 0.5], [0.4, 1]], "symmetric"),
        ([[2, 0], [0, 1]], "diagonal"),
        ([[1, 0], [0, 1], [0, 0]], "2 x 2"),
        ([[1, math.nan], [math.nan, 1]], "finite"),
        ("identity", "square matrix"),
        ([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]], "semi-definite"),
    ],
)
def test_bad_correlation(matrix, rule):
    k = 3 if "semi" in rule else 2
    with pytest.raises(reopt.InputError, match=rule):
        correlation_root(matrix, k)


def test_singular_correlation_moves_draws_together():
    root = correlation_root([[1, 1], [1, 1]], 2)
    assert root is not None
    two = [CN_PRICE, CN_PRICE]
    f = sample_factors(two, 0, 3, root)
    assert f[0] == pytest.approx(f[1], rel=1e-12)


def test_huge_factors_are_refused_naming_the_draw():
    draw = reopt.Draw(scale="price", where={"source": "a"}, sigma=400.0)
    with np.errstate(over="ignore"):
        factors = [sample_factors([draw], 0, i, None)[0] for i in range(50)]
    # offer b keeps 50 USD/kg: a factor beyond 1e12 (or below 1e-12) breaks the price ratio
    first = next(i for i, f in enumerate(factors) if not 1e-12 <= f <= 1e12)
    with pytest.raises(reopt.InputError, match=rf"draw {first}\b") as caught:
        reopt.monte_carlo(one_offer(), n=50, draws=[draw], seed=0, batch_size=50)
    assert caught.value.problems[0].column == "price_usd_per_kg"


def test_magnitude_limits_on_a_batch_name_each_failure():
    """`Limits.beyond` on a stack of samples: the first failing one, and each rule it breaks."""
    market = one_offer(capacity=10.0)
    limits = mc_fast.Limits.of(market)
    ones = np.ones((4, 2))
    assert limits.beyond(ones, ones, np.ones((4, 1))) is None
    price, capacity, demand = ones.copy(), ones.copy(), np.ones((4, 1))
    capacity[2, 0] = 2e11  # 2e12 t
    demand[3, 0] = 1e11  # 1e13 t
    price[3, 0] = 1e13  # a ratio of 1e13 to the other offer, and 5e14 USD/kg
    j, err = limits.beyond(price, capacity, demand)
    assert j == 2 and [p.column for p in err.problems] == ["capacity_t"]
    j, err = limits.beyond(price[3:], capacity[3:], demand[3:])
    assert j == 0
    assert [p.column for p in err.problems] == ["price_usd_per_kg", "demand_t", "price_usd_per_kg"]


# --- the fast path: arrays only, checked, and the full check where it refuses -----------------
def test_the_fast_path_needs_no_plan_per_sample(japan, serial, monkeypatch):
    """Answers that pass the array check never go through make_plan (no Plan per sample)."""

    def no_plan(*args, **kwargs):
        raise AssertionError("make_plan called on the fast path")

    monkeypatch.setattr(mc_fast, "make_plan", no_plan)
    pd.testing.assert_frame_equal(serial, the_call(japan, None))


def test_answers_the_array_check_refuses_go_to_the_full_check(japan, serial, monkeypatch):
    """Every answer refused: each is built as a program and checked by make_plan instead."""
    calls = []
    full = mc_fast.make_plan

    def counted(*args, **kwargs):
        calls.append(1)
        return full(*args, **kwargs)

    monkeypatch.setattr(mc_fast, "make_plan", counted)
    monkeypatch.setattr(
        mc_fast.ArrayCheck, "passes", lambda self, *a: np.zeros(len(a[5]), dtype=bool)
    )
    again = the_call(japan, None, n=40)
    assert len(calls) == 40
    pd.testing.assert_frame_equal(serial.iloc[:40], again, check_exact=False, rtol=1e-9, atol=1e-7)


@pytest.mark.parametrize("solver", [s for s in reopt.available_solvers() if s != "highs"])
def test_another_back_end_gives_the_same_samples(japan, serial, solver):
    """The fast path on another warm-starting back end's session, or the full path."""
    table = reopt.monte_carlo(
        japan, n=40, draws=[CN_PRICE], china_cap=0.6, seed=3, solver=solver, progress=False
    )
    expected = serial.iloc[:40]
    assert table["status"].tolist() == expected["status"].tolist()
    np.testing.assert_allclose(table["cost_usd"], expected["cost_usd"], rtol=1e-6)


def test_default_batches_are_a_few_hundred_samples(japan):
    assert [montecarlo.batch_size_for(n) for n in (1, 200, 1000, 10_000, 10**6)] == [
        25,
        25,
        63,
        500,
        500,
    ]

    submitted = []

    class Counting(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            submitted.append(args[1:])
            return super().submit(fn, *args, **kwargs)

    with Counting(1) as ex:
        reopt.monte_carlo(japan, n=1000, draws=[CN_PRICE], executor=ex, progress=False)
    assert len(submitted) == 16
    assert submitted[0] == (0, 63) and submitted[-1] == (945, 1000)
    # where the executor says how many workers it has: about 4 tasks each
    assert [montecarlo.batch_size_for(n, 2) for n in (10, 1000, 10_000, 10**6)] == [
        25,
        125,
        1250,
        2000,
    ]


class _Scattered:
    def __init__(self, value):
        self.value = value
        self.released = False

    def release(self):
        self.released = True


class _UnwrappingExecutor(ThreadPoolExecutor):
    """As Dask's executor: a scattered future given as an argument arrives as its value."""

    def submit(self, fn, /, *args, **kwargs):
        assert any(isinstance(a, _Scattered) for a in args), "the job was not scattered"
        args = tuple(a.value if isinstance(a, _Scattered) else a for a in args)
        return super().submit(fn, *args, **kwargs)


class _DaskLikeClient:
    """Just what reopt uses of a Dask client: ``get_executor`` and ``scatter``."""

    def __init__(self):
        self.scattered = []
        self.executor = _UnwrappingExecutor(2)

    def get_executor(self, **kwargs):
        assert kwargs == {"pure": False}
        return self.executor

    def scatter(self, value, **kwargs):
        self.scattered.append((kwargs, _Scattered(value)))
        return self.scattered[-1][1]


def test_a_dask_client_gets_the_job_once_and_tasks_get_its_future(japan, serial):
    client = _DaskLikeClient()
    with client.executor:
        table = the_call(japan, client)
    pd.testing.assert_frame_equal(serial, table)
    [(kwargs, future)] = client.scattered
    assert kwargs == {"broadcast": True, "hash": False}
    assert isinstance(future.value, mc_job.Job)
    assert future.released


def test_a_pool_gets_the_job_pickled_once_and_unpickles_it_once(japan, serial, monkeypatch):
    loads = []
    unpickle = mc_job.pickle.loads
    monkeypatch.setattr(mc_job.pickle, "loads", lambda data: loads.append(1) or unpickle(data))
    with ThreadPoolExecutor(1) as ex:
        table = reopt.monte_carlo(
            japan, n=200, draws=[CN_PRICE], china_cap=0.6, seed=3, executor=ex, batch_size=25
        )
    pd.testing.assert_frame_equal(serial, table)
    assert len(loads) == 1  # 8 batches, one worker


def test_a_plain_executor_gets_the_job_itself(japan):
    with ThreadPoolExecutor(1) as ex, montecarlo.shared(ex, "job") as sent:
        assert sent == "job"
    with montecarlo.shared(None, "job") as sent:
        assert sent == "job"


# --- plots -------------------------------------------------------------------------------------
def test_plots(serial):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = reopt.plot.cost_distribution(serial)
    assert "USD million" in ax.get_xlabel()
    assert len(ax.patches) == 40
    ax = reopt.plot.share_distribution(serial)
    assert [t.get_text() for t in ax.get_xticklabels()] == list(
        reopt.datasets.japan_2025().products
    )
    with pytest.raises(reopt.InputError):
        reopt.plot.cost_distribution(pd.DataFrame({"x": [1]}))
    plt.close("all")


# --- the benchmark's split of a serial sample --------------------------------------------------
def test_the_benchmark_times_each_part_and_puts_every_function_back(japan):
    from reopt.bench import montecarlo as bench

    before = {path: bench._owner(module, path) for _, module, path in bench.PARTS}
    originals = {path: owner.__dict__[name] for path, (owner, name) in before.items()}
    parts = bench.split(japan, 60)
    assert parts["solver run and read back (HiGHS or greedy)"] > 0
    assert parts["numpy check (array)"] > 0
    assert parts["full check (answers the array check refused)"] == 0
    assert sum(v for k, v in parts.items() if k not in ("all", "other")) <= parts["all"]
    for path, (owner, name) in before.items():
        assert owner.__dict__[name] is originals[path]
    assert set(bench.profile(japan, 60)) <= {label for label, _, _ in bench.PARTS}
    assert bench.profile(japan, 60)["numpy check (array)"] > 0
