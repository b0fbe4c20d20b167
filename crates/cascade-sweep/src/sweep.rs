//! A plan made ready to run: parsed, its points expanded, every (scenario, point) validated, and the list of runs.

use crate::SweepError;
use crate::plan::{Plan, Seeds, Value, Values};
use crate::points::{points, run_seeds};
use cascade_scenario::locate::{fields, position};
use cascade_scenario::{Override, Overrides, Scenario, library};
use cascade_sim::batch::Job;
use cascade_sim::output::Manifest;
use std::path::{Path, PathBuf};

/// One run of a sweep.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// Its index in the sweep: `(scenario x points + point) x seeds + seed index`.
    pub index: usize,
    /// Index of its scenario in the plan.
    pub scenario: usize,
    /// Index of its point.
    pub point: usize,
    /// Index of its seed.
    pub seed_index: usize,
    /// The scenario with the point applied, validated, and the run's seed.
    pub job: Job,
    /// The run's own manifest, as `cascade run` would write it (`--keep-runs` writes it beside the run's files).
    pub manifest: Manifest,
}

/// A validated sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The plan as read.
    pub plan: Plan,
    /// The plan's text (copied beside sharded parts, so `cascade merge` needs nothing else).
    pub text: String,
    /// SHA-256 of the plan's text, lowercase hex.
    pub sha256: String,
    /// Where the plan's relative scenario files resolve first (its directory), if it has one.
    pub dir: Option<PathBuf>,
    /// Each point's axis values, in axis order.
    pub points: Vec<Vec<Value>>,
    /// The seed of each seed index (empty when each scenario runs with its own seed, [`Seeds::Scenario`]).
    pub seeds: Vec<u64>,
    /// Every run, in index order.
    pub runs: Vec<RunSpec>,
}

impl Sweep {
    /// Reads and prepares the plan at `path` (scenario files resolve relative to its directory first).
    pub fn load(path: &Path) -> Result<Self, SweepError> {
        let file = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| SweepError::Io { path: file.clone(), message: e.to_string() })?;
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        Self::prepare(&file, &text, path.parent(), &stem)
    }

    /// Prepares a plan built in code (named `file` in errors and in the runs' manifests): as [`Sweep::prepare`]
    /// on its RON text, which is what the output directory's `plan.ron` then holds (`cascade sweep` reruns it).
    pub fn from_plan(plan: &Plan, file: &str) -> Result<Self, SweepError> {
        let pretty = ron::ser::PrettyConfig::default();
        let text = ron::ser::to_string_pretty(plan, pretty).map_err(|e| SweepError::Run(e.to_string()))?;
        Self::prepare(file, &text, None, &plan.name)
    }

    /// Prepares the plan `text` (named `file` in errors; relative scenario files resolve in `dir` first; the
    /// sweep is named `default_name` unless the plan names it). Every problem of every point is reported at once,
    /// located in the plan where it can be.
    pub fn prepare(file: &str, text: &str, dir: Option<&Path>, default_name: &str) -> Result<Self, SweepError> {
        let mut plan: Plan = cascade_scenario::parse_as(file, text)?;
        if plan.name.is_empty() {
            plan.name = default_name.to_owned();
        }
        let written = fields(text);
        let at = |path: &str| match position(&written, path) {
            Some((line, column)) => format!("{file}:{line}:{column}: {path}"),
            None => format!("{file}: {path}"),
        };
        let mut problems: Vec<String> = Vec::new();
        let points = points(&plan).unwrap_or_else(|found| {
            problems.extend(found.into_iter().map(|(path, message)| format!("{}: {message}", at(&path))));
            Vec::new()
        });
        let seeds = run_seeds(&plan);
        if seeds.is_empty() && plan.seeds != Seeds::Scenario {
            problems.push(format!("{}: expected at least one seed", at("seeds")));
        }
        if plan.scenarios.is_empty() {
            problems.push(format!("{}: expected at least one scenario", at("scenarios")));
        }
        for (i, metric) in plan.metrics.iter().enumerate() {
            if let Err(message) = crate::metrics::check_name(metric) {
                problems.push(format!("{}: {message}", at(&format!("metrics[{i}]"))));
            }
        }
        let mut runs = Vec::new();
        for (s, reference) in plan.scenarios.iter().enumerate() {
            let name = resolve_in(dir, &reference.name);
            let source = match cascade_scenario::resolve(&name) {
                Ok(source) => source,
                Err(e) => {
                    problems.push(format!("{}: {e}", at(&format!("scenarios[{s}].name"))));
                    continue;
                }
            };
            let mut set = Vec::new();
            for (k, setting) in reference.set.iter().enumerate() {
                match setting.parse::<Override>() {
                    Ok(o) => set.push(o),
                    Err(message) => problems.push(format!("{}: {message}", at(&format!("scenarios[{s}].set[{k}]")))),
                }
            }
            for (p, values) in points.iter().enumerate() {
                let loaded = point_overrides(&plan, values, &set, reference.ticks, dir).and_then(|overrides| {
                    source.load(&overrides).map(|scenario| (scenario, overrides)).map_err(Failure::Scenario)
                });
                match loaded {
                    Ok((scenario, overrides)) => {
                        let own = [scenario.seed];
                        let seeds = if plan.seeds == Seeds::Scenario { &own[..] } else { &seeds[..] };
                        let at = Origin { source: &source, overrides: &overrides, plan: file };
                        runs.extend(seed_runs(&scenario, at, (s, p, points.len()), seeds));
                    }
                    // A path that names no field is the axis's fault: said once, where the axis is written.
                    Err(Failure::Scenario(cascade_scenario::ScenarioError::Override { setting, message }))
                        if let Some(a) =
                            plan.axes.iter().position(|a| setting.starts_with(&format!("{}=", a.path))) =>
                    {
                        let problem = format!("{}: {message}", at(&format!("axes[{a}].path")));
                        if !problems.contains(&problem) {
                            problems.push(problem);
                        }
                    }
                    Err(failure) => problems.push(format!(
                        "{file}: scenarios[{s}] ({}), point {p} ({}): {failure}",
                        reference.name,
                        describe(&plan, values)
                    )),
                }
            }
        }
        if !problems.is_empty() {
            return Err(SweepError::Invalid { file: file.to_owned(), problems });
        }
        runs.sort_by_key(|r| r.index);
        let sha256 = cascade_sim::output::sha256_hex(text.as_bytes());
        Ok(Self { plan, text: text.to_owned(), sha256, dir: dir.map(Path::to_path_buf), points, seeds, runs })
    }

    /// How many runs each (scenario, point) has.
    pub fn seeds_per_point(&self) -> usize {
        if self.plan.seeds == Seeds::Scenario { 1 } else { self.seeds.len() }
    }

    /// A note for each scenario whose run length leaves shocks out (a `ticks` shorter than the scenario's last
    /// shock): `scenario: N shock(s) start after the last tick (T) and will not happen`, once per scenario.
    pub fn late_shock_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for run in self.runs.iter().filter(|r| r.point == 0 && r.seed_index == 0) {
            let late = cascade_scenario::late_shocks(&run.job.scenario).len();
            if late > 0 {
                let label = &run.manifest.scenario_path;
                let ticks = run.job.scenario.ticks;
                notes.push(format!("{label}: {late} shock(s) start after the last tick ({ticks}) and will not happen"));
            }
        }
        notes
    }

    /// The axes' paths, in order.
    pub fn axis_paths(&self) -> Vec<&str> {
        self.plan.axes.iter().map(|a| a.path.as_str()).collect()
    }
}

