//! The report of one run (`cascade run` output): prices and liquidations, the insurance fund and bad debt, and
//! the margin rates, against simulated time; and the summary's headline figures.

use crate::chart::{Figure, Mark, Panel, Series};
use crate::data::{Csv, json, number};
use crate::{Document, ReportError};
use std::collections::BTreeMap;
use std::path::Path;

/// One instrument's columns against hours: `(symbol, rows)`, from `markets.csv` (several instruments) or
/// `timeseries.csv` (one).
struct Market {
    symbol: String,
    hours: Vec<f64>,
    table: Csv,
    rows: Vec<usize>,
}

impl Market {
    fn series(&self, label: &str, column: &str, scale: f64) -> Result<Series, ReportError> {
        let values = self.table.numbers(column)?;
        let points = self.rows.iter().zip(&self.hours).map(|(&r, &h)| (h, values[r] * scale)).collect();
        Ok(Series::new(label, Mark::Line, points))
    }
}

fn markets(dir: &Path, timeseries: &Csv, hours: &[f64]) -> Result<Vec<Market>, ReportError> {
    let per_market = dir.join("markets.csv");
    if !per_market.exists() {
        let rows = (0..timeseries.rows.len()).collect();
        return Ok(vec![Market { symbol: String::new(), hours: hours.to_vec(), table: timeseries.clone(), rows }]);
    }
    let table = Csv::read(&per_market)?;
    let ticks = table.numbers("tick")?;
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (row, symbol) in table.text("symbol")?.into_iter().enumerate() {
        groups.entry(symbol.to_owned()).or_default().push(row);
    }
    Ok(groups
        .into_iter()
        .map(|(symbol, rows)| {
            let at = |r: usize| hours.get(ticks[r] as usize).copied().unwrap_or(f64::NAN);
            Market { symbol, hours: rows.iter().map(|&r| at(r)).collect(), table: table.clone(), rows }
        })
        .collect())
}

/// Per-tick flows summed into at most [`BINS`] bins of whole ticks: `(hours at the bin's middle, sum)`, and the
/// bin's length in minutes.
fn binned(hours: &[f64], values: &[f64]) -> (Vec<(f64, f64)>, f64) {
    let per_bin = hours.len().div_ceil(BINS).max(1);
    let tick_hours = match hours {
        [first, second, ..] => second - first,
        _ => 0.0,
    };
    let bins = hours
        .chunks(per_bin)
        .zip(values.chunks(per_bin))
        .map(|(h, v)| {
            let middle = (h[0] + h[h.len() - 1]) / 2.0;
            (middle, v.iter().filter(|x| x.is_finite()).sum())
        })
        .collect();
    (bins, tick_hours * per_bin as f64 * 60.0)
}

/// The most bars a flow panel draws.
const BINS: usize = 240;

fn cumulative(values: &[f64]) -> Vec<f64> {
    values
        .iter()
        .scan(0.0, |sum, v| {
            *sum += if v.is_finite() { *v } else { 0.0 };
            Some(*sum)
        })
        .collect()
}

