//! A table handed to Python: an Arrow record batch exported through the Arrow PyCapsule interface
//! (`__arrow_c_stream__`), which polars (`pl.DataFrame(table)`), pyarrow and DuckDB read without a copy through CSV.

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchIterator};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

/// A table of results (one Arrow record batch): read it with `polars.DataFrame(table)`.
#[pyclass(frozen, module = "cascade._cascade")]
pub struct Table {
    batch: RecordBatch,
}

impl Table {
    /// The table of `batch`.
    pub fn new(batch: RecordBatch) -> Self {
        Self { batch }
    }
}

impl From<RecordBatch> for Table {
    fn from(batch: RecordBatch) -> Self {
        Self::new(batch)
    }
}

#[pymethods]
impl Table {
    /// The column names, in order.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.batch.schema().fields().iter().map(|f| f.name().clone()).collect()
    }

    /// The number of rows.
    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }

    /// The table as an Arrow C stream (the Arrow PyCapsule interface); `requested_schema` is not used: the table
    /// comes in its own schema.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let reader = RecordBatchIterator::new([Ok(self.batch.clone())], self.batch.schema());
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new(py, stream, Some(c"arrow_array_stream".to_owned()))
    }

    fn __repr__(&self) -> String {
        format!("<cascade Table: {} rows x {} columns>", self.batch.num_rows(), self.batch.num_columns())
    }
}
