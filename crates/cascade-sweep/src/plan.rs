//! The sweep plan: the RON file `cascade sweep` reads (see `docs/sweeps.md` for every field and its default).

use serde::{Deserialize, Serialize};

/// A sweep: scenarios, the axes that vary their fields, how the axes combine into points, and the seeds each point
/// runs with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The sweep's name (default: the plan file's stem); the default output directory is `runs/sweep-<name>`.
    #[serde(default)]
    pub name: String,
    /// The sweep seed: run seeds derive from it and the seed index only (common random numbers across points).
    #[serde(default)]
    pub seed: u64,
    /// How many seeds every point runs with, or which.
    #[serde(default)]
    pub seeds: Seeds,
    /// The scenarios every point is applied to.
    pub scenarios: Vec<ScenarioRef>,
    /// The fields that vary (none: one point, the scenarios as they are).
    #[serde(default)]
    pub axes: Vec<Axis>,
    /// How the axes combine into points.
    #[serde(default)]
    pub combine: Combine,
    /// Summary figures to keep, as `summary.json` names them (nested with dots: `loss_allocation.winners_hit`);
    /// empty: every figure.
    #[serde(default)]
    pub metrics: Vec<String>,
}

/// The seeds of every point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Seeds {
    /// This many seeds, derived from the sweep seed and the seed index.
    Count(u32),
    /// These seeds, as given.
    List(Vec<u64>),
    /// Each scenario's own seed, one run per point (what `cascade compare` runs): no common random numbers
    /// across scenarios, but every point of one scenario shares its streams.
    Scenario,
}

impl Default for Seeds {
    fn default() -> Self {
        Seeds::Count(1)
    }
}

/// One scenario of the sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioRef {
    /// A scenario file (relative to the plan's directory, else to the working directory) or a shipped name.
    pub name: String,
    /// `PATH=VALUE` changes applied to it, as `--set` takes them.
    #[serde(default)]
    pub set: Vec<String>,
    /// Run length in ticks (default: the scenario's).
    #[serde(default)]
    pub ticks: Option<u64>,
}

/// One varied field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    /// The field, by the same path as `--set` (`margin.maintenance`, `shocks[0].kind.PriceGap.change`, ...); for
    /// `Presets`, `margin`.
    pub path: String,
    /// Its values.
    pub values: Values,
}

/// The values of an axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Values {
    /// These values, as a scenario file writes them (numbers or text).
    List(Vec<Value>),
    /// `count` values evenly spaced from `from` to `to`, both included.
    Linear {
        /// First value.
        from: f64,
        /// Last value.
        to: f64,
        /// How many (at least 2, or 1 for `from` alone).
        count: u32,
    },
    /// `count` values evenly spaced in logarithm from `from` to `to` (both positive), both included.
    Log {
        /// First value.
        from: f64,
        /// Last value.
        to: f64,
        /// How many.
        count: u32,
    },
    /// Shipped margin presets (or margin rules files) replacing the scenario's `margin`; `scenario` keeps the
    /// scenario's own rules. The axis path must be `margin`.
    Presets(Vec<String>),
    /// A range sampled by the plan's `Sample` combination.
    Range {
        /// Lower end.
        from: f64,
        /// Upper end.
        to: f64,
    },
    /// A range sampled uniformly in logarithm (both ends positive).
    LogRange {
        /// Lower end.
        from: f64,
        /// Upper end.
        to: f64,
    },
}

/// One value of an axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A number.
    Number(f64),
    /// Text: a name, or a value written as in a scenario file (`"Partial(target: 1.0)"`).
    Text(String),
}

impl Value {
    /// The value as a `--set` takes it.
    pub fn as_setting(&self) -> String {
        match self {
            Value::Number(x) => format!("{x}"),
            Value::Text(t) => t.clone(),
        }
    }
}

/// How the axes combine into points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Combine {
    /// Every combination of the axes' values (the last axis varies fastest).
    #[default]
    Grid,
    /// The axes' values side by side: point `i` takes the `i`th value of every axis (all axes as long).
    Zip,
    /// `count` points sampled over the axes' ranges (`Range`, `LogRange`).
    Sample {
        /// How the points are drawn.
        method: Sampling,
        /// How many points.
        count: u32,
    },
}

/// How sampled points are drawn over the unit cube (then mapped to each axis's range).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sampling {
    /// Independent uniform draws from the sweep seed.
    Uniform,
    /// Latin hypercube: each axis's range cut into `count` equal strata, one point per stratum, strata paired by
    /// independent random permutations (McKay, Beckman and Conover 1979).
    LatinHypercube,
    /// A Sobol low-discrepancy sequence, Owen-scrambled by the sweep seed (Burley 2020, through the
    /// `sobol_burley` crate): at most 65,536 points over at most 256 axes.
    Sobol,
}
