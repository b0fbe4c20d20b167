//! Scenario files for cascade.
//!
//! A scenario is a RON file that scripts a world: its market, the reference price, oracles, agent populations,
//! margin and liquidation rules, the run length and a timeline of shocks. Loading happens in stages, as for
//! command-line arguments: [`parse`] turns text into the serde types of [`model`] (unknown fields are rejected with
//! a "did you mean" suggestion; a syntax or type error names the file, line and column); a scenario that names a
//! `base` is merged over it; `--set` style [`Override`]s are applied; then [`validate`] checks meaning (ranges,
//! orderings, shocks inside the run) and reports every problem at once with the field path and, where the field is
//! written in the file, its line and column.
//!
//! ```
//! let scenario = cascade_scenario::load_str("inline", "(name: \"tiny\", ticks: 100)").unwrap();
//! assert_eq!(scenario.ticks, 100);
//! assert_eq!(scenario.margin.maintenance, rust_decimal::dec!(0.025));
//! ```

pub mod library;
pub mod locate;
pub mod model;
mod overrides;
pub mod replay;
mod ron_value;
mod scenario;
mod source;
mod validate;

pub use model::*;
pub use overrides::{Override, apply_overrides};
pub use scenario::{MarketSetup, Scenario};
pub use source::{Overrides, Source, resolve};
pub use validate::{Problem, late_shocks, validate};

use std::path::{Path, PathBuf};

/// `FILE: N problem(s):` and then each problem on its own indented line: how every file kind (scenario, plan,
/// calibration) lists what is wrong with it.
pub fn list_problems(file: &str, problems: impl IntoIterator<Item = impl std::fmt::Display>) -> String {
    let lines: Vec<String> = problems.into_iter().map(|p| format!("  {p}")).collect();
    let plural = if lines.len() == 1 { "" } else { "s" };
    format!("{file}: {} problem{plural}:\n{}", lines.len(), lines.join("\n"))
}

/// How many `base` files deep a scenario may extend before the chain is taken for a cycle.
const MAX_BASE_DEPTH: usize = 16;

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
    #[error("{}", list_problems(file, problems.iter().map(|p| p.display_in(file))))]
    Invalid {
        /// The file.
        file: String,
        /// The problems, in field order.
        problems: Vec<Problem>,
    },
    /// A chain of `base` files is too deep or loops.
    #[error("{file}: the chain of base scenarios is longer than {MAX_BASE_DEPTH} files or loops")]
    BaseCycle {
        /// The file at which the chain was cut.
        file: String,
    },
    /// A `--set` override could not be applied.
    #[error("--set {setting}: {message}")]
    Override {
        /// The override as given.
        setting: String,
        /// What went wrong, and what was expected.
        message: String,
    },
    /// A name is neither an existing file nor a shipped scenario.
    #[error("{name}: no such file, and no shipped scenario of that name (shipped: {shipped})")]
    NotFound {
        /// The name as given.
        name: String,
        /// The shipped scenarios' names, comma-separated.
        shipped: String,
    },
    /// A replayed price series is missing or malformed.
    #[error(transparent)]
    Replay(#[from] replay::ReplayError),
}

/// The scenario as RON text that [`parse`] reads back to the same scenario (every field written out).
pub fn to_ron(scenario: &RawScenario) -> String {
    let config = ron::ser::PrettyConfig::new().struct_names(false);
    ron::ser::to_string_pretty(scenario, config).unwrap_or_else(|e| format!("// cannot write the scenario: {e}\n"))
}

/// Parses scenario text without merging a base or checking meaning. `file` names the source in errors.
pub fn parse(file: &str, text: &str) -> Result<RawScenario, ScenarioError> {
    parse_as(file, text)
}

/// Parses RON text as a `T` with the scenario's conventions (implicit `Some`, located errors, "did you mean").
pub fn parse_as<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, ScenarioError> {
    ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .from_str::<T>(text)
        .map_err(|e| ScenarioError::Parse {
            file: file.to_owned(),
            line: e.span.start.line,
            column: e.span.start.col,
            message: with_suggestion(&e.code),
        })
}

/// ron's message, plus the closest expected name when a field or variant is unknown.
fn with_suggestion(code: &ron::Error) -> String {
    let (expected, found) = match code {
        ron::Error::NoSuchStructField { expected, found, .. } => (*expected, found),
        ron::Error::NoSuchEnumVariant { expected, found, .. } => (*expected, found),
        _ => return code.to_string(),
    };
    match closest(found, expected.iter().copied()) {
        Some(best) => format!("{code} (did you mean `{best}`?)"),
        None => code.to_string(),
    }
}