/// A scenario name as the plan gives it: a file beside the plan if there is one, else as given.
fn resolve_in(dir: Option<&Path>, name: &str) -> String {
    match dir.map(|d| d.join(name)) {
        Some(path) if path.is_file() => path.display().to_string(),
        _ => name.to_owned(),
    }
}

/// Why a point of a scenario cannot run.
#[derive(Debug)]
enum Failure {
    /// Its margin preset could not be read.
    Preset(String),
    /// The scenario with the point applied does not load or validate.
    Scenario(cascade_scenario::ScenarioError),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Preset(message) => f.write_str(message),
            Failure::Scenario(e) => write!(f, "{e}"),
        }
    }
}

/// The overrides of one point of one scenario: its `set` lines, then each axis's value (a margin preset replaces
/// the rules first).
fn point_overrides(
    plan: &Plan,
    values: &[Value],
    set: &[Override],
    ticks: Option<u64>,
    dir: Option<&Path>,
) -> Result<Overrides, Failure> {
    let mut overrides = Overrides { set: set.to_vec(), ticks, ..Overrides::default() };
    for (axis, value) in plan.axes.iter().zip(values) {
        match (&axis.values, value) {
            (Values::Presets(_), Value::Text(name)) if name == "scenario" => {}
            (Values::Presets(_), Value::Text(name)) => {
                let rules = resolve_in(dir, name);
                overrides.margin = Some(library::load_margin(&rules).map_err(|e| Failure::Preset(e.to_string()))?);
            }
            _ => overrides.set.push(Override { path: axis.path.clone(), value: value.as_setting() }),
        }
    }
    Ok(overrides)
}

/// `path=value` of every axis of a point.
pub fn describe(plan: &Plan, values: &[Value]) -> String {
    let parts: Vec<String> =
        plan.axes.iter().zip(values).map(|(a, v)| format!("{}={}", a.path, v.as_setting())).collect();
    if parts.is_empty() { "the scenario as it is".to_owned() } else { parts.join(", ") }
}

/// Where a (scenario, point) came from: what its runs' manifests record.
struct Origin<'a> {
    source: &'a cascade_scenario::Source,
    overrides: &'a Overrides,
    plan: &'a str,
}

/// The runs of one (scenario `s`, point `p` of `points`): one per seed.
fn seed_runs<'a>(
    scenario: &'a Scenario,
    origin: Origin<'a>,
    (s, p, points): (usize, usize, usize),
    seeds: &'a [u64],
) -> impl Iterator<Item = RunSpec> + 'a {
    seeds.iter().enumerate().map(move |(k, &seed)| {
        let command_line = vec!["cascade".to_owned(), "sweep".to_owned(), origin.plan.to_owned()];
        RunSpec {
            index: (s * points + p) * seeds.len() + k,
            scenario: s,
            point: p,
            seed_index: k,
            manifest: Manifest::new(origin.source, scenario, seed, origin.overrides, command_line),
            job: Job { scenario: scenario.clone(), seed },
        }
    })
}

/// The directory a sharded part writes into, inside the sweep's output directory.
pub fn part_dir(out: &Path, index: usize, count: usize) -> PathBuf {
    out.join(format!("part-{index}-of-{count}"))
}
