//! A run's figures as a sweep keeps them: every number of its `summary.json`, named by its path there
//! (`bad_debt`, `loss_allocation.winners_hit`, `markets.ETH-PERP.mark_min`), as `f64` (money converted at this one
//! boundary: the figures are statistics from here on).

use cascade_sim::summary::Summary;
use serde_json::Value;

/// Summary figures of a one-market world that an empty summary does not show.
const MARKET_FIGURES: [&str; 9] = [
    "reference_start",
    "reference_end",
    "reference_min",
    "mark_start",
    "mark_end",
    "mark_min",
    "mark_max_drawdown",
    "backtest",
    "procyclicality",
];

/// Every figure of `summary`, in name order, with its unit when known; `keep` (non-empty) keeps only the figures
/// named there or nested under a name there.
pub fn figures(summary: &Summary, keep: &[String]) -> Vec<(String, Option<f64>)> {
    let mut out = Vec::new();
    if let Ok(Value::Object(top)) = serde_json::to_value(summary) {
        for (key, value) in top.iter().filter(|(k, _)| !matches!(k.as_str(), "scenario" | "seed")) {
            flatten(key, value, &mut out);
        }
    }
    out.retain(|(name, _)| {
        keep.is_empty()
            || keep.iter().any(|k| name == k || name.strip_prefix(k.as_str()).is_some_and(|r| r.starts_with('.')))
    });
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn flatten(name: &str, value: &Value, out: &mut Vec<(String, Option<f64>)>) {
    match value {
        Value::Number(n) => out.push((name.to_owned(), n.as_f64().filter(|x| x.is_finite()))),
        Value::Bool(b) => out.push((name.to_owned(), Some(if *b { 1.0 } else { 0.0 }))),
        Value::Null => out.push((name.to_owned(), None)),
        // Exact decimals are written as strings; other text (a zone's name) is not a figure.
        Value::String(s) => {
            if let Ok(x) = s.parse::<f64>() {
                out.push((name.to_owned(), Some(x).filter(|x| x.is_finite())));
            }
        }
        Value::Object(map) => map.iter().for_each(|(k, v)| flatten(&format!("{name}.{k}"), v, out)),
        Value::Array(items) => {
            for item in items {
                let label = item.get("symbol").and_then(Value::as_str).unwrap_or("?");
                if let Value::Object(map) = item {
                    map.iter()
                        .filter(|(k, _)| *k != "symbol")
                        .for_each(|(k, v)| flatten(&format!("{name}.{label}.{k}"), v, out));
                }
            }
        }
    }
}

/// The unit of figure `name`: `count`, `fraction`, `quote per unit` (prices), `quote` (money), or none (ratios,
/// test statistics and their verdicts, the procyclicality window in hours).
pub fn unit(name: &str) -> Option<&'static str> {
    let last = name.rsplit('.').next().unwrap_or(name);
    let statistic = last.contains("kupiec") || last.ends_with("_lr") || last.ends_with("_rejects");
    if last == "peak_to_trough" || last == "window_hours" || last.contains("leverage") || statistic {
        None
    } else if last.contains("share")
        || last.contains("drawdown")
        || last == "expected_rate"
        || last == "max_increase"
        || last.starts_with("rate_after")
    {
        Some("fraction")
    } else if last.starts_with("mark_") || last.starts_with("reference_") {
        Some("quote per unit")
    } else if [
        "liquidations",
        "accounts",
        "ticks",
        "events",
        "hits",
        "observations",
        "exceptions",
        "orders",
        "winners",
        "horizon",
        "rejections",
        "tick",
    ]
    .iter()
    .any(|w| last.contains(w))
    {
        Some("count")
    } else {
        Some("quote")
    }
}

/// Whether `name` can name a summary figure: its first part is a field of `summary.json`.
pub fn check_name(name: &str) -> Result<(), String> {
    let empty = cascade_sim::summary::SummaryBuilder::new(cascade_core::Decimal::ZERO).summary("", 0);
    let top = match serde_json::to_value(&empty) {
        Ok(Value::Object(map)) => map.keys().cloned().collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    let first = name.split('.').next().unwrap_or(name);
    if top.iter().any(|k| k == first) || MARKET_FIGURES.contains(&first) {
        return Ok(());
    }
    let known: Vec<&str> = top.iter().map(String::as_str).chain(MARKET_FIGURES).collect();
    Err(format!("`{name}` is not a figure of summary.json (its fields: {})", known.join(", ")))
}
