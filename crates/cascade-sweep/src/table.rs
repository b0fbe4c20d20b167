//! A typed table and its two files: CSV and Parquet (through Arrow), each written to a temporary name and renamed,
//! so no file is ever left half-written.

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// One column's values.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// Counts and indices.
    Count(Vec<u64>),
    /// Figures (`None`: missing, or not finite).
    Float(Vec<Option<f64>>),
    /// Names and messages (`None`: empty).
    Text(Vec<Option<String>>),
}

/// A named, typed column; `unit` goes into the Parquet field's metadata (`unit`).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Unit of a figure (`quote`, `fraction`, `quote per unit`, `ticks`), if known.
    pub unit: Option<&'static str>,
    /// Values, one per row.
    pub data: Data,
}

/// Columns of equal length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// The columns, in file order.
    pub columns: Vec<Column>,
}

/// Why a table could not be written.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// Writing the file failed.
    #[error("{path}: {message}")]
    Write {
        /// The file.
        path: String,
        /// The cause.
        message: String,
    },
}

impl Table {
    /// Adds a column.
    pub fn push(&mut self, name: impl Into<String>, unit: Option<&'static str>, data: Data) {
        self.columns.push(Column { name: name.into(), unit, data });
    }

    /// Rows (the first column's length).
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| match &c.data {
            Data::Count(v) => v.len(),
            Data::Float(v) => v.len(),
            Data::Text(v) => v.len(),
        })
    }

    /// Writes `path` (CSV: a header, then a row per row; figures in the shortest form that reads back to the same
    /// `f64`, missing values empty).
    pub fn write_csv(&self, path: &Path) -> Result<(), TableError> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| TableError::Write { path: path.display().to_string(), message: e.to_string() };
        writer.write_record(self.columns.iter().map(|c| c.name.as_str())).map_err(fail)?;
        for row in 0..self.rows() {
            let cells = self.columns.iter().map(|c| match &c.data {
                Data::Count(v) => v[row].to_string(),
                Data::Float(v) => v[row].map_or_else(String::new, |x| format!("{x}")),
                Data::Text(v) => v[row].clone().unwrap_or_default(),
            });
            writer.write_record(cells).map_err(fail)?;
        }
        let bytes = writer
            .into_inner()
            .map_err(|e| TableError::Write { path: path.display().to_string(), message: e.to_string() })?;
        write_atomically(path, &bytes)
    }

    /// The table as an Arrow record batch: counts as UInt64, figures as nullable Float64 with their unit in the
    /// field metadata (`unit`), text as nullable Utf8 (what the Parquet file holds, and the Python module hands to
    /// polars).
    pub fn to_record_batch(&self) -> Result<RecordBatch, arrow_schema::ArrowError> {
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| {
                let (kind, nullable) = match c.data {
                    Data::Count(_) => (DataType::UInt64, false),
                    Data::Float(_) => (DataType::Float64, true),
                    Data::Text(_) => (DataType::Utf8, true),
                };
                let field = Field::new(&c.name, kind, nullable);
                match c.unit {
                    Some(unit) => field.with_metadata(HashMap::from([("unit".to_owned(), unit.to_owned())])),
                    None => field,
                }
            })
            .collect();
        let arrays: Vec<ArrayRef> = self
            .columns
            .iter()
            .map(|c| -> ArrayRef {
                match &c.data {
                    Data::Count(v) => Arc::new(UInt64Array::from(v.clone())),
                    Data::Float(v) => Arc::new(Float64Array::from(v.clone())),
                    Data::Text(v) => Arc::new(StringArray::from(v.clone())),
                }
            })
            .collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
    }

    /// Writes `path` (Parquet: the columns of [`Table::to_record_batch`]).
    pub fn write_parquet(&self, path: &Path) -> Result<(), TableError> {
        let fail = |message: String| TableError::Write { path: path.display().to_string(), message };
        let batch = self.to_record_batch().map_err(|e| fail(e.to_string()))?;
        let mut bytes = Vec::new();
        let mut writer =
            parquet::arrow::ArrowWriter::try_new(&mut bytes, batch.schema(), None).map_err(|e| fail(e.to_string()))?;
        writer.write(&batch).map_err(|e| fail(e.to_string()))?;
        writer.close().map_err(|e| fail(e.to_string()))?;
        write_atomically(path, &bytes)
    }
}

/// Writes `bytes` to `path` through a temporary file beside it and a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), TableError> {
    let fail = |e: std::io::Error| TableError::Write { path: path.display().to_string(), message: e.to_string() };
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".partial");
    let temporary = std::path::PathBuf::from(temporary);
    let mut file = std::fs::File::create(&temporary).map_err(fail)?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(fail)?;
    std::fs::rename(&temporary, path).map_err(fail)
}
