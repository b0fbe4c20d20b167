//! What a scenario name means, and the typed changes a front end makes before validation.
//!
//! Every front end (the CLI, the GUI, later the Python module) names a scenario the same way and goes through
//! [`resolve`]: **a path to an existing file wins; otherwise the name of a shipped scenario**; anything else is an
//! error listing the shipped names. The result, a [`Source`], is loaded with [`Overrides`] (run length, seed, margin
//! rules, `--set` paths) that are applied to the parsed scenario *before* it is validated, so no change can bypass
//! validation.

use crate::{Margin, Override, RawScenario, Scenario, ScenarioError, library};
use std::path::{Path, PathBuf};

/// A scenario's text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// How the scenario is named in messages and manifests: the path as given, or `<built-in NAME>`.
    pub label: String,
    /// The RON text (its SHA-256 goes into the manifest).
    pub text: String,
    /// Where relative paths in the text (a `base`, a replayed series) resolve; `None`: the working directory.
    pub dir: Option<PathBuf>,
}

/// Decides what `name` means: an existing file at that path, else a shipped scenario of that name (a directory
/// of that name is not a scenario file).
pub fn resolve(name: &str) -> Result<Source, ScenarioError> {
    let path = Path::new(name);
    if path.is_file() {
        let label = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io { file: label.clone(), source })?;
        return Ok(Source { label, text, dir: path.parent().map(Path::to_path_buf) });
    }
    if let Some(entry) = library::find(name) {
        return Ok(Source {
            label: format!("<built-in {name}>"),
            text: entry.text.to_owned(),
            dir: Some(library::ROOT.into()),
        });
    }
    let shipped: Vec<&str> = library::LIBRARY.iter().map(|e| e.name).collect();
    Err(ScenarioError::NotFound { name: name.to_owned(), shipped: shipped.join(", ") })
}

/// Typed changes to a scenario, applied in this order to the parsed scenario before validation: the margin rules
/// replace the scenario's `margin` section, the `--set` paths apply on top, then the run length and the seed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// Margin rules that replace the scenario's (a preset's or a rules file's).
    pub margin: Option<Margin>,
    /// `PATH=VALUE` changes, in order.
    pub set: Vec<Override>,
    /// Run length in ticks.
    pub ticks: Option<u64>,
    /// Seed of every random stream.
    pub seed: Option<u64>,
}

impl Overrides {
    /// The changes of the scenario's fields as `PATH=VALUE` lines, as a manifest records them (the margin rules as
    /// one `margin=` JSON value; run length and seed have fields of their own in the manifest).
    pub fn describe(&self) -> Vec<String> {
        let margin = self.margin.as_ref().map(|m| {
            let json = serde_json::to_string(m).unwrap_or_else(|e| format!("<cannot write: {e}>"));
            format!("margin={json}")
        });
        margin.into_iter().chain(self.set.iter().map(ToString::to_string)).collect()
    }

    /// Whether the run length is changed (`ticks`, or a `--set ticks=`).
    pub(crate) fn sets_ticks(&self) -> bool {
        self.ticks.is_some() || self.set.iter().any(|o| o.path == "ticks")
    }

    /// The override that last set the field at `path` (or a field containing it), as the user wrote it.
    pub(crate) fn origin_of(&self, path: &str) -> Option<String> {
        let covers = |set: &str| {
            path == set || path.strip_prefix(set).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        };
        if let Some(ticks) = self.ticks.filter(|_| covers("ticks")) {
            return Some(format!("--ticks {ticks}"));
        }
        if let Some(o) = self.set.iter().rev().find(|o| covers(&o.path)) {
            return Some(format!("--set {o}"));
        }
        self.margin.as_ref().filter(|_| covers("margin")).map(|_| "--margin".to_owned())
    }

    /// `scenario` with these changes, not yet validated.
    pub(crate) fn apply(&self, mut scenario: RawScenario) -> Result<RawScenario, ScenarioError> {
        if let Some(margin) = &self.margin {
            scenario.margin = margin.clone();
        }
        let mut scenario = crate::apply_overrides(scenario, &self.set)?;
        if let Some(ticks) = self.ticks {
            scenario.ticks = ticks;
        }
        if let Some(seed) = self.seed {
            scenario.seed = seed;
        }
        Ok(scenario)
    }
}

impl Source {
    /// Parses the text, merges it over its `base` chain, applies `overrides` and validates the result.
    pub fn load(&self, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
        crate::load_source(self, overrides)
    }
}
