//! Writing a run's files: `timeseries.csv`, `events.csv`, `summary.json`, `manifest.json`.
//! Everything written is a function of the scenario and the seed (the manifest adds the command line), so the same
//! run gives byte-identical files.

use crate::Simulation;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

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
    /// Encoding a CSV row failed.
    #[error("{path}: {source}")]
    Csv {
        /// The file.
        path: String,
        /// The cause.
        source: csv::Error,
    },
}

/// Writes the four output files of `sim` into `dir` (created if missing), and `markets.csv` when the world has
/// several markets.
pub fn write_run(dir: &Path, sim: &Simulation, manifest: &Manifest) -> Result<(), OutputError> {
    std::fs::create_dir_all(dir).map_err(|source| OutputError::Io { path: dir.display().to_string(), source })?;
    write_csv(&dir.join("timeseries.csv"), sim.records())?;
    write_csv(&dir.join("events.csv"), sim.events())?;
    if !sim.market_records().is_empty() {
        write_csv(&dir.join("markets.csv"), sim.market_records())?;
    }
    write_json(&dir.join("summary.json"), &sim.summary())?;
    write_json(&dir.join("manifest.json"), manifest)
}

fn write_csv<T: Serialize>(path: &Path, rows: &[T]) -> Result<(), OutputError> {
    let csv_err = |source| OutputError::Csv { path: path.display().to_string(), source };
    let mut writer = csv::Writer::from_path(path).map_err(csv_err)?;
    for row in rows {
        writer.serialize(row).map_err(csv_err)?;
    }
    writer.flush().map_err(|source| OutputError::Io { path: path.display().to_string(), source })
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
