//! The report of a sweep (`cascade sweep` output): the sensitivity of every figure to every numeric axis (mean
//! across seeds with its 95% interval), the frontier of collateral locked against the solvency figures, and the
//! tail of bad debt and liquidated notional across seeds (exceedance curves).

use crate::chart::{Figure, Mark, Panel, Rule, Series};
use crate::data::Csv;
use crate::{Document, ReportError};
use std::collections::BTreeMap;
use std::path::Path;

/// The most panels a sensitivity figure holds; further figures are left out (named in the report).
const MAX_PANELS: usize = 12;
/// The most curves an exceedance panel holds (points evenly spaced among the sweep's).
const MAX_CURVES: usize = 8;
/// Figures shown first, in this order, when a sweep records more than fit.
const HEADLINE: [&str; 8] = [
    "bad_debt",
    "liquidated_notional",
    "insurance_fund_drawdown",
    "margin_locked_mean",
    "accounts_liquidated",
    "mark_max_drawdown",
    "deleveraged_notional",
    "socialized_loss",
];

/// The axis columns of a points table: those between `point` and `runs`.
pub fn axes(points: &Csv) -> Vec<String> {
    let start = points.headers.iter().position(|h| h == "point").map_or(0, |i| i + 1);
    let end = points.headers.iter().position(|h| h == "runs").unwrap_or(start);
    points.headers.get(start..end).unwrap_or_default().to_vec()
}

/// The figures a points table summarises (columns `NAME_mean` with `NAME_ci95_low`), headline figures first.
pub fn figures(points: &Csv) -> Vec<String> {
    let mut names: Vec<String> = points
        .headers
        .iter()
        .filter_map(|h| h.strip_suffix("_mean"))
        .filter(|n| points.has(&format!("{n}_ci95_low")))
        .map(str::to_owned)
        .collect();
    let rank = |n: &String| HEADLINE.iter().position(|h| h == n).unwrap_or(HEADLINE.len());
    names.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    names
}

/// A figure's axis label: its name in words and its unit.
pub fn label(name: &str) -> String {
    let unit = match name {
        n if n.contains("probability") || (n.contains("drawdown") && !n.contains("fund")) => "fraction",
        n if n.starts_with("accounts") || n.ends_with("liquidations") || n.contains("ticks") => "count",
        n if n.contains("peak_to_trough") || n.contains("kupiec") => "ratio",
        n if n.contains("max_increase") => "fraction",
        _ => "quote",
    };
    format!("{} ({unit})", name.replace('_', " "))
}

/// Rows of the points table grouped into series: by scenario and the values of every axis but `axis`.
fn groups(points: &Csv, axis: &str, axes: &[String]) -> Result<BTreeMap<String, Vec<usize>>, ReportError> {
    let scenario = points.text("scenario")?;
    let others: Vec<(&String, Vec<&str>)> =
        axes.iter().filter(|a| *a != axis).map(|a| points.text(a).map(|v| (a, v))).collect::<Result<_, _>>()?;
    let mut out: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (row, name) in scenario.iter().enumerate() {
        let mut key = (*name).to_owned();
        for (path, values) in &others {
            key.push_str(&format!(", {path}={}", values[row]));
        }
        out.entry(key).or_default().push(row);
    }
    Ok(out)
}

/// One series per group: `y` against `x`, in order of `x`, with the band `low..high` when given.
fn curves(
    points: &Csv,
    groups: &BTreeMap<String, Vec<usize>>,
    x: &str,
    y: &str,
    band: Option<(&str, &str)>,
) -> Result<Vec<Series>, ReportError> {
    let (xs, ys) = (points.numbers(x)?, points.numbers(y)?);
    let bands = band.map(|(l, h)| Ok::<_, ReportError>((points.numbers(l)?, points.numbers(h)?))).transpose()?;
    Ok(groups
        .iter()
        .map(|(name, rows)| {
            let mut rows = rows.clone();
            rows.sort_by(|a, b| xs[*a].total_cmp(&xs[*b]));
            let series = Series::new(name.clone(), Mark::LineDots, rows.iter().map(|&r| (xs[r], ys[r])).collect());
            match &bands {
                Some((low, high)) => series.with_band(rows.iter().map(|&r| (xs[r], low[r], high[r])).collect()),
                None => series,
            }
        })
        .collect())
}

/// Exceedance curve of `values`: for each distinct value `v`, the share of values at or above it.
pub fn exceedance(values: &[f64]) -> Vec<(f64, f64)> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (i, v) in sorted.iter().enumerate() {
        if out.last().is_none_or(|(last, _)| last != v) {
            out.push((*v, (sorted.len() - i) as f64 / n));
        }
    }
    out
}

/// Up to `most` of `items`, evenly spaced, first and last included.
pub fn spread<T: Clone>(items: &[T], most: usize) -> Vec<T> {
    if items.len() <= most || most < 2 {
        return items.iter().take(most.max(1)).cloned().collect();
    }
    (0..most).map(|k| items[k * (items.len() - 1) / (most - 1)].clone()).collect()
}

