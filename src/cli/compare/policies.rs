//! `policies.csv`: each margin rule summed up over every scenario and seed of a comparison, so a risk team reads
//! what a rule costs, what it buys and how it fails in one row.

use super::Row;
use anyhow::{Context, Result};
use cascade_core::Decimal;
use serde::Serialize;
use std::path::Path;

/// One margin rule over all of a comparison's runs. Money is quote currency per run (means), rounded to units.
#[derive(Debug, Clone, Serialize)]
pub(super) struct PolicyRow {
    margin: String,
    runs: usize,
    /// Mean bad debt per run.
    bad_debt_mean: Decimal,
    /// The 95th percentile of bad debt over the runs (nearest rank): the tail.
    bad_debt_p95: Decimal,
    /// The largest bad debt of any run.
    bad_debt_max: Decimal,
    /// Mean insurance-fund drawdown per run.
    insurance_fund_drawdown_mean: Decimal,
    /// Mean liquidated notional per run.
    liquidated_notional_mean: Decimal,
    /// Mean over runs of each run's mean collateral locked as initial margin.
    margin_locked_mean: Decimal,
    /// Mean backtest exceptions per run (the worse side of the backtest with most).
    backtest_exceptions_mean: f64,
    /// Runs whose backtest is outside the green zone.
    backtest_not_green: usize,
    /// Runs in which Christoffersen's independence test rejects (exceptions cluster).
    clustering_rejects: usize,
    /// Mean of each run's largest one-hour rise of the reference requirement (a fraction of the hour's lowest).
    max_increase_mean: f64,
    /// The largest one-hour rise of any run.
    max_increase_max: f64,
    /// Mean peak-to-trough ratio of the reference requirement.
    peak_to_trough_mean: f64,
}

/// The rows of every margin, in the order the margins first appear in `rows`.
pub(super) fn by_margin(rows: &[Row]) -> Vec<PolicyRow> {
    let mut margins: Vec<&str> = Vec::new();
    for r in rows {
        if !margins.contains(&r.margin.as_str()) {
            margins.push(&r.margin);
        }
    }
    margins.into_iter().map(|m| summarise(m, rows.iter().filter(|r| r.margin == m).collect())).collect()
}

fn summarise(margin: &str, runs: Vec<&Row>) -> PolicyRow {
    let n = runs.len().max(1);
    let mean = |f: fn(&Row) -> Decimal| (runs.iter().map(|r| f(r)).sum::<Decimal>() / Decimal::from(n)).round_dp(0);
    let mean_f64 = |f: fn(&Row) -> Option<f64>| runs.iter().filter_map(|r| f(r)).sum::<f64>() / n as f64;
    let mut bad_debt: Vec<Decimal> = runs.iter().map(|r| r.bad_debt).collect();
    bad_debt.sort();
    // Nearest rank: the smallest value with at least 95% of the runs at or below it.
    let rank = (bad_debt.len() * 95).div_ceil(100).max(1);
    PolicyRow {
        margin: margin.to_owned(),
        runs: runs.len(),
        bad_debt_mean: mean(|r| r.bad_debt),
        bad_debt_p95: bad_debt.get(rank - 1).copied().unwrap_or_default().round_dp(0),
        bad_debt_max: bad_debt.last().copied().unwrap_or_default().round_dp(0),
        insurance_fund_drawdown_mean: mean(|r| r.insurance_fund_drawdown),
        liquidated_notional_mean: mean(|r| r.liquidated_notional),
        margin_locked_mean: mean(|r| r.margin_locked_mean),
        backtest_exceptions_mean: mean_f64(|r| r.backtest_exceptions.map(|e| e as f64)),
        backtest_not_green: runs.iter().filter(|r| r.backtest_zone.as_deref().is_some_and(|z| z != "green")).count(),
        clustering_rejects: runs.iter().filter(|r| r.clustering_rejects == Some(true)).count(),
        max_increase_mean: mean_f64(|r| r.procyclicality_max_increase),
        max_increase_max: runs.iter().filter_map(|r| r.procyclicality_max_increase).fold(0.0, f64::max),
        peak_to_trough_mean: mean_f64(|r| r.procyclicality_peak_to_trough),
    }
}

/// Writes `policies.csv`.
pub(super) fn write(path: &Path, rows: &[PolicyRow]) -> Result<()> {
    let mut writer = csv::Writer::from_path(path).with_context(|| format!("writing {}", path.display()))?;
    for row in rows {
        writer.serialize(row)?;
    }
    writer.flush().with_context(|| format!("writing {}", path.display()))
}

/// Prints the per-margin table.
pub(super) fn print(rows: &[PolicyRow]) {
    println!(
        "\n{:<24} {:>5} {:>11} {:>11} {:>11} {:>11} {:>13} {:>12} {:>6} {:>9} {:>9} {:>8}",
        "margin (per run)",
        "runs",
        "bad debt",
        "p95",
        "max",
        "fund drawn",
        "liquidated",
        "locked mean",
        "exc",
        "clustered",
        "1h rise",
        "pk/tr"
    );
    for r in rows {
        println!(
            "{:<24} {:>5} {:>11} {:>11} {:>11} {:>11} {:>13} {:>12} {:>6.1} {:>9} {:>8.0}% {:>8.1}",
            r.margin,
            r.runs,
            r.bad_debt_mean,
            r.bad_debt_p95,
            r.bad_debt_max,
            r.insurance_fund_drawdown_mean,
            r.liquidated_notional_mean,
            r.margin_locked_mean,
            r.backtest_exceptions_mean,
            r.clustering_rejects,
            100.0 * r.max_increase_mean,
            r.peak_to_trough_mean
        );
    }
}
