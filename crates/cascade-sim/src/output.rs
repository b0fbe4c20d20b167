//! Writing a run's files: `timeseries.csv`, `events.csv`, `summary.json`, `manifest.json`.
//! Everything written is a function of the scenario and the seed (the manifest adds the command line), so the same
//! run gives byte-identical files.

use crate::Simulation;
use crate::record::{Event, EventKind, ForecastTick, MarketTick, PoolTick, TickRecord};
use crate::recorder::RecordSink;
use cascade_core::Decimal;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a run came from: enough to reproduce it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// Program name.
    pub program: String,
    /// Program version.
    pub version: String,
    /// Scenario file as given, or `<built-in NAME>` for a shipped scenario run by name.
    pub scenario_path: String,
    /// SHA-256 of the scenario text, lowercase hex.
    pub scenario_sha256: String,
    /// Scenario name.
    pub scenario_name: String,
    /// Seed used.
    pub seed: u64,
    /// Ticks run.
    pub ticks: u64,
    /// Field overrides applied to the scenario (`PATH=VALUE`).
    pub overrides: Vec<String>,
    /// The command line (or the action in the GUI) that produced the run.
    pub command_line: Vec<String>,
}

impl Manifest {
    /// The manifest of a run of `scenario` (as loaded from `source` with `overrides`) with `seed`, produced by
    /// `command_line`.
    pub fn new(
        source: &cascade_scenario::Source,
        scenario: &cascade_scenario::Scenario,
        seed: u64,
        overrides: &cascade_scenario::Overrides,
        command_line: Vec<String>,
    ) -> Self {
        Self {
            program: "cascade".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            scenario_path: source.label.clone(),
            scenario_sha256: sha256_hex(source.text.as_bytes()),
            scenario_name: scenario.name.clone(),
            seed,
            ticks: scenario.ticks,
            overrides: overrides.describe(),
            command_line,
        }
    }
}

/// Why writing outputs failed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Creating or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The run kept no rows in memory to write (it streamed them, or kept only its summary).
    #[error("{path}: the run kept no rows in memory to write")]
    NotKept {
        /// The output directory.
        path: String,
    },
    /// Encoding a CSV row failed.
    #[error("{path}: {source}")]
    Csv {
        /// The file.
        path: String,
        /// The cause.
        source: csv::Error,
    },
}

/// Writes the four output files of `sim` into `dir` (created if missing), `markets.csv` when the world has
/// several instruments, `forecasts.csv` under a predictive margin policy and `pool.csv` with pool markets. The
/// simulation must keep its rows in memory ([`Recording::Memory`]); a streamed run has written its rows already and
/// needs only [`write_summary`].
pub fn write_run(dir: &Path, sim: &Simulation, manifest: &Manifest) -> Result<(), OutputError> {
    let rows = sim.kept().ok_or_else(|| OutputError::NotKept { path: dir.display().to_string() })?;
    let mut sink = FileSink::create(dir)?;
    rows.by_tick().try_for_each(|(row, markets)| sink.tick(row, markets))?;
    rows.events.iter().try_for_each(|e| sink.event(e))?;
    rows.forecasts.iter().try_for_each(|f| sink.forecast(f))?;
    rows.pools.iter().try_for_each(|p| sink.pool(p))?;
    sink.finish()?;
    write_summary(dir, sim, manifest)
}

/// Writes `summary.json` and `manifest.json` of `sim` into `dir`.
pub fn write_summary(dir: &Path, sim: &Simulation, manifest: &Manifest) -> Result<(), OutputError> {
    write_json(&dir.join("summary.json"), &sim.summary())?;
    write_json(&dir.join("manifest.json"), manifest)
}