/// The figures and Markdown of the sweep in `dir`.
pub fn report(dir: &Path, out: &Path, doc: &mut Document) -> Result<(), ReportError> {
    let points = Csv::read(&dir.join("points.csv"))?;
    let runs = Csv::read(&dir.join("runs.csv"))?;
    let axes = axes(&points);
    let figures = figures(&points);
    let name = dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned());
    doc.heading(&format!("Sweep: {name}"));
    doc.paragraph(&format!(
        "{} runs over {} points (scenario x axis values); axes: {}. Every point is the same seeds (common random \
         numbers); bands are the 95% confidence interval of the mean across them.",
        runs.rows.len(),
        points.rows.len(),
        if axes.is_empty() { "none".to_owned() } else { axes.join(", ") }
    ));
    let shown: Vec<&String> = figures.iter().take(MAX_PANELS).collect();
    if figures.len() > shown.len() {
        let left: Vec<&str> = figures[shown.len()..].iter().map(String::as_str).collect();
        doc.paragraph(&format!("Not plotted (in points.csv): {}.", left.join(", ")));
    }
    for axis in axes.iter().filter(|a| points.numbers(a).is_ok_and(|v| v.iter().all(|x| x.is_finite()))) {
        let groups = groups(&points, axis, &axes)?;
        let mut panels = Vec::new();
        for figure in &shown {
            let mut panel = Panel::new(format!("{} (mean)", figure.replace('_', " ")), axis.as_str(), label(figure));
            let band = (format!("{figure}_ci95_low"), format!("{figure}_ci95_high"));
            panel.series = curves(&points, &groups, axis, &format!("{figure}_mean"), Some((&band.0, &band.1)))?;
            panels.push(panel);
        }
        let stem = format!("sensitivity-{}", axis.replace(['.', '[', ']', '(', ')', ' '], "_"));
        doc.figure(out, &Figure { title: format!("Sensitivity to {axis}"), panels, columns: 3 }, &stem)?;
    }
    frontier(&points, &axes, out, doc)?;
    tails(&runs, &axes, out, doc)
}

/// Collateral locked against the solvency figures, one series per scenario (and value of every other axis).
fn frontier(points: &Csv, axes: &[String], out: &Path, doc: &mut Document) -> Result<(), ReportError> {
    if !points.has("margin_locked_mean_mean") {
        return Ok(());
    }
    let groups = groups(points, "", axes)?;
    let x = "margin_locked_mean_mean";
    let mut panels = Vec::new();
    let solvency = [
        ("bad_debt_probability", Some(("bad_debt_probability_ci95_low", "bad_debt_probability_ci95_high"))),
        ("value_at_risk_of_insolvency", None),
        (
            "insurance_fund_drawdown_mean",
            Some(("insurance_fund_drawdown_ci95_low", "insurance_fund_drawdown_ci95_high")),
        ),
        ("liquidations_at_risk", None),
    ];
    for (y, band) in solvency.into_iter().filter(|(y, _)| points.has(y)) {
        let mut panel = Panel::new(y.replace('_', " "), "mean collateral locked (quote)", label(y));
        panel.series = curves(points, &groups, x, y, band.filter(|(l, _)| points.has(l)))?;
        panels.push(panel);
    }
    let figure = Figure { title: "Frontier: collateral locked against solvency".to_owned(), panels, columns: 2 };
    doc.figure(out, &figure, "frontier")
}

/// Exceedance curves of bad debt and liquidated notional across seeds, per point (up to [`MAX_CURVES`]).
fn tails(runs: &Csv, axes: &[String], out: &Path, doc: &mut Document) -> Result<(), ReportError> {
    let scenario = runs.text("scenario")?;
    let axis_values: Vec<Vec<&str>> = axes.iter().map(|a| runs.text(a)).collect::<Result<_, _>>()?;
    let mut keys: Vec<String> = Vec::new();
    let mut members: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for row in 0..runs.rows.len() {
        let mut key = scenario[row].to_owned();
        for (a, values) in axes.iter().zip(&axis_values) {
            key.push_str(&format!(", {a}={}", values[row]));
        }
        if !members.contains_key(&key) {
            keys.push(key.clone());
        }
        members.entry(key).or_default().push(row);
    }
    let mut panels = Vec::new();
    for metric in ["bad_debt", "liquidated_notional", "insurance_fund_drawdown"].into_iter().filter(|m| runs.has(m)) {
        let values = runs.numbers(metric)?;
        let mut panel =
            Panel::new(format!("Tail of {}", metric.replace('_', " ")), label(metric), "share of seeds at or above");
        for key in spread(&keys, MAX_CURVES) {
            let xs: Vec<f64> = members[&key].iter().map(|&r| values[r]).collect();
            panel.series.push(Series::new(key, Mark::Steps, exceedance(&xs)));
        }
        panel.rules.push(Rule::Horizontal("5% of seeds".to_owned(), 0.05));
        panels.push(panel);
    }
    let figure = Figure { title: "Tails across seeds".to_owned(), panels, columns: 1 };
    doc.figure(out, &figure, "tails")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceedance_counts_ties_once_from_the_top() {
        let curve = exceedance(&[0.0, 0.0, 5.0, 10.0, f64::NAN]);
        assert_eq!(curve, vec![(0.0, 1.0), (5.0, 0.5), (10.0, 0.25)]);
    }

    #[test]
    fn spread_keeps_both_ends() {
        assert_eq!(spread(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4), vec![1, 4, 7, 10]);
        assert_eq!(spread(&[1, 2], 8), vec![1, 2]);
    }

    #[test]
    fn labels_carry_units() {
        assert_eq!(label("bad_debt"), "bad debt (quote)");
        assert_eq!(label("bad_debt_probability"), "bad debt probability (fraction)");
        assert_eq!(label("accounts_liquidated"), "accounts liquidated (count)");
        assert_eq!(label("mark_max_drawdown"), "mark max drawdown (fraction)");
        assert_eq!(label("insurance_fund_drawdown"), "insurance fund drawdown (quote)");
    }
}
