"""Type hints of cascade's native module (Rust, PyO3). Use the ``cascade`` package's functions and classes, which
wrap these and turn tables into polars DataFrames."""

from os import PathLike
from typing import Any

__version__: str

class CascadeError(Exception):
    """Any error of cascade."""

class ScenarioError(CascadeError):
    """A scenario, override, plan or calibration that cannot be read or does not validate; the message is the CLI's,
    located (file, line, column, what was expected)."""

class SimulationError(CascadeError):
    """A simulation that could not be built or could not go on (a ledger fault, a world too large for memory)."""

class Table:
    """A table of results (one Arrow record batch): read it with ``polars.DataFrame(table)``."""

    @property
    def columns(self) -> list[str]:
        """The column names, in order."""
    def __len__(self) -> int: ...
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The table as an Arrow C stream PyCapsule (the Arrow PyCapsule interface)."""

class Scenario:
    """A validated scenario, with the source and the overrides it was loaded with."""

    @staticmethod
    def load(
        name: str,
        set: list[str] = ...,
        seed: int | None = None,
        ticks: int | None = None,
        margin: str | None = None,
    ) -> Scenario:
        """Loads a scenario file, else the shipped scenario of that name, as ``cascade run NAME`` does."""
    @staticmethod
    def from_text(
        text: str,
        label: str = "<string>",
        set: list[str] = ...,
        seed: int | None = None,
        ticks: int | None = None,
        margin: str | None = None,
    ) -> Scenario:
        """Loads scenario text, named ``label`` in errors."""
    def with_overrides(
        self,
        set: list[str] = ...,
        seed: int | None = None,
        ticks: int | None = None,
        margin: str | None = None,
    ) -> Scenario:
        """The same source loaded again with ``set`` added to the overrides."""
    @property
    def name(self) -> str:
        """The scenario's name."""
    @property
    def seed(self) -> int:
        """The seed a run uses unless given another."""
    @property
    def ticks(self) -> int:
        """Run length, ticks."""
    @property
    def tick_seconds(self) -> float:
        """Seconds of simulated time per tick."""
    @property
    def label(self) -> str:
        """Where it came from: the path as given, ``<built-in NAME>``, or the label of text."""
    @property
    def overrides(self) -> list[str]:
        """The overrides applied, as ``PATH=VALUE`` lines (as the run's manifest records them)."""
    def to_ron(self) -> str:
        """The scenario as RON, every field written out."""

class Sim:
    """A simulation of one scenario and seed, every row kept in memory."""

    def __init__(self, scenario: Scenario, seed: int | None = None, audit: bool = False) -> None: ...
    def step(self, n: int = 1) -> int:
        """Runs ``n`` more ticks (fewer at the end); returns the ticks done. Releases the GIL; Ctrl-C interrupts."""
    def run(self) -> None:
        """Runs the remaining ticks, then audits the ledger."""
    @property
    def tick(self) -> int:
        """Ticks done."""
    @property
    def total_ticks(self) -> int:
        """Run length, ticks."""
    @property
    def finished(self) -> bool:
        """Whether every tick has run."""
    @property
    def seed(self) -> int:
        """The seed."""
    def tables(self, exact: bool = False, haircuts: bool = False) -> tuple[Table, Table, Table]:
        """``timeseries``, ``markets`` and ``events`` so far."""
    def pools(self, exact: bool = False) -> Table:
        """Pool markets' rows so far, as ``pool.csv``."""
    def summary_json(self) -> str:
        """The summary so far, as ``summary.json``."""
    def manifest_json(self) -> str:
        """The manifest, as ``manifest.json``."""
    def save(self, dir: str | PathLike[str]) -> None:
        """Writes the run's files into ``dir``, as ``cascade run --out DIR`` does."""
    def marks(self, exact: bool = False) -> list[tuple[str, Any]]:
        """Every instrument's mark price now, ``(symbol, mark)`` in instrument order."""
    def book(self, symbol: str | None = None, levels: int = 10, exact: bool = False) -> Table:
        """The books now: one row per price level, best first."""
    def health(self, exact: bool = False) -> Table:
        """Every account with a position now: equity, notional, requirements, margin ratio, liquidatable."""
    def shock(self, kind: str, duration: int = 1) -> None:
        """Starts a shock now, written as in a scenario's ``shocks``."""
    def set_margin(self, margin: str) -> None:
        """Replaces the margin rules from the next tick on with a shipped preset or a rules file."""

def scenarios() -> list[str]:
    """The shipped scenarios' names."""

def margin_presets() -> list[str]:
    """The shipped margin presets' names."""

def sweep(source: str, form: str, out: str | PathLike[str], jobs: int | None = None) -> tuple[Table, Table, str]:
    """Runs a sweep plan (``form``: file, text or json) into ``out``; returns runs, points and the manifest JSON."""

def calibrate(source: str, form: str, out: str | PathLike[str], jobs: int | None = None) -> tuple[Table, str]:
    """Runs a calibration (``form``: file or text) into ``out``; returns the frontier and ``calibration.json``."""

def fit(
    source: str,
    form: str,
    prices: list[float],
    interval: int = 1,
    block: int = 500,
    jobs: int | None = None,
) -> tuple[Table, str]:
    """Fits a plan's market (``form``: file, text or json) to ``prices`` by simulated moments; returns the fit table
    and the real series' moments (JSON)."""
