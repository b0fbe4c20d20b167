//! What a calibration writes: `calibration.json` (per family the answer, its interval, the metrics behind it, the
//! runs used and a margin snippet ready to paste), and the frontier (`frontier.csv`, `frontier.parquet`): every
//! point evaluated, its capital locked against each solvency and procyclicality measure.

use crate::CalibrateError;
use crate::calibrate::{FamilyResult, Prepared, Searched};
use crate::judge::{Metrics, limit, name};
use crate::search::{Answer, Found};
use cascade_sweep::Sweep;
use cascade_sweep::table::{Data, Table};
use serde::Serialize;
use std::path::Path;

/// One parameter's value at a family's answer.
#[derive(Debug, Clone, Serialize)]
pub struct ParameterAnswer {
    /// The parameter's path.
    pub path: String,
    /// Its value at the answer (`null`: no point meets the targets).
    pub answer: Option<f64>,
    /// Its 95% bootstrap interval over the seeds (`null` at an end: no answer in range in that share of the
    /// resamples).
    pub interval95: (Option<f64>, Option<f64>),
    /// Its value at the point closest to meeting the targets, when none does.
    pub best_reached: Option<f64>,
}

/// One family's answer as `calibration.json` writes it. For a family of one parameter, `answer`, `boundary`,
/// `fails_at`, `interval95` and `best_reached` are its values (the bisection's); for several they are `null`, and
/// `parameters` holds each one's (as it does for one).
#[derive(Debug, Clone, Serialize)]
pub struct FamilyReport {
    /// The family.
    pub family: String,
    /// The parameters searched (several: their paths joined by `, `).
    pub parameter: String,
    /// Each parameter's value at the answer and its interval.
    pub parameters: Vec<ParameterAnswer>,
    /// `bisection` (one parameter) or `cma-es` (several).
    pub search: String,
    /// `met`: some point in range meets every target; `not met`: none does (`best_reached` is the closest).
    pub status: String,
    /// The value meeting the targets with the least objective (capital locked) among those evaluated.
    pub answer: Option<f64>,
    /// The least margin meeting the targets: where the bisection's bracket ends (the range's start when it
    /// meets them already).
    pub boundary: Option<f64>,
    /// The last value evaluated that does not, on the other side of the bracket.
    pub fails_at: Option<f64>,
    /// 95% bootstrap interval of the answer over the seeds (`null` at an end: beyond the range).
    pub interval95: (Option<f64>, Option<f64>),
    /// The value closest to meeting the targets, when none does.
    pub best_reached: Option<f64>,
    /// The objective at the answer (or the best reached): mean collateral locked, weighted, quote.
    pub objective: Option<f64>,
    /// Per target, its name, limit and worst value over the scenarios at the answer (or the best reached).
    pub targets: Vec<(String, f64, f64)>,
    /// The metrics of each scenario at the answer (or the best reached).
    pub scenarios: Vec<(String, Metrics)>,
    /// Whether the verdicts along the range were monotone (if not, the bisection's premise failed somewhere);
    /// `null` for several parameters.
    pub monotone: Option<bool>,
    /// Points evaluated.
    pub points: usize,
    /// Sweep rounds (bisection: the first round, then one per step; CMA-ES: one or two per generation).
    pub rounds: usize,
    /// Runs used.
    pub runs: usize,
    /// The most runs the search could have used (stated before it starts).
    pub budget: usize,
    /// Where the search stops: the bisection's bracket in the parameter's units, or CMA-ES's spread as a fraction
    /// of every range.
    pub tolerance: f64,
    /// How CMA-ES went (several parameters).
    pub evolution: Option<crate::evolve::Evolved>,
    /// The margin rules at the answer, as a scenario's `margin:` field (RON), ready to paste.
    pub snippet: Option<String>,
}

/// The method, as the output states it.
pub fn method(prepared: &Prepared) -> String {
    let c = &prepared.calibration;
    let (one, several) = c.families.iter().fold((false, false), |(o, s), f| {
        let many = f.parameters.len() > 1;
        (o || !many, s || many)
    });
    let mut parts = Vec::new();
    if one {
        parts.push(format!(
            "families of one parameter: {} evenly spaced points over the range, then bisection of the bracket where \
             every target starts to hold in every scenario, to the tolerance",
            c.search.grid
        ));
    }
    if several {
        parts.push(format!(
            "families of several parameters: CMA-ES (Hansen 2016) over the unit cube of the ranges, at most {} \
             generations, until the candidates' spread is below {} of every range; each candidate runs the first {} \
             seeds, and the rest only if it does not fail decisively on them",
            c.search.generations,
            c.search.spread,
            prepared.screen_seeds()
        ));
    }
    format!(
        "{}; {} seeds per scenario, the same at every point (common random numbers); the answer is the point \
         evaluated on every seed that meets the targets with the least collateral locked, its interval from {} \
         bootstrap resamples of the seeds",
        parts.join("; "),
        c.seeds,
        c.search.bootstrap
    )
}