/// Streams a run's rows into the files of a directory as the run goes: `events.csv`, and for a world of one
/// instrument `timeseries.csv` with the venue's and the instrument's columns in one row per tick; for a world of
/// several, `timeseries.csv` with the venue's columns and `markets.csv` with one row per instrument and tick; under a
/// predictive margin policy, `forecasts.csv` with one row per instrument and tick; with pool markets, `pool.csv` with
/// one row per pool and tick.
pub struct FileSink {
    dir: PathBuf,
    ticks: csv::Writer<std::fs::File>,
    events: csv::Writer<std::fs::File>,
    markets: Option<csv::Writer<std::fs::File>>,
    forecasts: Option<csv::Writer<std::fs::File>>,
    pools: Option<csv::Writer<std::fs::File>>,
    haircuts: bool,
}

impl FileSink {
    /// Creates `dir` if missing, and its `timeseries.csv` and `events.csv` (empty until rows arrive).
    pub fn create(dir: &Path) -> Result<Self, OutputError> {
        std::fs::create_dir_all(dir).map_err(|source| OutputError::Io { path: dir.display().to_string(), source })?;
        Ok(Self {
            dir: dir.to_path_buf(),
            ticks: csv_writer(&dir.join("timeseries.csv"))?,
            events: csv_writer(&dir.join("events.csv"))?,
            markets: None,
            forecasts: None,
            pools: None,
            haircuts: false,
        })
    }

    /// Also writes each winner's haircut of a socialized loss (one `haircut` row per winner per shortfall; without
    /// it, one `socialized_loss` row per shortfall stands for them, and the summary counts them either way).
    pub fn with_haircuts(self, haircuts: bool) -> Self {
        Self { haircuts, ..self }
    }
}

/// `dir/file`, as errors name it.
fn in_dir(dir: &Path, file: &str) -> String {
    dir.join(file).display().to_string()
}

fn csv_writer(path: &Path) -> Result<csv::Writer<std::fs::File>, OutputError> {
    csv::Writer::from_path(path).map_err(|source| OutputError::Csv { path: path.display().to_string(), source })
}

impl RecordSink for FileSink {
    fn tick(&mut self, venue: &TickRecord, markets: &[MarketTick]) -> Result<(), OutputError> {
        let ticks = in_dir(&self.dir, "timeseries.csv");
        if let [market] = markets {
            let row = SoleMarketRow::new(venue, market);
            return self.ticks.serialize(row).map_err(|source| OutputError::Csv { path: ticks, source });
        }
        self.ticks.serialize(venue).map_err(|source| OutputError::Csv { path: ticks, source })?;
        if self.markets.is_none() {
            self.markets = Some(csv_writer(&self.dir.join("markets.csv"))?);
        }
        if let Some(writer) = &mut self.markets {
            for row in markets {
                let path = in_dir(&self.dir, "markets.csv");
                writer.serialize(row).map_err(|source| OutputError::Csv { path, source })?;
            }
        }
        Ok(())
    }

    fn event(&mut self, row: &Event) -> Result<(), OutputError> {
        if row.kind == EventKind::Haircut && !self.haircuts {
            return Ok(());
        }
        let dir = &self.dir;
        self.events.serialize(row).map_err(|source| OutputError::Csv { path: in_dir(dir, "events.csv"), source })
    }

    fn forecast(&mut self, row: &ForecastTick) -> Result<(), OutputError> {
        write_optional(&self.dir, "forecasts.csv", &mut self.forecasts, row)
    }

    fn pool(&mut self, row: &PoolTick) -> Result<(), OutputError> {
        write_optional(&self.dir, "pool.csv", &mut self.pools, row)
    }

