//! `cascade facts`: the stylized facts of a run's mark (or of any CSV of prices) beside what real markets show.

use anyhow::{Context, Result, bail};
use cascade_core::facts::{Facts, REFERENCES, kurtosis_falls, measure};
use std::path::{Path, PathBuf};

/// Arguments of `cascade facts`.
#[derive(Debug, clap::Args)]
pub struct FactsArgs {
    /// A run's output directory (its `timeseries.csv`: the mark and the volume), or a CSV file of prices (lines
    /// starting with `#` are skipped).
    path: PathBuf,
    /// Sampling interval in observations (ticks, or rows of the CSV), repeatable; default 1, 10 and 60.
    #[arg(long = "interval", value_name = "TICKS")]
    intervals: Vec<usize>,
    /// The price column (default: `mark` in a run, else the first of `price`, `close`, `mark`).
    #[arg(long)]
    column: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Prices (and volumes, when the file has them) of `path`.
pub(crate) fn read(path: &Path, column: Option<&str>) -> Result<(String, Vec<f64>, Option<Vec<f64>>)> {
    let file = if path.is_dir() { path.join("timeseries.csv") } else { path.to_path_buf() };
    let shown = file.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(&file)
        .with_context(|| format!("{shown}: cannot read"))?;
    let headers = reader.headers().with_context(|| format!("{shown}: no header"))?.clone();
    let find = |name: &str| headers.iter().position(|h| h == name);
    let price = match column {
        Some(name) => find(name).with_context(|| format!("{shown}: no column `{name}`"))?,
        None => ["mark", "price", "close"]
            .iter()
            .find_map(|n| find(n))
            .with_context(|| format!("{shown}: no `mark`, `price` or `close` column (name one with --column)"))?,
    };
    let volume = find("volume");
    let (mut prices, mut volumes) = (Vec::new(), Vec::new());
    for (i, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{shown}: row {}", i + 2))?;
        let number = |c: usize| -> Result<f64> {
            let raw = record.get(c).unwrap_or("");
            let x: f64 = raw.parse().with_context(|| format!("{shown}:{}: `{raw}` is not a number", i + 2))?;
            if x.is_finite() { Ok(x) } else { bail!("{shown}:{}: `{raw}` is not a finite number", i + 2) }
        };
        prices.push(number(price)?);
        if let Some(v) = volume {
            volumes.push(number(v)?);
        }
    }
    Ok((shown, prices, volume.map(|_| volumes)))
}

/// Measures and prints the facts of `args.path` at every interval.
pub fn facts(args: &FactsArgs) -> Result<()> {
    let mut intervals = if args.intervals.is_empty() { vec![1, 10, 60] } else { args.intervals.clone() };
    intervals.sort_unstable();
    intervals.dedup();
    if intervals.contains(&0) {
        bail!("--interval must be at least 1");
    }
    let (shown, prices, volumes) = read(&args.path, args.column.as_deref())?;
    let measured: Vec<Facts> =
        intervals.iter().map(|&k| measure(&prices, volumes.as_deref(), k)).filter(|f| f.returns >= 30).collect();
    if measured.is_empty() {
        bail!("{shown}: {} prices give fewer than 30 returns at every interval asked", prices.len());
    }
    let checks: Vec<serde_json::Value> = measured
        .iter()
        .flat_map(|f| {
            REFERENCES.iter().map(move |r| {
                let value = (r.value)(f);
                let holds = r.holds.filter(|_| value.is_finite()).map(|h| h(value));
                serde_json::json!({"interval": f.interval, "figure": r.figure, "value": value, "range": r.range,
                    "holds": holds, "source": r.source})
            })
        })
        .collect();
    let falls = kurtosis_falls(&measured);
    if args.json {
        let out = serde_json::json!({"series": shown, "prices": prices.len(), "facts": measured, "checks": checks,
            "kurtosis_falls_with_interval": falls});
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("stylized facts of {shown} ({} prices), log returns", prices.len());
    for f in &measured {
        println!(
            "\ninterval {} ({} returns, volatility {:.3e}, 95% band of an autocorrelation +-{:.3})",
            f.interval, f.returns, f.volatility, f.acf_band
        );
        println!("  {:<58} {:>9}  {:<6} {:<42} source", "figure", "value", "holds", "real markets");
        for r in &REFERENCES {
            let value = (r.value)(f);
            let holds = match r.holds.filter(|_| value.is_finite()) {
                Some(h) if h(value) => "yes",
                Some(_) => "no",
                None => "-",
            };
            println!("  {:<58} {:>9.3}  {:<6} {:<42} {}", r.figure, value, holds, r.range, r.source);
        }
    }
    let kurtosis: Vec<String> =
        measured.iter().map(|f| format!("{:.2} at {}", f.excess_kurtosis, f.interval)).collect();
    let verdict = match falls {
        Some(true) => "falls with the interval: holds (aggregational Gaussianity, Cont 2001)",
        Some(false) => "does not fall with the interval: does not hold (aggregational Gaussianity, Cont 2001)",
        None => "(one interval: give several to check aggregational Gaussianity)",
    };
    println!("\nexcess kurtosis {}: {verdict}", kurtosis.join(", "));
    Ok(())
}
