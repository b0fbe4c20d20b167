//! The shipped scenario library (`scenarios/` of the repository), compiled in so that front ends can run a
//! scenario by name from anywhere.

use std::path::{Path, PathBuf};

/// A shipped scenario: its name (the file name without `.ron`) and its text.
pub struct Entry {
    /// Name, as given to `cascade run`.
    pub name: &'static str,
    /// The RON text.
    pub text: &'static str,
}

macro_rules! entry {
    ($name:literal) => {
        Entry { name: $name, text: include_str!(concat!("../../../scenarios/", $name, ".ron")) }
    };
}

/// Every shipped scenario, in the order `cascade scenarios` lists them.
pub const LIBRARY: &[Entry] = &[
    entry!("default"),
    entry!("calm"),
    entry!("crash-2020-03-12"),
    entry!("flush-2021-05-19"),
    entry!("bleed-2022-11"),
    entry!("crash-2025-10-10"),
    entry!("vol-spike-no-move"),
    entry!("replay-btc-2018-01"),
    entry!("correlation-break"),
];

macro_rules! margin_entry {
    ($name:literal) => {
        Entry { name: $name, text: include_str!(concat!("../../../scenarios/margin/", $name, ".ron")) }
    };
}

/// Shipped margin rules (`scenarios/margin/`): venue presets and one example of each policy, each a scenario
/// fragment that sets only `margin`. `cascade run --margin NAME` and `cascade compare` apply them to any scenario.
pub const MARGIN_PRESETS: &[Entry] = &[
    margin_entry!("binance-btcusdt"),
    margin_entry!("dydx-v4-mid-cap"),
    margin_entry!("sqrt-size-premium"),
    margin_entry!("liquidity-add-on"),
    margin_entry!("volatility-adaptive"),
    margin_entry!("expected-shortfall-fhs"),
    margin_entry!("garch-forecast"),
    margin_entry!("har-rv"),
    margin_entry!("ccp-apc"),
];

/// A margin rules file: `(margin: (...))` and nothing else, so that no other setting is silently ignored.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MarginRulesFile {
    margin: crate::Margin,
}

/// The margin rules of a shipped preset (by name) or of a file (`(margin: (...))`, nothing else), checked as a
/// scenario's would be.
pub fn load_margin(name_or_path: &str) -> Result<crate::Margin, crate::ScenarioError> {
    let (file, text) = match MARGIN_PRESETS.iter().find(|e| e.name == name_or_path) {
        Some(entry) => (format!("<built-in margin {}>", entry.name), entry.text.to_owned()),
        None => {
            let text = std::fs::read_to_string(name_or_path)
                .map_err(|source| crate::ScenarioError::Io { file: name_or_path.to_owned(), source })?;
            (name_or_path.to_owned(), text)
        }
    };
    let MarginRulesFile { margin } = crate::parse_as(&file, &text)?;
    // Checked as the margin of an otherwise default scenario, so problems are located in the file.
    crate::load_str(&file, &text)?;
    Ok(margin)
}

/// The shipped scenario called `name`.
pub fn find(name: &str) -> Option<&'static Entry> {
    LIBRARY.iter().find(|e| e.name == name)
}

/// Where relative paths in shipped scenarios (replayed data) resolve: the repository's `scenarios/` folder when it
/// is there (a checkout, `cargo run`, `cargo install --path`), otherwise the working directory.
pub fn dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    dir.is_dir().then_some(dir)
}

/// Loads a shipped scenario by name, with overrides; `None` if there is no such scenario.
pub fn load(name: &str, overrides: &crate::Overrides) -> Option<Result<crate::Scenario, crate::ScenarioError>> {
    let entry = find(name)?;
    let source = crate::Source { label: format!("<built-in {name}>"), text: entry.text.to_owned(), dir: dir() };
    Some(source.load(overrides))
}
