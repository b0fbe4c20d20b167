"""cascade from Python: load, run, step, sweep and calibrate margin-stress scenarios; results as polars DataFrames.

The simulation is cascade's Rust core (the same library the ``cascade`` command line drives): a run here gives the
numbers ``cascade run`` gives for the same scenario and seed. Tables cross from Rust as Arrow C streams, without a
copy through CSV. Long calls release the GIL and stop on Ctrl-C (``KeyboardInterrupt``).

Money, prices and quantities are exact decimals in the simulation; in DataFrames they are Float64 (the double
nearest each decimal, what reading the CLI's CSV gives) unless ``exact=True`` asks for the exact decimal text
(``pl.col(c).str.to_decimal()`` makes polars Decimals of it).

>>> import cascade
>>> result = cascade.run("default", ticks=100)
>>> result.timeseries.height
100
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence, Union

import polars as pl

from . import _cascade
from ._cascade import CascadeError, Scenario, ScenarioError, SimulationError, __version__

__all__ = [
    "CascadeError",
    "CalibrationResult",
    "FitResult",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Sim",
    "SimulationError",
    "SweepResult",
    "__version__",
    "calibrate",
    "fit",
    "from_text",
    "load",
    "margin_presets",
    "plan",
    "run",
    "scenarios",
    "sweep",
]

#: A scenario: a loaded :class:`Scenario`, a scenario file's path, or a shipped scenario's name.
ScenarioLike = Union[Scenario, str, "os.PathLike[str]"]
#: Field overrides, as ``cascade run --set`` takes them: ``{"margin.maintenance": 0.05}`` or ``["PATH=VALUE", ...]``.
Settings = Union[Mapping[str, Any], Sequence[str], None]


def scenarios() -> list[str]:
    """The shipped scenarios' names, in the order ``cascade scenarios`` lists them."""
    return list(_cascade.scenarios())


def margin_presets() -> list[str]:
    """The shipped margin presets' names (the ``margin=`` of :func:`load`, ``cascade run --margin``)."""
    return list(_cascade.margin_presets())


