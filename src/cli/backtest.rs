//! `cascade backtest`: a run's maintenance margin against its mark moves, and how procyclical its margin was.

use anyhow::{Context, Result, bail};
use cascade_core::Decimal;
use cascade_core::procyclicality::{Procyclicality, ProcyclicalityMeasures};
use std::path::Path;
use std::str::FromStr;

/// The JSON of `cascade backtest --json`: the backtest's fields, and the procyclicality measures.
#[derive(serde::Serialize)]
struct Report {
    #[serde(flatten)]
    backtest: cascade_core::risk::Backtest,
    procyclicality: ProcyclicalityMeasures,
}

/// Backtests the run in `run_dir` and prints the result, with the procyclicality of a one-unit long's initial
/// margin (its peak-to-trough ratio and its largest rise within `window_hours`), as the run's summary measures it.
pub fn backtest(run_dir: &Path, horizon: usize, confidence: f64, window_hours: f64, json: bool) -> Result<()> {
    if !(window_hours.is_finite() && window_hours > 0.0) {
        bail!("--window-hours must be positive, found {window_hours}");
    }
    if !(confidence > 0.0 && confidence < 1.0) {
        bail!("--confidence must be in (0, 1), found {confidence}");
    }
    let path = run_dir.join("timeseries.csv");
    let mut reader = csv::Reader::from_path(&path).with_context(|| format!("{}: cannot read", path.display()))?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| h == name).with_context(|| format!("{}: no column `{name}`", path.display()))
    };
    let (mark, margin) = (column("mark")?, column("maintenance_margin")?);
    let (time, initial) = (column("time_s")?, column("initial_margin")?);
    let (mut marks, mut margins) = (Vec::new(), Vec::new());
    let mut procyclicality = Procyclicality::new(window_hours);
    for (i, record) in reader.records().enumerate() {
        let record = record?;
        let raw = |c: usize| record.get(c).unwrap_or("");
        let bad = |c: usize| format!("{}:{}: `{}` is not a number", path.display(), i + 2, raw(c));
        let number = |c: usize| -> Result<f64> { raw(c).parse().with_context(|| bad(c)) };
        let decimal = |c: usize| -> Result<Decimal> { Decimal::from_str(raw(c)).with_context(|| bad(c)) };
        marks.push(number(mark)?);
        margins.push(number(margin)?);
        let requirement = cascade_core::money::to_f64(decimal(initial)? * decimal(mark)?);
        procyclicality.push(number(time)?, requirement);
    }
    let procyclicality = procyclicality.measures();
    // 1 - 0.99 is 0.010000000000000009 in binary; report the rate the user meant.
    let expected_rate = ((1.0 - confidence) * 1e12).round() / 1e12;
    let Some(b) = cascade_core::risk::backtest(&marks, &margins, horizon, expected_rate) else {
        bail!("{}: fewer than {} ticks", path.display(), horizon + 1);
    };
    if json {
        println!("{}", serde_json::to_string(&Report { backtest: b, procyclicality })?);
    } else {
        let expected = b.expected_rate * b.observations as f64;
        let worse = b.long_exceptions.max(b.short_exceptions) as f64;
        let coverage = |rejects| match (rejects, worse < expected) {
            (false, _) => "not rejected at 5%",
            (true, true) => "rejected at 5% for too few exceptions: the margin is conservative, not failing",
            (true, false) => "rejected at 5%: too many exceptions",
        };
        let kupiec = coverage(b.kupiec_rejects);
        println!(
            "maintenance margin vs {}-tick mark moves (non-overlapping windows): {} observations, exceptions {} long / \
             {} short (expected {expected:.1}); Kupiec LR {:.3} ({kupiec}); Basel zone {}",
            b.horizon, b.observations, b.long_exceptions, b.short_exceptions, b.kupiec_lr, b.zone
        );
        if let Some(c) = b.clustering {
            let independence =
                if c.independence_rejects { "rejected at 5%: they cluster" } else { "not rejected at 5%" };
            println!(
                "clustering (Christoffersen, worse side): exception rate {:.4} after an exception against {:.4} \
                 after none; independence LR {:.3} ({}); conditional coverage LR {:.3} ({})",
                c.rate_after_exception,
                c.rate_after_calm,
                c.independence_lr,
                independence,
                c.conditional_coverage_lr,
                coverage(c.conditional_coverage_rejects)
            );
        }
        let ratio = procyclicality.peak_to_trough.map_or("-".to_owned(), |r| format!("{r:.2}"));
        let rise = procyclicality.max_increase.map_or("-".to_owned(), |r| format!("{:.1}%", 100.0 * r));
        println!(
            "procyclicality (initial margin of one unit long): peak-to-trough {ratio}; largest rise within {window_hours} \
             h {rise}; mean requirement {:.2}",
            procyclicality.requirement_mean
        );
    }
    Ok(())
}