/// The report of one family's result.
pub fn report(prepared: &Prepared, result: &FamilyResult) -> Result<FamilyReport, CalibrateError> {
    let c = &prepared.calibration;
    let shown = result.winner.or_else(|| result.best_reached(&c.targets));
    let (evaluation, judgement) = match shown {
        Some(i) => (Some(&result.points[i].0), Some(&result.points[i].1)),
        None => (None, None),
    };
    let targets = judgement
        .map(|j| c.targets.iter().zip(&j.worst).map(|(t, w)| (name(t), limit(t), *w)).collect())
        .unwrap_or_default();
    let scenarios = judgement
        .map(|j| c.scenarios.iter().zip(&j.metrics).map(|(s, m)| (s.name.clone(), *m)).collect())
        .unwrap_or_default();
    let family = c.families.iter().find(|f| f.name == result.family);
    let answer = result.winner.map(|i| &result.points[i].0.x);
    let best = if result.winner.is_none() { evaluation.map(|e| &e.x) } else { None };
    let snippet = match (answer, family) {
        (Some(x), Some(f)) => Some(snippet(prepared, f, x)?),
        _ => None,
    };
    let parameters: Vec<ParameterAnswer> = result
        .paths
        .iter()
        .enumerate()
        .map(|(k, path)| ParameterAnswer {
            path: path.clone(),
            answer: answer.map(|x| x[k]),
            interval95: result.interval.get(k).copied().unwrap_or((None, None)),
            best_reached: best.map(|x| x[k]),
        })
        .collect();
    let sole = |f: fn(&ParameterAnswer) -> Option<f64>| if parameters.len() == 1 { f(&parameters[0]) } else { None };
    let found = result.bisection();
    let evolution = match &result.searched {
        Searched::Evolution(e) => Some(e.clone()),
        Searched::Bisection(_) => None,
    };
    Ok(FamilyReport {
        family: result.family.clone(),
        parameter: result.paths.join(", "),
        search: if found.is_some() { "bisection" } else { "cma-es" }.to_owned(),
        status: if result.winner.is_some() { "met" } else { "not met" }.to_owned(),
        answer: sole(|p| p.answer),
        boundary: found.and_then(|f| match f.answer {
            Answer::AtStart => f.evaluated.first().map(|e| e.0),
            Answer::Between { first, .. } => Some(first),
            Answer::Nowhere => None,
        }),
        fails_at: found.and_then(|f| match f.answer {
            Answer::Between { before, .. } => Some(before),
            _ => None,
        }),
        interval95: if parameters.len() == 1 { parameters[0].interval95 } else { (None, None) },
        best_reached: sole(|p| p.best_reached),
        objective: judgement.map(|j| j.objective),
        targets,
        scenarios,
        monotone: found.map(Found::monotone),
        points: result.points.len(),
        rounds: match &result.searched {
            Searched::Bisection(f) => f.rounds,
            Searched::Evolution(e) => e.rounds,
        },
        runs: result.runs,
        budget: family.map_or(0, |f| prepared.budget(f)),
        tolerance: result.tolerance,
        evolution,
        snippet,
        parameters,
    })
}

/// The margin rules of the first scenario with `family` at the point `x`, written as a scenario's `margin:` field.
fn snippet(prepared: &Prepared, family: &crate::file::Family, x: &[f64]) -> Result<String, CalibrateError> {
    let sweep = Sweep::from_plan(&prepared.plan(family, &[x.to_vec()], 0), "snippet")?;
    let margin = sweep.runs.first().map(|r| r.job.scenario.raw().margin.clone());
    let text = ron::ser::to_string_pretty(&margin, ron::ser::PrettyConfig::default().struct_names(false))
        .map_err(|e| CalibrateError::Io { path: "snippet".into(), message: e.to_string() })?;
    let text = unquote_numbers(text.trim_start_matches("Some(").trim_end_matches(')').trim());
    Ok(format!("margin: {text}"))
}

