//! The report of a calibration (`cascade calibrate` output): the frontier of collateral locked against every
//! solvency and procyclicality figure per family with the targets drawn in, each family's sensitivity to its
//! parameter with the answer marked, and the tail of bad debt across seeds at the answer and where the targets
//! first fail (from the rounds' runs tables).

use crate::chart::{Figure, Mark, Panel, Rule, Series, compact};
use crate::data::{Csv, json, number};
use crate::sweep::{exceedance, label};
use crate::{Document, ReportError};
use serde_json::Value;
use std::path::Path;

/// Frontier columns plotted against collateral locked, beside the targets' own columns.
const SOLVENCY: [&str; 6] = [
    "bad_debt_probability_ci95_high",
    "value_at_risk_of_insolvency",
    "insurance_fund_drawdown_mean",
    "liquidations_at_risk",
    "peak_to_trough_mean",
    "max_increase_mean",
];

/// One family of `calibration.json`, as far as the figures need it.
struct Family {
    name: String,
    /// Each parameter's path and value at the answer.
    parameters: Vec<(String, Option<f64>)>,
    /// The bisection's last failing value (one parameter).
    fails_at: Option<f64>,
    targets: Vec<(String, f64)>,
    json: Value,
}

impl Family {
    /// The answer as a point (one value per parameter), if every parameter has one.
    fn answer(&self) -> Option<Vec<f64>> {
        self.parameters.iter().map(|(_, a)| *a).collect()
    }
}

fn families(calibration: &Value) -> Vec<Family> {
    let list = calibration.get("families").and_then(Value::as_array).cloned().unwrap_or_default();
    list.into_iter()
        .map(|f| {
            let text = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
            let targets = f.get("targets").and_then(Value::as_array).map_or_else(Vec::new, |ts| {
                ts.iter().filter_map(|t| Some((t.get(0)?.as_str()?.to_owned(), t.get(1).and_then(number)?))).collect()
            });
            let parameters = f.get("parameters").and_then(Value::as_array).map_or_else(Vec::new, |ps| {
                ps.iter()
                    .map(|p| {
                        let path = p.get("path").and_then(Value::as_str).unwrap_or_default().to_owned();
                        (path, p.get("answer").and_then(number))
                    })
                    .collect()
            });
            Family { name: text("family"), parameters, fails_at: f.get("fails_at").and_then(number), targets, json: f }
        })
        .collect()
}

/// The frontier rows of `family`, in order of `x`: `(x, y)` points.
fn along(frontier: &Csv, family: &str, x: &str, y: &str) -> Result<Vec<(f64, f64)>, ReportError> {
    pairs(frontier, family, &frontier.numbers(x)?, y)
}

/// The frontier rows of `family` with `xs` (one per row) against column `y`, in order of `x`.
fn pairs(frontier: &Csv, family: &str, xs: &[f64], y: &str) -> Result<Vec<(f64, f64)>, ReportError> {
    let (names, ys) = (frontier.text("family")?, frontier.numbers(y)?);
    let mut points: Vec<(f64, f64)> =
        (0..names.len()).filter(|&r| names[r] == family).map(|r| (xs[r], ys[r])).collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(points)
}

/// Parameter `k` of every frontier row (the `values` column, `; `-separated; else `value`).
fn coordinate(frontier: &Csv, k: usize) -> Result<Vec<f64>, ReportError> {
    if !frontier.has("values") {
        return frontier.numbers("value");
    }
    let parse = |cell: &str| cell.split("; ").nth(k).and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
    Ok(frontier.text("values")?.into_iter().map(parse).collect())
}

