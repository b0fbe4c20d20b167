"""The Python module against the CLI: same numbers, same errors; overrides, sweeps, stepping, the GIL and Ctrl-C.

Needs the `cascade` binary of the same checkout (CASCADE_BIN, default target/debug/cascade, which
`cargo test --workspace` builds) and the module installed (`pip install ./crates/cascade-py`).
"""

from __future__ import annotations

import _thread
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import cascade

ROOT = Path(__file__).resolve().parents[3]
CLI = Path(os.environ.get("CASCADE_BIN", ROOT / "target" / "debug" / "cascade"))
# The default scenario through its crash (the gap is at tick 1440): liquidations, deleverages, a shortfall.
CRASH = {"ticks": 1600, "seed": 5}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    assert CLI.is_file(), f"{CLI}: build the CLI first (cargo build) or set CASCADE_BIN"
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def crash(tmp_path_factory: pytest.TempPathFactory) -> tuple[cascade.RunResult, Path]:
    """The crash run from Python, and the same run's files from the CLI."""
    out = tmp_path_factory.mktemp("cli")
    done = cli("run", "default", "--ticks", "1600", "--seed", "5", "--out", str(out), "-q")
    assert done.returncode == 0, done.stderr
    return cascade.run("default", **CRASH), out


def test_a_run_gives_the_cli_numbers(crash: tuple[cascade.RunResult, Path]) -> None:
    result, out = crash
    assert result.timeseries.height == 1600
    assert result.events.filter(pl.col("kind") == "liquidation").height > 100, "the crash liquidates"
    for name, frame in [("timeseries.csv", result.timeseries), ("events.csv", result.events)]:
        written = pl.read_csv(out / name, schema=frame.schema)
        assert_frame_equal(frame, written)
    assert result.summary == json.loads((out / "summary.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    for field in ["scenario_path", "scenario_sha256", "scenario_name", "seed", "ticks", "overrides"]:
        assert result.manifest[field] == manifest[field], field


def test_exact_money_is_the_decimal_the_cli_writes(crash: tuple[cascade.RunResult, Path]) -> None:
    _, out = crash
    exact = cascade.Sim("default", **{"ticks": 200}, seed=5).run().timeseries(exact=True)
    assert exact.schema["insurance_fund"] == pl.String
    written = pl.read_csv(out / "timeseries.csv", infer_schema=False).head(200)
    assert exact["mark"].to_list() == written["mark"].to_list()
    assert exact["tick"].to_list() == list(range(200))


def test_the_result_is_deterministic_and_the_seed_matters() -> None:
    a, b = (cascade.run("default", ticks=300, seed=9).timeseries for _ in range(2))
    assert_frame_equal(a, b)
    other = cascade.run("default", ticks=300, seed=10).timeseries
    assert a["mark"].to_list() != other["mark"].to_list()


def test_overrides_change_the_run_and_are_recorded() -> None:
    scenario = cascade.load("default", {"margin.maintenance": 0.03, "margin.initial": 0.08}, ticks=50)
    assert scenario.ticks == 50
    assert scenario.overrides == ["margin.maintenance=0.03", "margin.initial=0.08"]
    result = cascade.run(scenario)
    assert result.timeseries["maintenance_margin"].unique().to_list() == [0.03]
    assert result.manifest["overrides"] == scenario.overrides
    # Added on top, later overrides win; the run length override stays.
    raised = scenario.with_overrides(["margin.maintenance=0.04"])
    assert raised.ticks == 50
    assert cascade.run(raised).timeseries["maintenance_margin"].unique().to_list() == [0.04]
    # A list of PATH=VALUE lines is the same as a dict.
    same = cascade.load("default", ["margin.maintenance=0.03", "margin.initial=0.08"], ticks=50)
    assert_frame_equal(cascade.run(same).timeseries, result.timeseries)


def test_a_bad_override_raises_the_cli_message() -> None:
    with pytest.raises(cascade.ScenarioError) as caught:
        cascade.load("default", {"margin.maintenance": -1})
    done = cli("run", "default", "--set", "margin.maintenance=-1", "-q")
    assert done.returncode != 0
    assert done.stderr == f"error: {caught.value}\n"
    assert "expected a fraction above 0" in str(caught.value)


def test_a_bad_file_raises_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "typo.ron"
    path.write_text("(\n    name: \"typo\",\n    tickz: 100,\n)\n")
    with pytest.raises(cascade.ScenarioError) as caught:
        cascade.load(path)
    message = str(caught.value)
    assert f"{path}:3:5" in message, message
    assert "ticks" in message, "the closest field is suggested"
    assert cli("run", str(path), "-q").stderr == f"error: {message}\n"
    with pytest.raises(cascade.ScenarioError, match="no-such-scenario"):
        cascade.load("no-such-scenario")


def test_scenario_text_loads_like_a_file() -> None:
    scenario = cascade.from_text('(name: "tiny", ticks: 40)')
    assert (scenario.name, scenario.ticks, scenario.label) == ("tiny", 40, "<string>")
    assert cascade.run(scenario).timeseries.height == 40
    reread = cascade.from_text(scenario.to_ron())
    assert_frame_equal(cascade.run(reread).timeseries, cascade.run(scenario).timeseries)


def test_shipped_scenarios_and_replay_data_resolve_from_any_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert "replay-btc-2018-01" in cascade.scenarios()
    assert "binance-btcusdt" in cascade.margin_presets()
    replay = cascade.run("replay-btc-2018-01", ticks=30)
    assert replay.timeseries["reference"][0] == pytest.approx(13772.0, rel=0.05)
    preset = cascade.run("default", ticks=20, margin="binance-btcusdt")
    assert preset.manifest["overrides"][0].startswith("margin=")


def test_stepping_gives_the_run_and_shows_the_world() -> None:
    sim = cascade.Sim("default", ticks=400, seed=4)
    assert (sim.tick, sim.total_ticks, sim.finished) == (0, 400, False)
    assert sim.step() == 1
    assert sim.step(149) == 150
    marks = sim.marks()
    assert list(marks) == ["BTC-PERP"]
    assert marks["BTC-PERP"] == sim.timeseries()["mark"][-1]
    book = sim.book(levels=3)
    bids, asks = book.filter(pl.col("side") == "bid"), book.filter(pl.col("side") == "ask")
    assert bids["level"].to_list() == [0, 1, 2] and asks.height == 3
    assert bids["price"][0] < asks["price"][0], "the book is not crossed"
    assert bids["price"].is_sorted(descending=True) and asks["price"].is_sorted()
    health = sim.health()
    assert health.height > 0
    ratio = health["equity"] / health["maintenance_requirement"]
    assert ((ratio - health["margin_ratio"]).abs() < 1e-9 * ratio).all()
    assert health["liquidatable"].to_list() == (health["margin_ratio"] < 1).to_list()
    assert sim.step(10_000) == 400 and sim.finished
    sim.run()
    whole = cascade.run("default", ticks=400, seed=4)
    assert_frame_equal(sim.timeseries(), whole.timeseries)
    assert sim.summary() == whole.summary
    with pytest.raises(cascade.ScenarioError, match="no instrument `ETH`"):
        sim.book("ETH")


def test_a_shock_from_python_liquidates_leveraged_accounts() -> None:
    calm, shocked = (cascade.Sim("default", ticks=1400, seed=3) for _ in range(2))
    calm.step(1300)
    shocked.step(1300)
    shocked.shock("PriceGap(change: -0.15)")
    calm.run()
    shocked.run()
    kinds = shocked.events()["kind"].to_list()
    assert kinds.count("liquidation") > calm.events()["kind"].to_list().count("liquidation") + 50
    assert shocked.marks()["BTC-PERP"] < 0.9 * calm.marks()["BTC-PERP"]


def test_a_pool_market_gives_its_pool_table() -> None:
    sim = cascade.Sim("pool-crash", ticks=600, seed=1)
    sim.run()
    pools = sim.pools()
    assert pools.height == 600 and pools["symbol"].unique().to_list() == ["ETH-PERP"]
    summary = sim.summary()["pools"][0]
    assert pools["value"][-1] == float(summary["value_end"])
    assert pools["drawdown"].max() == float(summary["max_drawdown"]) > 0
    assert cascade.Sim("default", ticks=5).run().pools().height == 0


def test_a_sweep_built_in_python_gives_the_plan_file_tables(tmp_path: Path) -> None:
    plan = cascade.plan(
        [{"name": "default", "ticks": 400, "set": {"shocks[0].at": 300, "agents.leveraged_traders.count": 200}}],
        {"margin.maintenance": [0.01, 0.04]},
        seeds=2,
        seed=7,
        name="py",
    )
    result = cascade.sweep(plan, out=tmp_path / "py", jobs=2)
    assert result.runs.height == 4 and result.points.height == 2
    assert result.manifest["complete"] and result.dir == tmp_path / "py"
    assert_frame_equal(result.runs, pl.read_parquet(tmp_path / "py" / "runs.parquet"))
    text = """(name: "py", seed: 7, seeds: Count(2),
        scenarios: [(name: "default", ticks: 400,
                     set: ["shocks[0].at=300", "agents.leveraged_traders.count=200"])],
        axes: [(path: "margin.maintenance", values: List([0.01, 0.04]))])"""
    from_text = cascade.sweep(text, jobs=1)
    assert from_text.dir is None
    assert_frame_equal(from_text.runs, result.runs)
    assert_frame_equal(from_text.points, result.points)
    # Resuming redoes nothing.
    again = cascade.sweep(plan, out=tmp_path / "py")
    assert again.manifest["runs_this_time"] == 0
    assert_frame_equal(again.runs, result.runs)


def test_a_fit_gives_the_cli_table(tmp_path: Path) -> None:
    text = """(name: "herding", seed: 1, seeds: Count(1), scenarios: [(name: "calm", ticks: 400)],
        axes: [(path: "reference.model.Herding.alpha_n", values: List([1.3, 2.4]))])"""
    (tmp_path / "plan.ron").write_text(text)
    series = ROOT / "assets" / "data" / "coinbase-btcusd-1h-2018-01.csv"
    prices = pl.read_csv(series, comment_prefix="#")["price"]
    result = cascade.fit(text, prices, block=100, jobs=1)
    out = cli("fit", str(tmp_path / "plan.ron"), "--target", str(series), "--block", "100", "--out", str(tmp_path / "f"), "-q")
    assert out.returncode == 0, out.stderr
    assert_frame_equal(result.points, pl.read_parquet(tmp_path / "f" / "fit.parquet"))
    assert result.points["rank"].to_list() == [1, 2]
    assert result.target["moments"][0] == "acf_returns_1" and result.target["target_returns"] == 647
    with pytest.raises(cascade.ScenarioError, match="at least 100 are needed"):
        cascade.fit(text.replace("ticks: 400", "ticks: 50"), prices)


def test_a_bad_plan_raises_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.ron"
    path.write_text('(\n  scenarios: [(name: "default")],\n  axes: [(path: "margin.maintenanse", values: List([0.1]))],\n)\n')
    with pytest.raises(cascade.ScenarioError) as caught:
        cascade.sweep(path)
    assert cli("sweep", str(path), "-q", "--out", str(tmp_path / "o")).stderr == f"error: {caught.value}\n"
    assert f"{path}:3:11: axes[0].path: `margin` has no field `maintenanse`" in str(caught.value)


def test_other_threads_run_while_a_simulation_runs() -> None:
    sim = cascade.Sim("default", ticks=2880)
    counts = []
    stop = threading.Event()

    def count() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            if n % 1000 == 0:
                counts.append(time.perf_counter())

    thread = threading.Thread(target=count)
    thread.start()
    started = time.perf_counter()
    sim.step(2000)
    ended = time.perf_counter()
    stop.set()
    thread.join()
    during = [t for t in counts if started < t < ended]
    # With the GIL held for the whole call, the counter could not advance until it returned.
    assert len(during) > 100, f"{len(during)} counts in {ended - started:.2f} s"
    assert ended - started > 0.2, "the call lasted long enough for the check to mean something"


def interrupt_after(seconds: float) -> threading.Timer:
    # Python's own Ctrl-C handler, even where the test process was started with SIGINT ignored (a command sent to the
    # background by a shell without job control), in which case interrupt_main would do nothing.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(seconds, _thread.interrupt_main)
    timer.start()
    return timer


def test_ctrl_c_interrupts_a_run_at_a_whole_tick() -> None:
    sim = cascade.Sim("default", ticks=100_000)
    interrupt_after(0.3)
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        sim.run()
    assert time.perf_counter() - started < 5
    assert 0 < sim.tick < sim.total_ticks
    assert sim.timeseries().height == sim.tick, "the rows so far are whole"
    assert sim.step(5) == sim.tick


def test_ctrl_c_cancels_a_sweep_which_then_resumes(tmp_path: Path) -> None:
    plan = cascade.plan([{"name": "default", "ticks": 600}], {"margin.maintenance": [0.01, 0.02, 0.03]}, seeds=4)
    interrupt_after(0.5)
    with pytest.raises(KeyboardInterrupt):
        cascade.sweep(plan, out=tmp_path, jobs=1)
    journal = (tmp_path / "journal.jsonl").read_text().splitlines()
    assert len(journal) < 12, "cancelled before the end"
    resumed = cascade.sweep(plan, out=tmp_path, jobs=2)
    assert resumed.runs.height == 12
    assert resumed.manifest["runs_this_time"] == 12 - len(journal)