    fn finish(&mut self) -> Result<(), OutputError> {
        let flush = |writer: &mut csv::Writer<std::fs::File>, path: String| {
            writer.flush().map_err(|source| OutputError::Io { path, source })
        };
        flush(&mut self.ticks, in_dir(&self.dir, "timeseries.csv"))?;
        flush(&mut self.events, in_dir(&self.dir, "events.csv"))?;
        let path = in_dir(&self.dir, "markets.csv");
        self.markets.as_mut().map_or(Ok(()), |w| flush(w, path))?;
        let path = in_dir(&self.dir, "forecasts.csv");
        self.forecasts.as_mut().map_or(Ok(()), |w| flush(w, path))?;
        let path = in_dir(&self.dir, "pool.csv");
        self.pools.as_mut().map_or(Ok(()), |w| flush(w, path))
    }
}

/// Writes `row` to `dir/file`, a file created with its first row.
fn write_optional<T: Serialize>(
    dir: &Path,
    file: &str,
    writer: &mut Option<csv::Writer<std::fs::File>>,
    row: &T,
) -> Result<(), OutputError> {
    if writer.is_none() {
        *writer = Some(csv_writer(&dir.join(file))?);
    }
    let path = in_dir(dir, file);
    writer.as_mut().map_or(Ok(()), |w| w.serialize(row).map_err(|source| OutputError::Csv { path, source }))
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), OutputError> {
    let io_err = |source| OutputError::Io { path: path.display().to_string(), source };
    let mut text = serde_json::to_string_pretty(value).map_err(|e| io_err(e.into()))?;
    text.push('\n');
    std::fs::File::create(path).and_then(|mut f| f.write_all(text.as_bytes())).map_err(io_err)
}

/// SHA-256 of `bytes`, lowercase hex (for the manifest's scenario hash).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A row of `timeseries.csv` in a world of one instrument: the venue's and the instrument's columns together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SoleMarketRow {
    tick: u64,
    time_s: f64,
    reference: f64,
    oracle: Decimal,
    mark: Decimal,
    best_bid: Option<Decimal>,
    best_ask: Option<Decimal>,
    last_trade: Option<Decimal>,
    bid_depth_1pct: Decimal,
    ask_depth_1pct: Decimal,
    volume: Decimal,
    notional_volume: Decimal,
    open_interest: Decimal,
    initial_margin: Decimal,
    maintenance_margin: Decimal,
    margin_locked: Decimal,
    margin_locked_standalone: Decimal,
    liquidations: u32,
    liquidated_notional: Decimal,
    rejected_orders: u32,
    backstop_notional: Decimal,
    deleveraged_notional: Decimal,
    socialized_loss: Decimal,
    oracle_stale: bool,
    oracle_rejections: u32,
    funding_rate: Option<Decimal>,
    insurance_fund: Decimal,
    bad_debt: Decimal,
    fees: Decimal,
}

impl SoleMarketRow {
    /// The row of a tick: the venue's row and the sole instrument's.
    pub fn new(venue: &TickRecord, m: &MarketTick) -> Self {
        Self {
            tick: venue.tick,
            time_s: venue.time_s,
            reference: m.reference,
            oracle: m.oracle,
            mark: m.mark,
            best_bid: m.best_bid,
            best_ask: m.best_ask,
            last_trade: m.last_trade,
            bid_depth_1pct: m.bid_depth_1pct,
            ask_depth_1pct: m.ask_depth_1pct,
            volume: m.volume,
            notional_volume: m.notional_volume,
            open_interest: m.open_interest,
            initial_margin: m.initial_margin,
            maintenance_margin: m.maintenance_margin,
            margin_locked: venue.margin_locked,
            margin_locked_standalone: venue.margin_locked_standalone,
            liquidations: m.liquidations,
            liquidated_notional: m.liquidated_notional,
            rejected_orders: m.rejected_orders,
            backstop_notional: m.backstop_notional,
            deleveraged_notional: m.deleveraged_notional,
            socialized_loss: m.socialized_loss,
            oracle_stale: m.oracle_stale,
            oracle_rejections: m.oracle_rejections,
            funding_rate: m.funding_rate,
            insurance_fund: venue.insurance_fund,
            bad_debt: venue.bad_debt,
            fees: venue.fees,
        }
    }
}
