//! Sweeps: a scenario set run across parameters and seeds, on every core, with typed results.
//!
//! A [`plan::Plan`] (RON, `cascade sweep PLAN.ron`) names scenarios, axes of scenario fields (the paths `--set`
//! takes) and seeds; [`Sweep::prepare`] expands the points and validates every (scenario, point) before anything
//! runs; [`engine::run`] runs one shard's runs on a thread pool with summary-only recording, journals each as it
//! ends (so an interrupted sweep resumes), and writes `runs` and `points` as CSV and Parquet; [`engine::merge`]
//! combines the parts of a sharded sweep into the same tables. Run seeds depend on the sweep seed and the seed
//! index only: every point sees the same random streams (common random numbers).
//!
//! The CLI, and later the GUI, calibration and the Python module, drive this library.

pub mod cluster;
pub mod engine;
pub mod journal;
pub mod metrics;
pub mod plan;
pub mod points;
pub mod results;
pub mod sweep;
pub mod table;

pub use engine::{Cancel, Manifest, Options, Outcome, Shard, merge, run};
pub use sweep::Sweep;

/// Why a sweep could not be prepared, run or merged.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The plan is not well-formed (syntax, unknown field), located.
    #[error(transparent)]
    Parse(#[from] cascade_scenario::ScenarioError),
    /// The plan is well-formed but cannot run; every problem found, located where possible.
    #[error("{}", cascade_scenario::list_problems(file, problems))]
    Invalid {
        /// The plan file.
        file: String,
        /// The problems.
        problems: Vec<String>,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        message: String,
    },
    /// The output directory holds a sweep of another plan: resuming it with this one would mix them.
    #[error(
        "{dir} holds a sweep of another plan (its plan.ron differs): resume it with that plan, or choose another --out"
    )]
    PlanChanged {
        /// The directory.
        dir: String,
    },
    /// A run failed (its row records this message).
    #[error("{0}")]
    Run(String),
    /// The parts cannot be merged.
    #[error("{0}")]
    Merge(String),
    /// The sweep was cancelled ([`engine::Cancel`]); the runs finished are journaled, and running again resumes.
    #[error("the sweep was cancelled; the runs finished are kept, and running it again resumes")]
    Cancelled,
}

impl From<cascade_sim::SimError> for SweepError {
    fn from(e: cascade_sim::SimError) -> Self {
        SweepError::Run(e.to_string())
    }
}

impl From<table::TableError> for SweepError {
    fn from(e: table::TableError) -> Self {
        match e {
            table::TableError::Write { path, message } => SweepError::Io { path, message },
        }
    }
}
