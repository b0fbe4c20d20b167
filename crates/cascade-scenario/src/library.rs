//! The shipped scenario library (`scenarios/` of the repository) and the data it replays, compiled in so that
//! front ends can run a scenario by name from anywhere: a checkout, an installed binary, a Python wheel.

use std::path::{Component, Path};

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
    entry!("gamma-crash"),
    entry!("black-thursday"),
    entry!("pool-crash"),
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
    margin_entry!("regime-switching"),
    margin_entry!("learned-quantile"),
    margin_entry!("ccp-apc"),
];

/// Where a shipped scenario's relative paths (a `base`, a replayed series) resolve: a folder no real path has,
/// read by [`read`] from the files compiled in (the repository's `scenarios/` folder).
pub const ROOT: &str = "<library>/scenarios";

/// Data files the shipped scenarios replay, compiled in: the path from the repository's root, and the text.
pub const DATA: &[Entry] = &[Entry {
    name: "assets/data/coinbase-btcusd-1h-2018-01.csv",
    text: include_str!("../../../assets/data/coinbase-btcusd-1h-2018-01.csv"),
}];

/// The text of the file at `path`: a compiled-in file when `path` names one under [`ROOT`]'s parent (a shipped
/// scenario `scenarios/NAME.ron`, a margin preset `scenarios/margin/NAME.ron`, a [`DATA`] file), otherwise the
/// file on disk.
pub fn read(path: &Path) -> std::io::Result<String> {
    match shipped(path) {
        Some(text) => Ok(text.to_owned()),
        None => std::fs::read_to_string(path),
    }
}

/// The compiled-in text `path` names, if any (`..` and `.` resolved lexically).
fn shipped(path: &Path) -> Option<&'static str> {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir => {}
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    let root = Path::new(ROOT).parent().map(|p| p.display().to_string())?;
    let (first, rest) = parts.split_first()?;
    if *first != root {
        return None;
    }
    let relative = rest.join("/");
    let scenario = relative.strip_prefix("scenarios/").and_then(|r| r.strip_suffix(".ron"));
    let in_library = |entries: &'static [Entry], name: &str| entries.iter().find(|e| e.name == name).map(|e| e.text);
    scenario
        .and_then(|name| match name.strip_prefix("margin/") {
            Some(preset) => in_library(MARGIN_PRESETS, preset),
            None => in_library(LIBRARY, name),
        })
        .or_else(|| in_library(DATA, &relative))
}

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

/// Loads a shipped scenario by name, with overrides; `None` if there is no such scenario.
pub fn load(name: &str, overrides: &crate::Overrides) -> Option<Result<crate::Scenario, crate::ScenarioError>> {
    let entry = find(name)?;
    let source =
        crate::Source { label: format!("<built-in {name}>"), text: entry.text.to_owned(), dir: Some(ROOT.into()) };
    Some(source.load(overrides))
}