def _value(value: Any) -> str:
    """A Python value as a ``--set`` value: numbers and booleans as JSON, text as written (RON or a name)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value)
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as a scenario value")


def _settings(settings: Settings) -> list[str]:
    """Overrides as ``PATH=VALUE`` lines."""
    if settings is None:
        return []
    if isinstance(settings, Mapping):
        return [f"{path}={_value(value)}" for path, value in settings.items()]
    if isinstance(settings, str):
        raise TypeError("set= takes a mapping {path: value} or a list of 'PATH=VALUE' strings, not one string")
    return [str(s) for s in settings]


def load(
    scenario: str | os.PathLike[str],
    set: Settings = None,
    *,
    seed: int | None = None,
    ticks: int | None = None,
    margin: str | None = None,
) -> Scenario:
    """Loads a scenario file, else the shipped scenario of that name, as ``cascade run`` does.

    ``set`` overrides fields (``{"margin.maintenance": 0.05, "shocks[0].at": 600}``), ``seed`` and ``ticks`` the
    seed and run length, ``margin`` replaces the margin rules with a shipped preset or a rules file; all before
    validation. Raises :class:`ScenarioError` with the CLI's located message.
    """
    return Scenario.load(os.fspath(scenario), _settings(set), seed, ticks, margin)


def from_text(
    text: str,
    set: Settings = None,
    *,
    label: str = "<string>",
    seed: int | None = None,
    ticks: int | None = None,
    margin: str | None = None,
) -> Scenario:
    """Loads scenario text (RON, as a scenario file), named ``label`` in errors; see :func:`load`."""
    return Scenario.from_text(text, label, _settings(set), seed, ticks, margin)


def _scenario(scenario: ScenarioLike, set: Settings, seed: int | None, ticks: int | None, margin: str | None) -> Scenario:
    if isinstance(scenario, Scenario):
        if set is None and seed is None and ticks is None and margin is None:
            return scenario
        return scenario.with_overrides(_settings(set), seed, ticks, margin)
    return load(scenario, set, seed=seed, ticks=ticks, margin=margin)


def _frame(table: _cascade.Table) -> pl.DataFrame:
    """A native table as a polars DataFrame (through the Arrow C stream interface)."""
    return pl.DataFrame(table)


class Sim:
    """A simulation to step tick by tick: read its marks, books, accounts' health and rows at any point.

    >>> sim = cascade.Sim("default", ticks=600)
    >>> sim.step(300)
    300
    >>> sim.shock("PriceGap(change: -0.1)")
    >>> sim.step(10)
    310
    """

    def __init__(
        self,
        scenario: ScenarioLike = "default",
        set: Settings = None,
        *,
        seed: int | None = None,
        ticks: int | None = None,
        margin: str | None = None,
        audit: bool = False,
    ) -> None:
        self.scenario: Scenario = _scenario(scenario, set, None, ticks, margin)
        self._sim = _cascade.Sim(self.scenario, seed, audit)

    def step(self, n: int = 1) -> int:
        """Runs ``n`` more ticks (fewer at the end of the run); returns the ticks done."""
        return self._sim.step(n)

    def run(self) -> "Sim":
        """Runs the remaining ticks and audits the ledger as ``cascade run`` does at the end; returns ``self``."""
        self._sim.run()
        return self

    @property
    def tick(self) -> int:
        """Ticks done."""
        return self._sim.tick

    @property
    def total_ticks(self) -> int:
        """Run length, ticks."""
        return self._sim.total_ticks

    @property
    def finished(self) -> bool:
        """Whether every tick has run."""
        return self._sim.finished

    @property
    def seed(self) -> int:
        """The seed of every random stream."""
        return self._sim.seed

    def timeseries(self, exact: bool = False) -> pl.DataFrame:
        """One row per tick so far, the columns of ``timeseries.csv``."""
        return _frame(self._sim.tables(exact, False)[0])

    def markets(self, exact: bool = False) -> pl.DataFrame:
        """One row per instrument and tick so far, the columns of ``markets.csv`` (``symbol`` names the instrument)."""
        return _frame(self._sim.tables(exact, False)[1])

    def events(self, exact: bool = False, haircuts: bool = False) -> pl.DataFrame:
        """One row per event so far (liquidations, deleverages, shocks, oracle events), as ``events.csv``."""
        return _frame(self._sim.tables(exact, haircuts)[2])

    def pools(self, exact: bool = False) -> pl.DataFrame:
        """One row per pool market and tick so far, the columns of ``pool.csv`` (empty without pools)."""
        return _frame(self._sim.pools(exact))

    def summary(self) -> dict[str, Any]:
        """The headline figures so far, as ``summary.json``."""
        return json.loads(self._sim.summary_json())

    def manifest(self) -> dict[str, Any]:
        """Where the run came from (scenario, its SHA-256, seed, overrides), as ``manifest.json``."""
        return json.loads(self._sim.manifest_json())

    def marks(self, exact: bool = False) -> dict[str, Any]:
        """Every instrument's mark price now, by symbol (quote per unit; exact decimal text with ``exact``)."""
        return dict(self._sim.marks(exact))

    def book(self, symbol: str | None = None, levels: int = 10, exact: bool = False) -> pl.DataFrame:
        """The order book now: one row per price level (``symbol``, ``side`` bid/ask, ``level`` 0 = best,
        ``price``, ``quantity``), up to ``levels`` a side, of ``symbol`` (default: every instrument)."""
        return _frame(self._sim.book(symbol, levels, exact))

    def health(self, exact: bool = False) -> pl.DataFrame:
        """Every account with a position now: ``equity``, ``notional``, ``initial_requirement``,
        ``maintenance_requirement`` (quote, under the margin mode), ``margin_ratio`` (equity over maintenance) and
        ``liquidatable``."""
        return _frame(self._sim.health(exact))

    def shock(self, kind: str, duration: int = 1) -> None:
        """Starts a shock now, lasting ``duration`` ticks; ``kind`` as a scenario's ``shocks`` write it, e.g.
        ``"PriceGap(change: -0.1)"`` or ``"VolatilitySpike(multiplier: 3.0)"``."""
        self._sim.shock(kind, duration)

    def set_margin(self, margin: str) -> None:
        """Replaces the margin rules from the next tick on with a shipped preset or a rules file."""
        self._sim.set_margin(margin)

    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Writes the run's files (``timeseries.csv``, ``events.csv``, ``summary.json``, ...) as ``cascade run``."""
        path = Path(directory)
        self._sim.save(path)
        return path

    def __repr__(self) -> str:
        return repr(self._sim)