/// `text` with every quoted number unquoted (`"0.05"` -> `0.05`: exact decimals are written as strings, and a
/// scenario file writes them as numbers).
fn unquote_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('"') {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        match after[1..].find('"') {
            Some(end) if after[1..=end].parse::<f64>().is_ok() => {
                out.push_str(&after[1..=end]);
                rest = &after[end + 2..];
            }
            _ => {
                out.push('"');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The frontier: one row per family and point evaluated (in order along the range for one parameter, in order of
/// evaluation for several); per point its parameters, the seeds it ran, the objective (capital locked), whether it
/// meets the targets, each target's worst value over the scenarios, and the worst over the scenarios of each
/// solvency and procyclicality measure.
pub fn frontier(prepared: &Prepared, results: &[FamilyResult]) -> Table {
    let c = &prepared.calibration;
    let rows: Vec<(&FamilyResult, usize)> =
        results.iter().flat_map(|r| (0..r.points.len()).map(move |i| (r, i))).collect();
    let mut table = Table::default();
    table.push("family", None, Data::Text(rows.iter().map(|(r, _)| Some(r.family.clone())).collect()));
    table.push("parameter", None, Data::Text(rows.iter().map(|(r, _)| Some(r.paths.join(", "))).collect()));
    let sole =
        |(r, i): &(&FamilyResult, usize)| if r.paths.len() == 1 { r.points[*i].0.x.first().copied() } else { None };
    table.push("value", None, Data::Float(rows.iter().map(sole).collect()));
    let values = |(r, i): &(&FamilyResult, usize)| {
        Some(r.points[*i].0.x.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("; "))
    };
    table.push("values", None, Data::Text(rows.iter().map(values).collect()));
    let seeds = |(r, i): &(&FamilyResult, usize)| r.points[*i].0.runs.iter().map(Vec::len).min().unwrap_or(0) as u64;
    table.push("seeds", Some("count"), Data::Count(rows.iter().map(seeds).collect()));
    let meets = rows.iter().map(|(r, i)| u64::from(r.points[*i].1.meets)).collect();
    table.push("meets_targets", Some("count"), Data::Count(meets));
    let objective = rows.iter().map(|(r, i)| Some(r.points[*i].1.objective)).collect();
    table.push("margin_locked_mean", Some("quote"), Data::Float(objective));
    for (k, t) in c.targets.iter().enumerate() {
        let worst = rows.iter().map(|(r, i)| r.points[*i].1.worst.get(k).copied()).collect();
        table.push(format!("target_{}", name(t)), None, Data::Float(worst));
    }
    let worst = |f: fn(&Metrics) -> f64| -> Data {
        Data::Float(rows.iter().map(|(r, i)| r.points[*i].1.metrics.iter().map(f).reduce(f64::max)).collect())
    };
    table.push("bad_debt_probability", Some("fraction"), worst(|m| m.bad_debt_probability));
    table.push("bad_debt_probability_ci95_high", Some("fraction"), worst(|m| m.bad_debt_probability_ci95_high));
    table.push("bad_debt_mean", Some("quote"), worst(|m| m.bad_debt_mean));
    table.push("value_at_risk_of_insolvency", Some("quote"), worst(|m| m.value_at_risk_of_insolvency));
    table.push("insurance_fund_drawdown_mean", Some("quote"), worst(|m| m.insurance_fund_drawdown_mean));
    table.push("liquidations_at_risk", Some("quote"), worst(|m| m.liquidations_at_risk));
    table.push("peak_to_trough_mean", None, worst(|m| m.peak_to_trough_mean));
    table.push("max_increase_mean", Some("fraction"), worst(|m| m.max_increase_mean));
    let errors = rows.iter().map(|(r, i)| r.points[*i].1.metrics.iter().map(|m| m.errors as u64).sum()).collect();
    table.push("errors", Some("count"), Data::Count(errors));
    table
}

/// Everything `calibration.json` holds.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationFile {
    /// The calibration's name.
    pub name: String,
    /// How the search went.
    pub method: String,
    /// Seeds per scenario at every point.
    pub seeds: u32,
    /// Each family's answer.
    pub families: Vec<FamilyReport>,
}

/// Writes `calibration.json`, `frontier.csv` and `frontier.parquet` into `out`.
pub fn write(prepared: &Prepared, results: &[FamilyResult], out: &Path) -> Result<CalibrationFile, CalibrateError> {
    let families = results.iter().map(|r| report(prepared, r)).collect::<Result<Vec<_>, _>>()?;
    let file = CalibrationFile {
        name: prepared.calibration.name.clone(),
        method: method(prepared),
        seeds: prepared.calibration.seeds,
        families,
    };
    let io = |e: String| CalibrateError::Io { path: out.display().to_string(), message: e };
    let mut text = serde_json::to_string_pretty(&file).map_err(|e| io(e.to_string()))?;
    text.push('\n');
    std::fs::create_dir_all(out).map_err(|e| io(e.to_string()))?;
    cascade_sweep::table::write_atomically(&out.join("calibration.json"), text.as_bytes())
        .map_err(|e| io(e.to_string()))?;
    let table = frontier(prepared, results);
    table.write_csv(&out.join("frontier.csv")).map_err(|e| io(e.to_string()))?;
    table.write_parquet(&out.join("frontier.parquet")).map_err(|e| io(e.to_string()))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoted_numbers_are_unquoted_and_other_text_kept() {
        assert_eq!(
            super::unquote_numbers(r#"(initial: "0.05", mode: "Cross", x: "")"#),
            r#"(initial: 0.05, mode: "Cross", x: "")"#
        );
    }
}
