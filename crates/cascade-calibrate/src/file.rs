//! The calibration file `cascade calibrate` reads (RON; every field and its default in `docs/calibration.md`).

use serde::{Deserialize, Serialize};

/// A calibration: the margin families tuned, the scenarios they must survive, the targets, the objective and how the
/// search goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// The calibration's name (default: the file's stem); the default output directory is `runs/calibrate-<name>`.
    #[serde(default)]
    pub name: String,
    /// Seed of the run seeds (as a sweep's) and of the bootstrap.
    #[serde(default)]
    pub seed: u64,
    /// Seeds every scenario runs with at every evaluated parameter value: the same seeds everywhere (common random
    /// numbers).
    #[serde(default = "default_seeds")]
    pub seeds: u32,
    /// The scenarios every candidate must survive.
    pub scenarios: Vec<WeightedScenario>,
    /// The margin families tuned, each searched on its own.
    pub families: Vec<Family>,
    /// What a candidate must meet, in every scenario.
    pub targets: Vec<Target>,
    /// What is minimised among the candidates that meet the targets.
    #[serde(default)]
    pub objective: Objective,
    /// How the search goes.
    #[serde(default)]
    pub search: Search,
}

fn default_seeds() -> u32 {
    16
}

/// A scenario of the set, with its weight in the objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightedScenario {
    /// A scenario file (relative to the calibration file's directory first) or a shipped name.
    pub name: String,
    /// Its weight in the objective (positive; default 1). Targets hold in every scenario whatever its weight.
    #[serde(default = "one")]
    pub weight: f64,
    /// `PATH=VALUE` changes applied to it, as `--set` takes them.
    #[serde(default)]
    pub set: Vec<String>,
    /// Run length in ticks (default: the scenario's).
    #[serde(default)]
    pub ticks: Option<u64>,
}

fn one() -> f64 {
    1.0
}

/// A family of margin rules: a preset (or the scenarios' own rules) with one parameter searched over a range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Family {
    /// Its name in the output.
    pub name: String,
    /// A margin preset or margin rules file replacing the scenarios' rules, or `scenario` (their own; default).
    #[serde(default = "own")]
    pub margin: String,
    /// `PATH=VALUE` changes applied after the preset (fixed parts of the family).
    #[serde(default)]
    pub set: Vec<String>,
    /// The parameters searched: one (a grid, then bisection) or several (CMA-ES).
    pub parameters: Vec<Parameter>,
}

fn own() -> String {
    "scenario".to_owned()
}

/// A searched parameter: a scenario field and its range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// The field, by the same path as `--set` (`margin.maintenance`, `margin.policy.VolatilityAdaptive.multiplier`).
    pub path: String,
    /// The lower end of the range.
    pub min: f64,
    /// The upper end (above `min`).
    pub max: f64,
    /// Which end asks for more margin (safer, dearer): the bisection starts from the other (unused when a family
    /// has several parameters).
    #[serde(default)]
    pub safer: Safer,
    /// How the first round spaces its points over the range; for several parameters, how the range maps to the
    /// unit interval CMA-ES searches (`Log`: evenly in logarithm).
    #[serde(default)]
    pub scale: Scale,
    /// Fields set in proportion to the parameter: `("margin.initial", 2.0)` sets `margin.initial` to twice it.
    #[serde(default)]
    pub tied: Vec<(String, f64)>,
}

impl Parameter {
    /// The end the search starts from (least margin) and the end it walks to.
    pub fn direction(&self) -> (f64, f64) {
        match self.safer {
            Safer::Higher => (self.min, self.max),
            Safer::Lower => (self.max, self.min),
        }
    }
}

/// Which end of a parameter's range is the safer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Safer {
    /// A higher value asks for more margin (a maintenance fraction, a volatility multiplier).
    #[default]
    Higher,
    /// A lower value does (a maximum leverage).
    Lower,
}

/// Spacing of the first round's points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Scale {
    /// Evenly spaced.
    #[default]
    Linear,
    /// Evenly spaced in logarithm (both ends positive).
    Log,
}

/// A target a candidate must meet in every scenario of the set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Target {
    /// The probability of any bad debt at most this, judged on the upper end of its exact (Clopper-Pearson) 95%
    /// interval over the seeds.
    BadDebtProbability(f64),
    /// A quantile of bad debt across seeds (0.95: the value at risk of insolvency) at most `max`, quote.
    BadDebtQuantile {
        /// The quantile, in (0, 1).
        quantile: f64,
        /// Its limit, quote.
        max: f64,
    },
    /// A quantile of the loss left unpaid across seeds at most `max`, quote: bad debt plus the shortfall of the
    /// accounts still open and underwater at the end (bankrupt at the marks, never liquidated: a frozen oracle, a
    /// book with no bids they could sell into), what closing everything at the marks would leave unpaid. Bad debt
    /// alone passes a venue that stops liquidating.
    UnpaidLossQuantile {
        /// The quantile, in (0, 1).
        quantile: f64,
        /// Its limit, quote.
        max: f64,
    },
    /// The mean insurance-fund drawdown at most this, quote.
    InsuranceFundDrawdown(f64),
    /// Liquidations at risk, the 95th percentile of liquidated notional, at most this, quote.
    LiquidationsAtRisk(f64),
    /// The mean peak-to-trough ratio of the reference position's margin at most this (procyclicality).
    PeakToTrough(f64),
    /// The mean largest increase of the reference position's margin within the scenario's procyclicality window
    /// at most this, fraction (0.5: 50%).
    MaxIncrease(f64),
}

/// What is minimised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Objective {
    /// The mean collateral locked as initial margin (`margin_locked_mean`), weighted across the scenario set.
    #[default]
    MarginLocked,
}

/// How the search goes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Search {
    /// Points of the first round, both ends included (at least 2): the frontier's backbone.
    #[serde(default = "default_grid")]
    pub grid: u32,
    /// The bisection stops when the bracket is at most this wide, in the parameter's units (default: a hundredth
    /// of the range).
    #[serde(default)]
    pub tolerance: Option<f64>,
    /// Bootstrap resamples of the seeds behind the answer's interval.
    #[serde(default = "default_bootstrap")]
    pub bootstrap: u32,
    /// Several parameters: the most CMA-ES generations (each one or two sweep rounds).
    #[serde(default = "default_generations")]
    pub generations: u32,
    /// Several parameters: candidates per generation (default 4 + floor(3 ln n) for n parameters).
    #[serde(default)]
    pub population: Option<u32>,
    /// Several parameters: the seeds every candidate runs first (default a quarter of `seeds`, rounded up); a
    /// candidate that fails decisively on them runs no more, the others run every seed.
    #[serde(default)]
    pub screen_seeds: Option<u32>,
    /// Several parameters: the first generation's step size, as a fraction of every range.
    #[serde(default = "default_step")]
    pub step: f64,
    /// Several parameters: the search stops when the candidates' spread along every parameter is below this
    /// fraction of its range.
    #[serde(default = "default_spread")]
    pub spread: f64,
}

fn default_generations() -> u32 {
    12
}

fn default_step() -> f64 {
    0.3
}

fn default_spread() -> f64 {
    0.01
}

fn default_grid() -> u32 {
    6
}

fn default_bootstrap() -> u32 {
    200
}

impl Default for Search {
    fn default() -> Self {
        Self {
            grid: default_grid(),
            tolerance: None,
            bootstrap: default_bootstrap(),
            generations: default_generations(),
            population: None,
            screen_seeds: None,
            step: default_step(),
            spread: default_spread(),
        }
    }
}