@dataclass(frozen=True)
class RunResult:
    """A finished run: its tables as DataFrames, its summary and manifest as dicts."""

    #: The scenario as run.
    scenario: Scenario
    #: One row per tick: the columns of ``timeseries.csv``.
    timeseries: pl.DataFrame
    #: One row per instrument and tick: the columns of ``markets.csv``.
    markets: pl.DataFrame
    #: One row per event: the columns of ``events.csv``.
    events: pl.DataFrame
    #: ``summary.json``.
    summary: dict[str, Any]
    #: ``manifest.json``.
    manifest: dict[str, Any]
    #: The finished simulation (its accounts, books; :meth:`Sim.save` writes the files).
    sim: Sim


def run(
    scenario: ScenarioLike = "default",
    set: Settings = None,
    *,
    seed: int | None = None,
    ticks: int | None = None,
    margin: str | None = None,
    audit: bool = False,
    exact: bool = False,
    haircuts: bool = False,
) -> RunResult:
    """Runs a scenario to its end, as ``cascade run`` does (same numbers for the same scenario and seed).

    ``scenario``, ``set``, ``ticks`` and ``margin`` as in :func:`load`; ``seed`` the run's seed (default: the
    scenario's); ``audit`` checks ledger conservation after every tick; ``exact`` gives money as exact decimal text;
    ``haircuts`` adds each winner's haircut of a socialized loss to the events.
    """
    sim = Sim(scenario, set, seed=seed, ticks=ticks, margin=margin, audit=audit).run()
    timeseries, markets, events = (_frame(t) for t in sim._sim.tables(exact, haircuts))
    return RunResult(sim.scenario, timeseries, markets, events, sim.summary(), sim.manifest(), sim)