/// The candidate closest to `found` by edit distance, if it is close enough to be a plausible typo.
pub(crate) fn closest<'a>(found: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let (best, distance) = candidates.map(|c| (c, strsim::levenshtein(found, c))).min_by_key(|(_, d)| *d)?;
    (distance <= (found.chars().count() / 3).max(2)).then_some(best)
}

/// One scenario text of a `base` chain and where it came from, kept to place problems.
struct Layer {
    file: String,
    fields: Vec<locate::Field>,
}

/// Parses `text` and merges it over its `base` chain; `dir` resolves relative base paths.
fn resolve_base(
    file: &str,
    text: &str,
    dir: Option<&Path>,
    depth: usize,
) -> Result<(RawScenario, Vec<Layer>), ScenarioError> {
    let scenario = parse(file, text)?;
    let fields = locate::fields(text);
    let mut scenario = resolve_replay_path(scenario, dir);
    let Some(base) = scenario.base.take() else {
        return Ok((scenario, vec![Layer { file: file.to_owned(), fields }]));
    };
    if depth >= MAX_BASE_DEPTH {
        return Err(ScenarioError::BaseCycle { file: file.to_owned() });
    }
    let base_path = dir.map_or_else(|| PathBuf::from(&base), |d| d.join(&base));
    let base_file = base_path.display().to_string();
    let base_text =
        library::read(&base_path).map_err(|source| ScenarioError::Io { file: base_file.clone(), source })?;
    let (base_scenario, mut sources) = resolve_base(&base_file, &base_text, base_path.parent(), depth + 1)?;
    let merged = overrides::merge(&base_scenario, &scenario, &fields).map_err(|message| ScenarioError::Parse {
        file: file.to_owned(),
        line: 1,
        column: 1,
        message,
    })?;
    sources.insert(0, Layer { file: file.to_owned(), fields });
    Ok((merged, sources))
}

/// Makes replayed series' file paths (of every market) relative to the scenario's own directory.
fn resolve_replay_path(mut scenario: RawScenario, dir: Option<&Path>) -> RawScenario {
    let models = std::iter::once(&mut scenario.reference.model)
        .chain(scenario.other_markets.iter_mut().map(|o| &mut o.reference.model));
    for model in models {
        if let ReferenceModel::Replay { file, .. } = model
            && let Some(dir) = dir
            && Path::new(file.as_str()).is_relative()
        {
            *file = dir.join(&*file).display().to_string();
        }
    }
    scenario
}

/// Validates `scenario`, placing each problem at the override that set its field, or else at the first source (the
/// file itself, then its bases) that writes the field. With the run length overridden, shocks after the new end are
/// dropped from the checks (the shorter run does not reach them; front ends note it).
fn checked(scenario: RawScenario, sources: &[Layer], overrides: &Overrides) -> Result<Scenario, ScenarioError> {
    let (checks, built) = validate::check(&scenario);
    let mut problems = if overrides.sets_ticks() { Vec::new() } else { late_shocks(&scenario) };
    problems.extend(checks);
    if problems.is_empty() {
        return Ok(Scenario::from_checked(scenario, built, overrides.sets_ticks()));
    }
    for problem in &mut problems {
        if let Some(origin) = overrides.origin_of(&problem.path) {
            problem.origin = Some(origin);
            continue;
        }
        for source in sources {
            if let Some((line, column)) = locate::position(&source.fields, &problem.path) {
                problem.location = Some(validate::Location { file: source.file.clone(), line, column });
                break;
            }
        }
    }
    // In reading order: overrides' problems, the file's own by line and column, then its bases', then those
    // without a place.
    problems.sort_by_key(|p| {
        if p.origin.is_some() {
            return (0, 0, 0, 0);
        }
        p.location.as_ref().map_or((2, usize::MAX, 0, 0), |l| {
            let source = sources.iter().position(|s| s.file == l.file).unwrap_or(usize::MAX);
            (1, source, l.line, l.column)
        })
    });
    let file = sources.first().map_or_else(String::new, |s| s.file.clone());
    Err(ScenarioError::Invalid { file, problems })
}

/// Loads a resolved scenario: parse, merge over its `base` chain, apply the overrides, validate.
fn load_source(source: &Source, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
    let (scenario, layers) = resolve_base(&source.label, &source.text, source.dir.as_deref(), 0)?;
    checked(overrides.apply(scenario)?, &layers, overrides)
}

/// Parses, merges over its base (relative to the working directory), and validates scenario text. `file` names
/// the source in errors.
pub fn load_str(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    Source { label: file.to_owned(), text: text.to_owned(), dir: None }.load(&Overrides::default())
}

/// Reads, parses, merges over its base (relative to the file) and validates a scenario file.
pub fn load_file(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io { file: file.clone(), source })?;
    Source { label: file, text, dir: path.parent().map(Path::to_path_buf) }.load(&Overrides::default())
}

#[cfg(test)]
mod tests;
