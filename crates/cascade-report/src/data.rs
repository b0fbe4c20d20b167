//! Reading the tables and JSON files that runs, sweeps and calibrations write, with errors that name the file.

use crate::ReportError;
use std::path::Path;

/// A CSV file held as text cells, read by column name.
#[derive(Debug, Clone)]
pub struct Csv {
    /// The file, for messages.
    pub path: String,
    /// Header names.
    pub headers: Vec<String>,
    /// The data rows.
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    /// Reads `path` (a header row, then data rows).
    pub fn read(path: &Path) -> Result<Self, ReportError> {
        let shown = path.display().to_string();
        let fail = |e: csv::Error| {
            let line = e.position().map_or(String::new(), |p| format!(":{}", p.line()));
            ReportError::Read { path: format!("{shown}{line}"), message: e.to_string() }
        };
        let mut reader = csv::Reader::from_path(path).map_err(fail)?;
        let headers = reader.headers().map_err(fail)?.iter().map(str::to_owned).collect();
        let rows = reader
            .records()
            .map(|r| r.map(|r| r.iter().map(str::to_owned).collect()))
            .collect::<Result<_, _>>()
            .map_err(fail)?;
        Ok(Self { path: shown, headers, rows })
    }

    /// Whether the file has column `name`.
    pub fn has(&self, name: &str) -> bool {
        self.headers.iter().any(|h| h == name)
    }

    fn index(&self, name: &str) -> Result<usize, ReportError> {
        self.headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| ReportError::MissingColumn { path: self.path.clone(), column: name.to_owned() })
    }

    /// Column `name` as text.
    pub fn text(&self, name: &str) -> Result<Vec<&str>, ReportError> {
        let i = self.index(name)?;
        Ok(self.rows.iter().map(|r| r.get(i).map_or("", String::as_str)).collect())
    }

    /// Column `name` as numbers (`NaN` where a cell is empty or not a number: `true`/`false` read as 1 and 0).
    pub fn numbers(&self, name: &str) -> Result<Vec<f64>, ReportError> {
        Ok(self
            .text(name)?
            .into_iter()
            .map(|cell| match cell {
                "true" => 1.0,
                "false" => 0.0,
                _ => cell.parse().unwrap_or(f64::NAN),
            })
            .collect())
    }
}

/// Reads and parses the JSON file `path`.
pub fn json(path: &Path) -> Result<serde_json::Value, ReportError> {
    let shown = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| ReportError::Read { path: shown.clone(), message: e.to_string() })?;
    serde_json::from_str(&text)
        .map_err(|e| ReportError::Read { path: format!("{shown}:{}:{}", e.line(), e.column()), message: e.to_string() })
}

/// A JSON figure as a number: numbers as they are, decimal strings (money) parsed; `None` otherwise.
pub fn number(value: &serde_json::Value) -> Option<f64> {
    match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}