/// The figures and Markdown of the run in `dir`.
pub fn report(dir: &Path, out: &Path, doc: &mut Document) -> Result<(), ReportError> {
    let timeseries = Csv::read(&dir.join("timeseries.csv"))?;
    let summary = json(&dir.join("summary.json"))?;
    let hours: Vec<f64> = timeseries.numbers("time_s")?.iter().map(|s| s / 3600.0).collect();
    let markets = markets(dir, &timeseries, &hours)?;
    let name =
        |m: &Market, what: &str| if m.symbol.is_empty() { what.to_owned() } else { format!("{} {what}", m.symbol) };
    let along = |column: &str, scale: f64| -> Result<Vec<(f64, f64)>, ReportError> {
        Ok(hours.iter().copied().zip(timeseries.numbers(column)?.into_iter().map(|v| v * scale)).collect())
    };
    let scenario = summary.get("scenario").and_then(|s| s.as_str()).unwrap_or("run");
    let seed = summary.get("seed").and_then(|s| s.as_u64()).unwrap_or_default();
    let title = format!("{scenario}, seed {seed}");

    let mut prices = Vec::new();
    for m in &markets {
        let mut panel = Panel::new(name(m, "prices"), "time (hours)", "price (quote per base)");
        panel.series.push(m.series("reference", "reference", 1.0)?);
        panel.series.push(m.series("oracle", "oracle", 1.0)?);
        panel.series.push(m.series("mark", "mark", 1.0)?);
        prices.push(panel);
    }
    let (liquidated_bins, minutes) = binned(&hours, &timeseries.numbers("liquidated_notional")?);
    let (deleveraged_bins, _) = binned(&hours, &timeseries.numbers("deleveraged_notional")?);
    let per = format!("notional per {} min (quote)", crate::chart::compact(minutes));
    let mut liquidated = Panel::new("Liquidations", "time (hours)", per);
    liquidated.series.push(Series::new("liquidated", Mark::Bars, liquidated_bins));
    liquidated.series.push(Series::new("deleveraged (ADL)", Mark::Bars, deleveraged_bins));
    prices.push(liquidated);
    doc.figure(
        out,
        &Figure { title: format!("Prices and liquidations: {title}"), panels: prices, columns: 1 },
        "price",
    )?;

    let mut fund = Panel::new("Insurance fund", "time (hours)", "balance (quote)");
    fund.series.push(Series::new("insurance fund", Mark::Line, along("insurance_fund", 1.0)?));
    let mut losses = Panel::new("Losses beyond margin", "time (hours)", "cumulative (quote)");
    losses.series.push(Series::new("bad debt", Mark::Line, along("bad_debt", 1.0)?));
    let socialized = cumulative(&timeseries.numbers("socialized_loss")?);
    losses.series.push(Series::new("socialized loss", Mark::Line, hours.iter().copied().zip(socialized).collect()));
    let figure =
        Figure { title: format!("Insurance fund and bad debt: {title}"), panels: vec![fund, losses], columns: 1 };
    doc.figure(out, &figure, "solvency")?;

    let mut rates = Panel::new("Margin rates", "time (hours)", "requirement (% of notional)");
    for m in &markets {
        rates.series.push(m.series(&name(m, "initial"), "initial_margin", 100.0)?);
        rates.series.push(m.series(&name(m, "maintenance"), "maintenance_margin", 100.0)?);
    }
    let mut locked = Panel::new("Collateral locked", "time (hours)", "initial margin held (quote)");
    locked.series.push(Series::new("margin locked", Mark::Line, along("margin_locked", 1.0)?));
    let figure = Figure { title: format!("Margin: {title}"), panels: vec![rates, locked], columns: 1 };
    doc.figure(out, &figure, "margin")?;

    doc.heading(&format!("Run: {title}"));
    let rows: Vec<[String; 2]> = [
        ("ticks", "ticks"),
        ("mark max drawdown", "mark_max_drawdown"),
        ("liquidations", "liquidations"),
        ("accounts liquidated", "accounts_liquidated"),
        ("liquidated notional (quote)", "liquidated_notional"),
        ("insurance fund start (quote)", "insurance_fund_start"),
        ("insurance fund end (quote)", "insurance_fund_end"),
        ("bad debt (quote)", "bad_debt"),
        ("deleveraged notional (quote)", "deleveraged_notional"),
        ("socialized loss (quote)", "socialized_loss"),
        ("mean collateral locked (quote)", "margin_locked_mean"),
    ]
    .iter()
    .filter_map(|(label, key)| summary.get(*key).and_then(number).map(|v| [(*label).to_owned(), format!("{v}")]))
    .collect();
    doc.table(&["figure", "value"], &rows);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flows_are_summed_into_whole_tick_bins() {
        let hours: Vec<f64> = (0..480).map(|t| f64::from(t) / 60.0).collect();
        let (bins, minutes) = binned(&hours, &vec![1.0; 480]);
        assert_eq!(bins.len(), 240);
        assert!((minutes - 2.0).abs() < 1e-9);
        assert!(bins.iter().all(|(_, sum)| *sum == 2.0));
    }

    #[test]
    fn cumulative_sums_skip_missing_cells() {
        assert_eq!(cumulative(&[1.0, f64::NAN, 2.5]), vec![1.0, 1.0, 3.5]);
    }
}
