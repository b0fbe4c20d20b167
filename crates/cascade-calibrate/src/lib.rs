//! Calibration: the cheapest margin rules that keep a venue solvent over a scenario set, the frontier of capital
//! locked against solvency, and (in [`breakpoint`]) the smallest shock that breaks a given rule.
//!
//! A [`file::Calibration`] (RON, `cascade calibrate FILE.ron`) names margin families, each with its parameters and
//! their ranges, the scenarios, the seeds, the targets and the objective. [`Prepared::family`] searches one
//! parameter by a first round of evenly spaced points, then bisection of the bracket where the targets start to
//! hold ([`search`]), and several with CMA-ES ([`cmaes`], [`evolve`]), spending the full seeds only on candidates
//! that do not fail decisively on the first few; every round is a sweep ([`cascade_sweep`]) with the same seeds at
//! every point (common random numbers), judged by [`judge`]. [`output`] writes the answer, its bootstrap interval,
//! a scenario snippet and the frontier. [`market`] fits a scenario's market to a real price series by simulated
//! moments. The CLI is a thin front end over this library.

pub mod breakpoint;
pub mod calibrate;
pub mod check;
pub mod cmaes;
pub mod evolve;
pub mod file;
pub mod judge;
pub mod market;
pub mod output;
pub mod search;

pub use calibrate::{FamilyResult, Prepared};

/// Why a calibration could not be read, run or written.
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    /// The file is not well-formed (syntax, unknown field or target), located.
    #[error(transparent)]
    Parse(#[from] cascade_scenario::ScenarioError),
    /// The file is well-formed but cannot run; every problem found, located where possible.
    #[error("{}", cascade_scenario::list_problems(file, problems))]
    Invalid {
        /// The calibration file.
        file: String,
        /// The problems.
        problems: Vec<String>,
    },
    /// A round's sweep failed.
    #[error(transparent)]
    Sweep(#[from] cascade_sweep::SweepError),
    /// A market fit cannot run ([`market`]): runs or the real series too short to measure.
    #[error("{0}")]
    Fit(String),
    /// Reading or writing a file failed.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        message: String,
    },
}
