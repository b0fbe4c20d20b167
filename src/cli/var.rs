//! `cascade var`: Value-at-Risk and Expected Shortfall of a return series.

use anyhow::{Context, Result, bail};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum VarMethod {
    /// Normal with the sample mean and standard deviation.
    Normal,
    /// Student-t scaled to the sample standard deviation (see --dof).
    StudentT,
    /// Empirical quantile of the observed losses.
    Historical,
    /// Filtered historical simulation: returns rescaled to the current EWMA volatility (see --lambda).
    Fhs,
}

#[derive(Debug, clap::Args)]
pub struct VarArgs {
    /// CSV file with a header; returns are read from --column, or computed as log returns from a `price` or `mark`
    /// column (a run's timeseries.csv works).
    #[arg(long)]
    returns: PathBuf,
    /// Column of returns (default: `return`).
    #[arg(long, default_value = "return")]
    column: String,
    /// Confidence level, e.g. 0.99.
    #[arg(long, default_value_t = 0.99)]
    confidence: f64,
    /// Horizon in observations (parametric: sqrt scaling; historical: overlapping sums).
    #[arg(long, default_value_t = 1)]
    horizon: usize,
    /// Estimation method.
    #[arg(long, value_enum, default_value = "historical")]
    method: VarMethod,
    /// Degrees of freedom for student-t.
    #[arg(long, default_value_t = 4.0)]
    dof: f64,
    /// EWMA decay for fhs.
    #[arg(long, default_value_t = 0.94)]
    lambda: f64,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Reads returns from `args.column`, or log returns of a `price` or `mark` column.
fn read_returns(args: &VarArgs) -> Result<Vec<f64>> {
    let path = &args.returns;
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let headers = reader.headers().with_context(|| format!("{}: no header", path.display()))?.clone();
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (column, from_prices) = match (find(&args.column), find("price").or_else(|| find("mark"))) {
        (Some(c), _) => (c, false),
        (None, Some(c)) => (c, true),
        (None, None) => bail!(
            "{}: no column `{}`, `price` or `mark` (columns: {})",
            path.display(),
            args.column,
            headers.iter().collect::<Vec<_>>().join(", ")
        ),
    };
    let mut values = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: line {}", path.display(), i + 2))?;
        let raw = record.get(column).unwrap_or("").trim();
        if raw.is_empty() {
            continue;
        }
        let value: f64 =
            raw.parse().with_context(|| format!("{}:{}: `{raw}` is not a number", path.display(), i + 2))?;
        values.push(value);
    }
    if from_prices {
        if values.iter().any(|p| *p <= 0.0) {
            bail!("{}: prices must be positive", path.display());
        }
        Ok(values.windows(2).map(|w| libm::log(w[1] / w[0])).collect())
    } else {
        Ok(values)
    }
}

/// Estimates and prints VaR and ES of the series.
pub fn var(args: &VarArgs) -> Result<()> {
    use cascade_core::risk::{Method, estimate};
    let returns = read_returns(args)?;
    let method = match args.method {
        VarMethod::Normal => Method::Normal,
        VarMethod::StudentT => Method::StudentT { dof: args.dof },
        VarMethod::Historical => Method::Historical,
        VarMethod::Fhs => Method::FilteredHistorical { lambda: args.lambda },
    };
    let e = estimate(&returns, args.confidence, args.horizon, method).context("estimating VaR")?;
    let name = match args.method {
        VarMethod::Normal => "normal",
        VarMethod::StudentT => "student-t",
        VarMethod::Historical => "historical",
        VarMethod::Fhs => "fhs",
    };
    if args.json {
        let value = serde_json::json!({
            "method": name,
            "confidence": args.confidence,
            "horizon": args.horizon,
            "observations": returns.len(),
            "var": e.var,
            "es": e.es,
        });
        println!("{value}");
    } else {
        println!(
            "{name} VaR {:.4}% and ES {:.4}% of position value at {}% over {} observation(s), from {} returns",
            100.0 * e.var,
            100.0 * e.es,
            100.0 * args.confidence,
            args.horizon,
            returns.len()
        );
    }
    Ok(())
}
