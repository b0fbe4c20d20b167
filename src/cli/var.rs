//! `cascade var`: Value-at-Risk and Expected Shortfall of a return series.

use anyhow::{Context, Result, bail};
use std::path::PathBuf;

/// How VaR and ES are estimated.
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

/// The side of the position whose losses are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PositionSide {
    /// A long position: losses are falls.
    Long,
    /// A short position: losses are rises.
    Short,
}

/// Column names read as prices (turned into log returns) rather than as returns: a run's price columns and the
/// usual names of a price series.
const PRICE_COLUMNS: [&str; 9] =
    ["price", "close", "mark", "reference", "oracle", "best_bid", "best_ask", "last_trade", "mid"];

/// Arguments of `cascade var`.
#[derive(Debug, clap::Args)]
pub struct VarArgs {
    /// CSV file with a header: a column of returns, or of prices (a run's timeseries.csv works).
    #[arg(long)]
    returns: PathBuf,
    /// The column to read. Price columns (price, close, mark, reference, oracle, best_bid, best_ask, last_trade,
    /// mid) are turned into log returns; any other column is read as returns (fractions). Default: `return`, else
    /// `price`, else `mark`.
    #[arg(long)]
    column: Option<String>,
    /// Whose losses: a long position's (falls) or a short's (rises).
    #[arg(long, value_enum, default_value = "long")]
    side: PositionSide,
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

/// A series of returns and where it came from.
struct Series {
    /// The column read.
    column: String,
    /// Whether the column held prices (and the returns are their log returns).
    from_prices: bool,
    /// The returns, fractions of position value, of a long position.
    returns: Vec<f64>,
}

/// Reads the column `args.column` (or the default one) as returns, or as prices turned into log returns.
fn read_returns(args: &VarArgs) -> Result<Series> {
    let path = &args.returns;
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let headers = reader.headers().with_context(|| format!("{}: no header", path.display()))?.clone();
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let columns = || headers.iter().collect::<Vec<_>>().join(", ");
    let column = match &args.column {
        Some(name) => {
            find(name).with_context(|| format!("{}: no column `{name}` (columns: {})", path.display(), columns()))?
        }
        None => find("return").or_else(|| find("price")).or_else(|| find("mark")).with_context(|| {
            format!(
                "{}: no column `return`, `price` or `mark` (columns: {}); name one with --column",
                path.display(),
                columns()
            )
        })?,
    };
    let name = headers.get(column).unwrap_or_default().trim().to_owned();
    let from_prices = PRICE_COLUMNS.contains(&name.as_str());
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
    let returns = if from_prices {
        if values.iter().any(|p| *p <= 0.0) {
            bail!("{}: column `{name}` holds prices, which must be positive", path.display());
        }
        values.windows(2).map(|w| libm::log(w[1] / w[0])).collect()
    } else {
        // A return of 100% or more per observation is a price, not a return: refuse rather than report nonsense.
        if let Some(big) = values.iter().find(|r| r.abs() >= 1.0) {
            bail!(
                "{}: column `{name}` is read as returns (fractions), but holds {big}: if it holds prices, it is not one of \
                 the price columns ({}); give returns",
                path.display(),
                PRICE_COLUMNS.join(", ")
            );
        }
        values
    };
    Ok(Series { column: name, from_prices, returns })
}

/// Estimates and prints VaR and ES of the series.
pub fn var(args: &VarArgs) -> Result<()> {
    use cascade_core::risk::{Method, estimate};
    let series = read_returns(args)?;
    let returns: Vec<f64> = match args.side {
        PositionSide::Long => series.returns.clone(),
        PositionSide::Short => series.returns.iter().map(|r| -r).collect(),
    };
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
    let side = match args.side {
        PositionSide::Long => "long",
        PositionSide::Short => "short",
    };
    if args.json {
        let value = serde_json::json!({
            "method": name,
            "column": series.column,
            "from_prices": series.from_prices,
            "side": side,
            "confidence": args.confidence,
            "horizon": args.horizon,
            "observations": returns.len(),
            "var": e.var,
            "es": e.es,
        });
        println!("{value}");
    } else {
        let source = if series.from_prices { "log returns of the prices in" } else { "returns in" };
        println!(
            "{name} VaR {:.4}% and ES {:.4}% of a {side} position's value at {}% over {} observation(s), from {} {source} column `{}`",
            100.0 * e.var,
            100.0 * e.es,
            100.0 * args.confidence,
            args.horizon,
            returns.len(),
            series.column
        );
    }
    Ok(())
}