/// The figures and Markdown of the calibration in `dir`.
pub fn report(dir: &Path, out: &Path, doc: &mut Document) -> Result<(), ReportError> {
    let calibration = json(&dir.join("calibration.json"))?;
    let frontier = Csv::read(&dir.join("frontier.csv"))?;
    let families = families(&calibration);
    let name = calibration.get("name").and_then(Value::as_str).unwrap_or("calibration");
    doc.heading(&format!("Calibration: {name}"));
    if let Some(method) = calibration.get("method").and_then(Value::as_str) {
        doc.paragraph(&format!("Method: {method}."));
    }
    let exact = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v}"));
    let cell = |f: &Family, k: &str| exact(f.json.get(k).and_then(number));
    // One row per family and parameter.
    let mut rows: Vec<[String; 7]> = Vec::new();
    for f in &families {
        let status = f.json.get("status").and_then(Value::as_str).unwrap_or_default().to_owned();
        let locked = f.json.get("objective").and_then(number).map_or_else(|| "-".to_owned(), compact);
        let list = f.json.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
        for p in &list {
            let interval = p.get("interval95").and_then(Value::as_array).map_or_else(
                || "-".to_owned(),
                |i| format!("{} to {}", exact(i.first().and_then(number)), exact(i.get(1).and_then(number))),
            );
            let path = p.get("path").and_then(Value::as_str).unwrap_or_default().to_owned();
            let answer = exact(p.get("answer").and_then(number).or_else(|| p.get("best_reached").and_then(number)));
            rows.push([f.name.clone(), path, status.clone(), answer, interval, locked.clone(), cell(f, "runs")]);
        }
    }
    doc.table(&["family", "parameter", "status", "answer", "95% interval", "collateral locked (quote)", "runs"], &rows);

    let mut columns: Vec<(String, Option<f64>)> = Vec::new();
    for f in &families {
        for (target, limit) in &f.targets {
            let column = format!("target_{target}");
            if frontier.has(&column) && !columns.iter().any(|(c, _)| *c == column) {
                columns.push((column, Some(*limit)));
            }
        }
    }
    let targeted: Vec<String> = columns.iter().map(|(c, _)| c["target_".len()..].to_owned()).collect();
    columns.extend(
        SOLVENCY
            .iter()
            .filter(|c| frontier.has(c) && !targeted.iter().any(|t| t == *c))
            .map(|c| ((*c).to_owned(), None)),
    );
    let mut panels = Vec::new();
    for (column, limit) in &columns {
        let shown = column.trim_start_matches("target_");
        let mut panel = Panel::new(shown.replace('_', " "), "mean collateral locked (quote)", label(shown));
        for f in &families {
            // One parameter: a line along its range; several: a scatter of every candidate.
            let mark = if f.parameters.len() == 1 { Mark::LineDots } else { Mark::Dots };
            panel.series.push(Series::new(
                f.name.clone(),
                mark,
                along(&frontier, &f.name, "margin_locked_mean", column)?,
            ));
        }
        if let Some(limit) = limit {
            panel.rules.push(Rule::Horizontal(format!("target {}", compact(*limit)), *limit));
        }
        panels.push(panel);
    }
    let figure =
        Figure { title: format!("Frontier of {name}: collateral locked against solvency"), panels, columns: 2 };
    doc.figure(out, &figure, "frontier")?;

    let mut panels = Vec::new();
    let (judged, limit) = columns.first().map_or(("bad_debt_probability_ci95_high", None), |(c, l)| (c.as_str(), *l));
    let shown = judged.trim_start_matches("target_");
    for f in &families {
        // One parameter: a line along it; several: a scatter against each.
        let mark = if f.parameters.len() == 1 { Mark::LineDots } else { Mark::Dots };
        for (k, (path, answer)) in f.parameters.iter().enumerate() {
            let xs = coordinate(&frontier, k)?;
            let mut solvency =
                Panel::new(format!("{}: {}", f.name, shown.replace('_', " ")), path.as_str(), label(shown));
            solvency.series.push(Series::new("evaluated", mark, pairs(&frontier, &f.name, &xs, judged)?));
            let mut locked =
                Panel::new(format!("{}: collateral locked", f.name), path.as_str(), "mean collateral locked (quote)");
            locked.series.push(Series::new("evaluated", mark, pairs(&frontier, &f.name, &xs, "margin_locked_mean")?));
            if let Some(limit) = limit {
                solvency.rules.push(Rule::Horizontal(format!("target {}", compact(limit)), limit));
            }
            if let Some(answer) = answer {
                for panel in [&mut solvency, &mut locked] {
                    panel.rules.push(Rule::Vertical(format!("answer {}", compact(*answer)), *answer));
                }
            }
            panels.extend([solvency, locked]);
        }
    }
    doc.figure(
        out,
        &Figure { title: format!("Sensitivity of {name} to each family's parameter"), panels, columns: 2 },
        "sensitivity",
    )?;
    tails(dir, name, &families, out, doc)
}

/// Exceedance of bad debt across every scenario's seeds, per family at its answer and where targets first fail.
fn tails(dir: &Path, name: &str, families: &[Family], out: &Path, doc: &mut Document) -> Result<(), ReportError> {
    let mut panels = Vec::new();
    for f in families {
        let mut panel =
            Panel::new(format!("{}: tail of bad debt", f.name), "bad debt (quote)", "share of runs at or above");
        for (what, at) in [("answer", f.answer()), ("targets fail", f.fails_at.map(|x| vec![x]))] {
            let Some(at) = at else { continue };
            let values = round_values(dir, name, f, &at)?;
            if !values.is_empty() {
                let hit = values.iter().filter(|v| **v > 0.0).count();
                let point: Vec<String> = at.iter().map(|x| compact(*x)).collect();
                let label = format!("{what}: {} ({hit} of {} runs with bad debt)", point.join(", "), values.len());
                panel.series.push(Series::new(label, Mark::Steps, exceedance(&values)));
            }
        }
        panels.push(panel);
    }
    doc.figure(
        out,
        &Figure { title: format!("Tails of {name} across seeds and scenarios"), panels, columns: 2 },
        "tails",
    )
}

/// Bad debt of every run in the family's rounds at the point `at` (one value per parameter), over every round
/// (a multi-parameter search runs a candidate's first seeds and the rest in two rounds).
fn round_values(dir: &Path, name: &str, family: &Family, at: &[f64]) -> Result<Vec<f64>, ReportError> {
    let rounds = dir.join("rounds");
    let mut values = Vec::new();
    for index in 0.. {
        let runs = rounds.join(format!("{name}-{}-{index:02}", family.name)).join("runs.csv");
        if !runs.is_file() {
            break;
        }
        let table = Csv::read(&runs)?;
        if !family.parameters.iter().all(|(p, _)| table.has(p)) || !table.has("bad_debt") {
            continue;
        }
        let columns: Vec<Vec<f64>> =
            family.parameters.iter().map(|(p, _)| table.numbers(p)).collect::<Result<_, _>>()?;
        let debt = table.numbers("bad_debt")?;
        let close = |x: f64, y: f64| (x - y).abs() <= 1e-12 * y.abs().max(1.0);
        for (row, d) in debt.iter().enumerate() {
            if columns.iter().zip(at).all(|(c, y)| close(c[row], *y)) {
                values.push(*d);
            }
        }
    }
    Ok(values)
}