def plan(
    scenarios: Sequence[str | Mapping[str, Any]],
    axes: Mapping[str, Any] | None = None,
    *,
    seeds: int | Sequence[int] | str = 1,
    seed: int = 0,
    name: str = "plan",
    combine: str | Mapping[str, Any] | None = None,
    metrics: Sequence[str] | None = None,
) -> dict[str, Any]:
    """A sweep plan built in Python (the fields of a plan file, see ``docs/sweeps.md``), for :func:`sweep`.

    ``scenarios``: names or files, or ``{"name": ..., "set": {...} or [...], "ticks": ...}``. ``axes``: field path to
    a list of values (``{"margin.maintenance": [0.02, 0.04]}``) or to a plan file's values written as a dict
    (``{"Linear": {"from": 0.01, "to": 0.1, "count": 10}}``). ``seeds``: how many seeds every point runs (common
    random numbers), a list of seeds, or ``"scenario"`` (each scenario's own). ``combine``: ``"Grid"`` (default),
    ``"Zip"`` or a sampling dict. ``metrics``: the summary figures to keep (default: all).
    """
    refs = []
    for s in scenarios:
        if isinstance(s, Mapping):
            ref = {"name": s["name"], "set": _settings(s.get("set"))}
            if s.get("ticks") is not None:
                ref["ticks"] = s["ticks"]
            refs.append(ref)
        else:
            refs.append({"name": os.fspath(s), "set": []})
    written_axes = []
    for path, values in (axes or {}).items():
        if isinstance(values, Mapping):
            written_axes.append({"path": path, "values": dict(values)})
        else:
            written_axes.append({"path": path, "values": {"List": list(values)}})
    if isinstance(seeds, int):
        seed_field: Any = {"Count": seeds}
    elif isinstance(seeds, str):
        if seeds.lower() != "scenario":
            raise ValueError(f"seeds: expected a count, a list of seeds or 'scenario', found {seeds!r}")
        seed_field = "Scenario"
    else:
        seed_field = {"List": list(seeds)}
    written: dict[str, Any] = {"name": name, "seed": seed, "seeds": seed_field, "scenarios": refs, "axes": written_axes}
    if combine is not None:
        written["combine"] = combine
    if metrics is not None:
        written["metrics"] = list(metrics)
    return written


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: ``runs.parquet`` and ``points.parquet`` as DataFrames, and the manifest."""

    #: One row per run: scenario, point, seed and every figure kept.
    runs: pl.DataFrame
    #: One row per scenario and point: the figures' mean, spread and quantiles over the seeds.
    points: pl.DataFrame
    #: ``manifest.json``.
    manifest: dict[str, Any]
    #: The output directory (``None`` when the sweep ran in a temporary one).
    dir: Path | None


def _source(value: str | os.PathLike[str]) -> tuple[str, str]:
    """A plan or calibration given as a path or as RON text: ``(source, form)``."""
    if isinstance(value, os.PathLike) or os.path.isfile(value):
        return os.fspath(value), "file"
    if value.lstrip().startswith(("(", "//", "/*", "#")):
        return value, "text"
    raise ScenarioError(f"{value}: no such file, and not RON text (which starts with `(`)")


def _in_directory(out: str | os.PathLike[str] | None, work: Any) -> tuple[Any, Path | None]:
    """Runs ``work(directory)`` in ``out``, or in a temporary directory removed afterwards."""
    if out is not None:
        return work(Path(out)), Path(out)
    with tempfile.TemporaryDirectory(prefix="cascade-") as directory:
        return work(Path(directory)), None


def sweep(
    plan: str | os.PathLike[str] | Mapping[str, Any],
    *,
    out: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
) -> SweepResult:
    """Runs a sweep on every core, as ``cascade sweep`` does: ``plan`` a plan file, RON text or a :func:`plan` dict.

    With ``out``, the sweep's files are written there and running again resumes (finished runs are not redone);
    without, it runs in a temporary directory. ``jobs``: runs at once (default: one per core).
    """
    if isinstance(plan, Mapping):
        source, form = json.dumps(plan), "json"
    else:
        source, form = _source(plan)
    (runs, points, manifest), directory = _in_directory(out, lambda d: _cascade.sweep(source, form, d, jobs))
    return SweepResult(_frame(runs), _frame(points), json.loads(manifest), directory)


@dataclass(frozen=True)
class CalibrationResult:
    """A finished calibration: the frontier of every point evaluated, and ``calibration.json``."""

    #: One row per family and point evaluated (``frontier.parquet``).
    frontier: pl.DataFrame
    #: ``calibration.json``: each family's answer, interval, boundary and evidence.
    calibration: dict[str, Any]
    #: The output directory (``None`` when it ran in a temporary one).
    dir: Path | None


def calibrate(
    calibration: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
) -> CalibrationResult:
    """Searches margin rules for the cheapest meeting the targets, as ``cascade calibrate`` does (``calibration``:
    a calibration file or RON text; see ``docs/calibration.md``). ``out`` and ``jobs`` as in :func:`sweep`."""
    source, form = _source(calibration)
    (frontier, file), directory = _in_directory(out, lambda d: _cascade.calibrate(source, form, d, jobs))
    return CalibrationResult(_frame(frontier), json.loads(file), directory)


@dataclass(frozen=True)
class FitResult:
    """A market fitted to a real series by simulated moments: every point of the plan, nearest first, and the real
    series' moments."""

    #: One row per point (``fit.parquet``): rank, the axes' values, runs, distance, each moment beside the target's.
    points: pl.DataFrame
    #: The real series' moments: ``moments`` (names), ``target``, ``sd_of_a_run`` (the spread that weighs each),
    #: ``target_returns``, ``run_returns``, ``failures``.
    target: dict[str, Any]


def fit(
    plan: str | os.PathLike[str] | Mapping[str, Any],
    prices: Sequence[float] | pl.Series,
    *,
    interval: int = 1,
    block: int = 500,
    jobs: int | None = None,
) -> FitResult:
    """Fits a market to a real price series, as ``cascade fit`` does (``docs/validation.md``): every point of
    ``plan`` (a plan file, RON text or a :func:`plan` dict, of one scenario) runs on its seeds, and the points are
    ranked by the distance of their marks' moments to those of ``prices`` (oldest first), each weighted by its
    spread over stretches of the series as long as a run (moving-block bootstrap, blocks of ``block`` returns).
    ``interval``: returns over that many observations (ticks of a run, entries of ``prices``)."""
    if isinstance(plan, Mapping):
        source, form = json.dumps(plan), "json"
    else:
        source, form = _source(plan)
    table, target = _cascade.fit(source, form, [float(p) for p in prices], interval, block, jobs)
    return FitResult(_frame(table), json.loads(target))
