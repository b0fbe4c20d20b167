//! Scenario files for cascade.
//!
//! A scenario is a RON file that scripts a world: its market, the reference price, oracles, agent populations,
//! margin and liquidation rules, the run length and a timeline of shocks. Loading happens in two stages, as for
//! command-line arguments: [`parse`] turns text into the serde types of [`model`] (unknown fields are rejected; a
//! syntax or type error names the file, line and column), then [`validate`] checks meaning (ranges, orderings,
//! shocks inside the run) and reports every problem at once with the path of the field.
//!
//! ```
//! let scenario = cascade_scenario::load_str("inline", "(name: \"tiny\", ticks: 100)").unwrap();
//! assert_eq!(scenario.ticks, 100);
//! assert_eq!(scenario.margin.maintenance, rust_decimal::dec!(0.025));
//! ```

pub mod model;
mod validate;

pub use model::*;
pub use validate::{Problem, validate};

use std::path::Path;

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The text is not a well-formed scenario (syntax, unknown field, wrong type).
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        /// The file (or a name for inline text).
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was found and what was expected.
        message: String,
    },
    /// The scenario is well-formed but makes no sense; every problem found is listed.
    #[error("{file}: {} problem{}:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" },
        problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file.
        file: String,
        /// The problems, in field order.
        problems: Vec<Problem>,
    },
}

/// Parses scenario text without semantic checks. `file` names the source in errors.
pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    ron::Options::default().from_str::<Scenario>(text).map_err(|e| ScenarioError::Parse {
        file: file.to_owned(),
        line: e.span.start.line,
        column: e.span.start.col,
        message: e.code.to_string(),
    })
}

/// Parses and validates scenario text. `file` names the source in errors.
pub fn load_str(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let scenario = parse(file, text)?;
    let problems = validate(&scenario);
    if problems.is_empty() { Ok(scenario) } else { Err(ScenarioError::Invalid { file: file.to_owned(), problems }) }
}

/// Reads, parses and validates a scenario file.
pub fn load_file(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io { file: file.clone(), source })?;
    load_str(&file, &text)
}

#[cfg(test)]
mod tests;
