//! The subcommands, one module each, and what they share: loading a named scenario and the progress bar.

pub mod backtest;
pub mod calibrate;
pub mod compare;
pub mod facts;
pub mod fit;
pub mod liq_price;
pub mod option;
pub mod pm;
pub mod report;
pub mod run;
pub mod summary;
pub mod sweep;
pub mod validate;
pub mod var;

use anyhow::Result;
use cascade_scenario::{Overrides, Scenario, Source};
use indicatif::{ProgressBar, ProgressStyle};

/// A validated scenario and the source it was loaded from.
pub struct Loaded {
    /// Where the text came from (label and text go into the manifest).
    pub source: Source,
    /// The scenario, overrides applied and validated.
    pub scenario: Scenario,
}

/// Resolves `name` (a file, else a shipped scenario) and loads it with `overrides`.
pub fn load(name: &str, overrides: &Overrides) -> Result<Loaded> {
    let source = cascade_scenario::resolve(name)?;
    let scenario = source.load(overrides)?;
    Ok(Loaded { source, scenario })
}

/// Notes on standard error the shocks that start after a shortened run's last tick and so will not happen.
pub fn note_late_shocks(loaded: &Loaded, quiet: bool) {
    let late = cascade_scenario::late_shocks(&loaded.scenario).len();
    if late > 0 && !quiet {
        eprintln!(
            "note: {}: {late} shock(s) start after the last tick ({}) and will not happen",
            loaded.source.label, loaded.scenario.ticks
        );
    }
}

/// A margin's label in paths and tables: a preset's name, or a file's stem.
pub fn margin_label(margin: &str) -> String {
    std::path::Path::new(margin).file_stem().map_or_else(|| margin.to_owned(), |s| s.to_string_lossy().into_owned())
}

/// A progress bar over `len` steps of `what` (`tick`, `run`): done / total, percent, steps per second and the time
/// left; hidden when `quiet`.
pub fn progress_bar(len: u64, what: &str, quiet: bool) -> ProgressBar {
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(len) };
    let template =
        format!("{{spinner}} {what} {{pos}}/{{len}} [{{bar:40}}] {{percent}}% {{per_sec}} eta {{eta}} {{msg}}");
    bar.set_style(
        ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> "),
    );
    bar
}
