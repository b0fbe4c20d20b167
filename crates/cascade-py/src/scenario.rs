//! Scenarios as the CLI loads them: a file, else a shipped name (`cascade_scenario::resolve`), or text; with the
//! CLI's overrides (`--set PATH=VALUE`, `--seed`, `--ticks`, `--margin`) applied before validation, so that an
//! error is the CLI's located message.

use crate::scenario_error;
use cascade_scenario::{Override, Overrides, Source, library};
use pyo3::prelude::*;

/// A validated scenario, with the source and the overrides it was loaded with.
#[pyclass(frozen, module = "cascade._cascade")]
pub struct Scenario {
    /// Where the text came from.
    pub source: Source,
    /// What was changed before validation.
    pub overrides: Overrides,
    /// The margin preset or rules file that replaced the scenario's rules, as named.
    pub margin: Option<String>,
    /// The scenario, validated.
    pub scenario: cascade_scenario::Scenario,
}

impl Scenario {
    /// Loads `source` with the CLI's overrides.
    fn with(
        source: Source,
        set: Vec<String>,
        seed: Option<u64>,
        ticks: Option<u64>,
        margin: Option<String>,
    ) -> PyResult<Self> {
        let set = set.iter().map(|s| s.parse::<Override>().map_err(scenario_error)).collect::<PyResult<Vec<_>>>()?;
        let rules = match &margin {
            Some(name) => {
                Some(library::load_margin(name).map_err(|e| scenario_error(format!("margin rules {name}: {e}")))?)
            }
            None => None,
        };
        let overrides = Overrides { margin: rules, set, ticks, seed };
        let scenario = source.load(&overrides).map_err(scenario_error)?;
        Ok(Self { source, overrides, margin, scenario })
    }
}

#[pymethods]
impl Scenario {
    /// Loads a scenario file, or else the shipped scenario of that name, as `cascade run NAME` does.
    #[staticmethod]
    #[pyo3(signature = (name, set=Vec::new(), seed=None, ticks=None, margin=None))]
    fn load(
        name: &str,
        set: Vec<String>,
        seed: Option<u64>,
        ticks: Option<u64>,
        margin: Option<String>,
    ) -> PyResult<Self> {
        let source = cascade_scenario::resolve(name).map_err(scenario_error)?;
        Self::with(source, set, seed, ticks, margin)
    }

    /// Loads scenario text, named `label` in errors; relative paths in it (a `base`, a replayed series) resolve in
    /// the working directory.
    #[staticmethod]
    #[pyo3(signature = (text, label="<string>".to_owned(), set=Vec::new(), seed=None, ticks=None, margin=None))]
    fn from_text(
        text: String,
        label: String,
        set: Vec<String>,
        seed: Option<u64>,
        ticks: Option<u64>,
        margin: Option<String>,
    ) -> PyResult<Self> {
        Self::with(Source { label, text, dir: None }, set, seed, ticks, margin)
    }

    /// The same source loaded again with `set` added to the overrides (and the seed, run length or margin
    /// rules replaced where given).
    #[pyo3(signature = (set=Vec::new(), seed=None, ticks=None, margin=None))]
    fn with_overrides(
        &self,
        set: Vec<String>,
        seed: Option<u64>,
        ticks: Option<u64>,
        margin: Option<String>,
    ) -> PyResult<Self> {
        let mut all: Vec<String> = self.overrides.set.iter().map(ToString::to_string).collect();
        all.extend(set);
        let margin = margin.or_else(|| self.margin.clone());
        Self::with(self.source.clone(), all, seed.or(self.overrides.seed), ticks.or(self.overrides.ticks), margin)
    }

    /// The scenario's name.
    #[getter]
    fn name(&self) -> String {
        self.scenario.name.clone()
    }

    /// The seed a run uses unless given another.
    #[getter]
    fn seed(&self) -> u64 {
        self.scenario.seed
    }

    /// Run length, ticks.
    #[getter]
    fn ticks(&self) -> u64 {
        self.scenario.ticks
    }

    /// Seconds of simulated time per tick.
    #[getter]
    fn tick_seconds(&self) -> f64 {
        self.scenario.tick_seconds
    }

    /// Where it came from: the path as given, `<built-in NAME>`, or the label of text.
    #[getter]
    fn label(&self) -> String {
        self.source.label.clone()
    }

    /// The overrides applied, as `PATH=VALUE` lines (as the run's manifest records them).
    #[getter]
    fn overrides(&self) -> Vec<String> {
        self.overrides.describe()
    }

    /// The scenario as RON, every field written out (reads back to the same scenario).
    fn to_ron(&self) -> String {
        cascade_scenario::to_ron(&self.scenario)
    }

    fn __repr__(&self) -> String {
        format!(
            "<cascade Scenario {:?}: {} ticks of {} s, from {}>",
            self.scenario.name, self.scenario.ticks, self.scenario.tick_seconds, self.source.label
        )
    }
}

/// The shipped scenarios' names, in the order `cascade scenarios` lists them.
#[pyfunction]
pub fn scenarios() -> Vec<&'static str> {
    library::LIBRARY.iter().map(|e| e.name).collect()
}

/// The shipped margin presets' names (`margin=` of a load, `cascade run --margin`).
#[pyfunction]
pub fn margin_presets() -> Vec<&'static str> {
    library::MARGIN_PRESETS.iter().map(|e| e.name).collect()
}
