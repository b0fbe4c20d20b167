//! `cascade validate` and `cascade scenarios`.

use crate::cli::{load, note_late_shocks};
use cascade_scenario::{Overrides, library};
use std::process::ExitCode;

/// Lists the shipped scenarios and margin presets.
pub fn list_scenarios() {
    let width = library::LIBRARY.iter().map(|e| e.name.len()).max().unwrap_or(0);
    for entry in library::LIBRARY {
        let description = match cascade_scenario::parse(entry.name, entry.text) {
            Ok(s) => s.description,
            Err(e) => format!("(does not parse: {e})"),
        };
        println!("{:width$}  {description}", entry.name);
    }
    println!("\nMargin rules (`cascade run NAME --margin PRESET`, `cascade compare`):");
    let width = library::MARGIN_PRESETS.iter().map(|e| e.name.len()).max().unwrap_or(0);
    for entry in library::MARGIN_PRESETS {
        // Each preset's first comment line is its one-line summary.
        let first = entry.text.lines().next().unwrap_or_default().trim_start_matches("//").trim();
        println!("{:width$}  {first}", entry.name);
    }
    println!("\nRun one with `cascade run NAME`; the files are in scenarios/ (margin rules in scenarios/margin/).");
}

/// Validates each scenario (a file or a shipped name) with `overrides`, reporting every problem of every one.
pub fn validate(names: &[String], overrides: &Overrides) -> ExitCode {
    let mut failed = 0;
    for name in names {
        match load(name, overrides) {
            Ok(loaded) => {
                let s = &loaded.scenario;
                println!("ok: {} ({:?}, {} ticks, {} shocks)", loaded.source.label, s.name, s.ticks, s.shocks.len());
                note_late_shocks(&loaded, false);
            }
            Err(e) => {
                failed += 1;
                eprintln!("error: {e:#}");
            }
        }
    }
    if failed > 0 {
        eprintln!("{failed} of {} scenario files failed validation", names.len());
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
