//! Historical price series for replay: a CSV file with a header and columns `time` (seconds, strictly increasing)
//! and `price` (positive); other columns are ignored, lines starting with `#` are comments.

use std::path::Path;

/// Why a series could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReplayError {
    /// The file could not be read.
    #[error("{file}: cannot read: {message}")]
    Io {
        /// The file.
        file: String,
        /// The cause.
        message: String,
    },
    /// A line is malformed.
    #[error("{file}:{line}: {message}")]
    Malformed {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// A price series: `(time in seconds, price)`, strictly increasing in time, at least two points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    points: Vec<(f64, f64)>,
}

impl Series {
    /// Seconds from the first to the last point.
    pub fn duration_seconds(&self) -> f64 {
        self.points.last().map_or(0.0, |l| l.0) - self.points.first().map_or(0.0, |f| f.0)
    }

    /// The first price.
    pub fn first_price(&self) -> f64 {
        self.points.first().map_or(f64::NAN, |p| p.1)
    }

    /// The price at `seconds` after the first point: the last price at or before that time (the last price beyond
    /// the end).
    pub fn price_at(&self, seconds: f64) -> f64 {
        let t = self.points[0].0 + seconds;
        let i = self.points.partition_point(|p| p.0 <= t);
        self.points[i.saturating_sub(1)].1
    }
}

/// Reads a series (a shipped one from the text compiled in: see [`crate::library::read`]).
pub fn load(path: &Path) -> Result<Series, ReplayError> {
    let file = path.display().to_string();
    let text =
        crate::library::read(path).map_err(|e| ReplayError::Io { file: file.clone(), message: e.to_string() })?;
    parse(&file, &text)
}

/// Parses series text; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Series, ReplayError> {
    let malformed = |line: usize, message: String| ReplayError::Malformed { file: file.to_owned(), line, message };
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let (header_line, header) =
        lines.next().ok_or_else(|| malformed(1, "empty file: expected a header `time,price`".into()))?;
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let find = |name: &str| columns.iter().position(|c| c.eq_ignore_ascii_case(name));
    let (Some(time_col), Some(price_col)) = (find("time"), find("price")) else {
        return Err(malformed(header_line + 1, format!("expected columns `time` and `price`, found {columns:?}")));
    };
    let mut points: Vec<(f64, f64)> = Vec::new();
    for (n, line) in lines {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let get = |col: usize, what: &str| -> Result<f64, ReplayError> {
            let raw = fields.get(col).ok_or_else(|| malformed(n + 1, format!("missing {what}")))?;
            raw.parse::<f64>().map_err(|_| malformed(n + 1, format!("{what} `{raw}` is not a number")))
        };
        let (time, price) = (get(time_col, "time")?, get(price_col, "price")?);
        if !(price.is_finite() && price > 0.0) {
            return Err(malformed(n + 1, format!("price {price} is not positive")));
        }
        if !time.is_finite() || points.last().is_some_and(|p| time <= p.0) {
            return Err(malformed(n + 1, format!("time {time} does not increase")));
        }
        points.push((time, price));
    }
    if points.len() < 2 {
        return Err(malformed(1, "expected at least two prices".into()));
    }
    Ok(Series { points })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_lookup_and_errors() {
        let s = parse("s.csv", "# source: test\ntime,price,volume\n0,100,1\n3600,110,1\n7200,99,1\n").unwrap();
        assert_eq!(s.duration_seconds(), 7200.0);
        assert_eq!(s.price_at(0.0), 100.0);
        assert_eq!(s.price_at(3599.0), 100.0);
        assert_eq!(s.price_at(3600.0), 110.0);
        assert_eq!(s.price_at(1e9), 99.0);
        let e = parse("s.csv", "time,price\n0,100\n0,101\n").unwrap_err();
        assert_eq!(e.to_string(), "s.csv:3: time 0 does not increase");
        let e = parse("s.csv", "t,p\n0,1\n").unwrap_err();
        assert!(e.to_string().contains("expected columns `time` and `price`"));
        assert!(parse("s.csv", "time,price\n0,abc\n").unwrap_err().to_string().contains("`abc` is not a number"));
    }
}
